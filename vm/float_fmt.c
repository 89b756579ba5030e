/* float_fmt.c — the shortest text of a double, in Elixir's two renderings.
 *
 * Both renderings start from the same digits: the shortest decimal digit
 * string D (no leading or trailing zeros) and exponent P such that
 * 0.D * 10^P reads back (strtod, round-to-nearest-even) as exactly the same
 * double, and, among the shortest such strings, the one closest to the exact
 * binary value (what Ryu, the BEAM's algorithm, produces).
 *
 * Digits: for a digit count n we take the correctly rounded n-digit decimal
 * ("%.*e", exact in glibc) and check it round-trips. The closest n-digit
 * decimal may fail while a neighbour (one unit in the last digit away)
 * succeeds: at a power of two the rounding interval is lopsided. So the two
 * neighbours are tried too. The least n is found by binary search (see
 * shortest_digits); 17 digits always round-trip.
 *
 * Layouts (L = number of digits, P as above, value = 0.D * 10^P):
 *  - inspect (io_lib_format:fwrite_g): fixed notation "DDD.DDD" / "0.000DDD"
 *    when 0 < P <= 16, or when P <= 0 and the fixed text is not longer than
 *    the scientific one; otherwise "D.DDDeX" (a lone digit gets ".0").
 *  - to_string (float_to_binary(F, [short])): fixed when |x| < 2^53 and the
 *    fixed text is not longer than the scientific one, else scientific.
 * Both were checked against elixir 1.14 / OTP 25 (tests/unit/test_float_fmt.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "inspect.h"

/* Tries the (prec + 1)-digit decimals nearest to a (> 0, finite): the
 * correctly rounded one, then one unit below and above it. On success
 * writes the digits (trailing zeros removed, NUL-terminated) and the place
 * (a = 0.digits * 10^place) and returns the digit count; else 0. */
static int try_digits(double a, int prec, char *digits, int *place)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.*e", prec, a);
    /* buf = "D.DDDDe[+-]XX" */
    char mant[24];
    int n = 0;
    const char *s = buf;
    for (; *s && *s != 'e'; s++)
        if (*s != '.') mant[n++] = *s;
    mant[n] = 0;
    int exp10 = atoi(s + 1);
    for (int c = 0; c < 3; c++) {
        char cand[24];
        int cexp = exp10;
        memcpy(cand, mant, (size_t)n + 1);
        if (c > 0) {
            int i = n - 1;
            if (c == 1) { /* minus one unit in the last place */
                while (i >= 0 && cand[i] == '0') cand[i--] = '9';
                if (i < 0) continue;
                cand[i]--;
                if (cand[0] == '0') continue; /* fewer digits: tried before */
            } else { /* plus one unit */
                while (i >= 0 && cand[i] == '9') cand[i--] = '0';
                if (i < 0) { /* 99..9 + 1 = 100..0 */
                    cand[0] = '1';
                    cexp++;
                } else {
                    cand[i]++;
                }
            }
        }
        char text[48];
        snprintf(text, sizeof text, "%c.%se%d", cand[0], cand + 1, cexp);
        if (strtod(text, NULL) == a) {
            int len = n;
            while (len > 1 && cand[len - 1] == '0') len--;
            memcpy(digits, cand, (size_t)len);
            digits[len] = 0;
            *place = cexp + 1;
            return len;
        }
    }
    return 0;
}

/* Writes the shortest round-trip digits of |d| (finite, non-zero) into
 * digits and returns their count, with |d| = 0.digits * 10^place.
 * "Some n-digit decimal reads back as d" is monotonic in n (an n-digit
 * decimal is also an (n+1)-digit one), and try_digits decides it exactly
 * (the decimals in the rounding interval are contiguous, so if any is, the
 * nearest or its neighbour on the far side is), so a binary search over
 * n = 1..17 finds the least n; 17 digits always read back. */
static int shortest_digits(double d, char *digits, int *place)
{
    double a = fabs(d);
    int lo = 0, hi = 16; /* precisions (digits - 1); hi always succeeds */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        char tmp[24];
        int tp;
        if (try_digits(a, mid, tmp, &tp)) hi = mid;
        else lo = mid + 1;
    }
    int n = try_digits(a, lo, digits, place);
    if (n) return n;
    /* Unreachable for finite doubles. */
    return try_digits(a, 16, digits, place);
}

/* Fixed notation of 0.digits * 10^place. */
static size_t put_fixed(char *out, const char *digits, int len, int place)
{
    size_t o = 0;
    if (place <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -place; i++) out[o++] = '0';
        memcpy(out + o, digits, (size_t)len);
        o += (size_t)len;
    } else if (place >= len) {
        memcpy(out + o, digits, (size_t)len);
        o += (size_t)len;
        for (int i = len; i < place; i++) out[o++] = '0';
        out[o++] = '.';
        out[o++] = '0';
    } else {
        memcpy(out + o, digits, (size_t)place);
        o += (size_t)place;
        out[o++] = '.';
        memcpy(out + o, digits + place, (size_t)(len - place));
        o += (size_t)(len - place);
    }
    out[o] = 0;
    return o;
}

/* Scientific notation: D.DDDeX, a lone digit followed by ".0". */
static size_t put_sci(char *out, const char *digits, int len, int place)
{
    size_t o = 0;
    out[o++] = digits[0];
    out[o++] = '.';
    if (len == 1) {
        out[o++] = '0';
    } else {
        memcpy(out + o, digits + 1, (size_t)(len - 1));
        o += (size_t)(len - 1);
    }
    o += (size_t)sprintf(out + o, "e%d", place - 1);
    return o;
}

static size_t fixed_len(int len, int place)
{
    if (place <= 0) return (size_t)(2 - place + len);
    if (place >= len) return (size_t)(place + 2);
    return (size_t)(len + 1);
}

static size_t sci_len(int len, int place)
{
    char e[16];
    return (size_t)((len == 1 ? 3 : len + 1) + sprintf(e, "e%d", place - 1));
}

/* Shared front: sign, zero, non-finite. Returns true when it wrote the
 * whole text. */
static bool special(double d, char *buf, size_t *n)
{
    if (d == 0) {
        strcpy(buf, signbit(d) ? "-0.0" : "0.0");
        *n = strlen(buf);
        return true;
    }
    if (!isfinite(d)) { /* Act never makes these; print something sane */
        strcpy(buf, isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
        *n = strlen(buf);
        return true;
    }
    return false;
}

size_t float_to_shortest(double d, char *buf)
{
    size_t n;
    if (special(d, buf, &n)) return n;
    char digits[24];
    int place;
    int len = shortest_digits(d, digits, &place);
    char *o = buf;
    if (d < 0) *o++ = '-';
    bool fixed = fabs(d) < 9007199254740992.0 && fixed_len(len, place) <= sci_len(len, place);
    n = fixed ? put_fixed(o, digits, len, place) : put_sci(o, digits, len, place);
    return n + (size_t)(o - buf);
}

size_t float_to_inspect(double d, char *buf)
{
    size_t n;
    if (special(d, buf, &n)) return n;
    char digits[24];
    int place;
    int len = shortest_digits(d, digits, &place);
    char *o = buf;
    if (d < 0) *o++ = '-';
    bool fixed = place > 0 ? place <= 16 : fixed_len(len, place) <= sci_len(len, place);
    n = fixed ? put_fixed(o, digits, len, place) : put_sci(o, digits, len, place);
    return n + (size_t)(o - buf);
}

int float_shortest_digits(double d, char *digits, int *place)
{
    if (d == 0 || !isfinite(d)) {
        digits[0] = '0';
        digits[1] = 0;
        *place = 1;
        return 1;
    }
    return shortest_digits(d, digits, place);
}
