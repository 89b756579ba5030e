/* test_bignum.c — bignum.c against independent GMP mpz computations.
 *
 * Every operation is run on all pairs of a set of values chosen around the
 * limb and small-integer boundaries (±2^62, ±2^63, ±2^64, 2^128, 2^200, ...)
 * plus pseudo-random multi-limb values; each result is converted back to an
 * mpz and compared with what mpz computes, and checked to be canonical.
 */
#include <math.h>
#include <stdlib.h>
#include <gmp.h>
#include "unit.h"
#include "bignum.h"
#include "heap.h"
#include "native.h"
#include "atom.h"

static Process proc;

/* ---- mpz <-> term --------------------------------------------------------- */

static Term term_of_mpz(const mpz_t z)
{
    return bignum_make(&proc, mpz_limbs_read(z), mpz_size(z), mpz_sgn(z) < 0);
}

static void mpz_of_term(mpz_t z, Term t)
{
    if (is_small(t)) {
        mpz_set_si(z, (long)small_val(t));
        return;
    }
    size_t n = bignum_nlimbs(t);
    mp_limb_t *d = mpz_limbs_write(z, (mp_size_t)n);
    memcpy(d, bignum_limbs(t), n * sizeof(mp_limb_t));
    mpz_limbs_finish(z, bignum_is_neg(t) ? -(mp_size_t)n : (mp_size_t)n);
}

/* Canonical: small iff in small range; bignums have a non-zero top limb. */
static bool canonical(Term t)
{
    mpz_t z, lo, hi;
    mpz_inits(z, lo, hi, NULL);
    mpz_of_term(z, t);
    mpz_set_si(lo, (long)SMALL_MIN);
    mpz_set_si(hi, (long)SMALL_MAX);
    bool in_small = mpz_cmp(z, lo) >= 0 && mpz_cmp(z, hi) <= 0;
    bool ok;
    if (is_small(t)) ok = in_small;
    else ok = is_bignum(t) && !in_small && bignum_nlimbs(t) > 0 &&
              bignum_limbs(t)[bignum_nlimbs(t) - 1] != 0;
    mpz_clears(z, lo, hi, NULL);
    return ok;
}

/* Checks that term t equals z and is canonical. */
static bool equals_mpz(Term t, const mpz_t z)
{
    if (t == T_NONE || !canonical(t)) return false;
    mpz_t v;
    mpz_init(v);
    mpz_of_term(v, t);
    bool eq = mpz_cmp(v, z) == 0;
    mpz_clear(v);
    return eq;
}

/* ---- the value set ---------------------------------------------------------- */

#define NVALS 110
static mpz_t vals[NVALS];
static size_t nvals;

static void add_val(const mpz_t z)
{
    if (nvals + 2 > NVALS) abort(); /* the set is sized for setup_values */
    mpz_init_set(vals[nvals++], z);
    mpz_init(vals[nvals]);
    mpz_neg(vals[nvals++], z);
}

static void setup_values(void)
{
    mpz_t z;
    mpz_init(z);
    static const unsigned pows[] = {0, 1, 61, 62, 63, 64, 65, 127, 128, 129, 200};
    for (size_t k = 0; k < sizeof pows / sizeof pows[0]; k++) {
        mpz_ui_pow_ui(z, 2, pows[k]);
        add_val(z);
        mpz_sub_ui(z, z, 1);
        if (mpz_sgn(z)) add_val(z);
        mpz_add_ui(z, z, 2);
        add_val(z);
    }
    mpz_set_ui(z, 0);
    mpz_init_set(vals[nvals++], z);
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 12345);
    while (nvals + 2 <= NVALS) {
        mpz_rrandomb(z, rs, 1 + gmp_urandomm_ui(rs, 400));
        add_val(z);
    }
    gmp_randclear(rs);
    mpz_clear(z);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_roundtrip_and_canonical(void)
{
    for (size_t i = 0; i < nvals; i++) {
        Term t = term_of_mpz(vals[i]);
        CHECK(equals_mpz(t, vals[i]));
    }
    /* leading zero limbs are trimmed, small-range results become smalls */
    mp_limb_t l[3] = {5, 0, 0};
    CHECK(bignum_make(&proc, l, 3, true) == make_small(-5));
    mp_limb_t m[2] = {(mp_limb_t)1 << 62, 0};
    Term neg = bignum_make(&proc, m, 2, true);
    CHECK(neg == make_small(SMALL_MIN));
    Term pos = bignum_make(&proc, m, 2, false);
    CHECK(is_bignum(pos) && bignum_nlimbs(pos) == 1);
    CHECK(bignum_make(&proc, m + 1, 1, true) == make_small(0));
}

static void test_int64(void)
{
    static const int64_t cases[] = {0, 1, -1, SMALL_MAX, SMALL_MIN, SMALL_MAX + (int64_t)1,
                                    SMALL_MIN - (int64_t)1, INT64_MAX, INT64_MIN};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        Term t = bignum_from_int64(&proc, cases[k]);
        mpz_t z;
        mpz_init_set_si(z, (long)cases[k]);
        CHECK(equals_mpz(t, z));
        int64_t back = 0;
        CHECK(bignum_to_int64(t, &back) && back == cases[k]);
        mpz_clear(z);
    }
    Term u = bignum_from_uint64(&proc, UINT64_MAX);
    uint64_t ub = 0;
    int64_t ib;
    CHECK(bignum_to_uint64(u, &ub) && ub == UINT64_MAX);
    CHECK(!bignum_to_int64(u, &ib));
    CHECK(!bignum_to_uint64(make_small(-1), &ub));
    Term big = bignum_add(&proc, u, make_small(1)); /* 2^64 */
    CHECK(!bignum_to_uint64(big, &ub));
    Term minus = bignum_neg(&proc, big);
    CHECK(!bignum_to_int64(minus, &ib));
}

typedef Term (*BinOp)(Process *, Term, Term);
typedef void (*MpzOp)(mpz_ptr, mpz_srcptr, mpz_srcptr);

static void check_binop(const char *name, BinOp op, MpzOp ref)
{
    mpz_t want;
    mpz_init(want);
    unsigned long bad = 0;
    for (size_t i = 0; i < nvals; i++)
        for (size_t j = 0; j < nvals; j++) {
            Term a = term_of_mpz(vals[i]), b = term_of_mpz(vals[j]);
            ref(want, vals[i], vals[j]);
            Term r = op(&proc, a, b);
            if (!equals_mpz(r, want)) {
                if (bad++ < 5) gmp_fprintf(stderr, "%s(%Zd, %Zd) wrong\n", name, vals[i], vals[j]);
            }
        }
    CHECK_EQ_INT(bad, 0);
    mpz_clear(want);
}

static void test_add_sub_mul(void)
{
    check_binop("add", bignum_add, mpz_add);
    check_binop("sub", bignum_sub, mpz_sub);
    check_binop("mul", bignum_mul, mpz_mul);
}

static void test_divrem(void)
{
    mpz_t q, r;
    mpz_inits(q, r, NULL);
    unsigned long bad = 0;
    for (size_t i = 0; i < nvals; i++)
        for (size_t j = 0; j < nvals; j++) {
            if (mpz_sgn(vals[j]) == 0) continue;
            Term a = term_of_mpz(vals[i]), b = term_of_mpz(vals[j]);
            Term tq = T_NONE, tr = T_NONE;
            bool ok = bignum_divrem(&proc, a, b, &tq, &tr);
            mpz_tdiv_qr(q, r, vals[i], vals[j]);
            if (!ok || !equals_mpz(tq, q) || !equals_mpz(tr, r)) {
                if (bad++ < 5) gmp_fprintf(stderr, "divrem(%Zd, %Zd) wrong\n", vals[i], vals[j]);
            }
            ok = bignum_floor_divmod(&proc, a, b, &tq, &tr);
            mpz_fdiv_qr(q, r, vals[i], vals[j]);
            if (!ok || !equals_mpz(tq, q) || !equals_mpz(tr, r)) {
                if (bad++ < 5) gmp_fprintf(stderr, "floor_divmod(%Zd, %Zd) wrong\n", vals[i], vals[j]);
            }
        }
    CHECK_EQ_INT(bad, 0);
    /* division by zero raises badarith and reports failure */
    Term tq;
    proc.exc_reason = T_NIL;
    CHECK(!bignum_divrem(&proc, make_small(1), make_small(0), &tq, NULL));
    CHECK(proc.exc_reason == ATOM_badarith);
    mpz_clears(q, r, NULL);
}

static void test_compare(void)
{
    unsigned long bad = 0;
    for (size_t i = 0; i < nvals; i++)
        for (size_t j = 0; j < nvals; j++) {
            int want = mpz_cmp(vals[i], vals[j]);
            want = (want > 0) - (want < 0);
            if (bignum_compare(term_of_mpz(vals[i]), term_of_mpz(vals[j])) != want) bad++;
        }
    CHECK_EQ_INT(bad, 0);
}

/* Exact comparison with doubles, against mpz_cmp_d (exact in GMP). */
static void test_compare_double(void)
{
    static const double ds[] = {0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1.5, 4611686018427387904.0,
                                -4611686018427387904.0, 9223372036854775808.0, 18446744073709551616.0,
                                -18446744073709551616.0, 9007199254740992.0, 1e30, -1e30, 1.6e60,
                                1e300, -1e300, 4611686018427387903.5, 123456789.25};
    unsigned long bad = 0;
    for (size_t i = 0; i < nvals; i++)
        for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++) {
            for (int nudge = -1; nudge <= 1; nudge++) {
                double d = nudge == 0 ? ds[k] : nextafter(ds[k], nudge * INFINITY);
                int want = mpz_cmp_d(vals[i], d);
                want = (want > 0) - (want < 0);
                if (bignum_compare_double(term_of_mpz(vals[i]), d) != want) {
                    if (bad++ < 5) gmp_fprintf(stderr, "cmp(%Zd, %.17g) wrong\n", vals[i], d);
                }
            }
            /* the double nearest to the value itself */
            double d;
            if (bignum_to_double(term_of_mpz(vals[i]), &d)) {
                int want = mpz_cmp_d(vals[i], d);
                want = (want > 0) - (want < 0);
                if (bignum_compare_double(term_of_mpz(vals[i]), d) != want) bad++;
            }
        }
    CHECK_EQ_INT(bad, 0);
    /* 2^53 + 1 is strictly greater than 2^53 as a float */
    Term t = bignum_add(&proc, bignum_pow(&proc, make_small(2), 53), make_small(1));
    CHECK(bignum_compare_double(t, 9007199254740992.0) == 1);
}

/* d is the correctly rounded value of z: no double is closer, ties even. */
static bool is_nearest(const mpz_t z, double d)
{
    if (mpz_sgn(z) == 0) return d == 0.0;
    mpz_t dz, diff, diff2;
    mpz_inits(dz, diff, diff2, NULL);
    mpz_set_d(dz, d);
    mpz_sub(diff, z, dz);
    mpz_abs(diff, diff);
    bool ok = true;
    for (int dir = -1; dir <= 1; dir += 2) {
        double n = nextafter(d, dir * INFINITY);
        if (isinf(n)) continue;
        mpz_set_d(dz, n);
        mpz_sub(diff2, z, dz);
        mpz_abs(diff2, diff2);
        int c = mpz_cmp(diff, diff2);
        if (c > 0) ok = false;
        if (c == 0) { /* tie: d must have an even mantissa */
            int e;
            double m = frexp(fabs(d), &e);
            uint64_t mant = (uint64_t)ldexp(m, 53);
            if (mant & 1) ok = false;
        }
    }
    mpz_clears(dz, diff, diff2, NULL);
    return ok;
}

static void test_to_double(void)
{
    unsigned long bad = 0;
    for (size_t i = 0; i < nvals; i++) {
        double d;
        if (!bignum_to_double(term_of_mpz(vals[i]), &d) || !is_nearest(vals[i], d)) {
            if (bad++ < 5) gmp_fprintf(stderr, "to_double(%Zd) wrong\n", vals[i]);
        }
    }
    /* ties and sticky bits: 2^64 + 2^11 (tie, rounds to even = 2^64),
     * 2^64 + 2^11 + 1 (above the tie), 2^64 + 3*2^11 (tie, rounds up) */
    mpz_t z;
    mpz_init(z);
    static const unsigned long adds[] = {2048, 2049, 6144, 2047, 1};
    for (size_t k = 0; k < 5; k++) {
        mpz_ui_pow_ui(z, 2, 64);
        mpz_add_ui(z, z, adds[k]);
        double d;
        if (!bignum_to_double(term_of_mpz(z), &d) || !is_nearest(z, d)) bad++;
        mpz_ui_pow_ui(z, 2, 200);
        mpz_add_ui(z, z, adds[k]);
        mpz_setbit(z, 148); /* the tie bit of 2^200 */
        if (!bignum_to_double(term_of_mpz(z), &d) || !is_nearest(z, d)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* 2^1024 overflows; the largest double converts back exactly */
    mpz_ui_pow_ui(z, 2, 1024);
    double d;
    CHECK(!bignum_to_double(term_of_mpz(z), &d));
    mpz_set_d(z, 1.7976931348623157e308);
    CHECK(bignum_to_double(term_of_mpz(z), &d) && d == 1.7976931348623157e308);
    /* from_double truncates toward zero */
    static const double ds[] = {0.0, -0.9, 1.9, -1.9, 4611686018427387904.0, -4611686018427387904.0,
                                1e19, -1e19, 1.5e100, -3.25e300, 1.7976931348623157e308};
    for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++) {
        mpz_set_d(z, ds[k]);
        CHECK(equals_mpz(bignum_from_double(&proc, ds[k]), z));
    }
    mpz_clear(z);
}

static void test_pow_gcd(void)
{
    mpz_t want;
    mpz_init(want);
    unsigned long bad = 0;
    static const long bases[] = {0, 1, -1, 2, -2, 3, 10, -7, 4611686018427387903L};
    for (size_t k = 0; k < sizeof bases / sizeof bases[0]; k++)
        for (unsigned long e = 0; e < 140; e += 7) {
            mpz_set_si(want, bases[k]);
            mpz_pow_ui(want, want, e);
            if (!equals_mpz(bignum_pow(&proc, make_small(bases[k]), e), want)) bad++;
        }
    for (size_t i = 0; i < nvals; i++) {
        mpz_pow_ui(want, vals[i], 3);
        if (!equals_mpz(bignum_pow(&proc, term_of_mpz(vals[i]), 3), want)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    check_binop("gcd", bignum_gcd, mpz_gcd);
    /* 2 ** 2^40 exceeds the limit: system_limit, not an abort */
    proc.exc_reason = T_NIL;
    CHECK(bignum_pow(&proc, make_small(2), (uint64_t)1 << 40) == T_NONE);
    CHECK(proc.exc_reason == ATOM_system_limit);
    CHECK(bignum_pow(&proc, make_small(-1), UINT64_MAX) == make_small(-1));
    mpz_clear(want);
}

static void test_bitwise(void)
{
    check_binop("band", bignum_band, mpz_and);
    check_binop("bor", bignum_bor, mpz_ior);
    check_binop("bxor", bignum_bxor, mpz_xor);
    mpz_t want;
    mpz_init(want);
    unsigned long bad = 0;
    for (size_t i = 0; i < nvals; i++) {
        Term t = term_of_mpz(vals[i]);
        mpz_com(want, vals[i]);
        if (!equals_mpz(bignum_bnot(&proc, t), want)) bad++;
        for (int64_t k = -460; k <= 460; k += 23) {
            if (k >= 0) mpz_mul_2exp(want, vals[i], (mp_bitcnt_t)k);
            else mpz_fdiv_q_2exp(want, vals[i], (mp_bitcnt_t)-k);
            if (!equals_mpz(bignum_shift(&proc, t, k), want)) {
                if (bad++ < 5) gmp_fprintf(stderr, "shift(%Zd, %lld) wrong\n", vals[i], (long long)k);
            }
        }
        /* shifting everything out gives 0 or -1 */
        mpz_set_si(want, mpz_sgn(vals[i]) < 0 ? -1 : 0);
        if (!equals_mpz(bignum_shift(&proc, t, INT64_MIN + 1), want)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    proc.exc_reason = T_NIL;
    CHECK(bignum_shift(&proc, make_small(1), INT64_MAX) == T_NONE && proc.exc_reason == ATOM_system_limit);
    mpz_clear(want);
}

/* Equal bignums hash equally (built separately); distinct ones, here
 * including x and -x, do not collide. */
static void test_hash(void)
{
    unsigned long bad = 0, big = 0;
    for (size_t i = 0; i < nvals; i++) {
        Term a = term_of_mpz(vals[i]), b = term_of_mpz(vals[i]);
        if (!is_bignum(a)) continue;
        big++;
        if (a == b || bignum_hash(a, 7) != bignum_hash(b, 7)) bad++;
        for (size_t j = 0; j < nvals; j++) {
            Term c = term_of_mpz(vals[j]);
            if (is_bignum(c) && mpz_cmp(vals[i], vals[j]) != 0 && bignum_hash(a, 7) == bignum_hash(c, 7)) bad++;
        }
        if (bignum_hash(a, 7) == bignum_hash(a, 8)) bad++; /* the seed is mixed in */
    }
    CHECK(big > 50);
    CHECK_EQ_INT(bad, 0);
}

static void test_strings(void)
{
    unsigned long bad = 0;
    static const int bases[] = {2, 8, 10, 16, 36, 7};
    for (size_t i = 0; i < nvals; i++)
        for (size_t k = 0; k < sizeof bases / sizeof bases[0]; k++) {
            Term t = term_of_mpz(vals[i]);
            char *want = mpz_get_str(NULL, -bases[k], vals[i]); /* negative base: uppercase */
            size_t cap = bignum_cstr_size(t, bases[k]) + 1;
            char *buf = malloc(cap);
            size_t len = bignum_to_cstr(t, bases[k], buf, cap);
            if (len != strlen(want) || strcmp(buf, want) != 0) {
                if (bad++ < 5) fprintf(stderr, "to_cstr base %d: %s vs %s\n", bases[k], buf, want);
            }
            /* too small a buffer: reports the needed length */
            if (len > 0 && bignum_to_cstr(t, bases[k], buf, len) != len) bad++;
            /* binary form */
            size_t blen;
            const uint8_t *bytes = binary_bytes(bignum_to_string(&proc, t, bases[k]), &blen);
            if (blen != len || memcmp(bytes, want, len) != 0) bad++;
            /* parse back, also in lowercase */
            for (char *c = want; *c; c++) if (*c >= 'A' && *c <= 'Z' && (i & 1)) *c += 32;
            if (!equals_mpz(bignum_from_string(&proc, want, strlen(want), bases[k]), vals[i])) {
                if (bad++ < 5) fprintf(stderr, "from_string base %d: %s\n", bases[k], want);
            }
            free(buf);
            free(want);
        }
    CHECK_EQ_INT(bad, 0);
}

static void test_parse_edges(void)
{
    size_t used;
    CHECK(bignum_parse_prefix(&proc, "12abc", 5, 10, &used) == make_small(12) && used == 2);
    CHECK(bignum_parse_prefix(&proc, "+12", 3, 10, &used) == make_small(12) && used == 3);
    CHECK(bignum_parse_prefix(&proc, "-0", 2, 10, &used) == make_small(0) && used == 2);
    CHECK(bignum_parse_prefix(&proc, "-", 1, 10, &used) == T_NONE && used == 0);
    CHECK(bignum_parse_prefix(&proc, " 1", 2, 10, &used) == T_NONE && used == 0);
    CHECK(bignum_parse_prefix(&proc, "", 0, 10, &used) == T_NONE && used == 0);
    CHECK(bignum_parse_prefix(&proc, "0x1F", 4, 16, &used) == make_small(0) && used == 1);
    CHECK(bignum_parse_prefix(&proc, "FFz", 3, 16, &used) == make_small(255) && used == 2);
    CHECK(bignum_parse_prefix(&proc, "1_000", 5, 10, &used) == make_small(1) && used == 1);
    CHECK(bignum_from_string(&proc, "12 ", 3, 10) == T_NONE);
    CHECK(bignum_from_string(&proc, "000000000000000000000000000000042", 33, 10) == make_small(42));
    CHECK(bignum_from_string(&proc, "-4611686018427387904", 20, 10) == make_small(SMALL_MIN));
    Term t = bignum_from_string(&proc, "4611686018427387904", 19, 10);
    CHECK(is_bignum(t) && !bignum_is_neg(t) && bignum_limbs(t)[0] == (mp_limb_t)1 << 62);
    CHECK(bignum_from_string(&proc, "9", 1, 8) == T_NONE);
}

int main(void)
{
    atom_init();
    heap_init(&proc, 1024);
    setup_values();
    RUN(test_roundtrip_and_canonical);
    RUN(test_int64);
    RUN(test_add_sub_mul);
    RUN(test_divrem);
    RUN(test_compare);
    RUN(test_compare_double);
    RUN(test_to_double);
    RUN(test_pow_gcd);
    RUN(test_bitwise);
    RUN(test_hash);
    RUN(test_strings);
    RUN(test_parse_edges);
    return unit_summary();
}
