/* test_timer.c — the hierarchical timer wheel: exact expiry on a virtual
 * clock across every level and the overflow, cancel semantics, the next_ms
 * bound, the on_earlier hook, real-time firing, and bulk cost. */
#include "unit.h"
#include "timer.h"
#include <stdlib.h>
#include <time.h>

typedef struct Rec {
    Timer t;
    int64_t fired_at;   /* wheel tick when fired; -1: not fired */
    int nfired;
    int64_t order;      /* fire sequence number */
} Rec;

static TimerWheel *cur_wheel;
static int64_t seq;

static void on_fire(Timer *t, void *arg) {
    Rec *r = arg;
    (void)t;
    r->fired_at = cur_wheel->now;
    r->nfired++;
    r->order = seq++;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return rng;
}

static void rec_init(Rec *r) {
    timer_init(&r->t, on_fire, r);
    r->fired_at = -1;
    r->nfired = 0;
    r->order = -1;
}

/* Stepping one ms at a time, every timer fires exactly at its expiry. */
static void test_exact_levels(void) {
    TimerWheel w;
    int64_t t0 = 1000003;   /* not aligned to any level */
    timer_wheel_init(&w, t0);
    cur_wheel = &w;
    int64_t delays[] = {1, 2, 63, 64, 65, 100, 4095, 4096, 4097, 5000, 70000, 262145, 300001};
    enum { N = sizeof delays / sizeof delays[0] };
    Rec r[N];
    for (int i = 0; i < N; i++) {
        rec_init(&r[i]);
        CHECK(timer_start_at(&w, &r[i].t, t0 + delays[i]));
    }
    CHECK_EQ_INT(timer_pending(&w), N);
    CHECK(!timer_start_at(&w, &r[0].t, t0 + 5));   /* already pending */
    for (int64_t now = t0 + 1; now <= t0 + 300001; now++) timer_expire(&w, now);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(r[i].nfired, 1);
        CHECK_EQ_INT(r[i].fired_at, t0 + delays[i]);
        CHECK_EQ_INT(r[i].t.state, TIMER_IDLE);
        if (i) CHECK(r[i].order > r[i - 1].order);
    }
    CHECK_EQ_INT(timer_pending(&w), 0);
    CHECK(timer_next_ms(&w) == INT64_MAX);
    timer_wheel_destroy(&w);
}

/* Random expiries, random big jumps, random cancels: every uncancelled timer
 * fires exactly once, in the first expire call whose time reaches it, and in
 * expiry order; no cancelled timer fires. */
static void test_random_jumps(void) {
    enum { N = 20000 };
    TimerWheel w;
    int64_t t0 = 123456789;
    timer_wheel_init(&w, t0);
    cur_wheel = &w;
    Rec *r = calloc(N, sizeof *r);
    int64_t *exp = calloc(N, sizeof *exp);
    bool *cancel = calloc(N, sizeof *cancel);
    for (int i = 0; i < N; i++) {
        rec_init(&r[i]);
        exp[i] = t0 + (int64_t)(rnd() % (1u << 24));
        timer_start_at(&w, &r[i].t, exp[i]);
    }
    int ncancel = 0, badcancel = 0;
    for (int i = 0; i < N; i += 3) {
        cancel[i] = true;
        ncancel++;
        if (timer_cancel(&w, &r[i].t) < 0) badcancel++;
        if (timer_cancel(&w, &r[i].t) != -1) badcancel++;   /* second cancel: false */
    }
    CHECK_EQ_INT(badcancel, 0);
    CHECK_EQ_INT(timer_pending(&w), N - ncancel);
    int64_t now = t0, prev;
    int wrong_call = 0, early = 0;
    while (now < t0 + (1 << 24) + 10) {
        prev = now;
        now += (int64_t)(rnd() % 200000);
        int64_t lower = timer_next_ms(&w);
        size_t k = timer_expire(&w, now);
        if (k && lower > now) wrong_call++;    /* next_ms must be a lower bound */
        for (int i = 0; i < N; i++)
            if (r[i].nfired && r[i].fired_at > prev - 1 && r[i].order >= 0 && r[i].fired_at <= now) {
                if (exp[i] > now) early++;
            }
    }
    int misfire = 0, unfired = 0, order_bad = 0, at_bad = 0;
    for (int i = 0; i < N; i++) {
        if (cancel[i]) { if (r[i].nfired) misfire++; continue; }
        if (r[i].nfired != 1) unfired++;
        if (r[i].fired_at != exp[i]) at_bad++;
    }
    /* fire order follows expiry order */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 50; j++) {
            int a = (int)(rnd() % N), b = (int)(rnd() % N);
            if (cancel[a] || cancel[b]) continue;
            if (exp[a] < exp[b] && r[a].order > r[b].order) order_bad++;
        }
    CHECK_EQ_INT(misfire, 0);
    CHECK_EQ_INT(unfired, 0);
    CHECK_EQ_INT(at_bad, 0);
    CHECK_EQ_INT(early, 0);
    CHECK_EQ_INT(wrong_call, 0);
    CHECK_EQ_INT(order_bad, 0);
    CHECK_EQ_INT(timer_pending(&w), 0);
    CHECK_EQ_UINT(w.fired, (uint64_t)(N - ncancel));
    free(r); free(exp); free(cancel);
    timer_wheel_destroy(&w);
}

/* A timer far beyond the top level (2^37 ms) waits in the overflow and still
 * fires exactly on time; jumping there costs few steps. */
static void test_overflow(void) {
    TimerWheel w;
    int64_t t0 = 77;
    timer_wheel_init(&w, t0);
    cur_wheel = &w;
    Rec a, b;
    rec_init(&a);
    rec_init(&b);
    int64_t far = t0 + (INT64_C(1) << 37) + 12345;
    timer_start_at(&w, &a.t, far);
    timer_start_at(&w, &b.t, t0 + (INT64_C(1) << 35));
    int calls = 0;
    while (w.now < far + 5 && calls < 10000) {
        int64_t nx = timer_next_ms(&w);
        timer_expire(&w, nx == INT64_MAX ? far + 5 : nx);
        calls++;
    }
    CHECK_EQ_INT(b.nfired, 1);
    CHECK_EQ_INT(b.fired_at, t0 + (INT64_C(1) << 35));
    CHECK_EQ_INT(a.nfired, 1);
    CHECK_EQ_INT(a.fired_at, far);
    CHECK(calls < 100);     /* driven by next_ms: O(levels) wakeups per timer */
    timer_wheel_destroy(&w);
}

/* Driving the wheel only at next_ms reaches a 10 s timer in <= levels + 1
 * wakeups (an idle scheduler does not wake every 64 ms). */
static void test_next_ms_wakeups(void) {
    TimerWheel w;
    int64_t t0 = 5000;
    timer_wheel_init(&w, t0);
    cur_wheel = &w;
    Rec a;
    rec_init(&a);
    CHECK(timer_next_ms(&w) == INT64_MAX);
    timer_start_at(&w, &a.t, t0 + 10000);
    CHECK(timer_next_ms(&w) <= t0 + 10000);
    CHECK(timer_next_ms(&w) > t0);
    int wakeups = 0;
    while (!a.nfired && wakeups < 100) {
        timer_expire(&w, timer_next_ms(&w));
        wakeups++;
    }
    CHECK_EQ_INT(a.fired_at, t0 + 10000);
    CHECK(wakeups <= TIMER_LEVELS + 1);
    /* a past expiry fires at the next expire */
    Rec p;
    rec_init(&p);
    timer_start_at(&w, &p.t, w.now - 100);
    CHECK(timer_next_ms(&w) == w.now + 1);
    timer_expire(&w, w.now + 1);
    CHECK_EQ_INT(p.nfired, 1);
    timer_wheel_destroy(&w);
}

static int earlier_calls;
static void on_earlier(void *arg) { (void)arg; earlier_calls++; }

static void test_on_earlier(void) {
    TimerWheel w;
    timer_wheel_init(&w, 0);
    w.on_earlier = on_earlier;
    Rec a, b, c;
    rec_init(&a); rec_init(&b); rec_init(&c);
    timer_start_at(&w, &a.t, 500);
    CHECK_EQ_INT(earlier_calls, 1);
    timer_start_at(&w, &b.t, 900);     /* later: no call */
    CHECK_EQ_INT(earlier_calls, 1);
    timer_start_at(&w, &c.t, 10);      /* earlier: call */
    CHECK_EQ_INT(earlier_calls, 2);
    CHECK(timer_next_ms(&w) == 10);
    /* cancelling everything keeps the (now stale) bound, so re-arming a
     * later timer wakes nobody: one timer per call with a timeout */
    timer_cancel(&w, &a.t); timer_cancel(&w, &b.t); timer_cancel(&w, &c.t);
    CHECK(timer_next_ms(&w) == 10);
    CHECK_EQ_UINT(w.cancelled, 3);
    timer_start_at(&w, &a.t, 5000);
    CHECK_EQ_INT(earlier_calls, 2);
    /* expiring past the stale bound recomputes it (a bound, maybe a
     * cascade point before 5000) */
    timer_expire(&w, 20);
    CHECK(timer_next_ms(&w) > 20 && timer_next_ms(&w) <= 5000);
    timer_cancel(&w, &a.t);
    /* virtual time resets it when the wheel empties (a stale deadline
     * would be a jump of the virtual clock) */
    w.virtual_clock = true;
    timer_start_at(&w, &b.t, 30);
    timer_cancel(&w, &b.t);
    CHECK(timer_next_ms(&w) == INT64_MAX);
    timer_wheel_destroy(&w);
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* On the real clock: timers fire in order, not early, and within a
 * tolerance; cancel returns the ms left; the cancelled one never fires. */
static void test_real_time(void) {
    TimerWheel w;
    timer_wheel_init(&w, timer_now_ms());
    cur_wheel = &w;
    Rec r[4];
    int64_t start = timer_now_ms();
    int delays[4] = {30, 10, 50, 20};
    for (int i = 0; i < 4; i++) {
        rec_init(&r[i]);
        timer_start(&w, &r[i].t, delays[i]);
    }
    Rec c;
    rec_init(&c);
    timer_start(&w, &c.t, 1000);
    int64_t left = timer_cancel(&w, &c.t);
    CHECK(left > 900 && left <= 1000);
    CHECK_EQ_INT(timer_remaining(&w, &c.t), -1);
    int64_t left2 = timer_remaining(&w, &r[2].t);
    CHECK(left2 > 0 && left2 <= 50);
    int64_t real_at[4] = {0};
    while (timer_now_ms() < start + 200) {
        timer_expire(&w, timer_now_ms());
        for (int i = 0; i < 4; i++)
            if (r[i].nfired && !real_at[i]) real_at[i] = timer_now_ms();
        sleep_ms(1);
    }
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(r[i].nfired, 1);
        CHECK(real_at[i] >= start + delays[i]);
        CHECK(real_at[i] <= start + delays[i] + 100);   /* generous for loaded CI */
    }
    CHECK(r[1].order < r[3].order && r[3].order < r[0].order && r[0].order < r[2].order);
    CHECK_EQ_INT(c.nfired, 0);
    CHECK_EQ_INT(timer_cancel(&w, &r[0].t), -1);   /* already fired: false */
    timer_wheel_destroy(&w);
}

static double secs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 100k timers start and cancel in O(1) each; 100k more fire. */
static void test_bulk(void) {
    enum { N = 100000 };
    TimerWheel w;
    timer_wheel_init(&w, 0);
    cur_wheel = &w;
    Rec *r = calloc(N, sizeof *r);
    double t0 = secs();
    for (int i = 0; i < N; i++) {
        rec_init(&r[i]);
        timer_start_at(&w, &r[i].t, 1 + (int64_t)(rnd() % 3600000));
    }
    int bad = 0;
    for (int i = 0; i < N; i++) if (timer_cancel(&w, &r[i].t) < 0) bad++;
    double dt = secs() - t0;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(timer_pending(&w), 0);
    CHECK(dt < 1.0);    /* ~10 ms normally; generous for sanitizers */
    for (int i = 0; i < N; i++) {
        rec_init(&r[i]);
        timer_start_at(&w, &r[i].t, 1 + (int64_t)(rnd() % 3600000));
    }
    t0 = secs();
    size_t k = timer_expire(&w, 3600001);
    dt = secs() - t0;
    CHECK_EQ_UINT(k, N);
    int once = 0;
    for (int i = 0; i < N; i++) once += r[i].nfired == 1;
    CHECK_EQ_INT(once, N);
    CHECK(dt < 2.0);
    free(r);
    timer_wheel_destroy(&w);
}

/* Virtual clock: start/cancel/remaining measure from it; it only moves
 * forward, by timer_clock_advance. */
static void test_virtual_clock(void) {
    TimerWheel w;
    timer_wheel_init(&w, 0);
    timer_wheel_set_virtual(&w, 10000);
    cur_wheel = &w;
    CHECK_EQ_INT(timer_clock(&w), 10000);
    Rec a, b;
    rec_init(&a);
    rec_init(&b);
    timer_start(&w, &a.t, 100);
    timer_start(&w, &b.t, 300);
    CHECK_EQ_INT(a.t.expires, 10100);
    CHECK_EQ_INT(timer_remaining(&w, &b.t), 300);
    timer_clock_advance(&w, 10040);
    timer_clock_advance(&w, 10001);             /* never backwards */
    CHECK_EQ_INT(timer_clock(&w), 10040);
    CHECK_EQ_INT(timer_remaining(&w, &a.t), 60);
    CHECK_EQ_UINT(timer_expire(&w, timer_clock(&w)), 0);
    timer_clock_advance(&w, timer_next_ms(&w));
    while (!a.nfired && timer_clock(&w) < 20000) {
        timer_expire(&w, timer_clock(&w));
        if (!a.nfired) timer_clock_advance(&w, timer_next_ms(&w));
    }
    CHECK_EQ_INT(a.fired_at, 10100);
    CHECK_EQ_INT(timer_cancel(&w, &b.t), 200);
    CHECK_EQ_INT(b.nfired, 0);
    timer_wheel_destroy(&w);
}

int main(void) {
    RUN(test_exact_levels);
    RUN(test_random_jumps);
    RUN(test_overflow);
    RUN(test_next_ms_wakeups);
    RUN(test_on_earlier);
    RUN(test_real_time);
    RUN(test_bulk);
    RUN(test_virtual_clock);
    return unit_summary();
}
