/* bif_proc.c — process natives: spawn, send, exit, links, monitors, names,
 * process flags and process_info. They are the `erlang` BIFs; the Elixir
 * Process module (stdlib/process.act) is written over them, as in Elixir.
 *
 * Without a runtime (unit tests that drive the interpreter directly) only
 * the calling process exists: sends to itself are delivered, spawning
 * raises system_limit. */
#include "native.h"
#include "runtime.h"
#include "signals.h"
#include "registry.h"
#include "heap.h"
#include "atom.h"
#include "gc.h"
#include "interp.h"
#include "termops.h"
#include "module.h"

/* The arity of a fun term. */
static SInt fun_arity(Term f) {
    if (box_type(f) == BOX_EXPORT) return small_val(boxed_ptr(f)[3]);
    return (SInt)((const FunEntry *)boxed_ptr(f)[1])->arity;
}

/* Reverse a list built backwards (on p's heap). */
static Term reverse(Process *p, Term l) {
    Term r = T_NIL;
    for (; is_cons(l); l = CDR(l)) r = make_cons_cell(p, CAR(l), r);
    return r;
}

static bool proper_list(Term l) {
    while (is_cons(l)) l = CDR(l);
    return l == T_NIL;
}

/* ---- spawn --------------------------------------------------------------- */

static Term spawn_common(Process *p, Term mod, Term fun, Term args, int opts) {
    if (mod == T_NONE) {
        if (!is_fun(fun) || fun_arity(fun) != 0) return native_badarg(p);
    } else if (!is_atom(mod) || !is_atom(fun) || !proper_list(args)) {
        return native_badarg(p);
    }
    if (!runtime_active()) return native_raise(p, ATOM_error, ATOM_system_limit);
    uint64_t ref = 0;
    Term pid = runtime_spawn(p, mod, fun, args, opts, &ref);
    if (pid == T_NONE) return native_raise(p, ATOM_error, ATOM_system_limit);
    if (opts & SPAWN_MONITOR) return make_tuple2(p, pid, make_ref_id(p, ref));
    return pid;
}

Term proc_spawn1(Process *p, Term *args) { return spawn_common(p, T_NONE, args[0], T_NIL, 0); }
Term proc_spawn3(Process *p, Term *args) { return spawn_common(p, args[0], args[1], args[2], 0); }
Term proc_spawn_link1(Process *p, Term *args) { return spawn_common(p, T_NONE, args[0], T_NIL, SPAWN_LINK); }
Term proc_spawn_link3(Process *p, Term *args) { return spawn_common(p, args[0], args[1], args[2], SPAWN_LINK); }
Term proc_spawn_monitor1(Process *p, Term *args) { return spawn_common(p, T_NONE, args[0], T_NIL, SPAWN_MONITOR); }
Term proc_spawn_monitor3(Process *p, Term *args) { return spawn_common(p, args[0], args[1], args[2], SPAWN_MONITOR); }

/* spawn_opt(fun, opts): :link and :monitor are honoured, others ignored. */
static int spawn_opts(Term l, bool *ok) {
    int o = 0;
    *ok = proper_list(l);
    for (; is_cons(l); l = CDR(l)) {
        if (CAR(l) == ATOM_link) o |= SPAWN_LINK;
        else if (CAR(l) == ATOM_monitor) o |= SPAWN_MONITOR;
    }
    return o;
}

Term proc_spawn_opt2(Process *p, Term *args) {
    bool ok;
    int o = spawn_opts(args[1], &ok);
    if (!ok) return native_badarg(p);
    return spawn_common(p, T_NONE, args[0], T_NIL, o);
}

Term proc_spawn_opt4(Process *p, Term *args) {
    bool ok;
    int o = spawn_opts(args[3], &ok);
    if (!ok) return native_badarg(p);
    return spawn_common(p, args[0], args[1], args[2], o);
}

/* ---- send ------------------------------------------------------------------ */

/* The pid a send destination names, or T_NONE (unregistered name: badarg). */
static Term resolve_dest(Term dest) {
    if (is_pid(dest)) return dest;
    if (is_atom(dest)) return registry_whereis(dest);
    if (is_tuple(dest) && tuple_arity(dest) == 2) {
        const Term *e = tuple_elems(dest);
        if (is_atom(e[0]) && e[1] == ATOM_nonode_nohost) return registry_whereis(e[0]);
    }
    return T_NONE;
}

Term core_send(Process *p, Term *args) {
    Term pid = resolve_dest(args[0]);
    if (pid == T_NONE) return native_badarg(p);
    runtime_send(p, pid, args[1]);
    return args[1];
}

Term proc_send3(Process *p, Term *args) {
    Term pid = resolve_dest(args[0]);
    if (pid == T_NONE || !proper_list(args[2])) return native_badarg(p);
    runtime_send(p, pid, args[1]);
    return ATOM_ok;
}

/* ---- exit, alive, flags ---------------------------------------------------- */

Term proc_exit2(Process *p, Term *args) {
    Term to = args[0];
    if (!is_pid(to)) return native_badarg(p);
    signal_send_exit(p, to, args[1]);
    /* To itself: the signal must act before the caller goes on, so the
     * process yields at once and its next slice takes the signal. */
    if (to == p->pid) return native_yield(p, ATOM_true);
    return ATOM_true;
}

Term proc_is_alive(Process *p, Term *args) {
    if (!is_pid(args[0])) return native_badarg(p);
    if (args[0] == p->pid) return ATOM_true;
    Process *q = runtime_lookup(args[0]);
    if (!q) return ATOM_false;
    process_lock(q);
    bool alive = !q->exiting;
    process_unlock(q);
    return alive ? ATOM_true : ATOM_false;
}

Term proc_flag2(Process *p, Term *args) {
    Term flag = args[0], v = args[1];
    if (flag == ATOM_trap_exit) {
        if (v != ATOM_true && v != ATOM_false) return native_badarg(p);
        Term old = p->trap_exit ? ATOM_true : ATOM_false;
        process_lock(p); /* others read it under the lock (process_info) */
        p->trap_exit = v == ATOM_true;
        process_unlock(p);
        return old;
    }
    return native_badarg(p);
}

/* ---- links and monitors ----------------------------------------------------- */

Term proc_link(Process *p, Term *args) {
    Term to = args[0];
    if (!is_pid(to)) return native_badarg(p);
    if (signal_link(p, to)) return ATOM_true;
    /* A dead process: a trapping caller gets {:EXIT, to, :noproc}; any
     * other raises noproc (OTP 23+). */
    if (p->trap_exit) {
        Term tup[4] = { make_header(BOX_TUPLE, 3), ATOM_EXIT, to, ATOM_noproc };
        runtime_send(p, p->pid, make_boxed(tup));
        return ATOM_true;
    }
    return native_raise(p, ATOM_error, ATOM_noproc);
}

Term proc_unlink(Process *p, Term *args) {
    if (!is_pid(args[0])) return native_badarg(p);
    signal_unlink(p, args[0]);
    return ATOM_true;
}

Term proc_monitor2(Process *p, Term *args) {
    if (args[0] != ATOM_process) return native_badarg(p);
    Term to = args[1];
    if (is_atom(to)) {
        Term pid = registry_whereis(to);
        to = pid == T_NONE ? make_pid(0) : pid; /* pid 0 is never alive */
    } else if (!is_pid(to)) {
        return native_badarg(p);
    }
    uint64_t ref = heap_new_ref_id();
    signal_monitor(p, to, ref);
    return make_ref_id(p, ref);
}

static Term demonitor(Process *p, Term ref, Term opts) {
    if (!is_ref(ref) || !proper_list(opts)) return native_badarg(p);
    bool flush = false, info = false;
    for (Term l = opts; is_cons(l); l = CDR(l)) {
        if (CAR(l) == ATOM_flush) flush = true;
        else if (CAR(l) == ATOM_info) info = true;
        else return native_badarg(p);
    }
    bool active = signal_demonitor(p, (uint64_t)boxed_ptr(ref)[1], flush);
    if (info) return active ? ATOM_true : ATOM_false;
    return ATOM_true;
}

Term proc_demonitor1(Process *p, Term *args) { return demonitor(p, args[0], T_NIL); }
Term proc_demonitor2(Process *p, Term *args) { return demonitor(p, args[0], args[1]); }

/* ---- names -------------------------------------------------------------------- */

Term proc_register(Process *p, Term *args) {
    Term name = args[0], pid = args[1];
    if (!is_atom(name) || name == ATOM_undefined || !is_pid(pid)) return native_badarg(p);
    Process *q = pid == p->pid ? p : runtime_lookup(pid);
    if (!q || registry_register(name, q) != REG_OK) return native_badarg(p);
    return ATOM_true;
}

Term proc_unregister(Process *p, Term *args) {
    if (!is_atom(args[0]) || !registry_unregister(args[0])) return native_badarg(p);
    return ATOM_true;
}

Term proc_whereis(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg(p);
    Term pid = registry_whereis(args[0]);
    return pid == T_NONE ? ATOM_undefined : pid;
}

Term proc_registered(Process *p, Term *args) { return registry_names(p); }

Term proc_processes(Process *p, Term *args) { return runtime_process_list(p); }

/* ---- process_info -----------------------------------------------------------
 * Another process's heap, dictionary and inner mailbox belong to the
 * thread running it, so for a process other than the caller only what is
 * kept under its lock or in atomics is reported exactly; heap sizes and
 * reductions are read as relaxed snapshots of word-sized fields. */

static Term status_of(Process *p, Process *q) {
    if (q == p) return ATOM_running;
    switch (atomic_load_explicit(&q->task.state, memory_order_relaxed)) {
    case SCHED_RUNNING: return ATOM_running;
    case SCHED_WAITING: return ATOM_waiting;
    default: return ATOM_runnable;
    }
}

/* Messages in the inner list, as a list (the caller only). */
static Term messages_of(Process *p) {
    signal_take(p);
    Term l = T_NIL;
    /* copied: the messages themselves stay in their fragments (process.h) */
    for (Message *m = p->mbox.first; m; m = m->link) l = make_cons_cell(p, gc_copy_term(p, m->term), l);
    return reverse(p, l);
}

/* The value of item for q, or T_NONE if item is not supported. */
static Term info_item(Process *p, Process *q, Term item) {
    if (item == ATOM_registered_name) {
        Term n = registry_name_of(q);
        return n == ATOM_nil ? T_NIL : n;
    }
    if (item == ATOM_status) return status_of(p, q);
    if (item == ATOM_message_queue_len) {
        if (q == p) signal_take(p);
        return make_small((SInt)mailbox_count(&q->mbox));
    }
    if (item == ATOM_messages) return q == p ? messages_of(p) : T_NIL;
    if (item == ATOM_links) return signal_links_list(p, q);
    if (item == ATOM_monitors) return signal_monitors_list(p, q, false);
    if (item == ATOM_monitored_by) return signal_monitors_list(p, q, true);
    if (item == ATOM_trap_exit) {
        process_lock(q);
        bool t = q->trap_exit;
        process_unlock(q);
        return t ? ATOM_true : ATOM_false;
    }
    if (item == ATOM_dictionary) return q == p ? gc_copy_term(p, p->dict) : T_NIL;
    if (item == ATOM_heap_size || item == ATOM_total_heap_size)
        return make_small((SInt)atomic_load_explicit((_Atomic size_t *)&q->heap_words, memory_order_relaxed));
    if (item == ATOM_reductions)
        return make_int(p, atomic_load_explicit((_Atomic int64_t *)&q->reductions, memory_order_relaxed));
    return T_NONE;
}

static const Term *default_items(size_t *n) {
    static Term items[9];
    items[0] = ATOM_registered_name; items[1] = ATOM_status; items[2] = ATOM_message_queue_len;
    items[3] = ATOM_links; items[4] = ATOM_dictionary; items[5] = ATOM_trap_exit;
    items[6] = ATOM_total_heap_size; items[7] = ATOM_heap_size; items[8] = ATOM_reductions;
    *n = 9;
    return items;
}

static Process *info_target(Process *p, Term pid) {
    if (pid == p->pid) return p;
    Process *q = runtime_lookup(pid);
    if (!q) return NULL;
    process_lock(q);
    bool gone = q->exiting;
    process_unlock(q);
    return gone ? NULL : q;
}

Term proc_process_info1(Process *p, Term *args) {
    if (!is_pid(args[0])) return native_badarg(p);
    Process *q = info_target(p, args[0]);
    if (!q) return ATOM_undefined;
    size_t n;
    const Term *items = default_items(&n);
    Term l = T_NIL;
    for (size_t i = n; i-- > 0;) {
        Term v = info_item(p, q, items[i]);
        if (items[i] == ATOM_registered_name && v == T_NIL) continue; /* only when registered */
        l = make_cons_cell(p, make_tuple2(p, items[i], v), l);
    }
    return l;
}

Term proc_process_info2(Process *p, Term *args) {
    if (!is_pid(args[0])) return native_badarg(p);
    Term item = args[1];
    if (is_atom(item)) {
        Process *q = info_target(p, args[0]);
        Term v = q ? info_item(p, q, item) : T_NIL;
        if (v == T_NONE) return native_badarg(p);
        if (!q) return ATOM_undefined;
        return make_tuple2(p, item, v);
    }
    if (!proper_list(item)) return native_badarg(p);
    Process *q = info_target(p, args[0]);
    Term l = T_NIL;
    for (Term it = item; is_cons(it); it = CDR(it)) {
        if (!is_atom(CAR(it))) return native_badarg(p);
        Term v = q ? info_item(p, q, CAR(it)) : T_NIL;
        if (v == T_NONE) return native_badarg(p);
        l = make_cons_cell(p, make_tuple2(p, CAR(it), v), l);
    }
    return q ? reverse(p, l) : ATOM_undefined;
}
