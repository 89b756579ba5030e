/* termops.h — term order, equality and hashing over every kind of term.
 *
 * Two orders exist, as on the BEAM:
 *  - term order (`<`, `==`, sorting): number < atom < reference < fun < pid
 *    < tuple < map < list < binary. Numbers compare by value, so 1 == 1.0;
 *    -0.0 == 0.0 (OTP 25, the oracle's release). Atoms compare by their text
 *    bytewise, tuples by size then elements, lists and binaries
 *    lexicographically ([] is the least list), maps by size, then their keys
 *    in map key order (compared exactly), then their values in that key
 *    order (compared in the caller's mode).
 *  - exact order (map key order, `===`, matching): the same, except that
 *    every integer is less than every float (%{1 => _, 2 => _, 1.0 => _}),
 *    at any depth, so 1 and 1.0 are distinct.
 *
 * Invariants:
 *  - term_compare(a, b) == 0  <=>  term_eq(a, b)
 *    term_compare_exact(a, b) == 0  <=>  term_eqx(a, b)
 *  - term_eqx(a, b) implies term_hash(a) == term_hash(b). The hash is stable
 *    for the life of the VM (atoms hash by index), not across runs.
 *  - None of these recurse on the C stack with the depth of a term or the
 *    length of a list: compound terms are walked with a work stack on the C
 *    heap. (The one nesting is term_compare of two maps of more than 32 keys,
 *    which sorts their keys; a key that is itself such a map nests once more.)
 *    They never allocate on a process heap and never raise.
 */
#ifndef ACT_TERMOPS_H
#define ACT_TERMOPS_H
#include "term.h"

/* -1, 0 or 1 in term order (`<`, `==`, sort). */
int term_compare(Term a, Term b);
/* -1, 0 or 1 in exact order (map key order; 0 iff ===). */
int term_compare_exact(Term a, Term b);
/* `==`: 1 == 1.0 holds. */
bool term_eq(Term a, Term b);
/* `===` and pattern matching: 1 and 1.0 differ. */
bool term_eqx(Term a, Term b);
/* A 64-bit hash consistent with term_eqx. */
uint64_t term_hash(Term t);

/* Rank of a term's kind in term order (0 = number ... 8 = binary). */
int term_kind_rank(Term t);

/* Stable sort of n records of `width` words each, laid out contiguously in
 * recs, by their first word, in term order (exact = false) or exact order.
 * Iterative merge sort: O(n log n), no C recursion; uses a C-heap buffer. */
void term_sort_records(Term *recs, size_t n, size_t width, bool exact);
#endif
