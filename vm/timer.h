/* timer.h — a hierarchical timer wheel: millisecond timers with O(1) start
 * and cancel, driven by the scheduler loop.
 *
 * Time is CLOCK_MONOTONIC milliseconds (timer_now_ms). A wheel has
 * TIMER_LEVELS levels of 64 slots; a slot of level L spans 64^L ms, so level
 * 0 holds timers due within the current 64 ms block, level 1 within the
 * current ~4 s block, level 5 within ~2.2 years; later timers wait in top
 * slot 0 and are re-filed each time it comes round. When level 0 wraps, the
 * current slot of level 1 is cascaded (re-filed one level down), and so on
 * up (Varghese & Lauck, as in the BEAM's erl_time_sup and the classic Linux
 * wheel). A timer started already due is filed for the next ms.
 *
 * Ownership and threads: ONE wheel for the whole VM, guarded by one mutex
 * (start, cancel and expire may be called from any thread). Timer records
 * are intrusive and owned by the caller (embed a Timer in a Process or a
 * send_after record); the wheel never allocates or frees.
 *
 * Invariants:
 *  - A Timer is TIMER_IDLE (not in the wheel) or TIMER_PENDING (linked in
 *    exactly one slot list); only the holder of the wheel lock changes it.
 *  - A pending timer due at e (at least now + 1 when started) lies at the
 *    lowest level L whose block of 64^(L+1) ms also holds `now`, in slot
 *    (e >> 6L) & 63 (top-level slot 0 if no level qualifies). So it is
 *    cascaded down before it is due, reaches level 0 once e and now share a
 *    64 ms block, and level-0 slot i holds only timers due at the one ms of
 *    the current block with index i.
 *  - bitmap[L] bit i is set iff slot (L, i) is non-empty.
 *  - `next_ms` (readable without the lock) is <= the earliest pending
 *    expiry, or INT64_MAX if no timer is pending. It may be early (then the
 *    scheduler wakes, cascades, and finds nothing due) but never late.
 *    Cancelling never raises it (see timer_cancel), so starting a timer
 *    later than a stale next_ms wakes no sleeping worker.
 *  - The fire callback runs WITH the wheel lock held, so when timer_cancel
 *    returns -1 (not pending) the callback has already completed: the owner
 *    may free or reuse the record at once. Consequently a callback must be
 *    short and must not call timer_* on the same wheel (it may call
 *    sched_wake and take run-queue locks: the lock order is wheel -> queue).
 *  - A cancelled timer is unlinked immediately: it costs nothing later.
 */
#ifndef ACT_TIMER_H
#define ACT_TIMER_H
#include <stdint.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <pthread.h>

#define TIMER_LEVELS 6
#define TIMER_SLOTS 64
#define TIMER_SLOT_BITS 6

typedef struct Timer Timer;
typedef void (*TimerFn)(Timer *t, void *arg);

enum { TIMER_IDLE = 0, TIMER_PENDING = 1 };

struct Timer {
    Timer *next, *prev;     /* slot list links (valid while PENDING) */
    int64_t expires;        /* absolute expiry, monotonic ms */
    TimerFn fire;           /* called once when due (wheel lock held) */
    void *arg;
    int state;              /* TIMER_IDLE / TIMER_PENDING */
    int slot;               /* level * TIMER_SLOTS + index while PENDING */
};

typedef struct TimerWheel {
    pthread_mutex_t lock;
    int64_t now;                    /* last ms fully processed */
    _Atomic int64_t next_ms;        /* lower bound of earliest expiry */
    uint64_t bitmap[TIMER_LEVELS];
    Timer slots[TIMER_LEVELS][TIMER_SLOTS]; /* circular list sentinels */
    size_t count;                   /* pending timers */
    /* Called (wheel lock held) when a start lowers next_ms, so a sleeping
     * scheduler can shorten its timed wait (sched_init installs it). */
    void (*on_earlier)(void *arg);
    void *on_earlier_arg;
    /* Virtual time (deterministic runs): when set, the wheel's clock is
     * `vclock`, moved only by timer_clock_advance, and timer_start /
     * timer_cancel / timer_remaining measure from it. Only for a
     * deterministic (single-worker) scheduler, which advances it when idle. */
    bool virtual_clock;
    _Atomic int64_t vclock;
    /* stats */
    uint64_t fired, cancelled, cascaded;
} TimerWheel;

/* Current CLOCK_MONOTONIC time in ms. */
int64_t timer_now_ms(void);

/* Initialise a wheel whose clock starts at now_ms (use timer_now_ms()). */
void timer_wheel_init(TimerWheel *w, int64_t now_ms);
/* Switch a fresh wheel to virtual time starting at start_ms (before use). */
void timer_wheel_set_virtual(TimerWheel *w, int64_t start_ms);
/* The wheel's current time: timer_now_ms(), or the virtual clock. */
int64_t timer_clock(TimerWheel *w);
/* Move the virtual clock forward to to_ms (never back; no-op otherwise).
 * The caller then runs timer_expire(w, timer_clock(w)). */
void timer_clock_advance(TimerWheel *w, int64_t to_ms);
/* Destroy the wheel; pending timers are simply forgotten (left IDLE). */
void timer_wheel_destroy(TimerWheel *w);

/* Initialise a timer record (IDLE) with its callback. */
void timer_init(Timer *t, TimerFn fire, void *arg);

/* Arm t to fire at absolute ms `expires` (a past time fires at the next
 * expire call). t must be IDLE; returns false (nothing changed) if it is
 * already pending. */
bool timer_start_at(TimerWheel *w, Timer *t, int64_t expires);
/* Arm t to fire delay_ms from now (timer_clock(w)). */
bool timer_start(TimerWheel *w, Timer *t, int64_t delay_ms);

/* Cancel t. Returns the ms left (>= 0) if it was pending, -1 if it was not
 * (never started, already fired, or already cancelled): the semantics of
 * Process.cancel_timer (integer or false). */
int64_t timer_cancel(TimerWheel *w, Timer *t);
/* Ms left for a pending timer, or -1 (Process.read_timer). */
int64_t timer_remaining(TimerWheel *w, Timer *t);

/* Advance the wheel to now_ms and fire every timer due at or before it, in
 * expiry order (timers due in the same ms: unspecified order). Returns how many fired. Cheap when
 * nothing is due: callers may test timer_next_ms() first without the lock. */
size_t timer_expire(TimerWheel *w, int64_t now_ms);

/* Lower bound of the earliest pending expiry (INT64_MAX: none). Lock-free. */
static inline int64_t timer_next_ms(TimerWheel *w) {
    return atomic_load_explicit(&w->next_ms, memory_order_seq_cst);
}

/* Number of pending timers. */
size_t timer_pending(TimerWheel *w);
#endif
