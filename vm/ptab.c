/* ptab.c — the process table and its quiescent-state reclamation (ptab.h).
 *
 * Slots: {pid + 1 or 0, obj}. Publication order (writers hold `lock`):
 *   insert: obj := o (release), then pid := v + 1 (release);
 *   remove: pid := 0 (relaxed), then obj := NULL (release).
 * A reader loads pid (acquire), obj (acquire), pid again (acquire) and
 * accepts obj only if both pid loads equal v + 1. If it read an obj that a
 * later insert stored, its acquire load synchronised with that release
 * store, which comes after the remove's `pid := 0` (same thread or through
 * the mutex), so the second pid load cannot see v + 1 again: stale pids
 * never yield the slot's new obj. Pid values are never reused within 2^58.
 *
 * Free slots: indices [fresh, size) were never used; freed slots wait in a
 * FIFO ring of their next pid values (serial already bumped), oldest first.
 *
 * Reclamation (QSBR): a global epoch; each registered thread publishes the
 * epoch it last saw at a quiescent point (OFFLINE when offline). The epoch
 * advances when every online thread has seen it. An object retired at epoch
 * e is freed once the epoch is >= e + 2: by then every online thread has
 * passed a quiescent point after the retirement (it saw e + 1, which
 * appeared after the object was unpublished), so none holds a pointer to
 * it. Epoch accesses are seq_cst: they run once per time slice.
 */
#include "ptab.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PID_LIMIT ((uint64_t)1 << 58)
#define OFFLINE UINT64_MAX

typedef struct Slot {
    _Atomic uint64_t pid; /* pid value + 1, or 0 when free */
    void *_Atomic obj;
} Slot;

typedef struct Retired {
    void *obj;
    void (*fn)(void *);
    uint64_t epoch;
} Retired;

/* Per-thread reclamation state; `seen` is shared, the limbo list is the
 * owner's. Padded to a cache line so threads don't share one. */
typedef struct PThread {
    _Atomic uint64_t seen;    /* epoch at last quiescent point, or OFFLINE */
    _Atomic bool used;        /* registered */
    Retired *limbo;           /* retired objects, oldest first */
    size_t nlimbo, cap;
    char pad[24];
} PThread;

struct PTab {
    unsigned bits;
    size_t size;
    uint64_t mask;
    Slot *slots;
    pthread_mutex_t lock;     /* insert / remove */
    _Atomic size_t fresh;     /* slots [0, fresh) have been used */
    _Atomic size_t count;
    uint64_t *ring;           /* freed slots' next pid values (FIFO) */
    size_t ring_head, ring_len;
    _Atomic uint64_t epoch;
    _Atomic int nthreads;     /* high-water mark of thread ids */
    PThread threads[PTAB_MAX_THREADS];
};

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n, size);
    if (!p) {
        fprintf(stderr, "act: out of memory (process table, %zu bytes)\n", n * size);
        abort();
    }
    return p;
}

PTab *ptab_new(unsigned bits) {
    if (bits < PTAB_MIN_BITS) bits = PTAB_MIN_BITS;
    if (bits > PTAB_MAX_BITS) bits = PTAB_MAX_BITS;
    PTab *t = xcalloc(1, sizeof *t);
    t->bits = bits;
    t->size = (size_t)1 << bits;
    t->mask = t->size - 1;
    t->slots = xcalloc(t->size, sizeof(Slot));
    t->ring = xcalloc(t->size, sizeof(uint64_t));
    pthread_mutex_init(&t->lock, NULL);
    atomic_init(&t->epoch, 1);
    return t;
}

void ptab_destroy(PTab *t) {
    for (int i = 0; i < PTAB_MAX_THREADS; i++) free(t->threads[i].limbo);
    pthread_mutex_destroy(&t->lock);
    free(t->ring);
    free(t->slots);
    free(t);
}

size_t ptab_capacity(const PTab *t) { return t->size; }
size_t ptab_index(const PTab *t, uint64_t pid) { return (size_t)(pid & t->mask); }
size_t ptab_count(const PTab *t) {
    return atomic_load_explicit(&((PTab *)t)->count, memory_order_relaxed);
}

/* ---- slots --------------------------------------------------------------- */

uint64_t ptab_insert(PTab *t, void *obj) {
    pthread_mutex_lock(&t->lock);
    uint64_t pid;
    size_t fresh = atomic_load_explicit(&t->fresh, memory_order_relaxed);
    /* Fresh slots first, like the BEAM cycling through its whole table:
     * pid numbers grow steadily and a slot is reused as late as possible. */
    if (fresh < t->size) {
        pid = fresh;
        /* release: ptab_next reads slots below it (it re-checks each slot). */
        atomic_store_explicit(&t->fresh, fresh + 1, memory_order_release);
    } else if (t->ring_len) {
        pid = t->ring[t->ring_head];
        t->ring_head = (t->ring_head + 1) & t->mask;
        t->ring_len--;
    } else {
        pthread_mutex_unlock(&t->lock);
        return PTAB_FULL;
    }
    Slot *s = &t->slots[pid & t->mask];
    /* release (both): pair with the readers' acquire loads; the obj store
     * first, so a reader that sees the pid sees obj and what obj points at. */
    atomic_store_explicit(&s->obj, obj, memory_order_release);
    atomic_store_explicit(&s->pid, pid + 1, memory_order_release);
    atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
    pthread_mutex_unlock(&t->lock);
    return pid;
}

static void *slot_read(const Slot *cs, uint64_t want) {
    Slot *s = (Slot *)cs;
    /* acquire (all three): pair with the release stores of insert/remove;
     * see the argument at the top of the file. */
    if (atomic_load_explicit(&s->pid, memory_order_acquire) != want) return NULL;
    void *obj = atomic_load_explicit(&s->obj, memory_order_acquire);
    if (atomic_load_explicit(&s->pid, memory_order_acquire) != want) return NULL;
    return obj;
}

void *ptab_lookup(const PTab *t, uint64_t pid) {
    if (pid >= PID_LIMIT) return NULL;
    return slot_read(&t->slots[pid & t->mask], pid + 1);
}

bool ptab_remove(PTab *t, uint64_t pid) {
    if (pid >= PID_LIMIT) return false;
    pthread_mutex_lock(&t->lock);
    Slot *s = &t->slots[pid & t->mask];
    if (atomic_load_explicit(&s->pid, memory_order_relaxed) != pid + 1) {
        pthread_mutex_unlock(&t->lock);
        return false;
    }
    /* relaxed: ordered before the release store below (see the top). */
    atomic_store_explicit(&s->pid, 0, memory_order_relaxed);
    atomic_store_explicit(&s->obj, NULL, memory_order_release);
    uint64_t next = pid + t->size; /* serial + 1 */
    if (next >= PID_LIMIT) next = pid & t->mask;
    t->ring[(t->ring_head + t->ring_len) & t->mask] = next;
    t->ring_len++;
    atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
    pthread_mutex_unlock(&t->lock);
    return true;
}

bool ptab_next(const PTab *t, size_t *cursor, uint64_t *pid, void **obj) {
    /* acquire: pairs with ptab_insert's release of fresh. */
    size_t hi = atomic_load_explicit(&((PTab *)t)->fresh, memory_order_acquire);
    for (size_t i = *cursor; i < hi; i++) {
        Slot *s = &t->slots[i];
        uint64_t v = atomic_load_explicit(&s->pid, memory_order_acquire);
        if (!v) continue;
        void *o = slot_read(s, v);
        if (!o) continue;
        *cursor = i + 1;
        *pid = v - 1;
        *obj = o;
        return true;
    }
    *cursor = hi;
    return false;
}

/* ---- quiescent-state reclamation ----------------------------------------- */

int ptab_thread_register(PTab *t) {
    for (int i = 0; i < PTAB_MAX_THREADS; i++) {
        bool expect = false;
        if (atomic_compare_exchange_strong(&t->threads[i].used, &expect, true)) {
            PThread *th = &t->threads[i];
            atomic_store(&th->seen, atomic_load(&t->epoch));
            int n = atomic_load(&t->nthreads);
            while (n < i + 1 && !atomic_compare_exchange_weak(&t->nthreads, &n, i + 1)) {}
            return i;
        }
    }
    return -1;
}

/* Advance the epoch if every online thread has seen the current one. */
static void try_advance(PTab *t) {
    uint64_t e = atomic_load(&t->epoch);
    int n = atomic_load(&t->nthreads);
    for (int i = 0; i < n; i++) {
        uint64_t s = atomic_load(&t->threads[i].seen);
        if (atomic_load(&t->threads[i].used) && s != OFFLINE && s != e) return;
    }
    atomic_compare_exchange_strong(&t->epoch, &e, e + 1);
}

static void reclaim(PTab *t, PThread *th, bool all) {
    uint64_t e = atomic_load(&t->epoch);
    size_t k = 0;
    while (k < th->nlimbo && (all || th->limbo[k].epoch + 2 <= e)) k++;
    /* A free_fn must not call ptab_retire (it would grow limbo under us). */
    if (!k) return;
    for (size_t i = 0; i < k; i++) th->limbo[i].fn(th->limbo[i].obj);
    memmove(th->limbo, th->limbo + k, (th->nlimbo - k) * sizeof(Retired));
    th->nlimbo -= k;
}

void ptab_quiescent(PTab *t, int tid) {
    PThread *th = &t->threads[tid];
    atomic_store(&th->seen, atomic_load(&t->epoch));
    try_advance(t);
    if (th->nlimbo) reclaim(t, th, false);
}

void ptab_thread_offline(PTab *t, int tid) {
    atomic_store(&t->threads[tid].seen, OFFLINE);
    try_advance(t);
}

void ptab_thread_online(PTab *t, int tid) {
    atomic_store(&t->threads[tid].seen, atomic_load(&t->epoch));
}

void ptab_retire(PTab *t, int tid, void *obj, void (*free_fn)(void *)) {
    PThread *th = &t->threads[tid];
    if (th->nlimbo == th->cap) {
        size_t cap = th->cap ? th->cap * 2 : 64;
        Retired *r = realloc(th->limbo, cap * sizeof *r);
        if (!r) {
            fprintf(stderr, "act: out of memory (process table)\n");
            abort();
        }
        th->limbo = r;
        th->cap = cap;
    }
    th->limbo[th->nlimbo++] = (Retired){obj, free_fn, atomic_load(&t->epoch)};
}

size_t ptab_pending(const PTab *t, int tid) { return t->threads[tid].nlimbo; }

void ptab_thread_unregister(PTab *t, int tid) {
    PThread *th = &t->threads[tid];
    atomic_store(&th->seen, OFFLINE);
    reclaim(t, th, true);
    free(th->limbo);
    th->limbo = NULL;
    th->nlimbo = th->cap = 0;
    atomic_store(&th->used, false);
    try_advance(t);
}
