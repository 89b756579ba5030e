/* mailbox.c — the MPSC message queue and selective-receive list (mailbox.h).
 *
 * Outer queue (Vyukov's intrusive MPSC queue with a stub):
 *  - `head` is the most recently pushed link (| SLEEP); producers only ever
 *    exchange it. `tail` is the oldest link not yet popped, consumer-only.
 *  - The links from tail to head form a chain through `next`, except that a
 *    producer that has exchanged `head` but not yet stored its predecessor's
 *    `next` leaves a gap: the consumer then sees the queue end early and
 *    retries later (mailbox_sleep fails meanwhile, since head != stub).
 *  - The stub is in the chain whenever the queue is empty, so a producer
 *    always has a predecessor to link from. The consumer re-pushes the stub
 *    when it is about to pop the last message, so every popped message is
 *    fully detached and may be freed or handed over at once.
 *  - The queue is empty iff tail == head == &stub (the SLEEP bit aside).
 * Mailbox structs hold pointers to themselves: never move one after init.
 */
#include "mailbox.h"
#include "process.h"
#include "gc.h"
#include "heap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLEEP ((uintptr_t)1)

_Static_assert(offsetof(Message, q) == 0, "a Message starts with its link");
_Static_assert(_Alignof(MsgLink) >= 2, "the SLEEP bit needs aligned links");

void mailbox_init(Mailbox *mb) {
    atomic_init(&mb->stub.next, NULL);
    atomic_init(&mb->head, (uintptr_t)&mb->stub);
    mb->tail = &mb->stub;
    mb->first = NULL;
    mb->last = mb->save = &mb->first;
    mb->len = 0;
}

/* ---- messages ------------------------------------------------------------ */

Message *mailbox_msg_new(Term t) {
    /* Immediates (atoms, smalls, pids: most signals) need no size pass. */
    size_t words = is_cons(t) || is_boxed(t) ? gc_copy_size(t) : 0;
    Message *m;
    if (!words) {
        m = heap_xmalloc("message", sizeof *m);
        m->frag = NULL;
        m->term = t;
        m->off_heap = NULL;
    } else {
        /* One block: the fragment, then the node (see mailbox.h). */
        size_t fbytes = sizeof(HeapFrag) + words * sizeof(Term);
        HeapFrag *f = heap_xmalloc("message", fbytes + sizeof *m);
        f->next = NULL;
        f->size = f->used = words;
        m = (Message *)((char *)f + fbytes);
        m->frag = f;
        m->off_heap = NULL;
        m->term = gc_copy_to_block(t, f->data, words, &m->off_heap);
    }
    m->link = NULL;
    m->kind = MSG_PLAIN;
    m->from = T_NIL;
    m->ref = 0;
    atomic_init(&m->q.next, NULL);
    return m;
}

void mailbox_msg_free(Message *m) {
    for (Term *b = m->off_heap; b; b = (Term *)b[3]) binary_decref((Binary *)b[2]);
    free(m->frag ? (void *)m->frag : (void *)m);
}

Term mailbox_msg_adopt(Process *p, Message *m) {
    Term t = m->term;
    HeapFrag *f = m->frag;
    if (!f) {
        free(m);
        return t;
    }
    Term *oh = m->off_heap;
    if (oh) {
        /* Splice the message's REFCBIN chain in front of p's list and charge
         * p's binary budget, as gc_copy_term would have. (The chain also
         * holds RESOURCEs, vm/resource.h, whose word 1 is no size.) */
        Term *last = oh;
        size_t bytes = header_type(last[0]) == BOX_REFCBIN ? last[1] : 0;
        while (last[3]) {
            last = (Term *)last[3];
            if (header_type(last[0]) == BOX_REFCBIN) bytes += last[1];
        }
        last[3] = (Term)p->off_heap;
        p->off_heap = oh;
        p->bin_budget = p->bin_budget > bytes ? p->bin_budget - bytes : 0;
        if (!p->bin_budget) p->gc_wanted = true;
    }
    /* From here on m (inside f) is dead memory that f's free() releases. */
    f->next = p->frags;
    p->frags = f;
    p->frag_words += f->size;
    /* Not every receive needs a GC: only once fragments outweigh the heap. */
    if (p->frag_words >= p->heap_words) p->gc_wanted = true;
    return t;
}

/* ---- outer queue --------------------------------------------------------- */

/* Returns the SLEEP bit of the head this push replaced. */
static uintptr_t push_link(Mailbox *mb, MsgLink *n) {
    /* relaxed: published by the release exchange below. */
    atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
    /* acq_rel. Release: n's contents and its NULL `next` happen-before
     * whoever acquires head next (the next producer, which then links after
     * n; the consumer's acquire load in pop). Acquire: pairs with the
     * previous producer's release, so our store to prev->next is ordered
     * after prev's own NULL store, and with mailbox_sleep's release CAS, so
     * the sleeping consumer's writes happen-before the waker runs it. */
    uintptr_t prev = atomic_exchange_explicit(&mb->head, (uintptr_t)n, memory_order_acq_rel);
    /* release: pairs with the consumer's acquire load of `next` in pop, so
     * the message's term and fragment are visible when the consumer sees n. */
    atomic_store_explicit(&((MsgLink *)(prev & ~SLEEP))->next, n, memory_order_release);
    return prev & SLEEP;
}

bool mailbox_push(Mailbox *mb, Message *m) { return push_link(mb, &m->q) != 0; }

bool mailbox_send(Mailbox *mb, Term t) { return mailbox_push(mb, mailbox_msg_new(t)); }

/* The oldest message, detached, or NULL when none is (fully) pushed. */
static Message *pop(Mailbox *mb) {
    MsgLink *tail = mb->tail;
    /* acquire (every load of `next`): pairs with push_link's release store. */
    MsgLink *next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (tail == &mb->stub) {
        if (!next) return NULL;
        mb->tail = tail = next;
        next = atomic_load_explicit(&tail->next, memory_order_acquire);
    }
    if (next) {
        mb->tail = next;
        return (Message *)tail;
    }
    /* tail is the last linked message. If it is not the head, a producer
     * is mid-push after it: wait for its link. acquire: pairs with the
     * producers' release exchange. */
    uintptr_t head = atomic_load_explicit(&mb->head, memory_order_acquire);
    if ((MsgLink *)(head & ~SLEEP) != tail) return NULL;
    /* Put the stub behind tail so that tail can leave the chain. The
     * consumer is running, so head carries no SLEEP bit to lose. */
    push_link(mb, &mb->stub);
    next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (next) {
        mb->tail = next;
        return (Message *)tail;
    }
    return NULL;
}

size_t mailbox_take_new_sig(Mailbox *mb, MailboxSignalFn fn, void *ctx) {
    size_t n = 0;
    for (Message *m; (m = pop(mb));) {
        if (m->kind != MSG_PLAIN && fn && !fn(m, ctx)) continue;
        m->link = NULL;
        *mb->last = m;
        mb->last = &m->link;
        mb->len++; /* now: a later signal in this batch may read it */
        n++;
    }
    return n;
}

size_t mailbox_take_new(Mailbox *mb) { return mailbox_take_new_sig(mb, NULL, NULL); }

/* ---- inner list ---------------------------------------------------------- */

Message *mailbox_unlink(Mailbox *mb) {
    Message *m = *mb->save;
    if (!m) {
        fprintf(stderr, "act: internal error: mailbox_unlink past the end\n");
        abort();
    }
    *mb->save = m->link;
    if (mb->last == &m->link) mb->last = mb->save;
    mb->len--;
    m->link = NULL;
    return m;
}

/* ---- sleeping and waking ------------------------------------------------- */

bool mailbox_sleep(Mailbox *mb) {
    if (mb->tail != &mb->stub) return false;
    uintptr_t expect = (uintptr_t)&mb->stub;
    /* acq_rel on success. Release: pairs with the acquire of the push or
     * mailbox_wake that clears the bit, so everything this thread did to
     * the process happens-before the waker schedules it. Fails (acquire,
     * for the messages' sake) iff something was pushed since the stub. */
    return atomic_compare_exchange_strong_explicit(&mb->head, &expect, expect | SLEEP,
                                                   memory_order_acq_rel, memory_order_acquire);
}

bool mailbox_is_asleep(const Mailbox *mb) {
    /* relaxed: a hint; decisions go through the CAS/exchange protocol. */
    return atomic_load_explicit(&((Mailbox *)mb)->head, memory_order_relaxed) & SLEEP;
}

bool mailbox_wake(Mailbox *mb) {
    uintptr_t expect = (uintptr_t)&mb->stub | SLEEP;
    /* acq_rel: acquire pairs with mailbox_sleep's release (see there);
     * release for symmetry with push. Only a sleeping empty queue has the
     * bit, and the only head value carrying it is stub|SLEEP. */
    return atomic_compare_exchange_strong_explicit(&mb->head, &expect, (uintptr_t)&mb->stub,
                                                   memory_order_acq_rel, memory_order_relaxed);
}

/* ---- teardown ------------------------------------------------------------ */

void mailbox_destroy(Mailbox *mb) {
    mailbox_take_new(mb);
    for (Message *m = mb->first, *next; m; m = next) {
        next = m->link;
        mailbox_msg_free(m);
    }
    mb->first = NULL;
    mb->last = mb->save = &mb->first;
    mb->len = 0;
}
