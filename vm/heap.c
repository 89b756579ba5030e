/* heap.c — bump allocation on a process heap, heap fragments, and the term
 * constructors (contract: heap.h; collector: gc.c).
 *
 * Data structure and invariants:
 *  - The heap block is one array of at least heap_words words (see "heap
 *    blocks" below): heap <= htop <= hend == heap + heap_words.
 *    [heap, htop) holds objects, laid out back to back (a header word and its
 *    payload, or a cons cell's two words); [htop, hend) is free.
 *  - When a request does not fit in the block, it is served from a heap
 *    fragment (HeapFrag, process.h). Fragments form a list, newest first;
 *    only the newest one is allocated from, so the others are never touched
 *    again until the collector frees them. Each allocation of a fragment sets
 *    gc_wanted. Existing objects never move: the collector alone moves them,
 *    at a safe point.
 *  - Fragment sizes grow geometrically with the words already in fragments
 *    (at least FRAG_MIN words, at least the request), so a native that
 *    allocates a lot between two safe points makes O(log n) fragments.
 *  - frag_words is the sum of the fragments' sizes (not of their use).
 *  - Binaries above HEAPBIN_MAX bytes are REFCBINs, built by binary.c
 *    (binary_new_refc), which pushes each on p->off_heap (term.h layout: word
 *    [2] of the payload links to the next REFCBIN's header, or NULL) and
 *    charges its blob to p->bin_budget.
 *
 * Out of memory (malloc failing, or a request so large that its byte size
 * overflows) is fatal for the VM: heap_out_of_memory prints what was asked
 * for and aborts, as the BEAM does.
 */
#include "heap.h"
#include "gc.h"
#include "binary.h"
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define FRAG_MIN 1024 /* words: 8 KB */

_Noreturn void heap_out_of_memory(const char *what, size_t bytes) {
    fprintf(stderr, "act: out of memory: could not allocate %zu bytes for %s\n", bytes, what);
    abort();
}

void *heap_xmalloc(const char *what, size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) heap_out_of_memory(what, bytes);
    return p;
}

/* Words * sizeof(Term) + extra, aborting on overflow. */
static size_t words_to_bytes(const char *what, size_t words, size_t extra) {
    if (words > (SIZE_MAX - extra) / sizeof(Term)) heap_out_of_memory(what, SIZE_MAX);
    return words * sizeof(Term) + extra;
}

/* ---- heap blocks -------------------------------------------------------
 * A heap block is malloc'd with one hidden word in front holding its
 * capacity in words. A process uses the first heap_words of it; the rest is
 * slack, never touched by the mutator, that lets a later collection reuse the
 * block as to-space. One spare block per thread (the most recently freed big
 * one) is kept for reuse: a big heap then alternates between two blocks, as a
 * classic semispace collector does, instead of mapping and zeroing fresh
 * memory at every collection. */

static _Thread_local Term *spare; /* a free block (capacity >= HEAP_SPARE_MIN) or NULL */

size_t heap_block_cap(const Term *b) { return (size_t)b[-1]; }

Term *heap_block_new(size_t min, size_t pref) {
    if (pref < min) pref = min;
    if (spare && heap_block_cap(spare) >= min && heap_block_cap(spare) / 4 <= pref) {
        Term *b = spare;
        spare = NULL;
        return b;
    }
    Term *b = heap_xmalloc("process heap", words_to_bytes("process heap", pref, sizeof(Term)));
    b[0] = (Term)pref;
    return b + 1;
}

void heap_block_free(Term *b) {
    if (!b) return;
    if (heap_block_cap(b) >= HEAP_SPARE_MIN) {
        Term *old = spare;
        spare = b;
        b = old;
        if (!b) return;
    }
    free(b - 1);
}

Term *heap_block_resize(Term *b, size_t words) {
    Term *r = realloc(b - 1, words_to_bytes("process heap", words, sizeof(Term)));
    if (!r) return NULL;
    r[0] = (Term)words;
    return r + 1;
}

void heap_release_spare(void) {
    if (spare) free(spare - 1);
    spare = NULL;
}

/* ---- process heaps ----------------------------------------------------- */

void heap_init(Process *p, size_t words) {
    /* A small request gets a small heap (the start of the Fibonacci
     * series below GC_MIN_HEAP): spawned processes often stay tiny, and
     * memory per idle process matters when there are millions. A heap
     * that outgrows it joins the usual series at its first collection. */
    size_t n;
    if (words && words < GC_MIN_HEAP) {
        n = GC_TINY_HEAP;
        for (size_t b = 55; n < words;) {
            size_t next = b;
            b += n;
            n = next;
        }
        if (n > GC_MIN_HEAP) n = GC_MIN_HEAP;
    } else {
        n = gc_heap_size_for(words < GC_MIN_HEAP ? GC_MIN_HEAP : words);
    }
    p->heap = heap_block_new(n, n);
    p->htop = p->heap;
    p->hend = p->heap + n;
    p->heap_words = n;
    p->frags = NULL;
    p->frag_words = 0;
    p->off_heap = NULL;
    p->gc_wanted = false;
    p->gc_count = 0;
    p->gc_live = 0;
    p->bin_budget = BIN_BUDGET_MIN;
}

void heap_free(Process *p) {
    /* Every REFCBIN of this heap holds one reference. */
    for (Term *b = p->off_heap; b; b = (Term *)b[3]) binary_decref((Binary *)b[2]);
    p->off_heap = NULL;
    heap_free_frags(p);
    heap_block_free(p->heap);
    p->heap = p->htop = p->hend = NULL;
    p->heap_words = 0;
    p->gc_wanted = false;
}

void heap_free_frags(Process *p) {
    for (HeapFrag *f = p->frags, *next; f; f = next) {
        next = f->next;
        free(f);
    }
    p->frags = NULL;
    p->frag_words = 0;
}

static Term *frag_alloc(Process *p, size_t words) {
    HeapFrag *f = p->frags;
    p->gc_wanted = true;
    if (f && f->size - f->used >= words) {
        Term *r = f->data + f->used;
        f->used += words;
        return r;
    }
    size_t size = p->frag_words / 2;
    if (size < FRAG_MIN) size = FRAG_MIN;
    if (size < words) size = words;
    f = heap_xmalloc("heap fragment", words_to_bytes("heap fragment", size, sizeof(HeapFrag)));
    f->size = size;
    f->used = words;
    f->next = p->frags;
    p->frags = f;
    p->frag_words += size;
    return f->data;
}

Term *heap_alloc(Process *p, size_t words) {
#ifdef ACT_GC_STRESS
    /* Ask for a collection at every safe point after any allocation. */
    p->gc_wanted = true;
#endif
    if ((size_t)(p->hend - p->htop) >= words) {
        Term *r = p->htop;
        p->htop += words;
        return r;
    }
    return frag_alloc(p, words);
}

/* ---- constructors ----------------------------------------------------- */

Term make_tuple(Process *p, size_t n, const Term *elems) {
    Term *t = heap_alloc(p, n + 1);
    t[0] = make_header(BOX_TUPLE, n);
    if (elems) memcpy(t + 1, elems, n * sizeof(Term));
    else for (size_t i = 0; i < n; i++) t[1 + i] = T_NIL;
    return make_boxed(t);
}

Term make_tuple2(Process *p, Term a, Term b) {
    Term *t = heap_alloc(p, 3);
    t[0] = make_header(BOX_TUPLE, 2);
    t[1] = a;
    t[2] = b;
    return make_boxed(t);
}

Term make_tuple3(Process *p, Term a, Term b, Term c) {
    Term *t = heap_alloc(p, 4);
    t[0] = make_header(BOX_TUPLE, 3);
    t[1] = a;
    t[2] = b;
    t[3] = c;
    return make_boxed(t);
}

Term make_float(Process *p, double d) {
    Term *t = heap_alloc(p, 2);
    t[0] = make_header(BOX_FLOAT, 1);
    memcpy(t + 1, &d, sizeof d);
    return make_boxed(t);
}

Term make_cons_cell(Process *p, Term head, Term tail) {
    /* T_NONE in a head marks a forwarded cell during GC (gc.h). */
    if (head == T_NONE) {
        fprintf(stderr, "act: internal error: T_NONE stored in a list\n");
        abort();
    }
    Term *c = heap_alloc(p, 2);
    c[0] = head;
    c[1] = tail;
    return make_cons(c);
}

Term make_list(Process *p, size_t n, const Term *elems) {
    if (n == 0) return T_NIL;
    Term *c = heap_alloc(p, 2 * n);
    for (size_t i = 0; i < n; i++) {
        c[2 * i] = elems[i];
        c[2 * i + 1] = i + 1 < n ? make_cons(c + 2 * (i + 1)) : T_NIL;
    }
    return make_cons(c);
}

Term make_binary_uninit(Process *p, size_t len, uint8_t **out) {
    if (len <= HEAPBIN_MAX) {
        size_t w = WORDS_FOR_BYTES(len);
        Term *b = heap_alloc(p, 2 + w);
        b[0] = make_header(BOX_HEAPBIN, 1 + w);
        b[1] = len;
        if (w) b[1 + w] = 0; /* padding bytes are zero: the heap stays deterministic */
        *out = (uint8_t *)(b + 2);
        return make_boxed(b);
    }
    return binary_new_refc(p, len, len, out);
}

Term make_binary(Process *p, const void *bytes, size_t len) {
    uint8_t *dst;
    Term t = make_binary_uninit(p, len, &dst);
    if (len) memcpy(dst, bytes, len);
    return t;
}

Term make_cstring(Process *p, const char *s) { return make_binary(p, s, strlen(s)); }

static Term make_big1(Process *p, unsigned type, uint64_t mag) {
    Term *b = heap_alloc(p, 2);
    b[0] = make_header(type, 1);
    b[1] = (Term)mag;
    return make_boxed(b);
}

Term make_int(Process *p, int64_t v) {
    if (small_fits(v)) return make_small(v);
    /* Outside small range; -(uint64_t) is well defined for INT64_MIN. */
    return v < 0 ? make_big1(p, BOX_BIG_NEG, -(uint64_t)v) : make_big1(p, BOX_BIG_POS, (uint64_t)v);
}

Term make_uint(Process *p, uint64_t v) {
    if (v <= (uint64_t)SMALL_MAX) return make_small((SInt)v);
    return make_big1(p, BOX_BIG_POS, v);
}

/* Reference ids are unique for the life of the VM. relaxed: only uniqueness
 * matters, the counter orders nothing else. */
static _Atomic uint64_t next_ref_id = 1;

uint64_t heap_new_ref_id(void) {
    return atomic_fetch_add_explicit(&next_ref_id, 1, memory_order_relaxed);
}

Term make_ref_id(Process *p, uint64_t id) {
    Term *r = heap_alloc(p, 2);
    r[0] = make_header(BOX_REF, 1);
    r[1] = (Term)id;
    return make_boxed(r);
}

Term make_ref(Process *p) { return make_ref_id(p, heap_new_ref_id()); }

const uint8_t *binary_bytes(Term bin, size_t *len) {
    if (!is_boxed(bin)) goto not_binary;
    Term *b = boxed_ptr(bin);
    switch (header_type(b[0])) {
    case BOX_HEAPBIN:
        *len = b[1];
        return (const uint8_t *)(b + 2);
    case BOX_REFCBIN:
        *len = b[1];
        return ((const Binary *)b[2])->data;
    case BOX_SUBBIN: {
        size_t olen;
        const uint8_t *o = binary_bytes(b[3], &olen); /* never a SUBBIN: no deeper */
        *len = b[1];
        return o + b[2];
    }
    default:
        break;
    }
not_binary:
    *len = 0;
    return NULL;
}
