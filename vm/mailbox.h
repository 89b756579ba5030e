/* mailbox.h — a process's mailbox: a lock-free multi-producer single-consumer
 * queue of messages (the "outer" queue) plus a consumer-private list (the
 * "inner" queue) that selective receive scans.
 *
 * Model: Dmitry Vyukov's intrusive MPSC queue with a stub node (as in Pony's
 * messageq.c), and the BEAM's outer/inner signal queues.
 *
 * Invariants:
 *  - Any thread may push (mailbox_push / mailbox_send); only the owner (the
 *    thread currently running the process) calls every other function. Only
 *    the outer queue's `head` and the `next` links are shared.
 *  - A Message is owned by exactly one place at a time: its sender (after
 *    mailbox_msg_new), the outer queue (after push), the inner list (after
 *    mailbox_take_new), or the receiving process (after mailbox_remove).
 *  - A message's term lives in its own fragment `frag` (NULL when the term is
 *    immediate) and reaches nothing outside it except literal areas and
 *    off-heap blobs; each REFCBIN in the fragment holds one reference and is
 *    on the message's own off-heap chain (`off_heap`, linked through word [3]
 *    like a process's list).
 *  - Messages from one producer are taken in the order that producer pushed
 *    them (the exchange on `head` is a total order over all pushes).
 *  - Inner list: first..last in arrival order. `save` points at the link
 *    (`&first` or some message's `link` field) that holds the next message
 *    the current receive has not tried yet; messages before it were already
 *    rejected. mailbox_take_new appends at the end and never moves `save`,
 *    so rejected messages are not scanned again.
 *
 * Wake-up protocol (race-free, no lost wake-ups, no double scheduling):
 * the low bit of `head` is the SLEEP flag, set only by the consumer.
 *  - The consumer, having found no matching message, calls mailbox_sleep().
 *    It succeeds (returns true) only if the outer queue is empty, by a CAS of
 *    `head` from the stub to stub|SLEEP. On false, messages arrived: take them
 *    and try the receive again. On true, the scheduler must not run the
 *    process again until someone wakes it.
 *  - Each push exchanges `head`; the one push that finds the SLEEP bit in the
 *    old value returns true, and its caller must make the process runnable.
 *    Every other push returns false.
 *  - mailbox_wake() clears the SLEEP bit by CAS and returns true if it
 *    cleared it; exactly one of {a push, mailbox_wake} wins per sleep.
 * With the scheduler (scheduler.h), whose task state word already turns a
 * wake of a running task into WAKE_PENDING:
 *  - receive, no match: mailbox_take_new; if nothing new, mailbox_sleep();
 *    true: return SCHED_WAIT; false: match the new messages again.
 *  - send: if (mailbox_push(...)) sched_wake(task). Sends to a running or
 *    runnable process cost no CAS on the task state.
 *  - timeouts and other non-message wakers call sched_wake directly (never
 *    just mailbox_wake: the process may be between its last check and
 *    mailbox_sleep, and only the task state word closes that window).
 *  - a process resumed from a receive wait calls mailbox_wake(mb) first, to
 *    clear a SLEEP bit that a non-message wake left behind (if a push beat
 *    it, that push's sched_wake only causes one spurious requeue).
 * While the SLEEP bit is set the queue is empty (head == stub), so the
 * consumer never loses the bit in its own stub re-push.
 *
 * Receiving (ownership hand-over): mailbox_remove(mb, p) unlinks the message
 * at the save position and gives its fragment to p: the fragment is pushed on
 * p->frags (p->frag_words grows by its size) and its REFCBINs are spliced
 * onto p->off_heap, so p's next GC copies the live message data into p's heap
 * and frees the fragment, like any other fragment. The message node itself
 * lives in the same malloc block as the fragment, after its data[] (outside
 * [data, data + size), so no allocation and no GC ever touches it), and dies
 * with it; a message without fragment is freed at once.
 * Freeing a mailbox (mailbox_destroy) frees every pending message, outer and
 * inner, dropping the references its REFCBINs hold.
 */
#ifndef ACT_MAILBOX_H
#define ACT_MAILBOX_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include "term.h"

struct HeapFrag;
struct Process;

/* The outer-queue link; the stub is a bare link. */
typedef struct MsgLink {
    struct MsgLink *_Atomic next;
} MsgLink;

/* Signals. A queue entry is an ordinary message (MSG_PLAIN) or a signal
 * that its owner interprets when it takes it off the outer queue (signals.h
 * defines the kinds). Signals share the queue with messages so that
 * everything one process sends another arrives in the order it was sent. */
enum { MSG_PLAIN = 0 };

typedef struct Message {
    MsgLink q;              /* outer queue link: must be first */
    struct Message *link;   /* inner list link (consumer only) */
    Term term;              /* the message; points into frag (or immediate) */
    struct HeapFrag *frag;  /* the malloc block holding this node, or NULL */
    Term *off_heap;         /* first REFCBIN of frag, or NULL */
    uint32_t kind;          /* MSG_PLAIN or a signal kind (signals.h) */
    Term from;              /* a signal's sender (a pid) */
    uint64_t ref;           /* a signal's monitor reference id */
} Message;

typedef struct Mailbox {
    /* ---- shared: producers exchange it ---- */
    _Atomic uintptr_t head;     /* last pushed link | SLEEP bit */
    /* ---- consumer only ---- */
    MsgLink *tail;              /* next link to pop (maybe the stub) */
    MsgLink stub;
    Message *first;             /* inner list, oldest first */
    Message **last;             /* link field to append at (&first if empty) */
    Message **save;             /* receive's save position */
    size_t len;                 /* messages in the inner list */
} Mailbox;

void mailbox_init(Mailbox *mb);
/* Free every pending message (outer and inner). No producer may push
 * concurrently (the process is dead and unreachable from the process table). */
void mailbox_destroy(Mailbox *mb);

/* ---- producer side (any thread) --------------------------------------- */
/* A message holding a copy of t (made on the calling thread, which must own
 * t's heap; t must not change meanwhile). Aborts only on out of memory. */
Message *mailbox_msg_new(Term t);
/* Free a message that was never pushed, or was taken off a mailbox. */
void mailbox_msg_free(Message *m);
/* Append m. Returns true iff the consumer was asleep (mailbox_sleep) and
 * this push woke it: the caller must then make the process runnable. */
bool mailbox_push(Mailbox *mb, Message *m);
/* mailbox_push(mb, mailbox_msg_new(t)). */
bool mailbox_send(Mailbox *mb, Term t);

/* ---- consumer side (the owner only) ----------------------------------- */
/* Move every message that has arrived to the end of the inner list; returns
 * how many. A message whose producer is halfway through its push (and later
 * ones) may be left for the next call; mailbox_sleep then fails. */
size_t mailbox_take_new(Mailbox *mb);
/* A filter for signals: called, in arrival order, for each entry whose kind
 * is not MSG_PLAIN; returns true to append it to the inner list as a
 * message (the filter has set its kind to MSG_PLAIN), false when it has
 * consumed the entry (and freed it). */
typedef bool (*MailboxSignalFn)(Message *m, void *ctx);
/* mailbox_take_new with signals passed through fn (NULL: none filtered);
 * returns how many entries were appended. */
size_t mailbox_take_new_sig(Mailbox *mb, MailboxSignalFn fn, void *ctx);
/* The message at the save position, or NULL when receive has tried them all. */
static inline Message *mailbox_peek(const Mailbox *mb) { return *mb->save; }
/* The current receive rejected the message at the save position: move on. */
static inline void mailbox_advance(Mailbox *mb) {
    if (*mb->save) mb->save = &(*mb->save)->link;
}
/* Receive is over (matched, or timed out): the next one starts at the oldest. */
static inline void mailbox_reset(Mailbox *mb) { mb->save = &mb->first; }
/* Unlink the message at the save position (which must exist) and return it;
 * the save position then holds the message after it. O(1). */
Message *mailbox_unlink(Mailbox *mb);
/* Give m's fragment to p (see "Receiving" above) and free m; returns the
 * message term, now part of p's heap. */
Term mailbox_msg_adopt(struct Process *p, Message *m);
/* mailbox_msg_adopt(p, mailbox_unlink(mb)). */
static inline Term mailbox_remove(Mailbox *mb, struct Process *p) {
    return mailbox_msg_adopt(p, mailbox_unlink(mb));
}
/* Messages in the inner list (call mailbox_take_new first for
 * Process.info(pid, :message_queue_len)). */
static inline size_t mailbox_len(const Mailbox *mb) { return mb->len; }
/* Try to go to sleep (see the wake-up protocol). Call only after
 * mailbox_take_new and a receive that found no match. */
bool mailbox_sleep(Mailbox *mb);
/* True while asleep (any thread; a hint for schedulers and tests). */
bool mailbox_is_asleep(const Mailbox *mb);

/* ---- waking (any thread) ---------------------------------------------- */
/* Clear the SLEEP bit; true iff this call cleared it (a standalone waker
 * must then make the process runnable; see the protocol above). */
bool mailbox_wake(Mailbox *mb);

#endif
