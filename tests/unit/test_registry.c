/* test_registry.c — registered names (vm/registry.c) at the C level:
 * register / whereis / unregister / name_of / names, the three refusals
 * (name taken, process already named, process exiting), registry_drop at
 * exit, and a table with many names and many tombstones (growth, reuse,
 * probing past tombstones, and how big churn lets the table get).
 *
 * Processes come from process_new() (no runtime: their provisional pids are
 * distinct, which is all the registry needs).
 *
 * Memory: this executable is linked with -Wl,--wrap=calloc (tests/meson.build)
 * so that the churn test can see the size of the registry's table
 * allocations (registry.c allocates its table with calloc and nothing else). */
#include "unit.h"
#include "registry.h"
#include "process.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include "inspect.h"
#include <stdlib.h>
#include <stdatomic.h>
#include <pthread.h>

/* ---- calloc spy (see above) ------------------------------------------------ */
void *__real_calloc(size_t n, size_t size);
/* Atomic: other tests' threads allocate too (relaxed: statistics only). */
static _Atomic size_t spy_max_bytes;   /* largest calloc since spy_reset */
static _Atomic unsigned long spy_calls;
void *__wrap_calloc(size_t n, size_t size) {
    size_t bytes = n * size;
    size_t cur = atomic_load_explicit(&spy_max_bytes, memory_order_relaxed);
    while (bytes > cur && !atomic_compare_exchange_weak_explicit(&spy_max_bytes, &cur, bytes,
                                                                memory_order_relaxed, memory_order_relaxed)) {}
    atomic_fetch_add_explicit(&spy_calls, 1, memory_order_relaxed);
    return __real_calloc(n, size);
}
static void spy_reset(void) { atomic_store(&spy_max_bytes, 0); atomic_store(&spy_calls, 0); }

/* ---- helpers --------------------------------------------------------------- */

static Term A(const char *s) { return atom_intern_cstr(s); }

/* An atom :"<prefix><i>". */
static Term An(const char *prefix, unsigned i) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s%u", prefix, i);
    return atom_intern_cstr(buf);
}

static Process *proc(void) { return process_new(GC_MIN_HEAP); }

/* inspect(t) as a C string (static buffer). */
static const char *show(Term t) {
    static char out[4096];
    StrBuf b = {0};
    inspect_to_buf(&b, t, &inspect_default_opts);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    strbuf_free(&b);
    return out;
}

/* Is name in the list registry_names built on p's heap? Also counts it. */
static size_t names_count(Process *on, Term name, bool *found) {
    size_t n = 0;
    if (found) *found = false;
    for (Term l = registry_names(on); is_cons(l); l = CDR(l)) {
        n++;
        if (found && CAR(l) == name) *found = true;
    }
    return n;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_register_whereis_unregister(void) {
    Process *p = proc(), *on = proc();
    Term n = A("reg_basic");
    CHECK(registry_whereis(n) == T_NONE);
    CHECK(registry_name_of(p) == ATOM_nil);
    CHECK_EQ_INT(names_count(on, n, NULL), 0);

    CHECK_EQ_INT(registry_register(n, p, (p)->pid), REG_OK);
    CHECK_EQ_UINT(registry_whereis(n), p->pid);
    CHECK(registry_name_of(p) == n);
    CHECK(p->reg_name == n);
    bool found;
    CHECK_EQ_INT(names_count(on, n, &found), 1);
    CHECK(found);
    CHECK_EQ_STR(show(registry_names(on)), "[:reg_basic]");

    CHECK(registry_unregister(n));
    CHECK(registry_whereis(n) == T_NONE);
    CHECK(registry_name_of(p) == ATOM_nil);
    CHECK(p->reg_name == ATOM_nil);
    CHECK_EQ_INT(names_count(on, n, NULL), 0);
    CHECK(!registry_unregister(n));          /* twice: not registered */
    CHECK(!registry_unregister(A("never_registered")));

    /* The process may take a name again, and the name another process. */
    CHECK_EQ_INT(registry_register(n, p, (p)->pid), REG_OK);
    CHECK(registry_unregister(n));
    Process *q = proc();
    CHECK_EQ_INT(registry_register(n, q, (q)->pid), REG_OK);
    CHECK_EQ_UINT(registry_whereis(n), q->pid);
    CHECK(registry_name_of(p) == ATOM_nil);
    CHECK(registry_unregister(n));
    process_free(p);
    process_free(q);
    process_free(on);
}

static void test_name_taken(void) {
    Process *p = proc(), *q = proc();
    Term n = A("reg_taken");
    CHECK_EQ_INT(registry_register(n, p, (p)->pid), REG_OK);
    CHECK_EQ_INT(registry_register(n, q, (q)->pid), REG_NAME_TAKEN);
    CHECK(q->reg_name == ATOM_nil);
    CHECK(registry_name_of(q) == ATOM_nil);
    CHECK_EQ_UINT(registry_whereis(n), p->pid);
    /* The same process again under the same name: the name is taken (the
     * BEAM raises badarg for both; the name check comes first here). */
    CHECK_EQ_INT(registry_register(n, p, (p)->pid), REG_NAME_TAKEN);
    CHECK(registry_name_of(p) == n);
    /* q may still take another name. */
    Term m = A("reg_taken_other");
    CHECK_EQ_INT(registry_register(m, q, (q)->pid), REG_OK);
    CHECK_EQ_UINT(registry_whereis(m), q->pid);
    CHECK(registry_unregister(n));
    CHECK(registry_unregister(m));
    process_free(p);
    process_free(q);
}

static void test_already_named(void) {
    Process *p = proc();
    Term a = A("reg_named_a"), b = A("reg_named_b");
    CHECK_EQ_INT(registry_register(a, p, (p)->pid), REG_OK);
    CHECK_EQ_INT(registry_register(b, p, (p)->pid), REG_HAS_NAME);
    CHECK(registry_whereis(b) == T_NONE);
    CHECK(registry_name_of(p) == a);
    CHECK_EQ_UINT(registry_whereis(a), p->pid);
    /* Once a is gone, b is fine. */
    CHECK(registry_unregister(a));
    CHECK_EQ_INT(registry_register(b, p, (p)->pid), REG_OK);
    CHECK(registry_name_of(p) == b);
    CHECK(registry_whereis(a) == T_NONE);
    CHECK(registry_unregister(b));
    process_free(p);
}

static void test_exiting_refused(void) {
    Process *p = proc(), *q = proc();
    Term n = A("reg_exiting");
    q->exiting = true;
    CHECK_EQ_INT(registry_register(n, q, (q)->pid), REG_DEAD);
    CHECK(registry_whereis(n) == T_NONE);
    CHECK(q->reg_name == ATOM_nil);
    /* The refusal must not leave anything behind: the name is free. */
    CHECK_EQ_INT(registry_register(n, p, (p)->pid), REG_OK);
    CHECK_EQ_UINT(registry_whereis(n), p->pid);
    /* Exiting wins over "name taken" too (the process is dead either way). */
    CHECK_EQ_INT(registry_register(n, q, (q)->pid), REG_DEAD);
    CHECK_EQ_UINT(registry_whereis(n), p->pid);
    CHECK(registry_unregister(n));
    process_free(p);
    process_free(q);
}

static void test_drop_at_exit(void) {
    Process *p = proc(), *q = proc(), *r = proc(), *on = proc();
    Term n = A("reg_drop"), m = A("reg_drop_q");
    CHECK_EQ_INT(registry_register(n, p, (p)->pid), REG_OK);
    CHECK_EQ_INT(registry_register(m, q, (q)->pid), REG_OK);
    registry_drop(p);
    CHECK(registry_whereis(n) == T_NONE);
    CHECK(registry_name_of(p) == ATOM_nil);
    CHECK(p->reg_name == ATOM_nil);
    CHECK_EQ_UINT(registry_whereis(m), q->pid);     /* others untouched */
    bool found;
    CHECK_EQ_INT(names_count(on, m, &found), 1);
    CHECK(found);
    /* Dropping again, or dropping an unnamed process, changes nothing. */
    registry_drop(p);
    registry_drop(r);
    CHECK_EQ_UINT(registry_whereis(m), q->pid);
    CHECK(!registry_unregister(n));
    /* The name is free for another process, and a later drop of the first
     * one (its reg_name is nil now) cannot remove the new owner's entry. */
    CHECK_EQ_INT(registry_register(n, r, (r)->pid), REG_OK);
    registry_drop(p);
    CHECK_EQ_UINT(registry_whereis(n), r->pid);
    registry_drop(q);
    registry_drop(r);
    CHECK_EQ_INT(names_count(on, T_NONE, NULL), 0);
    process_free(p);
    process_free(q);
    process_free(r);
    process_free(on);
}

#define MANY 10000

static void test_many_names(void) {
    static Term names[MANY];
    static Process *procs[MANY];
    Process *on = proc();
    for (unsigned i = 0; i < MANY; i++) {
        names[i] = An("reg_many_", i);
        procs[i] = proc();
    }
    for (int round = 0; round < 5; round++) {
        unsigned bad = 0;
        for (unsigned i = 0; i < MANY; i++)
            if (registry_register(names[i], procs[i], (procs[i])->pid) != REG_OK) bad++;
        CHECK_EQ_INT(bad, 0);
        bad = 0;
        for (unsigned i = 0; i < MANY; i++)
            if (registry_whereis(names[i]) != procs[i]->pid || registry_name_of(procs[i]) != names[i]) bad++;
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(names_count(on, T_NONE, NULL), MANY);
        gc_collect(on, 0, NULL, 0);
        /* Unregister the even ones, then look every name up: the odd ones
         * sit behind tombstones in their probe chains. */
        bad = 0;
        for (unsigned i = 0; i < MANY; i += 2)
            if (!registry_unregister(names[i])) bad++;
        CHECK_EQ_INT(bad, 0);
        bad = 0;
        for (unsigned i = 0; i < MANY; i++) {
            Term want = i % 2 ? procs[i]->pid : T_NONE;
            if (registry_whereis(names[i]) != want) bad++;
            if (registry_name_of(procs[i]) != (i % 2 ? names[i] : ATOM_nil)) bad++;
        }
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(names_count(on, T_NONE, NULL), MANY / 2);
        gc_collect(on, 0, NULL, 0);
        /* Re-register the even names under a rotated assignment (name i
         * to process i+2, also even, so unnamed now): names and processes
         * change partners. An odd (named) process is refused a second name. */
        bad = 0;
        for (unsigned i = 0; i < MANY; i += 2)
            if (registry_register(names[i], procs[(i + 2) % MANY], (procs[(i + 2) % MANY])->pid) != REG_OK) bad++;
        CHECK_EQ_INT(bad, 0);
        for (unsigned i = 0; i < MANY; i += 2)
            if (registry_whereis(names[i]) != procs[(i + 2) % MANY]->pid ||
                registry_name_of(procs[(i + 2) % MANY]) != names[i]) bad++;
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(registry_register(An("reg_many_extra_", round), procs[1], (procs[1])->pid), REG_HAS_NAME);
        CHECK_EQ_INT(names_count(on, T_NONE, NULL), MANY);
        gc_collect(on, 0, NULL, 0);
        /* Drop everyone (as at exit). */
        for (unsigned i = 0; i < MANY; i++) registry_drop(procs[i]);
        bad = 0;
        for (unsigned i = 0; i < MANY; i++)
            if (registry_whereis(names[i]) != T_NONE) bad++;
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(names_count(on, T_NONE, NULL), 0);
    }
    for (unsigned i = 0; i < MANY; i++) process_free(procs[i]);
    process_free(on);
}

/* Churn: one name live at a time, each a name never registered before (a
 * server per job, :"job_#{n}"). The table only ever holds a handful of live
 * names, so it should stay small: tombstones must be purged by rehashing in
 * place, not by doubling the table each time they fill it. */
#define CHURN 200000

static void test_churn_distinct_names(void) {
    static Term names[CHURN];
    for (unsigned i = 0; i < CHURN; i++) names[i] = An("reg_churn_", i);
    Process *p = proc(), *q = proc();
    spy_reset();
    unsigned bad = 0;
    for (unsigned i = 0; i < CHURN; i++) {
        Process *who = i % 2 ? p : q;
        if (registry_register(names[i], who, (who)->pid) != REG_OK) bad++;
        if (registry_whereis(names[i]) != who->pid) bad++;
        if (i && registry_whereis(names[i - 1]) != T_NONE) bad++;
        if (!registry_unregister(names[i])) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    size_t max_bytes = atomic_load(&spy_max_bytes);
    /* 24-byte entries; one live name needs 16 slots. Allow 64x that. */
    if (max_bytes > 1024 * 24)
        fprintf(stderr, "registry table grew to %zu bytes (%zu slots) for 1 live name "
                "after %d register/unregister pairs of distinct names\n",
                max_bytes, max_bytes / 24, CHURN);
    CHECK(max_bytes <= 1024 * 24);
    /* Lookups of absent names still terminate and miss. */
    CHECK(registry_whereis(names[0]) == T_NONE);
    CHECK(registry_whereis(A("reg_churn_absent")) == T_NONE);
    process_free(p);
    process_free(q);
}

/* Same names over and over (the common case): never grows past the live set. */
static void test_churn_same_names(void) {
    enum { N = 10000, ROUNDS = 20 };
    static Term names[N];
    static Process *procs[N];
    for (unsigned i = 0; i < N; i++) {
        names[i] = An("reg_many_", i);   /* the same atoms as test_many_names */
        procs[i] = proc();
    }
    spy_reset();
    unsigned bad = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < N; i++)
            if (registry_register(names[i], procs[(i + r) % N], (procs[(i + r) % N])->pid) != REG_OK) bad++;
        for (unsigned i = 0; i < N; i++)
            if (registry_whereis(names[i]) != procs[(i + r) % N]->pid) bad++;
        for (unsigned i = 0; i < N; i++)
            if (!registry_unregister(names[i])) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* Re-registering the same names reuses their tombstones, so the table
     * stays sized for the 10k live names: a rehash may size it for a
     * quarter load (65536 slots), never more. */
    if (spy_max_bytes > 65536 * 24)
        fprintf(stderr, "registry table grew to %zu slots for %d live names\n",
                spy_max_bytes / 24, N);
    CHECK(spy_max_bytes <= 65536 * 24);
    for (unsigned i = 0; i < N; i++) process_free(procs[i]);
}

/* Threads race for a few shared names, each for its own process (as
 * Process.register from several schedulers): a name has one owner at a
 * time, the owner always finds itself with whereis while it holds the
 * name, and at the end every name is free. */
enum { RT_THREADS = 4, RT_NAMES = 6, RT_ITERS = 20000 };
static Term rt_names[RT_NAMES];

typedef struct RtCtx {
    Process *p;
    unsigned seed;
    unsigned wins, taken, bad;
} RtCtx;

static void *rt_worker(void *arg) {
    RtCtx *c = arg;
    for (int i = 0; i < RT_ITERS; i++) {
        c->seed = c->seed * 1103515245u + 12345u;
        Term n = rt_names[(c->seed >> 16) % RT_NAMES];
        RegStatus st = registry_register(n, c->p, (c->p)->pid);
        if (st == REG_OK) {
            c->wins++;
            if (registry_whereis(n) != c->p->pid) c->bad++;
            if (registry_name_of(c->p) != n) c->bad++;
            if (registry_register(n, c->p, (c->p)->pid) != REG_NAME_TAKEN) c->bad++;
            if (i % 2) {
                if (!registry_unregister(n)) c->bad++;
            } else {
                registry_drop(c->p);
            }
            if (registry_name_of(c->p) != ATOM_nil) c->bad++;
        } else if (st == REG_NAME_TAKEN) {
            c->taken++;
        } else {
            c->bad++;
        }
    }
    return NULL;
}

static void test_threads_share_names(void) {
    for (int i = 0; i < RT_NAMES; i++) rt_names[i] = An("reg_thread_", i);
    RtCtx ctx[RT_THREADS];
    pthread_t th[RT_THREADS];
    for (int i = 0; i < RT_THREADS; i++) {
        ctx[i] = (RtCtx){ .p = proc(), .seed = 17u * (unsigned)i + 1 };
        pthread_create(&th[i], NULL, rt_worker, &ctx[i]);
    }
    unsigned wins = 0, bad = 0;
    for (int i = 0; i < RT_THREADS; i++) {
        pthread_join(th[i], NULL);
        wins += ctx[i].wins;
        bad += ctx[i].bad;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(wins > 0);
    for (int i = 0; i < RT_NAMES; i++) CHECK(registry_whereis(rt_names[i]) == T_NONE);
    for (int i = 0; i < RT_THREADS; i++) process_free(ctx[i].p);
}

static void test_free_and_reuse(void) {
    Process *p = proc();
    Term n = A("reg_after_free");
    CHECK_EQ_INT(registry_register(n, p, (p)->pid), REG_OK);
    registry_free();   /* VM shutdown: the table is gone */
    CHECK(registry_whereis(n) == T_NONE);
    /* p->reg_name still says n (registry_free does not touch processes);
     * a new process can use the fresh table. */
    Process *q = proc();
    CHECK_EQ_INT(registry_register(n, q, (q)->pid), REG_OK);
    CHECK_EQ_UINT(registry_whereis(n), q->pid);
    CHECK(registry_unregister(n));
    process_free(p);
    process_free(q);
}

int main(void) {
    atom_init();
    RUN(test_register_whereis_unregister);
    RUN(test_name_taken);
    RUN(test_already_named);
    RUN(test_exiting_refused);
    RUN(test_drop_at_exit);
    RUN(test_many_names);
    RUN(test_churn_same_names);
    RUN(test_churn_distinct_names);
    RUN(test_threads_share_names);
    RUN(test_free_and_reuse);
    registry_free();
    return unit_summary();
}
