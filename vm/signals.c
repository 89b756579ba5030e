/* signals.c — links, monitors and exit signals (see signals.h for the rules
 * and the invariants). */
#include "signals.h"
#include "runtime.h"
#include "mailbox.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include <stdlib.h>
#include <string.h>

/* ---- building signals ----------------------------------------------------
 * The message a signal would become is assembled on the C stack and copied
 * into the signal's fragment by mailbox_msg_new (which copies everything a
 * term reaches, wherever it lives). */

static Message *exit_signal(uint32_t kind, Term from, Term reason) {
    Term tup[4] = { make_header(BOX_TUPLE, 3), ATOM_EXIT, from, reason };
    Message *m = mailbox_msg_new(make_boxed(tup));
    m->kind = kind;
    m->from = from;
    return m;
}

/* The DOWN for monitor ref of process `from`, made by name (ATOM_nil: by
 * pid): the message names the process {name, node} then. */
static Message *down_signal(uint64_t ref, Term from, Term name, Term reason) {
    Term r[2] = { make_header(BOX_REF, 1), (Term)ref };
    Term item[3] = { make_header(BOX_TUPLE, 2), name, ATOM_nonode_nohost };
    Term who = name == ATOM_nil ? from : make_boxed(item);
    Term tup[6] = { make_header(BOX_TUPLE, 5), ATOM_DOWN, make_boxed(r), ATOM_process, who, reason };
    Message *m = mailbox_msg_new(make_boxed(tup));
    m->kind = SIG_DOWN;
    m->from = from;
    m->ref = ref;
    return m;
}

/* ---- receiving signals ------------------------------------------------- */

/* p must exit with the reason inside m's {:EXIT, from, reason} (consumes m). */
static void die_from(Process *p, Message *m, Term reason_override) {
    if (p->pending_exit) {
        mailbox_msg_free(m);
        return;
    }
    Term from = m->from;
    Term t = mailbox_msg_adopt(p, m);
    p->pending_exit = true;
    p->exit_reason = reason_override != T_NONE ? reason_override : tuple_elems(t)[2];
    p->exit_from = from;
}

static bool on_signal(Message *m, void *ctx) {
    Process *p = ctx;
    switch (m->kind) {
    case SIG_DOWN: {
        process_lock(p);
        bool active = keyset_remove(&p->mon_of, m->ref, NULL);
        process_unlock(p);
        if (!active) break;
        m->kind = MSG_PLAIN;
        return true;
    }
    case SIG_EXIT_LINK: {
        atomic_fetch_sub_explicit(&p->exit_sigs, 1, memory_order_relaxed);
        process_lock(p);
        bool linked = keyset_remove(&p->links, m->from, NULL);
        process_unlock(p);
        if (!linked) break;
        Term reason = tuple_elems(m->term)[2];
        if (p->trap_exit) {
            m->kind = MSG_PLAIN;
            return true;
        }
        if (reason == ATOM_normal) break;
        die_from(p, m, T_NONE);
        return false;
    }
    case SIG_EXIT: {
        atomic_fetch_sub_explicit(&p->exit_sigs, 1, memory_order_relaxed);
        Term reason = tuple_elems(m->term)[2];
        if (reason == ATOM_kill) {
            die_from(p, m, ATOM_killed);
            return false;
        }
        if (p->trap_exit) {
            m->kind = MSG_PLAIN;
            return true;
        }
        if (reason == ATOM_normal && m->from != p->pid) break;
        die_from(p, m, T_NONE);
        return false;
    }
    case SIG_INFO: {
        /* Process.info from another process: answer from here (the
         * requester monitors p, so it also learns if p dies first). */
        /* A process already told to exit is dead to the asker (its exit
         * signal came first). */
        Term result = p->pending_exit ? ATOM_undefined : proc_info_local(p, m->term, m->ref);
        Term r[2] = { make_header(BOX_REF, 1), (Term)m->ref };
        Term tup[4] = { make_header(BOX_TUPLE, 3), ATOM__process_info, make_boxed(r), result };
        runtime_send(p, m->from, make_boxed(tup));
        break;
    }
    default:
        break;
    }
    mailbox_msg_free(m);
    return false;
}

size_t signal_take(Process *p) { return mailbox_take_new_sig(&p->mbox, on_signal, p); }

/* ---- sending ------------------------------------------------------------- */

void signal_send_exit(Process *p, Term to, Term reason) {
    runtime_push(to, exit_signal(SIG_EXIT, p->pid, reason));
}

void signal_send_info_request(Process *p, Term to, Term spec, uint64_t ref) {
    Message *m = mailbox_msg_new(spec);
    m->kind = SIG_INFO;
    m->from = p->pid;
    m->ref = ref;
    runtime_push(to, m);
}

/* ---- links ----------------------------------------------------------------- */

/* Both ends of a link change together, under both locks taken in pid
 * order (the only place two process locks are held at once), so a link
 * racing an unlink from the other side leaves both sets agreeing. */
static void lock_pair(Process *a, Process *b) {
    if (a->pid > b->pid) {
        Process *t = a;
        a = b;
        b = t;
    }
    process_lock(a);
    process_lock(b);
}

static void unlock_pair(Process *a, Process *b) {
    process_unlock(a);
    process_unlock(b);
}

bool signal_link(Process *p, Term to) {
    if (to == p->pid) return true;
    Process *q = runtime_lookup(to);
    if (!q) return false;
    lock_pair(p, q);
    bool ok = !q->exiting;
    if (ok) {
        keyset_add(&q->links, p->pid, T_NIL, T_NIL);
        keyset_add(&p->links, to, T_NIL, T_NIL);
    }
    unlock_pair(p, q);
    return ok;
}

void signal_unlink(Process *p, Term to) {
    Process *q = to == p->pid ? NULL : runtime_lookup(to);
    if (!q) {
        process_lock(p);
        keyset_remove(&p->links, to, NULL);
        process_unlock(p);
        return;
    }
    lock_pair(p, q);
    keyset_remove(&p->links, to, NULL);
    keyset_remove(&q->links, p->pid, NULL);
    unlock_pair(p, q);
}

void signal_link_child(Process *p, Process *child) {
    /* The child is in the table already (Process.list may find it). */
    process_lock(child);
    keyset_add(&child->links, p->pid, T_NIL, T_NIL);
    process_unlock(child);
    process_lock(p);
    keyset_add(&p->links, child->pid, T_NIL, T_NIL);
    process_unlock(p);
}

/* ---- monitors ------------------------------------------------------------ */

void signal_monitor(Process *p, Term to, Term name, uint64_t ref) {
    /* Into mon_of first: a DOWN that `to` sends as soon as it is unlocked
     * below must find the monitor active. */
    process_lock(p);
    keyset_add(&p->mon_of, ref, to, name);
    process_unlock(p);
    if (to == p->pid) return; /* monitoring oneself: never fires while alive */
    Process *q = is_pid(to) ? runtime_lookup(to) : NULL;
    bool ok = false;
    if (q) {
        process_lock(q);
        ok = !q->exiting;
        if (ok) keyset_add(&q->mon_by, ref, p->pid, name);
        process_unlock(q);
    }
    if (!ok) mailbox_push(&p->mbox, down_signal(ref, to, name, ATOM_noproc));
}

void signal_monitor_child(Process *p, Process *child, uint64_t ref) {
    process_lock(child);
    keyset_add(&child->mon_by, ref, p->pid, ATOM_nil);
    process_unlock(child);
    process_lock(p);
    keyset_add(&p->mon_of, ref, child->pid, ATOM_nil);
    process_unlock(p);
}

/* Is m the message {:DOWN, ref, ...}? */
static bool is_down_for(const Message *m, uint64_t ref) {
    if (!is_tuple(m->term) || tuple_arity(m->term) != 5) return false;
    const Term *e = tuple_elems(m->term);
    return e[0] == ATOM_DOWN && is_ref(e[1]) && boxed_ptr(e[1])[1] == (Term)ref;
}

bool signal_demonitor(Process *p, uint64_t ref, bool flush) {
    KeyEntry e;
    process_lock(p);
    bool active = keyset_remove(&p->mon_of, ref, &e);
    process_unlock(p);
    if (active && e.a != p->pid) {
        Process *q = runtime_lookup(e.a);
        if (q) {
            process_lock(q);
            keyset_remove(&q->mon_by, ref, NULL);
            process_unlock(q);
        }
    }
    if (flush) {
        signal_take(p);
        Mailbox *mb = &p->mbox;
        Message **save = mb->save;
        mailbox_reset(mb);
        for (Message *m; (m = mailbox_peek(mb));) {
            if (is_down_for(m, ref)) {
                mailbox_msg_free(mailbox_unlink(mb));
                break;
            }
            mailbox_advance(mb);
        }
        (void)save; /* demonitor runs outside any receive: restart at the oldest */
        mailbox_reset(mb);
    }
    return active;
}

/* ---- exiting -------------------------------------------------------------- */

void signal_exit_process(Process *p, Term reason) {
    /* Take the sets: once exiting is set nobody adds to them. */
    process_lock(p);
    p->exiting = true;
    KeySet links = p->links, by = p->mon_by, of = p->mon_of;
    p->links = p->mon_by = p->mon_of = (KeySet){ 0 };
    process_unlock(p);

    KeyEntry *e;
    uint32_t i = 0;
    while ((e = keyset_next(&links, &i)))
        runtime_push((Term)e->key, exit_signal(SIG_EXIT_LINK, p->pid, reason));
    i = 0;
    while ((e = keyset_next(&by, &i))) runtime_push(e->a, down_signal(e->key, p->pid, e->b, reason));
    i = 0;
    while ((e = keyset_next(&of, &i))) {
        Process *q = e->a == p->pid ? NULL : runtime_lookup(e->a);
        if (!q) continue;
        process_lock(q);
        keyset_remove(&q->mon_by, e->key, NULL);
        process_unlock(q);
    }
    keyset_free(&links);
    keyset_free(&by);
    keyset_free(&of);
}

/* ---- Process.info ------------------------------------------------------- */

Term signal_links_list(Process *on, Process *q) {
    Term l = T_NIL;
    process_lock(q);
    /* heap_alloc never collects, so building under the lock is safe. */
    KeyEntry *e;
    uint32_t i = 0;
    while ((e = keyset_next(&q->links, &i))) l = make_cons_cell(on, (Term)e->key, l);
    process_unlock(q);
    return l;
}

Term signal_monitors_list(Process *on, Process *q, bool by, uint64_t hide_ref) {
    Term l = T_NIL;
    process_lock(q);
    KeyEntry *e;
    uint32_t i = 0;
    if (by) {
        while ((e = keyset_next(&q->mon_by, &i)))
            if (e->key != hide_ref) l = make_cons_cell(on, e->a, l);
    } else {
        while ((e = keyset_next(&q->mon_of, &i))) {
            if (!is_pid(e->a)) continue; /* an unregistered name: never active */
            Term who = e->b == ATOM_nil ? e->a : make_tuple2(on, e->b, ATOM_nonode_nohost);
            l = make_cons_cell(on, make_tuple2(on, ATOM_process, who), l);
        }
    }
    process_unlock(q);
    return l;
}
