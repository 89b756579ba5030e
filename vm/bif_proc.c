/* bif_proc.c — process natives: spawn, send, exit, links, monitors, names,
 * process flags and process_info. They are the `erlang` BIFs; the Elixir
 * Process module (stdlib/process.act) is written over them, as in Elixir.
 *
 * Without a runtime (unit tests that drive the interpreter directly) only
 * the calling process exists: sends to itself are delivered, spawning
 * raises system_limit. */
#include "native.h"
#include "bif_data.h"
#include "runtime.h"
#include "signals.h"
#include "registry.h"
#include "heap.h"
#include "atom.h"
#include "gc.h"
#include "interp.h"
#include "termops.h"
#include "module.h"

/* A proper list? (the shared test of bif_data.h) */
static bool proper_list(Term l) { return bif_list_length(l) >= 0; }

/* Reverse a proper list built backwards, on p's heap (:lists.reverse/1). */
static Term reverse(Process *p, Term l) { return list_nat_reverse1(p, &l); }

/* ---- spawn --------------------------------------------------------------- */

static Term spawn_common(Process *p, Term mod, Term fun, Term args, int opts) {
    if (mod == T_NONE) {
        /* A fun of another arity fails in the child (badarity), as on the BEAM. */
        if (!is_fun(fun)) return native_badarg(p);
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
    if (pid == T_NONE) return native_badarg_at(p, 1, "invalid destination");
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
    if (!is_pid(to)) return native_badarg_at(p, 1, "not a pid");
    signal_send_exit(p, to, args[1]);
    /* To itself: the signal must act before the caller goes on, so the
     * process yields at once and its next slice takes the signal. */
    if (to == p->pid) return native_yield(p, ATOM_true);
    return ATOM_true;
}

Term proc_is_alive(Process *p, Term *args) {
    if (!is_pid(args[0])) return native_badarg_at(p, 1, "not a pid");
    if (args[0] == p->pid) return ATOM_true;
    Process *q = runtime_lookup(args[0]);
    if (!q) return ATOM_false;
    process_lock(q);
    bool alive = !q->exiting;
    process_unlock(q);
    if (!alive) return ATOM_false;
    /* Exit signals are on their way to it (perhaps from the caller, which
     * must then see it dead): ask the process, which answers after taking
     * them. */
    if (atomic_load_explicit(&q->exit_sigs, memory_order_relaxed)) {
        Term a = make_list(p, 1, (Term[]){ args[0] });
        return native_trap_apply(p, ATOM_Elixir_Process, ATOM___alive_remote__, a);
    }
    return ATOM_true;
}

Term proc_flag2(Process *p, Term *args) {
    Term flag = args[0], v = args[1];
    if (flag == ATOM_trap_exit) {
        if (v != ATOM_true && v != ATOM_false) return native_badarg_at(p, 2, "invalid value for this process flag");
        Term old = p->trap_exit ? ATOM_true : ATOM_false;
        process_lock(p); /* others read it under the lock (process_info) */
        p->trap_exit = v == ATOM_true;
        process_unlock(p);
        return old;
    }
    return native_badarg_at(p, 1, "invalid process flag");
}

/* ---- links and monitors ----------------------------------------------------- */

Term proc_link(Process *p, Term *args) {
    Term to = args[0];
    if (!is_pid(to)) return native_badarg_at(p, 1, "not a pid");
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
    Term to = args[1], name = ATOM_nil;
    if (is_tuple(to) && tuple_arity(to) == 2 && tuple_elems(to)[1] == ATOM_nonode_nohost)
        to = tuple_elems(to)[0];
    if (is_atom(to)) {
        name = to;
        to = registry_whereis(name);
    } else if (!is_pid(to)) {
        return native_badarg(p);
    }
    uint64_t ref = heap_new_ref_id();
    signal_monitor(p, to, name, ref);
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
    if (!q || registry_register(name, q, pid) != REG_OK) return native_badarg(p);
    return ATOM_true;
}

Term proc_unregister(Process *p, Term *args) {
    if (!is_atom(args[0]) || !registry_unregister(args[0])) return native_badarg_at(p, 1, "not a pid");
    return ATOM_true;
}

Term proc_whereis(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg(p);
    Term pid = registry_whereis(args[0]);
    return pid == T_NONE ? ATOM_undefined : pid;
}

Term proc_registered(Process *p, Term *args) { return registry_names(p); }

Term proc_processes(Process *p, Term *args) { return runtime_process_list(p); }

/* ---- process_info ---------------------------------------------------------
 * Only a process may read its own heap, dictionary and mailbox, so the
 * natives answer for the caller itself and trap into
 * Process.__info_remote__/2 for any other process, which sends a SIG_INFO
 * and waits for the answer (signals.h), monitoring the target meanwhile. */

/* Messages in the inner list, as a list (the owner only). */
static Term messages_of(Process *p, bool in_signal) {
    if (!in_signal) signal_take(p);
    Term l = T_NIL;
    /* copied: the messages themselves stay in their fragments (process.h) */
    for (Message *m = p->mbox.first; m; m = m->link) l = make_cons_cell(p, gc_copy_term(p, m->term), l);
    return reverse(p, l);
}

/* {M, F, A} of the innermost frame with a named module (not the boot frame). */
static Term current_function(Process *p) {
    for (size_t i = p->nframes; i-- > 0;) {
        const Frame *f = &p->frames[i];
        if (f->mod && f->mod->file && f->mod->file[0])
            return make_tuple3(p, f->mod->name, f->fn->name, make_small(f->fn->arity));
    }
    return make_tuple3(p, ATOM_erlang, ATOM_apply, make_small(2));
}

static bool info_item_known(Term item) {
    static const Term known[] = {
        ATOM_registered_name, ATOM_current_function, ATOM_initial_call, ATOM_status,
        ATOM_message_queue_len, ATOM_messages, ATOM_links, ATOM_monitors, ATOM_monitored_by,
        ATOM_trap_exit, ATOM_dictionary, ATOM_error_handler, ATOM_priority, ATOM_group_leader,
        ATOM_heap_size, ATOM_total_heap_size, ATOM_stack_size, ATOM_reductions,
        ATOM_garbage_collection, ATOM_suspending,
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i] == item) return true;
    return false;
}

/* The value of item for p itself, or T_NONE if item is not supported. */
static Term info_item(Process *p, Term item, uint64_t request_ref) {
    bool in_signal = request_ref != 0;
    if (item == ATOM_registered_name) {
        Term n = registry_name_of(p);
        return n == ATOM_nil ? T_NIL : n;
    }
    if (item == ATOM_current_function) return current_function(p);
    if (item == ATOM_initial_call) return make_tuple3(p, ATOM_erlang, ATOM_apply, make_small(2));
    if (item == ATOM_status) return !in_signal ? ATOM_running : p->in_wait ? ATOM_waiting : ATOM_runnable;
    if (item == ATOM_message_queue_len) {
        if (!in_signal) signal_take(p);
        return make_small((SInt)mailbox_len(&p->mbox));
    }
    if (item == ATOM_messages) return messages_of(p, in_signal);
    if (item == ATOM_links) return signal_links_list(p, p);
    if (item == ATOM_monitors) return signal_monitors_list(p, p, false, 0);
    if (item == ATOM_monitored_by) return signal_monitors_list(p, p, true, request_ref);
    if (item == ATOM_trap_exit) return p->trap_exit ? ATOM_true : ATOM_false;
    if (item == ATOM_dictionary) return p->dict;
    if (item == ATOM_error_handler) return ATOM_error_handler;
    if (item == ATOM_priority) return ATOM_normal;
    if (item == ATOM_group_leader) return p->pid;
    if (item == ATOM_heap_size || item == ATOM_total_heap_size)
        return make_small((SInt)(p->heap_words + p->frag_words));
    if (item == ATOM_stack_size) return make_small((SInt)p->stack_top);
    if (item == ATOM_reductions) return make_int(p, p->reductions);
    if (item == ATOM_garbage_collection)
        return make_cons_cell(p, make_tuple2(p, ATOM_minor_gcs, make_int(p, (int64_t)p->gc_count)), T_NIL);
    if (item == ATOM_suspending) return T_NIL;
    return T_NONE;
}

/* Process.info/1's items, in the BEAM's order. */
static const Term *all_items(size_t *n) {
    static const Term items[] = {
        ATOM_registered_name, ATOM_current_function, ATOM_initial_call, ATOM_status,
        ATOM_message_queue_len, ATOM_links, ATOM_dictionary, ATOM_trap_exit,
        ATOM_error_handler, ATOM_priority, ATOM_group_leader, ATOM_total_heap_size,
        ATOM_heap_size, ATOM_stack_size, ATOM_reductions, ATOM_garbage_collection,
        ATOM_suspending,
    };
    *n = sizeof items / sizeof items[0];
    return items;
}

static bool valid_spec(Term spec) {
    if (spec == ATOM__all_info) return true;
    if (is_atom(spec)) return info_item_known(spec);
    if (!proper_list(spec)) return false;
    for (Term l = spec; is_cons(l); l = CDR(l))
        if (!is_atom(CAR(l)) || !info_item_known(CAR(l))) return false;
    return true;
}

Term proc_info_local(Process *p, Term spec, uint64_t request_ref) {
    if (is_tuple(spec)) return code_info_item(p, spec); /* hot code loading (bif_code.c) */
    if (spec == ATOM__all_info) {
        size_t n;
        const Term *items = all_items(&n);
        Term l = T_NIL;
        for (size_t i = n; i-- > 0;) {
            Term v = info_item(p, items[i], request_ref);
            if (items[i] == ATOM_registered_name && v == T_NIL) continue; /* only when registered */
            l = make_cons_cell(p, make_tuple2(p, items[i], v), l);
        }
        return l;
    }
    if (is_atom(spec)) {
        Term v = info_item(p, spec, request_ref);
        if (v == T_NONE) return T_NONE;
        if (spec == ATOM_registered_name && v == T_NIL) return T_NIL;
        return make_tuple2(p, spec, v);
    }
    Term l = T_NIL;
    for (Term it = spec; is_cons(it); it = CDR(it)) {
        Term v = info_item(p, CAR(it), request_ref);
        if (v == T_NONE) return T_NONE;
        l = make_cons_cell(p, make_tuple2(p, CAR(it), v), l);
    }
    return reverse(p, l);
}

static Term process_info(Process *p, Term pid, Term spec) {
    if (!is_pid(pid)) return native_badarg_at(p, 1, "not a pid");
    if (!valid_spec(spec)) return native_badarg_at(p, 2, "invalid item or item list");
    if (pid == p->pid) return proc_info_local(p, spec, 0);
    Process *q = runtime_lookup(pid);
    if (!q) return ATOM_undefined;
    Term args = make_list(p, 2, (Term[]){ pid, spec });
    return native_trap_apply(p, ATOM_Elixir_Process, ATOM___info_remote__, args);
}

Term proc_process_info1(Process *p, Term *args) { return process_info(p, args[0], ATOM__all_info); }
Term proc_process_info2(Process *p, Term *args) { return process_info(p, args[0], args[1]); }

/* :erlang.process_info_request(pid, spec, ref): Process.__info_remote__'s
 * request (the answer arrives as {:"$process_info", ref, result}). */
Term proc_info_request(Process *p, Term *args) {
    if (!is_pid(args[0]) || !is_ref(args[2])) return native_badarg(p);
    signal_send_info_request(p, args[0], args[1], (uint64_t)boxed_ptr(args[2])[1]);
    return ATOM_true;
}
