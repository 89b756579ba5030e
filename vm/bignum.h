/* bignum.h — arbitrary-precision integers on GMP's mpn layer.
 *
 * A bignum is a boxed object (term.h): header BOX_BIG_POS or BOX_BIG_NEG with
 * arity n, followed by n limbs (mp_limb_t, 64-bit), least significant first.
 * The magnitude is the limbs; the sign is the header type.
 *
 * Invariants (every function here that returns an integer keeps them):
 *  - canonical: the most significant limb is non-zero, and the value is never
 *    in small range [SMALL_MIN, SMALL_MAX]. Results that fit are smalls. So
 *    equal integers are structurally equal (=== is a word or limb compare).
 *  - limbs live on the process heap (heap_alloc) or in a literal area, and are
 *    never written after the bignum is built.
 *  - at most BIGNUM_MAX_LIMBS limbs (the BEAM's limit, 2^19 - 1 words): larger
 *    results fail with error:system_limit instead of exhausting memory.
 *
 * Functions taking "integers" accept smalls and bignums alike. Functions that
 * can fail (only by exceeding BIGNUM_MAX_LIMBS, or by a zero divisor where
 * documented) return T_NONE after native_raise; the others never fail.
 */
#ifndef ACT_BIGNUM_H
#define ACT_BIGNUM_H
#include <gmp.h>
#include "term.h"
#include "process.h"

_Static_assert(sizeof(mp_limb_t) == sizeof(Term), "Act needs 64-bit GMP limbs");

#define BIGNUM_MAX_LIMBS (((size_t)1 << 19) - 1)

static inline size_t bignum_nlimbs(Term big) { return header_arity(box_header(big)); }
static inline const mp_limb_t *bignum_limbs(Term big) { return (const mp_limb_t *)(boxed_ptr(big) + 1); }
static inline bool bignum_is_neg(Term big) { return box_type(big) == BOX_BIG_NEG; }

/* ---- construction and conversion ------------------------------------- */

/* An integer (small or bignum) with magnitude limbs[0..n) and sign `neg`.
 * Leading zero limbs are allowed in the input; the result is canonical.
 * T_NONE after raising system_limit if n (trimmed) exceeds BIGNUM_MAX_LIMBS. */
Term bignum_make(Process *p, const mp_limb_t *limbs, size_t n, bool neg);
Term bignum_from_int64(Process *p, int64_t v);
Term bignum_from_uint64(Process *p, uint64_t v);
/* The integer part of a finite double (truncation toward zero). */
Term bignum_from_double(Process *p, double d);

/* Integer term to C integers: false if out of range (*out untouched). */
bool bignum_to_int64(Term i, int64_t *out);
bool bignum_to_uint64(Term i, uint64_t *out);
/* Integer term to double, rounded to nearest (ties to even) as the BEAM's
 * float/1. False if the magnitude overflows a double (callers raise
 * badarith). */
bool bignum_to_double(Term i, double *out);

/* ---- comparison and hashing ------------------------------------------- */

/* -1, 0 or 1: integer a compared with integer b. */
int bignum_compare(Term a, Term b);
/* -1, 0 or 1: integer a compared exactly with finite double d (no lossy
 * conversion: 2**53 + 1 > 9007199254740992.0). */
int bignum_compare_double(Term a, double d);
/* A hash of a bignum's sign and limbs, mixed with `seed`. */
uint64_t bignum_hash(Term big, uint64_t seed);

/* ---- arithmetic (integers in, canonical integer out) ------------------ */

Term bignum_add(Process *p, Term a, Term b);
Term bignum_sub(Process *p, Term a, Term b);
Term bignum_mul(Process *p, Term a, Term b);
Term bignum_neg(Process *p, Term a);
Term bignum_abs(Process *p, Term a);
/* Truncating division (Erlang div/rem): q = trunc(a / b), r = a - q*b, so r
 * has the sign of a. b must not be 0 (the caller checks). Either output
 * pointer may be NULL. Returns false only after raising (cannot happen for
 * valid input, kept for symmetry with allocation limits). */
bool bignum_divrem(Process *p, Term a, Term b, Term *q, Term *r);
/* Flooring division (Integer.floor_div/mod): r has the sign of b. b != 0. */
bool bignum_floor_divmod(Process *p, Term a, Term b, Term *q, Term *r);
/* base ** exp for exp >= 0, exact. T_NONE after system_limit if too large. */
Term bignum_pow(Process *p, Term base, uint64_t exp);
/* Non-negative greatest common divisor; gcd(0, 0) = 0. */
Term bignum_gcd(Process *p, Term a, Term b);

/* ---- bitwise (two's complement of unbounded width, as Erlang's) -------- */

Term bignum_band(Process *p, Term a, Term b);
Term bignum_bor(Process *p, Term a, Term b);
Term bignum_bxor(Process *p, Term a, Term b);
Term bignum_bnot(Process *p, Term a);
/* a * 2^shift for shift >= 0, floor(a / 2^-shift) for shift < 0. T_NONE
 * after system_limit if the result is too large. */
Term bignum_shift(Process *p, Term a, int64_t shift);

/* ---- text ------------------------------------------------------------- */

/* Upper bound on the characters (sign included, NUL excluded) of an integer
 * in base 2..36. */
size_t bignum_cstr_size(Term i, int base);
/* Writes integer i in base 2..36 (digits 0-9A-Z, leading '-' if negative)
 * into buf, NUL-terminated when it fits. Returns the length the text needs
 * (NUL excluded), like snprintf: if that is >= cap, buf holds nothing useful
 * and the caller retries with a larger buffer. */
size_t bignum_to_cstr(Term i, int base, char *buf, size_t cap);
/* The same text as a binary on the process heap. */
Term bignum_to_string(Process *p, Term i, int base);

/* Parses the longest prefix of s[0..len) of the form [+-]digits in base
 * 2..36 (digits case-insensitive, no '_', no "0x" prefixes). *used receives
 * the number of bytes consumed, 0 if there is no digit (then T_NONE is
 * returned without raising). Returns T_NONE after system_limit if the number
 * is too large. */
Term bignum_parse_prefix(Process *p, const char *s, size_t len, int base, size_t *used);
/* The whole of s[0..len) as [+-]digits in base 2..36; T_NONE without an
 * exception if it is not exactly that, T_NONE after system_limit if it is
 * too large. */
Term bignum_from_string(Process *p, const char *s, size_t len, int base);

#endif
