/* term_parse.h — test helper: builds Act terms from Elixir literal text
 * ("[a: 1, b: {2, \"x\"}]", "%{1 => 2}", "%RuntimeError{message: \"m\"}",
 * "1..10//2", "<<1, 2>>", big integers, floats, atoms, aliases), so a test
 * table can hold the very text elixir evaluated to produce its expectations.
 * Include after defining `static Process *p;` (the heap terms go to).
 * Sets parse_ok = false on text it does not understand. */
#ifndef ACT_TEST_TERM_PARSE_H
#define ACT_TEST_TERM_PARSE_H
#include <ctype.h>
#include "heap.h"
#include "atom.h"
#include "map.h"
#include "bignum.h"
#include "inspect.h"


static const char *src;
static bool parse_ok;

static void ws(void) { while (*src == ' ' || *src == '\n') src++; }

static Term parse(void);

static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80; }

static void parse_escaped(StrBuf *b, char quote)
{
    src++; /* opening quote */
    while (*src && *src != quote) {
        if (*src != '\\') { strbuf_putc(b, *src++); continue; }
        src++;
        char c = *src++;
        switch (c) {
        case 'n': strbuf_putc(b, '\n'); break;
        case 't': strbuf_putc(b, '\t'); break;
        case 'e': strbuf_putc(b, 27); break;
        case '0': strbuf_putc(b, 0); break;
        case 'u': {
            unsigned cp = 0;
            if (*src == '{') {
                src++;
                while (*src != '}') cp = cp * 16 + (unsigned)(isdigit((unsigned char)*src) ? *src - '0' : (tolower(*src) - 'a' + 10)), src++;
                src++;
            } else {
                for (int k = 0; k < 4; k++, src++)
                    cp = cp * 16 + (unsigned)(isdigit((unsigned char)*src) ? *src - '0' : (tolower(*src) - 'a' + 10));
            }
            strbuf_put_utf8(b, cp);
            break;
        }
        default: strbuf_putc(b, c); /* \" \\ \# */
        }
    }
    if (*src == quote) src++;
    else parse_ok = false;
}

static Term parse_number(void)
{
    const char *s = src;
    if (*src == '-') src++;
    while (isdigit((unsigned char)*src)) src++;
    bool flt = false;
    if (*src == '.' && isdigit((unsigned char)src[1])) {
        flt = true;
        src++;
        while (isdigit((unsigned char)*src)) src++;
    }
    if (*src == 'e') {
        flt = true;
        src++;
        if (*src == '-' || *src == '+') src++;
        while (isdigit((unsigned char)*src)) src++;
    }
    if (flt) return make_float(p, strtod(s, NULL));
    return bignum_from_string(p, s, (size_t)(src - s), 10);
}

/* Items up to `close`; keyword items `k: v` become {k, v}. Fills items;
 * *tail gets the term after `|` or T_NIL. */
static size_t parse_items(char close, Term *items, size_t max, Term *tail)
{
    size_t n = 0;
    bool kw_open = false;
    *tail = T_NIL;
    ws();
    while (*src && *src != close && n < max) {
        /* keyword key? */
        const char *save = src;
        Term key = T_NONE;
        if (*src == '"') {
            StrBuf b = { 0 };
            parse_escaped(&b, '"');
            if (*src == ':' && src[1] == ' ') { key = atom_intern(b.data ? b.data : "", b.len); src++; }
            else src = save;
            strbuf_free(&b);
        } else if (ident_char(*src) && !isdigit((unsigned char)*src)) {
            const char *s = src;
            while (ident_char(*src)) src++;
            if (*src == '?' || *src == '!') src++;
            if (*src == ':' && src[1] == ' ') { key = atom_intern(s, (size_t)(src - s)); src++; }
            else src = save;
        }
        Term v = parse();
        if (key != T_NONE && close == ')') {
            /* f(a, k: 1, j: 2): trailing keywords form one list argument */
            Term kv = make_tuple2(p, key, v);
            if (n > 0 && is_cons(items[n - 1]) && is_tuple(CAR(items[n - 1])) && kw_open) {
                Term l = items[n - 1];
                while (is_cons(CDR(l))) l = CDR(l);
                CDR(l) = make_cons_cell(p, kv, T_NIL);
            } else {
                items[n++] = make_cons_cell(p, kv, T_NIL);
                kw_open = true;
            }
        } else {
            items[n++] = key != T_NONE ? make_tuple2(p, key, v) : v;
        }
        ws();
        if (*src == '|') { src++; *tail = parse(); ws(); }
        if (*src == ',') { src++; ws(); }
    }
    if (*src == close) src++;
    else parse_ok = false;
    return n;
}

static Term parse_map_body(Term sname)
{
    Term items[256];
    Term tail;
    /* map items: k => v or keyword; parse k, then look for => */
    size_t n = 0;
    Term kv[512];
    ws();
    while (*src && *src != '}') {
        const char *save = src;
        size_t got = 0;
        /* try keyword */
        if (ident_char(*src) && !isdigit((unsigned char)*src)) {
            const char *s = src;
            while (ident_char(*src)) src++;
            if (*src == '?' || *src == '!') src++;
            if (*src == ':' && src[1] == ' ') {
                kv[2 * n] = atom_intern(s, (size_t)(src - s));
                src++;
                kv[2 * n + 1] = parse();
                n++;
                got = 1;
            } else {
                src = save;
            }
        }
        if (!got) {
            Term k = parse();
            ws();
            if (src[0] == '=' && src[1] == '>') src += 2;
            else parse_ok = false;
            kv[2 * n] = k;
            kv[2 * n + 1] = parse();
            n++;
        }
        ws();
        if (*src == ',') { src++; ws(); }
    }
    (void)items; (void)tail;
    if (*src == '}') src++;
    else parse_ok = false;
    if (sname != T_NONE) {
        kv[2 * n] = ATOM___struct__;
        kv[2 * n + 1] = sname;
        n++;
        if (strstr(atom_name(sname, &(size_t){0}), "Error")) { /* exceptions */
            kv[2 * n] = ATOM___exception__;
            kv[2 * n + 1] = ATOM_true;
            n++;
        }
    }
    return map_from_pairs(p, n, kv);
}

static Term alias_atom(const char *s, size_t n)
{
    char buf[300];
    if (n == 6 && memcmp(s, "Elixir", 6) == 0) return atom_intern(s, n);
    snprintf(buf, sizeof buf, "Elixir.%.*s", (int)n, s);
    return atom_intern_cstr(buf);
}

static Term make_range(Term a, Term b, Term s)
{
    Term kv[8] = { ATOM___struct__, ATOM_Elixir_Range, ATOM_first, a, ATOM_last, b, ATOM_step, s };
    return map_from_pairs(p, 4, kv);
}

static Term parse_primary(void)
{
    ws();
    char c = *src;
    if (isdigit((unsigned char)c) || (c == '-' && isdigit((unsigned char)src[1]))) return parse_number();
    if (c == '"') {
        StrBuf b = { 0 };
        parse_escaped(&b, '"');
        Term t = make_binary(p, b.data ? b.data : "", b.len);
        strbuf_free(&b);
        return t;
    }
    if (c == ':') {
        src++;
        if (*src == '"') {
            StrBuf b = { 0 };
            parse_escaped(&b, '"');
            Term t = atom_intern(b.data ? b.data : "", b.len);
            strbuf_free(&b);
            return t;
        }
        const char *s = src;
        for (const char *sp = "%{}\0{}\0<<>>\0"; *sp; sp += strlen(sp) + 1)
            if (strncmp(src, sp, strlen(sp)) == 0) {
                src += strlen(sp);
                return atom_intern(s, (size_t)(src - s));
            }
        while (*src && *src != ',' && *src != ' ' && *src != ']' && *src != '}' && *src != ')' && *src != '\n' &&
               !(*src == '=' && src[1] == '>' && src > s))
            src++;
        return atom_intern(s, (size_t)(src - s));
    }
    if (c == '[') {
        src++;
        Term items[256], tail;
        size_t n = parse_items(']', items, 256, &tail);
        Term l = tail;
        while (n > 0) l = make_cons_cell(p, items[--n], l);
        return l;
    }
    if (c == '{') {
        src++;
        Term items[256], tail;
        size_t n = parse_items('}', items, 256, &tail);
        return make_tuple(p, n, items);
    }
    if (c == '%') {
        src++;
        Term sname = T_NONE;
        if (*src != '{') {
            const char *s = src;
            while (ident_char(*src) || *src == '.') src++;
            sname = alias_atom(s, (size_t)(src - s));
        }
        src++;
        return parse_map_body(sname);
    }
    if (c == '<' && src[1] == '<') {
        src += 2;
        uint8_t bytes[512];
        size_t n = 0;
        ws();
        while (*src && *src != '>') {
            bytes[n++] = (uint8_t)strtol(src, (char **)&src, 10);
            ws();
            if (*src == ',') { src++; ws(); }
        }
        src += 2;
        return make_binary(p, bytes, n);
    }
    if (isupper((unsigned char)c)) {
        const char *s = src;
        while (ident_char(*src) || (*src == '.' && src[1] != '.')) src++;
        return alias_atom(s, (size_t)(src - s));
    }
    if (isalpha((unsigned char)c)) {
        const char *s = src;
        while (ident_char(*src)) src++;
        return atom_intern(s, (size_t)(src - s)); /* nil, true, false */
    }
    parse_ok = false;
    src++;
    return T_NIL;
}

static Term parse(void)
{
    Term t = parse_primary();
    if (src[0] == '.' && src[1] == '.') {
        src += 2;
        Term last = parse_primary();
        Term step = make_small(1);
        if (src[0] == '/' && src[1] == '/') { src += 2; step = parse_primary(); }
        else if (is_small(t) && is_small(last) && small_val(t) > small_val(last)) step = make_small(-1);
        return make_range(t, last, step);
    }
    return t;
}

__attribute__((unused)) static Term term_of(const char *s)
{
    src = s;
    parse_ok = true;
    Term t = parse();
    ws();
    if (*src) parse_ok = false;
    return t;
}

#endif
