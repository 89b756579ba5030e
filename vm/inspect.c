/* inspect.c — Kernel.inspect, the pretty printer, and String.Chars.
 *
 * This is a transcription of Elixir 1.14's Inspect protocol implementations
 * (Inspect.List, .Map, .Tuple, .BitString, .Atom, .Range, structs) and of
 * Inspect.Algebra (container_doc + the Wadler/Lindig document formatter with
 * "flex" breaks), done in two phases:
 *
 *  1. build: the term is turned into a document: a DAG of DocNodes in an
 *     arena. The traversal uses an explicit work stack (Frames) and a stack
 *     of finished documents, never C recursion, so any nesting depth works.
 *  2. format: the document is laid out for a width, also with explicit
 *     stacks (format/fits in Inspect.Algebra, clause for clause).
 *
 * Width counts bytes, as Inspect.Algebra does for binaries.
 * (StrBuf, chardata and to_string live in chardata.c.)
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <gmp.h>
#include <pthread.h>
#include "inspect.h"
#include "atom.h"
#include "heap.h"
#include "map.h"
#include "unicode.h"
#include "module.h"
#include "native.h"
#include "termops.h"
#include "opinfo.h"

/* ======================================================================
 * Scalars: integers, atoms, escaping
 * ====================================================================== */

const InspectOpts inspect_default_opts = { 50, 4096, 80, false, 0 };
const InspectOpts inspect_pretty_opts = { 50, 4096, 80, true, 0 };

/* An integer in base 2, 8, 10 or 16; `prefix` adds 0b / 0o / 0x after the
 * sign, as Inspect.Integer does. Digits above 9 are upper case. */
static void integer_in_base(StrBuf *b, Term i, int base, bool prefix)
{
    static const char DIG[] = "0123456789ABCDEF";
    const char *pre = !prefix ? "" : base == 2 ? "0b" : base == 8 ? "0o" : base == 16 ? "0x" : "";
    if (is_small(i)) {
        SInt v = small_val(i);
        if (base == 10) {
            strbuf_printf(b, "%ld", (long)v);
            return;
        }
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        char tmp[72];
        size_t k = sizeof tmp;
        do {
            tmp[--k] = DIG[u % (uint64_t)base];
            u /= (uint64_t)base;
        } while (u);
        if (v < 0) strbuf_putc(b, '-');
        strbuf_puts(b, pre);
        strbuf_put(b, tmp + k, sizeof tmp - k);
        return;
    }
    /* Bignum: magnitude limbs, sign in the header (bignum.h layout). */
    size_t n = header_arity(box_header(i));
    mp_limb_t *tmp = malloc((n + 1) * sizeof(mp_limb_t));
    size_t cap = n * 64 + 2;
    unsigned char *digits = malloc(cap);
    if (!tmp || !digits) abort();
    memcpy(tmp, boxed_ptr(i) + 1, n * sizeof(mp_limb_t));
    size_t nd = mpn_get_str(digits, base, tmp, (mp_size_t)n);
    size_t start = 0;
    while (start + 1 < nd && digits[start] == 0) start++;
    if (box_type(i) == BOX_BIG_NEG) strbuf_putc(b, '-');
    strbuf_puts(b, pre);
    strbuf_reserve(b, nd - start);
    for (size_t k = start; k < nd; k++) b->data[b->len++] = DIG[digits[k]];
    b->data[b->len] = 0;
    free(tmp);
    free(digits);
}

void inspect_integer_to_buf(StrBuf *b, Term i) { integer_in_base(b, i, 10, false); }


/* String.printable?/2 over a code point. */
static bool printable_cp(uint32_t c)
{
    if (c >= 0x20 && c <= 0x7E) return true;
    if (c >= 0xA0 && c <= 0xD7FF) return true;
    if (c >= 0xE000 && c <= 0xFFFD) return true;
    if (c >= 0x10000 && c <= 0x10FFFF) return true;
    switch (c) {
    case '\n': case '\r': case '\t': case '\v': case '\b': case '\f':
    case 27: case 127: case 7:
        return true;
    }
    return false;
}

/* String.printable?(s, limit): limit < 0 is :infinity. */
static bool printable_binary(const uint8_t *s, size_t n, long limit)
{
    size_t i = 0;
    while (i < n) {
        if (limit == 0) return true;
        uint32_t cp;
        int l = unicode_decode(s + i, n - i, &cp);
        if (!l || !printable_cp(cp)) return false;
        i += (size_t)l;
        if (limit > 0) limit--;
    }
    return true;
}

static const char HEX[] = "0123456789ABCDEF";

/* Code.Identifier.escape(s, quote, limit): appends the escaped text;
 * returns the number of bytes of s consumed (< n when the limit cut it). */
static size_t escape_to_buf(StrBuf *b, const uint8_t *s, size_t n, char quote, long limit)
{
    size_t i = 0;
    while (i < n) {
        if (limit == 0) return i;
        if (limit > 0) limit--;
        uint8_t c = s[i];
        if (c == (uint8_t)quote) {
            strbuf_putc(b, '\\');
            strbuf_putc(b, (char)c);
            i++;
            continue;
        }
        if (c == '#' && i + 1 < n && s[i + 1] == '{') {
            strbuf_puts(b, "\\#{");
            i += 2;
            continue;
        }
        uint32_t cp;
        int l = unicode_decode(s + i, n - i, &cp);
        if (!l) {
            char x[4] = { '\\', 'x', HEX[c >> 4], HEX[c & 15] };
            strbuf_put(b, x, 4);
            i++;
            continue;
        }
        const char *m = NULL;
        switch (cp) {
        case 7: m = "\\a"; break;
        case 8: m = "\\b"; break;
        case 127: m = "\\d"; break;
        case 27: m = "\\e"; break;
        case 12: m = "\\f"; break;
        case 10: m = "\\n"; break;
        case 13: m = "\\r"; break;
        case 9: m = "\\t"; break;
        case 11: m = "\\v"; break;
        case 92: m = "\\\\"; break;
        case 0: m = "\\0"; break;
        case 0xFEFF: m = "\\uFEFF"; break;
        }
        if (m) strbuf_puts(b, m);
        else if ((cp >= 32 && cp <= 126) || (cp >= 160 && cp <= 0xD7FF) ||
                 (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000)
            strbuf_put(b, s + i, (size_t)l);
        else if (cp < 256)
            strbuf_printf(b, "\\x%c%c", HEX[cp >> 4], HEX[cp & 15]);
        else
            strbuf_printf(b, "\\x{%04X}", (unsigned)cp);
        i += (size_t)l;
    }
    return i;
}

/* ---- atoms (Macro.inspect_atom) ---- */

enum { ATOMC_ALIAS, ATOMC_IDENT, ATOMC_UNQUOTED, ATOMC_QUOTED };

static bool name_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool is_upper_ascii(uint8_t c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower_ascii(uint8_t c) { return c >= 'a' && c <= 'z'; }
static bool is_digit_ascii(uint8_t c) { return c >= '0' && c <= '9'; }

/* Elixir.Foo.Bar (or bare Elixir): every segment [A-Z][A-Za-z0-9_]*. */
static bool valid_alias(const char *s, size_t n)
{
    if (name_is(s, n, "Elixir")) return true;
    if (n < 8 || memcmp(s, "Elixir.", 7) != 0) return false;
    size_t i = 7;
    while (i < n) {
        if (!is_upper_ascii((uint8_t)s[i])) return false;
        i++;
        while (i < n && s[i] != '.') {
            uint8_t c = (uint8_t)s[i];
            if (!(is_upper_ascii(c) || is_lower_ascii(c) || is_digit_ascii(c) || c == '_')) return false;
            i++;
        }
        if (i < n) { /* a dot: another segment must follow */
            i++;
            if (i == n) return false;
        }
    }
    return true;
}

/* Elixir's identifier tokenizer accepts Unicode letters (UAX 31), but only
 * NFKC-stable ones and only from one script, or Latin with Han/Kana/Hangul
 * (UTS 39 "highly restrictive"). Act approximates it with the scripts
 * below; letters of other scripts and symbols make an atom quoted. */
enum { SC_NONE, SC_COMMON, SC_LATIN, SC_GREEK, SC_CYRILLIC, SC_HEBREW, SC_ARABIC, SC_CJK };

static int letter_script(uint32_t cp)
{
    if (cp < 0x80) {
        if (is_upper_ascii((uint8_t)cp) || is_lower_ascii((uint8_t)cp)) return SC_LATIN;
        return SC_NONE;
    }
    /* NFKC-unstable letters (ª µ º ĳ ŀ ŉ ſ ǅ ...) are quoted by Elixir */
    static const uint32_t unstable[][2] = {
        { 0xAA, 0xAA }, { 0xB5, 0xB5 }, { 0xBA, 0xBA }, { 0x132, 0x133 }, { 0x13F, 0x140 },
        { 0x149, 0x149 }, { 0x17F, 0x17F }, { 0x1C4, 0x1CC }, { 0x1F1, 0x1F3 }, { 0x37A, 0x37A },
        { 0x3D0, 0x3D6 }, { 0x3F0, 0x3F2 }, { 0x3F4, 0x3F5 }, { 0x3F9, 0x3F9 },
    };
    for (size_t k = 0; k < sizeof unstable / sizeof unstable[0]; k++)
        if (cp >= unstable[k][0] && cp <= unstable[k][1]) return SC_NONE;
    if ((cp >= 0x300 && cp <= 0x36F) || cp == 0xB7) return SC_COMMON; /* marks, middle dot */
    if ((cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x1E00 && cp <= 0x1EFF))
        return SC_LATIN;
    if ((cp >= 0x370 && cp <= 0x3FF && cp != 0x375 && cp != 0x37E && cp != 0x384 && cp != 0x385 &&
         cp != 0x387) ||
        (cp >= 0x1F00 && cp <= 0x1FFF))
        return SC_GREEK;
    if (cp >= 0x400 && cp <= 0x52F && !(cp >= 0x482 && cp <= 0x489)) return SC_CYRILLIC;
    if (cp >= 0x5D0 && cp <= 0x5EA) return SC_HEBREW;
    if (cp >= 0x620 && cp <= 0x64A) return SC_ARABIC;
    if ((cp >= 0x3041 && cp <= 0x30FF && cp != 0x30A0 && cp != 0x30FB) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3))
        return SC_CJK;
    return SC_NONE;
}

/* The tokenizer's view: identifier ([a-z_]...), alias-like ([A-Z]...), with
 * letters, digits, '_' and '@', and one optional trailing ? or !. */
static bool tokenizes_as_identifier(const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    if (n == 0) return false;
    size_t i = 0;
    int script = SC_COMMON; /* the one non-Latin script seen, if any */
    bool latin = false;
    bool first = true;
    while (i < n) {
        uint32_t cp;
        int l = unicode_decode(u + i, n - i, &cp);
        if (!l) return false;
        int sc = letter_script(cp);
        bool ok = sc != SC_NONE && !(first && sc == SC_COMMON);
        if (!ok && (cp == '_' || (!first && (cp == '@' || (cp >= '0' && cp <= '9'))))) {
            ok = true;
            sc = SC_COMMON;
        }
        if (!ok) return !first && (cp == '?' || cp == '!') && i + 1 == n;
        if (sc == SC_LATIN) latin = true;
        else if (sc != SC_COMMON) {
            if (script != SC_COMMON && script != sc) return false;
            script = sc;
        }
        first = false;
        i += (size_t)l;
    }
    /* one script, or Latin with CJK only */
    return !latin || script == SC_COMMON || script == SC_CJK;
}

static int classify_atom(const char *s, size_t n)
{
    static const char *const not_callable[] = { "%", "%{}", "{}", "<<>>", "...", "..", ".", "..//", "->", NULL };
    static const char *const quoted_ops[] = { "::", "^^^", "~~~", "<|>", NULL };
    static const char *const ops[] = {
        "@", "+", "-", "!", "^", "not", "*", "/", "++", "--", "+++", "---", "<>", "in", "|>",
        "<<<", ">>>", "<<~", "~>>", "<~", "~>", "<~>", "<", ">", "<=", ">=", "==", "!=", "=~",
        "===", "!==", "&&", "&&&", "and", "||", "|||", "or", "=", "|", "when", "<-", "&", "**",
        "\\\\", NULL };
    for (int k = 0; not_callable[k]; k++)
        if (name_is(s, n, not_callable[k])) return ATOMC_UNQUOTED;
    for (int k = 0; quoted_ops[k]; k++)
        if (name_is(s, n, quoted_ops[k])) return ATOMC_QUOTED;
    for (int k = 0; ops[k]; k++)
        if (name_is(s, n, ops[k])) return ATOMC_UNQUOTED;
    if (valid_alias(s, n)) return ATOMC_ALIAS;
    if (tokenizes_as_identifier(s, n)) {
        uint8_t c = (uint8_t)s[0];
        /* alias-like names (Foo, Ém) and names with @ are "not callable",
         * which Macro.classify_atom also prints unquoted. */
        return (c == '_' || is_lower_ascii(c) || c >= 0x80) && !memchr(s, '@', n) ? ATOMC_IDENT
                                                                                : ATOMC_UNQUOTED;
    }
    return ATOMC_QUOTED;
}

void inspect_atom_to_buf(StrBuf *b, Term atom)
{
    size_t n;
    const char *s = atom_name(atom, &n);
    if (atom == ATOM_nil || atom == ATOM_true || atom == ATOM_false) {
        strbuf_put(b, s, n);
        return;
    }
    switch (classify_atom(s, n)) {
    case ATOMC_ALIAS:
        if (name_is(s, n, "Elixir") || name_is(s, n, "Elixir.Elixir") ||
            (n > 14 && memcmp(s, "Elixir.Elixir.", 14) == 0))
            strbuf_put(b, s, n);
        else
            strbuf_put(b, s + 7, n - 7);
        break;
    case ATOMC_QUOTED:
        strbuf_puts(b, ":\"");
        escape_to_buf(b, (const uint8_t *)s, n, '"', -1);
        strbuf_putc(b, '"');
        break;
    default:
        strbuf_putc(b, ':');
        strbuf_put(b, s, n);
    }
}

/* Macro.inspect_atom(:key, atom): "key:" as in keyword lists. */
static void inspect_key_to_buf(StrBuf *b, Term atom)
{
    size_t n;
    const char *s = atom_name(atom, &n);
    switch (classify_atom(s, n)) {
    case ATOMC_ALIAS:
        strbuf_putc(b, '"');
        strbuf_put(b, s, n);
        strbuf_puts(b, "\":");
        break;
    case ATOMC_QUOTED:
        strbuf_putc(b, '"');
        escape_to_buf(b, (const uint8_t *)s, n, '"', -1);
        strbuf_puts(b, "\":");
        break;
    default:
        strbuf_put(b, s, n);
        strbuf_putc(b, ':');
    }
}

/* Macro.inspect_atom(:remote_call, name) for &Mod.name/arity. */
static void inspect_remote_name(StrBuf *b, Term atom)
{
    size_t n;
    const char *s = atom_name(atom, &n);
    int c = classify_atom(s, n);
    bool ident = c == ATOMC_IDENT || (c == ATOMC_UNQUOTED && !tokenizes_as_identifier(s, n));
    if (ident || name_is(s, n, "::") || name_is(s, n, "^^^") || name_is(s, n, "~~~") || name_is(s, n, "<|>")) {
        strbuf_put(b, s, n);
    } else {
        strbuf_putc(b, '"');
        escape_to_buf(b, (const uint8_t *)s, n, '"', -1);
        strbuf_putc(b, '"');
    }
}

/* ======================================================================
 * Documents
 *
 * A DocNode is one of the Inspect.Algebra documents Act needs. Children are
 * indices of earlier nodes, so the arena is a DAG and needs no recursion to
 * free. `simple` is Inspect.Algebra.simple?/1 (only text and concatenations
 * of text), computed at construction.
 * ====================================================================== */

enum { D_STR, D_CONS, D_NEST, D_BREAK, D_GROUP };

typedef struct DocNode {
    uint8_t kind;
    bool simple;
    bool flex;      /* D_BREAK: flex (true) or strict */
    int32_t a, b;   /* D_CONS: children; D_NEST/D_GROUP: a = child */
    size_t off, len; /* D_STR/D_BREAK: text in Docs.text; D_NEST: len = indent */
} DocNode;

typedef struct Docs {
    DocNode *n;
    size_t count, cap;
    StrBuf text;
} Docs;

static int32_t doc_new(Docs *d, DocNode node)
{
    if (d->count == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->n = realloc(d->n, d->cap * sizeof(DocNode));
        if (!d->n) abort();
    }
    d->n[d->count] = node;
    return (int32_t)d->count++;
}

static int32_t doc_strn(Docs *d, const char *s, size_t n)
{
    DocNode x = { .kind = D_STR, .simple = true, .off = d->text.len, .len = n };
    strbuf_put(&d->text, s, n);
    return doc_new(d, x);
}

static int32_t doc_str(Docs *d, const char *s) { return doc_strn(d, s, strlen(s)); }

/* A text document of what `fill` appends to the text arena. */
static int32_t doc_from_text(Docs *d, size_t start)
{
    DocNode x = { .kind = D_STR, .simple = true, .off = start, .len = d->text.len - start };
    return doc_new(d, x);
}

static int32_t doc_cons(Docs *d, int32_t a, int32_t b)
{
    DocNode x = { .kind = D_CONS, .simple = d->n[a].simple && d->n[b].simple, .a = a, .b = b };
    return doc_new(d, x);
}

static int32_t doc_nest(Docs *d, int32_t a, size_t indent)
{
    DocNode x = { .kind = D_NEST, .a = a, .len = indent };
    return doc_new(d, x);
}

static int32_t doc_break(Docs *d, const char *s, bool flex)
{
    DocNode x = { .kind = D_BREAK, .flex = flex, .off = d->text.len, .len = strlen(s) };
    strbuf_puts(&d->text, s);
    return doc_new(d, x);
}

static int32_t doc_group(Docs *d, int32_t a)
{
    DocNode x = { .kind = D_GROUP, .a = a };
    return doc_new(d, x);
}

/* ======================================================================
 * Format (Inspect.Algebra.format/3 and fits?/4)
 * ====================================================================== */

enum { M_FLAT, M_BREAK };

typedef struct Entry {
    long indent;
    int mode;     /* M_FLAT / M_BREAK; -1 marks a {tail, b?} entry in fits */
    int32_t doc;  /* for a tail entry: the saved b? */
} Entry;

typedef struct EntryStack {
    Entry *e;
    size_t n, cap;
} EntryStack;

static void es_push(EntryStack *s, long indent, int mode, int32_t doc)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->e = realloc(s->e, s->cap * sizeof(Entry));
        if (!s->e) abort();
    }
    s->e[s->n++] = (Entry){ indent, mode, doc };
}

/* fits?(w, k, b?, [entries of `local`] ++ rest), where rest is the format
 * stack `fmt` read downward from index `rest_top` (exclusive) when
 * use_rest. `local` is scratch, emptied here. */
static bool fits(const Docs *d, long w, long k, bool b, EntryStack *local,
                 const EntryStack *fmt, size_t rest_top, bool use_rest)
{
    size_t j = use_rest ? rest_top : 0;
    for (;;) {
        if (k > w && b) { local->n = 0; return false; }
        Entry e;
        if (local->n > 0) {
            e = local->e[--local->n];
        } else if (j > 0) {
            e = fmt->e[--j];
        } else {
            return true;
        }
        if (e.mode == -1) { /* {tail, b?, t} */
            b = e.doc != 0;
            continue;
        }
        const DocNode *x = &d->n[e.doc];
        switch (x->kind) {
        case D_STR:
            k += (long)x->len;
            break;
        case D_BREAK:
            if (e.mode == M_BREAK) { local->n = 0; return true; }
            k += (long)x->len;
            b = true;
            break;
        case D_GROUP:
            es_push(local, 0, -1, b ? 1 : 0);
            es_push(local, e.indent, M_FLAT, x->a);
            break;
        case D_NEST:
            es_push(local, e.indent + (long)x->len, e.mode, x->a);
            break;
        case D_CONS:
            es_push(local, e.indent, e.mode, x->b);
            es_push(local, e.indent, e.mode, x->a);
            break;
        }
    }
}

static void put_indent(StrBuf *out, long i)
{
    strbuf_putc(out, '\n');
    strbuf_reserve(out, (size_t)i);
    memset(out->data + out->len, ' ', (size_t)i);
    out->len += (size_t)i;
    out->data[out->len] = 0;
}

/* w < 0 means :infinity. */
static void doc_format(const Docs *d, int32_t root, long w, StrBuf *out)
{
    bool inf = w < 0;
    EntryStack st = { 0 }, scratch = { 0 };
    long k = 0;
    es_push(&st, 0, M_FLAT, root);
    while (st.n > 0) {
        Entry e = st.e[--st.n];
        const DocNode *x = &d->n[e.doc];
        switch (x->kind) {
        case D_STR:
            strbuf_put(out, d->text.data + x->off, x->len);
            k += (long)x->len;
            break;
        case D_CONS:
            es_push(&st, e.indent, e.mode, x->b);
            es_push(&st, e.indent, e.mode, x->a);
            break;
        case D_NEST:
            es_push(&st, e.indent + (long)x->len, e.mode, x->a);
            break;
        case D_BREAK:
            if (x->flex) {
                long k2 = k + (long)x->len;
                if (inf || e.mode == M_FLAT || fits(d, w, k2, true, &scratch, &st, st.n, true)) {
                    strbuf_put(out, d->text.data + x->off, x->len);
                    k = k2;
                } else {
                    put_indent(out, e.indent);
                    k = e.indent;
                }
            } else if (e.mode == M_BREAK) {
                put_indent(out, e.indent);
                k = e.indent;
            } else {
                strbuf_put(out, d->text.data + x->off, x->len);
                k += (long)x->len;
            }
            break;
        case D_GROUP: {
            bool flat = inf;
            if (!flat) {
                es_push(&scratch, e.indent, M_FLAT, x->a);
                flat = fits(d, w, k, false, &scratch, &st, 0, false);
            }
            es_push(&st, e.indent, flat ? M_FLAT : M_BREAK, x->a);
            break;
        }
        }
    }
    free(st.e);
    free(scratch.e);
}

/* ======================================================================
 * Struct field order registry
 *
 * An open-addressing hash table from module atom to its declared field
 * list. Invariants: slots are only ever added or have their `fields`
 * replaced (never removed); every access holds struct_lock (writers
 * exclusively). Field arrays are C-heap copies of atoms (atoms are never
 * collected, so the words stay valid).
 * ====================================================================== */

typedef struct StructOrder {
    Term module;      /* 0: empty slot */
    bool none;        /* known to have no declared order: print key order */
    size_t n;
    Term *fields;
} StructOrder;

static StructOrder *struct_tab;
static size_t struct_cap, struct_count;
static pthread_rwlock_t struct_lock = PTHREAD_RWLOCK_INITIALIZER;

static StructOrder *struct_slot(Term module)
{
    size_t mask = struct_cap - 1, i = (size_t)(atom_index(module) * 2654435761u) & mask;
    while (struct_tab[i].module && struct_tab[i].module != module) i = (i + 1) & mask;
    return &struct_tab[i];
}

static void register_order(Term module, size_t n, const Term *fields, bool none);

void inspect_register_struct(Term module, size_t n, const Term *fields)
{
    register_order(module, n, fields, false);
}

static void struct_register_none(Term module) { register_order(module, 0, NULL, true); }

static void register_order(Term module, size_t n, const Term *fields, bool none)
{
    Term *copy = malloc((n + 1) * sizeof(Term));
    if (!copy) abort();
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (fields[k] != ATOM___struct__ && fields[k] != ATOM___exception__) copy[m++] = fields[k];
    pthread_rwlock_wrlock(&struct_lock);
    if (struct_count * 2 >= struct_cap) {
        StructOrder *old = struct_tab;
        size_t oldcap = struct_cap;
        struct_cap = struct_cap ? struct_cap * 2 : 64;
        struct_tab = calloc(struct_cap, sizeof(StructOrder));
        if (!struct_tab) abort();
        for (size_t k = 0; k < oldcap; k++)
            if (old[k].module) *struct_slot(old[k].module) = old[k];
        free(old);
    }
    StructOrder *slot = struct_slot(module);
    if (!slot->module) struct_count++;
    free(slot->fields);
    slot->module = module;
    slot->none = none;
    slot->n = m;
    slot->fields = copy;
    pthread_rwlock_unlock(&struct_lock);
}

/* The declared field order of a module nobody registered, recovered from
 * its generated __struct__/0: codegen builds %Mod{} with one MAP_NEW whose
 * key registers were each loaded by LOADK, in defstruct order
 * (compiler/expr.c). The code is decoded with op_info (fixed-size
 * instructions, opcodes.def); any other write to a register forgets what it
 * held, so a pattern that does not match simply yields nothing. The result
 * is only a print order: struct_fields_in_order still checks it against the
 * map's keys. Returns the number of fields written to out (0: unknown). */
static size_t derive_struct_order(Term module, Term *out, size_t max)
{
    Module *m = module_find(module);
    if (!m) return 0;
    int fi = module_func_index(m, atom_intern_cstr("__struct__"), 0);
    if (fi < 0) return 0;
    const Function *fn = &m->funcs[fi];
    Term *known = malloc((fn->nregs + 1) * sizeof(Term));
    if (!known) abort();
    for (uint32_t r = 0; r < fn->nregs; r++) known[r] = T_NONE;
    size_t n = 0;
    for (uint32_t pc = 0; pc < fn->code_len;) {
        uint32_t op = fn->code[pc];
        if (op >= OPC__COUNT || pc + op_info[op].size > fn->code_len) break;
        const uint32_t *w = fn->code + pc + 1;
        if (op == OPC_LOADK) {
            if (w[0] < fn->nregs && w[1] < m->nliterals) known[w[0]] = m->literals[w[1]];
        } else if (op == OPC_MAP_NEW) {
            uint32_t b = w[1], c = w[2];
            for (uint32_t k = 0; k < c && b + 2 * k < fn->nregs; k++) {
                Term key = known[b + 2 * k];
                if (!is_atom(key) || n == max) {
                    n = 0;
                    break;
                }
                out[n++] = key;
            }
            break;
        } else {
            const char *ops = op_info[op].operands;
            for (size_t k = 0; ops[k]; k++)
                if (ops[k] == 'r' && w[k] < fn->nregs) known[w[k]] = T_NONE;
        }
        pc += op_info[op].size;
    }
    free(known);
    return n > 0 && out[0] == ATOM___struct__ ? n : 0;
}

/* Fills kv with the struct's fields in declared order when the module
 * registered one. Returns 1 when done, 0 when the module is unregistered,
 * -1 when the map's keys are not exactly the declared fields (Elixir then
 * prints it as a plain map). */
static int struct_fields_in_order(Term map, Term module, Term *kv, size_t *m)
{
    int rc = 0;
    pthread_rwlock_rdlock(&struct_lock);
    bool known = struct_cap && struct_slot(module)->module;
    pthread_rwlock_unlock(&struct_lock);
    if (!known) {
        /* First sight of this struct: try its __struct__/0 once. An empty
         * registration records "no declared order" (key order is used). */
        size_t cap = map_size(map) + 2;
        Term *fields = malloc(cap * sizeof(Term));
        if (!fields) abort();
        size_t n = derive_struct_order(module, fields, cap);
        if (n > 0) inspect_register_struct(module, n, fields);
        else struct_register_none(module);
        free(fields);
    }
    pthread_rwlock_rdlock(&struct_lock);
    if (struct_cap) {
        StructOrder *slot = struct_slot(module);
        if (slot->module && !slot->none) {
            size_t extra = map_get(map, ATOM___exception__) != T_NONE ? 2 : 1;
            rc = map_size(map) == slot->n + extra ? 1 : -1;
            for (size_t k = 0; rc == 1 && k < slot->n; k++) {
                Term v = map_get(map, slot->fields[k]);
                if (v == T_NONE) rc = -1;
                kv[2 * k] = slot->fields[k];
                kv[2 * k + 1] = v;
            }
            *m = slot->n;
        }
    }
    pthread_rwlock_unlock(&struct_lock);
    return rc;
}

/* ======================================================================
 * Build: term -> document, with an explicit stack
 *
 * The docs stack (`ds`) holds finished documents. A Frame is a pending
 * container; when it finishes it pops the documents of its items from ds
 * and pushes its own. An item is produced either immediately (scalars) or
 * by pushing a child frame; either way exactly one document lands on ds per
 * item, so a frame knows where its items start (ds_base).
 * ====================================================================== */

enum {
    F_LIST,     /* list (maybe improper), to_doc or keyword items */
    F_TUPLE,
    F_MAP,      /* map or struct fields */
    F_PAIR,     /* key/value of a map or keyword entry: 2 steps */
    F_IMPROPER, /* [left | right] at the end of a list: key = left, val = right */
    F_RANGE,    /* first..last or first..last//step */
};

typedef struct Frame {
    int kind;
    Term t;            /* the container (or the tail cursor of a list) */
    long limit;        /* container_each counter (< 0: infinity); F_PAIR,
                          F_IMPROPER, F_RANGE: the limit of their parts */
    size_t ds_base;    /* first item document on ds */
    size_t idx, n;     /* tuple / map / pair / range progress */
    bool keyword;      /* list/map: keyword items; pair: keyword form */
    bool pending;      /* list: an item's document is still being built */
    bool done;         /* list: the improper tail was handed to F_IMPROPER */
    bool simple;       /* container_each's simple? accumulator */
    Term struct_name;  /* F_MAP: struct module atom or T_NONE */
    Term *kv;          /* F_MAP: 2n words: k0 v0 k1 v1 ..., C heap */
    Term key, val;     /* F_PAIR */
    Term r[3];         /* F_RANGE: first, last, step; n = 2 parts or 3 */
} Frame;

typedef struct Builder {
    Docs d;
    int32_t *ds;
    size_t nds, capds;
    Frame *fs;
    size_t nfs, capfs;
    const InspectOpts *o;
} Builder;

static void ds_push(Builder *B, int32_t doc)
{
    if (B->nds == B->capds) {
        B->capds = B->capds ? B->capds * 2 : 64;
        B->ds = realloc(B->ds, B->capds * sizeof(int32_t));
        if (!B->ds) abort();
    }
    B->ds[B->nds++] = doc;
}

static Frame *fs_push(Builder *B, int kind, Term t, long limit)
{
    if (B->nfs == B->capfs) {
        B->capfs = B->capfs ? B->capfs * 2 : 32;
        B->fs = realloc(B->fs, B->capfs * sizeof(Frame));
        if (!B->fs) abort();
    }
    Frame *f = &B->fs[B->nfs++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->t = t;
    f->limit = limit;
    f->ds_base = B->nds;
    f->struct_name = T_NONE;
    return f;
}

static long decrement(long limit) { return limit < 0 ? limit : limit - 1; }

/* Inspect.List.keyword?/1 over map keys or list items: atoms not starting
 * with "Elixir.". */
static bool keyword_key(Term k)
{
    if (!is_atom(k)) return false;
    size_t n;
    const char *s = atom_name(k, &n);
    return !(n >= 7 && memcmp(s, "Elixir.", 7) == 0);
}

static bool is_keyword_list(Term l)
{
    for (; is_cons(l); l = CDR(l)) {
        Term h = CAR(l);
        if (!is_tuple(h) || tuple_arity(h) != 2 || !keyword_key(tuple_elems(h)[0])) return false;
    }
    return is_nil(l);
}

/* List.ascii_printable?(l, limit) */
static bool ascii_printable_list(Term l, long limit)
{
    for (;;) {
        if (limit == 0) return true;
        if (is_nil(l)) return true;
        if (!is_cons(l) || !is_small(CAR(l))) return false;
        SInt c = small_val(CAR(l));
        if (!((c >= 32 && c <= 126) || c == '\n' || c == '\r' || c == '\t' || c == '\v' ||
              c == '\b' || c == '\f' || c == 27 || c == 127 || c == 7))
            return false;
        l = CDR(l);
        if (limit > 0) limit--;
    }
}

/* A proper list of valid code points (what :as_charlists can print). */
static bool codepoint_list(Term l)
{
    for (; is_cons(l); l = CDR(l)) {
        Term h = CAR(l);
        if (!is_small(h)) return false;
        SInt c = small_val(h);
        if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    }
    return is_nil(l);
}

static int opt_base(const InspectOpts *o) { return o->base ? o->base : 10; }

static void build_binary(Builder *B, Term t, long limit)
{
    size_t n;
    const uint8_t *s = binary_bytes(t, &n);
    Docs *d = &B->d;
    int base = opt_base(B->o);
    if (base == 10 && (B->o->binaries == 1 || (B->o->binaries == 0 && printable_binary(s, n, B->o->printable_limit)))) {
        size_t start = d->text.len;
        strbuf_putc(&d->text, '"');
        size_t used = escape_to_buf(&d->text, s, n, '"', B->o->printable_limit);
        strbuf_putc(&d->text, '"');
        if (used < n) strbuf_puts(&d->text, " <> ...");
        ds_push(B, doc_from_text(d, start));
        return;
    }
    /* <<1, 2, ...>>: each_bit, a chain of flex glues. */
    long counter = limit;
    int32_t inner = -1, *items = malloc((n + 1) * sizeof(int32_t));
    if (!items) abort();
    size_t ni = 0;
    for (size_t i = 0; i < n; i++) {
        if (counter == 0) {
            items[ni++] = doc_str(d, "...");
            break;
        }
        size_t start = d->text.len;
        integer_in_base(&d->text, make_small(s[i]), base, true);
        if (i + 1 < n) strbuf_putc(&d->text, ',');
        items[ni++] = doc_from_text(d, start);
        counter = decrement(counter);
    }
    /* each_bit(<<h, t>>) = flex_glue(concat(h, ","), each_bit(t)): right fold. */
    for (size_t k = ni; k-- > 0;) {
        if (inner < 0) inner = items[k];
        else inner = doc_cons(d, items[k], doc_cons(d, doc_break(d, " ", true), inner));
    }
    free(items);
    int32_t doc = doc_cons(d, doc_cons(d, doc_str(d, "<<"), doc_nest(d, inner, 2)), doc_str(d, ">>"));
    ds_push(B, doc_group(d, doc));
}

static void build_charlist(Builder *B, Term t)
{
    StrBuf tmp = { 0 };
    for (Term l = t; is_cons(l); l = CDR(l)) strbuf_put_utf8(&tmp, (uint32_t)small_val(CAR(l)));
    Docs *d = &B->d;
    size_t start = d->text.len;
    strbuf_putc(&d->text, '\'');
    size_t used = escape_to_buf(&d->text, (const uint8_t *)(tmp.data ? tmp.data : ""), tmp.len, '\'',
                                B->o->printable_limit);
    strbuf_putc(&d->text, '\'');
    if (used < tmp.len) strbuf_puts(&d->text, " ++ ...");
    strbuf_free(&tmp);
    ds_push(B, doc_from_text(d, start));
}

/* Kernel functions the Elixir compiler inlines to :erlang BIFs: a capture
 * of one (&is_atom/1) is an :erlang export, and prints as one. `as` is the
 * :erlang name as inspect prints it (NULL: the same name). */
static const struct { const char *name; unsigned arity; const char *as; } inlined_bifs[] = {
    {"abs", 1, NULL}, {"binary_part", 3, NULL}, {"bit_size", 1, NULL}, {"byte_size", 1, NULL},
    {"ceil", 1, NULL}, {"div", 2, NULL}, {"floor", 1, NULL}, {"hd", 1, NULL}, {"tl", 1, NULL},
    {"is_atom", 1, NULL}, {"is_binary", 1, NULL}, {"is_bitstring", 1, NULL}, {"is_boolean", 1, NULL},
    {"is_float", 1, NULL}, {"is_function", 1, NULL}, {"is_function", 2, NULL}, {"is_integer", 1, NULL},
    {"is_list", 1, NULL}, {"is_map", 1, NULL}, {"is_number", 1, NULL}, {"is_pid", 1, NULL},
    {"is_port", 1, NULL}, {"is_reference", 1, NULL}, {"is_tuple", 1, NULL}, {"length", 1, NULL},
    {"make_ref", 0, NULL}, {"map_size", 1, NULL}, {"max", 2, NULL}, {"min", 2, NULL},
    {"node", 0, NULL}, {"node", 1, NULL}, {"rem", 2, NULL}, {"round", 1, NULL}, {"self", 0, NULL},
    {"send", 2, NULL}, {"throw", 1, NULL}, {"trunc", 1, NULL}, {"tuple_size", 1, NULL},
    {"exit", 1, NULL}, {"spawn", 1, NULL}, {"spawn_link", 1, NULL}, {"apply", 2, NULL},
    {"apply", 3, NULL}, {"not", 1, NULL}, {"+", 1, NULL}, {"-", 1, NULL}, {"+", 2, NULL},
    {"-", 2, NULL}, {"*", 2, NULL}, {"/", 2, NULL}, {"==", 2, NULL}, {"<", 2, NULL},
    {">", 2, NULL}, {">=", 2, NULL}, {"++", 2, NULL}, {"--", 2, NULL}, {"!=", 2, "\"/=\""},
    {"===", 2, "\"=:=\""}, {"!==", 2, "\"=/=\""}, {"<=", 2, "\"=<\""},
};

/* The inlined_bifs entry of Kernel.name/arity, or -1. */
static int inlined_bif(Term mod, Term name, long arity)
{
    if (mod != ATOM_Elixir_Kernel || !is_atom(name)) return -1;
    size_t n;
    const char *s = atom_name(name, &n);
    for (size_t i = 0; i < sizeof inlined_bifs / sizeof inlined_bifs[0]; i++)
        if (inlined_bifs[i].arity == arity && strlen(inlined_bifs[i].name) == n && memcmp(inlined_bifs[i].name, s, n) == 0)
            return (int)i;
    return -1;
}

static void build_fun(Builder *B, Term t)
{
    Docs *d = &B->d;
    size_t start = d->text.len;
    if (box_type(t) == BOX_EXPORT) {
        const Term *w = boxed_ptr(t) + 1;
        strbuf_putc(&d->text, '&');
        int bif = inlined_bif(w[0], w[1], (long)small_val(w[2]));
        if (bif >= 0) {
            strbuf_puts(&d->text, ":erlang.");
            if (inlined_bifs[bif].as) strbuf_puts(&d->text, inlined_bifs[bif].as);
            else inspect_remote_name(&d->text, w[1]);
        } else {
            inspect_atom_to_buf(&d->text, w[0]);
            strbuf_putc(&d->text, '.');
            inspect_remote_name(&d->text, w[1]);
        }
        strbuf_printf(&d->text, "/%ld", (long)small_val(w[2]));
    } else {
        /* Elixir: #Function<INDEX.UNIQ/ARITY in Mod.outer/arity>, or for
         * top-level script code #Function<INDEX.UNIQ in file:FILE>. Act has
         * no uniq hash and prints 0. Lambdas are lifted into functions named
         * "-outer/arity-fun-N-" (compiler/forms.c). */
        const FunEntry *fe = (const FunEntry *)boxed_ptr(t)[1];
        const Module *m = fe ? fe->module : NULL;
        const char *outer = NULL;
        size_t olen = 0;
        if (m && fe->func < m->nfuncs) {
            size_t n;
            const char *nm = atom_name(m->funcs[fe->func].name, &n);
            const char *end = n > 6 ? strstr(nm, "-fun-") : NULL;
            if (nm[0] == '-' && end) {
                outer = nm + 1;
                olen = (size_t)(end - outer);
            }
        }
        if (outer && olen > 11 && memcmp(outer, "__script__/", 11) == 0 && m->file) {
            strbuf_printf(&d->text, "#Function<%u.0 in file:%s>", fe->index, m->file);
        } else {
            strbuf_printf(&d->text, "#Function<%u.0/%u", fe ? fe->index : 0, fe ? fe->arity : 0);
            if (m) {
                strbuf_puts(&d->text, " in ");
                inspect_atom_to_buf(&d->text, m->name);
                if (outer) {
                    strbuf_putc(&d->text, '.');
                    strbuf_put(&d->text, outer, olen);
                }
            }
            strbuf_putc(&d->text, '>');
        }
    }
    ds_push(B, doc_from_text(d, start));
}

/* A map that is a %Range{} with integer bounds. */
static bool is_range(Term t, Term *first, Term *last, Term *step)
{
    size_t n = map_size(t);
    if (n != 3 && n != 4) return false;
    Term s = map_get(t, ATOM___struct__);
    if (s != ATOM_Elixir_Range) return false;
    *first = map_get(t, ATOM_first);
    *last = map_get(t, ATOM_last);
    *step = map_get(t, ATOM_step);
    if (*first == T_NONE || *last == T_NONE) return false;
    if (n == 4 && *step == T_NONE) return false;
    if (n == 3 && *step != T_NONE) return false;
    return is_integer(*first) && is_integer(*last) && (*step == T_NONE || is_integer(*step));
}

/* Turns one item into a document: pushes it on ds, or pushes a frame that
 * will. `limit` is the opts.limit the item is inspected with. */
static void build_item(Builder *B, Term t, long limit)
{
    Docs *d = &B->d;
    if (is_small(t) || is_bignum(t)) {
        size_t start = d->text.len;
        integer_in_base(&d->text, t, opt_base(B->o), true);
        ds_push(B, doc_from_text(d, start));
    } else if (is_atom(t)) {
        size_t start = d->text.len;
        inspect_atom_to_buf(&d->text, t);
        ds_push(B, doc_from_text(d, start));
    } else if (is_float(t)) {
        char buf[FLOAT_BUF_SIZE];
        size_t n = float_to_inspect(float_val(t), buf);
        ds_push(B, doc_strn(d, buf, n));
    } else if (is_nil(t)) {
        ds_push(B, doc_str(d, "[]"));
    } else if (is_cons(t)) {
        if (B->o->charlists == 2 ? codepoint_list(t)
            : B->o->charlists == 1 && ascii_printable_list(t, B->o->printable_limit)) {
            build_charlist(B, t);
            return;
        }
        Frame *f = fs_push(B, F_LIST, t, limit);
        f->keyword = is_keyword_list(t);
        f->simple = !f->keyword; /* break: :maybe starts simple, :strict not */
    } else if (is_pid(t)) {
        size_t start = d->text.len;
        strbuf_printf(&d->text, "#PID<0.%lu.0>", (unsigned long)pid_val(t));
        ds_push(B, doc_from_text(d, start));
    } else if (is_binary(t)) {
        build_binary(B, t, limit);
    } else if (is_tuple(t)) {
        if (tuple_arity(t) == 0) {
            ds_push(B, doc_str(d, "{}"));
            return;
        }
        Frame *f = fs_push(B, F_TUPLE, t, limit);
        f->n = tuple_arity(t);
        f->simple = true; /* break: :flex, so flex? regardless */
    } else if (is_map(t)) {
        Term first, last, step;
        if (!B->o->no_structs && is_range(t, &first, &last, &step)) {
            /* Inspect.Range: first..last when step is 1 and first <= last
             * (a missing step means 1 or -1 by direction), else with //step */
            bool up = term_compare(first, last) <= 0;
            if (step == T_NONE) step = make_small(up ? 1 : -1);
            Frame *f = fs_push(B, F_RANGE, t, limit);
            f->r[0] = first;
            f->r[1] = last;
            f->r[2] = step;
            f->n = step == make_small(1) && up ? 2 : 3;
            return;
        }
        size_t n = map_size(t);
        Term sname = n > 0 && !B->o->no_structs ? map_get(t, ATOM___struct__) : T_NONE;
        if (sname != T_NONE && !is_atom(sname)) sname = T_NONE;
        if (sname != T_NONE) {
            /* Like Inspect.Any: a loaded module without __struct__/0 means
             * this is just a map with a __struct__ key. Unknown modules
             * (native exceptions) print as structs. */
            Module *m = module_find(sname);
            if (m && module_func_index(m, atom_intern_cstr("__struct__"), 0) < 0) sname = T_NONE;
        }
        Term *kv = malloc((2 * n + 1) * sizeof(Term));
        if (!kv) abort();
        MapIter it;
        Term k, v;
        size_t m = 0;
        bool kw = true;
        if (sname != T_NONE) {
            int rc = struct_fields_in_order(t, sname, kv, &m);
            if (rc == 1) {
                Frame *f = fs_push(B, F_MAP, t, limit);
                f->kv = kv;
                f->n = m;
                f->keyword = true;
                f->struct_name = sname;
                return;
            }
            m = 0;
            if (rc < 0) sname = T_NONE;
        }
        map_iter_init(&it, t);
        while (map_iter_next(&it, &k, &v)) {
            if (sname != T_NONE && (k == ATOM___struct__ || k == ATOM___exception__)) continue;
            kv[2 * m] = k;
            kv[2 * m + 1] = v;
            if (!keyword_key(k)) kw = false;
            m++;
        }
        map_iter_done(&it);
        if (sname != T_NONE) kw = true; /* struct fields are atoms */
        Frame *f = fs_push(B, F_MAP, t, limit);
        f->kv = kv;
        f->n = m;
        f->keyword = kw;
        f->struct_name = sname;
    } else if (is_fun(t)) {
        build_fun(B, t);
    } else if (is_ref(t)) {
        size_t start = d->text.len;
        uint64_t id = boxed_ptr(t)[1];
        strbuf_printf(&d->text, "#Reference<0.%lu.%lu.%lu>", (unsigned long)((id >> 40) & 0xFFFFFF),
                      (unsigned long)((id >> 20) & 0xFFFFF), (unsigned long)(id & 0xFFFFF));
        ds_push(B, doc_from_text(d, start));
    } else {
        ds_push(B, doc_str(d, "#Term<?>"));
    }
}

/* container_doc's tail: fold the item documents ds[base..) with join and
 * wrap them in left/right. */
static int32_t finish_container(Builder *B, size_t base, const char *left, const char *right, bool flex)
{
    Docs *d = &B->d;
    size_t n = B->nds - base;
    int32_t l = doc_str(d, left), r = doc_str(d, right);
    if (n == 0) {
        B->nds = base;
        return doc_cons(d, l, r);
    }
    int32_t docs = B->ds[B->nds - 1];
    for (size_t k = n - 1; k-- > 0;) {
        int32_t item = B->ds[base + k];
        /* join(left, right, flex?, ",") = glue(concat(left, ","), right) */
        docs = doc_cons(d, doc_cons(d, item, doc_str(d, ",")), doc_cons(d, doc_break(d, " ", flex), docs));
    }
    B->nds = base;
    if (flex) return doc_group(d, doc_cons(d, doc_cons(d, l, doc_nest(d, docs, 1)), r));
    int32_t inner = doc_cons(d, l, doc_cons(d, doc_break(d, "", false), docs));
    return doc_group(d, doc_cons(d, doc_nest(d, inner, 2), doc_cons(d, doc_break(d, "", false), r)));
}

/* One step of the top frame: start its next item, or finish it (pop it and
 * push its document on ds). */
static void step(Builder *B)
{
    Frame *f = &B->fs[B->nfs - 1];
    Docs *d = &B->d;
    switch (f->kind) {
    case F_LIST: {
        if (f->pending) { /* the previous item finished: fold its simple? in */
            f->simple = f->simple && d->n[B->ds[B->nds - 1]].simple;
            f->pending = false;
        }
        if (is_nil(f->t) || f->done) {
            B->nfs--;
            ds_push(B, finish_container(B, f->ds_base, "[", "]", f->simple));
            return;
        }
        if (f->limit == 0) {
            ds_push(B, doc_str(d, "..."));
            B->nfs--;
            ds_push(B, finish_container(B, f->ds_base, "[", "]", f->simple));
            return;
        }
        long nl = decrement(f->limit);
        Term h = CAR(f->t), tail = CDR(f->t);
        f->limit = nl;
        if (!is_list(tail)) { /* [left | right], both with the new limit */
            f->done = true;
            Frame *pf = fs_push(B, F_IMPROPER, T_NIL, nl);
            pf->key = h;
            pf->val = tail;
            return;
        }
        f->t = tail;
        f->pending = true;
        if (f->keyword) {
            Frame *pf = fs_push(B, F_PAIR, T_NIL, nl);
            pf->key = tuple_elems(h)[0];
            pf->val = tuple_elems(h)[1];
            pf->keyword = true;
        } else {
            build_item(B, h, nl);
        }
        return;
    }
    case F_IMPROPER: {
        if (f->idx < 2) {
            Term x = f->idx == 0 ? f->key : f->val;
            f->idx++;
            build_item(B, x, f->limit);
            return;
        }
        int32_t right = B->ds[--B->nds];
        int32_t left = B->ds[--B->nds];
        B->nfs--;
        Frame *parent = &B->fs[B->nfs - 1];
        bool simple = parent->simple && d->n[left].simple && d->n[right].simple;
        parent->simple = simple;
        ds_push(B, doc_cons(d, doc_cons(d, left, doc_str(d, " |")),
                            doc_cons(d, doc_break(d, " ", simple), right)));
        return;
    }
    case F_TUPLE: {
        if (f->idx == f->n || f->limit == 0) {
            if (f->idx < f->n) ds_push(B, doc_str(d, "..."));
            B->nfs--;
            ds_push(B, finish_container(B, f->ds_base, "{", "}", true));
            return;
        }
        long nl = decrement(f->limit);
        f->limit = nl;
        Term e = tuple_elems(f->t)[f->idx++];
        build_item(B, e, nl);
        return;
    }
    case F_MAP: {
        if (f->idx == f->n || f->limit == 0) {
            if (f->idx < f->n) ds_push(B, doc_str(d, "..."));
            B->nfs--;
            StrBuf left = { 0 };
            strbuf_putc(&left, '%');
            if (f->struct_name != T_NONE) inspect_atom_to_buf(&left, f->struct_name);
            strbuf_putc(&left, '{');
            free(f->kv);
            ds_push(B, finish_container(B, f->ds_base, left.data, "}", false));
            strbuf_free(&left);
            return;
        }
        long nl = decrement(f->limit);
        f->limit = nl;
        Term k = f->kv[2 * f->idx], v = f->kv[2 * f->idx + 1];
        bool kw = f->keyword;
        f->idx++;
        Frame *pf = fs_push(B, F_PAIR, T_NIL, nl);
        pf->key = k;
        pf->val = v;
        pf->keyword = kw;
        return;
    }
    case F_PAIR: {
        /* keyword: concat(key, concat(" ", to_doc(v)));
         * assoc:   concat(concat(to_doc(k), " => "), to_doc(v)) */
        if (f->keyword) {
            if (f->idx == 0) {
                size_t start = d->text.len;
                inspect_key_to_buf(&d->text, f->key);
                int32_t key = doc_from_text(d, start);
                ds_push(B, doc_cons(d, key, doc_str(d, " ")));
                f->idx = 1;
                build_item(B, f->val, f->limit);
                return;
            }
        } else {
            if (f->idx == 0) {
                f->idx = 1;
                build_item(B, f->key, f->limit);
                return;
            }
            if (f->idx == 1) {
                int32_t kd = B->ds[--B->nds];
                ds_push(B, doc_cons(d, kd, doc_str(d, " => ")));
                f->idx = 2;
                build_item(B, f->val, f->limit);
                return;
            }
        }
        int32_t vd = B->ds[--B->nds];
        int32_t kd = B->ds[--B->nds];
        B->nfs--;
        ds_push(B, doc_cons(d, kd, vd));
        return;
    }
    case F_RANGE: {
        if (f->idx < f->n) {
            if (f->idx > 0) ds_push(B, doc_str(d, f->idx == 1 ? ".." : "//"));
            Term x = f->r[f->idx++];
            build_item(B, x, f->limit);
            return;
        }
        size_t cnt = B->nds - f->ds_base;
        int32_t doc = B->ds[B->nds - 1];
        for (size_t k = cnt - 1; k-- > 0;) doc = doc_cons(d, B->ds[f->ds_base + k], doc);
        B->nds = f->ds_base;
        B->nfs--;
        ds_push(B, doc);
        return;
    }
    }
}

static int32_t build_doc(Builder *B, Term t)
{
    build_item(B, t, B->o->limit);
    while (B->nfs > 0) step(B);
    return B->ds[--B->nds];
}

void inspect_to_buf(StrBuf *b, Term t, const InspectOpts *o)
{
    Builder B;
    memset(&B, 0, sizeof B);
    B.o = o;
    int32_t doc = build_doc(&B, t);
    doc = doc_group(&B.d, doc);
    doc_format(&B.d, doc, o->pretty ? o->width : -1, b);
    free(B.d.n);
    strbuf_free(&B.d.text);
    free(B.ds);
    free(B.fs);
}

Term inspect_term(Process *p, Term t, const InspectOpts *o)
{
    StrBuf b = { 0 };
    inspect_to_buf(&b, t, o);
    Term r = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return r;
}

/* ======================================================================
 * Options
 * ====================================================================== */

static bool opt_limit(Term v, long *out)
{
    if (v == ATOM_infinity || is_box_of(v, BOX_BIG_POS)) { *out = -1; return true; }
    if (is_small(v) && small_val(v) >= 0) {
        *out = small_val(v) > LONG_MAX / 2 ? LONG_MAX / 2 : (long)small_val(v);
        return true;
    }
    return false;
}

bool inspect_parse_opts(Term opts, InspectOpts *o)
{
    for (; is_cons(opts); opts = CDR(opts)) {
        Term kv = CAR(opts);
        if (!is_tuple(kv) || tuple_arity(kv) != 2 || !is_atom(tuple_elems(kv)[0])) return false;
        Term k = tuple_elems(kv)[0], v = tuple_elems(kv)[1];
        size_t n;
        const char *name = atom_name(k, &n);
        if (name_is(name, n, "limit")) {
            if (!opt_limit(v, &o->limit)) return false;
        } else if (name_is(name, n, "printable_limit")) {
            if (!opt_limit(v, &o->printable_limit)) return false;
        } else if (name_is(name, n, "width")) {
            if (!opt_limit(v, &o->width)) return false;
        } else if (name_is(name, n, "pretty")) {
            if (!is_boolean(v)) return false;
            o->pretty = v == ATOM_true;
        } else if (name_is(name, n, "base")) {
            if (!is_atom(v)) return false;
            const char *bv = atom_name(v, &n);
            if (name_is(bv, n, "decimal")) o->base = 10;
            else if (name_is(bv, n, "hex")) o->base = 16;
            else if (name_is(bv, n, "octal")) o->base = 8;
            else if (name_is(bv, n, "binary")) o->base = 2;
            else return false;
        } else if (name_is(name, n, "binaries")) {
            if (!is_atom(v)) return false;
            const char *bv = atom_name(v, &n);
            if (name_is(bv, n, "infer")) o->binaries = 0;
            else if (name_is(bv, n, "as_strings")) o->binaries = 1;
            else if (name_is(bv, n, "as_binaries")) o->binaries = 2;
            else return false;
        } else if (name_is(name, n, "structs")) {
            if (!is_boolean(v)) return false;
            o->no_structs = v == ATOM_false;
        } else if (name_is(name, n, "charlists")) {
            if (!is_atom(v)) return false;
            const char *cv = atom_name(v, &n);
            if (name_is(cv, n, "as_lists")) o->charlists = 0;
            else if (name_is(cv, n, "infer")) o->charlists = 1;
            else if (name_is(cv, n, "as_charlists")) o->charlists = 2;
            else return false;
        }
    }
    return is_nil(opts);
}
