/* timer.c — the hierarchical timer wheel (see timer.h for the invariants).
 *
 * Placement: a timer due at ms k (k >= now) goes to the lowest level L whose
 * enclosing block of 64^(L+1) ms also holds `now`, i.e. the smallest L with
 * k >> 6(L+1) == now >> 6(L+1), at index (k >> 6L) & 63. Because level L-1
 * did not qualify, k >> 6L > now >> 6L: the slot's cascade tick (the first
 * ms of its span) is still in the future, and the index cannot alias the
 * current one. A timer beyond the top level's block (~2.2 years) waits in
 * top slot 0, is re-filed at the start of the next block, and so on.
 *
 * Ticking: processing ms T first cascades, from the highest level down,
 * every level L whose span boundary T is (T % 64^L == 0), then fires level-0
 * slot T & 63, which holds exactly the timers due at T. Ticks with nothing
 * to do (no due timer, no non-empty slot to cascade) are skipped with the
 * bitmaps, so advancing over any idle stretch costs O(levels) per event.
 */
#include "timer.h"
#include <time.h>
#include <stddef.h>

#define LEVEL_SHIFT(L) ((L) * TIMER_SLOT_BITS)
#define TOP (TIMER_LEVELS - 1)

int64_t timer_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void timer_wheel_init(TimerWheel *w, int64_t now_ms) {
    pthread_mutex_init(&w->lock, NULL);
    w->now = now_ms;
    atomic_store(&w->next_ms, INT64_MAX);
    for (int L = 0; L < TIMER_LEVELS; L++) {
        w->bitmap[L] = 0;
        for (int i = 0; i < TIMER_SLOTS; i++) {
            Timer *s = &w->slots[L][i];
            s->next = s->prev = s;
        }
    }
    w->count = 0;
    w->on_earlier = NULL;
    w->on_earlier_arg = NULL;
    w->fired = w->cancelled = w->cascaded = 0;
    w->virtual_clock = false;
    atomic_init(&w->vclock, now_ms);
}

void timer_wheel_set_virtual(TimerWheel *w, int64_t start_ms) {
    pthread_mutex_lock(&w->lock);
    w->virtual_clock = true;
    w->now = start_ms;
    atomic_store(&w->vclock, start_ms);
    pthread_mutex_unlock(&w->lock);
}

int64_t timer_clock(TimerWheel *w) {
    return w->virtual_clock ? atomic_load_explicit(&w->vclock, memory_order_acquire)
                            : timer_now_ms();
}

void timer_clock_advance(TimerWheel *w, int64_t to_ms) {
    if (!w->virtual_clock) return;
    int64_t cur = atomic_load(&w->vclock);
    while (cur < to_ms && !atomic_compare_exchange_weak(&w->vclock, &cur, to_ms)) {}
}

void timer_wheel_destroy(TimerWheel *w) {
    for (int L = 0; L < TIMER_LEVELS; L++)
        for (int i = 0; i < TIMER_SLOTS; i++) {
            Timer *s = &w->slots[L][i];
            for (Timer *t = s->next, *n; t != s; t = n) {
                n = t->next;
                t->state = TIMER_IDLE;
                t->next = t->prev = NULL;
            }
        }
    pthread_mutex_destroy(&w->lock);
}

void timer_init(Timer *t, TimerFn fire, void *arg) {
    t->next = t->prev = NULL;
    t->expires = 0;
    t->fire = fire;
    t->arg = arg;
    t->state = TIMER_IDLE;
    t->slot = -1;
}

/* Link t (expires >= w->now) into its slot. */
static void place(TimerWheel *w, Timer *t) {
    int64_t k = t->expires < w->now ? w->now : t->expires;
    int L = 0;
    while (L < TIMER_LEVELS && (k >> LEVEL_SHIFT(L + 1)) != (w->now >> LEVEL_SHIFT(L + 1)))
        L++;
    int idx;
    if (L < TIMER_LEVELS) {
        idx = (int)((k >> LEVEL_SHIFT(L)) & (TIMER_SLOTS - 1));
    } else {
        /* beyond the wheel's block: top slot 0, which no in-block timer
         * uses (its index would have to exceed the current one) and which
         * comes round exactly at the start of the next block */
        L = TOP;
        idx = 0;
    }
    Timer *s = &w->slots[L][idx];
    t->prev = s->prev;
    t->next = s;
    s->prev->next = t;
    s->prev = t;
    t->slot = L * TIMER_SLOTS + idx;
    w->bitmap[L] |= UINT64_C(1) << idx;
}

static void unlink_timer(TimerWheel *w, Timer *t) {
    t->prev->next = t->next;
    t->next->prev = t->prev;
    int L = t->slot / TIMER_SLOTS, idx = t->slot % TIMER_SLOTS;
    Timer *s = &w->slots[L][idx];
    if (s->next == s) w->bitmap[L] &= ~(UINT64_C(1) << idx);
    t->next = t->prev = NULL;
    t->slot = -1;
}

/* Detach slot (L, idx) as a NULL-terminated singly linked chain (via next). */
static Timer *take_slot(TimerWheel *w, int L, int idx) {
    Timer *s = &w->slots[L][idx];
    if (s->next == s) return NULL;
    Timer *first = s->next;
    s->prev->next = NULL;
    s->next = s->prev = s;
    w->bitmap[L] &= ~(UINT64_C(1) << idx);
    return first;
}

/* The first tick that has anything to do (INT64_MAX: none): the exact
 * expiry of the earliest level-0 timer, else the cascade tick of the first
 * non-empty slot of the lowest non-empty level. Every timer of level L is due
 * before any slot of level L+1 cascades, so the lowest level decides. */
static int64_t next_event(const TimerWheel *w) {
    if (!w->count) return INT64_MAX;
    for (int L = 0; L < TIMER_LEVELS; L++) {
        if (!w->bitmap[L]) continue;
        int sh = LEVEL_SHIFT(L);
        int cur = (int)((w->now >> sh) & (TIMER_SLOTS - 1));
        int64_t block = (w->now >> LEVEL_SHIFT(L + 1)) << LEVEL_SHIFT(L + 1);
        /* the current slot of every level is empty: level 0's was just
         * processed, a higher level's would have gone one level down */
        uint64_t ahead = cur == TIMER_SLOTS - 1 ? 0 : w->bitmap[L] >> (cur + 1) << (cur + 1);
        if (ahead) return block + ((int64_t)__builtin_ctzll(ahead) << sh);
        /* only the top level's overflow slot 0 lies behind: next block */
        return block + ((int64_t)1 << LEVEL_SHIFT(L + 1)) +
               ((int64_t)__builtin_ctzll(w->bitmap[L]) << sh);
    }
    return INT64_MAX;
}

static void recompute_next(TimerWheel *w) {
    atomic_store_explicit(&w->next_ms, next_event(w), memory_order_seq_cst);
}

bool timer_start_at(TimerWheel *w, Timer *t, int64_t expires) {
    pthread_mutex_lock(&w->lock);
    if (t->state == TIMER_PENDING) {
        pthread_mutex_unlock(&w->lock);
        return false;
    }
    t->expires = expires;
    /* the current ms has been processed: a due timer fires at the next one */
    int64_t eff = expires <= w->now ? w->now + 1 : expires;
    int64_t saved = t->expires;
    t->expires = eff;
    place(w, t);
    t->expires = saved;
    t->state = TIMER_PENDING;
    w->count++;
    if (eff < atomic_load_explicit(&w->next_ms, memory_order_relaxed)) {
        atomic_store_explicit(&w->next_ms, eff, memory_order_seq_cst);
        if (w->on_earlier) w->on_earlier(w->on_earlier_arg);
    }
    pthread_mutex_unlock(&w->lock);
    return true;
}

/* The current time rounded up to the ms: a timer of d ms started at
 * 100.9 ms is due at 101 + d, never at 100 + d (which the wheel, counting
 * whole ms, would fire after only d - 0.9 ms). A timeout never ends early,
 * as on the BEAM. */
static int64_t clock_ceil_ms(TimerWheel *w) {
    if (w->virtual_clock) return atomic_load_explicit(&w->vclock, memory_order_acquire);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + (ts.tv_nsec + 999999) / 1000000;
}

bool timer_start(TimerWheel *w, Timer *t, int64_t delay_ms) {
    if (delay_ms < 0) delay_ms = 0;
    return timer_start_at(w, t, clock_ceil_ms(w) + delay_ms);
}

int64_t timer_cancel(TimerWheel *w, Timer *t) {
    pthread_mutex_lock(&w->lock);
    int64_t left = -1;
    if (t->state == TIMER_PENDING) {
        unlink_timer(w, t);
        t->state = TIMER_IDLE;
        w->count--;
        w->cancelled++;
        left = t->expires - clock_ceil_ms(w);
        if (left < 0) left = 0;
        /* next_ms stays a valid lower bound, even when the wheel empties:
         * lowering it again for the next start would wake the sleeping
         * timekeeper, and a call with a timeout arms and cancels one timer
         * per request. The keeper wakes at most once at the stale deadline
         * instead. (Virtual time resets it: a stale deadline there would be
         * a jump of the clock.) */
        if (w->count == 0 && w->virtual_clock) atomic_store_explicit(&w->next_ms, INT64_MAX, memory_order_seq_cst);
    }
    pthread_mutex_unlock(&w->lock);
    return left;
}

int64_t timer_remaining(TimerWheel *w, Timer *t) {
    pthread_mutex_lock(&w->lock);
    int64_t left = -1;
    if (t->state == TIMER_PENDING) {
        left = t->expires - clock_ceil_ms(w);
        if (left < 0) left = 0;
    }
    pthread_mutex_unlock(&w->lock);
    return left;
}

size_t timer_pending(TimerWheel *w) {
    pthread_mutex_lock(&w->lock);
    size_t n = w->count;
    pthread_mutex_unlock(&w->lock);
    return n;
}

/* Process tick T = w->now + 1: cascade, then fire level-0 slot T & 63. */
static size_t tick(TimerWheel *w) {
    int64_t T = ++w->now;
    if ((T & (TIMER_SLOTS - 1)) == 0) {
        int top = 1;
        while (top < TOP && (T & ((INT64_C(1) << LEVEL_SHIFT(top + 1)) - 1)) == 0) top++;
        for (int L = top; L >= 1; L--) {
            int idx = (int)((T >> LEVEL_SHIFT(L)) & (TIMER_SLOTS - 1));
            for (Timer *t = take_slot(w, L, idx), *n; t; t = n) {
                n = t->next;
                place(w, t);
                w->cascaded++;
            }
        }
    }
    size_t fired = 0;
    for (Timer *t = take_slot(w, 0, (int)(T & (TIMER_SLOTS - 1))), *n; t; t = n) {
        n = t->next;
        t->next = t->prev = NULL;
        t->slot = -1;
        t->state = TIMER_IDLE;
        w->count--;
        w->fired++;
        fired++;
        t->fire(t, t->arg);
    }
    return fired;
}

size_t timer_expire(TimerWheel *w, int64_t now_ms) {
    pthread_mutex_lock(&w->lock);
    size_t fired = 0;
    while (w->now < now_ms) {
        int64_t T = next_event(w);
        if (T > now_ms) { w->now = now_ms; break; }
        w->now = T - 1;     /* the ticks before T have nothing to do */
        fired += tick(w);
    }
    recompute_next(w);
    pthread_mutex_unlock(&w->lock);
    return fired;
}
