/* string.c — the String and Atom natives.
 *
 * Strings are UTF-8 binaries. Functions that count or index work on code
 * points (Act's documented deviation: String.length/slice/graphemes count
 * code points, not grapheme clusters). Case mapping is Elixir's, code point
 * by code point, multi-code-point results included (unicode.c).
 *
 * Bad arguments raise what Elixir raises: FunctionClauseError for a wrong
 * type (Erlang reason function_clause), ArgumentError where Elixir's own
 * code raises one.
 */
#include <stdlib.h>
#include <string.h>
#include "inspect.h"
#include "heap.h"
#include "atom.h"
#include "native.h"
#include "map.h"
#include "binary.h"
#include "unicode.h"
#include "arith.h"
#include "bif_data.h"

/* ======================================================================
 * Helpers
 * ====================================================================== */

static Term fc(Process *p) { return native_raise(p, ATOM_error, ATOM_function_clause); }

/* The ArgumentError of an Erlang BIF Elixir calls with the argument as is:
 * "errors were found at the given arguments: * Nth argument: what". */
static Term bad_arg(Process *p, int argno, const char *what) { return bif_arg_error(p, argno, what); }
static Term bad_pattern(Process *p) { return bad_arg(p, 2, "not a valid pattern"); }

static bool bin_of(Term t, const uint8_t **s, size_t *n)
{
    if (!is_binary(t)) return false;
    *s = binary_bytes(t, n);
    return true;
}

/* Byte length of the code point (or invalid byte) at s[i]: invalid UTF-8
 * bytes count as one "character" each, as Elixir's grapheme functions do. */
static size_t cp_len(const uint8_t *s, size_t n, size_t i, uint32_t *cp)
{
    uint32_t c;
    int l = unicode_decode(s + i, n - i, &c);
    if (!l) {
        if (cp) *cp = s[i];
        return 1;
    }
    if (cp) *cp = c;
    return (size_t)l;
}

static size_t cp_count(const uint8_t *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i += cp_len(s, n, i, NULL)) count++;
    return count;
}

/* Byte offset of code point index k (n if past the end). */
static size_t cp_offset(const uint8_t *s, size_t n, size_t k)
{
    size_t i = 0;
    while (k > 0 && i < n) {
        i += cp_len(s, n, i, NULL);
        k--;
    }
    return i;
}

/* A growable array of terms on the C heap (items for make_list). */
typedef struct TermVec { Term *v; size_t n, cap; } TermVec;

static void tv_push(TermVec *tv, Term t)
{
    if (tv->n == tv->cap) {
        tv->cap = tv->cap ? tv->cap * 2 : 16;
        tv->v = realloc(tv->v, tv->cap * sizeof(Term));
        if (!tv->v) abort();
    }
    tv->v[tv->n++] = t;
}

static Term tv_list(Process *p, TermVec *tv)
{
    Term l = make_list(p, tv->n, tv->v);
    free(tv->v);
    tv->v = NULL;
    tv->n = tv->cap = 0;
    return l;
}

/* Patterns: a binary or a list of binaries (String.split/replace
 * /contains?...); [] matches nowhere. Fills pats (up to max); false if not
 * a pattern. */
#define MAX_PATS 64
typedef struct Pat { const uint8_t *s; size_t n; } Pat;

static bool get_patterns(Term t, Pat *pats, size_t *np)
{
    *np = 0;
    if (is_binary(t)) {
        pats[0].s = binary_bytes(t, &pats[0].n);
        *np = 1;
        return true;
    }
    for (; is_cons(t); t = CDR(t)) {
        if (!is_binary(CAR(t)) || *np == MAX_PATS) return false;
        pats[*np].s = binary_bytes(CAR(t), &pats[*np].n);
        (*np)++;
    }
    return is_nil(t);
}

/* The longest pattern matching at s[i] (Elixir's :binary.match picks the
 * longest of the patterns starting at the first position); -1 if none. */
static long match_at(const uint8_t *s, size_t n, size_t i, const Pat *pats, size_t np)
{
    long best = -1;
    for (size_t k = 0; k < np; k++)
        if (pats[k].n <= n - i && memcmp(s + i, pats[k].s, pats[k].n) == 0 && (long)pats[k].n > best)
            best = (long)pats[k].n;
    return best;
}


/* ======================================================================
 * String: measuring, case, trimming
 * ====================================================================== */

Term string_nat_length(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    return make_small((SInt)cp_count(s, n));
}

enum { CASE_UP, CASE_DOWN, CASE_CAP };

/* mode: :default or :ascii (only ASCII letters change); :greek and :turkic
 * behave as :default. */
static Term change_case(Process *p, Term str, Term mode, int how)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(str, &s, &n) || !is_atom(mode)) return fc(p);
    bool ascii = mode == ATOM_ascii;
    StrBuf b = { 0 };
    strbuf_reserve(&b, n);
    size_t i = 0;
    bool first = true;
    while (i < n) {
        uint32_t cp;
        int l = unicode_decode(s + i, n - i, &cp);
        if (!l) { /* invalid byte: kept as is */
            strbuf_putc(&b, (char)s[i++]);
            first = false;
            continue;
        }
        int up = how == CASE_UP || (how == CASE_CAP && first);
        uint32_t out;
        if (ascii) {
            out = cp < 0x80 ? (up ? unicode_upper(cp) : unicode_lower(cp)) : cp;
        } else {
            int which = how == CASE_CAP && first ? 2 : up ? 0 : 1;
            const char *full = unicode_case_full(cp, which);
            if (full) { /* ß -> "SS", ŉ -> "ʼN" ... */
                strbuf_puts(&b, full);
                i += (size_t)l;
                first = false;
                continue;
            }
            out = how == CASE_CAP && first ? unicode_title(cp) : up ? unicode_upper(cp) : unicode_lower(cp);
        }
        strbuf_put_utf8(&b, out);
        i += (size_t)l;
        first = false;
    }
    Term r = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return r;
}

static Term default_mode(void) { return ATOM_default; }

/* The /1 forms are Elixir's /2 with the default mode: a failed clause is
 * reported in the /2 function, with the default filled in. */
static Term change_case1(Process *p, Term str, int how, const char *fun)
{
    if (!is_binary(str))
        return native_raise_fc_args(p, "Elixir.String", fun, make_list(p, 2, (Term[]){ str, default_mode() }));
    return change_case(p, str, default_mode(), how);
}

Term string_nat_upcase1(Process *p, Term *args) { return change_case1(p, args[0], CASE_UP, "upcase"); }
Term string_nat_upcase2(Process *p, Term *args) { return change_case(p, args[0], args[1], CASE_UP); }
Term string_nat_downcase1(Process *p, Term *args) { return change_case1(p, args[0], CASE_DOWN, "downcase"); }
Term string_nat_downcase2(Process *p, Term *args) { return change_case(p, args[0], args[1], CASE_DOWN); }
Term string_nat_capitalize1(Process *p, Term *args) { return change_case1(p, args[0], CASE_CAP, "capitalize"); }
Term string_nat_capitalize2(Process *p, Term *args) { return change_case(p, args[0], args[1], CASE_CAP); }

/* Whitespace trimming: how bit 1 = leading, bit 2 = trailing. */
static Term trim_ws(Process *p, Term str, int how)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(str, &s, &n)) return fc(p);
    size_t a = 0, z = n;
    if (how & 1) {
        while (a < n) {
            uint32_t cp;
            size_t l = cp_len(s, n, a, &cp);
            if (!unicode_is_space(cp) || (l == 1 && s[a] >= 0x80)) break;
            a += l;
        }
    }
    if (how & 2) {
        while (z > a) {
            /* step back to the start of the previous code point */
            size_t k = z - 1;
            while (k > a && (s[k] & 0xC0) == 0x80 && z - k < 4) k--;
            uint32_t cp;
            size_t l = cp_len(s, z, k, &cp);
            if (k + l != z || !unicode_is_space(cp) || (l == 1 && s[k] >= 0x80)) break;
            z = k;
        }
    }
    if (a == 0 && z == n) return str;
    return binary_sub(p, str, a, z - a);
}

/* Trimming repeated copies of `what`. */
static Term trim_str(Process *p, Term str, Term what, int how)
{
    const uint8_t *s, *w;
    size_t n, wn;
    if (!bin_of(str, &s, &n) || !bin_of(what, &w, &wn)) return fc(p);
    size_t a = 0, z = n;
    if (wn == 0) return str;
    if (how & 1)
        while (z - a >= wn && memcmp(s + a, w, wn) == 0) a += wn;
    if (how & 2)
        while (z - a >= wn && memcmp(s + z - wn, w, wn) == 0) z -= wn;
    if (a == 0 && z == n) return str;
    return binary_sub(p, str, a, z - a);
}

Term string_nat_trim1(Process *p, Term *args) { return trim_ws(p, args[0], 3); }
Term string_nat_trim_leading1(Process *p, Term *args) { return trim_ws(p, args[0], 1); }
Term string_nat_trim_trailing1(Process *p, Term *args) { return trim_ws(p, args[0], 2); }
Term string_nat_trim2(Process *p, Term *args) { return trim_str(p, args[0], args[1], 3); }
Term string_nat_trim_leading2(Process *p, Term *args) { return trim_str(p, args[0], args[1], 1); }
Term string_nat_trim_trailing2(Process *p, Term *args) { return trim_str(p, args[0], args[1], 2); }

/* ======================================================================
 * String: splitting, searching, replacing
 * ====================================================================== */

Term string_nat_split1(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return bad_arg(p, 1, "not a binary");
    TermVec tv = { 0 };
    size_t i = 0, start = 0;
    bool in_word = false;
    while (i < n) {
        uint32_t cp;
        size_t l = cp_len(s, n, i, &cp);
        bool sp = unicode_is_split_space(cp) && !(l == 1 && s[i] >= 0x80);
        if (sp && in_word) {
            tv_push(&tv, binary_sub(p, args[0], start, i - start));
            in_word = false;
        } else if (!sp && !in_word) {
            start = i;
            in_word = true;
        }
        i += l;
    }
    if (in_word) tv_push(&tv, binary_sub(p, args[0], start, n - start));
    return tv_list(p, &tv);
}

/* split(s, pattern, parts (< 0: infinity), trim) */
static Term do_split(Process *p, Term str, Term pattern, long parts, bool trim)
{
    const uint8_t *s;
    size_t n, np;
    Pat pats[MAX_PATS];
    if (!bin_of(str, &s, &n)) return fc(p);
    if (!get_patterns(pattern, pats, &np)) return bad_pattern(p);
    bool empty_pat = false;
    for (size_t k = 0; k < np; k++)
        if (pats[k].n == 0) empty_pat = true;
    TermVec tv = { 0 };
    size_t pos = 0;
    long left = parts;
    if (empty_pat) {
        /* pieces: "", each code point, "" */
        if (left < 0 || left > 1) {
            if (!trim) {
                tv_push(&tv, make_binary(p, "", 0));
                if (left > 0) left--;
            }
            while (pos < n && (left < 0 || left > 1)) {
                size_t l = cp_len(s, n, pos, NULL);
                tv_push(&tv, binary_sub(p, str, pos, l));
                pos += l;
                if (left > 0) left--;
            }
        }
        if (!(trim && pos == n)) tv_push(&tv, binary_sub(p, str, pos, n - pos));
        return tv_list(p, &tv);
    }
    size_t i = 0;
    while ((left < 0 || left > 1) && i < n) {
        long m = match_at(s, n, i, pats, np);
        if (m < 0) {
            i++;
            continue;
        }
        if (!(trim && i == pos)) {
            tv_push(&tv, binary_sub(p, str, pos, i - pos));
            if (left > 0) left--;
        }
        i += (size_t)m;
        pos = i;
    }
    if (!(trim && pos == n)) tv_push(&tv, binary_sub(p, str, pos, n - pos));
    return tv_list(p, &tv);
}

/* split/2 is Elixir's split/3 with options []. */
Term string_nat_split2(Process *p, Term *args)
{
    if (!is_binary(args[0]))
        return native_raise_fc_args(p, "Elixir.String", "split", make_list(p, 3, (Term[]){ args[0], args[1], T_NIL }));
    return do_split(p, args[0], args[1], -1, false);
}

Term string_nat_split3(Process *p, Term *args)
{
    long parts = -1;
    bool trim = false;
    Term opts = args[2];
    if (!is_list(opts)) return fc(p);
    for (; is_cons(opts); opts = CDR(opts)) {
        Term kv = CAR(opts);
        if (!is_tuple(kv) || tuple_arity(kv) != 2) return fc(p);
        Term k = tuple_elems(kv)[0], v = tuple_elems(kv)[1];
        if (k == ATOM_parts) {
            if (v == ATOM_infinity) parts = -1;
            else if (is_small(v) && small_val(v) > 0) parts = (long)small_val(v);
            else return fc(p);
        } else if (k == ATOM_trim) {
            trim = v != ATOM_false && v != ATOM_nil;
        }
    }
    return do_split(p, args[0], args[1], parts, trim);
}

Term string_nat_contains(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n, np;
    Pat pats[MAX_PATS];
    if (!bin_of(args[0], &s, &n)) return fc(p);
    if (!get_patterns(args[1], pats, &np)) return bad_pattern(p);
    for (size_t k = 0; k < np; k++)
        if (pats[k].n == 0) return ATOM_true;
    for (size_t i = 0; i < n; i++)
        if (match_at(s, n, i, pats, np) >= 0) return ATOM_true;
    return ATOM_false;
}

static Term affix(Process *p, Term *args, bool prefix)
{
    const uint8_t *s;
    size_t n, np;
    Pat pats[MAX_PATS];
    if (!bin_of(args[0], &s, &n) || !get_patterns(args[1], pats, &np)) return fc(p);
    for (size_t k = 0; k < np; k++)
        if (pats[k].n <= n && memcmp(prefix ? s : s + n - pats[k].n, pats[k].s, pats[k].n) == 0)
            return ATOM_true;
    return ATOM_false;
}

Term string_nat_starts_with(Process *p, Term *args) { return affix(p, args, true); }
Term string_nat_ends_with(Process *p, Term *args) { return affix(p, args, false); }

static Term do_replace(Process *p, Term str, Term pattern, Term repl, bool global)
{
    const uint8_t *s, *r;
    size_t n, rn, np;
    Pat pats[MAX_PATS];
    if (!bin_of(str, &s, &n) || !bin_of(repl, &r, &rn)) return fc(p);
    if (!get_patterns(pattern, pats, &np)) return bad_pattern(p);
    bool empty_pat = false;
    for (size_t k = 0; k < np; k++)
        if (pats[k].n == 0) empty_pat = true;
    StrBuf b = { 0 };
    if (empty_pat) {
        strbuf_put(&b, r, rn);
        if (!global) {
            strbuf_put(&b, s, n);
        } else {
            for (size_t i = 0; i < n;) {
                size_t l = cp_len(s, n, i, NULL);
                strbuf_put(&b, s + i, l);
                strbuf_put(&b, r, rn);
                i += l;
            }
        }
    } else {
        size_t i = 0, pos = 0;
        bool done = false;
        while (i < n && !done) {
            long m = match_at(s, n, i, pats, np);
            if (m < 0) {
                i++;
                continue;
            }
            strbuf_put(&b, s + pos, i - pos);
            strbuf_put(&b, r, rn);
            i += (size_t)m;
            pos = i;
            done = !global;
        }
        if (pos == 0 && i >= n && b.len == 0) {
            strbuf_free(&b);
            return str; /* nothing matched */
        }
        strbuf_put(&b, s + pos, n - pos);
    }
    Term res = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return res;
}

Term string_nat_replace3(Process *p, Term *args) { return do_replace(p, args[0], args[1], args[2], true); }

Term string_nat_replace4(Process *p, Term *args)
{
    bool global = true;
    Term opts = args[3];
    if (!is_list(opts)) return fc(p);
    for (; is_cons(opts); opts = CDR(opts)) {
        Term kv = CAR(opts);
        if (is_tuple(kv) && tuple_arity(kv) == 2 && tuple_elems(kv)[0] == ATOM_global)
            global = tuple_elems(kv)[1] != ATOM_false && tuple_elems(kv)[1] != ATOM_nil;
    }
    return do_replace(p, args[0], args[1], args[2], global);
}

/* replace_prefix/suffix(s, match, replacement): once, at that end. */
static Term replace_end(Process *p, Term *args, bool prefix)
{
    const uint8_t *s, *m, *r;
    size_t n, mn, rn;
    if (!bin_of(args[0], &s, &n) || !bin_of(args[1], &m, &mn) || !bin_of(args[2], &r, &rn)) return fc(p);
    if (mn > n || memcmp(prefix ? s : s + n - mn, m, mn) != 0) return args[0];
    StrBuf b = { 0 };
    if (prefix) {
        strbuf_put(&b, r, rn);
        strbuf_put(&b, s + mn, n - mn);
    } else {
        strbuf_put(&b, s, n - mn);
        strbuf_put(&b, r, rn);
    }
    Term res = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return res;
}

Term string_nat_replace_prefix(Process *p, Term *args) { return replace_end(p, args, true); }
Term string_nat_replace_suffix(Process *p, Term *args) { return replace_end(p, args, false); }

/* replace_leading/trailing(s, match, replacement): every repetition. */
static Term replace_rep(Process *p, Term *args, bool leading)
{
    const uint8_t *s, *m, *r;
    size_t n, mn, rn;
    if (!bin_of(args[0], &s, &n) || !bin_of(args[1], &m, &mn) || !bin_of(args[2], &r, &rn)) return fc(p);
    if (mn == 0) {
        return native_raise_msg(p, "Elixir.ArgumentError",
                                leading ? "cannot use an empty string as the match to replace"
                                        : "cannot use an empty string as the match to replace");
    }
    size_t count = 0, a = 0, z = n;
    if (leading)
        while (z - a >= mn && memcmp(s + a, m, mn) == 0) { a += mn; count++; }
    else
        while (z - a >= mn && memcmp(s + z - mn, m, mn) == 0) { z -= mn; count++; }
    StrBuf b = { 0 };
    if (!leading) strbuf_put(&b, s, z);
    for (size_t k = 0; k < count; k++) strbuf_put(&b, r, rn);
    if (leading) strbuf_put(&b, s + a, n - a);
    Term res = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return res;
}

Term string_nat_replace_leading(Process *p, Term *args) { return replace_rep(p, args, true); }
Term string_nat_replace_trailing(Process *p, Term *args) { return replace_rep(p, args, false); }

/* ======================================================================
 * String: code points, slicing, padding
 * ====================================================================== */

Term string_nat_reverse(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    uint8_t *out;
    Term r = make_binary_uninit(p, n, &out);
    s = binary_bytes(args[0], &n); /* unchanged: allocation never moves terms */
    size_t i = 0;
    while (i < n) {
        size_t l = cp_len(s, n, i, NULL);
        memcpy(out + n - i - l, s + i, l);
        i += l;
    }
    return r;
}

static Term cp_list(Process *p, Term str, bool as_ints)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(str, &s, &n)) return T_NONE;
    TermVec tv = { 0 };
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = cp_len(s, n, i, &cp);
        tv_push(&tv, as_ints ? make_small(cp) : binary_sub(p, str, i, l));
        i += l;
    }
    return tv_list(p, &tv);
}

Term string_nat_codepoints(Process *p, Term *args)
{
    Term r = cp_list(p, args[0], false);
    return r == T_NONE ? fc(p) : r;
}

Term string_nat_to_charlist(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    if (!unicode_valid(s, n)) {
        /* %UnicodeConversionError{encoded: code points before the bad
         * byte, message: "invalid|incomplete encoding starting at <<...>>"}:
         * incomplete when the rest is a truncated but well-formed start. */
        size_t i = 0;
        uint32_t cp;
        TermVec enc = { 0 };
        while (i < n) {
            int l = unicode_decode(s + i, n - i, &cp);
            if (!l) break;
            tv_push(&enc, make_small(cp));
            i += (size_t)l;
        }
        uint8_t c = s[i];
        size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        bool incomplete = need > n - i;
        for (size_t k = i + 1; incomplete && k < n; k++) incomplete = (s[k] & 0xC0) == 0x80;
        StrBuf m = { 0 };
        strbuf_puts(&m, incomplete ? "incomplete encoding starting at " : "invalid encoding starting at ");
        Term rest = binary_sub(p, args[0], i, n - i);
        inspect_to_buf(&m, rest, &inspect_default_opts);
        Term kv[8] = {
            ATOM___exception__, ATOM_true,
            ATOM___struct__, ATOM_Elixir_UnicodeConversionError,
            ATOM_encoded, tv_list(p, &enc),
            ATOM_message, make_binary(p, m.data, m.len),
        };
        strbuf_free(&m);
        return native_raise(p, ATOM_error, map_from_pairs(p, 4, kv));
    }
    return cp_list(p, args[0], true);
}

/* Slice code points [start, start + len) (start, len >= 0). */
static Term slice_cp(Process *p, Term str, size_t start, size_t len)
{
    const uint8_t *s;
    size_t n;
    s = binary_bytes(str, &n);
    size_t a = cp_offset(s, n, start);
    size_t z = a;
    while (len > 0 && z < n) {
        z += cp_len(s, n, z, NULL);
        len--;
    }
    return binary_sub(p, str, a, z - a);
}

Term string_nat_slice3(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n) || !is_integer(args[1]) || !is_integer(args[2])) return fc(p);
    if (!is_small(args[2]) || small_val(args[2]) < 0) {
        if (is_small(args[2]) || box_type(args[2]) == BOX_BIG_NEG) return fc(p);
        return slice_cp(p, args[0], is_small(args[1]) && small_val(args[1]) >= 0 ? (size_t)small_val(args[1]) : 0,
                        SIZE_MAX);
    }
    size_t len = (size_t)small_val(args[2]);
    if (!is_small(args[1])) return box_type(args[1]) == BOX_BIG_POS ? make_binary(p, "", 0) : slice_cp(p, args[0], 0, len);
    SInt start = small_val(args[1]);
    if (start < 0) {
        SInt total = (SInt)cp_count(s, n);
        start = total + start < 0 ? 0 : total + start;
    }
    return slice_cp(p, args[0], (size_t)start, len);
}

static bool small_field(Term m, Term key, SInt *out)
{
    Term v = map_get(m, key);
    if (v == T_NONE || !is_small(v)) return false;
    *out = small_val(v);
    return true;
}

Term string_nat_slice2(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    Term r = args[1];
    if (!bin_of(args[0], &s, &n) || !is_map(r) || map_get(r, ATOM___struct__) != ATOM_Elixir_Range) return fc(p);
    SInt first, last, step;
    if (!small_field(r, ATOM_first, &first) || !small_field(r, ATOM_last, &last)) return fc(p);
    if (!small_field(r, ATOM_step, &step)) step = first <= last ? 1 : -1;
    if (step < 0) {
        if (step == -1 && first > last) {
            step = 1;
        } else {
            StrBuf m = { 0 };
            strbuf_puts(&m, "String.slice/2 does not accept ranges with negative steps, got: ");
            inspect_to_buf(&m, r, &inspect_default_opts);
            Term e = native_raise_msg(p, "Elixir.ArgumentError", m.data);
            strbuf_free(&m);
            return e;
        }
    }
    SInt total = (SInt)cp_count(s, n);
    if (first < 0) first += total;
    if (last < 0) last += total;
    if (first < 0) first = 0;
    if (last >= total) last = total - 1;
    if (first > last || first >= total) return make_binary(p, "", 0);
    if (step == 1) return slice_cp(p, args[0], (size_t)first, (size_t)(last - first + 1));
    StrBuf b = { 0 };
    size_t i = cp_offset(s, n, (size_t)first);
    for (SInt k = first; k <= last && i < n; k++) {
        size_t l = cp_len(s, n, i, NULL);
        if ((k - first) % step == 0) strbuf_put(&b, s + i, l);
        i += l;
    }
    Term res = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return res;
}

Term string_nat_at(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n) || !is_integer(args[1])) return fc(p);
    if (!is_small(args[1])) return ATOM_nil;
    SInt k = small_val(args[1]);
    if (k < 0) {
        k += (SInt)cp_count(s, n);
        if (k < 0) return ATOM_nil;
    }
    size_t a = cp_offset(s, n, (size_t)k);
    if (a >= n) return ATOM_nil;
    return binary_sub(p, args[0], a, cp_len(s, n, a, NULL));
}

Term string_nat_first(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    if (n == 0) return ATOM_nil;
    return binary_sub(p, args[0], 0, cp_len(s, n, 0, NULL));
}

Term string_nat_last(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    if (n == 0) return ATOM_nil;
    size_t i = 0, last = 0;
    while (i < n) {
        last = i;
        i += cp_len(s, n, i, NULL);
    }
    return binary_sub(p, args[0], last, n - last);
}

Term string_nat_split_at(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n) || !is_integer(args[1])) return fc(p);
    SInt k;
    SInt total = (SInt)cp_count(s, n);
    if (!is_small(args[1])) k = box_type(args[1]) == BOX_BIG_POS ? total : 0;
    else {
        k = small_val(args[1]);
        if (k < 0) k = total + k < 0 ? 0 : total + k;
    }
    size_t a = cp_offset(s, n, (size_t)k);
    Term l = binary_sub(p, args[0], 0, a);
    Term r = binary_sub(p, args[0], a, n - a);
    return make_tuple2(p, l, r);
}

Term string_nat_next_codepoint(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    if (n == 0) return ATOM_nil;
    size_t l = cp_len(s, n, 0, NULL);
    Term a = binary_sub(p, args[0], 0, l);
    Term b = binary_sub(p, args[0], l, n - l);
    return make_tuple2(p, a, b);
}

static Term pad(Process *p, Term str, Term count, Term padding, bool leading)
{
    const uint8_t *s, *ps;
    size_t n, pn;
    /* pad_leading/2 is pad_leading/3 with " "; Elixir's /3 wraps a binary
     * padding in a list before its guarded clause: failures name the /3
     * with that list. */
    bool big = is_integer(count) && !is_small(count) && box_type(count) == BOX_BIG_POS;
    if (!bin_of(str, &s, &n) || !is_integer(count) || !bin_of(padding, &ps, &pn) || pn == 0 ||
        (!big && (!is_small(count) || small_val(count) < 0)))
        return native_raise_fc_args(p, "Elixir.String", leading ? "pad_leading" : "pad_trailing",
                                    make_list(p, 3, (Term[]){ str, count, is_binary(padding) ? make_list(p, 1, &padding) : padding }));
    if (big) return native_raise(p, ATOM_error, ATOM_system_limit);
    size_t len = cp_count(s, n), want = (size_t)small_val(count);
    if (want <= len) return str;
    if (want - len > ((size_t)1 << 32) / pn) return native_raise(p, ATOM_error, ATOM_system_limit);
    size_t fill = want - len; /* code points of padding to add */
    size_t plen = cp_count(ps, pn);
    StrBuf b = { 0 };
    if (!leading) strbuf_put(&b, s, n);
    while (fill >= plen) {
        strbuf_put(&b, ps, pn);
        fill -= plen;
    }
    strbuf_put(&b, ps, cp_offset(ps, pn, fill));
    if (leading) strbuf_put(&b, s, n);
    Term r = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return r;
}

Term string_nat_pad_leading2(Process *p, Term *args)
{
    Term sp = make_binary(p, " ", 1);
    return pad(p, args[0], args[1], sp, true);
}
Term string_nat_pad_leading3(Process *p, Term *args) { return pad(p, args[0], args[1], args[2], true); }
Term string_nat_pad_trailing2(Process *p, Term *args)
{
    Term sp = make_binary(p, " ", 1);
    return pad(p, args[0], args[1], sp, false);
}
Term string_nat_pad_trailing3(Process *p, Term *args) { return pad(p, args[0], args[1], args[2], false); }

Term string_nat_duplicate(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n) || !is_integer(args[1])) return fc(p);
    if (!is_small(args[1])) return native_badarg(p); /* :binary.copy: bignum counts */
    if (small_val(args[1]) < 0)
        return native_raise_msg(p, "Elixir.ArgumentError",
                                "errors were found at the given arguments:\n\n  * 2nd argument: out of range\n");
    size_t times = (size_t)small_val(args[1]);
    /* beyond 4 GiB: system_limit rather than an allocation failure abort */
    if (n && times > ((size_t)1 << 32) / n) return native_raise(p, ATOM_error, ATOM_system_limit);
    uint8_t *out;
    Term r = make_binary_uninit(p, n * times, &out);
    s = binary_bytes(args[0], &n);
    for (size_t k = 0; k < times; k++) memcpy(out + k * n, s, n);
    return r;
}

Term string_nat_valid(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    return make_bool(unicode_valid(s, n));
}

static bool printable_str(const uint8_t *s, size_t n, long limit)
{
    size_t i = 0;
    while (i < n) {
        if (limit == 0) return true;
        uint32_t c;
        int l = unicode_decode(s + i, n - i, &c);
        if (!l) return false;
        bool ok = (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
                  (c >= 0x10000 && c <= 0x10FFFF) || c == '\n' || c == '\r' || c == '\t' || c == '\v' ||
                  c == '\b' || c == '\f' || c == 27 || c == 127 || c == 7;
        if (!ok) return false;
        i += (size_t)l;
        if (limit > 0) limit--;
    }
    return true;
}

Term string_nat_printable1(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    return make_bool(printable_str(s, n, -1));
}

Term string_nat_printable2(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    long limit;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    if (args[1] == ATOM_infinity) limit = -1;
    else if (is_small(args[1]) && small_val(args[1]) >= 0) limit = (long)small_val(args[1]);
    else return fc(p);
    return make_bool(printable_str(s, n, limit));
}

/* ======================================================================
 * String: similarity and chunking
 * ====================================================================== */

/* The code points of s (invalid bytes as themselves), C heap. */
static uint32_t *cp_array(const uint8_t *s, size_t n, size_t *count)
{
    uint32_t *a = malloc((n + 1) * sizeof(uint32_t));
    if (!a) abort();
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += cp_len(s, n, i, &cp);
        a[k++] = cp;
    }
    *count = k;
    return a;
}

#define NO_CP 0xFFFFFFFFu /* a matched (removed) character */

/* String.jaro_distance/2, transcribed from Elixir 1.14 (its match/5,
 * submatch, detect and proceed): the shorter string's characters are
 * looked for in a sliding window of the other; `window` is the other
 * string's remaining characters (matched ones become NO_CP). */
Term string_nat_jaro_distance(Process *p, Term *args)
{
    const uint8_t *s1, *s2;
    size_t n1, n2;
    if (!bin_of(args[0], &s1, &n1) || !bin_of(args[1], &s2, &n2)) return fc(p);
    if (n1 == n2 && memcmp(s1, s2, n1) == 0) return make_float(p, 1.0);
    if (n1 == 0 || n2 == 0) return make_float(p, 0.0);
    size_t len1, len2;
    uint32_t *c1 = cp_array(s1, n1, &len1), *c2 = cp_array(s2, n2, &len2);
    const uint32_t *a;
    uint32_t *b;
    size_t la, lb;
    long lim;
    if (len1 < len2) { a = c1; la = len1; b = c2; lb = len2; lim = (long)(len2 / 2) - 1; }
    else { a = c2; la = len2; b = c1; lb = len1; lim = (long)(len1 / 2) - 1; }
    long comm = 0, trans = 0, former = -1, pre = 0;
    size_t start = 0; /* the window is b[start .. lb) */
    for (size_t idx = 0; idx < la; idx++) {
        /* detect: at most pre + 1 + lim characters of the window */
        long budget = pre + 1 + lim;
        for (size_t j = start, sub = 0; budget > 0 && j < lb; j++, sub++, budget--) {
            if (b[j] == a[idx]) {
                b[j] = NO_CP;
                long current = (long)idx - pre + (long)sub;
                if (current < former) trans++;
                comm++;
                former = current;
                break;
            }
        }
        if (pre == lim) start++;
        else pre++;
    }
    free(c1);
    free(c2);
    if (comm == 0) return make_float(p, 0.0);
    double c = (double)comm;
    return make_float(p, (c / (double)len1 + c / (double)len2 + (double)(comm - trans) / c) / 3);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* String.bag_distance/2: 1 - max(|A - B|, |B - A|) / max(|A|, |B|) over
 * the multisets of characters. */
Term string_nat_bag_distance(Process *p, Term *args)
{
    const uint8_t *s1, *s2;
    size_t n1, n2;
    if (!bin_of(args[0], &s1, &n1) || !bin_of(args[1], &s2, &n2)) return fc(p);
    if (n1 == 0 || n2 == 0) return make_float(p, 0.0);
    size_t l1, l2;
    uint32_t *a = cp_array(s1, n1, &l1), *b = cp_array(s2, n2, &l2);
    qsort(a, l1, sizeof *a, cmp_u32);
    qsort(b, l2, sizeof *b, cmp_u32);
    size_t i = 0, j = 0, common = 0;
    while (i < l1 && j < l2) {
        if (a[i] == b[j]) { common++; i++; j++; }
        else if (a[i] < b[j]) i++;
        else j++;
    }
    free(a);
    free(b);
    size_t d1 = l1 - common, d2 = l2 - common;
    double dmax = (double)(d1 > d2 ? d1 : d2), lmax = (double)(l1 > l2 ? l1 : l2);
    return make_float(p, 1 - dmax / lmax);
}

/* String.chunk(s, :valid | :printable): maximal runs of characters that
 * do or do not have the trait. */
Term string_nat_chunk(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    bool printable = args[1] == ATOM_printable;
    if (!bin_of(args[0], &s, &n) || (!printable && args[1] != ATOM_valid)) return fc(p);
    TermVec tv = { 0 };
    size_t start = 0;
    int flag = -1;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int l = unicode_decode(s + i, n - i, &cp);
        int has = l && (!printable || printable_str(s + i, (size_t)l, -1));
        if (!l) l = 1;
        if (flag >= 0 && has != flag) {
            tv_push(&tv, binary_sub(p, args[0], start, i - start));
            start = i;
        }
        flag = has;
        i += (size_t)l;
    }
    if (n > 0) tv_push(&tv, binary_sub(p, args[0], start, n - start));
    return tv_list(p, &tv);
}

/* ---- String.myers_difference/2 ----
 * A transcription of Elixir 1.14's List.myers_difference (find_script,
 * each_diagonal, proceed_path, move_down/right, follow_snake and
 * compact_reverse) over code points, so ties resolve exactly as Elixir's.
 * A path is {y, i, j, edits}: y as in Elixir, a[i..] and b[j..] still to
 * match, edits a persistent list (newest first) of nodes in an arena. */

enum { ED_EQ, ED_DEL, ED_INS };
typedef struct Edit { uint8_t kind; uint32_t cp; long prev; } Edit;
typedef struct Path { long y; size_t i, j; long edits; } Path;
typedef struct MyersState {
    const uint32_t *a, *b;
    size_t la, lb;
    Edit *e;
    size_t ne, cape;
} MyersState;

static long edit_push(MyersState *m, int kind, uint32_t cp, long prev)
{
    if (m->ne == m->cape) {
        m->cape = m->cape ? m->cape * 2 : 64;
        m->e = realloc(m->e, m->cape * sizeof(Edit));
        if (!m->e) abort();
    }
    m->e[m->ne] = (Edit){ (uint8_t)kind, cp, prev };
    return (long)m->ne++;
}

static Path move_down(MyersState *m, Path p)
{
    if (p.i < m->la) {
        p.edits = edit_push(m, ED_DEL, m->a[p.i], p.edits);
        p.i++;
    }
    p.y++;
    return p;
}

static Path move_right(MyersState *m, Path p)
{
    if (p.j < m->lb) {
        p.edits = edit_push(m, ED_INS, m->b[p.j], p.edits);
        p.j++;
    }
    return p;
}

/* follow_snake: true when both lists are exhausted (done). */
static bool follow_snake(MyersState *m, Path *p)
{
    while (p->i < m->la && p->j < m->lb && m->a[p->i] == m->b[p->j]) {
        p->edits = edit_push(m, ED_EQ, m->a[p->i], p->edits);
        p->i++;
        p->j++;
        p->y++;
    }
    return p->i == m->la && p->j == m->lb;
}

/* compact_reverse: a segment stack (top = front of Elixir's acc); each
 * segment's code points are kept in reverse (Elixir prepends). */
typedef struct Seg { int kind; uint32_t *cp; size_t n, cap; } Seg;

static void seg_add(Seg *g, uint32_t cp)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 8;
        g->cp = realloc(g->cp, g->cap * sizeof(uint32_t));
        if (!g->cp) abort();
    }
    g->cp[g->n++] = cp;
}

static Term myers_result(Process *p, MyersState *m, long edits)
{
    Seg *st = NULL;
    size_t n = 0, cap = 0;
    for (long k = edits; k >= 0;) {
        const Edit *e = &m->e[k];
        if (n > 0 && st[n - 1].kind == e->kind) {
            seg_add(&st[n - 1], e->cp);
            k = e->prev;
            continue;
        }
        if (n >= 3 && st[n - 1].kind == ED_EQ && st[n - 2].kind == ED_INS && st[n - 3].kind == ED_EQ &&
            st[n - 1].n == st[n - 2].n && !memcmp(st[n - 1].cp, st[n - 2].cp, st[n - 1].n * sizeof(uint32_t))) {
            /* [eq E, ins E, eq O | acc] -> [ins E, eq E ++ O | acc]: in
             * reversed storage, eq's code points become rev(O) ++ rev(E). */
            Seg *e_eq = &st[n - 1], *o = &st[n - 3];
            for (size_t q = 0; q < e_eq->n; q++) seg_add(o, e_eq->cp[q]);
            free(e_eq->cp);
            n--; /* ins E is now on top */
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            st = realloc(st, cap * sizeof(Seg));
            if (!st) abort();
        }
        st[n] = (Seg){ e->kind, NULL, 0, 0 };
        seg_add(&st[n++], e->cp);
        k = e->prev;
    }
    const Term names[] = { ATOM_eq, ATOM_del, ATOM_ins };
    TermVec tv = { 0 };
    for (size_t q = n; q-- > 0;) {
        StrBuf b = { 0 };
        for (size_t r = st[q].n; r-- > 0;) strbuf_put_utf8(&b, st[q].cp[r]);
        Term bin = strbuf_to_binary(p, &b);
        strbuf_free(&b);
        tv_push(&tv, make_tuple2(p, names[st[q].kind], bin));
        free(st[q].cp);
    }
    free(st);
    return tv_list(p, &tv);
}

/* String.equivalent?/2. Elixir compares the canonical decompositions
 * (NFD); Act has no Unicode normalisation (String.normalize is absent, see
 * docs/language.md on code points), so two strings are equivalent when
 * their bytes are equal: exact for text that is already in one normal form. */
Term string_nat_equivalent(Process *p, Term *args)
{
    const uint8_t *a, *b;
    size_t na, nb;
    if (!bin_of(args[0], &a, &na) || !bin_of(args[1], &b, &nb)) return fc(p);
    return make_bool(na == nb && memcmp(a, b, na) == 0);
}

Term string_nat_myers_difference(Process *p, Term *args)
{
    const uint8_t *s1, *s2;
    size_t n1, n2;
    if (!bin_of(args[0], &s1, &n1) || !bin_of(args[1], &s2, &n2)) return fc(p);
    MyersState m = { 0 };
    uint32_t *a = cp_array(s1, n1, &m.la), *b = cp_array(s2, n2, &m.lb);
    m.a = a;
    m.b = b;
    Path *paths = malloc(sizeof(Path)), *next = NULL;
    size_t np = 1;
    paths[0] = (Path){ 0, 0, 0, -1 };
    long done = -2;
    for (long env = 0; done == -2; env++) {
        next = malloc((size_t)(env + 1) * sizeof(Path));
        if (!paths || !next) abort();
        size_t nn = 0, pi = 0; /* paths[pi..np) is Elixir's `paths` list */
        for (long diag = -env; diag <= env; diag += 2) {
            Path path;
            if (diag == 0 && env == 0) {
                path = paths[pi++];
            } else if (diag == -env) {
                path = move_down(&m, paths[pi]);
            } else if (diag == env && np - pi == 1) {
                path = move_right(&m, paths[pi++]);
            } else {
                Path p1 = paths[pi], p2 = paths[pi + 1];
                path = p1.y > p2.y ? move_right(&m, p1) : move_down(&m, p2);
                pi++;
            }
            if (follow_snake(&m, &path)) {
                done = path.edits;
                break;
            }
            next[nn++] = path;
        }
        free(paths);
        paths = next;
        np = nn;
    }
    free(paths);
    Term r = myers_result(p, &m, done);
    free(m.e);
    free(a);
    free(b);
    return r;
}

/* String.next_grapheme_size/1 (graphemes are code points in Act). */
Term string_nat_next_grapheme_size(Process *p, Term *args)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(args[0], &s, &n)) return fc(p);
    if (n == 0) return ATOM_nil;
    size_t l = cp_len(s, n, 0, NULL);
    Term rest = binary_sub(p, args[0], l, n - l);
    return make_tuple2(p, make_small((SInt)l), rest);
}

/* ======================================================================
 * Atoms
 * ====================================================================== */

static Term to_atom(Process *p, Term str, bool existing)
{
    const uint8_t *s;
    size_t n;
    if (!bin_of(str, &s, &n)) return bad_arg(p, 1, "not a binary");
    if (!unicode_valid(s, n)) return bad_arg(p, 1, "invalid UTF8 encoding");
    Term a = existing ? atom_lookup((const char *)s, n) : atom_intern_user((const char *)s, n);
    if (a != T_NONE) return a;
    if (existing)
        return native_raise_msg(p, "Elixir.ArgumentError",
                                "errors were found at the given arguments:\n\n  * 1st argument: not an already existing atom\n");
    return native_raise(p, ATOM_error, ATOM_system_limit);
}

/* String.to_atom/to_existing_atom call the Erlang BIFs unguarded. */
Term string_nat_to_atom(Process *p, Term *args) { return to_atom(p, args[0], false); }
Term string_nat_to_existing_atom(Process *p, Term *args) { return to_atom(p, args[0], true); }

Term string_nat_binary_to_atom(Process *p, Term *args) { return to_atom(p, args[0], false); }
Term string_nat_binary_to_existing_atom(Process *p, Term *args) { return to_atom(p, args[0], true); }

Term string_nat_binary_to_atom2(Process *p, Term *args)
{
    if (!is_atom(args[1])) return bad_arg(p, 2, "not one of the atoms: latin1, utf8, or unicode");
    return to_atom(p, args[0], false);
}

Term string_nat_binary_to_existing_atom2(Process *p, Term *args)
{
    if (!is_atom(args[1])) return bad_arg(p, 2, "not one of the atoms: latin1, utf8, or unicode");
    return to_atom(p, args[0], true);
}

Term string_nat_atom_to_binary(Process *p, Term *args)
{
    if (!is_atom(args[0])) return bad_arg(p, 1, "not an atom");
    size_t n;
    const char *s = atom_name(args[0], &n);
    return make_binary(p, s, n);
}

Term string_nat_atom_to_string(Process *p, Term *args)
{
    if (!is_atom(args[0])) return bad_arg(p, 1, "not an atom");
    size_t n;
    const char *s = atom_name(args[0], &n);
    return make_binary(p, s, n);
}

Term string_nat_atom_to_binary2(Process *p, Term *args)
{
    if (!is_atom(args[1])) return native_badarg(p);
    return string_nat_atom_to_binary(p, args);
}

Term string_nat_atom_to_charlist(Process *p, Term *args)
{
    if (!is_atom(args[0])) return bad_arg(p, 1, "not an atom");
    size_t n;
    const char *s = atom_name(args[0], &n);
    Term bin = make_binary(p, s, n);
    return cp_list(p, bin, true);
}

Term string_nat_atom_to_list(Process *p, Term *args)
{
    return string_nat_atom_to_charlist(p, args);
}

Term string_nat_list_to_atom(Process *p, Term *args)
{
    StrBuf b = { 0 };
    Term bad;
    if (!is_list(args[0])) return bad_arg(p, 1, "not a list");
    if (chardata_to_buf(&b, args[0], &bad) != 0) {
        strbuf_free(&b);
        return native_badarg(p);
    }
    Term a = atom_intern_user(b.data ? b.data : "", b.len);
    strbuf_free(&b);
    return a == T_NONE ? native_raise(p, ATOM_error, ATOM_system_limit) : a;
}

/* :erlang.float_to_binary(f, opts): every OTP 25 option, by arith.c. */
Term string_nat_float_to_binary2(Process *p, Term *args)
{
    return arith_float_to_binary(p, args[0], args[1]);
}
