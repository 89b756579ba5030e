/* dirty.h — a pool of threads for C work that may block for long (the
 * BEAM's dirty schedulers): FFI calls (vm/ffi.c).
 *
 * A process hands a job to the pool and then waits in an ordinary receive
 * for the reply {:"$dirty", ref, value} (FFI.__await__/1, stdlib/ffi.act),
 * so a blocked call holds up no scheduler, even with one scheduler.
 *
 * A job owns everything it uses (copied arguments, references to resources):
 * it holds no pointer into any process heap, so the process may be
 * collected, or die, while its job runs.
 */
#ifndef ACT_DIRTY_H
#define ACT_DIRTY_H
#include "term.h"
#include <stdbool.h>

/* Words a job's run function may use to build its reply value. */
#define DIRTY_REPLY_WORDS 16

typedef struct DirtyJob DirtyJob;
struct DirtyJob {
    DirtyJob *next;             /* queue link (the pool's) */
    Term pid;                   /* who gets the reply */
    uint64_t ref;               /* the reply's reference id */
    /* Runs on a pool thread. Returns the reply value, built (if not an
     * immediate) in words[DIRTY_REPLY_WORDS]; it may borrow references the
     * job holds, since the reply is copied before `release` runs. */
    Term (*run)(DirtyJob *j, Term *words);
    /* Frees the job and drops what it holds; runs once, after the reply was
     * sent or when the pool stops with the job still queued. */
    void (*release)(DirtyJob *j);
};

/* Queue j (j->pid, ref, run, release set). False if the pool has stopped
 * (the VM is halting): j was not taken, the caller still owns it. */
bool dirty_submit(DirtyJob *j);
/* The VM is halting (runtime_shutdown): release queued jobs, let idle
 * threads end, never deliver again. A thread still inside a C call is left
 * to finish it (it is detached and ends with the OS process). */
void dirty_stop(void);
/* Threads the pool has started (for tests); at most DIRTY_MAX_THREADS. */
int dirty_thread_count(void);
#define DIRTY_MAX_THREADS 16
#endif
