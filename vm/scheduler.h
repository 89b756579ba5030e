/* scheduler.h — schedulers: N OS threads, one run queue each, work stealing,
 * sleeping when idle, timers, and a deterministic single-thread mode.
 * (Named scheduler.h, not sched.h: vm/ is on the include path and
 * <pthread.h> includes the system's <sched.h>.)
 *
 * The scheduler runs generic tasks. A task is any struct that embeds a
 * SchedTask (the interpreter embeds one in Process and recovers the Process
 * with container_of); the scheduler never allocates or frees tasks. It runs
 * one through the callback given at init:
 *
 *     SchedStatus run(SchedTask *t, int budget, void *ctx)
 *
 * which returns SCHED_YIELD (budget used up: requeue at the tail, so a task
 * that always yields cannot starve the others of its queue), SCHED_WAIT
 * (park until sched_wake) or SCHED_DONE (retire: on_done is called, after
 * which the scheduler never touches the task again).
 *
 * Task state word (SchedTask.state), all transitions by atomic CAS/exchange:
 *
 *   RUNNABLE --(a scheduler dequeues it)-----------------> RUNNING
 *   RUNNING  --(run -> YIELD)----------------------------> RUNNABLE, requeued
 *   RUNNING  --(run -> WAIT, CAS)------------------------> WAITING, parked
 *   RUNNING  --(sched_wake while it runs, CAS)-----------> WAKE_PENDING
 *   WAKE_PENDING --(run -> WAIT or YIELD)----------------> RUNNABLE, requeued
 *   WAITING  --(sched_wake, CAS; the single winner)------> RUNNABLE, enqueued
 *   RUNNING/WAKE_PENDING --(run -> DONE)-----------------> DONE
 *
 * Hence a waiting task is enqueued exactly once however many wakers race
 * (only one CAS from WAITING succeeds; the others see RUNNABLE and do
 * nothing), and a wake that arrives while the task runs is never lost: the
 * scheduler's RUNNING -> WAITING CAS fails and it requeues the task instead.
 * Memory order: a waker publishes its message first (the mailbox's release),
 * then wakes with an acq_rel CAS; the scheduler's CASes are acq_rel too, so a
 * task that is run again, or whose WAIT CAS failed, sees every message whose
 * wake it consumed. Queue links are guarded by the queue mutex.
 *
 * Lifetime: sched_wake may only be called on a task that cannot be freed
 * concurrently (the process table must hold it alive, e.g. by refcount or by
 * freeing only from on_done under the table's lock).
 *
 * Sleeping (no lost wakeups): an idle worker spins a bounded number of
 * rounds trying to steal, then, holding its queue lock, sets `sleeping`,
 * increments the global sleeper count (seq_cst) and re-reads every queue
 * length and the timer deadline (seq_cst) before waiting on its condition
 * variable. An enqueuer stores the new length (seq_cst), then reads the
 * sleeper count (seq_cst) and signals, under that worker's lock, the queue's
 * owner if it sleeps, else (if the queue holds >= 2 tasks) any sleeper, to
 * steal (Dekker: one side always sees the other). A worker with a
 * pending timer deadline sleeps with a timed wait as the "timekeeper"; the
 * others wait untimed.
 *
 * Hand-off: a task woken by the task a worker is running goes to that
 * worker's private slot (runnext), not to a queue; when the waker waits or
 * ends, the worker runs it next, so a request/reply pair stays on one
 * thread and costs no cross-thread wake-up (Go's runnext). The slot is
 * invisible to thieves; it is emptied into the queue when the waker uses
 * up its slice or is displaced by a newer wake, and after 64 hand-offs in
 * a row while other tasks wait in the queue. Wakes from timers and foreign
 * threads, and all wakes in deterministic mode, go to the task's home queue.
 *
 * Stealing: a thief visits victims starting at a random one; it takes the
 * older half (rounded up) of the first non-empty queue under the victim's
 * lock, runs the first task and queues the rest on its own queue; it never
 * holds two queue locks at once.
 *
 * Deterministic mode (cfg.deterministic): one worker, and each pick takes a
 * task chosen by a seeded PRNG (xorshift64*) among all runnable ones, so a
 * given seed reproduces the same interleaving as long as wakes come only
 * from tasks and timers (not from foreign threads). With a virtual-time
 * wheel (timer_wheel_set_virtual) timers are reproducible too: when no task
 * is runnable the worker jumps the clock to the next deadline instead of
 * sleeping, so `sleep`s take no real time; while tasks run, the clock
 * advances one ms per slice, so timers fire even when a task never waits.
 *
 * Use by the runtime (runtime.c): Process embeds `SchedTask task`; one
 * global Sched with the runtime's TimerWheel as cfg.timers. The run
 * callback (run_process) maps interp_run's RUN_YIELD to SCHED_YIELD,
 * RUN_WAIT to SCHED_WAIT once mailbox_sleep succeeded (arming the receive
 * timer first), and RUN_DONE/RUN_ERROR or a pending exit signal to
 * SCHED_DONE after the exit has been carried out; on_done retires the
 * process through the process table's grace period. Senders call
 * sched_wake only when mailbox_push reports that it woke a sleeper; timers
 * call it from their callbacks. The main process's end calls sched_stop.
 * on_worker registers each worker with the process table and takes it
 * offline while it sleeps.
 */
#ifndef ACT_SCHED_H
#define ACT_SCHED_H
#include <stdint.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <pthread.h>
#include "timer.h"

typedef enum { SCHED_YIELD, SCHED_WAIT, SCHED_DONE } SchedStatus;

enum {
    SCHED_RUNNABLE = 0,
    SCHED_RUNNING = 1,
    SCHED_WAITING = 2,
    SCHED_WAKE_PENDING = 3,
    SCHED_DONE_STATE = 4,
};

typedef struct SchedTask {
    struct SchedTask *next;     /* run-queue link (queue lock) */
    _Atomic uint32_t state;     /* SCHED_RUNNABLE ... (see the protocol above) */
    _Atomic uint32_t home;      /* index of the queue it last ran on */
} SchedTask;

typedef struct Sched Sched;
typedef enum { SCHED_WORKER_START, SCHED_WORKER_SLEEP, SCHED_WORKER_WAKE, SCHED_WORKER_STOP } SchedWorkerEvent;
typedef SchedStatus (*SchedRunFn)(SchedTask *t, int budget, void *ctx);

typedef struct SchedConfig {
    int nschedulers;            /* <= 0: online cores */
    SchedRunFn run;             /* required */
    void (*on_done)(SchedTask *t, void *ctx); /* optional: task retired */
    void *ctx;                  /* passed to run and on_done */
    int budget;                 /* reductions per slice; <= 0: 4000 */
    bool deterministic;         /* one worker, seeded random picks */
    uint64_t seed;              /* deterministic mode's seed */
    bool stop_when_idle;        /* stop once no task is alive (tests, scripts) */
    TimerWheel *timers;         /* optional: expired by the workers */
    int spin_rounds;            /* steal attempts before sleeping; <= 0: 64 */
    /* optional: called on a worker's own thread when it starts (before its
     * first task), before it sleeps, after it wakes, and when it stops
     * (the runtime uses it to register with the process table and to go
     * offline there while asleep). */
    void (*on_worker)(int worker, SchedWorkerEvent ev, void *ctx);
} SchedConfig;

typedef struct SchedStats {
    uint64_t runs;      /* slices run */
    uint64_t yields, waits, dones;
    uint64_t stolen;    /* tasks taken from other queues */
    uint64_t steals;    /* successful steal operations */
    uint64_t sleeps;    /* times the worker went to sleep */
    uint64_t timer_fires; /* timers fired by this worker */
} SchedStats;

/* Create a scheduler (threads are not started). NULL on bad config. */
Sched *sched_new(const SchedConfig *cfg);
/* Free it; it must be stopped and joined (or never started). Tasks still
 * queued are left to their owner. */
void sched_free(Sched *s);
int sched_count(const Sched *s);

/* Make a new task runnable (its state is initialised here). `where`: a
 * queue index, or -1 for the calling worker's own queue (round robin when
 * called from outside the scheduler's threads). Any thread. */
void sched_spawn(Sched *s, SchedTask *t, int where);
/* Wake a task that is (or is about to be) waiting. Any thread. Returns true
 * if this call made it runnable, false if it was running (the wake is
 * recorded as WAKE_PENDING), already runnable, or done. */
bool sched_wake(Sched *s, SchedTask *t);

/* Start the worker threads and return. */
int sched_start(Sched *s);
/* Run: the calling thread becomes worker 0, the others get threads; returns
 * after sched_stop (or, with stop_when_idle, when no task is alive) once
 * every worker has stopped. */
int sched_run(Sched *s);
/* Ask every worker to stop after its current slice; wakes sleepers. Any
 * thread, including a task's run callback. */
void sched_stop(Sched *s);
/* Wait for the workers started by sched_start. */
void sched_join(Sched *s);

/* Index of the calling worker of s, or -1 if the caller is not one. */
int sched_current(const Sched *s);
/* Number of tasks spawned and not yet done. */
int64_t sched_alive(const Sched *s);
/* Counters of worker i (read racily while running; exact after join). */
void sched_stats(const Sched *s, int i, SchedStats *out);
/* Tell the workers the earliest timer deadline moved earlier (installed as
 * the TimerWheel's on_earlier hook by sched_new). */
void sched_timers_changed(Sched *s);
#endif
