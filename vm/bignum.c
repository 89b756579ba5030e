/* bignum.c — arbitrary-precision integers on GMP's mpn layer (see bignum.h).
 *
 * Every operation reads its operands as a Mag: a read-only view of an
 * integer's magnitude (limbs, count without leading zeros) plus its sign. A
 * small is viewed through a one-limb buffer inside the Mag itself, so smalls
 * and bignums share one code path.
 *
 * Results are computed into scratch memory (a stack buffer, or malloc for
 * large operands, always freed before returning) and then copied to the
 * process heap by bignum_make, which trims and canonicalises. The copy costs
 * O(n) next to an O(n) or worse operation, and keeps the heap free of slack
 * words: every heap object is exactly as large as its header says.
 *
 * Where mpn has no ready-made function (pow, gcd, two's complement bitwise
 * operations, shifts) the operands are wrapped as read-only mpz views of
 * their limbs (mpz_roinit_n, no copy) and the result is built in a
 * temporary mpz, copied to the heap and cleared at once (from_mpz).
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include "bignum.h"
#include "heap.h"
#include "native.h"
#include "atom.h"

/* ---- operand views ------------------------------------------------------ */

/* Invariant: d[0..n) is the magnitude with d[n-1] != 0 (n == 0 means zero).
 * d may point at `one`, so a Mag is never copied after mag_of. */
typedef struct Mag {
    const mp_limb_t *d;
    size_t n;
    bool neg;
    mp_limb_t one;
} Mag;

static void mag_of(Term t, Mag *m)
{
    if (is_small(t)) {
        SInt v = small_val(t);
        m->neg = v < 0;
        m->one = v < 0 ? (mp_limb_t)0 - (mp_limb_t)v : (mp_limb_t)v;
        m->d = &m->one;
        m->n = v != 0;
    } else {
        m->neg = bignum_is_neg(t);
        m->d = bignum_limbs(t);
        m->n = bignum_nlimbs(t);
    }
}

/* Compares magnitudes only. */
static int mag_cmp(const Mag *a, const Mag *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    int c = a->n ? mpn_cmp(a->d, b->d, (mp_size_t)a->n) : 0;
    return (c > 0) - (c < 0);
}

/* Compares signed values. */
static int mag_cmp_signed(const Mag *a, const Mag *b)
{
    bool an = a->neg && a->n, bn = b->neg && b->n;
    if (an != bn) return an ? -1 : 1;
    int c = mag_cmp(a, b);
    return an ? -c : c;
}

/* ---- scratch memory ----------------------------------------------------- */

#define SCRATCH_LOCAL 64

/* Invariant: d is `local` or a malloc'd block owned by the Scratch. */
typedef struct Scratch {
    mp_limb_t *d;
    mp_limb_t local[SCRATCH_LOCAL];
} Scratch;

static mp_limb_t *scratch_get(Scratch *s, size_t n)
{
    if (n <= SCRATCH_LOCAL) {
        s->d = s->local;
    } else {
        s->d = malloc(n * sizeof(mp_limb_t));
        if (!s->d) {
            fprintf(stderr, "act: out of memory (bignum of %zu limbs)\n", n);
            abort();
        }
    }
    return s->d;
}

static void scratch_free(Scratch *s)
{
    if (s->d != s->local) free(s->d);
}

static Term raise_limit(Process *p)
{
    return native_raise(p, ATOM_error, ATOM_system_limit);
}

/* ---- construction -------------------------------------------------------- */

Term bignum_make(Process *p, const mp_limb_t *limbs, size_t n, bool neg)
{
    while (n > 0 && limbs[n - 1] == 0) n--;
    if (n == 0) return make_small(0);
    if (n == 1) {
        mp_limb_t v = limbs[0];
        if (!neg && v <= (mp_limb_t)SMALL_MAX) return make_small((SInt)v);
        if (neg && v <= (mp_limb_t)SMALL_MAX + 1) return make_small(-(SInt)(v - 1) - 1);
    }
    if (n > BIGNUM_MAX_LIMBS) return raise_limit(p);
    Term *hp = heap_alloc(p, n + 1);
    hp[0] = make_header(neg ? BOX_BIG_NEG : BOX_BIG_POS, n);
    memcpy(hp + 1, limbs, n * sizeof(mp_limb_t));
    return make_boxed(hp);
}

Term bignum_from_uint64(Process *p, uint64_t v)
{
    mp_limb_t l = v;
    return bignum_make(p, &l, 1, false);
}

Term bignum_from_int64(Process *p, int64_t v)
{
    mp_limb_t l = v < 0 ? (mp_limb_t)0 - (mp_limb_t)v : (mp_limb_t)v;
    return bignum_make(p, &l, 1, v < 0);
}

/* Magnitude of trunc(d) for finite d into buf (at least 17 limbs: |d| <
 * 2^1024). Returns the limb count (0 for |d| < 1). */
static size_t double_to_limbs(double d, mp_limb_t *buf)
{
    double a = fabs(d);
    if (a < 1.0) return 0;
    if (a < 18446744073709551616.0) { /* 2^64 */
        buf[0] = (mp_limb_t)a;
        return 1;
    }
    int e;
    double m = frexp(a, &e);                      /* a = m * 2^e, m in [0.5, 1) */
    uint64_t mant = (uint64_t)ldexp(m, 53);        /* exact: 53 significant bits */
    int shift = e - 53;                            /* >= 11 since a >= 2^64 */
    size_t idx = (size_t)shift / 64;
    unsigned bit = (unsigned)shift % 64;
    memset(buf, 0, (idx + 2) * sizeof(mp_limb_t));
    buf[idx] = mant << bit;
    buf[idx + 1] = bit ? mant >> (64 - bit) : 0;
    return buf[idx + 1] ? idx + 2 : idx + 1;
}

Term bignum_from_double(Process *p, double d)
{
    mp_limb_t buf[18];
    size_t n = double_to_limbs(d, buf);
    return bignum_make(p, buf, n, d < 0);
}

/* ---- conversion to C ---------------------------------------------------- */

bool bignum_to_int64(Term i, int64_t *out)
{
    if (is_small(i)) { *out = small_val(i); return true; }
    if (bignum_nlimbs(i) != 1) return false;
    mp_limb_t v = bignum_limbs(i)[0];
    if (bignum_is_neg(i)) {
        if (v > (mp_limb_t)INT64_MAX + 1) return false;
        *out = v == (mp_limb_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (mp_limb_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    return true;
}

bool bignum_to_uint64(Term i, uint64_t *out)
{
    if (is_small(i)) {
        if (small_val(i) < 0) return false;
        *out = (uint64_t)small_val(i);
        return true;
    }
    if (bignum_is_neg(i) || bignum_nlimbs(i) != 1) return false;
    *out = bignum_limbs(i)[0];
    return true;
}

/* Correct rounding: the top 64 bits of the magnitude, with a sticky bit for
 * any non-zero bit below them OR-ed into bit 0, convert to double exactly as
 * the full number would: bit 0 lies below the rounding bit (bit 10), so it
 * only breaks ties. ldexp by the remaining exponent is then exact (or
 * overflows to infinity). */
bool bignum_to_double(Term i, double *out)
{
    if (is_small(i)) { *out = (double)small_val(i); return true; }
    const mp_limb_t *d = bignum_limbs(i);
    size_t n = bignum_nlimbs(i);
    unsigned lz = (unsigned)__builtin_clzll(d[n - 1]);
    uint64_t top = d[n - 1] << lz;
    bool sticky = false;
    if (n >= 2) {
        if (lz) top |= d[n - 2] >> (64 - lz);
        sticky = lz ? (d[n - 2] << lz) != 0 : d[n - 2] != 0;
        for (size_t k = 0; k + 2 < n && !sticky; k++) sticky = d[k] != 0;
    }
    if (sticky) top |= 1;
    long exp = (long)(n * 64) - (long)lz - 64;  /* value ~= top * 2^exp */
    if (exp > 1100) return false;
    double r = ldexp((double)top, (int)exp);
    if (isinf(r)) return false;
    *out = bignum_is_neg(i) ? -r : r;
    return true;
}

/* ---- comparison and hashing --------------------------------------------- */

int bignum_compare(Term a, Term b)
{
    if (is_small(a) && is_small(b)) {
        SInt x = small_val(a), y = small_val(b);
        return (x > y) - (x < y);
    }
    Mag ma, mb;
    mag_of(a, &ma);
    mag_of(b, &mb);
    return mag_cmp_signed(&ma, &mb);
}

/* With f = floor(d): a < f implies a < d; a > f implies a >= f + 1 > d; and
 * a == f means a == d exactly when d is integral, else a < d. */
int bignum_compare_double(Term a, double d)
{
    if (isnan(d)) return 0; /* never produced: arithmetic raises on nan */
    if (isinf(d)) return d > 0 ? -1 : 1;
    double f = floor(d);
    int c;
    if (is_small(a) && fabs(f) < 4611686018427387904.0) { /* 2^62 */
        SInt x = small_val(a), y = (SInt)f;
        c = (x > y) - (x < y);
    } else {
        Mag ma, mf;
        mp_limb_t buf[18];
        mag_of(a, &ma);
        mf.n = double_to_limbs(f, buf);
        mf.d = buf;
        mf.neg = f < 0;
        c = mag_cmp_signed(&ma, &mf);
    }
    if (c != 0) return c;
    return d == f ? 0 : -1;
}

uint64_t bignum_hash(Term big, uint64_t seed)
{
    uint64_t h = seed ^ (bignum_is_neg(big) ? 0x9e3779b97f4a7c15ull : 0x2545f4914f6cdd1dull);
    const mp_limb_t *d = bignum_limbs(big);
    for (size_t k = 0, n = bignum_nlimbs(big); k < n; k++) {
        h ^= d[k];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
    }
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* ---- addition and subtraction ------------------------------------------- */

/* a + (bneg ? -|b| : |b|) where a's sign is a->neg. */
static Term add_signed(Process *p, const Mag *a, const Mag *b, bool bneg)
{
    const Mag *x = a, *y = b;
    bool xneg = a->neg, yneg = bneg;
    if (mag_cmp(x, y) < 0) {
        x = b; y = a;
        xneg = bneg; yneg = a->neg;
    }
    /* now |x| >= |y| */
    if (y->n == 0) return bignum_make(p, x->d, x->n, xneg);
    Scratch s;
    mp_limb_t *r = scratch_get(&s, x->n + 1);
    size_t rn;
    if (xneg == yneg) {
        r[x->n] = mpn_add(r, x->d, (mp_size_t)x->n, y->d, (mp_size_t)y->n);
        rn = x->n + 1;
    } else {
        mpn_sub(r, x->d, (mp_size_t)x->n, y->d, (mp_size_t)y->n);
        rn = x->n;
    }
    Term t = bignum_make(p, r, rn, xneg);
    scratch_free(&s);
    return t;
}

Term bignum_add(Process *p, Term a, Term b)
{
    Mag ma, mb;
    mag_of(a, &ma);
    mag_of(b, &mb);
    return add_signed(p, &ma, &mb, mb.neg);
}

Term bignum_sub(Process *p, Term a, Term b)
{
    Mag ma, mb;
    mag_of(a, &ma);
    mag_of(b, &mb);
    return add_signed(p, &ma, &mb, !mb.neg);
}

Term bignum_neg(Process *p, Term a)
{
    Mag m;
    mag_of(a, &m);
    return bignum_make(p, m.d, m.n, !m.neg);
}

Term bignum_abs(Process *p, Term a)
{
    if (is_small(a) ? small_val(a) >= 0 : !bignum_is_neg(a)) return a;
    return bignum_neg(p, a);
}

/* ---- multiplication ------------------------------------------------------ */

Term bignum_mul(Process *p, Term a, Term b)
{
    Mag ma, mb;
    mag_of(a, &ma);
    mag_of(b, &mb);
    if (ma.n == 0 || mb.n == 0) return make_small(0);
    const Mag *x = &ma, *y = &mb;
    if (x->n < y->n) { x = &mb; y = &ma; }
    if (x->n + y->n - 1 > BIGNUM_MAX_LIMBS) return raise_limit(p);
    Scratch s;
    size_t rn = x->n + y->n;
    mp_limb_t *r = scratch_get(&s, rn);
    if (y->n == 1)
        r[x->n] = mpn_mul_1(r, x->d, (mp_size_t)x->n, y->d[0]);
    else
        mpn_mul(r, x->d, (mp_size_t)x->n, y->d, (mp_size_t)y->n);
    Term t = bignum_make(p, r, rn, ma.neg != mb.neg);
    scratch_free(&s);
    return t;
}

/* ---- division ------------------------------------------------------------ */

bool bignum_divrem(Process *p, Term a, Term b, Term *q, Term *r)
{
    Mag ma, mb;
    mag_of(a, &ma);
    mag_of(b, &mb);
    if (mb.n == 0) { native_raise(p, ATOM_error, ATOM_badarith); return false; }
    if (mag_cmp(&ma, &mb) < 0) {
        if (q) *q = make_small(0);
        if (r) *r = a;
        return true;
    }
    size_t qn = ma.n - mb.n + 1;
    Scratch sq, sr;
    mp_limb_t *qd = scratch_get(&sq, qn);
    mp_limb_t *rd = scratch_get(&sr, mb.n);
    mpn_tdiv_qr(qd, rd, 0, ma.d, (mp_size_t)ma.n, mb.d, (mp_size_t)mb.n);
    if (q) *q = bignum_make(p, qd, qn, ma.neg != mb.neg);
    if (r) *r = bignum_make(p, rd, mb.n, ma.neg);
    scratch_free(&sq);
    scratch_free(&sr);
    return true;
}

static int sign_of(Term t)
{
    if (is_small(t)) return (small_val(t) > 0) - (small_val(t) < 0);
    return bignum_is_neg(t) ? -1 : 1;
}

bool bignum_floor_divmod(Process *p, Term a, Term b, Term *q, Term *r)
{
    Term tq, tr;
    if (!bignum_divrem(p, a, b, &tq, &tr)) return false;
    if (sign_of(tr) != 0 && sign_of(tr) != sign_of(b)) {
        tq = bignum_sub(p, tq, make_small(1));
        tr = bignum_add(p, tr, b);
    }
    if (q) *q = tq;
    if (r) *r = tr;
    return true;
}

/* ---- pow and gcd (mpz on temporary memory, see the top) --------------------- */

/* Copies a temporary mpz to the heap and clears it. */
static Term from_mpz(Process *p, mpz_t z)
{
    size_t n = mpz_size(z);
    Term t = n > BIGNUM_MAX_LIMBS ? raise_limit(p)
                                  : bignum_make(p, mpz_limbs_read(z), n, mpz_sgn(z) < 0);
    mpz_clear(z);
    return t;
}

/* A read-only mpz over an integer's limbs (no allocation). */
static mpz_srcptr mpz_view(mpz_t tmp, Mag *m, Term t)
{
    mag_of(t, m);
    mp_size_t n = (mp_size_t)m->n;
    return mpz_roinit_n(tmp, m->d, m->neg ? -n : n);
}

Term bignum_pow(Process *p, Term base, uint64_t exp)
{
    if (exp == 0) return make_small(1);
    Mag m;
    mpz_t bv;
    mpz_srcptr b = mpz_view(bv, &m, base);
    if (m.n == 0) return make_small(0);
    if (m.n == 1 && m.d[0] == 1) return make_small(m.neg && (exp & 1) ? -1 : 1);
    /* |base| >= 2, so the result has at least floor(log2|base|) * exp bits. */
    uint64_t lowbits = (uint64_t)mpz_sizeinbase(b, 2) - 1;
    if (exp > (uint64_t)BIGNUM_MAX_LIMBS * 64 || lowbits * exp > (uint64_t)BIGNUM_MAX_LIMBS * 64)
        return raise_limit(p);
    mpz_t r;
    mpz_init(r);
    mpz_pow_ui(r, b, (unsigned long)exp);
    return from_mpz(p, r);
}

Term bignum_gcd(Process *p, Term a, Term b)
{
    if (is_small(a) && is_small(b)) {
        uint64_t x = (uint64_t)(small_val(a) < 0 ? -small_val(a) : small_val(a));
        uint64_t y = (uint64_t)(small_val(b) < 0 ? -small_val(b) : small_val(b));
        while (y) { uint64_t t = x % y; x = y; y = t; }
        return bignum_from_uint64(p, x);
    }
    Mag ma, mb;
    mpz_t va, vb, r;
    mpz_srcptr za = mpz_view(va, &ma, a), zb = mpz_view(vb, &mb, b);
    mpz_init(r);
    mpz_gcd(r, za, zb);
    return from_mpz(p, r);
}

/* ---- bitwise ----------------------------------------------------------------- */

typedef void (*MpzLogic)(mpz_ptr, mpz_srcptr, mpz_srcptr);

/* mpz's logical functions already work on infinite two's complement. */
static Term logic(Process *p, Term a, Term b, MpzLogic fn)
{
    if (is_small(a) && is_small(b)) {
        SInt x = small_val(a), y = small_val(b);
        if (fn == mpz_and) return make_small(x & y);
        if (fn == mpz_ior) return make_small(x | y);
        return make_small(x ^ y);
    }
    Mag ma, mb;
    mpz_t va, vb, r;
    mpz_srcptr za = mpz_view(va, &ma, a), zb = mpz_view(vb, &mb, b);
    mpz_init(r);
    fn(r, za, zb);
    return from_mpz(p, r);
}

Term bignum_band(Process *p, Term a, Term b) { return logic(p, a, b, mpz_and); }
Term bignum_bor(Process *p, Term a, Term b) { return logic(p, a, b, mpz_ior); }
Term bignum_bxor(Process *p, Term a, Term b) { return logic(p, a, b, mpz_xor); }

Term bignum_bnot(Process *p, Term a)
{
    /* bnot(a) = -a - 1 */
    if (is_small(a)) return make_small(~small_val(a));
    return bignum_sub(p, bignum_neg(p, a), make_small(1));
}

Term bignum_shift(Process *p, Term a, int64_t shift)
{
    Mag m;
    mpz_t v, r;
    mpz_srcptr z = mpz_view(v, &m, a);
    if (m.n == 0) return make_small(0);
    if (shift > 0 && (uint64_t)shift > (uint64_t)BIGNUM_MAX_LIMBS * 64) return raise_limit(p);
    if (shift < 0 && (uint64_t)-(shift + 1) >= (uint64_t)m.n * 64) /* every bit shifted out */
        return make_small(m.neg ? -1 : 0);
    mpz_init(r);
    if (shift >= 0) mpz_mul_2exp(r, z, (mp_bitcnt_t)shift);
    else mpz_fdiv_q_2exp(r, z, (mp_bitcnt_t)-shift);
    return from_mpz(p, r);
}

/* ---- text ------------------------------------------------------------------ */

static const char DIGITS[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* Digits of an n-limb magnitude in `base`, plus slack for mpn_get_str. */
static size_t digits_bound(size_t n, int base)
{
    return (size_t)((double)n * 64.0 / log2((double)base)) + 2;
}

size_t bignum_cstr_size(Term i, int base)
{
    Mag m;
    mag_of(i, &m);
    return digits_bound(m.n ? m.n : 1, base) + 1;
}

size_t bignum_to_cstr(Term i, int base, char *buf, size_t cap)
{
    Mag m;
    mag_of(i, &m);
    char local[160];
    char *out = local;
    size_t len = 0;
    if (m.n <= 1) {
        /* one limb: plain C, most significant digit first after reversal */
        char rev[66];
        size_t k = 0;
        mp_limb_t v = m.n ? m.d[0] : 0;
        do { rev[k++] = DIGITS[v % (unsigned)base]; v /= (unsigned)base; } while (v);
        if (m.neg) out[len++] = '-';
        while (k) out[len++] = rev[--k];
    } else {
        size_t bound = digits_bound(m.n, base) + 2;
        if (bound > sizeof local) {
            out = malloc(bound);
            if (!out) { fprintf(stderr, "act: out of memory\n"); abort(); }
        }
        Scratch s;
        mp_limb_t *tmp = scratch_get(&s, m.n + 1);
        memcpy(tmp, m.d, m.n * sizeof(mp_limb_t));
        unsigned char *raw = (unsigned char *)out + 1;
        size_t nd = mpn_get_str(raw, base, tmp, (mp_size_t)m.n);
        scratch_free(&s);
        size_t z = 0;
        while (z + 1 < nd && raw[z] == 0) z++;
        if (m.neg) out[len++] = '-';
        for (size_t k = z; k < nd; k++) out[len++] = DIGITS[raw[k]];
    }
    if (len < cap) {
        memcpy(buf, out, len);
        buf[len] = '\0';
    }
    if (out != local) free(out);
    return len;
}

Term bignum_to_string(Process *p, Term i, int base)
{
    size_t cap = bignum_cstr_size(i, base) + 1;
    char local[160];
    char *buf = cap <= sizeof local ? local : malloc(cap);
    if (!buf) { fprintf(stderr, "act: out of memory\n"); abort(); }
    size_t len = bignum_to_cstr(i, base, buf, cap);
    Term t = make_binary(p, buf, len);
    if (buf != local) free(buf);
    return t;
}

static int digit_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

Term bignum_parse_prefix(Process *p, const char *s, size_t len, int base, size_t *used)
{
    size_t k = 0;
    bool neg = false;
    *used = 0;
    if (k < len && (s[k] == '+' || s[k] == '-')) neg = s[k++] == '-';
    size_t start = k;
    while (k < len && digit_value((unsigned char)s[k]) < base) k++;
    if (k == start) return T_NONE;
    *used = k;
    while (start + 1 < k && s[start] == '0') start++; /* leading zeros */
    size_t nd = k - start;
    if (nd <= 18 && base <= 10) {
        /* fits an int64 without overflow: 10^18 < 2^63 */
        int64_t v = 0;
        for (size_t j = start; j < k; j++) v = v * base + digit_value((unsigned char)s[j]);
        return make_small(neg ? -v : v);
    }
    /* a leading digit >= 1 gives at least (nd - 1) * floor(log2 base) bits */
    unsigned lg = 0;
    while ((2u << lg) <= (unsigned)base) lg++;
    if ((nd - 1) * lg > BIGNUM_MAX_LIMBS * 64) return raise_limit(p);
    unsigned char local[256];
    unsigned char *raw = nd <= sizeof local ? local : malloc(nd);
    if (!raw) { fprintf(stderr, "act: out of memory\n"); abort(); }
    for (size_t j = 0; j < nd; j++) raw[j] = (unsigned char)digit_value((unsigned char)s[start + j]);
    Scratch sc;
    mp_limb_t *r = scratch_get(&sc, (size_t)((double)nd * log2((double)base) / 64.0) + 2);
    size_t rn = mpn_set_str(r, raw, nd, base);
    if (raw != local) free(raw);
    Term t = bignum_make(p, r, rn, neg);
    scratch_free(&sc);
    return t;
}

Term bignum_from_string(Process *p, const char *s, size_t len, int base)
{
    size_t used;
    Term t = bignum_parse_prefix(p, s, len, base, &used);
    if (t == T_NONE || used != len) return T_NONE;
    return t;
}
