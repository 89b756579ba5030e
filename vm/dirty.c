/* dirty.c — the pool of threads for blocking C work (contract: dirty.h).
 *
 * Threads start on demand: a job queued while no thread is idle starts one,
 * up to DIRTY_MAX_THREADS (then jobs wait in the queue, FIFO). An idle
 * thread spins briefly (DIRTY_SPIN_NS), then waits on a condition
 * variable; spinning and waiting threads both count as idle (nidle). The
 * design follows the stdin reader (vm/stdin.c).
 *
 * Invariants:
 *  - `lock` guards the queue, `stopped`, the counters, and every use of the
 *    runtime by a pool thread: runtime_shutdown calls dirty_stop, which sets
 *    `stopped` under the lock, so no thread delivers to a runtime being freed.
 *  - A pool thread is registered with the process table but online only
 *    while it delivers (ptab.h), so a long C call never holds back the
 *    freeing of dead processes.
 *  - A job is released exactly once: by the thread that ran it, after its
 *    reply was copied into a message, or by dirty_stop if it never ran.
 */
#include "dirty.h"
#include "runtime.h"
#include "ptab.h"
#include "heap.h"
#include "mailbox.h"
#include "atom.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static DirtyJob *head, **tail = &head;
static bool stopped;
static int nthreads, nidle;         /* nidle: waiting or spinning for a job */
static _Atomic int queued;          /* jobs in the queue, read while spinning */

/* An idle thread spins this long before it sleeps: a process making calls
 * back to back submits the next one sooner than a condition-variable sleep
 * and wake-up would take. Bounded by time, not by a count of pauses (a
 * pause lasts 1 to 40 ns depending on the CPU). */
#define DIRTY_SPIN_NS 20000

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* The reply message {:"$dirty", ref, value} for j (a copy: the tuple and
 * the reference live in this frame only). */
static Message *reply(DirtyJob *j, Term value) {
    Term ref[2] = { make_header(BOX_REF, 1), (Term)j->ref };
    Term tup[4] = { make_header(BOX_TUPLE, 3), ATOM__dirty, make_boxed(ref), value };
    return mailbox_msg_new(make_boxed(tup));
}

static void *worker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    int tid = stopped ? -1 : ptab_thread_register(runtime.ptab);
    if (tid >= 0) ptab_thread_offline(runtime.ptab, tid);
    for (;;) {
        nidle++;
        if (!head && !stopped && tid >= 0) {
            pthread_mutex_unlock(&lock);
            uint64_t until = now_ns() + DIRTY_SPIN_NS;
            while (!atomic_load_explicit(&queued, memory_order_relaxed) && now_ns() < until)
                for (int i = 0; i < 8; i++) cpu_relax();
            pthread_mutex_lock(&lock);
        }
        while (!head && !stopped) pthread_cond_wait(&more, &lock);
        nidle--;
        if (stopped || tid < 0) break;
        DirtyJob *j = head;
        head = j->next;
        if (!head) tail = &head;
        atomic_fetch_sub_explicit(&queued, 1, memory_order_relaxed);
        pthread_mutex_unlock(&lock);
        Term words[DIRTY_REPLY_WORDS];
        Message *m = reply(j, j->run(j, words));
        Term pid = j->pid;
        j->release(j);
        pthread_mutex_lock(&lock);
        if (stopped) {
            mailbox_msg_free(m);
            break;
        }
        ptab_thread_online(runtime.ptab, tid);
        runtime_push(pid, m);
        ptab_thread_offline(runtime.ptab, tid);
    }
    nthreads--;
    pthread_mutex_unlock(&lock);
    return NULL;
}

bool dirty_submit(DirtyJob *j) {
    j->next = NULL;
    pthread_mutex_lock(&lock);
    bool ok = !stopped;
    if (ok && nidle == 0 && nthreads < DIRTY_MAX_THREADS) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, NULL) == 0) {
            pthread_detach(t);
            nthreads++;
        } else {
            ok = nthreads > 0; /* queue for the threads there are */
        }
    }
    if (ok) {
        *tail = j;
        tail = &j->next;
        atomic_fetch_add_explicit(&queued, 1, memory_order_relaxed);
        pthread_cond_signal(&more);
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

void dirty_stop(void) {
    pthread_mutex_lock(&lock);
    stopped = true;
    DirtyJob *j = head;
    head = NULL;
    tail = &head;
    atomic_store_explicit(&queued, 0, memory_order_relaxed);
    pthread_cond_broadcast(&more);
    pthread_mutex_unlock(&lock);
    while (j) {
        DirtyJob *next = j->next;
        j->release(j);
        j = next;
    }
}

int dirty_thread_count(void) {
    pthread_mutex_lock(&lock);
    int n = nthreads;
    pthread_mutex_unlock(&lock);
    return n;
}
