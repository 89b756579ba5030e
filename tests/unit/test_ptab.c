/* test_ptab.c — the process table: insert/lookup/remove, stale pids after
 * slot reuse, FIFO reuse and pid numbering, a full table, 2M+ live entries,
 * iteration, and the deferred freeing; then a concurrent stress test of
 * lock-free lookups racing with insert/remove/retire (for TSan and ASan). */
#include "unit.h"
#include "ptab.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct Dummy {
    uint64_t pid;
    uint64_t magic;
} Dummy;

#define MAGIC 0xC0FFEE5EEDULL

static void test_basic(void) {
    PTab *t = ptab_new(4); /* 16 slots */
    CHECK_EQ_INT(ptab_capacity(t), 16);
    int a = 1, b = 2, c = 3;
    uint64_t pa = ptab_insert(t, &a), pb = ptab_insert(t, &b);
    CHECK_EQ_UINT(pa, 0);
    CHECK_EQ_UINT(pb, 1); /* fresh slots in order: numbers grow */
    CHECK(ptab_lookup(t, pa) == &a);
    CHECK(ptab_lookup(t, pb) == &b);
    CHECK(ptab_lookup(t, 2) == NULL);           /* never issued */
    CHECK(ptab_lookup(t, pa + 16) == NULL);     /* same slot, other serial */
    CHECK(ptab_lookup(t, UINT64_MAX - 1) == NULL);
    CHECK_EQ_INT(ptab_count(t), 2);
    CHECK(ptab_remove(t, pa));
    CHECK(!ptab_remove(t, pa)); /* twice */
    CHECK(ptab_lookup(t, pa) == NULL);
    CHECK_EQ_INT(ptab_count(t), 1);
    /* Fresh slots are used before freed ones. */
    uint64_t pc = ptab_insert(t, &c);
    CHECK_EQ_UINT(pc, 2);
    CHECK(ptab_remove(t, pb));
    ptab_destroy(t);
}

/* Fill the table; freed slots come back oldest first with a new serial; the
 * old pid stays dead. */
static void test_full_and_reuse(void) {
    PTab *t = ptab_new(4);
    int objs[16];
    uint64_t pids[16];
    for (int i = 0; i < 16; i++) {
        pids[i] = ptab_insert(t, &objs[i]);
        CHECK_EQ_UINT(pids[i], (uint64_t)i);
    }
    CHECK_EQ_UINT(ptab_insert(t, &objs[0]), PTAB_FULL);
    CHECK(ptab_remove(t, pids[7]));
    CHECK(ptab_remove(t, pids[3]));
    uint64_t n1 = ptab_insert(t, &objs[7]);
    uint64_t n2 = ptab_insert(t, &objs[3]);
    CHECK_EQ_UINT(n1, 16 + 7); /* FIFO: slot 7 first, serial 1 */
    CHECK_EQ_UINT(n2, 16 + 3);
    CHECK_EQ_UINT(ptab_index(t, n1), 7);
    CHECK(ptab_lookup(t, pids[7]) == NULL); /* stale */
    CHECK(ptab_lookup(t, pids[3]) == NULL);
    CHECK(ptab_lookup(t, n1) == &objs[7]);
    CHECK(!ptab_remove(t, pids[7])); /* a stale pid cannot kill the new one */
    CHECK(ptab_lookup(t, n1) == &objs[7]);
    /* Many generations of one slot: all old pids dead, numbers increasing. */
    uint64_t prev = n1;
    for (int g = 0; g < 100; g++) {
        CHECK(ptab_remove(t, prev));
        uint64_t p = ptab_insert(t, &objs[7]);
        CHECK(p > prev);
        CHECK(ptab_lookup(t, prev) == NULL);
        prev = p;
    }
    ptab_destroy(t);
}

static void test_iterate(void) {
    PTab *t = ptab_new(6);
    int objs[40];
    uint64_t pids[40];
    for (int i = 0; i < 40; i++) pids[i] = ptab_insert(t, &objs[i]);
    for (int i = 0; i < 40; i += 3) ptab_remove(t, pids[i]);
    size_t cur = 0, n = 0;
    uint64_t pid;
    void *obj;
    bool seen[40] = {false};
    while (ptab_next(t, &cur, &pid, &obj)) {
        int i = (int)((int *)obj - objs);
        REQUIRE(i >= 0 && i < 40);
        CHECK(!seen[i]);
        seen[i] = true;
        CHECK_EQ_UINT(pid, pids[i]);
        n++;
    }
    CHECK_EQ_INT(n, ptab_count(t));
    for (int i = 0; i < 40; i++) CHECK(seen[i] == (i % 3 != 0));
    ptab_destroy(t);
}

/* 2M+ live entries of a dummy struct; every pid finds its own. */
static void test_two_million(void) {
#ifdef __SANITIZE_THREAD__
    enum { N = 300000 }; /* single-threaded: the full size runs in the other builds */
#else
    enum { N = 2100000 };
#endif
    PTab *t = ptab_new(22);
    Dummy *d = malloc(N * sizeof *d);
    REQUIRE(d != NULL);
    for (size_t i = 0; i < N; i++) {
        d[i].magic = MAGIC ^ i;
        d[i].pid = ptab_insert(t, &d[i]);
    }
    CHECK_EQ_INT(ptab_count(t), N);
    size_t bad = 0;
    for (size_t i = 0; i < N; i++) {
        Dummy *x = ptab_lookup(t, d[i].pid);
        if (x != &d[i] || x->magic != (MAGIC ^ i)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* Kill every other one, respawn as many: old pids all dead. */
    for (size_t i = 0; i < N; i += 2) CHECK(ptab_remove(t, d[i].pid) || (bad++, 0));
    CHECK_EQ_INT(ptab_count(t), N - (N + 1) / 2);
    for (size_t i = 0; i < N; i += 2) {
        if (ptab_lookup(t, d[i].pid)) bad++;
        uint64_t p = ptab_insert(t, &d[i]);
        if (p == PTAB_FULL || p == d[i].pid) bad++;
        d[i].pid = p;
    }
    for (size_t i = 0; i < N; i++)
        if (ptab_lookup(t, d[i].pid) != &d[i]) bad++;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(ptab_count(t), N);
    ptab_destroy(t);
    free(d);
}

static _Atomic int freed;
static void count_free(void *p) {
    atomic_fetch_add(&freed, 1);
    free(p);
}

/* Retired objects wait for every online thread's quiescent point. */
static void test_reclaim(void) {
    PTab *t = ptab_new(4);
    atomic_store(&freed, 0);
    int a = ptab_thread_register(t), b = ptab_thread_register(t);
    REQUIRE(a >= 0 && b >= 0 && a != b);
    uint64_t pid = ptab_insert(t, malloc(16));
    void *o = ptab_lookup(t, pid);
    REQUIRE(o != NULL);
    CHECK(ptab_remove(t, pid));
    ptab_retire(t, a, o, count_free);
    CHECK_EQ_INT(ptab_pending(t, a), 1);
    for (int i = 0; i < 5; i++) ptab_quiescent(t, a);
    CHECK_EQ_INT(atomic_load(&freed), 0); /* b may still hold it */
    ptab_quiescent(t, b);
    ptab_quiescent(t, a);
    ptab_quiescent(t, b);
    ptab_quiescent(t, a);
    CHECK_EQ_INT(atomic_load(&freed), 1);
    CHECK_EQ_INT(ptab_pending(t, a), 0);
    /* An offline thread holds nobody back. */
    ptab_thread_offline(t, b);
    o = malloc(16);
    ptab_retire(t, a, o, count_free);
    for (int i = 0; i < 3; i++) ptab_quiescent(t, a);
    CHECK_EQ_INT(atomic_load(&freed), 2);
    ptab_thread_online(t, b);
    ptab_retire(t, a, malloc(16), count_free);
    ptab_thread_unregister(t, a); /* frees what is left */
    CHECK_EQ_INT(atomic_load(&freed), 3);
    ptab_thread_unregister(t, b);
    ptab_destroy(t);
}

/* ---- concurrent stress ----------------------------------------------------
 * Spawners insert and remove (and retire) Dummy objects; readers look up
 * random recent pids and check that whatever they find is alive (magic
 * intact) and carries the pid they asked for. A freed object is poisoned
 * before free, so a reader seeing it (or ASan seeing a use after free) fails
 * the test. */

#define SPAWNERS 2
#define READERS 2
#define ROUNDS 60000
#define RECENT 1024
#define MIN_HITS 5000 /* spawners go on until the readers found this many */

typedef struct Stress {
    PTab *t;
    _Atomic uint64_t recent[RECENT]; /* pids lately issued */
    _Atomic int spawners_left;
    _Atomic long bad, found;
    _Atomic long hits;        /* successful lookups published so far */
    pthread_barrier_t start;
} Stress;

static void poison_free(void *p) {
    Dummy *d = p;
    /* relaxed atomic-free poison: readers must never read it (they are
     * past their quiescent point). */
    d->magic = 0;
    free(d);
}

typedef struct Arg {
    Stress *s;
    int id;
} Arg;

static void *spawner(void *arg) {
    Arg *a = arg;
    Stress *s = a->s;
    int tid = ptab_thread_register(s->t);
    Dummy *mine[64] = {NULL};
    uint64_t x = 88172645463325252ULL + (uint64_t)a->id;
    pthread_barrier_wait(&s->start);
    for (int r = 0; r < ROUNDS || atomic_load(&s->hits) < MIN_HITS; r++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int k = (int)(x % 64);
        if (mine[k]) {
            if (!ptab_remove(s->t, mine[k]->pid)) atomic_fetch_add(&s->bad, 1);
            ptab_retire(s->t, tid, mine[k], poison_free);
            mine[k] = NULL;
        } else {
            Dummy *d = malloc(sizeof *d);
            d->magic = MAGIC;
            d->pid = 0;
            /* The pid is known only after insert; readers compare against
             * the pid they looked up, so publish d->pid before the pid goes
             * into `recent` (release there). */
            uint64_t pid = ptab_insert(s->t, d);
            if (pid == PTAB_FULL) { free(d); continue; }
            d->pid = pid;
            mine[k] = d;
            atomic_store_explicit(&s->recent[x % RECENT], pid, memory_order_release);
        }
        if (r % 16 == 0) ptab_quiescent(s->t, tid);
    }
    for (int k = 0; k < 64; k++)
        if (mine[k]) {
            ptab_remove(s->t, mine[k]->pid);
            ptab_retire(s->t, tid, mine[k], poison_free);
        }
    atomic_fetch_sub(&s->spawners_left, 1);
    ptab_thread_offline(s->t, tid);
    return (void *)(intptr_t)tid;
}

static void *reader(void *arg) {
    Arg *a = arg;
    Stress *s = a->s;
    int tid = ptab_thread_register(s->t);
    uint64_t x = 1234567ULL + (uint64_t)a->id;
    long found = 0, n = 0, published = 0;
    pthread_barrier_wait(&s->start);
    while (atomic_load(&s->spawners_left) > 0) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t pid = atomic_load_explicit(&s->recent[x % RECENT], memory_order_acquire);
        Dummy *d = ptab_lookup(s->t, pid);
        if (d) {
            found++;
            /* d->pid was written before the pid was published to `recent`
             * only if this is the same insert; a stale pid never finds d. */
            if (d->magic != MAGIC) atomic_fetch_add(&s->bad, 1);
        }
        if (++n % 64 == 0) {
            atomic_fetch_add(&s->hits, found - published);
            published = found;
            size_t cur = 0;
            uint64_t p;
            void *o;
            for (int i = 0; i < 8 && ptab_next(s->t, &cur, &p, &o); i++)
                if (((Dummy *)o)->magic != MAGIC) atomic_fetch_add(&s->bad, 1);
            ptab_quiescent(s->t, tid);
        }
    }
    atomic_fetch_add(&s->found, found);
    ptab_thread_offline(s->t, tid);
    return (void *)(intptr_t)tid;
}

static void test_stress(void) {
    Stress *s = calloc(1, sizeof *s);
    s->t = ptab_new(8); /* small: slots are reused a lot */
    atomic_store(&s->spawners_left, SPAWNERS);
    pthread_barrier_init(&s->start, NULL, SPAWNERS + READERS);
    atomic_store(&freed, 0);
    pthread_t th[SPAWNERS + READERS];
    Arg args[SPAWNERS + READERS];
    for (int i = 0; i < SPAWNERS + READERS; i++) {
        args[i] = (Arg){s, i};
        pthread_create(&th[i], NULL, i < SPAWNERS ? spawner : reader, &args[i]);
    }
    int tids[SPAWNERS + READERS];
    for (int i = 0; i < SPAWNERS + READERS; i++) {
        void *r;
        pthread_join(th[i], &r);
        tids[i] = (int)(intptr_t)r;
    }
    CHECK_EQ_INT(atomic_load(&s->bad), 0);
    CHECK(atomic_load(&s->found) >= MIN_HITS);
    CHECK_EQ_INT(ptab_count(s->t), 0);
    for (int i = 0; i < SPAWNERS + READERS; i++) ptab_thread_unregister(s->t, tids[i]);
    printf("stress: %ld successful lookups\n", (long)atomic_load(&s->found));
    pthread_barrier_destroy(&s->start);
    ptab_destroy(s->t);
    free(s);
}

int main(void) {
    RUN(test_basic);
    RUN(test_full_and_reuse);
    RUN(test_iterate);
    RUN(test_two_million);
    RUN(test_reclaim);
    RUN(test_stress);
    return unit_summary();
}
