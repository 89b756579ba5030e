/* heap.h — allocation on a process heap, and term constructors.
 *
 * Invariants:
 *  - heap_alloc never moves or frees an existing term. When the heap block is
 *    full it allocates a heap fragment instead and sets p->gc_wanted. So a C
 *    native may allocate freely while holding raw Terms in locals.
 *  - The GC runs only at safe points of the interpreter (gc_collect in gc.c),
 *    where every live term is reachable from the roots: the process's register
 *    stack stack[0..stack_top), its dictionary, its exception state, and any
 *    extra roots the caller passes.
 *  - Objects in literal areas (module constants) are never copied or freed by
 *    a process GC: the GC copies exactly the objects that lie in the heap
 *    block or a fragment (its "from-space").
 *  - Every REFCBIN on a heap or fragment is on the process's off-heap list, so
 *    the GC can drop the reference of each one that died.
 */
#ifndef ACT_HEAP_H
#define ACT_HEAP_H
#include "term.h"
#include "process.h"

/* Allocate `words` words. Never fails for sane sizes (aborts only if malloc
 * fails, after printing a clear message). */
Term *heap_alloc(Process *p, size_t words);
/* True when the interpreter should collect at its next safe point. */
static inline bool heap_gc_wanted(const Process *p) { return p->gc_wanted; }

/* Set up and tear down a process heap. */
void heap_init(Process *p, size_t words);
void heap_free(Process *p);

/* ---- constructors (all allocate with heap_alloc) ---------------------- */
Term make_tuple(Process *p, size_t n, const Term *elems); /* elems may be NULL: zero-filled with T_NIL */
Term make_tuple2(Process *p, Term a, Term b);
Term make_tuple3(Process *p, Term a, Term b, Term c);
Term make_float(Process *p, double d);
Term make_cons_cell(Process *p, Term head, Term tail);
/* A binary with a copy of `len` bytes (HEAPBIN if small, else REFCBIN). */
Term make_binary(Process *p, const void *bytes, size_t len);
Term make_cstring(Process *p, const char *s); /* binary from a C string */
/* A binary of `len` uninitialised bytes; *out points at them. */
Term make_binary_uninit(Process *p, size_t len, uint8_t **out);
/* An integer from a C integer: small or bignum. */
Term make_int(Process *p, int64_t v);
Term make_uint(Process *p, uint64_t v);
/* A list of n terms. */
Term make_list(Process *p, size_t n, const Term *elems);
Term make_ref(Process *p);
/* A fresh reference id (unique for the VM's life), and the reference term
 * with a given id (monitors keep ids, not terms). */
uint64_t heap_new_ref_id(void);
Term make_ref_id(Process *p, uint64_t id);

/* Bytes of any binary term (HEAPBIN, REFCBIN, SUBBIN). */
const uint8_t *binary_bytes(Term bin, size_t *len);

/* Byte threshold above which binaries live off-heap, reference-counted. */
#define HEAPBIN_MAX 64

/* Off-heap binary blob. refc is atomic: a blob is shared by every heap that
 * holds a REFCBIN for it (after messages, several processes). The last
 * decrement (acq_rel) frees it.
 * Appending in place (binary_concat, like the BEAM's writable binaries): a
 * REFCBIN handle sees only bytes [0, its own size). `used` is the end of the
 * longest handle; bytes [used, size) are spare capacity. binary_concat may
 * write past `used` (and make a longer handle) only when its left operand is
 * a handle of exactly `used` bytes and `writer` is the calling process, so
 * no existing handle ever sees its bytes change. `used` is touched only by
 * the writer's thread. Whoever makes a blob visible to another process
 * (gc_copy_term, for messages) sets writer = NULL first.
 * (used and writer were added to the first draft of this contract.) */
typedef struct Binary {
    _Atomic long refc;
    size_t size;            /* capacity of data[] */
    size_t used;            /* bytes written; <= size */
    /* The only process that may append, or NULL. Atomic (relaxed) only so
     * that clearing it while other processes copy the same blob is not a
     * data race; it orders nothing. */
    struct Process *_Atomic writer;
    /* NULL for a binary; for a resource blob (vm/resource.h), run on data[]
     * by the last binary_decref just before the blob is freed. */
    void (*destroy)(struct Binary *b);
    uint8_t data[];
} Binary;
void binary_incref(Binary *b);
void binary_decref(Binary *b);

#endif
