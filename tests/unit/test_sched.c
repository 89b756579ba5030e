/* test_sched.c — schedulers with synthetic tasks: every task runs exactly its
 * budget of slices and never on two threads at once; wakes from foreign
 * threads are neither lost nor doubled; stealing happens; an idle scheduler
 * uses no CPU; FIFO fairness; deterministic mode; timer-driven waits. */
#include "unit.h"
#include "scheduler.h"
#include <stdlib.h>
#include <stddef.h>
#include <time.h>
#include <pthread.h>
#include <sys/resource.h>

#define container_of(p, T, f) ((T *)((char *)(p) - offsetof(T, f)))

typedef struct Task {
    SchedTask st;
    int id;
    int yields_left;            /* YIELD this many times, then DONE */
    _Atomic int runs;
    _Atomic int inside;         /* > 1: run concurrently (a bug) */
    _Atomic int overlap;
    _Atomic int after_done;     /* run after DONE (a bug) */
    _Atomic int done;
    _Atomic int ran_on[8];      /* slices per worker */
    /* wait/wake tests */
    _Atomic int tokens;         /* posted by wakers */
    int received, target;
    Timer timer;
    int sleeps_left;
    int64_t started;
    int spin;                   /* busy work per slice (iterations) */
} Task;

typedef struct Ctx {
    Sched *s;
    TimerWheel *tw;
    _Atomic int order_len;
    int order[4096];
    _Atomic int dones;
} Ctx;

static void enter(Task *t, Ctx *c) {
    if (atomic_fetch_add(&t->inside, 1) != 0) atomic_store(&t->overlap, 1);
    if (atomic_load(&t->done)) atomic_store(&t->after_done, 1);
    atomic_fetch_add(&t->runs, 1);
    int w = sched_current(c->s);
    if (w >= 0 && w < 8) atomic_fetch_add(&t->ran_on[w], 1);
    int k = atomic_fetch_add(&c->order_len, 1);
    if (k < 4096) c->order[k] = t->id;
}

static SchedStatus leave(Task *t, SchedStatus st) {
    if (st == SCHED_DONE) atomic_store(&t->done, 1);
    atomic_fetch_sub(&t->inside, 1);
    return st;
}

static _Atomic uint64_t sink;
static void busy(int n) {
    uint64_t x = 1;
    for (int i = 0; i < n; i++) x = x * 6364136223846793005ULL + 1;
    atomic_store_explicit(&sink, x, memory_order_relaxed);
}

static SchedStatus run_yielder(SchedTask *st, int budget, void *ctx) {
    Task *t = container_of(st, Task, st);
    enter(t, ctx);
    busy(t->spin);
    if (t->yields_left-- > 0) return leave(t, SCHED_YIELD);
    return leave(t, SCHED_DONE);
}

static void on_done(SchedTask *st, void *ctx) {
    Ctx *c = ctx;
    atomic_fetch_add(&c->dones, 1);
}

static Task *tasks_new(int n) {
    Task *t = calloc((size_t)n, sizeof *t);
    for (int i = 0; i < n; i++) t[i].id = i;
    return t;
}

static void check_clean(Task *t, int n) {
    int overlap = 0, after = 0;
    for (int i = 0; i < n; i++) {
        overlap += atomic_load(&t[i].overlap);
        after += atomic_load(&t[i].after_done);
    }
    CHECK_EQ_INT(overlap, 0);
    CHECK_EQ_INT(after, 0);
}

/* 10k tasks each yielding k times: each runs exactly k + 1 slices. */
static void test_yields(void) {
    enum { N = 10000 };
    Ctx c = {0};
    SchedConfig cfg = {.nschedulers = 2, .run = run_yielder, .on_done = on_done,
                       .ctx = &c, .stop_when_idle = true};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    Task *t = tasks_new(N);
    for (int i = 0; i < N; i++) {
        t[i].yields_left = i % 7;
        sched_spawn(c.s, &t[i].st, -1);
    }
    CHECK_EQ_INT(sched_alive(c.s), N);
    sched_run(c.s);
    int bad = 0;
    for (int i = 0; i < N; i++)
        if (atomic_load(&t[i].runs) != i % 7 + 1 || !atomic_load(&t[i].done)) bad++;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(atomic_load(&c.dones), N);
    CHECK_EQ_INT(sched_alive(c.s), 0);
    check_clean(t, N);
    uint64_t runs = 0, dones = 0;
    for (int i = 0; i < sched_count(c.s); i++) {
        SchedStats st;
        sched_stats(c.s, i, &st);
        runs += st.runs;
        dones += st.dones;
    }
    uint64_t expect = 0;
    for (int i = 0; i < N; i++) expect += (uint64_t)(i % 7 + 1);
    CHECK_EQ_UINT(runs, expect);
    CHECK_EQ_UINT(dones, N);
    sched_free(c.s);
    free(t);
}

/* Everything spawned on queue 0: scheduler 1 steals and runs some. */
static void test_stealing(void) {
    enum { N = 2000 };
    Ctx c = {0};
    SchedConfig cfg = {.nschedulers = 2, .run = run_yielder, .ctx = &c, .stop_when_idle = true};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    Task *t = tasks_new(N);
    for (int i = 0; i < N; i++) {
        t[i].yields_left = 3;
        t[i].spin = 20000;
        sched_spawn(c.s, &t[i].st, 0);
    }
    sched_run(c.s);
    SchedStats s0, s1;
    sched_stats(c.s, 0, &s0);
    sched_stats(c.s, 1, &s1);
    CHECK(s1.steals > 0);
    CHECK(s1.stolen > 0);
    CHECK(s1.runs > N / 10);    /* the thief did a real share of the work */
    int bad = 0, on1 = 0;
    for (int i = 0; i < N; i++) {
        if (atomic_load(&t[i].runs) != 4) bad++;
        if (atomic_load(&t[i].ran_on[1])) on1++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(on1 > 0);
    CHECK_EQ_UINT(s0.runs + s1.runs, 4 * N);
    check_clean(t, N);
    sched_free(c.s);
    free(t);
}

/* ---- wait / wake from foreign threads ---------------------------------- */

static SchedStatus run_waiter(SchedTask *st, int budget, void *ctx) {
    Task *t = container_of(st, Task, st);
    enter(t, ctx);
    /* consume the posted tokens (the "mailbox"), acquire pairs with the
     * wakers' release */
    t->received += atomic_exchange_explicit(&t->tokens, 0, memory_order_acquire);
    if (t->received >= t->target) return leave(t, SCHED_DONE);
    return leave(t, SCHED_WAIT);
}

typedef struct Waker {
    Sched *s;
    Task *t;
    int n, per, seed;
    _Atomic int *woke;          /* successful wakes (returned true) */
} Waker;

static void *waker_main(void *arg) {
    Waker *w = arg;
    uint64_t x = (uint64_t)w->seed * 2654435761u + 1;
    for (int round = 0; round < w->per; round++)
        for (int k = 0; k < w->n; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            Task *t = &w->t[x % (uint64_t)w->n];
            (void)k;
            atomic_fetch_add_explicit(&t->tokens, 1, memory_order_release);
            if (sched_wake(w->s, &t->st)) atomic_fetch_add(w->woke, 1);
        }
    return NULL;
}

static void test_wake_races(void) {
    enum { N = 500, WAKERS = 3, PER = 20 };
    Ctx c = {0};
    SchedConfig cfg = {.nschedulers = 2, .run = run_waiter, .ctx = &c};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    Task *t = tasks_new(N);
    /* every waker posts N * PER tokens spread at random; a task is done
     * when it has seen all tokens posted to it, so count them first */
    uint64_t per_task[N] = {0};
    for (int w = 0; w < WAKERS; w++) {
        uint64_t x = (uint64_t)(w + 1) * 2654435761u + 1;
        for (int r = 0; r < PER * N; r++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            per_task[x % N]++;
        }
    }
    for (int i = 0; i < N; i++) {
        t[i].target = (int)per_task[i];
        sched_spawn(c.s, &t[i].st, -1);
    }
    REQUIRE(sched_start(c.s) == 0);
    /* let every task park first, so the first wakes must find WAITING */
    int64_t park_until = timer_now_ms() + 3000;
    int parked = 0;
    while (parked < N && timer_now_ms() < park_until) {
        parked = 0;
        for (int i = 0; i < N; i++)
            parked += atomic_load(&t[i].st.state) == SCHED_WAITING || atomic_load(&t[i].done);
    }
    CHECK_EQ_INT(parked, N);
    _Atomic int woke = 0;
    pthread_t th[WAKERS];
    Waker wk[WAKERS];
    for (int w = 0; w < WAKERS; w++) {
        wk[w] = (Waker){c.s, t, N, PER, w + 1, &woke};
        pthread_create(&th[w], NULL, waker_main, &wk[w]);
    }
    for (int w = 0; w < WAKERS; w++) pthread_join(th[w], NULL);
    /* all tokens posted: wait (bounded) for every task to finish */
    int64_t until = timer_now_ms() + 5000;
    while (sched_alive(c.s) > 0 && timer_now_ms() < until) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    CHECK_EQ_INT(sched_alive(c.s), 0);
    sched_stop(c.s);
    sched_join(c.s);
    int bad = 0;
    int64_t runs = 0;
    for (int i = 0; i < N; i++) {
        if (t[i].received != t[i].target || !atomic_load(&t[i].done)) bad++;
        runs += atomic_load(&t[i].runs);
    }
    CHECK_EQ_INT(bad, 0);
    check_clean(t, N);
    /* each successful wake enqueued the task once; a task runs once at spawn
     * plus at most once per successful wake or WAKE_PENDING requeue */
    SchedStats s0, s1;
    sched_stats(c.s, 0, &s0);
    sched_stats(c.s, 1, &s1);
    CHECK_EQ_UINT(s0.runs + s1.runs, (uint64_t)runs);
    CHECK(runs >= N + 0);
    CHECK(atomic_load(&woke) > 0);
    /* runs = spawns + successful wakes + requeues after WAKE_PENDING */
    CHECK(runs >= N + atomic_load(&woke));
    sched_free(c.s);
    free(t);
}

/* A wake that lands while the task is running is not lost: the task wakes
 * itself (RUNNING -> WAKE_PENDING), returns WAIT, and is run again. */
static SchedStatus run_self_waker(SchedTask *st, int budget, void *ctx) {
    Ctx *c = ctx;
    Task *t = container_of(st, Task, st);
    enter(t, ctx);
    if (atomic_load(&t->runs) == 1) {
        bool made_runnable = sched_wake(c->s, st);
        bool again = sched_wake(c->s, st);
        if (made_runnable || again) atomic_store(&t->overlap, 1);   /* would be a bug */
        return leave(t, SCHED_WAIT);
    }
    return leave(t, SCHED_DONE);
}

static void test_wake_while_running(void) {
    Ctx c = {0};
    SchedConfig cfg = {.nschedulers = 1, .run = run_self_waker, .ctx = &c, .stop_when_idle = true};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    Task *t = tasks_new(1);
    sched_spawn(c.s, &t[0].st, -1);
    sched_run(c.s);
    CHECK_EQ_INT(atomic_load(&t[0].runs), 2);
    CHECK(atomic_load(&t[0].done));
    CHECK(!sched_wake(c.s, &t[0].st));     /* done: no effect */
    CHECK_EQ_INT(atomic_load(&t[0].st.state), SCHED_DONE_STATE);
    check_clean(t, 1);
    sched_free(c.s);
    free(t);
}

/* ---- fairness and determinism ------------------------------------------ */

static void run_order(int nsched, bool det, uint64_t seed, int ntasks, int yields, int *out, int *len) {
    Ctx *c = calloc(1, sizeof *c);
    SchedConfig cfg = {.nschedulers = nsched, .run = run_yielder, .ctx = c,
                       .stop_when_idle = true, .deterministic = det, .seed = seed};
    c->s = sched_new(&cfg);
    Task *t = tasks_new(ntasks);
    for (int i = 0; i < ntasks; i++) {
        t[i].yields_left = yields;
        sched_spawn(c->s, &t[i].st, -1);
    }
    sched_run(c->s);
    *len = atomic_load(&c->order_len);
    memcpy(out, c->order, sizeof(int) * (size_t)*len);
    sched_free(c->s);
    free(t);
    free(c);
}

/* One scheduler, always-yielding tasks: exact round robin (FIFO requeue). */
static void test_fifo_fairness(void) {
    int order[4096], len;
    run_order(1, false, 0, 3, 9, order, &len);
    CHECK_EQ_INT(len, 30);
    int bad = 0;
    for (int i = 0; i < len; i++) if (order[i] != i % 3) bad++;
    CHECK_EQ_INT(bad, 0);
}

/* An endless yielder does not starve a finite task on the same queue. */
static _Atomic int forever_stop;
static SchedStatus run_forever(SchedTask *st, int budget, void *ctx) {
    Ctx *c = ctx;
    Task *t = container_of(st, Task, st);
    if (t->id == 0) {
        if (atomic_load(&forever_stop)) return SCHED_DONE;
        return SCHED_YIELD;
    }
    if (t->yields_left-- > 0) return SCHED_YIELD;
    atomic_store(&forever_stop, 1);
    (void)c;
    return SCHED_DONE;
}

static void test_no_starvation(void) {
    Ctx c = {0};
    SchedConfig cfg = {.nschedulers = 1, .run = run_forever, .ctx = &c, .stop_when_idle = true};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    Task *t = tasks_new(2);
    t[1].yields_left = 1000;
    sched_spawn(c.s, &t[0].st, -1);
    sched_spawn(c.s, &t[1].st, -1);
    sched_run(c.s);      /* returns only if task 1 finished and stopped task 0 */
    CHECK(atomic_load(&forever_stop));
    CHECK_EQ_INT(sched_alive(c.s), 0);
    sched_free(c.s);
    free(t);
}

static void test_deterministic(void) {
    int a[4096], b[4096], d[4096], la, lb, ld;
    run_order(4, true, 42, 20, 5, a, &la);
    run_order(4, true, 42, 20, 5, b, &lb);
    run_order(4, true, 43, 20, 5, d, &ld);
    CHECK_EQ_INT(la, 120);
    CHECK_EQ_INT(lb, la);
    CHECK_EQ_INT(ld, la);
    CHECK(memcmp(a, b, sizeof(int) * 120) == 0);
    CHECK(memcmp(a, d, sizeof(int) * 120) != 0);
    /* not plain round robin either */
    int rr = 0;
    for (int i = 0; i < la; i++) rr += a[i] == i % 20;
    CHECK(rr < la);
    /* every task still ran exactly 6 slices */
    int count[20] = {0};
    for (int i = 0; i < la; i++) count[a[i]]++;
    int bad = 0;
    for (int i = 0; i < 20; i++) bad += count[i] != 6;
    CHECK_EQ_INT(bad, 0);
}

/* ---- idling ------------------------------------------------------------ */

static double cpu_secs(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Idle schedulers sleep (no CPU over 200 ms) and wake for new work. */
static void test_idle_no_cpu(void) {
    Ctx c = {0};
    SchedConfig cfg = {.nschedulers = 2, .run = run_yielder, .ctx = &c};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    REQUIRE(sched_start(c.s) == 0);
    sleep_ms(30);
    double c0 = cpu_secs();
    sleep_ms(200);
    double used = cpu_secs() - c0;
    CHECK(used < 0.02);
    SchedStats s0;
    sched_stats(c.s, 0, &s0);
    CHECK(s0.sleeps >= 1);
    /* spawned from a foreign thread: a sleeper wakes and runs it */
    Task *t = tasks_new(4);
    for (int i = 0; i < 4; i++) {
        t[i].yields_left = 2;
        sched_spawn(c.s, &t[i].st, -1);
    }
    int64_t until = timer_now_ms() + 2000;
    while (sched_alive(c.s) > 0 && timer_now_ms() < until) sleep_ms(1);
    CHECK_EQ_INT(sched_alive(c.s), 0);
    for (int i = 0; i < 4; i++) CHECK_EQ_INT(atomic_load(&t[i].runs), 3);
    /* and idles again */
    sleep_ms(20);
    c0 = cpu_secs();
    sleep_ms(100);
    CHECK(cpu_secs() - c0 < 0.02);
    sched_stop(c.s);
    sched_join(c.s);
    sched_free(c.s);
    free(t);
}

/* ---- timers ------------------------------------------------------------ */

static Ctx *timer_ctx;
static void timer_wake_sched(Timer *tm, void *arg) {
    Task *t = arg;
    (void)tm;
    atomic_fetch_add_explicit(&t->tokens, 1, memory_order_release);
    sched_wake(timer_ctx->s, &t->st);
}

/* Each task "sleeps" 20 ms three times via the wheel; the schedulers idle
 * (sleeping on the timer deadline) in between. */
static SchedStatus run_sleeper(SchedTask *st, int budget, void *ctx) {
    Ctx *c = ctx;
    Task *t = container_of(st, Task, st);
    enter(t, ctx);
    if (atomic_exchange_explicit(&t->tokens, 0, memory_order_acquire)) t->sleeps_left--;
    if (t->sleeps_left == 0) return leave(t, SCHED_DONE);
    timer_init(&t->timer, timer_wake_sched, t);
    timer_start(c->tw, &t->timer, 20);
    return leave(t, SCHED_WAIT);
}

static void test_timer_waits(void) {
    enum { N = 50 };
    TimerWheel tw;
    timer_wheel_init(&tw, timer_now_ms());
    Ctx c = {0};
    c.tw = &tw;
    timer_ctx = &c;
    SchedConfig cfg = {.nschedulers = 2, .run = run_sleeper, .ctx = &c,
                       .stop_when_idle = true, .timers = &tw};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    Task *t = tasks_new(N);
    for (int i = 0; i < N; i++) {
        t[i].sleeps_left = 3;
        sched_spawn(c.s, &t[i].st, -1);
    }
    int64_t start = timer_now_ms();
    double c0 = cpu_secs();
    sched_run(c.s);
    int64_t took = timer_now_ms() - start;
    double used = cpu_secs() - c0;
    CHECK(took >= 60);
    CHECK(took < 60 + 400);
    CHECK(used < 0.05 + took / 1000.0 * 0.5);    /* mostly asleep */
    int bad = 0;
    for (int i = 0; i < N; i++) bad += atomic_load(&t[i].runs) != 4 || !atomic_load(&t[i].done);
    CHECK_EQ_INT(bad, 0);
    uint64_t fires = 0, sleeps = 0;
    for (int i = 0; i < 2; i++) {
        SchedStats s;
        sched_stats(c.s, i, &s);
        fires += s.timer_fires;
        sleeps += s.sleeps;
    }
    CHECK_EQ_UINT(fires, 3 * N);
    CHECK(sleeps >= 3);
    CHECK_EQ_INT(timer_pending(&tw), 0);
    check_clean(t, N);
    sched_free(c.s);
    timer_wheel_destroy(&tw);
    free(t);
}

/* Deterministic mode on a virtual clock: tasks sleeping virtual seconds
 * finish at once in real time, in an order that only the seed decides. */
static SchedStatus run_vsleeper(SchedTask *st, int budget, void *ctx) {
    Ctx *c = ctx;
    Task *t = container_of(st, Task, st);
    enter(t, ctx);
    if (atomic_exchange_explicit(&t->tokens, 0, memory_order_acquire)) t->sleeps_left--;
    if (t->sleeps_left == 0) return leave(t, SCHED_DONE);
    timer_init(&t->timer, timer_wake_sched, t);
    /* task i sleeps 1000 + 10 * (i % 3) virtual ms, so sleeps collide */
    timer_start(c->tw, &t->timer, 1000 + 10 * (t->id % 3));
    return leave(t, SCHED_WAIT);
}

static int64_t virtual_run(uint64_t seed, int *order, int *len) {
    enum { N = 12 };
    TimerWheel tw;
    timer_wheel_init(&tw, 0);
    timer_wheel_set_virtual(&tw, 5000);
    Ctx *c = calloc(1, sizeof *c);
    c->tw = &tw;
    timer_ctx = c;
    SchedConfig cfg = {.run = run_vsleeper, .ctx = c, .stop_when_idle = true,
                       .timers = &tw, .deterministic = true, .seed = seed};
    c->s = sched_new(&cfg);
    Task *t = tasks_new(N);
    for (int i = 0; i < N; i++) {
        t[i].sleeps_left = 3;
        sched_spawn(c->s, &t[i].st, -1);
    }
    sched_run(c->s);
    int64_t vt = timer_clock(&tw) - 5000;
    *len = atomic_load(&c->order_len);
    memcpy(order, c->order, sizeof(int) * (size_t)*len);
    int bad = 0;
    for (int i = 0; i < N; i++) bad += atomic_load(&t[i].runs) != 4;
    CHECK_EQ_INT(bad, 0);
    sched_free(c->s);
    timer_wheel_destroy(&tw);
    free(t);
    free(c);
    return vt;
}

static void test_deterministic_virtual_time(void) {
    int a[4096], b[4096], d[4096], la, lb, ld;
    int64_t r0 = timer_now_ms();
    int64_t va = virtual_run(7, a, &la);
    int64_t vb = virtual_run(7, b, &lb);
    int64_t vd = virtual_run(8, d, &ld);
    CHECK(timer_now_ms() - r0 < 1000);     /* 9 virtual seconds, no real wait */
    CHECK(va >= 3000 && va <= 3100);        /* three sleeps of 1000..1020 ms */
    CHECK_EQ_INT(va, vb);                   /* same seed, same virtual time */
    CHECK(vd >= 3000 && vd <= 3100);        /* slices advance it a little too */
    CHECK_EQ_INT(la, 48);
    CHECK_EQ_INT(lb, la);
    CHECK_EQ_INT(ld, la);
    CHECK(memcmp(a, b, sizeof(int) * 48) == 0);
    CHECK(memcmp(a, d, sizeof(int) * 48) != 0);
}

/* sched_stop from inside a task stops endless yielders. */
static SchedStatus run_stopper(SchedTask *st, int budget, void *ctx) {
    Ctx *c = ctx;
    Task *t = container_of(st, Task, st);
    if (t->id == 0 && atomic_fetch_add(&t->runs, 1) == 100) sched_stop(c->s);
    return SCHED_YIELD;
}

static void test_stop_from_task(void) {
    Ctx c = {0};
    SchedConfig cfg = {.nschedulers = 2, .run = run_stopper, .ctx = &c};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    Task *t = tasks_new(8);
    for (int i = 0; i < 8; i++) sched_spawn(c.s, &t[i].st, -1);
    sched_run(c.s);
    CHECK(atomic_load(&t[0].runs) >= 101);
    CHECK_EQ_INT(sched_alive(c.s), 8);
    sched_free(c.s);
    free(t);
}

/* A timer started from a foreign thread while every worker sleeps untimed:
 * the on_earlier hook wakes one, which sleeps again until the deadline and
 * fires it on time. The callback spawns a task (queue locks may be taken
 * under the wheel lock). */
static _Atomic int64_t spawned_at;
static Task hook_task;
static void timer_spawn(Timer *tm, void *arg) {
    Ctx *c = arg;
    (void)tm;
    atomic_store(&spawned_at, timer_now_ms());
    hook_task.yields_left = 1;
    sched_spawn(c->s, &hook_task.st, -1);
}

static void test_timer_from_foreign_thread(void) {
    TimerWheel tw;
    timer_wheel_init(&tw, timer_now_ms());
    Ctx c = {0};
    SchedConfig cfg = {.nschedulers = 2, .run = run_yielder, .ctx = &c, .timers = &tw};
    c.s = sched_new(&cfg);
    REQUIRE(c.s);
    REQUIRE(sched_start(c.s) == 0);
    sleep_ms(20);       /* everyone asleep, no deadline */
    Timer tm;
    timer_init(&tm, timer_spawn, &c);
    int64_t t0 = timer_now_ms();
    CHECK(timer_start(&tw, &tm, 30));
    int64_t until = t0 + 3000;
    while (atomic_load(&hook_task.runs) < 2 && timer_now_ms() < until) sleep_ms(1);
    CHECK_EQ_INT(atomic_load(&hook_task.runs), 2);
    int64_t at = atomic_load(&spawned_at);
    CHECK(at >= t0 + 30);
    CHECK(at < t0 + 30 + 200);
    sched_stop(c.s);
    sched_join(c.s);
    sched_free(c.s);
    timer_wheel_destroy(&tw);
}

/* Tasks spawning tasks (a binary tree, depth 11): spawns from a running task
 * land on the spawner's queue and are stolen; stop_when_idle waits for all. */
typedef struct Node {
    SchedTask st;
    int depth;
    _Atomic int *count;
    Sched *s;
    struct Node *kids;
} Node;

static SchedStatus run_node(SchedTask *st, int budget, void *ctx) {
    Node *n = container_of(st, Node, st);
    atomic_fetch_add(n->count, 1);
    if (n->depth > 0) {
        n->kids = calloc(2, sizeof *n->kids);
        for (int i = 0; i < 2; i++) {
            n->kids[i] = (Node){.depth = n->depth - 1, .count = n->count, .s = n->s};
            sched_spawn(n->s, &n->kids[i].st, -1);
        }
    }
    return SCHED_DONE;
}

static void free_tree(Node *n) {
    if (!n->kids) return;
    free_tree(&n->kids[0]);
    free_tree(&n->kids[1]);
    free(n->kids);
}

static void test_spawn_tree(void) {
    _Atomic int count = 0;
    SchedConfig cfg = {.nschedulers = 2, .run = run_node, .stop_when_idle = true};
    Sched *s = sched_new(&cfg);
    REQUIRE(s);
    Node root = {.depth = 11, .count = &count, .s = s};
    sched_spawn(s, &root.st, -1);
    sched_run(s);
    CHECK_EQ_INT(atomic_load(&count), (1 << 12) - 1);
    SchedStats a, b;
    sched_stats(s, 0, &a);
    sched_stats(s, 1, &b);
    CHECK_EQ_UINT(a.dones + b.dones, (1 << 12) - 1);
    free_tree(&root);
    sched_free(s);
}

/* Hand-off: a task woken by a running task runs next on the waker's
 * worker when the waker waits, so a request/reply pair stays on one thread
 * (no thief can take it); with a third task queued on the same worker, the
 * pair still lets it run (HANDOFF_LIMIT). */
enum { PP_ROUNDS = 20000 };
static Task *pp;
static _Atomic int pp_passes, pp_third_runs, pp_passes_at_third_done;
static SchedStatus run_pingpong(SchedTask *st, int budget, void *ctx) {
    Ctx *c = ctx;
    Task *t = container_of(st, Task, st);
    (void)budget;
    enter(t, c);
    if (t->id == 2) {   /* the bystander: yields until it ran 50 times */
        if (atomic_fetch_add(&pp_third_runs, 1) < 50) return leave(t, SCHED_YIELD);
        atomic_store(&pp_passes_at_third_done, atomic_load(&pp_passes));
        return leave(t, SCHED_DONE);
    }
    if (atomic_load(&pp_passes) >= PP_ROUNDS) return leave(t, SCHED_DONE);
    if (atomic_load(&t->tokens) > 0) {
        atomic_fetch_sub(&t->tokens, 1);
        Task *peer = &pp[1 - t->id];
        atomic_fetch_add(&peer->tokens, 1);
        bool last = atomic_fetch_add(&pp_passes, 1) + 1 >= PP_ROUNDS;
        sched_wake(c->s, &peer->st);
        if (last) return leave(t, SCHED_DONE);
    }
    return leave(t, SCHED_WAIT);
}

static void test_handoff(void) {
    for (int with_third = 0; with_third < 2; with_third++) {
        Ctx c = {0};
        atomic_store(&pp_passes, 0);
        atomic_store(&pp_third_runs, 0);
        SchedConfig cfg = {.nschedulers = with_third ? 1 : 2, .run = run_pingpong, .ctx = &c,
                           .stop_when_idle = true};
        c.s = sched_new(&cfg);
        REQUIRE(c.s);
        pp = tasks_new(3);
        atomic_store(&pp[0].tokens, 1);
        sched_spawn(c.s, &pp[1].st, with_third ? 0 : 1);
        sched_spawn(c.s, &pp[0].st, 0);
        if (with_third) sched_spawn(c.s, &pp[2].st, 0);
        sched_run(c.s);
        CHECK_EQ_INT(atomic_load(&pp_passes), PP_ROUNDS);
        check_clean(pp, 3);
        if (with_third) {
            /* the bystander finished while the pair was still at it */
            CHECK(atomic_load(&pp_third_runs) > 50);
            CHECK(atomic_load(&pp_passes_at_third_done) < PP_ROUNDS);
        } else {
            /* spawned on different workers, the pair ends up on one: after
             * the first slices, all its runs are on the same worker */
            int home[2];
            for (int i = 0; i < 2; i++) {
                home[i] = atomic_load(&pp[i].ran_on[1]) > atomic_load(&pp[i].ran_on[0]);
                CHECK(atomic_load(&pp[i].ran_on[home[i]]) >= atomic_load(&pp[i].runs) - 3);
            }
            CHECK_EQ_INT(home[0], home[1]);
        }
        sched_free(c.s);
        free(pp);
    }
}

static void test_config(void) {
    SchedConfig bad = {0};
    CHECK(sched_new(&bad) == NULL);
    CHECK(sched_new(NULL) == NULL);
    SchedConfig d = {.nschedulers = 0, .run = run_yielder};
    Sched *s = sched_new(&d);
    REQUIRE(s);
    CHECK(sched_count(s) >= 1);
    CHECK_EQ_INT(sched_current(s), -1);
    sched_free(s);
    SchedConfig det = {.nschedulers = 8, .run = run_yielder, .deterministic = true};
    s = sched_new(&det);
    REQUIRE(s);
    CHECK_EQ_INT(sched_count(s), 1);
    sched_free(s);
}

int main(void) {
    RUN(test_config);
    RUN(test_yields);
    RUN(test_stealing);
    RUN(test_wake_races);
    RUN(test_wake_while_running);
    RUN(test_fifo_fairness);
    RUN(test_no_starvation);
    RUN(test_deterministic);
    RUN(test_idle_no_cpu);
    RUN(test_timer_waits);
    RUN(test_stop_from_task);
    RUN(test_timer_from_foreign_thread);
    RUN(test_spawn_tree);
    RUN(test_deterministic_virtual_time);
    RUN(test_handoff);
    return unit_summary();
}
