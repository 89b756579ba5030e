/* test_signals.c — links, monitors and exit signals (vm/signals.c) at the C
 * level, on processes published in the runtime's process table without
 * schedulers running: runtime_init makes the table and the (idle)
 * schedulers; a test "spawns" a process by inserting it in the table and
 * giving it its table pid (runtime.c's publish() minus sched_spawn), and
 * "ends" one the way runtime.c's exit_process does (signal_exit_process,
 * registry_drop, ptab_remove), then frees it (no scheduler thread
 * can hold a pointer to it). Signals are interpreted by calling
 * signal_take on the receiver, as a time slice would.
 *
 * runtime_push on a process that was never sched_spawn'ed is safe: a push
 * to a mailbox that is not asleep does not call sched_wake, and sched_wake
 * of a RUNNABLE (0) task does nothing.
 *
 * Messages and exit reasons are compared as inspect text. */
#include "unit.h"
#include "signals.h"
#include "runtime.h"
#include "registry.h"
#include "ptab.h"
#include "process.h"
#include "mailbox.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include "inspect.h"
#include <stdlib.h>
#include <pthread.h>

static Term A(const char *s) { return atom_intern_cstr(s); }

/* inspect(t) as a C string (one of 4 rotating static buffers). */
static const char *show(Term t) {
    static char out[4][1024];
    static int k;
    char *o = out[k++ & 3];
    StrBuf b = {0};
    inspect_to_buf(&b, t, &inspect_default_opts);
    snprintf(o, 1024, "%s", b.data ? b.data : "");
    strbuf_free(&b);
    return o;
}

/* "#PID<0.N.0>" of a process (one of 8 rotating static buffers). */
static const char *pidtxt(Term pid) {
    static char out[8][48];
    static int k;
    char *o = out[k++ & 7];
    snprintf(o, 48, "#PID<0.%llu.0>", (unsigned long long)pid_val(pid));
    return o;
}

/* How a reference id prints. */
static const char *reftxt(uint64_t ref) {
    Term r[2] = { make_header(BOX_REF, 1), (Term)ref };
    return show(make_boxed(r));
}

/* A process published in the process table under a fresh pid. */
static Process *spawn_fake(void) {
    Process *p = process_new(GC_MIN_HEAP);
    uint64_t id = ptab_insert(runtime.ptab, p);
    if (id == PTAB_FULL) abort();
    p->pid = make_pid(id);
    return p;
}

/* p ends with reason (an atom, or built on p's heap), as exit_process does;
 * then it is freed. Returns its (now dead) pid. */
static Term end_process(Process *p, Term reason) {
    Term pid = p->pid;
    signal_exit_process(p, reason);   /* exiting first: no new name can reach p */
    registry_drop(p);
    ptab_remove(runtime.ptab, pid_val(pid));
    process_free(p);
    return pid;
}

/* Remove the oldest message of p's inner list; its inspect text, or
 * "(none)". */
static const char *next_msg(Process *p) {
    mailbox_reset(&p->mbox);
    if (!mailbox_peek(&p->mbox)) return "(none)";
    Term t = mailbox_remove(&p->mbox, p);
    mailbox_reset(&p->mbox);
    return show(t);
}

/* Links of q / monitors on q as inspect text. */
static const char *links_of(Process *on, Process *q) { return show(signal_links_list(on, q)); }
static const char *mon_by_of(Process *on, Process *q) { return show(signal_monitors_list(on, q, true, 0)); }
static const char *mon_of_of(Process *on, Process *q) { return show(signal_monitors_list(on, q, false, 0)); }

static char buf_[8][512];
static int bufk_;
/* snprintf into a rotating buffer. */
#define FMT(...) (snprintf(buf_[bufk_ & 7], 512, __VA_ARGS__), buf_[bufk_++ & 7])

/* ---- links ----------------------------------------------------------------- */

static void test_link_symmetric(void) {
    Process *a = spawn_fake(), *b = spawn_fake(), *c = spawn_fake();
    CHECK(signal_link(a, b->pid));
    CHECK_EQ_STR(links_of(a, a), FMT("[%s]", pidtxt(b->pid)));
    CHECK_EQ_STR(links_of(a, b), FMT("[%s]", pidtxt(a->pid)));
    /* Linking again (from either side) adds nothing. */
    CHECK(signal_link(a, b->pid));
    CHECK(signal_link(b, a->pid));
    CHECK_EQ_INT(a->links.n, 1);
    CHECK_EQ_INT(b->links.n, 1);
    /* Self-link: true, nothing recorded. */
    CHECK(signal_link(a, a->pid));
    CHECK_EQ_INT(a->links.n, 1);
    CHECK(signal_link(a, c->pid));
    CHECK_EQ_INT(a->links.n, 2);
    CHECK_EQ_STR(links_of(a, c), FMT("[%s]", pidtxt(a->pid)));
    /* Unlink from the other side: both ends forget it. */
    signal_unlink(b, a->pid);
    CHECK_EQ_STR(links_of(a, a), FMT("[%s]", pidtxt(c->pid)));
    CHECK_EQ_STR(links_of(a, b), "[]");
    /* Unlinking what is not linked is harmless. */
    signal_unlink(b, a->pid);
    signal_unlink(b, c->pid);
    CHECK_EQ_INT(a->links.n, 1);
    CHECK_EQ_INT(c->links.n, 1);
    signal_unlink(a, c->pid);
    CHECK_EQ_INT(a->links.n, 0);
    CHECK_EQ_INT(c->links.n, 0);
    end_process(a, ATOM_normal);
    end_process(b, ATOM_normal);
    end_process(c, ATOM_normal);
}

static void test_link_dead_or_exiting(void) {
    Process *a = spawn_fake(), *x = spawn_fake();
    Term dead = end_process(x, ATOM_normal);
    CHECK(!signal_link(a, dead));
    CHECK_EQ_INT(a->links.n, 0);
    /* A pid that was never issued, and a non-pid. */
    CHECK(!signal_link(a, make_pid(pid_val(a->pid) + 100000)));
    CHECK(!signal_link(a, A("not_a_pid")));
    CHECK_EQ_INT(a->links.n, 0);
    /* An exiting process gains no link. */
    Process *y = spawn_fake();
    y->exiting = true;
    CHECK(!signal_link(a, y->pid));
    CHECK_EQ_INT(a->links.n, 0);
    CHECK_EQ_INT(y->links.n, 0);
    y->exiting = false;
    /* Unlinking a dead pid still clears our own side. */
    Process *z = spawn_fake();
    CHECK(signal_link(a, z->pid));
    Term zpid = z->pid;
    ptab_remove(runtime.ptab, pid_val(zpid));   /* gone from the table, links intact */
    signal_unlink(a, zpid);
    CHECK_EQ_INT(a->links.n, 0);
    process_free(z);
    end_process(a, ATOM_normal);
    end_process(y, ATOM_normal);
}

static void test_exit_reaches_every_link(void) {
    Process *x = spawn_fake(), *a = spawn_fake(), *b = spawn_fake(), *c = spawn_fake();
    c->trap_exit = true;
    CHECK(signal_link(x, a->pid));
    CHECK(signal_link(b, x->pid));
    CHECK(signal_link(x, c->pid));
    CHECK(signal_link(a, b->pid));   /* a-b link must survive x's exit */
    Term xpid = x->pid;
    end_process(x, A("boom"));

    CHECK_EQ_INT(signal_take(a), 0);
    CHECK(a->pending_exit);
    CHECK(a->pending_exit);
    CHECK_EQ_STR(show(a->exit_reason), ":boom");
    CHECK_EQ_UINT(a->exit_from, xpid);
    CHECK_EQ_STR(links_of(a, a), FMT("[%s]", pidtxt(b->pid)));
    CHECK_EQ_STR(next_msg(a), "(none)");

    CHECK_EQ_INT(signal_take(b), 0);
    CHECK(b->pending_exit);
    CHECK_EQ_STR(show(b->exit_reason), ":boom");
    CHECK_EQ_STR(links_of(b, b), FMT("[%s]", pidtxt(a->pid)));

    /* Trapping: the signal becomes the message {:EXIT, from, reason}. */
    CHECK_EQ_INT(signal_take(c), 1);
    CHECK(!c->pending_exit);
    CHECK_EQ_STR(next_msg(c), FMT("{:EXIT, %s, :boom}", pidtxt(xpid)));
    CHECK_EQ_STR(next_msg(c), "(none)");
    CHECK_EQ_INT(c->links.n, 0);
    /* Taken once: nothing more. */
    CHECK_EQ_INT(signal_take(c), 0);
    CHECK_EQ_INT(signal_take(a), 0);

    end_process(a, ATOM_normal);
    end_process(b, ATOM_normal);
    end_process(c, ATOM_normal);
}

static void test_compound_reason_copied(void) {
    Process *x = spawn_fake(), *a = spawn_fake(), *c = spawn_fake();
    c->trap_exit = true;
    CHECK(signal_link(x, a->pid));
    CHECK(signal_link(x, c->pid));
    Term xpid = x->pid;
    /* The reason lives on x's heap, which is freed before anyone takes it. */
    Term reason = make_tuple2(x, ATOM_shutdown, make_list(x, 2, (Term[]){ make_small(3), A("why") }));
    end_process(x, reason);
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK(a->pending_exit);
    CHECK_EQ_STR(show(a->exit_reason), "{:shutdown, [3, :why]}");
    gc_collect(a, 0, NULL, 0);       /* exc_reason is a root and survives */
    CHECK_EQ_STR(show(a->exit_reason), "{:shutdown, [3, :why]}");
    CHECK_EQ_INT(signal_take(c), 1);
    CHECK_EQ_STR(next_msg(c), FMT("{:EXIT, %s, {:shutdown, [3, :why]}}", pidtxt(xpid)));
    end_process(a, ATOM_normal);
    end_process(c, ATOM_normal);
}

static void test_normal_exit(void) {
    Process *x = spawn_fake(), *a = spawn_fake(), *c = spawn_fake();
    c->trap_exit = true;
    CHECK(signal_link(x, a->pid));
    CHECK(signal_link(x, c->pid));
    Term xpid = x->pid;
    end_process(x, ATOM_normal);
    /* Not trapping: ignored, but the link is gone. */
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK(!a->pending_exit);
    CHECK_EQ_INT(a->links.n, 0);
    CHECK_EQ_STR(next_msg(a), "(none)");
    /* Trapping: delivered. */
    CHECK_EQ_INT(signal_take(c), 1);
    CHECK(!c->pending_exit);
    CHECK_EQ_STR(next_msg(c), FMT("{:EXIT, %s, :normal}", pidtxt(xpid)));
    end_process(a, ATOM_normal);
    end_process(c, ATOM_normal);
}

static void test_linked_exit_kill_is_trappable(void) {
    /* A linked process that exits with reason :kill sends an ordinary exit
     * signal with reason :kill (only Process.exit(pid, :kill) is
     * untrappable): a trapper gets a message, a non-trapper dies with :kill. */
    Process *x = spawn_fake(), *a = spawn_fake(), *c = spawn_fake();
    c->trap_exit = true;
    CHECK(signal_link(x, a->pid));
    CHECK(signal_link(x, c->pid));
    Term xpid = x->pid;
    end_process(x, ATOM_kill);
    signal_take(a);
    CHECK(a->pending_exit);
    CHECK_EQ_STR(show(a->exit_reason), ":kill");
    CHECK_EQ_INT(signal_take(c), 1);
    CHECK(!c->pending_exit);
    CHECK_EQ_STR(next_msg(c), FMT("{:EXIT, %s, :kill}", pidtxt(xpid)));
    end_process(a, ATOM_normal);
    end_process(c, ATOM_normal);
}

static void test_process_exit_signals(void) {
    Process *s = spawn_fake(), *a = spawn_fake(), *t = spawn_fake();
    t->trap_exit = true;

    /* :kill -> :killed, trapping or not. */
    signal_send_exit(s, a->pid, ATOM_kill);
    signal_send_exit(s, t->pid, ATOM_kill);
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK(a->pending_exit);
    CHECK_EQ_STR(show(a->exit_reason), ":killed");
    CHECK_EQ_UINT(a->exit_from, s->pid);
    CHECK_EQ_INT(signal_take(t), 0);
    CHECK(t->pending_exit);
    CHECK_EQ_STR(show(t->exit_reason), ":killed");
    CHECK_EQ_STR(next_msg(t), "(none)");
    end_process(a, A("killed"));
    end_process(t, A("killed"));

    /* :normal from another process: ignored unless trapping. */
    a = spawn_fake();
    t = spawn_fake();
    t->trap_exit = true;
    signal_send_exit(s, a->pid, ATOM_normal);
    signal_send_exit(s, t->pid, ATOM_normal);
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK(!a->pending_exit);
    CHECK_EQ_INT(signal_take(t), 1);
    CHECK(!t->pending_exit);
    CHECK_EQ_STR(next_msg(t), FMT("{:EXIT, %s, :normal}", pidtxt(s->pid)));

    /* :normal from itself: exits :normal. */
    signal_send_exit(a, a->pid, ATOM_normal);
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK(a->pending_exit);
    CHECK_EQ_STR(show(a->exit_reason), ":normal");

    /* Any other reason: exit, or a message when trapping. No link needed. */
    Process *b = spawn_fake();
    signal_send_exit(s, b->pid, A("bye"));
    signal_send_exit(s, t->pid, A("bye"));
    CHECK_EQ_INT(signal_take(b), 0);
    CHECK(b->pending_exit);
    CHECK_EQ_STR(show(b->exit_reason), ":bye");
    CHECK_EQ_UINT(b->exit_from, s->pid);
    CHECK_EQ_INT(signal_take(t), 1);
    CHECK_EQ_STR(next_msg(t), FMT("{:EXIT, %s, :bye}", pidtxt(s->pid)));

    /* The first exit wins: later signals do not change the reason. */
    Process *d = spawn_fake();
    signal_send_exit(s, d->pid, A("first"));
    signal_send_exit(s, d->pid, ATOM_kill);
    CHECK_EQ_INT(signal_take(d), 0);
    CHECK(d->pending_exit);
    CHECK_EQ_STR(show(d->exit_reason), ":first");

    /* To a dead pid: dropped (no crash, no leak under ASan). */
    Term dead = end_process(b, A("bye"));
    signal_send_exit(s, dead, A("late"));

    end_process(a, ATOM_normal);
    end_process(d, A("first"));
    end_process(t, ATOM_normal);
    end_process(s, ATOM_normal);
}

static void test_unlink_before_take(void) {
    Process *x = spawn_fake(), *a = spawn_fake(), *c = spawn_fake();
    c->trap_exit = true;
    CHECK(signal_link(x, a->pid));
    CHECK(signal_link(x, c->pid));
    Term xpid = x->pid;
    end_process(x, A("boom"));   /* the signals are queued in a and c */
    signal_unlink(a, xpid);
    signal_unlink(c, xpid);
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK(!a->pending_exit);
    CHECK_EQ_INT(signal_take(c), 0);
    CHECK_EQ_STR(next_msg(c), "(none)");
    /* Relinking to a new process must not revive the old signal either:
     * a fresh link to y, then y's exit reaches a normally. */
    Process *y = spawn_fake();
    CHECK(signal_link(a, y->pid));
    Term ypid = y->pid;
    end_process(y, A("later"));
    signal_take(a);
    CHECK(a->pending_exit);
    CHECK_EQ_STR(show(a->exit_reason), ":later");
    CHECK_EQ_UINT(a->exit_from, ypid);
    end_process(a, A("later"));
    end_process(c, ATOM_normal);
}

static void test_signal_order_with_messages(void) {
    /* Everything one process sends another arrives in order. */
    Process *x = spawn_fake(), *c = spawn_fake();
    c->trap_exit = true;
    CHECK(signal_link(x, c->pid));
    Term xpid = x->pid;
    runtime_send(x, c->pid, A("m1"));
    signal_send_exit(x, c->pid, A("e1"));
    runtime_send(x, c->pid, A("m2"));
    end_process(x, A("gone"));
    CHECK_EQ_INT(signal_take(c), 4);
    CHECK_EQ_STR(next_msg(c), ":m1");
    CHECK_EQ_STR(next_msg(c), FMT("{:EXIT, %s, :e1}", pidtxt(xpid)));
    CHECK_EQ_STR(next_msg(c), ":m2");
    CHECK_EQ_STR(next_msg(c), FMT("{:EXIT, %s, :gone}", pidtxt(xpid)));
    CHECK_EQ_STR(next_msg(c), "(none)");
    end_process(c, ATOM_normal);
}

static void test_link_child(void) {
    Process *p = spawn_fake(), *child = spawn_fake();
    signal_link_child(p, child);
    CHECK_EQ_STR(links_of(p, p), FMT("[%s]", pidtxt(child->pid)));
    CHECK_EQ_STR(links_of(p, child), FMT("[%s]", pidtxt(p->pid)));
    Term cpid = child->pid;
    end_process(child, A("crash"));
    signal_take(p);
    CHECK(p->pending_exit);
    CHECK_EQ_STR(show(p->exit_reason), ":crash");
    CHECK_EQ_UINT(p->exit_from, cpid);
    end_process(p, A("crash"));
}

static void test_exiting_refuses_everything(void) {
    /* Between signal_exit_process (exiting set) and ptab_remove, other
     * processes can still find p in the table: it must refuse a name, a
     * link and a monitor, so that nothing refers to it once it is freed
     * (runtime.c's exit_process relies on this order). */
    Process *x = spawn_fake(), *a = spawn_fake();
    CHECK_EQ_INT(registry_register(A("sig_exit_name"), x, (x)->pid), REG_OK);
    signal_exit_process(x, A("bye"));
    CHECK(x->exiting);
    CHECK_EQ_INT(registry_register(A("sig_exit_other"), x, (x)->pid), REG_DEAD);
    CHECK(registry_whereis(A("sig_exit_other")) == T_NONE);
    CHECK(!signal_link(a, x->pid));
    CHECK_EQ_INT(a->links.n, 0);
    CHECK_EQ_INT(x->links.n, 0);
    uint64_t r = heap_new_ref_id();
    signal_monitor(a, x->pid, ATOM_nil, r);
    CHECK_EQ_INT(x->mon_by.n, 0);
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a), FMT("{:DOWN, %s, :process, %s, :noproc}", reftxt(r), pidtxt(x->pid)));
    registry_drop(x);
    CHECK(registry_whereis(A("sig_exit_name")) == T_NONE);
    ptab_remove(runtime.ptab, pid_val(x->pid));
    process_free(x);
    end_process(a, ATOM_normal);
}

/* ---- monitors -------------------------------------------------------------- */

static void test_monitor_down_once(void) {
    Process *a = spawn_fake(), *x = spawn_fake();
    uint64_t r = heap_new_ref_id();
    signal_monitor(a, x->pid, ATOM_nil, r);
    CHECK_EQ_STR(mon_by_of(a, x), FMT("[%s]", pidtxt(a->pid)));
    CHECK_EQ_STR(mon_of_of(a, a), FMT("[process: %s]", pidtxt(x->pid)));
    CHECK_EQ_INT(signal_take(a), 0);       /* nothing yet */
    Term xpid = x->pid;
    end_process(x, A("boom"));
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK(!a->pending_exit);               /* a DOWN never kills */
    mailbox_reset(&a->mbox);
    Message *m = mailbox_peek(&a->mbox);
    REQUIRE(m != NULL);
    REQUIRE(is_tuple(m->term) && tuple_arity(m->term) == 5);
    Term ref = tuple_elems(m->term)[1];
    CHECK(is_ref(ref) && boxed_ptr(ref)[1] == (Term)r);
    CHECK_EQ_STR(next_msg(a), FMT("{:DOWN, %s, :process, %s, :boom}", reftxt(r), pidtxt(xpid)));
    CHECK_EQ_INT(a->mon_of.n, 0);
    CHECK_EQ_STR(mon_of_of(a, a), "[]");
    /* Once. */
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK_EQ_STR(next_msg(a), "(none)");
    /* Two monitors on one process: two DOWNs, each with its own ref. */
    Process *y = spawn_fake();
    uint64_t r1 = heap_new_ref_id(), r2 = heap_new_ref_id();
    signal_monitor(a, y->pid, ATOM_nil, r1);
    signal_monitor(a, y->pid, ATOM_nil, r2);
    CHECK_EQ_INT(y->mon_by.n, 2);
    Term ypid = y->pid;
    end_process(y, ATOM_normal);
    CHECK_EQ_INT(signal_take(a), 2);
    const char *d1 = FMT("{:DOWN, %s, :process, %s, :normal}", reftxt(r1), pidtxt(ypid));
    const char *d2 = FMT("{:DOWN, %s, :process, %s, :normal}", reftxt(r2), pidtxt(ypid));
    const char *g1 = next_msg(a);
    CHECK_EQ_STR(g1, d1);
    const char *g2 = next_msg(a);
    CHECK_EQ_STR(g2, d2);
    end_process(a, ATOM_normal);
}

static void test_demonitor_before_take(void) {
    Process *a = spawn_fake(), *x = spawn_fake();
    uint64_t r = heap_new_ref_id();
    signal_monitor(a, x->pid, ATOM_nil, r);
    end_process(x, A("boom"));             /* DOWN queued, not taken */
    CHECK(signal_demonitor(a, r, false));  /* still active until taken */
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK_EQ_STR(next_msg(a), "(none)");
    CHECK(!signal_demonitor(a, r, false)); /* gone now */

    /* Demonitor of a live target removes the target's side too; its later
     * exit sends nothing. */
    Process *y = spawn_fake();
    uint64_t r2 = heap_new_ref_id();
    signal_monitor(a, y->pid, ATOM_nil, r2);
    CHECK_EQ_INT(y->mon_by.n, 1);
    CHECK(signal_demonitor(a, r2, false));
    CHECK_EQ_INT(y->mon_by.n, 0);
    CHECK_EQ_INT(a->mon_of.n, 0);
    end_process(y, A("boom"));
    CHECK_EQ_INT(signal_take(a), 0);
    end_process(a, ATOM_normal);
}

static void test_demonitor_flush(void) {
    Process *a = spawn_fake(), *x = spawn_fake(), *s = spawn_fake();
    uint64_t r = heap_new_ref_id(), other = heap_new_ref_id();
    Process *y = spawn_fake();
    signal_monitor(a, x->pid, ATOM_nil, r);
    signal_monitor(a, y->pid, ATOM_nil, other);
    runtime_send(s, a->pid, A("before"));
    Term xpid = x->pid, ypid = y->pid;
    end_process(x, A("boom"));
    end_process(y, A("boom2"));
    runtime_send(s, a->pid, A("after"));
    CHECK_EQ_INT(signal_take(a), 4);       /* DOWN delivered to the mailbox */
    CHECK(!signal_demonitor(a, r, true));  /* no longer active ... */
    /* ... but the flush removed its DOWN, and only that one. */
    CHECK_EQ_INT(mailbox_len(&a->mbox), 3);
    CHECK_EQ_STR(next_msg(a), ":before");
    CHECK_EQ_STR(next_msg(a), FMT("{:DOWN, %s, :process, %s, :boom2}", reftxt(other), pidtxt(ypid)));
    CHECK_EQ_STR(next_msg(a), ":after");
    CHECK_EQ_STR(next_msg(a), "(none)");
    (void)xpid;

    /* Flush with the DOWN still in the outer queue. */
    Process *z = spawn_fake();
    uint64_t r3 = heap_new_ref_id();
    signal_monitor(a, z->pid, ATOM_nil, r3);
    end_process(z, A("boom"));
    CHECK(signal_demonitor(a, r3, true));
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK_EQ_STR(next_msg(a), "(none)");

    /* Flush when there is nothing to flush keeps other messages. */
    runtime_send(s, a->pid, A("keep"));
    CHECK(!signal_demonitor(a, heap_new_ref_id(), true));
    CHECK_EQ_STR(next_msg(a), ":keep");

    end_process(a, ATOM_normal);
    end_process(s, ATOM_normal);
}

static void test_monitor_dead_is_noproc(void) {
    Process *a = spawn_fake(), *x = spawn_fake();
    Term dead = end_process(x, ATOM_normal);
    uint64_t r = heap_new_ref_id();
    signal_monitor(a, dead, ATOM_nil, r);
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a), FMT("{:DOWN, %s, :process, %s, :noproc}", reftxt(r), pidtxt(dead)));
    CHECK_EQ_INT(a->mon_of.n, 0);
    /* An exiting process: :noproc too, and no entry on its side. */
    Process *y = spawn_fake();
    y->exiting = true;
    uint64_t r2 = heap_new_ref_id();
    signal_monitor(a, y->pid, ATOM_nil, r2);
    CHECK_EQ_INT(y->mon_by.n, 0);
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a), FMT("{:DOWN, %s, :process, %s, :noproc}", reftxt(r2), pidtxt(y->pid)));
    y->exiting = false;
    /* Demonitor (flush) of a :noproc monitor before it is taken: gone. */
    uint64_t r3 = heap_new_ref_id();
    signal_monitor(a, dead, ATOM_nil, r3);
    CHECK(signal_demonitor(a, r3, true));
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK_EQ_STR(next_msg(a), "(none)");
    end_process(y, ATOM_normal);
    end_process(a, ATOM_normal);
}

static void test_monitor_by_name(void) {
    Process *a = spawn_fake(), *x = spawn_fake();
    Term name = A("sig_srv");
    CHECK_EQ_INT(registry_register(name, x, (x)->pid), REG_OK);
    uint64_t r = heap_new_ref_id();
    signal_monitor(a, registry_whereis(name), name, r);
    end_process(x, A("boom"));
    CHECK(registry_whereis(name) == T_NONE);
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a), FMT("{:DOWN, %s, :process, {:sig_srv, :nonode@nohost}, :boom}", reftxt(r)));
    /* An unregistered name: :noproc at once, still reported by name. */
    uint64_t r2 = heap_new_ref_id();
    signal_monitor(a, T_NONE, A("sig_nosuch"), r2);
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a), FMT("{:DOWN, %s, :process, {:sig_nosuch, :nonode@nohost}, :noproc}", reftxt(r2)));
    CHECK_EQ_INT(a->mon_of.n, 0);
    end_process(a, ATOM_normal);
}

static void test_monitors_list_by_name(void) {
    /* Process.info(self(), :monitors) on the BEAM: {:process, pid} for a
     * monitor by pid, {:process, {name, node}} for one by name; a monitor
     * of an unregistered name is never active, so it is not listed. */
    Process *a = spawn_fake(), *x = spawn_fake(), *y = spawn_fake();
    CHECK_EQ_INT(registry_register(A("sig_list_srv"), x, (x)->pid), REG_OK);
    uint64_t r1 = heap_new_ref_id(), r2 = heap_new_ref_id(), r3 = heap_new_ref_id();
    signal_monitor(a, y->pid, ATOM_nil, r1);
    signal_monitor(a, registry_whereis(A("sig_list_srv")), A("sig_list_srv"), r2);
    CHECK_EQ_STR(mon_of_of(a, a),
                 FMT("[process: %s, process: {:sig_list_srv, :nonode@nohost}]", pidtxt(y->pid)));
    signal_monitor(a, T_NONE, A("sig_list_nosuch"), r3);   /* DOWN :noproc queued, not taken */
    CHECK_EQ_STR(mon_of_of(a, a),
                 FMT("[process: %s, process: {:sig_list_srv, :nonode@nohost}]", pidtxt(y->pid)));
    /* The monitored side lists the watcher's pid either way. */
    CHECK_EQ_STR(mon_by_of(a, x), FMT("[%s]", pidtxt(a->pid)));
    CHECK_EQ_STR(mon_by_of(a, y), FMT("[%s]", pidtxt(a->pid)));
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a),
                 FMT("{:DOWN, %s, :process, {:sig_list_nosuch, :nonode@nohost}, :noproc}", reftxt(r3)));
    end_process(x, ATOM_normal);
    end_process(y, ATOM_normal);
    end_process(a, ATOM_normal);
}

static void test_monitor_self_and_child(void) {
    Process *a = spawn_fake();
    uint64_t r = heap_new_ref_id();
    signal_monitor(a, a->pid, ATOM_nil, r);
    CHECK_EQ_INT(a->mon_of.n, 1);
    CHECK_EQ_INT(a->mon_by.n, 0);
    CHECK_EQ_INT(signal_take(a), 0);
    CHECK(signal_demonitor(a, r, false));
    CHECK_EQ_INT(a->mon_of.n, 0);

    Process *child = spawn_fake();
    uint64_t rc = heap_new_ref_id();
    signal_monitor_child(a, child, rc);
    CHECK_EQ_STR(mon_by_of(a, child), FMT("[%s]", pidtxt(a->pid)));
    Term cpid = child->pid;
    end_process(child, ATOM_normal);
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a), FMT("{:DOWN, %s, :process, %s, :normal}", reftxt(rc), pidtxt(cpid)));
    end_process(a, ATOM_normal);
}

static void test_exit_drops_held_monitors(void) {
    /* A process that exits drops the monitors it holds: the targets
     * forget it, and their later exit sends nothing to the dead pid. */
    Process *a = spawn_fake(), *x = spawn_fake(), *w = spawn_fake();
    uint64_t r = heap_new_ref_id(), rw = heap_new_ref_id();
    signal_monitor(a, x->pid, ATOM_nil, r);
    signal_monitor(w, a->pid, ATOM_nil, rw);   /* w watches a */
    CHECK_EQ_INT(x->mon_by.n, 1);
    Term apid = a->pid;
    end_process(a, A("bye"));
    CHECK_EQ_INT(x->mon_by.n, 0);
    CHECK_EQ_STR(mon_by_of(x, x), "[]");
    CHECK_EQ_INT(signal_take(w), 1);
    CHECK_EQ_STR(next_msg(w), FMT("{:DOWN, %s, :process, %s, :bye}", reftxt(rw), pidtxt(apid)));
    /* After exit starts, no new link or monitor reaches the exiting one. */
    x->exiting = true;
    CHECK(!signal_link(w, x->pid));
    x->exiting = false;
    end_process(x, ATOM_normal);
    end_process(w, ATOM_normal);
}

static void test_links_and_monitors_many(void) {
    /* One hub linked to and monitored by many: every one hears once. */
    enum { N = 300 };
    static Process *ps[N];
    static uint64_t refs[N];
    Process *hub = spawn_fake();
    for (int i = 0; i < N; i++) {
        ps[i] = spawn_fake();
        ps[i]->trap_exit = i % 2;
        CHECK(signal_link(ps[i], hub->pid));
        refs[i] = heap_new_ref_id();
        signal_monitor(ps[i], hub->pid, ATOM_nil, refs[i]);
    }
    CHECK_EQ_INT(hub->links.n, N);
    CHECK_EQ_INT(hub->mon_by.n, N);
    Term hpid = hub->pid;
    end_process(hub, A("down"));
    int bad = 0;
    for (int i = 0; i < N; i++) {
        size_t got = signal_take(ps[i]);
        if (i % 2) {
            if (got != 2 || ps[i]->pending_exit) bad++;
            if (strcmp(next_msg(ps[i]), FMT("{:EXIT, %s, :down}", pidtxt(hpid)))) bad++;
        } else {
            if (got != 1 || !ps[i]->pending_exit) bad++;
        }
        if (strcmp(next_msg(ps[i]), FMT("{:DOWN, %s, :process, %s, :down}", reftxt(refs[i]), pidtxt(hpid)))) bad++;
        if (ps[i]->links.n || ps[i]->mon_of.n) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    for (int i = 0; i < N; i++) end_process(ps[i], ATOM_normal);
}


/* ---- Process.info of another process (SIG_INFO) ---------------------------- */

static void test_info_request(void) {
    Process *a = spawn_fake(), *b = spawn_fake(), *c = spawn_fake();
    CHECK(signal_link(b, c->pid));
    b->trap_exit = true;
    CHECK_EQ_INT(registry_register(A("sig_info_b"), b, (b)->pid), REG_OK);
    uint64_t r1 = heap_new_ref_id(), r2 = heap_new_ref_id(), r3 = heap_new_ref_id();
    signal_send_info_request(a, b->pid, A("registered_name"), r1);
    signal_send_info_request(a, b->pid, make_list(a, 2, (Term[]){ A("links"), A("trap_exit") }), r2);
    runtime_send(a, b->pid, A("m1"));
    runtime_send(a, b->pid, A("m2"));
    /* Sent after two messages: the answer must count them (signal order). */
    signal_send_info_request(a, b->pid, A("message_queue_len"), r3);
    CHECK_EQ_INT(signal_take(b), 2);        /* the requests are consumed */
    CHECK_EQ_INT(signal_take(a), 3);
    CHECK_EQ_STR(next_msg(a), FMT("{:\"$process_info\", %s, {:registered_name, :sig_info_b}}", reftxt(r1)));
    CHECK_EQ_STR(next_msg(a), FMT("{:\"$process_info\", %s, [links: [%s], trap_exit: true]}", reftxt(r2),
                                  pidtxt(c->pid)));
    CHECK_EQ_STR(next_msg(a), FMT("{:\"$process_info\", %s, {:message_queue_len, 2}}", reftxt(r3)));
    /* Same question once the messages were taken earlier: also 2. */
    uint64_t r4 = heap_new_ref_id();
    signal_send_info_request(a, b->pid, A("message_queue_len"), r4);
    CHECK_EQ_INT(signal_take(b), 0);
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a), FMT("{:\"$process_info\", %s, {:message_queue_len, 2}}", reftxt(r4)));
    /* :messages sees them as well. */
    uint64_t r5 = heap_new_ref_id();
    runtime_send(a, b->pid, A("m3"));
    signal_send_info_request(a, b->pid, A("messages"), r5);
    CHECK_EQ_INT(signal_take(b), 1);
    CHECK_EQ_INT(signal_take(a), 1);
    CHECK_EQ_STR(next_msg(a), FMT("{:\"$process_info\", %s, {:messages, [:m1, :m2, :m3]}}", reftxt(r5)));
    /* A request to a dead pid is dropped. */
    Term dead = end_process(c, ATOM_normal);
    signal_send_info_request(a, dead, A("links"), heap_new_ref_id());
    CHECK_EQ_INT(signal_take(a), 0);
    end_process(a, ATOM_normal);
    end_process(b, ATOM_normal);
}

/* ---- races: linking and monitoring a process while it exits ---------------
 * Thread A (owning process a, trapping exits) links, monitors and unlinks x
 * over and over and takes its signals; thread X (owning x) exits in the
 * middle. Whatever the interleaving, afterwards: x holds no link and no
 * monitor (nothing is added once it is exiting), a holds none either once
 * it has taken everything, every monitor a made produced exactly one DOWN
 * (:boom if made before the exit, :noproc after), at most one EXIT, and
 * the name a gave x (Process.register) is gone once the exit is over. */

typedef struct RaceCtx {
    Process *a, *x;
    Term xpid;
    int spin;                 /* X's delay before exiting */
    _Atomic int go;
    int links_ok, monitors;   /* A's results (checked after join) */
    int registered, reg_bad;
} RaceCtx;

static void *race_a(void *arg) {
    RaceCtx *c = arg;
    while (!atomic_load(&c->go)) {}
    for (int k = 0; k < 60; k++) {
        if (signal_link(c->a, c->xpid)) c->links_ok++;
        if (k % 4 == 0) {   /* Process.register(x, name) from a, as exit_process runs */
            RegStatus st = registry_register(A("sig_race_name"), c->x, (c->x)->pid);
            if (st == REG_OK) c->registered++;
            else if (st != REG_DEAD && st != REG_NAME_TAKEN) c->reg_bad++;   /* taken: x holds it already */
        }
        signal_monitor(c->a, c->xpid, ATOM_nil, heap_new_ref_id());
        c->monitors++;
        if (k % 3 == 2) signal_unlink(c->a, c->xpid);
        if (k % 5 == 4) signal_demonitor(c->a, 0, false);  /* unknown ref: no-op */
        signal_take(c->a);
    }
    return NULL;
}

static void *race_x(void *arg) {
    RaceCtx *c = arg;
    while (!atomic_load(&c->go)) {}
    for (volatile int i = 0; i < c->spin; i++) {}
    signal_exit_process(c->x, A("boom"));
    registry_drop(c->x);
    ptab_remove(runtime.ptab, pid_val(c->xpid));   /* freed after the join */
    return NULL;
}

static void test_race_link_monitor_vs_exit(void) {
    enum { ITERS = 400 };
    int bad_x = 0, bad_a = 0, bad_down = 0, bad_exit = 0, bad_pending = 0;
    int saw_boom = 0, saw_noproc = 0, bad_reg = 0, registered = 0;
    for (int it = 0; it < ITERS; it++) {
        RaceCtx c = { .a = spawn_fake(), .x = spawn_fake(), .spin = (it * 97) % 20000 };
        c.a->trap_exit = true;
        c.xpid = c.x->pid;
        pthread_t ta, tx;
        pthread_create(&ta, NULL, race_a, &c);
        pthread_create(&tx, NULL, race_x, &c);
        atomic_store(&c.go, 1);
        pthread_join(ta, NULL);
        pthread_join(tx, NULL);
        signal_take(c.a);
        if (c.x->links.n || c.x->mon_by.n || c.x->mon_of.n) bad_x++;
        if (c.a->links.n || c.a->mon_of.n) bad_a++;
        if (c.a->pending_exit) bad_pending++;
        if (registry_whereis(A("sig_race_name")) != T_NONE || c.reg_bad) bad_reg++;
        registered += c.registered > 0;
        int downs = 0, exits = 0;
        mailbox_reset(&c.a->mbox);
        while (mailbox_peek(&c.a->mbox)) {
            Term t = mailbox_remove(&c.a->mbox, c.a);
            if (is_tuple(t) && tuple_arity(t) == 5 && tuple_elems(t)[0] == ATOM_DOWN) {
                downs++;
                if (tuple_elems(t)[3] != c.xpid) bad_down++;
                if (tuple_elems(t)[4] == A("boom")) saw_boom++;
                else if (tuple_elems(t)[4] == ATOM_noproc) saw_noproc++;
                else bad_down++;
            } else if (is_tuple(t) && tuple_arity(t) == 3 && tuple_elems(t)[0] == ATOM_EXIT) {
                exits++;
                if (tuple_elems(t)[1] != c.xpid || tuple_elems(t)[2] != A("boom")) bad_exit++;
            } else {
                bad_down++;
            }
        }
        mailbox_reset(&c.a->mbox);
        if (downs != c.monitors) bad_down++;
        if (exits > 1) bad_exit++;
        process_free(c.x);
        end_process(c.a, ATOM_normal);
    }
    CHECK_EQ_INT(bad_x, 0);
    CHECK_EQ_INT(bad_a, 0);
    CHECK_EQ_INT(bad_pending, 0);
    CHECK_EQ_INT(bad_down, 0);
    CHECK_EQ_INT(bad_exit, 0);
    CHECK(saw_boom + saw_noproc == ITERS * 60);
    CHECK_EQ_INT(bad_reg, 0);   /* a name never outlives the exit */
    printf("race: %d DOWN :boom, %d DOWN :noproc, registered before exit in %d/%d\n", saw_boom,
           saw_noproc, registered, ITERS);
}

/* A links B while B unlinks A, from two threads: whatever the
 * interleaving, the two sides agree afterwards (both locks, pid order). */
typedef struct PairCtx {
    Process *a, *b;
    _Atomic int go;
} PairCtx;

static void *pair_linker(void *arg) {
    PairCtx *c = arg;
    while (!atomic_load(&c->go)) {}
    for (int i = 0; i < 20000; i++) signal_link(c->a, c->b->pid);
    return NULL;
}

static void *pair_unlinker(void *arg) {
    PairCtx *c = arg;
    while (!atomic_load(&c->go)) {}
    for (int i = 0; i < 20000; i++) signal_unlink(c->b, c->a->pid);
    return NULL;
}

static void test_link_unlink_race_agrees(void) {
    int disagree = 0;
    for (int it = 0; it < 50; it++) {
        PairCtx c = { .a = spawn_fake(), .b = spawn_fake() };
        pthread_t t1, t2;
        pthread_create(&t1, NULL, pair_linker, &c);
        pthread_create(&t2, NULL, pair_unlinker, &c);
        atomic_store(&c.go, 1);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        bool ab = keyset_find(&c.a->links, c.b->pid) != NULL;
        bool ba = keyset_find(&c.b->links, c.a->pid) != NULL;
        if (ab != ba) disagree++;
        end_process(c.a, ATOM_normal);
        end_process(c.b, ATOM_normal);
    }
    CHECK_EQ_INT(disagree, 0);
}

int main(void) {
    atom_init();
    runtime_init(&(RuntimeConfig){ .schedulers = 1 });
    RUN(test_link_symmetric);
    RUN(test_link_unlink_race_agrees);
    RUN(test_link_dead_or_exiting);
    RUN(test_exit_reaches_every_link);
    RUN(test_compound_reason_copied);
    RUN(test_normal_exit);
    RUN(test_linked_exit_kill_is_trappable);
    RUN(test_process_exit_signals);
    RUN(test_unlink_before_take);
    RUN(test_signal_order_with_messages);
    RUN(test_link_child);
    RUN(test_exiting_refuses_everything);
    RUN(test_monitor_down_once);
    RUN(test_demonitor_before_take);
    RUN(test_demonitor_flush);
    RUN(test_monitor_dead_is_noproc);
    RUN(test_monitor_by_name);
    RUN(test_monitors_list_by_name);
    RUN(test_monitor_self_and_child);
    RUN(test_exit_drops_held_monitors);
    RUN(test_links_and_monitors_many);
    RUN(test_info_request);
    RUN(test_race_link_monitor_vs_exit);
    CHECK_EQ_INT(ptab_count(runtime.ptab), 0);   /* every test cleaned up */
    runtime_shutdown();
    return unit_summary();
}
