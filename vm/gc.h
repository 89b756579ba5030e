/* gc.h — the copying collector, and the heap internals that heap.c, gc.c and
 * binary.c share.
 *
 * The collector (gc.c) is a Cheney copying collector over one process heap:
 *  - from-space is the heap block [heap, htop) plus every fragment's
 *    [data, data + used); everything else a pointer may point at (module
 *    literal areas, C statics) is left alone.
 *  - roots: stack[0..stack_top), dict, exc_class, exc_reason, exc_trace,
 *    exit_reason and
 *    the caller's extra roots, which are updated in place.
 *  - forwarding: a copied boxed object's header is replaced by a boxed
 *    pointer to its copy (a header word is never boxed-tagged); a copied cons
 *    cell gets T_NONE in its head and the copy in its tail. No live cons cell
 *    has T_NONE as its head: T_NONE is never a value (term.h) and
 *    make_cons_cell refuses it.
 *  - every REFCBIN on the old off-heap list that was not copied is dead and
 *    loses its reference (binary_decref).
 *  - the collector never recurses on the C stack; its cost is proportional to
 *    the live data (plus the number of REFCBINs on the old off-heap list).
 *
 * Heap sizing: heap sizes follow a Fibonacci-like series (233, 377, 610, ...
 * like the BEAM's) up to ~4M words, then grow by 20% per step. After a
 * collection with L live words and a request for `need` more:
 *  - grow when L + need > 3/4 of the heap: to the smallest size holding
 *    (L + need) at <= 75% occupancy;
 *  - shrink when L + need < 1/4 of a heap bigger than the minimum: to the
 *    smallest size holding (L + need) at <= 50% occupancy;
 *  - otherwise keep the size.
 * Binary budget: off-heap blobs are only freed by a collection, so creating
 * them spends p->bin_budget (binary.h) and asks for a collection when it is
 * spent; a collection resets it to the bytes of the surviving REFCBINs (at
 * least BIN_BUDGET_MIN). Binary garbage thus stays within about twice the
 * live binary data, whatever the heap size.
 */
#ifndef ACT_GC_H
#define ACT_GC_H
#include "term.h"
#include "process.h"

/* Collect p's heap. On return every live term (reachable from the roots)
 * is in one contiguous block, fragments are gone, gc_wanted is false,
 * gc_count was incremented and p->htop + need <= p->hend.
 * Exception, in ACT_GC_STRESS builds only: when no collection is needed (no
 * fragments, room for need, binary budget left) and either nothing was
 * allocated since the last collection or the allocation since then is small
 * next to the live data and stack, gc_collect returns without collecting
 * (gc_count unchanged, the heap untouched). See the cost bound in gc.c.
 * extra_roots[0..nextra) are roots too, updated in place. Call only at a safe
 * point: no C local may hold a heap term other than through a root. */
/* True when a GC-stress build would skip this collection under its
 * bounded-cost policy (gc.c, "GC-stress cost bound"); always false in other
 * builds. Callers whose root set is costly to prepare (the interpreter walks
 * its frames) ask first. */
bool gc_stress_skip(const Process *p, size_t need);
void gc_collect(Process *p, size_t need, Term *extra_roots, size_t nextra);

/* A copy of t on `to`'s heap, for messages and spawn arguments: every
 * object t reaches is copied (from any heap or literal area), so the copy
 * shares nothing with t's heap but off-heap blobs, whose REFCBINs gain a
 * reference and lose their writer (no more appends in place: the blob is now
 * visible to two processes). Shared subterms are copied once per path, as on
 * the BEAM. Allocates with heap_alloc (never collects): the caller must own
 * `to`, and t must not change meanwhile. No C recursion. */
Term gc_copy_term(Process *to, Term t);
/* The words gc_copy_term(_, t) allocates. */
size_t gc_copy_size(Term t);
/* gc_copy_term when the caller already knows words == gc_copy_size(t), so
 * the term is walked once less (added for mailbox.c, which sizes a message's
 * fragment first). */
Term gc_copy_term_sized(Process *to, Term t, size_t words);
/* The same copy into a raw block of exactly `words` words (a message
 * fragment): its REFCBINs are pushed on *off_heap. */
Term gc_copy_to_block(Term t, Term *block, size_t words, Term **off_heap);

/* Words in use on p's heap: heap block + fragments. */
size_t gc_heap_used(const Process *p);

/* Check the heap's structure: walks [heap, htop) and every fragment (which
 * must be parseable: every allocated word initialised, as right after
 * gc_collect) and the roots. Every pointer must point at a well-formed
 * object inside the heap block or a fragment, or outside the process's heap
 * memory entirely (a literal area); no pointer may point into the free part
 * [htop, hend) or at a forwarded object; every REFCBIN must be on the
 * off-heap list. Prints up to 10 problems to stderr and returns their count
 * (0: heap is sound). In ACT_GC_STRESS builds, gc_collect runs it after each
 * collection and aborts on a problem. */
size_t gc_verify_heap(Process *p);

/* The heap size (in words) of the series that is >= words. */
size_t gc_heap_size_for(size_t words);
#define GC_MIN_HEAP 233
/* The smallest heap (heap_init with 0 < words <= 34): 34, 55, 89, 144
 * lead up to GC_MIN_HEAP. */
#define GC_TINY_HEAP 34

/* Tests only: when set, every collection moves the heap to a new block in its
 * resize step, exercising the pointer-relocation path. */
extern bool gc_force_move_for_test;

/* ---- heap internals (heap.c) ------------------------------------------- */
/* Print "act: out of memory" with the request and abort. Out of memory is
 * fatal for the whole VM, as on the BEAM. */
_Noreturn void heap_out_of_memory(const char *what, size_t bytes);
/* Free every fragment of p (frags = NULL, frag_words = 0). */
void heap_free_frags(Process *p);
/* malloc that aborts via heap_out_of_memory. */
void *heap_xmalloc(const char *what, size_t bytes);
/* Heap blocks: the heap block of every process comes from here (a block
 * carries its capacity, which may exceed the process's heap_words).
 * heap_block_new returns a block of capacity >= min, preferably about pref
 * (maybe a reused one, up to 4 * pref); heap_block_free gives one back (NULL
 * is fine); heap_block_resize is realloc (NULL when it fails; the block is
 * then unchanged). heap_release_spare frees the calling thread's cached spare
 * block: call it when a scheduler thread exits. */
#define HEAP_SPARE_MIN ((size_t)32 * 1024) /* words: smaller blocks are never cached */
Term *heap_block_new(size_t min, size_t pref);
void heap_block_free(Term *block);
Term *heap_block_resize(Term *block, size_t words);
size_t heap_block_cap(const Term *block);
void heap_release_spare(void);

#endif
