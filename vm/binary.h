/* binary.h — binaries: off-heap blobs, sub-binaries, concatenation.
 *
 * A binary term is one of three boxed objects (layouts in term.h):
 *  - HEAPBIN: up to HEAPBIN_MAX bytes stored on the process heap;
 *  - REFCBIN: a handle to an off-heap, reference-counted Binary blob (heap.h).
 *    Each REFCBIN object holds one reference; it is on its process's off-heap
 *    list so that the GC drops the reference when the handle dies;
 *  - SUBBIN: a slice [offset, offset + size) of an original HEAPBIN or
 *    REFCBIN. A SUBBIN never points at another SUBBIN (binary_sub resolves
 *    to the original), so binary_bytes needs no loop.
 * Binary contents are immutable once the constructor returns.
 *
 * Functions that take "a binary" raise badarg (return T_NONE after
 * native_raise) when given something else, unless stated.
 */
#ifndef ACT_BINARY_H
#define ACT_BINARY_H
#include "heap.h"

/* ---- off-heap blobs ---- */
/* A new blob of `size` uninitialised bytes (used = size, no writer) with
 * refc 1. */
Binary *binary_blob_new(size_t size);
/* A REFCBIN on p's heap for a new blob of capacity cap >= len whose first
 * len bytes (*out) the caller fills; p is its writer. Charges cap bytes to
 * p's binary budget (asking for a GC when it runs out). */
Term binary_new_refc(Process *p, size_t len, size_t cap, uint8_t **out);
/* Initial binary budget of a heap; after a GC the budget is the bytes of the
 * REFCBINs that survived, but at least this. */
#define BIN_BUDGET_MIN ((size_t)256 * 1024)
/* Blobs currently alive in the whole VM (for tests and leak checks). */
long binary_blob_count(void);

/* ---- building and slicing ---- */
/* The concatenation of bins[0..n). T_NONE + badarg if one is not a binary.
 * bins may point into registers (they do not move). When bins[0] is the
 * longest handle of a blob p may append to (heap.h), the other bytes are
 * appended in place if they fit, and otherwise the result gets spare
 * capacity (2x), so building a binary by repeated appends is linear. */
Term binary_concat(Process *p, size_t n, const Term *bins);
/* bytes [off, off + len) of bin. The caller checks the range (returns T_NONE
 * + badarg if out of range or bin is not a binary). Short slices (<= 2 words
 * of overhead would not pay) are copied into a HEAPBIN; longer ones become a
 * SUBBIN of the original. */
Term binary_sub(Process *p, Term bin, size_t off, size_t len);
/* The list of the bytes of bin (:erlang.binary_to_list). */
Term binary_to_list(Process *p, Term bin);
/* The binary of a list of bytes 0..255 (:erlang.list_to_binary without
 * nesting). T_NONE + badarg otherwise. */
Term binary_from_byte_list(Process *p, Term list);
/* Byte size of a binary, or -1 if t is not one. */
static inline long binary_size(Term t) {
    if (!is_binary(t)) return -1;
    return (long)boxed_ptr(t)[1];
}

#endif
