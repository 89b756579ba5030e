/* arith.c — arithmetic on any numbers (see arith.h), and the natives of
 * numbers: Kernel/:erlang operators, Integer, Float, :math, Bitwise, and the
 * number parsers and formatters of String and :erlang.
 *
 * Numbers are smalls, bignums (bignum.h) and floats (finite IEEE doubles: no
 * operation ever stores an infinity or a NaN in a term; arith_make_float
 * raises badarith instead, as the BEAM does).
 *
 * Sections: helpers; operators (arith.h); then the natives, by module.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "arith.h"
#include "bignum.h"
#include "heap.h"
#include "native.h"
#include "atom.h"
#include "inspect.h"
#include "map.h"

/* ---- helpers ---------------------------------------------------------------- */

static Term badarith(Process *p)
{
    return native_raise(p, ATOM_error, ATOM_badarith);
}

Term arith_make_float(Process *p, double d)
{
    if (!isfinite(d)) return badarith(p);
    return make_float(p, d);
}

bool arith_to_double(Term t, double *out)
{
    if (is_float(t)) { *out = float_val(t); return true; }
    if (is_integer(t)) return bignum_to_double(t, out);
    return false;
}

/* Both operands as doubles for a float operation; false after raising. */
static bool both_doubles(Process *p, Term a, Term b, double *x, double *y)
{
    if (arith_to_double(a, x) && arith_to_double(b, y)) return true;
    badarith(p);
    return false;
}

/* ---- the four operations ------------------------------------------------------ */

Term arith_add(Process *p, Term a, Term b)
{
    if (is_small(a) && is_small(b)) return bignum_from_int64(p, small_val(a) + small_val(b));
    if (is_integer(a) && is_integer(b)) return bignum_add(p, a, b);
    double x, y;
    if (!both_doubles(p, a, b, &x, &y)) return T_NONE;
    return arith_make_float(p, x + y);
}

Term arith_sub(Process *p, Term a, Term b)
{
    if (is_small(a) && is_small(b)) return bignum_from_int64(p, small_val(a) - small_val(b));
    if (is_integer(a) && is_integer(b)) return bignum_sub(p, a, b);
    double x, y;
    if (!both_doubles(p, a, b, &x, &y)) return T_NONE;
    return arith_make_float(p, x - y);
}

Term arith_mul(Process *p, Term a, Term b)
{
    if (is_small(a) && is_small(b)) {
        int64_t r;
        if (!__builtin_mul_overflow((int64_t)small_val(a), (int64_t)small_val(b), &r))
            return bignum_from_int64(p, r);
        return bignum_mul(p, a, b);
    }
    if (is_integer(a) && is_integer(b)) return bignum_mul(p, a, b);
    double x, y;
    if (!both_doubles(p, a, b, &x, &y)) return T_NONE;
    return arith_make_float(p, x * y);
}

Term arith_fdiv(Process *p, Term a, Term b)
{
    double x, y;
    if (!both_doubles(p, a, b, &x, &y)) return T_NONE;
    if (y == 0.0) return badarith(p);
    return arith_make_float(p, x / y);
}

/* ---- integer division ---------------------------------------------------------- */

static bool int_operands(Process *p, Term a, Term b)
{
    if (is_integer(a) && is_integer(b) && b != make_small(0)) return true;
    badarith(p);
    return false;
}

Term arith_idiv(Process *p, Term a, Term b)
{
    if (!int_operands(p, a, b)) return T_NONE;
    if (is_small(a) && is_small(b)) /* C truncates; SMALL_MIN / -1 fits an int64 */
        return bignum_from_int64(p, small_val(a) / small_val(b));
    Term q;
    return bignum_divrem(p, a, b, &q, NULL) ? q : T_NONE;
}

Term arith_rem(Process *p, Term a, Term b)
{
    if (!int_operands(p, a, b)) return T_NONE;
    if (is_small(a) && is_small(b)) return make_small(small_val(a) % small_val(b));
    Term r;
    return bignum_divrem(p, a, b, NULL, &r) ? r : T_NONE;
}

/* ---- unary ---------------------------------------------------------------------- */

Term arith_neg(Process *p, Term a)
{
    if (is_small(a)) return bignum_from_int64(p, -(int64_t)small_val(a));
    if (is_bignum(a)) return bignum_neg(p, a);
    if (is_float(a)) return make_float(p, -float_val(a));
    return badarith(p);
}

Term arith_abs(Process *p, Term a)
{
    if (is_integer(a)) return bignum_abs(p, a);
    if (is_float(a)) return float_val(a) < 0 ? make_float(p, -float_val(a)) : a; /* abs(-0.0) is -0.0 */
    return badarith(p);
}

/* ---- powers --------------------------------------------------------------------- */

/* The exponent is an integer >= 0. An exponent beyond 64 bits only makes
 * sense for bases 0, 1 and -1; bignum_pow raises system_limit for others. */
static Term int_pow(Process *p, Term a, Term b)
{
    uint64_t e;
    if (!bignum_to_uint64(b, &e)) e = UINT64_MAX;
    if (e == UINT64_MAX && is_bignum(b) && is_small(a) && small_val(a) == -1)
        return make_small(bignum_limbs(b)[0] & 1 ? -1 : 1);
    return bignum_pow(p, a, e);
}

static bool is_neg_int(Term t)
{
    return is_small(t) ? small_val(t) < 0 : bignum_is_neg(t);
}

Term arith_int_pow(Process *p, Term a, Term b)
{
    if (!is_integer(a) || !is_integer(b) || is_neg_int(b)) return badarith(p);
    return int_pow(p, a, b);
}

Term arith_pow(Process *p, Term a, Term b)
{
    if (is_integer(a) && is_integer(b) && !is_neg_int(b)) return int_pow(p, a, b);
    double x, y;
    if (!both_doubles(p, a, b, &x, &y)) return T_NONE;
    return arith_make_float(p, pow(x, y));
}

/* ---- comparison ------------------------------------------------------------------ */

int arith_compare_numbers(Term a, Term b)
{
    if (is_integer(a)) {
        if (is_integer(b)) return bignum_compare(a, b);
        return bignum_compare_double(a, float_val(b));
    }
    double x = float_val(a);
    if (is_integer(b)) return -bignum_compare_double(b, x);
    double y = float_val(b);
    return (x > y) - (x < y);
}

/* ======================================================================
 * Natives. Argument checks and error reasons follow what Elixir 1.14 /
 * OTP 25 do for the same call (checked with `elixir`, and with the Elixir
 * modules' own compiled code for the exact clause structure):
 *  - a function Elixir guards with is_integer/is_float raises
 *    error:function_clause naming that function (see fclause);
 *  - an Erlang BIF's badarg is raised as the ArgumentError Elixir prints
 *    for it, "errors were found at the given arguments: ...";
 *  - arithmetic failures are error:badarith.
 * ====================================================================== */

/* error:function_clause reported in module.function/arity (native.h). */
static Term fclause(Process *p, const char *module, const char *function, unsigned arity)
{
    return native_raise_fc(p, module, function, arity);
}

/* ArgumentError as Elixir formats an Erlang BIF's error_info: `lines` is one
 * or more "  * Nth argument: reason\n" lines. */
static Term arg_error(Process *p, const char *lines) { return native_badarg_lines(p, lines); }

static Term not_a_number(Process *p, int argno)
{
    return arg_error(p, argno == 1 ? "  * 1st argument: not a number\n"
                                   : "  * 2nd argument: not a number\n");
}

static bool is_base(Term b)
{
    return is_small(b) && small_val(b) >= 2 && small_val(b) <= 36;
}

static const char BAD_BASE[] = "  * 2nd argument: not an integer in the range 2 through 36\n";

/* ---- Kernel / :erlang operators ----------------------------------------------- */

Term arith_nat_add(Process *p, Term *args) { return arith_add(p, args[0], args[1]); }
Term arith_nat_sub(Process *p, Term *args) { return arith_sub(p, args[0], args[1]); }
Term arith_nat_mul(Process *p, Term *args) { return arith_mul(p, args[0], args[1]); }
Term arith_nat_fdiv(Process *p, Term *args) { return arith_fdiv(p, args[0], args[1]); }
Term arith_nat_div(Process *p, Term *args) { return arith_idiv(p, args[0], args[1]); }
Term arith_nat_rem(Process *p, Term *args) { return arith_rem(p, args[0], args[1]); }
Term arith_nat_neg(Process *p, Term *args) { return arith_neg(p, args[0]); }

Term arith_nat_plus(Process *p, Term *args)
{
    return is_number(args[0]) ? args[0] : badarith(p);
}

Term arith_nat_abs(Process *p, Term *args)
{
    if (!is_number(args[0])) return not_a_number(p, 1);
    return arith_abs(p, args[0]);
}

/* Kernel.**: guarded by is_number on both sides. */
Term arith_nat_pow(Process *p, Term *args)
{
    if (!is_number(args[0]) || !is_number(args[1])) return fclause(p, "Elixir.Kernel", "**", 2);
    return arith_pow(p, args[0], args[1]);
}

/* round/trunc/floor/ceil of a number to an integer; `op` is a libm function
 * (round() rounds half away from zero, as erlang:round/1). */
static Term to_integer_by(Process *p, Term x, double (*op)(double))
{
    if (is_integer(x)) return x;
    if (!is_float(x)) return not_a_number(p, 1);
    return bignum_from_double(p, op(float_val(x)));
}

Term arith_nat_round(Process *p, Term *args) { return to_integer_by(p, args[0], round); }
Term arith_nat_trunc(Process *p, Term *args) { return to_integer_by(p, args[0], trunc); }
Term arith_nat_floor(Process *p, Term *args) { return to_integer_by(p, args[0], floor); }
Term arith_nat_ceil(Process *p, Term *args) { return to_integer_by(p, args[0], ceil); }

/* :erlang.float/1. A bignum beyond the double range is "not a number" to
 * the BEAM's error_info too. */
Term arith_nat_float(Process *p, Term *args)
{
    double d;
    if (is_float(args[0])) return args[0];
    if (!is_integer(args[0]) || !bignum_to_double(args[0], &d)) return not_a_number(p, 1);
    return make_float(p, d);
}

/* ---- Integer -------------------------------------------------------------------- */

/* :erlang.integer_to_binary/2, shared by Integer.to_string/1,2. */
static Term int_to_binary(Process *p, Term i, Term base)
{
    bool bad_i = !is_integer(i), bad_b = !is_base(base);
    if (bad_i || bad_b) {
        char lines[160];
        snprintf(lines, sizeof lines, "%s%s", bad_i ? "  * 1st argument: not an integer\n" : "",
                 bad_b ? BAD_BASE : "");
        return arg_error(p, lines);
    }
    return bignum_to_string(p, i, (int)small_val(base));
}

Term arith_nat_int_to_string1(Process *p, Term *args) { return int_to_binary(p, args[0], make_small(10)); }
Term arith_nat_int_to_string2(Process *p, Term *args) { return int_to_binary(p, args[0], args[1]); }

/* :erlang.binary_to_integer/2, shared by String.to_integer/1,2. */
static Term binary_to_int(Process *p, Term bin, Term base)
{
    if (!is_binary(bin)) return arg_error(p, "  * 1st argument: not a binary\n");
    if (!is_base(base)) return arg_error(p, BAD_BASE);
    size_t len;
    const uint8_t *s = binary_bytes(bin, &len);
    size_t used;
    Term t = bignum_parse_prefix(p, (const char *)s, len, (int)small_val(base), &used);
    if (used == 0 || used != len)
        return arg_error(p, "  * 1st argument: not a textual representation of an integer\n");
    return t; /* T_NONE only after system_limit */
}

Term arith_nat_str_to_int1(Process *p, Term *args) { return binary_to_int(p, args[0], make_small(10)); }
Term arith_nat_str_to_int2(Process *p, Term *args) { return binary_to_int(p, args[0], args[1]); }

/* Integer.parse/2: "invalid base" is checked before the binary. */
static Term int_parse(Process *p, Term bin, Term base)
{
    if (!is_base(base)) {
        StrBuf b = {0};
        strbuf_puts(&b, "invalid base ");
        inspect_to_buf(&b, base, &inspect_default_opts);
        Term r = native_raise_msg(p, "Elixir.ArgumentError", b.data);
        strbuf_free(&b);
        return r;
    }
    if (!is_binary(bin)) /* parse/1 is parse/2 with base 10: name the /2 with both */
        return native_raise_fc_args(p, "Elixir.Integer", "parse", make_list(p, 2, (Term[]){ bin, base }));
    size_t len, used;
    const uint8_t *s = binary_bytes(bin, &len);
    Term n = bignum_parse_prefix(p, (const char *)s, len, (int)small_val(base), &used);
    if (n == T_NONE) return used ? T_NONE : ATOM_error; /* used != 0: system_limit raised */
    return make_tuple2(p, n, make_binary(p, s + used, len - used));
}

Term arith_nat_int_parse1(Process *p, Term *args) { return int_parse(p, args[0], make_small(10)); }
Term arith_nat_int_parse2(Process *p, Term *args) { return int_parse(p, args[0], args[1]); }

/* Integer.digits/2: most significant first; every digit of a negative
 * number is negative (do_digits uses div/rem). */
static Term int_digits(Process *p, Term i, Term base)
{
    if (!is_integer(i) || !is_integer(base) || bignum_compare(base, make_small(2)) < 0) return fclause(p, "Elixir.Integer", "digits", 2);
    Term list = T_NIL;
    if (is_small(base) && small_val(base) <= 36) {
        int b = (int)small_val(base);
        size_t cap = bignum_cstr_size(i, b) + 1;
        char local[128];
        char *buf = cap <= sizeof local ? local : malloc(cap);
        if (!buf) { fprintf(stderr, "act: out of memory\n"); abort(); }
        size_t len = bignum_to_cstr(i, b, buf, cap);
        bool neg = buf[0] == '-';
        for (size_t k = len; k > (size_t)neg; k--) {
            char c = buf[k - 1];
            int v = c <= '9' ? c - '0' : c - 'A' + 10;
            list = make_cons_cell(p, make_small(neg ? -v : v), list);
        }
        if (buf != local) free(buf);
        return list;
    }
    /* a large base: repeated division, least significant digit first */
    Term abs_i = bignum_abs(p, i);
    for (;;) {
        if (bignum_compare(abs_i, base) < 0) return make_cons_cell(p, i, list);
        Term q, r;
        bignum_divrem(p, i, base, &q, &r);
        list = make_cons_cell(p, r, list);
        i = q;
        abs_i = bignum_abs(p, i);
    }
}

Term arith_nat_int_digits1(Process *p, Term *args) { return int_digits(p, args[0], make_small(10)); }
Term arith_nat_int_digits2(Process *p, Term *args) { return int_digits(p, args[0], args[1]); }

static Term int_undigits(Process *p, Term list, Term base)
{
    if (!is_list(list) || !is_integer(base) || bignum_compare(base, make_small(2)) < 0) return fclause(p, "Elixir.Integer", "undigits", 2);
    Term acc = make_small(0);
    for (; is_cons(list); list = CDR(list)) {
        Term d = CAR(list);
        if (!is_integer(d)) return fclause(p, "Elixir.Integer", "do_undigits", 3);
        if (bignum_compare(d, base) >= 0) {
            StrBuf b = {0};
            strbuf_puts(&b, "invalid digit ");
            inspect_integer_to_buf(&b, d);
            strbuf_puts(&b, " in base ");
            inspect_integer_to_buf(&b, base);
            Term r = native_raise_msg(p, "Elixir.ArgumentError", b.data);
            strbuf_free(&b);
            return r;
        }
        acc = arith_mul(p, acc, base);
        if (acc == T_NONE) return T_NONE;
        acc = arith_add(p, acc, d);
        if (acc == T_NONE) return T_NONE;
    }
    if (!is_nil(list)) return fclause(p, "Elixir.Integer", "do_undigits", 3);
    return acc;
}

Term arith_nat_int_undigits1(Process *p, Term *args) { return int_undigits(p, args[0], make_small(10)); }
Term arith_nat_int_undigits2(Process *p, Term *args) { return int_undigits(p, args[0], args[1]); }

Term arith_nat_int_gcd(Process *p, Term *args)
{
    if (!is_integer(args[0]) || !is_integer(args[1])) return fclause(p, "Elixir.Integer", "gcd", 2);
    return bignum_gcd(p, args[0], args[1]);
}

/* Integer.mod/2 and floor_div/2 are not guarded: any bad operand fails in
 * their arithmetic, with badarith. */
Term arith_nat_int_mod(Process *p, Term *args)
{
    Term r;
    if (!int_operands(p, args[0], args[1])) return T_NONE;
    return bignum_floor_divmod(p, args[0], args[1], NULL, &r) ? r : T_NONE;
}

Term arith_nat_int_floor_div(Process *p, Term *args)
{
    Term q;
    if (!int_operands(p, args[0], args[1])) return T_NONE;
    return bignum_floor_divmod(p, args[0], args[1], &q, NULL) ? q : T_NONE;
}

Term arith_nat_int_pow(Process *p, Term *args)
{
    if (!is_integer(args[0]) || !is_integer(args[1])) return fclause(p, "Elixir.Integer", "pow", 2);
    return arith_int_pow(p, args[0], args[1]);
}

/* Integer.extended_gcd/2, as Elixir's: the first clauses match 0 before
 * any type check, so extended_gcd(0, x) is {x, 0, 1} for any x. */
Term arith_nat_int_extended_gcd(Process *p, Term *args)
{
    Term a = args[0], b = args[1], zero = make_small(0), one = make_small(1);
    if (a == zero && b == zero) return make_tuple3(p, zero, zero, zero);
    if (a == zero) return make_tuple3(p, b, zero, one);
    if (b == zero) return make_tuple3(p, a, one, zero);
    if (!is_integer(a) || !is_integer(b)) return fclause(p, "Elixir.Integer", "extended_gcd", 2);
    Term r1 = b, r0 = a, s1 = zero, s0 = one, t1 = one, t0 = zero;
    for (;;) {
        Term q, r2;
        bignum_divrem(p, r0, r1, &q, &r2);
        if (r2 == zero) {
            if (bignum_compare(r1, zero) > 0) return make_tuple3(p, r1, s1, t1);
            return make_tuple3(p, bignum_neg(p, r1), bignum_neg(p, s1), bignum_neg(p, t1));
        }
        Term s2 = bignum_sub(p, s0, bignum_mul(p, q, s1));
        Term t2 = bignum_sub(p, t0, bignum_mul(p, q, t1));
        r0 = r1; r1 = r2;
        s0 = s1; s1 = s2;
        t0 = t1; t1 = t2;
    }
}

/* ---- Float ---------------------------------------------------------------------- */

typedef enum { ROUND_HALF_UP, ROUND_FLOOR, ROUND_CEIL } Rounding;

/* Elixir 1.14's Float.round/floor/ceil with a precision of 1..15, step for
 * step (its private round/3): exact decimal rounding of the binary value,
 * then an exact decimal-to-binary conversion with ties to even. Quirks are
 * kept on purpose, the oracle being the reference: the result of a zero is
 * +0.0, and values below 10^-104 or so give 0.0 or +-10^-precision. */
static double round_decimal(double f, int precision, Rounding mode)
{
    if (f == 0.0) return f;
    uint64_t bits;
    memcpy(&bits, &f, sizeof bits);
    int sign = (int)(bits >> 63);
    int exp = (int)((bits >> 52) & 0x7FF);
    uint64_t frac = bits & (((uint64_t)1 << 52) - 1);
    /* decompose: 1.frac without trailing zero bits, as an integer with
     * `last` fractional bits (the implicit 1 is assumed even for subnormals,
     * which land in the count >= 104 branch anyway) */
    int last = 0;
    uint64_t num = 1;
    for (int k = 1; k <= 52; k++) {
        if ((frac >> (52 - k)) & 1) {
            num = (num << (k - last)) + 1;
            last = k;
        }
    }
    int count = last - exp + 1023;
    if (count >= 104) {
        if (mode == ROUND_CEIL && sign == 0) return 1.0 / pow(10, precision);
        if (mode == ROUND_FLOOR && sign == 1) return -1.0 / pow(10, precision);
        return 0.0;
    }
    if (count <= precision) return f;
    mpz_t n, t, den, q, r;
    mpz_inits(n, t, den, q, r, NULL);
    /* n = num * 5^count / 10^(count - precision - 1): the value's decimal
     * digits up to one past the precision */
    mpz_set_ui(n, num);
    mpz_ui_pow_ui(t, 5, (unsigned long)count);
    mpz_mul(n, n, t);
    mpz_ui_pow_ui(t, 10, (unsigned long)(count - precision - 1));
    mpz_tdiv_q(n, n, t);
    unsigned long last_digit = mpz_tdiv_q_ui(q, n, 10); /* q = n div 10 */
    bool up = (mode == ROUND_FLOOR && sign == 1) || (mode == ROUND_CEIL && sign == 0) ||
              (mode == ROUND_HALF_UP && last_digit >= 5);
    if (up) mpz_add_ui(q, q, 1);
    double result;
    if (mpz_sgn(q) == 0) {
        result = 0.0;
    } else {
        /* q / 10^precision to a double: scale so that 2^52 <= q/den < 2^53 */
        mpz_ui_pow_ui(den, 10, (unsigned long)precision);
        mpz_mul_2exp(t, den, 52); /* boundary */
        long e2 = 52;
        if (mpz_cmp(q, t) >= 0) {
            size_t k = 0;
            for (;;) {
                mpz_mul_2exp(r, t, k + 1);
                if (mpz_cmp(q, r) < 0) break;
                k++;
            }
            mpz_mul_2exp(den, den, k);
            e2 += (long)k;
        } else {
            size_t k = 0;
            for (;;) {
                mpz_mul_2exp(r, q, k);
                if (mpz_cmp(r, t) >= 0) break;
                k++;
            }
            mpz_set(q, r);
            e2 -= (long)k;
        }
        /* decimal_to_float: quotient rounded half to even, as Elixir does
         * it (comparing with den >> 1) */
        mpz_tdiv_qr(t, r, q, den);
        mpz_tdiv_q_2exp(den, den, 1);
        int c = mpz_cmp(r, den);
        if (c > 0 || (c == 0 && mpz_odd_p(t))) mpz_add_ui(t, t, 1);
        uint64_t mant = mpz_get_ui(t) - ((uint64_t)1 << 52);
        uint64_t out = ((uint64_t)sign << 63) | ((uint64_t)(e2 + 1023) << 52) |
                       (mant & (((uint64_t)1 << 52) - 1));
        memcpy(&result, &out, sizeof result);
    }
    mpz_clears(n, t, den, q, r, NULL);
    return result;
}

/* The shared argument handling of Float.round/floor/ceil/2. */
static Term float_round_by(Process *p, Term f, Term prec, Rounding mode)
{
    const char *name = mode == ROUND_FLOOR ? "floor" : mode == ROUND_CEIL ? "ceil" : "round";
    if (!is_float(f)) return fclause(p, "Elixir.Float", name, 2);
    double x = float_val(f);
    if (prec == make_small(0)) {
        switch (mode) {
        case ROUND_FLOOR: return make_float(p, floor(x));
        case ROUND_CEIL: return make_float(p, ceil(x));
        default: {
            /* float(round(x)): an integer has no sign, so -0.4 gives 0.0 */
            double r = round(x);
            return make_float(p, r == 0.0 ? 0.0 : r);
        }
        }
    }
    if (!is_small(prec) || small_val(prec) < 0 || small_val(prec) > 15) {
        StrBuf b = {0};
        strbuf_puts(&b, "precision ");
        if (!term_to_string_buf(&b, prec)) {
            strbuf_free(&b);
            return fclause(p, "Elixir.Float", name, 2); /* Elixir fails in String.Chars; rare */
        }
        strbuf_puts(&b, " is out of valid range of 0..15");
        Term r = native_raise_msg(p, "Elixir.ArgumentError", b.data);
        strbuf_free(&b);
        return r;
    }
    return make_float(p, round_decimal(x, (int)small_val(prec), mode));
}

Term arith_nat_float_round1(Process *p, Term *args) { return float_round_by(p, args[0], make_small(0), ROUND_HALF_UP); }
Term arith_nat_float_round2(Process *p, Term *args) { return float_round_by(p, args[0], args[1], ROUND_HALF_UP); }
Term arith_nat_float_floor1(Process *p, Term *args) { return float_round_by(p, args[0], make_small(0), ROUND_FLOOR); }
Term arith_nat_float_floor2(Process *p, Term *args) { return float_round_by(p, args[0], args[1], ROUND_FLOOR); }
Term arith_nat_float_ceil1(Process *p, Term *args) { return float_round_by(p, args[0], make_small(0), ROUND_CEIL); }
Term arith_nat_float_ceil2(Process *p, Term *args) { return float_round_by(p, args[0], args[1], ROUND_CEIL); }

/* Float.pow/2: a float base, any number as exponent, :math.pow. */
Term arith_nat_float_pow(Process *p, Term *args)
{
    double y;
    if (!is_float(args[0]) || !arith_to_double(args[1], &y)) {
        if (!is_float(args[0]) || !is_number(args[1])) return fclause(p, "Elixir.Float", "pow", 2);
        return badarith(p);
    }
    return arith_make_float(p, pow(float_val(args[0]), y));
}

/* Float.ratio/1: the exact fraction, denominator a power of two. */
Term arith_nat_float_ratio(Process *p, Term *args)
{
    if (!is_float(args[0])) return fclause(p, "Elixir.Float", "ratio", 1);
    double f = float_val(args[0]);
    if (f == 0.0) return make_tuple2(p, make_small(0), make_small(1));
    int e;
    double m = frexp(fabs(f), &e);          /* |f| = m * 2^e, m in [0.5, 1) */
    uint64_t mant = (uint64_t)ldexp(m, 53); /* |f| = mant * 2^(e - 53), exact */
    int ex = e - 53;
    unsigned tz = (unsigned)__builtin_ctzll(mant);
    mant >>= tz;
    ex += (int)tz;
    Term num = bignum_from_uint64(p, mant);
    if (f < 0) num = bignum_neg(p, num);
    if (ex >= 0) {
        num = bignum_mul(p, num, bignum_pow(p, make_small(2), (uint64_t)ex));
        return make_tuple2(p, num, make_small(1));
    }
    return make_tuple2(p, num, bignum_pow(p, make_small(2), (uint64_t)-ex));
}

Term arith_nat_float_to_string(Process *p, Term *args)
{
    if (!is_float(args[0])) return fclause(p, "Elixir.Float", "to_string", 1);
    char buf[FLOAT_BUF_SIZE];
    size_t n = float_to_shortest(float_val(args[0]), buf);
    return make_binary(p, buf, n);
}

Term arith_nat_float_max_finite(Process *p, Term *args) { return make_float(p, 1.7976931348623157e308); }
Term arith_nat_float_min_finite(Process *p, Term *args) { return make_float(p, -1.7976931348623157e308); }

/* Converts the decimal text s[0..n) (digits, '.', 'e', sign: already
 * validated) with correct rounding. False if it overflows a double. */
static bool decimal_to_double(const char *s, size_t n, double *out)
{
    char local[128];
    char *buf = n < sizeof local ? local : malloc(n + 1);
    if (!buf) { fprintf(stderr, "act: out of memory\n"); abort(); }
    memcpy(buf, s, n);
    buf[n] = '\0';
    double d = strtod(buf, NULL);
    if (buf != local) free(buf);
    if (isinf(d)) return false;
    *out = d; /* underflow gives 0.0 or a subnormal, as the BEAM */
    return true;
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Float.parse/1: [+-] digits [. digits] [(e|E) [+-] digits], each optional
 * part taken only when a digit follows. Returns {float, rest} or :error. */
Term arith_nat_float_parse(Process *p, Term *args)
{
    if (!is_binary(args[0])) return fclause(p, "Elixir.Float", "parse_unsigned", 1);
    size_t len, i = 0;
    const uint8_t *s = binary_bytes(args[0], &len);
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    size_t start = i;
    if (i >= len || !is_digit(s[i])) return ATOM_error;
    while (i < len && is_digit(s[i])) i++;
    if (i + 1 < len && s[i] == '.' && is_digit(s[i + 1])) {
        i++;
        while (i < len && is_digit(s[i])) i++;
    }
    bool has_exp = false;
    if (i + 1 < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-')) j++;
        if (j < len && is_digit(s[j])) {
            has_exp = true;
            i = j;
            while (i < len && is_digit(s[i])) i++;
        }
    }
    double d;
    if (!decimal_to_double((const char *)s + start, i - start, &d)) {
        if (has_exp) return ATOM_error;
        return arg_error(p, "  * 1st argument: not a textual representation of a float\n");
    }
    Term f = make_float(p, neg ? -d : d);
    return make_tuple2(p, f, make_binary(p, s + i, len - i));
}

/* String.to_float/1 (:erlang.binary_to_float/1): the whole binary must be
 * [+-] digits . digits [(e|E) [+-] digits]. */
Term arith_nat_str_to_float(Process *p, Term *args)
{
    if (!is_binary(args[0])) return arg_error(p, "  * 1st argument: not a binary\n");
    size_t len, i = 0;
    const uint8_t *s = binary_bytes(args[0], &len);
    if (i < len && (s[i] == '-' || s[i] == '+')) i++;
    size_t d0 = i;
    while (i < len && is_digit(s[i])) i++;
    bool ok = i > d0 && i < len && s[i] == '.';
    if (ok) {
        size_t f0 = ++i;
        while (i < len && is_digit(s[i])) i++;
        ok = i > f0;
    }
    if (ok && i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t e0 = i;
        while (i < len && is_digit(s[i])) i++;
        ok = i > e0;
    }
    double d;
    if (!ok || i != len || !decimal_to_double((const char *)s, len, &d))
        return arg_error(p, "  * 1st argument: not a textual representation of a float\n");
    return make_float(p, d);
}

/* ---- :math ---------------------------------------------------------------------- */

/* One-argument :math functions: a number in, a finite float out. */
static Term math1(Process *p, Term x, double (*fn)(double))
{
    double d;
    if (!is_number(x)) return not_a_number(p, 1);
    if (!arith_to_double(x, &d)) return badarith(p);
    return arith_make_float(p, fn(d));
}

static Term math2(Process *p, Term x, Term y, double (*fn)(double, double))
{
    double a, b;
    if (!is_number(x)) return not_a_number(p, 1);
    if (!is_number(y)) return not_a_number(p, 2);
    if (!arith_to_double(x, &a) || !arith_to_double(y, &b)) return badarith(p);
    return arith_make_float(p, fn(a, b));
}

Term arith_nat_math_pi(Process *p, Term *args) { return make_float(p, 3.141592653589793); }
Term arith_nat_math_sqrt(Process *p, Term *args) { return math1(p, args[0], sqrt); }
Term arith_nat_math_exp(Process *p, Term *args) { return math1(p, args[0], exp); }
Term arith_nat_math_log(Process *p, Term *args) { return math1(p, args[0], log); }
Term arith_nat_math_log2(Process *p, Term *args) { return math1(p, args[0], log2); }
Term arith_nat_math_log10(Process *p, Term *args) { return math1(p, args[0], log10); }
Term arith_nat_math_sin(Process *p, Term *args) { return math1(p, args[0], sin); }
Term arith_nat_math_cos(Process *p, Term *args) { return math1(p, args[0], cos); }
Term arith_nat_math_tan(Process *p, Term *args) { return math1(p, args[0], tan); }
Term arith_nat_math_asin(Process *p, Term *args) { return math1(p, args[0], asin); }
Term arith_nat_math_acos(Process *p, Term *args) { return math1(p, args[0], acos); }
Term arith_nat_math_atan(Process *p, Term *args) { return math1(p, args[0], atan); }
Term arith_nat_math_sinh(Process *p, Term *args) { return math1(p, args[0], sinh); }
Term arith_nat_math_cosh(Process *p, Term *args) { return math1(p, args[0], cosh); }
Term arith_nat_math_tanh(Process *p, Term *args) { return math1(p, args[0], tanh); }
Term arith_nat_math_floor(Process *p, Term *args) { return math1(p, args[0], floor); }
Term arith_nat_math_ceil(Process *p, Term *args) { return math1(p, args[0], ceil); }
Term arith_nat_math_pow(Process *p, Term *args) { return math2(p, args[0], args[1], pow); }
Term arith_nat_math_atan2(Process *p, Term *args) { return math2(p, args[0], args[1], atan2); }
Term arith_nat_math_fmod(Process *p, Term *args) { return math2(p, args[0], args[1], fmod); }

/* ---- :erlang.float_to_binary / Integer.to_charlist --------------------------------- */

/* erts's find_first_trailing_zero: drops trailing '0's of b (from byte
 * `from` on), but keeps one right after a '.'. */
static void trim_zeros(StrBuf *b, size_t from)
{
    while (b->len > from && b->data[b->len - 1] == '0') b->len--;
    if (b->len > 0 && b->data[b->len - 1] == '.') b->len++;
    b->data[b->len] = '\0';
}

/* float_to_binary(F, [{decimals, D}]) as OTP 25's sys_double_to_chars_fast
 * computes it, quirks included (checked against 20000 random cases):
 *  - |f| <= 2^53 and D < 19: the fraction is scaled by 10^D in floating
 *    point and rounded half away from zero (0.125 -> "0.13", but 2.675 ->
 *    "2.67"); compact drops trailing zeros but one, only after a point.
 *  - otherwise the exact value is printed with "%.*f" (ties to even), and
 *    compact drops trailing zeros even without a point (1.0e20 -> "1").
 * Appends to b; returns false if the text would not fit the BEAM's
 * 256-byte buffer (measured before compacting). */
static bool fixed_decimals(StrBuf *b, double d, int decimals, bool compact)
{
    static const double pow10[19] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                     1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
    double a = fabs(d);
    size_t start = b->len;
    if (a > 9007199254740992.0 || decimals >= 19) {
        if (a >= 1e255) return false; /* at least 256 integer digits */
        strbuf_printf(b, "%.*f", decimals, d);
        if (b->len - start > 255) return false;
        if (compact) trim_zeros(b, start);
        return true;
    }
    if (signbit(d)) strbuf_putc(b, '-');
    if (decimals == 0) {
        strbuf_printf(b, "%llu", (unsigned long long)round(a));
        return true;
    }
    double ip = floor(a), fp = round((a - ip) * pow10[decimals]);
    unsigned long long ipart = (unsigned long long)ip, fpart = (unsigned long long)fp;
    if (fp >= pow10[decimals]) { /* the fraction rounded up to 1 */
        ipart++;
        fpart = 0;
    }
    strbuf_printf(b, "%llu.%0*llu", ipart, decimals, fpart);
    if (compact) trim_zeros(b, start);
    return true;
}

/* float_to_binary(F, Options): the last of {decimals, 0..253},
 * {scientific, 0..249} and short decides the format; compact trims the
 * zeros of a decimals format. The default is {scientific, 20}. */
Term arith_float_to_binary(Process *p, Term f, Term opts)
{
    if (!is_float(f)) return arg_error(p, "  * 1st argument: not a float\n");
    enum { SCI, DEC, SHORT } fmt = SCI;
    long digits = 20;
    bool compact = false;
    Term l = opts;
    for (; is_cons(l); l = CDR(l)) {
        Term o = CAR(l);
        if (o == ATOM_compact) {
            compact = true;
        } else if (o == ATOM_short) {
            fmt = SHORT;
        } else if (is_tuple(o) && tuple_arity(o) == 2 && is_small(tuple_elems(o)[1]) &&
                   tuple_elems(o)[0] == ATOM_decimals &&
                   small_val(tuple_elems(o)[1]) >= 0 && small_val(tuple_elems(o)[1]) <= 253) {
            fmt = DEC;
            digits = small_val(tuple_elems(o)[1]);
        } else if (is_tuple(o) && tuple_arity(o) == 2 && is_small(tuple_elems(o)[1]) &&
                   tuple_elems(o)[0] == ATOM_scientific &&
                   small_val(tuple_elems(o)[1]) >= 0 && small_val(tuple_elems(o)[1]) <= 249) {
            fmt = SCI;
            digits = small_val(tuple_elems(o)[1]);
        } else {
            return arg_error(p, "  * 2nd argument: invalid option in list\n");
        }
    }
    if (!is_nil(l))
        return arg_error(p, is_cons(opts) ? "  * 2nd argument: not a proper list\n"
                                          : "  * 2nd argument: not a list\n");
    double d = float_val(f);
    StrBuf b = {0};
    if (fmt == SHORT) {
        char buf[FLOAT_BUF_SIZE];
        strbuf_put(&b, buf, float_to_shortest(d, buf));
    } else if (fmt == SCI) {
        strbuf_printf(&b, "%.*e", (int)digits, d);
    } else {
        if (!fixed_decimals(&b, d, (int)digits, compact)) {
            strbuf_free(&b);
            return arg_error(p, "  * 2nd argument: invalid option in list\n");
        }
    }
    Term t = make_binary(p, b.data, b.len);
    strbuf_free(&b);
    return t;
}

Term arith_nat_float_to_binary1(Process *p, Term *args)
{
    return arith_float_to_binary(p, args[0], T_NIL);
}

Term arith_nat_float_to_binary2(Process *p, Term *args)
{
    return arith_float_to_binary(p, args[0], args[1]);
}

/* A binary's bytes as a list of integers (the charlist forms). */
static Term bytes_to_list(Process *p, Term bin)
{
    if (bin == T_NONE) return T_NONE;
    size_t len;
    const uint8_t *s = binary_bytes(bin, &len);
    Term l = T_NIL;
    for (size_t k = len; k > 0; k--) l = make_cons_cell(p, make_small(s[k - 1]), l);
    return l;
}

Term arith_nat_int_to_charlist1(Process *p, Term *args)
{
    return bytes_to_list(p, int_to_binary(p, args[0], make_small(10)));
}

Term arith_nat_int_to_charlist2(Process *p, Term *args)
{
    return bytes_to_list(p, int_to_binary(p, args[0], args[1]));
}

Term arith_nat_float_to_charlist(Process *p, Term *args)
{
    if (!is_float(args[0])) return fclause(p, "Elixir.Float", "to_charlist", 1);
    return bytes_to_list(p, arith_nat_float_to_string(p, args));
}

Term arith_nat_float_to_list1(Process *p, Term *args)
{
    return bytes_to_list(p, arith_float_to_binary(p, args[0], T_NIL));
}

Term arith_nat_float_to_list2(Process *p, Term *args)
{
    return bytes_to_list(p, arith_float_to_binary(p, args[0], args[1]));
}

/* ---- Bitwise / :erlang bit operators ------------------------------------------------- */

/* Any non-integer operand is error:badarith, as on the BEAM. */
Term arith_nat_band(Process *p, Term *args)
{
    if (!is_integer(args[0]) || !is_integer(args[1])) return badarith(p);
    return bignum_band(p, args[0], args[1]);
}

Term arith_nat_bor(Process *p, Term *args)
{
    if (!is_integer(args[0]) || !is_integer(args[1])) return badarith(p);
    return bignum_bor(p, args[0], args[1]);
}

Term arith_nat_bxor(Process *p, Term *args)
{
    if (!is_integer(args[0]) || !is_integer(args[1])) return badarith(p);
    return bignum_bxor(p, args[0], args[1]);
}

Term arith_nat_bnot(Process *p, Term *args)
{
    if (!is_integer(args[0])) return badarith(p);
    return bignum_bnot(p, args[0]);
}

/* a bsl n (dir = 1) or a bsr n (dir = -1). A shift count beyond int64 can
 * only shift everything out, or overflow. */
static Term shift_by(Process *p, Term a, Term n, int dir)
{
    if (!is_integer(a) || !is_integer(n)) return badarith(p);
    int64_t k;
    if (!bignum_to_int64(n, &k)) k = bignum_is_neg(n) ? INT64_MIN + 1 : INT64_MAX;
    if (dir < 0) k = -k;
    if (a == make_small(0)) return a;
    return bignum_shift(p, a, k);
}

Term arith_nat_bsl(Process *p, Term *args) { return shift_by(p, args[0], args[1], 1); }
Term arith_nat_bsr(Process *p, Term *args) { return shift_by(p, args[0], args[1], -1); }

Term arith_nat_math_asinh(Process *p, Term *args) { return math1(p, args[0], asinh); }
Term arith_nat_math_acosh(Process *p, Term *args) { return math1(p, args[0], acosh); }
Term arith_nat_math_atanh(Process *p, Term *args) { return math1(p, args[0], atanh); }
Term arith_nat_math_erf(Process *p, Term *args) { return math1(p, args[0], erf); }
Term arith_nat_math_erfc(Process *p, Term *args) { return math1(p, args[0], erfc); }

