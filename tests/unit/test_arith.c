/* test_arith.c — arith.c: the operators on mixed numbers, their errors, and
 * exact number comparison. Expected values come from the BEAM's documented
 * behaviour (checked with `elixir`) and from mpz for exact integers.
 */
#include <math.h>
#include <stdlib.h>
#include <gmp.h>
#include "unit.h"
#include "arith.h"
#include "bignum.h"
#include "heap.h"
#include "native.h"
#include "atom.h"

/* ---- private stubs ----------------------------------------------------------
 * Weak: used only while the runtime's own definitions are not written yet;
 * once they are, the linker takes the real ones. */
__attribute__((weak)) Term native_raise(Process *p, Term cls, Term reason)
{
    p->exc_class = cls;
    p->exc_reason = reason;
    return T_NONE;
}
__attribute__((weak)) Term native_badarg(Process *p) { return native_raise(p, ATOM_error, ATOM_badarg); }
size_t gc_heap_size_for(size_t words);
__attribute__((weak)) size_t gc_heap_size_for(size_t words) { return words; }

static Process proc;
static Process *p = &proc;

static Term flt(double d) { return make_float(p, d); }

/* The integer written in decimal in s. */
static Term num(const char *s) { return bignum_from_string(p, s, strlen(s), 10); }

static bool is_float_eq(Term t, double d)
{
    return t != T_NONE && is_float(t) && float_val(t) == d && signbit(float_val(t)) == signbit(d);
}

/* The call returned T_NONE and raised error:reason. */
static bool raised(Term r, Term reason)
{
    bool ok = r == T_NONE && proc.exc_class == ATOM_error && proc.exc_reason == reason;
    proc.exc_class = proc.exc_reason = T_NIL;
    return ok;
}

static bool int_is(Term t, const char *dec)
{
    if (t == T_NONE || !is_integer(t)) return false;
    Term want = num(dec);
    if (is_small(want)) return t == want;    /* canonical: must be the small */
    return is_bignum(t) && bignum_compare(t, want) == 0;
}

static void test_small_overflow(void)
{
    Term max = make_small(SMALL_MAX), min = make_small(SMALL_MIN);
    Term r = arith_add(p, max, make_small(1));
    CHECK(is_bignum(r) && int_is(r, "4611686018427387904"));
    CHECK(arith_sub(p, r, make_small(1)) == max); /* back to a small */
    CHECK(int_is(arith_sub(p, min, make_small(1)), "-4611686018427387905"));
    CHECK(int_is(arith_mul(p, max, max), "21267647932558653957237540927630737409"));
    CHECK(int_is(arith_mul(p, min, make_small(-1)), "4611686018427387904"));
    CHECK(arith_mul(p, make_small(3), make_small(-4)) == make_small(-12));
    CHECK(int_is(arith_neg(p, min), "4611686018427387904"));
    CHECK(arith_neg(p, arith_neg(p, min)) == min);
    CHECK(int_is(arith_abs(p, min), "4611686018427387904"));
    CHECK(int_is(arith_idiv(p, min, make_small(-1)), "4611686018427387904"));
    CHECK(arith_rem(p, min, make_small(-1)) == make_small(0));
}

static void test_div_rem_signs(void)
{
    /* div truncates; rem has the sign of the dividend */
    CHECK(arith_idiv(p, make_small(-7), make_small(2)) == make_small(-3));
    CHECK(arith_rem(p, make_small(-7), make_small(2)) == make_small(-1));
    CHECK(arith_idiv(p, make_small(7), make_small(-2)) == make_small(-3));
    CHECK(arith_rem(p, make_small(7), make_small(-2)) == make_small(1));
    Term big = num("-100000000000000000000000000001");
    CHECK(int_is(arith_idiv(p, big, make_small(10)), "-10000000000000000000000000000"));
    CHECK(arith_rem(p, big, make_small(10)) == make_small(-1));
    CHECK(arith_rem(p, make_small(5), big) == make_small(5));
    CHECK(raised(arith_idiv(p, make_small(1), make_small(0)), ATOM_badarith));
    CHECK(raised(arith_rem(p, big, make_small(0)), ATOM_badarith));
    CHECK(raised(arith_idiv(p, flt(4.0), make_small(2)), ATOM_badarith));
    CHECK(raised(arith_rem(p, make_small(4), flt(2.0)), ATOM_badarith));
}

static void test_floats(void)
{
    CHECK(is_float_eq(arith_add(p, make_small(1), flt(0.5)), 1.5));
    CHECK(is_float_eq(arith_sub(p, flt(0.0), flt(0.0)), 0.0));
    CHECK(is_float_eq(arith_sub(p, flt(-0.0), flt(0.0)), -0.0));
    CHECK(is_float_eq(arith_mul(p, make_small(0), flt(-1.0)), -0.0));
    CHECK(is_float_eq(arith_neg(p, flt(0.0)), -0.0));
    CHECK(is_float_eq(arith_abs(p, flt(-2.5)), 2.5));
    CHECK(is_float_eq(arith_abs(p, flt(-0.0)), -0.0)); /* as the BEAM */
    CHECK(is_float_eq(arith_fdiv(p, make_small(5), make_small(2)), 2.5));
    CHECK(is_float_eq(arith_fdiv(p, make_small(4), make_small(2)), 2.0));
    CHECK(is_float_eq(arith_add(p, num("100000000000000000000"), flt(1.0)), 1e20));
    /* errors: zero divisors (also -0.0), overflow to inf, non-numbers */
    CHECK(raised(arith_fdiv(p, make_small(1), make_small(0)), ATOM_badarith));
    CHECK(raised(arith_fdiv(p, flt(1.0), flt(-0.0)), ATOM_badarith));
    CHECK(raised(arith_fdiv(p, flt(0.0), flt(0.0)), ATOM_badarith));
    CHECK(raised(arith_mul(p, flt(1e308), make_small(10)), ATOM_badarith));
    CHECK(raised(arith_add(p, ATOM_ok, make_small(1)), ATOM_badarith));
    CHECK(raised(arith_sub(p, make_small(1), T_NIL), ATOM_badarith));
    CHECK(raised(arith_neg(p, ATOM_nil), ATOM_badarith));
    CHECK(raised(arith_abs(p, T_NIL), ATOM_badarith));
    Term huge = bignum_pow(p, make_small(2), 1100);
    CHECK(raised(arith_add(p, huge, flt(1.0)), ATOM_badarith));
    CHECK(raised(arith_fdiv(p, huge, make_small(3)), ATOM_badarith));
}

static void test_pow(void)
{
    mpz_t z;
    mpz_init(z);
    mpz_ui_pow_ui(z, 2, 200);
    char *s = mpz_get_str(NULL, 10, z);
    CHECK(int_is(arith_pow(p, make_small(2), make_small(200)), s));
    free(s);
    mpz_clear(z);
    CHECK(arith_pow(p, make_small(-3), make_small(3)) == make_small(-27));
    CHECK(arith_pow(p, make_small(0), make_small(0)) == make_small(1));
    CHECK(is_float_eq(arith_pow(p, make_small(2), make_small(-1)), 0.5));
    CHECK(is_float_eq(arith_pow(p, flt(2.0), make_small(10)), 1024.0));
    CHECK(is_float_eq(arith_pow(p, make_small(4), flt(0.5)), 2.0));
    CHECK(raised(arith_pow(p, make_small(0), make_small(-1)), ATOM_badarith));
    CHECK(raised(arith_pow(p, make_small(-8), flt(1.0 / 3)), ATOM_badarith));
    CHECK(raised(arith_pow(p, flt(10.0), make_small(400)), ATOM_badarith));
    CHECK(raised(arith_int_pow(p, make_small(2), make_small(-1)), ATOM_badarith));
    CHECK(raised(arith_int_pow(p, flt(2.0), make_small(1)), ATOM_badarith));
    CHECK(arith_pow(p, make_small(-1), num("100000000000000000000001")) == make_small(-1));
    CHECK(arith_pow(p, make_small(1), num("100000000000000000000001")) == make_small(1));
    CHECK(raised(arith_pow(p, make_small(2), num("100000000000000000000001")), ATOM_system_limit));
}

static void test_compare(void)
{
    CHECK(arith_compare_numbers(make_small(1), flt(1.0)) == 0);
    CHECK(arith_compare_numbers(flt(1.0), make_small(1)) == 0);
    CHECK(arith_compare_numbers(flt(0.0), flt(-0.0)) == 0);
    CHECK(arith_compare_numbers(make_small(1), flt(1.5)) == -1);
    CHECK(arith_compare_numbers(flt(-1.5), make_small(-2)) == 1);
    Term two53p1 = num("9007199254740993");
    CHECK(arith_compare_numbers(two53p1, flt(9007199254740992.0)) == 1);
    CHECK(arith_compare_numbers(flt(9007199254740992.0), two53p1) == -1);
    Term big = num("100000000000000000000"); /* 1e20 is exact as a double */
    CHECK(arith_compare_numbers(big, flt(1e20)) == 0);
    CHECK(arith_compare_numbers(arith_add(p, big, make_small(1)), flt(1e20)) == 1);
    CHECK(arith_compare_numbers(arith_neg(p, big), flt(-1e20)) == 0);
    CHECK(arith_compare_numbers(big, make_small(SMALL_MAX)) == 1);
    CHECK(arith_compare_numbers(arith_neg(p, big), make_small(SMALL_MIN)) == -1);
    CHECK(arith_compare_numbers(make_small(SMALL_MAX), flt(4611686018427387904.0)) == -1);
    CHECK(arith_compare_numbers(flt(1e300), big) == 1);
}

/* ---- natives -------------------------------------------------------------------- */

static double from_bits(uint64_t b) { double d; memcpy(&d, &b, sizeof d); return d; }
static uint64_t to_bits(double d) { uint64_t b; memcpy(&b, &d, sizeof b); return b; }

/* Float.round/floor/ceil(x, precision) as computed by elixir 1.14 (OTP 25)
 * for the same inputs: {x, precision, round, floor, ceil}, as IEEE bits.
 * Generated by a script running Float.round/2 etc. on fixed edge cases and
 * on random values of magnitude 10^-20..10^20. */
static const struct { uint64_t x; int prec; uint64_t round, floor, ceil; } round_cases[] = {
    {0x4005666666666666ull, 0, 0x4008000000000000ull, 0x4000000000000000ull, 0x4008000000000000ull},
    {0x4005666666666666ull, 1, 0x400599999999999aull, 0x4004cccccccccccdull, 0x400599999999999aull},
    {0x4005666666666666ull, 2, 0x40055c28f5c28f5cull, 0x40055c28f5c28f5cull, 0x400570a3d70a3d71ull},
    {0x4005666666666666ull, 3, 0x4005666666666666ull, 0x4005645a1cac0831ull, 0x4005666666666666ull},
    {0x4005666666666666ull, 6, 0x4005666666666666ull, 0x40056665e02ea961ull, 0x4005666666666666ull},
    {0x4005666666666666ull, 15, 0x4005666666666666ull, 0x4005666666666664ull, 0x4005666666666666ull},
    {0x4004000000000000ull, 0, 0x4008000000000000ull, 0x4000000000000000ull, 0x4008000000000000ull},
    {0x4004000000000000ull, 1, 0x4004000000000000ull, 0x4004000000000000ull, 0x4004000000000000ull},
    {0x4004000000000000ull, 2, 0x4004000000000000ull, 0x4004000000000000ull, 0x4004000000000000ull},
    {0x4004000000000000ull, 3, 0x4004000000000000ull, 0x4004000000000000ull, 0x4004000000000000ull},
    {0x4004000000000000ull, 6, 0x4004000000000000ull, 0x4004000000000000ull, 0x4004000000000000ull},
    {0x4004000000000000ull, 15, 0x4004000000000000ull, 0x4004000000000000ull, 0x4004000000000000ull},
    {0xc004000000000000ull, 0, 0xc008000000000000ull, 0xc008000000000000ull, 0xc000000000000000ull},
    {0xc004000000000000ull, 1, 0xc004000000000000ull, 0xc004000000000000ull, 0xc004000000000000ull},
    {0xc004000000000000ull, 2, 0xc004000000000000ull, 0xc004000000000000ull, 0xc004000000000000ull},
    {0xc004000000000000ull, 3, 0xc004000000000000ull, 0xc004000000000000ull, 0xc004000000000000ull},
    {0xc004000000000000ull, 6, 0xc004000000000000ull, 0xc004000000000000ull, 0xc004000000000000ull},
    {0xc004000000000000ull, 15, 0xc004000000000000ull, 0xc004000000000000ull, 0xc004000000000000ull},
    {0x3fc0000000000000ull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3fc0000000000000ull, 1, 0x3fb999999999999aull, 0x3fb999999999999aull, 0x3fc999999999999aull},
    {0x3fc0000000000000ull, 2, 0x3fc0a3d70a3d70a4ull, 0x3fbeb851eb851eb8ull, 0x3fc0a3d70a3d70a4ull},
    {0x3fc0000000000000ull, 3, 0x3fc0000000000000ull, 0x3fc0000000000000ull, 0x3fc0000000000000ull},
    {0x3fc0000000000000ull, 6, 0x3fc0000000000000ull, 0x3fc0000000000000ull, 0x3fc0000000000000ull},
    {0x3fc0000000000000ull, 15, 0x3fc0000000000000ull, 0x3fc0000000000000ull, 0x3fc0000000000000ull},
    {0x4415af1d78b58c40ull, 0, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull},
    {0x4415af1d78b58c40ull, 1, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull},
    {0x4415af1d78b58c40ull, 2, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull},
    {0x4415af1d78b58c40ull, 3, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull},
    {0x4415af1d78b58c40ull, 6, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull},
    {0x4415af1d78b58c40ull, 15, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull, 0x4415af1d78b58c40ull},
    {0xbf50624dd2f1a9fcull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbf50624dd2f1a9fcull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbf50624dd2f1a9fcull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbf50624dd2f1a9fcull, 3, 0xbf50624dd2f1a9fcull, 0xbf60624dd2f1a9fcull, 0xbf50624dd2f1a9fcull},
    {0xbf50624dd2f1a9fcull, 6, 0xbf50624dd2f1a9fcull, 0xbf50667f90d9d777ull, 0xbf50624dd2f1a9fcull},
    {0xbf50624dd2f1a9fcull, 15, 0xbf50624dd2f1a9fcull, 0xbf50624dd2f1bc00ull, 0xbf50624dd2f1a9fcull},
    {0x0000000000000001ull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x0000000000000001ull, 1, 0x0000000000000000ull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x0000000000000001ull, 2, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f847ae147ae147bull},
    {0x0000000000000001ull, 3, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f50624dd2f1a9fcull},
    {0x0000000000000001ull, 6, 0x0000000000000000ull, 0x0000000000000000ull, 0x3eb0c6f7a0b5ed8dull},
    {0x0000000000000001ull, 15, 0x0000000000000000ull, 0x0000000000000000ull, 0x3cd203af9ee75616ull},
    {0x3fd3333333333334ull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3fd3333333333334ull, 1, 0x3fd3333333333333ull, 0x3fd3333333333333ull, 0x3fd999999999999aull},
    {0x3fd3333333333334ull, 2, 0x3fd3333333333333ull, 0x3fd3333333333333ull, 0x3fd3d70a3d70a3d7ull},
    {0x3fd3333333333334ull, 3, 0x3fd3333333333333ull, 0x3fd3333333333333ull, 0x3fd34395810624ddull},
    {0x3fd3333333333334ull, 6, 0x3fd3333333333333ull, 0x3fd3333333333333ull, 0x3fd3333764f11b61ull},
    {0x3fd3333333333334ull, 15, 0x3fd3333333333333ull, 0x3fd3333333333333ull, 0x3fd3333333333345ull},
    {0x4028b0a3d70a3d71ull, 0, 0x4028000000000000ull, 0x4028000000000000ull, 0x402a000000000000ull},
    {0x4028b0a3d70a3d71ull, 1, 0x402899999999999aull, 0x402899999999999aull, 0x4028cccccccccccdull},
    {0x4028b0a3d70a3d71ull, 2, 0x4028b33333333333ull, 0x4028ae147ae147aeull, 0x4028b33333333333ull},
    {0x4028b0a3d70a3d71ull, 3, 0x4028b0a3d70a3d71ull, 0x4028b0a3d70a3d71ull, 0x4028b126e978d4feull},
    {0x4028b0a3d70a3d71ull, 6, 0x4028b0a3d70a3d71ull, 0x4028b0a3d70a3d71ull, 0x4028b0a3f8982cb2ull},
    {0x4028b0a3d70a3d71ull, 15, 0x4028b0a3d70a3d71ull, 0x4028b0a3d70a3d71ull, 0x4028b0a3d70a3d71ull},
    {0xc028b0a3d70a3d71ull, 0, 0xc028000000000000ull, 0xc02a000000000000ull, 0xc028000000000000ull},
    {0xc028b0a3d70a3d71ull, 1, 0xc02899999999999aull, 0xc028cccccccccccdull, 0xc02899999999999aull},
    {0xc028b0a3d70a3d71ull, 2, 0xc028b33333333333ull, 0xc028b33333333333ull, 0xc028ae147ae147aeull},
    {0xc028b0a3d70a3d71ull, 3, 0xc028b0a3d70a3d71ull, 0xc028b126e978d4feull, 0xc028b0a3d70a3d71ull},
    {0xc028b0a3d70a3d71ull, 6, 0xc028b0a3d70a3d71ull, 0xc028b0a3f8982cb2ull, 0xc028b0a3d70a3d71ull},
    {0xc028b0a3d70a3d71ull, 15, 0xc028b0a3d70a3d71ull, 0xc028b0a3d70a3d71ull, 0xc028b0a3d70a3d71ull},
    {0xbfe0000000000000ull, 0, 0xbff0000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbfe0000000000000ull, 1, 0xbfe0000000000000ull, 0xbfe0000000000000ull, 0xbfe0000000000000ull},
    {0xbfe0000000000000ull, 2, 0xbfe0000000000000ull, 0xbfe0000000000000ull, 0xbfe0000000000000ull},
    {0xbfe0000000000000ull, 3, 0xbfe0000000000000ull, 0xbfe0000000000000ull, 0xbfe0000000000000ull},
    {0xbfe0000000000000ull, 6, 0xbfe0000000000000ull, 0xbfe0000000000000ull, 0xbfe0000000000000ull},
    {0xbfe0000000000000ull, 15, 0xbfe0000000000000ull, 0xbfe0000000000000ull, 0xbfe0000000000000ull},
    {0xbfd999999999999aull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbfd999999999999aull, 1, 0xbfd999999999999aull, 0xbfe0000000000000ull, 0xbfd999999999999aull},
    {0xbfd999999999999aull, 2, 0xbfd999999999999aull, 0xbfda3d70a3d70a3dull, 0xbfd999999999999aull},
    {0xbfd999999999999aull, 3, 0xbfd999999999999aull, 0xbfd9a9fbe76c8b44ull, 0xbfd999999999999aull},
    {0xbfd999999999999aull, 6, 0xbfd999999999999aull, 0xbfd9999dcb5781c7ull, 0xbfd999999999999aull},
    {0xbfd999999999999aull, 15, 0xbfd999999999999aull, 0xbfd99999999999acull, 0xbfd999999999999aull},
    {0x3bc79ca10c924223ull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3bc79ca10c924223ull, 1, 0x0000000000000000ull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x3bc79ca10c924223ull, 2, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f847ae147ae147bull},
    {0x3bc79ca10c924223ull, 3, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f50624dd2f1a9fcull},
    {0x3bc79ca10c924223ull, 6, 0x0000000000000000ull, 0x0000000000000000ull, 0x3eb0c6f7a0b5ed8dull},
    {0x3bc79ca10c924223ull, 15, 0x0000000000000000ull, 0x0000000000000000ull, 0x3cd203af9ee75616ull},
    {0x405edd3c07ee0b0bull, 0, 0x405ec00000000000ull, 0x405ec00000000000ull, 0x405f000000000000ull},
    {0x405edd3c07ee0b0bull, 1, 0x405ee00000000000ull, 0x405ed9999999999aull, 0x405ee00000000000ull},
    {0x405edd3c07ee0b0bull, 2, 0x405edd70a3d70a3dull, 0x405edccccccccccdull, 0x405edd70a3d70a3dull},
    {0x405edd3c07ee0b0bull, 3, 0x405edd3f7ced9168ull, 0x405edd2f1a9fbe77ull, 0x405edd3f7ced9168ull},
    {0x405edd3c07ee0b0bull, 6, 0x405edd3c07ee0b0bull, 0x405edd3c07ee0b0bull, 0x405edd3c0c1fc8f3ull},
    {0x405edd3c07ee0b0bull, 15, 0x405edd3c07ee0b0bull, 0x405edd3c07ee0b0bull, 0x405edd3c07ee0b0bull},
    {0x4016451eb851eb85ull, 0, 0x4018000000000000ull, 0x4014000000000000ull, 0x4018000000000000ull},
    {0x4016451eb851eb85ull, 1, 0x4016666666666666ull, 0x4016000000000000ull, 0x4016666666666666ull},
    {0x4016451eb851eb85ull, 2, 0x401647ae147ae148ull, 0x40163d70a3d70a3dull, 0x401647ae147ae148ull},
    {0x4016451eb851eb85ull, 3, 0x4016449ba5e353f8ull, 0x4016449ba5e353f8ull, 0x401645a1cac08312ull},
    {0x4016451eb851eb85ull, 6, 0x4016451eb851eb85ull, 0x4016451e75360d02ull, 0x4016451eb851eb85ull},
    {0x4016451eb851eb85ull, 15, 0x4016451eb851eb85ull, 0x4016451eb851eb84ull, 0x4016451eb851eb85ull},
    {0xc016451eb851eb85ull, 0, 0xc018000000000000ull, 0xc018000000000000ull, 0xc014000000000000ull},
    {0xc016451eb851eb85ull, 1, 0xc016666666666666ull, 0xc016666666666666ull, 0xc016000000000000ull},
    {0xc016451eb851eb85ull, 2, 0xc01647ae147ae148ull, 0xc01647ae147ae148ull, 0xc0163d70a3d70a3dull},
    {0xc016451eb851eb85ull, 3, 0xc016449ba5e353f8ull, 0xc01645a1cac08312ull, 0xc016449ba5e353f8ull},
    {0xc016451eb851eb85ull, 6, 0xc016451eb851eb85ull, 0xc016451eb851eb85ull, 0xc016451e75360d02ull},
    {0xc016451eb851eb85ull, 15, 0xc016451eb851eb85ull, 0xc016451eb851eb85ull, 0xc016451eb851eb84ull},
    {0x4028aed1ce64945cull, 0, 0x4028000000000000ull, 0x4028000000000000ull, 0x402a000000000000ull},
    {0x4028aed1ce64945cull, 1, 0x402899999999999aull, 0x402899999999999aull, 0x4028cccccccccccdull},
    {0x4028aed1ce64945cull, 2, 0x4028ae147ae147aeull, 0x4028ae147ae147aeull, 0x4028b33333333333ull},
    {0x4028aed1ce64945cull, 3, 0x4028ae978d4fdf3bull, 0x4028ae978d4fdf3bull, 0x4028af1a9fbe76c9ull},
    {0x4028aed1ce64945cull, 6, 0x4028aed1bf7ad4b2ull, 0x4028aed1bf7ad4b2ull, 0x4028aed1e108c3f4ull},
    {0x4028aed1ce64945cull, 15, 0x4028aed1ce64945cull, 0x4028aed1ce64945cull, 0x4028aed1ce64945cull},
    {0x3fb999999999999aull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3fb999999999999aull, 1, 0x3fb999999999999aull, 0x3fb999999999999aull, 0x3fc999999999999aull},
    {0x3fb999999999999aull, 2, 0x3fb999999999999aull, 0x3fb999999999999aull, 0x3fbc28f5c28f5c29ull},
    {0x3fb999999999999aull, 3, 0x3fb999999999999aull, 0x3fb999999999999aull, 0x3fb9db22d0e56042ull},
    {0x3fb999999999999aull, 6, 0x3fb999999999999aull, 0x3fb999999999999aull, 0x3fb999aa60913a50ull},
    {0x3fb999999999999aull, 15, 0x3fb999999999999aull, 0x3fb999999999999aull, 0x3fb99999999999e2ull},
    {0x430c6bf526340002ull, 0, 0x430c6bf526340000ull, 0x430c6bf526340000ull, 0x430c6bf526340008ull},
    {0x430c6bf526340002ull, 1, 0x430c6bf526340002ull, 0x430c6bf526340002ull, 0x430c6bf526340002ull},
    {0x430c6bf526340002ull, 2, 0x430c6bf526340002ull, 0x430c6bf526340002ull, 0x430c6bf526340002ull},
    {0x430c6bf526340002ull, 3, 0x430c6bf526340002ull, 0x430c6bf526340002ull, 0x430c6bf526340002ull},
    {0x430c6bf526340002ull, 6, 0x430c6bf526340002ull, 0x430c6bf526340002ull, 0x430c6bf526340002ull},
    {0x430c6bf526340002ull, 15, 0x430c6bf526340002ull, 0x430c6bf526340002ull, 0x430c6bf526340002ull},
    {0x4340000000000000ull, 0, 0x4340000000000000ull, 0x4340000000000000ull, 0x4340000000000000ull},
    {0x4340000000000000ull, 1, 0x4340000000000000ull, 0x4340000000000000ull, 0x4340000000000000ull},
    {0x4340000000000000ull, 2, 0x4340000000000000ull, 0x4340000000000000ull, 0x4340000000000000ull},
    {0x4340000000000000ull, 3, 0x4340000000000000ull, 0x4340000000000000ull, 0x4340000000000000ull},
    {0x4340000000000000ull, 6, 0x4340000000000000ull, 0x4340000000000000ull, 0x4340000000000000ull},
    {0x4340000000000000ull, 15, 0x4340000000000000ull, 0x4340000000000000ull, 0x4340000000000000ull},
    {0x7fefffffffffffffull, 0, 0x7fefffffffffffffull, 0x7fefffffffffffffull, 0x7fefffffffffffffull},
    {0x7fefffffffffffffull, 1, 0x7fefffffffffffffull, 0x7fefffffffffffffull, 0x7fefffffffffffffull},
    {0x7fefffffffffffffull, 2, 0x7fefffffffffffffull, 0x7fefffffffffffffull, 0x7fefffffffffffffull},
    {0x7fefffffffffffffull, 3, 0x7fefffffffffffffull, 0x7fefffffffffffffull, 0x7fefffffffffffffull},
    {0x7fefffffffffffffull, 6, 0x7fefffffffffffffull, 0x7fefffffffffffffull, 0x7fefffffffffffffull},
    {0x7fefffffffffffffull, 15, 0x7fefffffffffffffull, 0x7fefffffffffffffull, 0x7fefffffffffffffull},
    {0x0010000000000000ull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x0010000000000000ull, 1, 0x0000000000000000ull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x0010000000000000ull, 2, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f847ae147ae147bull},
    {0x0010000000000000ull, 3, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f50624dd2f1a9fcull},
    {0x0010000000000000ull, 6, 0x0000000000000000ull, 0x0000000000000000ull, 0x3eb0c6f7a0b5ed8dull},
    {0x0010000000000000ull, 15, 0x0000000000000000ull, 0x0000000000000000ull, 0x3cd203af9ee75616ull},
    {0x3fa999999999999aull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3fa999999999999aull, 1, 0x3fb999999999999aull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x3fa999999999999aull, 2, 0x3fa999999999999aull, 0x3fa999999999999aull, 0x3faeb851eb851eb8ull},
    {0x3fa999999999999aull, 3, 0x3fa999999999999aull, 0x3fa999999999999aull, 0x3faa1cac083126e9ull},
    {0x3fa999999999999aull, 6, 0x3fa999999999999aull, 0x3fa999999999999aull, 0x3fa999bb2788db05ull},
    {0x3fa999999999999aull, 15, 0x3fa999999999999aull, 0x3fa999999999999aull, 0x3fa9999999999a2aull},
    {0x3f747ae147ae147bull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3f747ae147ae147bull, 1, 0x0000000000000000ull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x3f747ae147ae147bull, 2, 0x3f847ae147ae147bull, 0x0000000000000000ull, 0x3f847ae147ae147bull},
    {0x3f747ae147ae147bull, 3, 0x3f747ae147ae147bull, 0x3f747ae147ae147bull, 0x3f789374bc6a7efaull},
    {0x3f747ae147ae147bull, 6, 0x3f747ae147ae147bull, 0x3f747ae147ae147bull, 0x3f747bedb7281fdaull},
    {0x3f747ae147ae147bull, 15, 0x3f747ae147ae147bull, 0x3f747ae147ae147bull, 0x3f747ae147ae18fcull},
    {0x3f40624dd2f1a9fcull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3f40624dd2f1a9fcull, 1, 0x0000000000000000ull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x3f40624dd2f1a9fcull, 2, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f847ae147ae147bull},
    {0x3f40624dd2f1a9fcull, 3, 0x3f50624dd2f1a9fcull, 0x0000000000000000ull, 0x3f50624dd2f1a9fcull},
    {0x3f40624dd2f1a9fcull, 6, 0x3f40624dd2f1a9fcull, 0x3f40624dd2f1a9fcull, 0x3f406ab14ec204f3ull},
    {0x3f40624dd2f1a9fcull, 15, 0x3f40624dd2f1a9fcull, 0x3f40624dd2f1a9fcull, 0x3f40624dd2f1ce03ull},
    {0x408f3ffffff29407ull, 0, 0x408f400000000000ull, 0x408f380000000000ull, 0x408f400000000000ull},
    {0x408f3ffffff29407ull, 1, 0x408f400000000000ull, 0x408f3f3333333333ull, 0x408f400000000000ull},
    {0x408f3ffffff29407ull, 2, 0x408f400000000000ull, 0x408f3feb851eb852ull, 0x408f400000000000ull},
    {0x408f3ffffff29407ull, 3, 0x408f400000000000ull, 0x408f3ffdf3b645a2ull, 0x408f400000000000ull},
    {0x408f3ffffff29407ull, 6, 0x408f400000000000ull, 0x408f3fffff79c843ull, 0x408f400000000000ull},
    {0x408f3ffffff29407ull, 15, 0x408f3ffffff29407ull, 0x408f3ffffff29407ull, 0x408f3ffffff29407ull},
    {0x3bc583da7692dea6ull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3bc583da7692dea6ull, 1, 0x0000000000000000ull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x3bc583da7692dea6ull, 2, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f847ae147ae147bull},
    {0x3bc583da7692dea6ull, 3, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f50624dd2f1a9fcull},
    {0x3bc583da7692dea6ull, 6, 0x0000000000000000ull, 0x0000000000000000ull, 0x3eb0c6f7a0b5ed8dull},
    {0x3bc583da7692dea6ull, 15, 0x0000000000000000ull, 0x0000000000000000ull, 0x3cd203af9ee75616ull},
    {0x43c761f149c9361aull, 0, 0x43c761f149c9361aull, 0x43c761f149c9361aull, 0x43c761f149c9361aull},
    {0x43c761f149c9361aull, 1, 0x43c761f149c9361aull, 0x43c761f149c9361aull, 0x43c761f149c9361aull},
    {0x43c761f149c9361aull, 2, 0x43c761f149c9361aull, 0x43c761f149c9361aull, 0x43c761f149c9361aull},
    {0x43c761f149c9361aull, 3, 0x43c761f149c9361aull, 0x43c761f149c9361aull, 0x43c761f149c9361aull},
    {0x43c761f149c9361aull, 6, 0x43c761f149c9361aull, 0x43c761f149c9361aull, 0x43c761f149c9361aull},
    {0x43c761f149c9361aull, 15, 0x43c761f149c9361aull, 0x43c761f149c9361aull, 0x43c761f149c9361aull},
    {0x42a823dc04fa0c4dull, 0, 0x42a823dc04fa0c00ull, 0x42a823dc04fa0c00ull, 0x42a823dc04fa0e00ull},
    {0x42a823dc04fa0c4dull, 1, 0x42a823dc04fa0c66ull, 0x42a823dc04fa0c33ull, 0x42a823dc04fa0c66ull},
    {0x42a823dc04fa0c4dull, 2, 0x42a823dc04fa0c4dull, 0x42a823dc04fa0c4dull, 0x42a823dc04fa0c52ull},
    {0x42a823dc04fa0c4dull, 3, 0x42a823dc04fa0c4dull, 0x42a823dc04fa0c4dull, 0x42a823dc04fa0c4dull},
    {0x42a823dc04fa0c4dull, 6, 0x42a823dc04fa0c4dull, 0x42a823dc04fa0c4dull, 0x42a823dc04fa0c4dull},
    {0x42a823dc04fa0c4dull, 15, 0x42a823dc04fa0c4dull, 0x42a823dc04fa0c4dull, 0x42a823dc04fa0c4dull},
    {0xbc883407bd590487ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbc883407bd590487ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbc883407bd590487ull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbc883407bd590487ull, 3, 0x0000000000000000ull, 0xbf50624dd2f1a9fcull, 0x0000000000000000ull},
    {0xbc883407bd590487ull, 6, 0x0000000000000000ull, 0xbeb0c6f7a0b5ed8dull, 0x0000000000000000ull},
    {0xbc883407bd590487ull, 15, 0x0000000000000000ull, 0xbcd203af9ee75616ull, 0x0000000000000000ull},
    {0xbfb5fa8387501bf5ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbfb5fa8387501bf5ull, 1, 0xbfb999999999999aull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbfb5fa8387501bf5ull, 2, 0xbfb70a3d70a3d70aull, 0xbfb70a3d70a3d70aull, 0xbfb47ae147ae147bull},
    {0xbfb5fa8387501bf5ull, 3, 0xbfb604189374bc6aull, 0xbfb604189374bc6aull, 0xbfb5c28f5c28f5c3ull},
    {0xbfb5fa8387501bf5ull, 6, 0xbfb5fa871a3b14a9ull, 0xbfb5fa871a3b14a9ull, 0xbfb5fa76534373f3ull},
    {0xbfb5fa8387501bf5ull, 15, 0xbfb5fa8387501bdaull, 0xbfb5fa8387501c22ull, 0xbfb5fa8387501bdaull},
    {0xbf7fda4442b01bbbull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbf7fda4442b01bbbull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbf7fda4442b01bbbull, 2, 0xbf847ae147ae147bull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbf7fda4442b01bbbull, 3, 0xbf80624dd2f1a9fcull, 0xbf80624dd2f1a9fcull, 0xbf7cac083126e979ull},
    {0xbf7fda4442b01bbbull, 6, 0xbf7fdac68a936c59ull, 0xbf7fdac68a936c59ull, 0xbf7fd9ba1b1960faull},
    {0xbf7fda4442b01bbbull, 15, 0xbf7fda4442b01c5aull, 0xbf7fda4442b01c5aull, 0xbf7fda4442b017d9ull},
    {0xc1c3ca241d5b81b0ull, 0, 0xc1c3ca241d800000ull, 0xc1c3ca241d800000ull, 0xc1c3ca241d000000ull},
    {0xc1c3ca241d5b81b0ull, 1, 0xc1c3ca241d59999aull, 0xc1c3ca241d666666ull, 0xc1c3ca241d59999aull},
    {0xc1c3ca241d5b81b0ull, 2, 0xc1c3ca241d5ae148ull, 0xc1c3ca241d5c28f6ull, 0xc1c3ca241d5ae148ull},
    {0xc1c3ca241d5b81b0ull, 3, 0xc1c3ca241d5b851full, 0xc1c3ca241d5b851full, 0xc1c3ca241d5b645aull},
    {0xc1c3ca241d5b81b0ull, 6, 0xc1c3ca241d5b81aeull, 0xc1c3ca241d5b81b6ull, 0xc1c3ca241d5b81aeull},
    {0xc1c3ca241d5b81b0ull, 15, 0xc1c3ca241d5b81b0ull, 0xc1c3ca241d5b81b0ull, 0xc1c3ca241d5b81b0ull},
    {0xc056b1c7e0c5f173ull, 0, 0xc056c00000000000ull, 0xc056c00000000000ull, 0xc056800000000000ull},
    {0xc056b1c7e0c5f173ull, 1, 0xc056b33333333333ull, 0xc056b33333333333ull, 0xc056accccccccccdull},
    {0xc056b1c7e0c5f173ull, 2, 0xc056b1eb851eb852ull, 0xc056b1eb851eb852ull, 0xc056b147ae147ae1ull},
    {0xc056b1c7e0c5f173ull, 3, 0xc056b1cac083126full, 0xc056b1cac083126full, 0xc056b1ba5e353f7dull},
    {0xc056b1c7e0c5f173ull, 6, 0xc056b1c7e28240b8ull, 0xc056b1c7e28240b8ull, 0xc056b1c7de5082cfull},
    {0xc056b1c7e0c5f173ull, 15, 0xc056b1c7e0c5f173ull, 0xc056b1c7e0c5f173ull, 0xc056b1c7e0c5f173ull},
    {0xbf72e10ab7494800ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbf72e10ab7494800ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbf72e10ab7494800ull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbf72e10ab7494800ull, 3, 0xbf747ae147ae147bull, 0xbf747ae147ae147bull, 0xbf70624dd2f1a9fcull},
    {0xbf72e10ab7494800ull, 6, 0xbf72e0e30446b69eull, 0xbf72e1ef73c0c1fdull, 0xbf72e0e30446b69eull},
    {0xbf72e10ab7494800ull, 15, 0xbf72e10ab749460bull, 0xbf72e10ab7494a8cull, 0xbf72e10ab749460bull},
    {0x3cc4e93b95d341fdull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3cc4e93b95d341fdull, 1, 0x0000000000000000ull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x3cc4e93b95d341fdull, 2, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f847ae147ae147bull},
    {0x3cc4e93b95d341fdull, 3, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f50624dd2f1a9fcull},
    {0x3cc4e93b95d341fdull, 6, 0x0000000000000000ull, 0x0000000000000000ull, 0x3eb0c6f7a0b5ed8dull},
    {0x3cc4e93b95d341fdull, 15, 0x3cd203af9ee75616ull, 0x0000000000000000ull, 0x3cd203af9ee75616ull},
    {0x43d6b9f87317aa2full, 0, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full},
    {0x43d6b9f87317aa2full, 1, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full},
    {0x43d6b9f87317aa2full, 2, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full},
    {0x43d6b9f87317aa2full, 3, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full},
    {0x43d6b9f87317aa2full, 6, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full},
    {0x43d6b9f87317aa2full, 15, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full, 0x43d6b9f87317aa2full},
    {0x4366d0d15c02d60cull, 0, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull},
    {0x4366d0d15c02d60cull, 1, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull},
    {0x4366d0d15c02d60cull, 2, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull},
    {0x4366d0d15c02d60cull, 3, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull},
    {0x4366d0d15c02d60cull, 6, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull},
    {0x4366d0d15c02d60cull, 15, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull, 0x4366d0d15c02d60cull},
    {0xc0e09375b09af461ull, 0, 0xc0e0938000000000ull, 0xc0e0938000000000ull, 0xc0e0936000000000ull},
    {0xc0e09375b09af461ull, 1, 0xc0e0937666666666ull, 0xc0e0937666666666ull, 0xc0e0937333333333ull},
    {0xc0e09375b09af461ull, 2, 0xc0e09375c28f5c29ull, 0xc0e09375c28f5c29ull, 0xc0e0937570a3d70aull},
    {0xc0e09375b09af461ull, 3, 0xc0e09375b22d0e56ull, 0xc0e09375b22d0e56ull, 0xc0e09375a9fbe76dull},
    {0xc0e09375b09af461ull, 6, 0xc0e09375b09a671full, 0xc0e09375b09c7ffeull, 0xc0e09375b09a671full},
    {0xc0e09375b09af461ull, 15, 0xc0e09375b09af461ull, 0xc0e09375b09af461ull, 0xc0e09375b09af461ull},
    {0x438227632bfb58e9ull, 0, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull},
    {0x438227632bfb58e9ull, 1, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull},
    {0x438227632bfb58e9ull, 2, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull},
    {0x438227632bfb58e9ull, 3, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull},
    {0x438227632bfb58e9ull, 6, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull},
    {0x438227632bfb58e9ull, 15, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull, 0x438227632bfb58e9ull},
    {0x42366f6d171a6793ull, 0, 0x42366f6d171a0000ull, 0x42366f6d171a0000ull, 0x42366f6d171b0000ull},
    {0x42366f6d171a6793ull, 1, 0x42366f6d171a6666ull, 0x42366f6d171a6666ull, 0x42366f6d171a8000ull},
    {0x42366f6d171a6793ull, 2, 0x42366f6d171a6666ull, 0x42366f6d171a6666ull, 0x42366f6d171a68f6ull},
    {0x42366f6d171a6793ull, 3, 0x42366f6d171a67aeull, 0x42366f6d171a676dull, 0x42366f6d171a67aeull},
    {0x42366f6d171a6793ull, 6, 0x42366f6d171a6793ull, 0x42366f6d171a6793ull, 0x42366f6d171a6793ull},
    {0x42366f6d171a6793ull, 15, 0x42366f6d171a6793ull, 0x42366f6d171a6793ull, 0x42366f6d171a6793ull},
    {0x40c0f2c4713defb4ull, 0, 0x40c0f30000000000ull, 0x40c0f28000000000ull, 0x40c0f30000000000ull},
    {0x40c0f2c4713defb4ull, 1, 0x40c0f2c000000000ull, 0x40c0f2c000000000ull, 0x40c0f2cccccccccdull},
    {0x40c0f2c4713defb4ull, 2, 0x40c0f2c3d70a3d71ull, 0x40c0f2c3d70a3d71ull, 0x40c0f2c51eb851ecull},
    {0x40c0f2c4713defb4ull, 3, 0x40c0f2c47ae147aeull, 0x40c0f2c45a1cac08ull, 0x40c0f2c47ae147aeull},
    {0x40c0f2c4713defb4ull, 6, 0x40c0f2c4713f077dull, 0x40c0f2c47136a401ull, 0x40c0f2c4713f077dull},
    {0x40c0f2c4713defb4ull, 15, 0x40c0f2c4713defb4ull, 0x40c0f2c4713defb4ull, 0x40c0f2c4713defb4ull},
    {0xc282a9ca872340b3ull, 0, 0xc282a9ca87234000ull, 0xc282a9ca87234800ull, 0xc282a9ca87234000ull},
    {0xc282a9ca872340b3ull, 1, 0xc282a9ca872340cdull, 0xc282a9ca872340cdull, 0xc282a9ca87234000ull},
    {0xc282a9ca872340b3ull, 2, 0xc282a9ca872340b8ull, 0xc282a9ca872340b8ull, 0xc282a9ca872340a4ull},
    {0xc282a9ca872340b3ull, 3, 0xc282a9ca872340b2ull, 0xc282a9ca872340b4ull, 0xc282a9ca872340b2ull},
    {0xc282a9ca872340b3ull, 6, 0xc282a9ca872340b3ull, 0xc282a9ca872340b3ull, 0xc282a9ca872340b3ull},
    {0xc282a9ca872340b3ull, 15, 0xc282a9ca872340b3ull, 0xc282a9ca872340b3ull, 0xc282a9ca872340b3ull},
    {0xbd95727847931326ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbd95727847931326ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbd95727847931326ull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbd95727847931326ull, 3, 0x0000000000000000ull, 0xbf50624dd2f1a9fcull, 0x0000000000000000ull},
    {0xbd95727847931326ull, 6, 0x0000000000000000ull, 0xbeb0c6f7a0b5ed8dull, 0x0000000000000000ull},
    {0xbd95727847931326ull, 15, 0xbd9573038b63d230ull, 0xbd9573038b63d230ull, 0xbd9571e35069e3baull},
    {0xc264fecae0217df0ull, 0, 0xc264fecae0218000ull, 0xc264fecae0218000ull, 0xc264fecae0216000ull},
    {0xc264fecae0217df0ull, 1, 0xc264fecae0217ccdull, 0xc264fecae0218000ull, 0xc264fecae0217ccdull},
    {0xc264fecae0217df0ull, 2, 0xc264fecae0217e14ull, 0xc264fecae0217e14ull, 0xc264fecae0217dc3ull},
    {0xc264fecae0217df0ull, 3, 0xc264fecae0217df4ull, 0xc264fecae0217df4ull, 0xc264fecae0217decull},
    {0xc264fecae0217df0ull, 6, 0xc264fecae0217df0ull, 0xc264fecae0217df0ull, 0xc264fecae0217df0ull},
    {0xc264fecae0217df0ull, 15, 0xc264fecae0217df0ull, 0xc264fecae0217df0ull, 0xc264fecae0217df0ull},
    {0x42fdbd03c5363220ull, 0, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull},
    {0x42fdbd03c5363220ull, 1, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull},
    {0x42fdbd03c5363220ull, 2, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull},
    {0x42fdbd03c5363220ull, 3, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull},
    {0x42fdbd03c5363220ull, 6, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull},
    {0x42fdbd03c5363220ull, 15, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull, 0x42fdbd03c5363220ull},
    {0x4268e47ff9ff4da9ull, 0, 0x4268e47ff9ff4000ull, 0x4268e47ff9ff4000ull, 0x4268e47ff9ff6000ull},
    {0x4268e47ff9ff4da9ull, 1, 0x4268e47ff9ff4ccdull, 0x4268e47ff9ff4ccdull, 0x4268e47ff9ff5000ull},
    {0x4268e47ff9ff4da9ull, 2, 0x4268e47ff9ff4dc3ull, 0x4268e47ff9ff4d71ull, 0x4268e47ff9ff4dc3ull},
    {0x4268e47ff9ff4da9ull, 3, 0x4268e47ff9ff4daaull, 0x4268e47ff9ff4da2ull, 0x4268e47ff9ff4daaull},
    {0x4268e47ff9ff4da9ull, 6, 0x4268e47ff9ff4da9ull, 0x4268e47ff9ff4da9ull, 0x4268e47ff9ff4da9ull},
    {0x4268e47ff9ff4da9ull, 15, 0x4268e47ff9ff4da9ull, 0x4268e47ff9ff4da9ull, 0x4268e47ff9ff4da9ull},
    {0xbc52f4f37173877bull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbc52f4f37173877bull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbc52f4f37173877bull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbc52f4f37173877bull, 3, 0x0000000000000000ull, 0xbf50624dd2f1a9fcull, 0x0000000000000000ull},
    {0xbc52f4f37173877bull, 6, 0x0000000000000000ull, 0xbeb0c6f7a0b5ed8dull, 0x0000000000000000ull},
    {0xbc52f4f37173877bull, 15, 0x0000000000000000ull, 0xbcd203af9ee75616ull, 0x0000000000000000ull},
    {0xc2185aebd29a0db4ull, 0, 0xc2185aebd29c0000ull, 0xc2185aebd29c0000ull, 0xc2185aebd2980000ull},
    {0xc2185aebd29a0db4ull, 1, 0xc2185aebd29a0000ull, 0xc2185aebd29a6666ull, 0xc2185aebd29a0000ull},
    {0xc2185aebd29a0db4ull, 2, 0xc2185aebd29a0a3dull, 0xc2185aebd29a147bull, 0xc2185aebd29a0a3dull},
    {0xc2185aebd29a0db4ull, 3, 0xc2185aebd29a0d50ull, 0xc2185aebd29a0e56ull, 0xc2185aebd29a0d50ull},
    {0xc2185aebd29a0db4ull, 6, 0xc2185aebd29a0db4ull, 0xc2185aebd29a0db4ull, 0xc2185aebd29a0db4ull},
    {0xc2185aebd29a0db4ull, 15, 0xc2185aebd29a0db4ull, 0xc2185aebd29a0db4ull, 0xc2185aebd29a0db4ull},
    {0x43de13e30fe7e403ull, 0, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull},
    {0x43de13e30fe7e403ull, 1, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull},
    {0x43de13e30fe7e403ull, 2, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull},
    {0x43de13e30fe7e403ull, 3, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull},
    {0x43de13e30fe7e403ull, 6, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull},
    {0x43de13e30fe7e403ull, 15, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull, 0x43de13e30fe7e403ull},
    {0xc254c2262643e549ull, 0, 0xc254c22626440000ull, 0xc254c22626440000ull, 0xc254c2262643c000ull},
    {0xc254c2262643e549ull, 1, 0xc254c2262643e666ull, 0xc254c2262643e666ull, 0xc254c2262643e000ull},
    {0xc254c2262643e549ull, 2, 0xc254c2262643e51full, 0xc254c2262643e5c3ull, 0xc254c2262643e51full},
    {0xc254c2262643e549ull, 3, 0xc254c2262643e550ull, 0xc254c2262643e550ull, 0xc254c2262643e53full},
    {0xc254c2262643e549ull, 6, 0xc254c2262643e549ull, 0xc254c2262643e549ull, 0xc254c2262643e549ull},
    {0xc254c2262643e549ull, 15, 0xc254c2262643e549ull, 0xc254c2262643e549ull, 0xc254c2262643e549ull},
    {0xc101aa42b0dbfdb7ull, 0, 0xc101aa4000000000ull, 0xc101aa4800000000ull, 0xc101aa4000000000ull},
    {0xc101aa42b0dbfdb7ull, 1, 0xc101aa4266666666ull, 0xc101aa4333333333ull, 0xc101aa4266666666ull},
    {0xc101aa42b0dbfdb7ull, 2, 0xc101aa42b851eb85ull, 0xc101aa42b851eb85ull, 0xc101aa42a3d70a3dull},
    {0xc101aa42b0dbfdb7ull, 3, 0xc101aa42b020c49cull, 0xc101aa42b22d0e56ull, 0xc101aa42b020c49cull},
    {0xc101aa42b0dbfdb7ull, 6, 0xc101aa42b0dbf056ull, 0xc101aa42b0dc768eull, 0xc101aa42b0dbf056ull},
    {0xc101aa42b0dbfdb7ull, 15, 0xc101aa42b0dbfdb7ull, 0xc101aa42b0dbfdb7ull, 0xc101aa42b0dbfdb7ull},
    {0xbe2cefa00556aba8ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbe2cefa00556aba8ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbe2cefa00556aba8ull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbe2cefa00556aba8ull, 3, 0x0000000000000000ull, 0xbf50624dd2f1a9fcull, 0x0000000000000000ull},
    {0xbe2cefa00556aba8ull, 6, 0x0000000000000000ull, 0xbeb0c6f7a0b5ed8dull, 0x0000000000000000ull},
    {0xbe2cefa00556aba8ull, 15, 0xbe2cefa016526b71ull, 0xbe2cefa016526b71ull, 0xbe2cef9f8634ee7aull},
    {0xbc2d660bf1774058ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbc2d660bf1774058ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbc2d660bf1774058ull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbc2d660bf1774058ull, 3, 0x0000000000000000ull, 0xbf50624dd2f1a9fcull, 0x0000000000000000ull},
    {0xbc2d660bf1774058ull, 6, 0x0000000000000000ull, 0xbeb0c6f7a0b5ed8dull, 0x0000000000000000ull},
    {0xbc2d660bf1774058ull, 15, 0x0000000000000000ull, 0xbcd203af9ee75616ull, 0x0000000000000000ull},
    {0x417ce2daf23cc35bull, 0, 0x417ce2daf0000000ull, 0x417ce2daf0000000ull, 0x417ce2db00000000ull},
    {0x417ce2daf23cc35bull, 1, 0x417ce2daf199999aull, 0x417ce2daf199999aull, 0x417ce2daf3333333ull},
    {0x417ce2daf23cc35bull, 2, 0x417ce2daf23d70a4ull, 0x417ce2daf2147ae1ull, 0x417ce2daf23d70a4ull},
    {0x417ce2daf23cc35bull, 3, 0x417ce2daf23d70a4ull, 0x417ce2daf2395810ull, 0x417ce2daf23d70a4ull},
    {0x417ce2daf23cc35bull, 6, 0x417ce2daf23cc3a0ull, 0x417ce2daf23cc294ull, 0x417ce2daf23cc3a0ull},
    {0x417ce2daf23cc35bull, 15, 0x417ce2daf23cc35bull, 0x417ce2daf23cc35bull, 0x417ce2daf23cc35bull},
    {0x4281329bf0b1aaa4ull, 0, 0x4281329bf0b1a800ull, 0x4281329bf0b1a800ull, 0x4281329bf0b1b000ull},
    {0x4281329bf0b1aaa4ull, 1, 0x4281329bf0b1aa66ull, 0x4281329bf0b1aa66ull, 0x4281329bf0b1ab33ull},
    {0x4281329bf0b1aaa4ull, 2, 0x4281329bf0b1aaa4ull, 0x4281329bf0b1aaa4ull, 0x4281329bf0b1aab8ull},
    {0x4281329bf0b1aaa4ull, 3, 0x4281329bf0b1aaa4ull, 0x4281329bf0b1aaa4ull, 0x4281329bf0b1aaa6ull},
    {0x4281329bf0b1aaa4ull, 6, 0x4281329bf0b1aaa4ull, 0x4281329bf0b1aaa4ull, 0x4281329bf0b1aaa4ull},
    {0x4281329bf0b1aaa4ull, 15, 0x4281329bf0b1aaa4ull, 0x4281329bf0b1aaa4ull, 0x4281329bf0b1aaa4ull},
    {0xbd7cbfca7b5861a7ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbd7cbfca7b5861a7ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbd7cbfca7b5861a7ull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbd7cbfca7b5861a7ull, 3, 0x0000000000000000ull, 0xbf50624dd2f1a9fcull, 0x0000000000000000ull},
    {0xbd7cbfca7b5861a7ull, 6, 0x0000000000000000ull, 0xbeb0c6f7a0b5ed8dull, 0x0000000000000000ull},
    {0xbd7cbfca7b5861a7ull, 15, 0xbd7cbee1bd1024ddull, 0xbd7cc362a8f7deb3ull, 0xbd7cbee1bd1024ddull},
    {0xbfe0995675185f12ull, 0, 0xbff0000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbfe0995675185f12ull, 1, 0xbfe0000000000000ull, 0xbfe3333333333333ull, 0xbfe0000000000000ull},
    {0xbfe0995675185f12ull, 2, 0xbfe0a3d70a3d70a4ull, 0xbfe0a3d70a3d70a4ull, 0xbfe051eb851eb852ull},
    {0xbfe0995675185f12ull, 3, 0xbfe09ba5e353f7cfull, 0xbfe09ba5e353f7cfull, 0xbfe09374bc6a7efaull},
    {0xbfe0995675185f12ull, 6, 0xbfe099567dbb16c2ull, 0xbfe099567dbb16c2ull, 0xbfe0995464dc22abull},
    {0xbfe0995675185f12ull, 15, 0xbfe0995675185f12ull, 0xbfe0995675185f12ull, 0xbfe0995675185f09ull},
    {0xbe2c07d7f9f8efc6ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbe2c07d7f9f8efc6ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbe2c07d7f9f8efc6ull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbe2c07d7f9f8efc6ull, 3, 0x0000000000000000ull, 0xbf50624dd2f1a9fcull, 0x0000000000000000ull},
    {0xbe2c07d7f9f8efc6ull, 6, 0x0000000000000000ull, 0xbeb0c6f7a0b5ed8dull, 0x0000000000000000ull},
    {0xbe2c07d7f9f8efc6ull, 15, 0xbe2c07d80944b497ull, 0xbe2c07d80944b497ull, 0xbe2c07d7792737a0ull},
    {0x3cf87a9b0f727beaull, 0, 0x0000000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3cf87a9b0f727beaull, 1, 0x0000000000000000ull, 0x0000000000000000ull, 0x3fb999999999999aull},
    {0x3cf87a9b0f727beaull, 2, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f847ae147ae147bull},
    {0x3cf87a9b0f727beaull, 3, 0x0000000000000000ull, 0x0000000000000000ull, 0x3f50624dd2f1a9fcull},
    {0x3cf87a9b0f727beaull, 6, 0x0000000000000000ull, 0x0000000000000000ull, 0x3eb0c6f7a0b5ed8dull},
    {0x3cf87a9b0f727beaull, 15, 0x3cf6849b86a12b9bull, 0x3cf6849b86a12b9bull, 0x3cfb05876e5b0120ull},
    {0xc3dbac356ef8534bull, 0, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull},
    {0xc3dbac356ef8534bull, 1, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull},
    {0xc3dbac356ef8534bull, 2, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull},
    {0xc3dbac356ef8534bull, 3, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull},
    {0xc3dbac356ef8534bull, 6, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull},
    {0xc3dbac356ef8534bull, 15, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull, 0xc3dbac356ef8534bull},
    {0xbd5fa4d2e37370f6ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbd5fa4d2e37370f6ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbd5fa4d2e37370f6ull, 2, 0x0000000000000000ull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbd5fa4d2e37370f6ull, 3, 0x0000000000000000ull, 0xbf50624dd2f1a9fcull, 0x0000000000000000ull},
    {0xbd5fa4d2e37370f6ull, 6, 0x0000000000000000ull, 0xbeb0c6f7a0b5ed8dull, 0x0000000000000000ull},
    {0xbd5fa4d2e37370f6ull, 15, 0xbd5faa7ab552a552ull, 0xbd5faa7ab552a552ull, 0xbd5f987705b3bdfcull},
    {0xbf82ec5dec3e5cf3ull, 0, 0x0000000000000000ull, 0xbff0000000000000ull, 0x8000000000000000ull},
    {0xbf82ec5dec3e5cf3ull, 1, 0x0000000000000000ull, 0xbfb999999999999aull, 0x0000000000000000ull},
    {0xbf82ec5dec3e5cf3ull, 2, 0xbf847ae147ae147bull, 0xbf847ae147ae147bull, 0x0000000000000000ull},
    {0xbf82ec5dec3e5cf3ull, 3, 0xbf826e978d4fdf3bull, 0xbf847ae147ae147bull, 0xbf826e978d4fdf3bull},
    {0xbf82ec5dec3e5cf3ull, 6, 0xbf82ec6bce8533b1ull, 0xbf82ec6bce8533b1ull, 0xbf82ebe596c82e02ull},
    {0xbf82ec5dec3e5cf3ull, 15, 0xbf82ec5dec3e5cb2ull, 0xbf82ec5dec3e5ef2ull, 0xbf82ec5dec3e5cb2ull},
    {0xc399207d691e79aeull, 0, 0xc399207d691e79aeull, 0xc399207d691e79aeull, 0xc399207d691e79aeull},
    {0xc399207d691e79aeull, 1, 0xc399207d691e79aeull, 0xc399207d691e79aeull, 0xc399207d691e79aeull},
    {0xc399207d691e79aeull, 2, 0xc399207d691e79aeull, 0xc399207d691e79aeull, 0xc399207d691e79aeull},
    {0xc399207d691e79aeull, 3, 0xc399207d691e79aeull, 0xc399207d691e79aeull, 0xc399207d691e79aeull},
    {0xc399207d691e79aeull, 6, 0xc399207d691e79aeull, 0xc399207d691e79aeull, 0xc399207d691e79aeull},
    {0xc399207d691e79aeull, 15, 0xc399207d691e79aeull, 0xc399207d691e79aeull, 0xc399207d691e79aeull},
    {0xc36ec762745bc5cdull, 0, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull},
    {0xc36ec762745bc5cdull, 1, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull},
    {0xc36ec762745bc5cdull, 2, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull},
    {0xc36ec762745bc5cdull, 3, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull},
    {0xc36ec762745bc5cdull, 6, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull},
    {0xc36ec762745bc5cdull, 15, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull, 0xc36ec762745bc5cdull},
    {0x3fe69c49c34d48b4ull, 0, 0x3ff0000000000000ull, 0x0000000000000000ull, 0x3ff0000000000000ull},
    {0x3fe69c49c34d48b4ull, 1, 0x3fe6666666666666ull, 0x3fe6666666666666ull, 0x3fe999999999999aull},
    {0x3fe69c49c34d48b4ull, 2, 0x3fe6b851eb851eb8ull, 0x3fe6666666666666ull, 0x3fe6b851eb851eb8ull},
    {0x3fe69c49c34d48b4ull, 3, 0x3fe69fbe76c8b439ull, 0x3fe6978d4fdf3b64ull, 0x3fe69fbe76c8b439ull},
    {0x3fe69c49c34d48b4ull, 6, 0x3fe69c49774256bdull, 0x3fe69c49774256bdull, 0x3fe69c4b90214ad3ull},
    {0x3fe69c49c34d48b4ull, 15, 0x3fe69c49c34d48b4ull, 0x3fe69c49c34d48b4ull, 0x3fe69c49c34d48bdull},
};

static void test_float_round_table(void)
{
    unsigned long bad = 0;
    for (size_t k = 0; k < sizeof round_cases / sizeof round_cases[0]; k++) {
        Term args[2] = {flt(from_bits(round_cases[k].x)), make_small(round_cases[k].prec)};
        Term r = arith_nat_float_round2(p, args);
        Term fl = arith_nat_float_floor2(p, args);
        Term c = arith_nat_float_ceil2(p, args);
        bool ok = r != T_NONE && fl != T_NONE && c != T_NONE &&
                  to_bits(float_val(r)) == round_cases[k].round &&
                  to_bits(float_val(fl)) == round_cases[k].floor &&
                  to_bits(float_val(c)) == round_cases[k].ceil;
        if (!ok && bad++ < 8)
            fprintf(stderr, "round/floor/ceil(%.17g, %d): got %.17g %.17g %.17g want %.17g %.17g %.17g\n",
                    from_bits(round_cases[k].x), round_cases[k].prec,
                    r == T_NONE ? NAN : float_val(r), fl == T_NONE ? NAN : float_val(fl),
                    c == T_NONE ? NAN : float_val(c), from_bits(round_cases[k].round),
                    from_bits(round_cases[k].floor), from_bits(round_cases[k].ceil));
    }
    CHECK_EQ_INT(bad, 0);
    /* precision outside 0..15 raises; a non-float raises function_clause */
    Term args[2] = {flt(1.5), make_small(16)};
    CHECK(arith_nat_float_round2(p, args) == T_NONE && is_map(proc.exc_reason));
    args[0] = make_small(1);
    args[1] = make_small(2);
    CHECK(raised(arith_nat_float_round2(p, args), ATOM_function_clause));
}

/* Float.to_string/1 against elixir 1.14's output. */
static const struct { uint64_t x; const char *text; } str_cases[] = {
    {0x40a3880000000000ull, "2.5e3"},
    {0x3fb999999999999aull, "0.1"},
    {0x4341c37937e08000ull, "1.0e16"},
    {0x419d6f3454000000ull, "123456789.0"},
    {0x8000000000000000ull, "-0.0"},
    {0x3ee4f8b588e368f1ull, "1.0e-5"},
    {0x3ff8000000000000ull, "1.5"},
    {0x4059000000000000ull, "100.0"},
    {0x430c6bf526340000ull, "1.0e15"},
    {0x4480f0cf064dd592ull, "1.0e22"},
    {0x0000000000000001ull, "5.0e-324"},
    {0x7fefffffffffffffull, "1.7976931348623157e308"},
    {0x3fd3333333333334ull, "0.30000000000000004"},
    {0x4340000000000000ull, "9.007199254740992e15"},
    {0x3cec2c60907f384cull, "3.1278700137126793e-15"},
    {0x4236bf244e40fa61ull, "97696108096.97804"},
    {0xbd925ea67a27e749ull, "-4.176792513144798e-12"},
    {0xbee18dbf1a32832dull, "-8.370255107971448e-6"},
    {0xbc55065ef3c0bfd4ull, "-4.559045492465707e-18"},
    {0x3d412895cbfd82baull, "1.2191872910945456e-13"},
    {0xc1805d5d39871de3ull, "-34319271.19097497"},
    {0xbc6eff3aebc85d51ull, "-1.344280277956924e-17"},
    {0xbef2ef1f9626ad29ull, "-1.8056941721117693e-5"},
    {0xc49263f294e9660bull, "-2.171157605190727e22"},
    {0xc2e9dc26c97a5d2full, "-227466673902313.47"},
    {0xbc3ae316d2f18b66ull, "-1.4575508235566302e-18"},
    {0x404111fdb19ba71full, "34.14055461979137"},
    {0x3f86d6d11c5c3be0ull, "0.011151918104159664"},
    {0xc49eb73464dc37d0ull, "-3.626263100902453e22"},
    {0x44cc106b6f98d565ull, "2.6505830199971236e23"},
    {0xbbb75f4bdd6188f6ull, "-4.949266737195856e-21"},
    {0x3e507d77396326ffull, "1.5357602822081084e-8"},
    {0xc0e41a4f538be737ull, "-41170.478948546974"},
    {0x3f2054c45311587bull, "1.2459656275848663e-4"},
    {0x42cfcc62a78166d0ull, "69925377868493.625"},
    {0xbe870e825f05cb79ull, "-1.7178562884307347e-7"},
    {0x432a2ae37a123736ull, "3682752944216987.0"},
    {0xc3b84e2d3133a7f5ull, "-1.7513869944369943e18"},
    {0x4154dedfa3250247ull, "5471102.549133844"},
    {0x3f7052231ee79e8cull, "0.00398458212882925"},
    {0xc013eab13e2ff25eull, "-4.979191753078878"},
    {0x42c484b967ccbdf1ull, "45120557652347.88"},
    {0x4332b35ef9c136ccull, "5263770079278796.0"},
    {0x3df48816098ae5b3ull, "2.9877390279057315e-10"},
};

static bool binary_is(Term t, const char *s)
{
    size_t len;
    if (t == T_NONE || !is_binary(t)) return false;
    const uint8_t *b = binary_bytes(t, &len);
    return len == strlen(s) && memcmp(b, s, len) == 0;
}

static void test_float_to_string(void)
{
    unsigned long bad = 0;
    for (size_t k = 0; k < sizeof str_cases / sizeof str_cases[0]; k++) {
        Term args[1] = {flt(from_bits(str_cases[k].x))};
        if (!binary_is(arith_nat_float_to_string(p, args), str_cases[k].text)) {
            if (bad++ < 5) fprintf(stderr, "Float.to_string: want %s\n", str_cases[k].text);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

static Term bin(const char *s) { return make_binary(p, s, strlen(s)); }

/* {value, "rest"} with value == want (as a number of the right type). */
static bool parsed(Term t, Term want, const char *rest)
{
    if (t == T_NONE || !is_tuple(t) || tuple_arity(t) != 2) return false;
    Term v = tuple_elems(t)[0];
    if (is_float(v) != is_float(want)) return false;
    if (is_float(v) ? to_bits(float_val(v)) != to_bits(float_val(want)) : bignum_compare(v, want) != 0)
        return false;
    return binary_is(tuple_elems(t)[1], rest);
}

static void test_parsers(void)
{
    Term a[2];
    a[0] = bin("12abc");
    CHECK(parsed(arith_nat_int_parse1(p, a), make_small(12), "abc"));
    a[0] = bin("-0");
    CHECK(parsed(arith_nat_int_parse1(p, a), make_small(0), ""));
    a[0] = bin("+");
    CHECK(arith_nat_int_parse1(p, a) == ATOM_error);
    a[0] = bin("FFz");
    a[1] = make_small(16);
    CHECK(parsed(arith_nat_int_parse2(p, a), make_small(255), "z"));
    a[1] = make_small(37);
    CHECK(arith_nat_int_parse2(p, a) == T_NONE && is_map(proc.exc_reason));
    a[0] = bin("-123456789012345678901234567890x");
    CHECK(parsed(arith_nat_int_parse1(p, a), num("-123456789012345678901234567890"), "x"));
    a[0] = ATOM_ok;
    CHECK(raised(arith_nat_int_parse1(p, a), ATOM_function_clause));

    static const struct { const char *in; double v; const char *rest; } fp[] = {
        {"1", 1.0, ""}, {"1.5abc", 1.5, "abc"}, {"1.5e", 1.5, "e"}, {"1.5e+3x", 1500.0, "x"},
        {"1.", 1.0, "."}, {"1e5", 100000.0, ""}, {"+1_000.5", 1.0, "_000.5"},
        {"1.0e-400", 0.0, ""}, {"1.5_0", 1.5, "_0"}, {"00012.50", 12.5, ""}, {"-0.0", -0.0, ""},
        {"123456789012345678901234567890", 1.2345678901234568e29, ""}, {"1.5E-3.2", 0.0015, ".2"},
    };
    for (size_t k = 0; k < sizeof fp / sizeof fp[0]; k++) {
        a[0] = bin(fp[k].in);
        if (!parsed(arith_nat_float_parse(p, a), flt(fp[k].v), fp[k].rest)) {
            unit_fail_(__FILE__, __LINE__);
            fprintf(stderr, "Float.parse(%s)\n", fp[k].in);
        }
    }
    static const char *const fbad[] = {".5", "-.5", "abc", "", "1.0e400", "-"};
    for (size_t k = 0; k < sizeof fbad / sizeof fbad[0]; k++) {
        a[0] = bin(fbad[k]);
        CHECK(arith_nat_float_parse(p, a) == ATOM_error);
    }

    static const struct { const char *in; double v; } tf[] = {
        {"01.5", 1.5}, {"1.5e+3", 1500.0}, {"-0.0", -0.0}, {"1.5e-3", 0.0015}, {"1.5E3", 1500.0},
        {"1.5e003", 1500.0}, {"1.0e-400", 0.0}, {"0.0e0", 0.0}, {"+1.5", 1.5},
    };
    for (size_t k = 0; k < sizeof tf / sizeof tf[0]; k++) {
        a[0] = bin(tf[k].in);
        Term r = arith_nat_str_to_float(p, a);
        CHECK(r != T_NONE && is_float(r) && to_bits(float_val(r)) == to_bits(tf[k].v));
    }
    static const char *const tbad[] = {"1e5", "1.5e", " 1.5", "1.5x", "+.5", "inf", "1_0.5",
                                       "1.5e+", "5.", "1", "", "1.0e400"};
    for (size_t k = 0; k < sizeof tbad / sizeof tbad[0]; k++) {
        a[0] = bin(tbad[k]);
        CHECK(arith_nat_str_to_float(p, a) == T_NONE && is_map(proc.exc_reason));
    }

    a[0] = bin("+1");
    CHECK(arith_nat_str_to_int1(p, a) == make_small(1));
    static const char *const ibad[] = {"1x", "", "+", " 1", "0x1F", "1_000"};
    for (size_t k = 0; k < sizeof ibad / sizeof ibad[0]; k++) {
        a[0] = bin(ibad[k]);
        CHECK(arith_nat_str_to_int1(p, a) == T_NONE && is_map(proc.exc_reason));
    }
    a[0] = bin("zz");
    a[1] = make_small(36);
    CHECK(arith_nat_str_to_int2(p, a) == make_small(36 * 35 + 35));
}

static bool list_is(Term l, const long *want, size_t n)
{
    for (size_t k = 0; k < n; k++, l = CDR(l))
        if (!is_cons(l) || CAR(l) != make_small(want[k])) return false;
    return is_nil(l);
}

static void test_integer_natives(void)
{
    Term a[2];
    a[0] = make_small(-123);
    static const long d1[] = {-1, -2, -3};
    CHECK(list_is(arith_nat_int_digits1(p, a), d1, 3));
    a[0] = make_small(0);
    static const long d0[] = {0};
    CHECK(list_is(arith_nat_int_digits1(p, a), d0, 1));
    a[0] = make_small(255);
    a[1] = make_small(16);
    static const long d16[] = {15, 15};
    CHECK(list_is(arith_nat_int_digits2(p, a), d16, 2));
    a[0] = num("-1234567890123456789012345");
    a[1] = make_small(1000);
    static const long d1000[] = {-1, -234, -567, -890, -123, -456, -789, -12, -345};
    CHECK(list_is(arith_nat_int_digits2(p, a), d1000, 9));
    a[1] = make_small(1);
    CHECK(raised(arith_nat_int_digits2(p, a), ATOM_function_clause));

    static const long u[] = {-1, 2, 3};
    a[0] = make_list(p, 3, (Term[]){make_small(u[0]), make_small(u[1]), make_small(u[2])});
    CHECK(arith_nat_int_undigits1(p, a) == make_small(-77));
    a[1] = make_small(2);
    CHECK(arith_nat_int_undigits2(p, a) == T_NONE && is_map(proc.exc_reason)); /* invalid digit 2 */
    a[0] = T_NIL;
    CHECK(arith_nat_int_undigits1(p, a) == make_small(0));

    a[0] = make_small(-12);
    a[1] = make_small(18);
    CHECK(arith_nat_int_gcd(p, a) == make_small(6));
    a[0] = make_small(-7);
    a[1] = make_small(2);
    CHECK(arith_nat_int_mod(p, a) == make_small(1));
    CHECK(arith_nat_int_floor_div(p, a) == make_small(-4));
    a[1] = make_small(0);
    CHECK(raised(arith_nat_int_mod(p, a), ATOM_badarith));
    a[0] = make_small(240);
    a[1] = make_small(46);
    Term eg = arith_nat_int_extended_gcd(p, a);
    CHECK(is_tuple(eg) && tuple_elems(eg)[0] == make_small(2) && tuple_elems(eg)[1] == make_small(-9) &&
          tuple_elems(eg)[2] == make_small(47));
    a[0] = make_small(-255);
    a[1] = make_small(16);
    CHECK(binary_is(arith_nat_int_to_string2(p, a), "-FF"));
    a[1] = make_small(37);
    CHECK(arith_nat_int_to_string2(p, a) == T_NONE && is_map(proc.exc_reason));
    a[0] = make_small(2);
    a[1] = make_small(-1);
    CHECK(raised(arith_nat_int_pow(p, a), ATOM_badarith));
    a[1] = flt(1.0);
    CHECK(raised(arith_nat_int_pow(p, a), ATOM_function_clause));
    a[0] = ATOM_ok;
    CHECK(raised(arith_nat_pow(p, a), ATOM_function_clause));
}

static void test_kernel_natives(void)
{
    Term a[2];
    a[0] = flt(2.5);
    CHECK(arith_nat_round(p, a) == make_small(3));
    a[0] = flt(-2.5);
    CHECK(arith_nat_round(p, a) == make_small(-3));
    CHECK(arith_nat_floor(p, a) == make_small(-3));
    CHECK(arith_nat_ceil(p, a) == make_small(-2));
    CHECK(arith_nat_trunc(p, a) == make_small(-2));
    a[0] = flt(1e30);
    CHECK(int_is(arith_nat_round(p, a), "1000000000000000019884624838656"));
    a[0] = ATOM_ok;
    CHECK(arith_nat_round(p, a) == T_NONE && is_map(proc.exc_reason));
    CHECK(arith_nat_abs(p, a) == T_NONE && is_map(proc.exc_reason));
    a[0] = flt(-1.0);
    CHECK(raised(arith_nat_math_sqrt(p, a), ATOM_badarith));
    a[0] = make_small(0);
    CHECK(raised(arith_nat_math_log(p, a), ATOM_badarith));
    a[0] = make_small(8);
    CHECK(is_float_eq(arith_nat_math_log2(p, a), 3.0));
    a[0] = make_small(1);
    a[1] = make_small(0);
    CHECK(raised(arith_nat_math_fmod(p, a), ATOM_badarith));
    a[0] = make_small(2);
    a[1] = make_small(10);
    CHECK(is_float_eq(arith_nat_math_pow(p, a), 1024.0));
    a[0] = flt(0.75);
    Term r = arith_nat_float_ratio(p, a);
    CHECK(is_tuple(r) && tuple_elems(r)[0] == make_small(3) && tuple_elems(r)[1] == make_small(4));
    a[0] = flt(-16.0);
    r = arith_nat_float_ratio(p, a);
    CHECK(is_tuple(r) && tuple_elems(r)[0] == make_small(-16) && tuple_elems(r)[1] == make_small(1));
    a[0] = flt(3.14);
    r = arith_nat_float_ratio(p, a);
    CHECK(is_tuple(r) && tuple_elems(r)[0] == make_small(7070651414971679) &&
          tuple_elems(r)[1] == make_small(2251799813685248));
}

/* :erlang.float_to_binary/2 against OTP 25: {x bits, option, text}. The
 * option is h (short), dN ({decimals, N}), cN (compact + decimals N), sN
 * ({scientific, N}). Random cases generated with elixir, then edge cases. */
static const struct { uint64_t x; const char *opt, *text; } f2b_cases[] = {
    {4714137725985585713ull, "d15", "14670408.113705726340413"},
    {14208531502426622921ull, "h", "-1.864418959463874e25"},
    {13822393933129997877ull, "c14", "-0.297"},
    {13831207477600761938ull, "s19", "-1.1450000000000000178e+00"},
    {4636130154777673728ull, "h", "91.3720703125"},
    {13914056066958949091ull, "d11", "-403985.47652046214"},
    {8159491360368683137ull, "s0", "3e+237"},
    {13837028380119138304ull, "d18", "-2.875000000000000000"},
    {13825157283226698912ull, "h", "-0.4503967451228821"},
    {7359131698637874015ull, "d0", "8969778669739006877769294492463420987715511570232454193810197690620089186019548894872441842920272858213716435888445236352787336372603356281629173104424252681251594072551540533216935936"},
    {13813296661882709475ull, "s14", "-7.30000000000000e-02"},
    {13854353164935679181ull, "d12", "-41.100000000000"},
    {4660673879393645363ull, "s15", "3.845100000000000e+03"},
    {4625837007954771968ull, "h", "18.2744140625"},
    {4523867283417040497ull, "d7", "0.0000029"},
    {4667276776571928576ull, "d3", "11007.000"},
    {13538666725830902242ull, "d183", "-0.000000000000000000032198211891573355259632459944099547987045511692776918058825352808582920260960236191749572753906250000000000000000000000000000000000000000000000000000000000000000000"},
    {4671958863586874709ull, "s11", "2.26633333333e+04"},
    {4661228156949102592ull, "d45", "4098.312500000000000000000000000000000000000000000"},
    {4646263460097687552ull, "s5", "4.29500e+02"},
    {13850187335280361472ull, "h", "-21.75"},
    {4965661753683462679ull, "h", "9.661748980366313e23"},
    {4328453530539052623ull, "s15", "2.406395666284563e-19"},
    {13808060955870572800ull, "d16", "-0.0314199914697344"},
    {13843502304583483392ull, "h", "-7.5"},
    {4706819089547652360ull, "h", "4713496.726802118"},
    {13850299925271045734ull, "h", "-22.15"},
    {4690095832884247244ull, "h", "369747.89219276304"},
    {4662115009284171366ull, "s19", "4.9048999999999996362e+03"},
    {4868986444615943209ull, "d116", "326326211571681856.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {4559336229303143393ull, "d7", "0.0006719"},
    {13827379066073776128ull, "c13", "-0.6474609375"},
    {13827492007908181279ull, "d0", "-1"},
    {4422332572510715205ull, "d16", "0.0000000000004445"},
    {2383200021380510882ull, "d173", "0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002300650002571845600191538"},
    {8860647760921429622ull, "h", "2.169604441596468e284"},
    {13832018125533688627ull, "d10", "-1.3250000000"},
    {3031662882543980402ull, "d6", "0.000000"},
    {4656779051866783744ull, "c4", "2073.9375"},
    {4987553247493691726ull, "h", "2.8226781143522054e25"},
    {1001198958295496318ull, "d14", "0.00000000000000"},
    {4751430935743213890ull, "h", "4422119612.418276"},
    {4816185541912584929ull, "c13", "99080310638987.515625"},
    {14182300112515650145ull, "d122", "-333429421284302958624768.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {13840361043843392471ull, "d10", "-4.7100000000"},
    {13821564848586096640ull, "d89", "-0.25097656250000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {13837692661064175452ull, "d121", "-3.1699999999999999289457264239899814128875732421875000000000000000000000000000000000000000000000000000000000000000000000000"},
    {7131696449719550673ull, "s7", "5.8674572e+168"},
    {14227841416914484473ull, "s3", "-3.762e+26"},
    {13854500939298452275ull, "h", "-42.15"},
    {4359378522194789689ull, "s17", "2.74291933528695322e-17"},
    {4623060466216730624ull, "d16", "12.2050781250000000"},
    {4096298213346839154ull, "d5", "0.00000"},
    {13614871054162935282ull, "s11", "-3.93876691921e-15"},
    {13833842083382773678ull, "c0", "-2"},
    {8361330361085177981ull, "d3", "90974151728848471460449253272108850010036394484345572064764126036298237277953888122203056215976523687430801404464927179998026725770894694562228766414701858851179592944768686934307736647265788224333134168440576613597382295120734168850538625560741937152.000"},
    {13838931150961702339ull, "d16", "-3.7200000000000002"},
    {13844324211515478508ull, "d175", "-8.4600000000000008526512829121202230453491210937500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {596093100204321002ull, "c1", "0.0"},
    {14209285320553421575ull, "h", "-2.1183190277175613e25"},
    {0x8000000000000000ull, "d0", "-0"},
    {0x3fefef9db22d0e56ull, "d2", "1.00"},      /* 0.998: rounds into the integer */
    {0x4023000000000000ull, "d0", "10"},        /* 9.5: half away from zero */
    {0x3fc0000000000000ull, "d2", "0.13"},      /* 0.125 */
    {0x4005666666666666ull, "d2", "2.67"},  /* 2.675 is below the tie */
    {0x4415af1d78b58c40ull, "c0", "1"},          /* 1.0e20: %.0f, then trimmed */
    {0x4415af1d78b58c40ull, "c2", "100000000000000000000.0"},
    {0x3ff4000000000000ull, "s1", "1.2e+00"},    /* 1.25: tie to even */
    {0x3ff8000000000000ull, "c4", "1.5"},
};

static Term f2b_opts(const char *opt)
{
    if (opt[0] == 'h') return make_cons_cell(p, atom_intern_cstr("short"), T_NIL);
    Term tup = make_tuple2(p, atom_intern_cstr(opt[0] == 's' ? "scientific" : "decimals"),
                           make_small(atoi(opt + 1)));
    Term o = make_cons_cell(p, tup, T_NIL);
    return opt[0] == 'c' ? make_cons_cell(p, atom_intern_cstr("compact"), o) : o;
}

static void test_float_to_binary(void)
{
    unsigned long bad = 0;
    for (size_t k = 0; k < sizeof f2b_cases / sizeof f2b_cases[0]; k++) {
        Term r = arith_float_to_binary(p, flt(from_bits(f2b_cases[k].x)), f2b_opts(f2b_cases[k].opt));
        if (!binary_is(r, f2b_cases[k].text)) {
            if (bad++ < 5) fprintf(stderr, "float_to_binary %s: want %s\n", f2b_cases[k].opt, f2b_cases[k].text);
        }
    }
    CHECK_EQ_INT(bad, 0);
    Term a[1] = {flt(3.14159)};
    CHECK(binary_is(arith_nat_float_to_binary1(p, a), "3.14158999999999988262e+00"));
    /* too long for the BEAM's buffer, bad options, not a float */
    CHECK(arith_float_to_binary(p, flt(1e300), f2b_opts("d2")) == T_NONE && is_map(proc.exc_reason));
    CHECK(arith_float_to_binary(p, flt(-1.5), f2b_opts("d253")) == T_NONE && is_map(proc.exc_reason));
    CHECK(arith_float_to_binary(p, flt(1.5), f2b_opts("d254")) == T_NONE && is_map(proc.exc_reason));
    CHECK(arith_float_to_binary(p, flt(1.5), ATOM_ok) == T_NONE && is_map(proc.exc_reason));
    CHECK(arith_float_to_binary(p, make_small(1), T_NIL) == T_NONE && is_map(proc.exc_reason));
    /* the last format option wins */
    Term o = make_cons_cell(p, make_tuple2(p, atom_intern_cstr("decimals"), make_small(1)), f2b_opts("s3"));
    CHECK(binary_is(arith_float_to_binary(p, flt(1.25), o), "1.250e+00"));
    o = make_cons_cell(p, make_tuple2(p, atom_intern_cstr("scientific"), make_small(3)), f2b_opts("d1"));
    CHECK(binary_is(arith_float_to_binary(p, flt(1.25), o), "1.3"));
}

static void test_bitwise_natives(void)
{
    Term a[2] = {make_small(12), make_small(10)};
    CHECK(arith_nat_band(p, a) == make_small(8));
    CHECK(arith_nat_bor(p, a) == make_small(14));
    CHECK(arith_nat_bxor(p, a) == make_small(6));
    CHECK(arith_nat_bnot(p, a) == make_small(-13));
    a[0] = make_small(1);
    a[1] = make_small(100);
    CHECK(int_is(arith_nat_bsl(p, a), "1267650600228229401496703205376"));
    a[0] = arith_neg(p, bignum_pow(p, make_small(2), 100));
    a[1] = make_small(98);
    CHECK(arith_nat_bsr(p, a) == make_small(-4));
    a[0] = make_small(-1);
    a[1] = make_small(1);
    CHECK(arith_nat_bsr(p, a) == make_small(-1));
    a[0] = make_small(5);
    a[1] = make_small(-1);
    CHECK(arith_nat_bsl(p, a) == make_small(2));
    a[1] = num("-100000000000000000000000");
    CHECK(arith_nat_bsl(p, a) == make_small(0));
    a[0] = make_small(0);
    a[1] = num("100000000000000000000000");
    CHECK(arith_nat_bsl(p, a) == make_small(0));
    a[0] = make_small(1);
    CHECK(raised(arith_nat_bsl(p, a), ATOM_system_limit));
    a[0] = flt(1.0);
    CHECK(raised(arith_nat_band(p, a), ATOM_badarith));
    a[0] = ATOM_ok;
    CHECK(raised(arith_nat_bnot(p, a), ATOM_badarith));
}

int main(void)
{
    heap_init(&proc, 1024);
    proc.exc_class = proc.exc_reason = T_NIL;
    RUN(test_small_overflow);
    RUN(test_div_rem_signs);
    RUN(test_floats);
    RUN(test_pow);
    RUN(test_compare);
    RUN(test_float_round_table);
    RUN(test_float_to_string);
    RUN(test_parsers);
    RUN(test_integer_natives);
    RUN(test_kernel_natives);
    RUN(test_float_to_binary);
    RUN(test_bitwise_natives);
    return unit_summary();
}
