/* scheduler.c — workers, run queues, stealing, sleeping (see scheduler.h for the
 * task state protocol, the sleeping handshake and the memory orders).
 *
 * A Worker owns one run queue: a FIFO singly linked list (head/tail) guarded
 * by the worker's mutex, plus `len`, an atomic mirror of its length that
 * thieves and would-be sleepers read without the lock. In deterministic mode
 * the queue is an array instead (`vec`), from which a seeded PRNG picks.
 *
 * Invariants:
 *  - A task is in at most one queue, and is in one iff its state is
 *    RUNNABLE and it has been pushed (a RUNNABLE task may briefly be in
 *    no queue between its state change and its push by the same thread).
 *  - len == the number of tasks in the queue; it is written only with the
 *    lock held.
 *  - `sleeping` and `notified` change only with the worker's lock held; a
 *    worker waits on its condition variable only while sleeping is set.
 *  - No thread holds two queue locks at once. The timer wheel's lock may be
 *    held while a queue lock is taken (a timer callback waking a task), never
 *    the other way round.
 */
#include "scheduler.h"
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

typedef struct Worker {
    Sched *s;
    int id;
    pthread_t thread;
    bool has_thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    SchedTask *head, *tail;     /* FIFO (lock) */
    SchedTask **vec;            /* deterministic mode's queue (lock) */
    size_t vcap;
    _Atomic int64_t len;
    _Atomic bool sleeping;
    bool notified;              /* a wake addressed to this worker (lock) */
    uint64_t rng;               /* touched by the owner only */
    /* The hand-off slot (owner only, never visible to thieves): the task
     * the running task woke last, run next if the waker waits or ends, so
     * a request/reply pair stays on one thread. current: the task being
     * run (NULL between runs, e.g. while timers fire). handoffs: runs in a
     * row taken from the slot, bounded so queued tasks are not starved. */
    SchedTask *runnext, *current;
    int handoffs;
    _Atomic uint64_t runs, yields, waits, dones, stolen, steals, sleeps, timer_fires;
    char pad[64];
} Worker;

struct Sched {
    SchedConfig cfg;
    int n;
    Worker *w;
    _Atomic int sleepers;
    _Atomic bool stop;
    _Atomic int64_t alive;
    _Atomic unsigned rr;
    _Atomic int timekeeper;     /* worker doing the timed wait, or -1 */
};

static _Thread_local Worker *tls_worker;

/* Single-writer counter increment (owner thread only). */
#define STAT_INC(w, f, k)                                                    \
    atomic_store_explicit(&(w)->f, atomic_load_explicit(&(w)->f, memory_order_relaxed) + (k), \
                          memory_order_relaxed)

static uint64_t rng_next(uint64_t *x) {
    /* xorshift64* */
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * UINT64_C(2685821657736338717);
}

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* ---- creation --------------------------------------------------------- */

static void timers_changed_hook(void *arg) { sched_timers_changed(arg); }

Sched *sched_new(const SchedConfig *cfg) {
    if (!cfg || !cfg->run) return NULL;
    Sched *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cfg = *cfg;
    int n = cfg->nschedulers;
    if (n <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)c : 1;
    }
    if (cfg->deterministic) n = 1;
    if (s->cfg.budget <= 0) s->cfg.budget = 4000;
    if (s->cfg.spin_rounds <= 0) s->cfg.spin_rounds = 64;
    s->n = n;
    s->w = calloc((size_t)n, sizeof *s->w);
    if (!s->w) { free(s); return NULL; }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    for (int i = 0; i < n; i++) {
        Worker *w = &s->w[i];
        w->s = s;
        w->id = i;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, &ca);
        w->rng = cfg->deterministic ? (cfg->seed ? cfg->seed : 1)
                                    : UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)(i + 1);
        if (!w->rng) w->rng = 1;
    }
    pthread_condattr_destroy(&ca);
    atomic_init(&s->timekeeper, -1);
    if (s->cfg.timers) {
        pthread_mutex_lock(&s->cfg.timers->lock);
        s->cfg.timers->on_earlier = timers_changed_hook;
        s->cfg.timers->on_earlier_arg = s;
        pthread_mutex_unlock(&s->cfg.timers->lock);
    }
    return s;
}

void sched_free(Sched *s) {
    if (!s) return;
    if (s->cfg.timers) {
        pthread_mutex_lock(&s->cfg.timers->lock);
        s->cfg.timers->on_earlier = NULL;
        pthread_mutex_unlock(&s->cfg.timers->lock);
    }
    for (int i = 0; i < s->n; i++) {
        pthread_mutex_destroy(&s->w[i].lock);
        pthread_cond_destroy(&s->w[i].cond);
        free(s->w[i].vec);
    }
    free(s->w);
    free(s);
}

int sched_count(const Sched *s) { return s->n; }

int sched_current(const Sched *s) {
    return tls_worker && tls_worker->s == s ? tls_worker->id : -1;
}

int64_t sched_alive(const Sched *s) { return atomic_load(&s->alive); }

void sched_stats(const Sched *s, int i, SchedStats *o) {
    const Worker *w = &s->w[i];
    o->runs = atomic_load_explicit(&w->runs, memory_order_relaxed);
    o->yields = atomic_load_explicit(&w->yields, memory_order_relaxed);
    o->waits = atomic_load_explicit(&w->waits, memory_order_relaxed);
    o->dones = atomic_load_explicit(&w->dones, memory_order_relaxed);
    o->stolen = atomic_load_explicit(&w->stolen, memory_order_relaxed);
    o->steals = atomic_load_explicit(&w->steals, memory_order_relaxed);
    o->sleeps = atomic_load_explicit(&w->sleeps, memory_order_relaxed);
    o->timer_fires = atomic_load_explicit(&w->timer_fires, memory_order_relaxed);
}

/* ---- waking workers --------------------------------------------------- */

/* Deliver a wake to worker w (any thread, no queue lock held). */
static void notify(Worker *w) {
    pthread_mutex_lock(&w->lock);
    w->notified = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

/* Wake one sleeping worker other than `skip` (NULL: any), if there is one. */
static void wake_one_sleeper(Sched *s, Worker *skip) {
    if (atomic_load(&s->sleepers) == 0) return;
    unsigned start = atomic_fetch_add_explicit(&s->rr, 1, memory_order_relaxed);
    for (int k = 0; k < s->n; k++) {
        Worker *w = &s->w[(start + (unsigned)k) % (unsigned)s->n];
        if (w == skip || !atomic_load(&w->sleeping)) continue;
        pthread_mutex_lock(&w->lock);
        bool hit = atomic_load_explicit(&w->sleeping, memory_order_relaxed) && !w->notified;
        if (hit) {
            w->notified = true;
            pthread_cond_signal(&w->cond);
        }
        pthread_mutex_unlock(&w->lock);
        if (hit) return;
    }
}

void sched_timers_changed(Sched *s) {
    int k = atomic_load(&s->timekeeper);
    if (k >= 0) notify(&s->w[k]);
    else wake_one_sleeper(s, NULL);
}

void sched_stop(Sched *s) {
    atomic_store(&s->stop, true);
    for (int i = 0; i < s->n; i++) notify(&s->w[i]);
}

/* ---- run queues ------------------------------------------------------- */

/* Append a chain first..last of k RUNNABLE tasks to w's queue, then wake
 * whoever should run them. */
static void push_chain(Worker *w, SchedTask *first, SchedTask *last, int64_t k) {
    Sched *s = w->s;
    pthread_mutex_lock(&w->lock);
    if (s->cfg.deterministic) {
        size_t len = (size_t)atomic_load_explicit(&w->len, memory_order_relaxed);
        for (SchedTask *t = first; t; t = t->next) {
            if (len == w->vcap) {
                size_t cap = w->vcap ? w->vcap * 2 : 64;
                SchedTask **v = realloc(w->vec, cap * sizeof *v);
                if (!v) abort();
                w->vec = v;
                w->vcap = cap;
            }
            w->vec[len++] = t;
            if (t == last) break;
        }
    } else {
        last->next = NULL;
        if (w->tail) w->tail->next = first;
        else w->head = first;
        w->tail = last;
    }
    int64_t len = atomic_load_explicit(&w->len, memory_order_relaxed) + k;
    atomic_store(&w->len, len);
    bool owner_sleeps = atomic_load_explicit(&w->sleeping, memory_order_relaxed);
    if (owner_sleeps && !w->notified) {
        w->notified = true;
        pthread_cond_signal(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
    /* The owner is awake (busy, spinning, or the caller) and will run a
     * lone task after its current slice; a backlog of two or more is worth a
     * sleeper's wake-up to steal. (Waking a thief for every enqueue would
     * bounce a ping-pong pair between threads with a futex call per
     * message.) A sleeper never sleeps while any queue is non-empty, so
     * this only decides who runs the work, never whether it runs. */
    if (!owner_sleeps && s->n > 1 && len >= 2) wake_one_sleeper(s, w);
}

static void push(Worker *w, SchedTask *t) {
    t->next = NULL;
    push_chain(w, t, t, 1);
}

static SchedTask *pop_local(Worker *w) {
    if (atomic_load_explicit(&w->len, memory_order_relaxed) == 0) return NULL;
    SchedTask *t = NULL;
    pthread_mutex_lock(&w->lock);
    int64_t len = atomic_load_explicit(&w->len, memory_order_relaxed);
    if (len > 0) {
        if (w->s->cfg.deterministic) {
            size_t i = (size_t)(rng_next(&w->rng) % (uint64_t)len);
            t = w->vec[i];
            w->vec[i] = w->vec[len - 1];
        } else {
            t = w->head;
            w->head = t->next;
            if (!w->head) w->tail = NULL;
        }
        atomic_store(&w->len, len - 1);
    }
    pthread_mutex_unlock(&w->lock);
    if (t) t->next = NULL;
    return t;
}

/* Take the older half (rounded up) of the first non-empty other queue; run
 * the first task taken, queue the rest locally. */
static SchedTask *steal(Worker *w) {
    Sched *s = w->s;
    if (s->n < 2) return NULL;
    int start = (int)(rng_next(&w->rng) % (uint64_t)s->n);
    for (int k = 0; k < s->n; k++) {
        Worker *v = &s->w[(start + k) % s->n];
        if (v == w || atomic_load_explicit(&v->len, memory_order_relaxed) == 0) continue;
        pthread_mutex_lock(&v->lock);
        int64_t len = atomic_load_explicit(&v->len, memory_order_relaxed);
        int64_t take = (len + 1) / 2;
        SchedTask *first = v->head, *last = NULL;
        if (take > 0) {
            last = first;
            for (int64_t i = 1; i < take; i++) last = last->next;
            v->head = last->next;
            if (!v->head) v->tail = NULL;
            last->next = NULL;
            atomic_store(&v->len, len - take);
        }
        pthread_mutex_unlock(&v->lock);
        if (take == 0) continue;
        STAT_INC(w, steals, 1);
        STAT_INC(w, stolen, (uint64_t)take);
        if (take > 1) push_chain(w, first->next, last, take - 1);
        first->next = NULL;
        return first;
    }
    return NULL;
}

void sched_spawn(Sched *s, SchedTask *t, int where) {
    Worker *w;
    if (where >= 0 && where < s->n) w = &s->w[where];
    else if (tls_worker && tls_worker->s == s) w = tls_worker;
    else w = &s->w[atomic_fetch_add_explicit(&s->rr, 1, memory_order_relaxed) % (unsigned)s->n];
    atomic_store_explicit(&t->home, (uint32_t)w->id, memory_order_relaxed);
    atomic_store_explicit(&t->state, SCHED_RUNNABLE, memory_order_relaxed);
    atomic_fetch_add(&s->alive, 1);
    push(w, t);
}

bool sched_wake(Sched *s, SchedTask *t) {
    uint32_t st = atomic_load_explicit(&t->state, memory_order_acquire);
    for (;;) {
        if (st == SCHED_WAITING) {
            if (atomic_compare_exchange_weak_explicit(&t->state, &st, SCHED_RUNNABLE,
                                                      memory_order_acq_rel, memory_order_acquire)) {
                Worker *me = tls_worker;
                if (me && me->s == s && me->current && !s->cfg.deterministic) {
                    /* woken by a running task: the hand-off slot (the
                     * previous occupant is queued as usual) */
                    SchedTask *old = me->runnext;
                    me->runnext = t;
                    if (old) push(me, old);
                    return true;
                }
                uint32_t h = atomic_load_explicit(&t->home, memory_order_relaxed);
                push(&s->w[h < (uint32_t)s->n ? h : 0], t);
                return true;
            }
        } else if (st == SCHED_RUNNING) {
            if (atomic_compare_exchange_weak_explicit(&t->state, &st, SCHED_WAKE_PENDING,
                                                      memory_order_acq_rel, memory_order_acquire))
                return false;
        } else {
            return false;   /* RUNNABLE, WAKE_PENDING or DONE: nothing to do */
        }
    }
}

/* ---- the worker loop -------------------------------------------------- */

static void run_task(Worker *w, SchedTask *t) {
    Sched *s = w->s;
    atomic_store_explicit(&t->home, (uint32_t)w->id, memory_order_relaxed);
    /* wakers never change a RUNNABLE task, so this cannot race */
    atomic_store_explicit(&t->state, SCHED_RUNNING, memory_order_release);
    STAT_INC(w, runs, 1);
    w->current = t;
    SchedStatus st = s->cfg.run(t, s->cfg.budget, s->cfg.ctx);
    w->current = NULL;
    switch (st) {
    case SCHED_YIELD:
        STAT_INC(w, yields, 1);
        /* a task that used its whole slice hands nothing off: what it
         * woke is queued ahead of it */
        if (w->runnext) {
            push(w, w->runnext);
            w->runnext = NULL;
        }
        atomic_store_explicit(&t->state, SCHED_RUNNABLE, memory_order_release);
        push(w, t);
        break;
    case SCHED_WAIT: {
        STAT_INC(w, waits, 1);
        uint32_t exp = SCHED_RUNNING;
        if (!atomic_compare_exchange_strong_explicit(&t->state, &exp, SCHED_WAITING,
                                                     memory_order_acq_rel, memory_order_acquire)) {
            /* woken while running (WAKE_PENDING): run it again */
            atomic_store_explicit(&t->state, SCHED_RUNNABLE, memory_order_release);
            push(w, t);
        }
        break;
    }
    case SCHED_DONE:
    default:
        STAT_INC(w, dones, 1);
        atomic_store_explicit(&t->state, SCHED_DONE_STATE, memory_order_release);
        if (s->cfg.on_done) s->cfg.on_done(t, s->cfg.ctx);
        if (atomic_fetch_sub(&s->alive, 1) == 1 && s->cfg.stop_when_idle) sched_stop(s);
        break;
    }
}

static void expire_timers(Worker *w) {
    TimerWheel *tw = w->s->cfg.timers;
    if (!tw || timer_next_ms(tw) == INT64_MAX) return;
    int64_t now = timer_clock(tw);
    if (now < timer_next_ms(tw)) return;
    size_t k = timer_expire(tw, now);
    if (k) STAT_INC(w, timer_fires, k);
}

static bool any_queued(Sched *s) {
    for (int i = 0; i < s->n; i++)
        if (atomic_load(&s->w[i].len) > 0) return true;
    return false;
}

static void sleep_until_work(Worker *w) {
    Sched *s = w->s;
    TimerWheel *tw = s->cfg.timers;
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->sleeping, true);
    atomic_fetch_add(&s->sleepers, 1);
    /* re-check after announcing the sleep (the Dekker handshake, scheduler.h) */
    int64_t deadline = tw ? timer_next_ms(tw) : INT64_MAX;
    bool idle_stop = s->cfg.stop_when_idle && atomic_load(&s->alive) == 0;
    bool go = atomic_load(&s->stop) || idle_stop || any_queued(s) ||
              (deadline != INT64_MAX && deadline <= timer_clock(tw));
    if (!go && deadline != INT64_MAX && s->cfg.deterministic && tw->virtual_clock) {
        /* virtual time: nothing can run before the next deadline, so jump
         * there instead of sleeping (the loop then fires the timers) */
        timer_clock_advance(tw, deadline);
        go = true;
    }
    if (!go && !w->notified) {
        if (s->cfg.on_worker) {
            /* not under our lock: the hook may take others */
            pthread_mutex_unlock(&w->lock);
            s->cfg.on_worker(w->id, SCHED_WORKER_SLEEP, s->cfg.ctx);
            pthread_mutex_lock(&w->lock);
        }
        bool keeper = false;
        if (deadline != INT64_MAX) {
            int none = -1;
            keeper = atomic_compare_exchange_strong(&s->timekeeper, &none, w->id);
        }
        STAT_INC(w, sleeps, 1);
        struct timespec ts;
        if (keeper) {
            ts.tv_sec = deadline / 1000;
            ts.tv_nsec = (deadline % 1000) * 1000000;
        }
        while (!w->notified && !atomic_load(&s->stop)) {
            if (keeper) {
                if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT) break;
            } else {
                pthread_cond_wait(&w->cond, &w->lock);
            }
        }
        if (keeper) atomic_store(&s->timekeeper, -1);
        if (s->cfg.on_worker) {
            pthread_mutex_unlock(&w->lock);
            s->cfg.on_worker(w->id, SCHED_WORKER_WAKE, s->cfg.ctx);
            pthread_mutex_lock(&w->lock);
        }
    }
    w->notified = false;
    atomic_fetch_sub(&s->sleepers, 1);
    atomic_store(&w->sleeping, false);
    pthread_mutex_unlock(&w->lock);
    if (idle_stop) sched_stop(s);
}

/* The hand-off slot's task, unless HANDOFF_LIMIT runs in a row came from
 * it while others wait in the queue: then it goes to the tail (a pair that
 * messages back and forth cannot starve its queue). */
enum { HANDOFF_LIMIT = 64 };
static SchedTask *take_runnext(Worker *w) {
    SchedTask *t = w->runnext;
    if (!t) {
        w->handoffs = 0;
        return NULL;
    }
    w->runnext = NULL;
    if (++w->handoffs > HANDOFF_LIMIT && atomic_load_explicit(&w->len, memory_order_relaxed) > 0) {
        w->handoffs = 0;
        push(w, t);
        return NULL;
    }
    return t;
}

static void worker_loop(Worker *w) {
    Sched *s = w->s;
    tls_worker = w;
    if (s->cfg.on_worker) s->cfg.on_worker(w->id, SCHED_WORKER_START, s->cfg.ctx);
    while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
        expire_timers(w);
        SchedTask *t = take_runnext(w);
        if (!t) t = pop_local(w);
        if (!t) t = steal(w);
        for (int r = 0; !t && r < s->cfg.spin_rounds; r++) {
            if (atomic_load_explicit(&s->stop, memory_order_relaxed)) break;
            for (int i = 0; i < 16; i++) cpu_relax();
            t = pop_local(w);
            if (!t) t = steal(w);
        }
        if (t) {
            run_task(w, t);
            /* Virtual time also passes while tasks run: one ms per slice,
             * so a timer fires even while some task never waits. */
            if (s->cfg.deterministic && s->cfg.timers && s->cfg.timers->virtual_clock)
                timer_clock_advance(s->cfg.timers, timer_clock(s->cfg.timers) + 1);
        } else if (!atomic_load(&s->stop)) {
            sleep_until_work(w);
        }
    }
    if (s->cfg.on_worker) s->cfg.on_worker(w->id, SCHED_WORKER_STOP, s->cfg.ctx);
    tls_worker = NULL;
}

static void *worker_main(void *arg) {
    worker_loop(arg);
    return NULL;
}

/* ---- starting and stopping -------------------------------------------- */

/* A Sched runs once: a stop requested before the start is kept. */
static int start_threads(Sched *s, int from) {
    for (int i = from; i < s->n; i++) {
        Worker *w = &s->w[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            sched_stop(s);
            return -1;
        }
        w->has_thread = true;
    }
    return 0;
}

int sched_start(Sched *s) { return start_threads(s, 0); }

void sched_join(Sched *s) {
    for (int i = 0; i < s->n; i++) {
        Worker *w = &s->w[i];
        if (w->has_thread) {
            pthread_join(w->thread, NULL);
            w->has_thread = false;
        }
    }
}

int sched_run(Sched *s) {
    int rc = start_threads(s, 1);
    if (rc == 0) worker_loop(&s->w[0]);
    sched_join(s);
    return rc;
}
