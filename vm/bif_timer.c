/* bif_timer.c — erlang:send_after/3, cancel_timer/1 and read_timer/1.
 *
 * A timer is a record {Timer, reference id, destination, message} in the
 * runtime's timer wheel, with the message already copied into its own
 * fragment (a Message ready to push). The records are also indexed by
 * reference id in a hash table under `lock`, so that a reference from any
 * process finds its timer.
 *
 * Ownership: whoever removes a record from the table frees it. The fire
 * callback (wheel lock held, timer.h) removes it and delivers the message;
 * cancel removes it and then cancels it in the wheel. If cancel wins the
 * table race, the callback finds nothing and does nothing, so a cancelled
 * timer never delivers; if the callback wins, cancel answers false.
 * Lock order: wheel lock -> table lock (the callback); cancel never holds
 * the table lock while it takes the wheel's.
 */
#include "native.h"
#include "runtime.h"
#include "registry.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct TRec {
    Timer timer;
    uint64_t ref;
    Term dest;              /* pid or registered name (resolved when it fires) */
    Message *msg;
    int64_t due;            /* expiry on the runtime clock (immutable) */
    struct TRec *next;      /* hash chain (table lock) */
} TRec;

#define NBUCKETS 1024
static TRec *buckets[NBUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static TRec **bucket(uint64_t ref) { return &buckets[(ref * 0x9E3779B97F4A7C15ull) >> 54]; }

/* Remove and return the record of ref, or NULL. */
static TRec *take(uint64_t ref) {
    pthread_mutex_lock(&lock);
    TRec **pp = bucket(ref), *r;
    while ((r = *pp) && r->ref != ref) pp = &r->next;
    if (r) *pp = r->next;
    pthread_mutex_unlock(&lock);
    return r;
}

static void fired(Timer *t, void *arg) {
    (void)t;
    TRec *r = take(((TRec *)arg)->ref) ;
    if (!r) return; /* cancelled meanwhile: the canceller frees it */
    Term pid = is_atom(r->dest) ? registry_whereis(r->dest) : r->dest;
    if (pid != T_NONE) runtime_push(pid, r->msg);
    else mailbox_msg_free(r->msg);
    free(r);
}

Term proc_send_after3(Process *p, Term *args) {
    Term ms = args[0], dest = args[1];
    if (!is_small(ms) || small_val(ms) < 0 || !(is_pid(dest) || is_atom(dest)) || !runtime_active())
        return native_badarg(p);
    TRec *r = malloc(sizeof *r);
    if (!r) heap_out_of_memory("timer", sizeof *r);
    r->ref = heap_new_ref_id();
    r->dest = dest;
    r->msg = mailbox_msg_new(args[2]);
    r->due = runtime_now_ms() + small_val(ms);
    timer_init(&r->timer, fired, r);
    pthread_mutex_lock(&lock);
    TRec **b = bucket(r->ref);
    r->next = *b;
    *b = r;
    pthread_mutex_unlock(&lock);
    /* r may fire (and be freed) on another scheduler as soon as it is
     * started: keep what we return. */
    uint64_t ref = r->ref;
    timer_start_at(&runtime.timers, &r->timer, r->due);
    return make_ref_id(p, ref);
}

Term proc_cancel_timer1(Process *p, Term *args) {
    if (!is_ref(args[0])) return native_badarg(p);
    TRec *r = take((uint64_t)boxed_ptr(args[0])[1]);
    if (!r) return ATOM_false;
    int64_t left = timer_cancel(&runtime.timers, &r->timer);
    mailbox_msg_free(r->msg);
    free(r);
    return make_small(left < 0 ? 0 : left);
}

Term proc_read_timer1(Process *p, Term *args) {
    if (!is_ref(args[0])) return native_badarg(p);
    uint64_t ref = (uint64_t)boxed_ptr(args[0])[1];
    pthread_mutex_lock(&lock);
    TRec *r = *bucket(ref);
    while (r && r->ref != ref) r = r->next;
    int64_t left = r ? r->due - runtime_now_ms() : -1;
    pthread_mutex_unlock(&lock);
    if (!r) return ATOM_false;
    return make_small(left < 0 ? 0 : left);
}

/* Free every pending record (VM shutdown, schedulers stopped). */
void bif_timer_free_all(void) {
    for (size_t i = 0; i < NBUCKETS; i++) {
        for (TRec *r = buckets[i], *n; r; r = n) {
            n = r->next;
            timer_cancel(&runtime.timers, &r->timer);
            mailbox_msg_free(r->msg);
            free(r);
        }
        buckets[i] = NULL;
    }
}
