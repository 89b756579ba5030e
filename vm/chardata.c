/* chardata.c — StrBuf, chardata and String.Chars.to_string (inspect.h).
 *
 * to_string follows Elixir 1.14's String.Chars implementations: binaries
 * as-is, atoms by name (nil is ""), integers, floats in the shortest form,
 * lists as chardata; anything else raises Protocol.UndefinedError, and bad
 * chardata ArgumentError or UnicodeConversionError, with Elixir's fields.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "inspect.h"
#include "atom.h"
#include "heap.h"
#include "map.h"
#include "native.h"

/* ======================================================================
 * StrBuf
 * ====================================================================== */

void strbuf_init(StrBuf *b) { b->data = NULL; b->len = b->cap = 0; }

void strbuf_free(StrBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void strbuf_reserve(StrBuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        fputs("act: out of memory (string buffer)\n", stderr);
        abort();
    }
    b->data = d;
    b->cap = cap;
    b->data[b->len] = 0;
}

void strbuf_put(StrBuf *b, const void *bytes, size_t n)
{
    strbuf_reserve(b, n);
    if (n) memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = 0;
}

void strbuf_puts(StrBuf *b, const char *s) { strbuf_put(b, s, strlen(s)); }

void strbuf_putc(StrBuf *b, char c)
{
    strbuf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

void strbuf_printf(StrBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[128];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        strbuf_put(b, small, (size_t)n);
        return;
    }
    strbuf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void strbuf_put_utf8(StrBuf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    strbuf_put(b, u, n);
}

Term strbuf_to_binary(Process *p, const StrBuf *b)
{
    return make_binary(p, b->data ? b->data : "", b->len);
}

/* ======================================================================
 * String.Chars (to_string) and chardata
 * ====================================================================== */

int chardata_to_buf(StrBuf *b, Term t, Term *bad)
{
    /* Work stack of pending list tails, so nesting uses no C recursion. */
    Term *stack = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (is_binary(t)) {
            size_t len;
            const uint8_t *s = binary_bytes(t, &len);
            strbuf_put(b, s, len);
            t = T_NIL;
        } else if (is_cons(t)) {
            Term h = CAR(t);
            if (is_small(h)) {
                SInt c = small_val(h);
                if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                    *bad = h;
                    rc = 2;
                    break;
                }
                strbuf_put_utf8(b, (uint32_t)c);
                t = CDR(t);
            } else if (is_binary(h) || is_list(h)) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    stack = realloc(stack, cap * sizeof(Term));
                    if (!stack) abort();
                }
                stack[n++] = CDR(t);
                t = h;
            } else {
                *bad = h;
                rc = is_bignum(h) ? 2 : 1;
                break;
            }
        } else if (is_nil(t)) {
            if (n == 0) break;
            t = stack[--n];
        } else {
            *bad = t;
            rc = 1;
            break;
        }
    }
    free(stack);
    return rc;
}

bool term_to_string_buf(StrBuf *b, Term t)
{
    if (is_binary(t)) {
        size_t len;
        const uint8_t *s = binary_bytes(t, &len);
        strbuf_put(b, s, len);
        return true;
    }
    if (is_atom(t)) {
        if (t != ATOM_nil) {
            size_t n;
            const char *s = atom_name(t, &n);
            strbuf_put(b, s, n);
        }
        return true;
    }
    if (is_integer(t)) {
        inspect_integer_to_buf(b, t);
        return true;
    }
    if (is_float(t)) {
        char buf[FLOAT_BUF_SIZE];
        strbuf_put(b, buf, float_to_shortest(float_val(t), buf));
        return true;
    }
    if (is_list(t)) {
        Term bad;
        return chardata_to_buf(b, t, &bad) == 0;
    }
    return false;
}

static Term raise_undefined(Process *p, Term t)
{
    /* %Protocol.UndefinedError{protocol: String.Chars, value: t,
     * description: ""}: stdlib/exception.act gives its message. */
    Term kv[10] = {
        ATOM___exception__, ATOM_true,
        ATOM___struct__, atom_intern_cstr("Elixir.Protocol.UndefinedError"),
        atom_intern_cstr("protocol"), atom_intern_cstr("Elixir.String.Chars"),
        ATOM_value, t,
        atom_intern_cstr("description"), make_binary(p, "", 0),
    };
    return native_raise(p, ATOM_error, map_from_pairs(p, 5, kv));
}

Term term_to_string(Process *p, Term t)
{
    if (is_binary(t)) return t;
    StrBuf b = { 0 };
    Term bad = T_NONE;
    int rc = is_list(t) ? chardata_to_buf(&b, t, &bad) : term_to_string_buf(&b, t) ? 0 : -1;
    if (rc == 0) {
        Term r = strbuf_to_binary(p, &b);
        strbuf_free(&b);
        return r;
    }
    if (rc < 0) {
        strbuf_free(&b);
        return raise_undefined(p, t);
    }
    StrBuf m = { 0 };
    if (rc == 2) {
        /* %UnicodeConversionError{encoded: the text converted before the
         * bad code point, message: ...} as List.to_string raises */
        strbuf_puts(&m, "invalid code point ");
        inspect_integer_to_buf(&m, bad);
        Term kv[8] = {
            ATOM___exception__, ATOM_true,
            ATOM___struct__, atom_intern_cstr("Elixir.UnicodeConversionError"),
            atom_intern_cstr("encoded"), strbuf_to_binary(p, &b),
            ATOM_message, make_binary(p, m.data, m.len),
        };
        strbuf_free(&m);
        strbuf_free(&b);
        return native_raise(p, ATOM_error, map_from_pairs(p, 4, kv));
    }
    strbuf_free(&b);
    strbuf_puts(&m, "cannot convert the given list to a string.\n\n"
                    "To be converted to a string, a list must either be empty or only\n"
                    "contain the following elements:\n\n"
                    "  * strings\n"
                    "  * integers representing Unicode code points\n"
                    "  * a list containing one of these three elements\n\n"
                    "Please check the given list or call inspect/1 to get the list "
                    "representation, got:\n\n");
    inspect_to_buf(&m, t, &inspect_default_opts);
    strbuf_putc(&m, '\n');
    native_raise_msg(p, "Elixir.ArgumentError", m.data);
    strbuf_free(&m);
    return T_NONE;
}
