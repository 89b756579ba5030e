/* gc.c — the per-process copying collector (contract and policy: gc.h).
 *
 * A collection:
 *  1. builds the from-space description: the old block's used part
 *     [heap, htop) and each fragment's [data, data + used), the fragments
 *     sorted by address for a binary search;
 *  2. allocates to-space: one block big enough for everything in from-space
 *     plus `need` (and at least the current heap size), so copying cannot
 *     overflow it (the thread's spare block when it fits, see heap.c);
 *  3. copies the roots' referents, then scans to-space left to right (Cheney):
 *     to-space is always parseable, every word being either a header
 *     (followed by its payload) or one word of a cons cell, and the scan
 *     pointer chases the allocation pointer until every copied object has had
 *     its term slots evacuated. No C recursion, O(live) time;
 *  4. sweeps the old off-heap list: each REFCBIN whose header is not a
 *     forwarding pointer died, so its blob loses one reference; survivors
 *     were relinked onto the new list as they were copied;
 *  5. frees the old block and fragments;
 *  6. sets the heap size to the policy size (gc.h), within the block when it
 *     fits (the rest of the block is slack), else by realloc. If the block
 *     moves, every pointer into it (in the block, in the roots and in the
 *     off-heap list) is shifted by the distance moved.
 *
 * Which words of an object are terms is decided in one place, term_slots().
 */
#include "gc.h"
#include "heap.h"
#include "binary.h"
#include "atom.h"
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

bool gc_force_move_for_test = false;

/* ---- object layout ------------------------------------------------------ */

/* For an object with header h: its term slots are words [*lo, *hi) counted
 * from the header. Aborts on a header of no known type (heap corruption). */
static inline void term_slots(Term h, size_t *lo, size_t *hi) {
    size_t ar = header_arity(h);
    switch (header_type(h)) {
    case BOX_TUPLE:
    case BOX_EXPORT:
    case BOX_MAP_FLAT:
    case BOX_MAP_HAMT: /* counts and bitmaps are smalls (map.h) */
        *lo = 1, *hi = 1 + ar;
        return;
    case BOX_FUN: /* word 1 is the raw FunEntry pointer */
        *lo = 2, *hi = 1 + ar;
        return;
    case BOX_SUBBIN: /* size, offset raw; the original is a term */
        *lo = 3, *hi = 4;
        return;
    case BOX_BIG_POS:
    case BOX_BIG_NEG:
    case BOX_FLOAT:
    case BOX_HEAPBIN:
    case BOX_REFCBIN: /* size, blob, next: raw */
    case BOX_REF:
    case BOX_RESOURCE:
        *lo = *hi = 0;
        return;
    default:
        fprintf(stderr, "act: internal error: GC found a bad header %#lx\n", (unsigned long)h);
        abort();
    }
}

/* Objects on the off-heap list: REFCBINs and RESOURCEs (term.h), which share
 * the layout of words [2] (the blob, holding one reference) and [3] (the
 * next entry), so the sweep and every other walk of the list treat them
 * alike; only REFCBINs count towards the binary budget. */
static inline bool on_off_heap_list(Term h) {
    return header_type(h) == BOX_REFCBIN || header_type(h) == BOX_RESOURCE;
}

/* ---- heap sizes --------------------------------------------------------- */

size_t gc_heap_size_for(size_t words) {
    size_t a = GC_MIN_HEAP, b = 377;
    while (a < words) {
        size_t next;
        if (a < ((size_t)4 << 20)) {
            next = b;
            b = a + b;
        } else {
            next = a + a / 5;
        }
        if (next <= a) return words; /* overflow: the request itself */
        a = next;
    }
    return a;
}

/* The heap size after a collection that left `live` words, for a heap of
 * `cur` words and a request of `need` more (policy in gc.h). */
static size_t next_heap_size(size_t cur, size_t live, size_t need) {
    size_t want = live + need;
    if (want > cur - cur / 4) return gc_heap_size_for(want + want / 3 + 1);
    if (want < cur / 4 && cur > GC_MIN_HEAP) return gc_heap_size_for(2 * want);
    return cur;
}

size_t gc_heap_used(const Process *p) {
    size_t n = (size_t)(p->htop - p->heap);
    for (const HeapFrag *f = p->frags; f; f = f->next) n += f->used;
    return n;
}

/* ---- from-space --------------------------------------------------------- */

typedef struct Range {
    uintptr_t lo, hi; /* [lo, hi) in bytes */
} Range;

typedef struct Gc {
    uintptr_t heap_lo, heap_hi; /* old block's used part */
    Range *frags;               /* used parts of fragments, sorted by lo */
    size_t nfrags;
    Term *top;                  /* to-space allocation pointer */
    Term *limit;                /* end of to-space (checked in debug builds) */
    Term *off_heap;             /* new off-heap list */
    size_t bin_live;            /* bytes of the REFCBINs copied */
} Gc;

/* Shell sort by lo (Ciura's gaps), inline: a process that received many
 * messages has one fragment per message, and qsort's indirect compare
 * dominated the collection of such a heap. */
static void sort_ranges(Range *r, size_t n) {
    static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        size_t gap = gaps[g];
        if (gap >= n) continue;
        for (size_t i = gap; i < n; i++) {
            Range t = r[i];
            size_t j = i;
            for (; j >= gap && r[j - gap].lo > t.lo; j -= gap) r[j] = r[j - gap];
            r[j] = t;
        }
    }
}

/* Fill *r with the used ranges of p's fragments, sorted; returns the count.
 * *r is malloc'd (NULL when there are no fragments). */
static size_t frag_ranges(const Process *p, Range **r) {
    size_t n = 0;
    for (const HeapFrag *f = p->frags; f; f = f->next) n++;
    *r = NULL;
    if (!n) return 0;
    *r = heap_xmalloc("GC fragment table", n * sizeof(Range));
    size_t i = 0;
    for (const HeapFrag *f = p->frags; f; f = f->next, i++) {
        (*r)[i].lo = (uintptr_t)f->data;
        (*r)[i].hi = (uintptr_t)(f->data + f->used);
    }
    sort_ranges(*r, n);
    return n;
}

static inline bool in_ranges(const Range *r, size_t n, uintptr_t a) {
    size_t lo = 0, hi = n; /* find the last range with r.lo <= a */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].lo <= a) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 && a < r[lo - 1].hi;
}

static inline bool in_from(const Gc *g, const Term *ptr) {
    uintptr_t a = (uintptr_t)ptr;
    if (a - g->heap_lo < g->heap_hi - g->heap_lo) return true;
    return g->nfrags && in_ranges(g->frags, g->nfrags, a);
}

/* ---- copying ------------------------------------------------------------ */

/* The to-space version of t, copying its outermost object if needed.
 * (Forced inline: it is the inner loop of the scan.) */
static inline __attribute__((always_inline)) Term evacuate(Gc *g, Term t) {
    if (is_cons(t)) {
        Term *c = cons_ptr(t);
        if (!in_from(g, c)) return t;
        if (c[0] == T_NONE) return c[1]; /* forwarded */
        Term *n = g->top;
        g->top += 2;
        n[0] = c[0];
        n[1] = c[1];
        c[0] = T_NONE;
        c[1] = make_cons(n);
        return make_cons(n);
    }
    if (is_boxed(t)) {
        Term *o = boxed_ptr(t);
        if (!in_from(g, o)) return t;
        Term h = o[0];
        if (is_boxed(h)) return h; /* forwarded */
        size_t words = 1 + header_arity(h);
        Term *n = g->top;
        g->top += words;
        if (words <= 4) /* most objects: skip the call */
            for (size_t i = 0; i < words; i++) n[i] = o[i];
        else
            memcpy(n, o, words * sizeof(Term));
        if (on_off_heap_list(h)) {
            n[3] = (Term)g->off_heap;
            g->off_heap = n;
            if (header_type(h) == BOX_REFCBIN) g->bin_live += n[1];
        }
        o[0] = make_boxed(n);
        return make_boxed(n);
    }
    return t;
}

/* Evacuate the term slots of every object in [scan, g->top), including
 * those copied meanwhile. */
static void cheney_scan(Gc *g, Term *scan) {
    while (scan < g->top) {
        Term w = *scan;
        if (!is_header(w)) { /* a cons cell's word */
            *scan++ = evacuate(g, w);
            continue;
        }
        size_t lo, hi;
        term_slots(w, &lo, &hi);
        for (size_t i = lo; i < hi; i++) scan[i] = evacuate(g, scan[i]);
        scan += 1 + header_arity(w);
    }
}

/* ---- roots -------------------------------------------------------------- */

typedef Term (*RootFn)(void *ctx, Term t);

static void roots_apply(Process *p, Term *extra, size_t nextra, RootFn f, void *ctx) {
    for (size_t i = 0; i < p->stack_top; i++) p->stack[i] = f(ctx, p->stack[i]);
    p->dict = f(ctx, p->dict);
    p->exc_class = f(ctx, p->exc_class);
    p->exc_reason = f(ctx, p->exc_reason);
    p->exc_trace = f(ctx, p->exc_trace);
    p->exit_reason = f(ctx, p->exit_reason);
    for (size_t i = 0; i < nextra; i++) extra[i] = f(ctx, extra[i]);
}

static Term root_evacuate(void *ctx, Term t) { return evacuate(ctx, t); }

/* ---- relocation after the block moved ----------------------------------- */

typedef struct Move {
    uintptr_t lo, hi; /* old block [lo, hi) */
    intptr_t delta;   /* new - old, in bytes */
} Move;

static inline Term relocate(const Move *m, Term t) {
    if (is_cons(t) || is_boxed(t)) {
        uintptr_t a = (uintptr_t)t & ~(uintptr_t)7;
        if (a - m->lo < m->hi - m->lo) return (Term)((intptr_t)t + m->delta);
    }
    return t;
}

static Term root_relocate(void *ctx, Term t) { return relocate(ctx, t); }

static void relocate_block(const Move *m, Term *from, Term *to) {
    for (Term *w = from; w < to;) {
        if (!is_header(*w)) {
            *w = relocate(m, *w);
            w++;
            continue;
        }
        size_t lo, hi;
        term_slots(*w, &lo, &hi);
        for (size_t i = lo; i < hi; i++) w[i] = relocate(m, w[i]);
        if (on_off_heap_list(*w) && w[3]) w[3] = (Term)((intptr_t)w[3] + m->delta);
        w += 1 + header_arity(*w);
    }
}

/* ---- the collection ----------------------------------------------------- */

#if defined(ACT_GC_STRESS) && !defined(ACT_GC_STRESS_UNBOUNDED)
#define STRESS_BOUND 1
/* ---- GC-stress cost bound ------------------------------------------------
 * A stress build asks for a collection at every safe point after an
 * allocation (heap.c sets gc_wanted in heap_alloc; the interpreter collects
 * at every safe point). A collection costs O(live words + stack words), so
 * collecting at every one of them makes a program with a big live set or a
 * deep stack quadratic. gc_collect therefore returns at once, leaving the
 * heap as it is, exactly when all of these hold:
 *  - the collection is not needed: no fragments, room for `need` words, the
 *    binary budget is not spent;
 *  - and either nothing was allocated since the last collection (gc_wanted
 *    is false: this is not an allocation safe point; no term can have moved
 *    since), or the cost of a collection, live + stack words, exceeds
 *    GC_STRESS_FULL_WORDS and the words allocated since the last collection
 *    are fewer than cost / GC_STRESS_RATIO.
 * So a small heap is collected at every allocation safe point, and a big one
 * after every cost / GC_STRESS_RATIO allocated words: total stress work
 * stays within GC_STRESS_RATIO times the words allocated (plus
 * GC_STRESS_FULL_WORDS per safe point), about 100 times more collections
 * than a normal build of the same heap. tests/run.py documents the policy.
 * Unit tests that call gc_collect directly and expect an exact collection
 * compile gc.c with ACT_GC_STRESS_UNBOUNDED (tests/meson.build). */
#define GC_STRESS_FULL_WORDS ((size_t)16 * 1024)
#define GC_STRESS_RATIO 8

bool gc_stress_skip(const Process *p, size_t need) {
    if (p->frags || (size_t)(p->hend - p->htop) < need || p->bin_budget == 0) return false;
    if (!p->gc_wanted) return true;
    size_t used = (size_t)(p->htop - p->heap);
    if (used < p->gc_live) return false; /* not the heap the last collection left */
    size_t cost = p->gc_live + p->stack_top;
    return cost > GC_STRESS_FULL_WORDS && (used - p->gc_live) < cost / GC_STRESS_RATIO;
}
#else
bool gc_stress_skip(const Process *p, size_t need) { (void)p; (void)need; return false; }
#endif

void gc_collect(Process *p, size_t need, Term *extra_roots, size_t nextra) {
#ifdef STRESS_BOUND
    if (gc_stress_skip(p, need)) return;
#endif
    size_t used = gc_heap_used(p);
    size_t cur = p->heap_words ? p->heap_words : GC_MIN_HEAP;
    if (need > SIZE_MAX / 4 - used) heap_out_of_memory("process heap", SIZE_MAX);
    size_t cap = used + need > cur ? used + need : cur;
    if (cap > SIZE_MAX / sizeof(Term)) heap_out_of_memory("process heap", SIZE_MAX);
    /* A big block's capacity is rounded up the size series, so that the
     * blocks of a heap of stable size recur and the thread's spare block fits
     * the next time. Small blocks are trimmed to the heap size instead: many
     * small processes must not each carry slack. */
    bool big = cap >= HEAP_SPARE_MIN;
    Term *to = heap_block_new(cap, big ? gc_heap_size_for(cap) : cap);
    cap = heap_block_cap(to);

    Gc g = {0};
    g.heap_lo = (uintptr_t)p->heap;
    g.heap_hi = (uintptr_t)p->htop;
    g.nfrags = frag_ranges(p, &g.frags);
    g.top = to;
    g.limit = to + cap;

    roots_apply(p, extra_roots, nextra, root_evacuate, &g);
    cheney_scan(&g, to);
    size_t live = (size_t)(g.top - to);
    if (g.top > g.limit) {
        fprintf(stderr, "act: internal error: GC to-space overflow\n");
        abort();
    }

    /* Sweep: REFCBINs and RESOURCEs not forwarded died with this collection. */
    for (Term *b = p->off_heap, *next; b; b = next) {
        next = (Term *)b[3];
        if (!is_boxed(b[0])) binary_decref((Binary *)b[2]);
    }
    free(g.frags);
    heap_free_frags(p);
    heap_block_free(p->heap);

    /* Resize: keep a big block unless it is too small for the policy size or
     * more than 4 times too big; if it moves, shift every pointer into it. */
    size_t size = next_heap_size(cur, live, need);
    uintptr_t old_addr = (uintptr_t)to; /* compared, never dereferenced, after a move */
    Term *block = to;
    if (gc_force_move_for_test) {
        block = heap_block_new(size, size);
        memcpy(block, to, live * sizeof(Term));
        heap_block_free(to);
    } else if (size > cap || (big ? cap / 4 > size : cap != size)) {
        block = heap_block_resize(to, size);
        if (!block) {
            if (size > cap) heap_out_of_memory("process heap", size * sizeof(Term));
            block = to; /* could not shrink: keep the bigger block */
        }
    }
    if ((uintptr_t)block != old_addr) {
        Move m = {old_addr, old_addr + live * sizeof(Term), (intptr_t)((uintptr_t)block - old_addr)};
        relocate_block(&m, block, block + live);
        roots_apply(p, extra_roots, nextra, root_relocate, &m);
        if (g.off_heap) g.off_heap = (Term *)((intptr_t)g.off_heap + m.delta);
    }

    p->heap = block;
    p->htop = block + live;
    p->hend = block + size;
    p->heap_words = size;
    p->off_heap = g.off_heap;
    p->bin_budget = g.bin_live > BIN_BUDGET_MIN ? g.bin_live : BIN_BUDGET_MIN;
    p->gc_wanted = false;
    p->gc_count++;
    p->gc_live = live;

#ifdef ACT_GC_STRESS
    if (gc_verify_heap(p) != 0) {
        fprintf(stderr, "act: internal error: heap corrupt after GC\n");
        abort();
    }
#endif
}

/* ---- copying terms between heaps ----------------------------------------
 * Size first, then one heap_alloc and a Cheney pass inside the new block
 * with no forwarding: every pointer slot in the block gets its own copy, in
 * the same breadth-first order the size pass counted. */

/* Words of the object t points at (0 for immediates). */
static inline size_t object_words(Term t) {
    if (is_cons(t)) return 2;
    if (is_boxed(t)) return 1 + header_arity(boxed_ptr(t)[0]);
    return 0;
}

size_t gc_copy_size(Term t) {
    /* Most messages are small: the walk's stack starts on the C stack and
     * moves to the C heap only when it outgrows it. */
    Term local[64];
    size_t total = 0, n = 0, cap = sizeof local / sizeof local[0];
    Term *st = local;
    st[n++] = t;
    while (n) {
        t = st[--n];
        size_t lo = 0, hi = 0;
        const Term *o;
        if (is_cons(t)) {
            o = cons_ptr(t), lo = 0, hi = 2;
        } else if (is_boxed(t) && t != 0) {
            o = boxed_ptr(t);
            term_slots(o[0], &lo, &hi);
        } else {
            continue;
        }
        total += object_words(t);
        for (size_t i = lo; i < hi; i++) {
            if (!is_cons(o[i]) && !(is_boxed(o[i]) && o[i] != 0)) continue;
            if (n == cap) {
                cap *= 2;
                Term *bigger = st == local ? malloc(cap * sizeof(Term)) : realloc(st, cap * sizeof(Term));
                if (!bigger) heap_out_of_memory("term copy", cap * sizeof(Term));
                if (st == local) memcpy(bigger, local, sizeof local);
                st = bigger;
            }
            st[n++] = o[i];
        }
    }
    if (st != local) free(st);
    return total;
}

/* Where a copy's REFCBINs go: an off-heap list and the bytes they hold. */
typedef struct CopyDst {
    Term *off_heap;
    size_t bin_bytes;
} CopyDst;

/* Copy the object t points at to *top; return the new term. */
static Term copy_out(CopyDst *d, Term t, Term **top) {
    size_t w = object_words(t);
    if (!w || t == 0) return t;
    Term *n = *top;
    *top += w;
    if (is_cons(t)) {
        n[0] = CAR(t);
        n[1] = CDR(t);
        return make_cons(n);
    }
    memcpy(n, boxed_ptr(t), w * sizeof(Term));
    if (on_off_heap_list(n[0])) {
        Binary *b = (Binary *)n[2];
        binary_incref(b);
        if (atomic_load_explicit(&b->writer, memory_order_relaxed))
            atomic_store_explicit(&b->writer, NULL, memory_order_relaxed);
        n[3] = (Term)d->off_heap;
        d->off_heap = n;
        if (header_type(n[0]) == BOX_REFCBIN) d->bin_bytes += n[1];
    }
    return make_boxed(n);
}

/* Copy t into block (exactly gc_copy_size(t) words): a Cheney pass. */
static Term copy_block(CopyDst *d, Term t, Term *block, size_t words) {
    Term *top = block;
    Term root = copy_out(d, t, &top);
    for (Term *scan = block; scan < top;) {
        Term w = *scan;
        if (!is_header(w)) {
            *scan++ = copy_out(d, w, &top);
            continue;
        }
        size_t lo, hi;
        term_slots(w, &lo, &hi);
        for (size_t i = lo; i < hi; i++) scan[i] = copy_out(d, scan[i], &top);
        scan += 1 + header_arity(w);
    }
    if (top != block + words) {
        fprintf(stderr, "act: internal error: gc_copy_term size mismatch\n");
        abort();
    }
    return root;
}

Term gc_copy_term(Process *to, Term t) { return gc_copy_term_sized(to, t, gc_copy_size(t)); }

Term gc_copy_term_sized(Process *to, Term t, size_t words) {
    if (!words) return t;
    Term *block = heap_alloc(to, words);
    CopyDst d = { to->off_heap, 0 };
    Term root = copy_block(&d, t, block, words);
    to->off_heap = d.off_heap;
    if (d.bin_bytes) {
        to->bin_budget = to->bin_budget > d.bin_bytes ? to->bin_budget - d.bin_bytes : 0;
        if (!to->bin_budget) to->gc_wanted = true;
    }
    return root;
}

Term gc_copy_to_block(Term t, Term *block, size_t words, Term **off_heap) {
    if (!words) return t;
    CopyDst d = { *off_heap, 0 };
    Term root = copy_block(&d, t, block, words);
    *off_heap = d.off_heap;
    return root;
}

/* ---- verification (debug) ----------------------------------------------
 * Every region of the process heap (the block's used part, each fragment's
 * used part) gets a bitmap of object starts from a linear walk; then every
 * term slot and root is checked against the regions. */

typedef struct Region {
    Term *lo, *hi;     /* used part */
    Term *end;         /* end of the memory it owns (block capacity) */
    uint64_t *starts;  /* bit i: an object starts at lo + i */
} Region;

typedef struct Verify {
    Region *r;
    size_t nr;
    size_t problems;
    size_t refcbins;   /* REFCBIN objects found by the walk */
} Verify;

static void problem(Verify *v, const char *what, const Term *where, Term t) {
    if (v->problems++ < 10)
        fprintf(stderr, "gc_verify_heap: %s (at %p: %#lx)\n", what, (const void *)where, (unsigned long)t);
}

static const Region *region_of(const Verify *v, const Term *ptr, bool *in_free) {
    *in_free = false;
    for (size_t i = 0; i < v->nr; i++) {
        if (ptr >= v->r[i].lo && ptr < v->r[i].hi) return &v->r[i];
        if (ptr >= v->r[i].hi && ptr < v->r[i].end) *in_free = true;
    }
    return NULL;
}

static bool is_start(const Region *r, const Term *ptr) {
    size_t i = (size_t)(ptr - r->lo);
    return (r->starts[i / 64] >> (i % 64)) & 1;
}

/* Check one term found at `where`; `root` allows the non-values registers
 * may hold (T_NONE, the null word). */
static void verify_term(Verify *v, const Term *where, Term t, bool root) {
    if (is_small(t) || is_pid(t)) return;
    if (is_atom(t)) {
        if (atom_index(t) >= atom_count()) problem(v, "atom index out of range", where, t);
        return;
    }
    if ((t & IMM_MASK) == IMM_SPECIAL) {
        if (t == T_NONE && !root) problem(v, "T_NONE stored in the heap", where, t);
        return;
    }
    if (is_header(t)) {
        problem(v, "header word used as a term", where, t);
        return;
    }
    if (t == 0) {
        if (!root) problem(v, "null pointer stored in the heap", where, t);
        return;
    }
    bool cons = is_cons(t);
    const Term *ptr = cons ? cons_ptr(t) : boxed_ptr(t);
    if (!cons && !is_boxed(t)) {
        problem(v, "unknown tag", where, t);
        return;
    }
    bool in_free;
    const Region *r = region_of(v, ptr, &in_free);
    if (in_free) {
        problem(v, "pointer into the free part of the heap", where, t);
        return;
    }
    if (r && !is_start(r, ptr)) {
        problem(v, "pointer into the middle of an object", where, t);
        return;
    }
    /* Inside the heap the object was walked; outside it (a literal area) we
     * can still check its first word. */
    if (cons) {
        if (ptr[0] == T_NONE) problem(v, "pointer to a forwarded cons cell", where, t);
        else if (r && is_header(ptr[0])) problem(v, "cons pointer to a boxed object", where, t);
    } else if (is_boxed(ptr[0])) {
        problem(v, "pointer to a forwarded object", where, t);
    } else if (!is_header(ptr[0]) || header_type(ptr[0]) >= BOX__COUNT) {
        problem(v, "boxed pointer to a non-header", where, t);
    }
}

/* Walk one region: mark starts (pass 0) or check slots (pass 1). */
static void verify_region(Verify *v, Region *r, int pass) {
    for (Term *w = r->lo; w < r->hi;) {
        size_t i = (size_t)(w - r->lo);
        if (pass == 0) r->starts[i / 64] |= (uint64_t)1 << (i % 64);
        if (!is_header(*w)) { /* a cons cell */
            if (w + 2 > r->hi) {
                if (pass == 0) problem(v, "truncated cons cell", w, *w);
                return;
            }
            if (pass == 1) {
                verify_term(v, w, w[0], false);
                verify_term(v, w + 1, w[1], false);
            }
            w += 2;
            continue;
        }
        Term h = *w;
        if (header_type(h) >= BOX__COUNT || w + 1 + header_arity(h) > r->hi) {
            if (pass == 0) problem(v, "bad header", w, h);
            r->hi = w; /* the rest cannot be parsed */
            return;
        }
        if (pass == 1) {
            size_t lo, hi;
            term_slots(h, &lo, &hi);
            for (size_t k = lo; k < hi; k++) verify_term(v, w + k, w[k], false);
            if (on_off_heap_list(h)) v->refcbins++;
            if (header_type(h) == BOX_SUBBIN && is_boxed(w[3]) && !is_header(w[3]) &&
                header_type(boxed_ptr(w[3])[0]) == BOX_SUBBIN)
                problem(v, "SUBBIN of a SUBBIN", w, h);
        }
        w += 1 + header_arity(h);
    }
}

size_t gc_verify_heap(Process *p) {
    Verify v = {0};
    size_t n = 1;
    for (HeapFrag *f = p->frags; f; f = f->next) n++;
    v.r = heap_xmalloc("GC verify", n * sizeof(Region));
    /* The whole block past htop, slack included, is free space. */
    v.r[0] = (Region){p->heap, p->htop, p->heap ? p->heap + heap_block_cap(p->heap) : NULL, NULL};
    v.nr = 1;
    for (HeapFrag *f = p->frags; f; f = f->next)
        v.r[v.nr++] = (Region){f->data, f->data + f->used, f->data + f->used, NULL};
    for (size_t i = 0; i < v.nr; i++) {
        size_t words = (size_t)(v.r[i].hi - v.r[i].lo);
        v.r[i].starts = calloc(words / 64 + 1, sizeof(uint64_t));
        if (!v.r[i].starts) heap_out_of_memory("GC verify", words / 8);
    }
    if (!(p->heap <= p->htop && p->htop <= p->hend && (size_t)(p->hend - p->heap) == p->heap_words &&
          (!p->heap || p->heap_words <= heap_block_cap(p->heap))))
        problem(&v, "heap bounds inconsistent", p->heap, (Term)p->heap_words);
    for (size_t i = 0; i < v.nr; i++) verify_region(&v, &v.r[i], 0);
    for (size_t i = 0; i < v.nr; i++) verify_region(&v, &v.r[i], 1);

    for (size_t i = 0; i < p->stack_top; i++) verify_term(&v, &p->stack[i], p->stack[i], true);
    verify_term(&v, &p->dict, p->dict, true);
    verify_term(&v, &p->exc_class, p->exc_class, true);
    verify_term(&v, &p->exc_reason, p->exc_reason, true);
    verify_term(&v, &p->exc_trace, p->exc_trace, true);
    verify_term(&v, &p->exit_reason, p->exit_reason, true);

    /* The off-heap list holds exactly the REFCBINs of the heap (bounded walk:
     * a cycle shows up as too many entries). */
    size_t listed = 0;
    for (Term *b = p->off_heap; b && listed <= v.refcbins; b = (Term *)b[3], listed++) {
        bool in_free;
        const Region *r = region_of(&v, b, &in_free);
        if (!r || !is_start(r, b) || !is_header(b[0]) || !on_off_heap_list(b[0])) {
            problem(&v, "off-heap list entry is not a REFCBIN or RESOURCE of this heap", b, (Term)b);
            break;
        }
    }
    if (listed != v.refcbins) problem(&v, "off-heap list and heap disagree", NULL, (Term)listed);

    for (size_t i = 0; i < v.nr; i++) free(v.r[i].starts);
    free(v.r);
    return v.problems;
}
