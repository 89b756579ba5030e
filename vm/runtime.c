/* runtime.c — the running VM: schedulers, process table, timers, spawning,
 * time slices, process exit and halting (runtime.h).
 *
 * A time slice (run_process, the scheduler's run callback):
 *  1. pass a quiescent point of the process table (no pointer from an
 *     earlier slice survives);
 *  2. clear a SLEEP bit a non-message wake left behind (mailbox.h);
 *  3. take and interpret the signals that arrived (signal_take): a kill
 *     ends the process here, even one that never receives;
 *  4. interp_run with the reductions left. On RUN_WAIT the receive timer
 *     is armed (once per receive) and mailbox_sleep decides: asleep ->
 *     SCHED_WAIT (a push or the timer wakes it), messages arrived meanwhile
 *     -> run again within the same slice.
 * A process ends on RUN_DONE (reason :normal), RUN_ERROR (reason from the
 * exception) or a pending exit signal: exit_process sends its exit signals,
 * unregisters its name and leaves the process table; the scheduler then
 * calls on_done, which retires it for freeing after a grace period.
 */
#include "runtime.h"
#include "signals.h"
#include "registry.h"
#include "stdin.h"
#include "dirty.h"
#include "ets.h"
#include "ptab.h"
#include "interp.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include "inspect.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

Runtime runtime;
static bool active;

/* Process table size: 2^22 slots (4M processes, committed lazily). */
#define PTAB_BITS 22
/* Pids start here, so that they look like the BEAM's (#PID<0.80.0> is
 * about the first user process there). */
#define FIRST_PID_SLOTS 80

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- scheduler threads and the process table ---------------------------- */

static _Thread_local int ptab_tid = -1;
static int worker_tids[PTAB_MAX_THREADS];
static int nworker_tids;
static pthread_mutex_t tids_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_worker(int worker, SchedWorkerEvent ev, void *ctx) {
    (void)worker; (void)ctx;
    switch (ev) {
    case SCHED_WORKER_START:
        ptab_tid = ptab_thread_register(runtime.ptab);
        if (ptab_tid < 0) {
            fputs("act: too many scheduler threads\n", stderr);
            abort();
        }
        pthread_mutex_lock(&tids_lock);
        worker_tids[nworker_tids++] = ptab_tid;
        pthread_mutex_unlock(&tids_lock);
        break;
    case SCHED_WORKER_SLEEP:
        /* A sleeping worker holds no process pointer: let grace periods
         * pass without it. */
        ptab_thread_offline(runtime.ptab, ptab_tid);
        break;
    case SCHED_WORKER_WAKE:
        ptab_thread_online(runtime.ptab, ptab_tid);
        break;
    case SCHED_WORKER_STOP:
        ptab_thread_offline(runtime.ptab, ptab_tid);
        heap_release_spare();
        break;
    }
}

Process *runtime_lookup(Term pid) {
    if (!active || !is_pid(pid)) return NULL;
    return ptab_lookup(runtime.ptab, pid_val(pid));
}

/* Queue m in q's mailbox and wake q if the push found it asleep. An exit
 * signal is counted first (Process.exit_sigs: Process.alive? then asks q). */
static void push_to(Process *q, Message *m) {
    if (m->kind == SIG_EXIT || m->kind == SIG_EXIT_LINK)
        atomic_fetch_add_explicit(&q->exit_sigs, 1, memory_order_relaxed);
    if (mailbox_push(&q->mbox, m) && active) sched_wake(runtime.sched, &q->task);
}

void runtime_push(Term pid, Message *m) {
    Process *q = runtime_lookup(pid);
    if (q) push_to(q, m);
    else mailbox_msg_free(m);
}

void runtime_send(Process *p, Term pid, Term msg) {
    /* Without a runtime only p exists (unit tests driving the interpreter). */
    Process *q = active ? runtime_lookup(pid) : pid == p->pid ? p : NULL;
    if (q) push_to(q, mailbox_msg_new(msg)); /* a dead pid: no copy made */
}

Term runtime_process_list(Process *p) {
    Term l = T_NIL;
    if (!active) return make_cons_cell(p, p->pid, T_NIL);
    /* Built in reverse slot order, then reversed: oldest slots first. */
    size_t cur = 0;
    uint64_t pid;
    void *obj;
    while (ptab_next(runtime.ptab, &cur, &pid, &obj)) l = make_cons_cell(p, make_pid(pid), l);
    return list_nat_reverse1(p, &l);
}

int64_t runtime_now_ms(void) { return timer_clock(&runtime.timers); }

int64_t runtime_monotonic_ns(void) {
    if (runtime.cfg.deterministic) return timer_clock(&runtime.timers) * 1000000;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- receive timers ------------------------------------------------------ */

/* Runs with the wheel lock held (timer.h): only flags and wakes. The
 * process cannot be freed meanwhile: exit cancels the timer first. */
static void receive_timeout_fired(Timer *t, void *arg) {
    (void)t;
    Process *p = arg;
    /* release: pairs with the owner's acquire load at the slice start. */
    atomic_store_explicit(&p->timed_out, true, memory_order_release);
    sched_wake(runtime.sched, &p->task);
}

void runtime_receive_done(Process *p) {
    if (!p->timer_armed) return;
    /* When the cancel finds the timer gone its callback has completed
     * (timer.h), so clearing the flag after it cannot be undone. */
    timer_cancel(&runtime.timers, &p->timer);
    atomic_store_explicit(&p->timed_out, false, memory_order_relaxed);
    p->timer_armed = false;
}

/* ---- printing crashes ---------------------------------------------------- */

/* Exception.format(kind, reason, trace) run in p itself (whose frames are
 * gone), into out; false if the formatter failed. */
static bool format_in(Process *p, Term kind, Term reason, Term trace, StrBuf *out) {
    Term args = make_list(p, 3, (Term[]){ kind, reason, trace });
    if (!interp_setup_apply(p, atom_intern_cstr("Elixir.Exception"), atom_intern_cstr("format"), args))
        return false;
    /* Bounded: a message/1 that loops must not hold the scheduler (the
     * plain rendering is printed instead). */
    if (interp_run(p, 20000000) != RUN_DONE || !is_binary(interp_result(p))) {
        p->nframes = 0;
        p->nhandlers = 0;
        return false;
    }
    size_t len;
    const uint8_t *bytes = binary_bytes(interp_result(p), &len);
    strbuf_put(out, bytes, len);
    return true;
}

static void render_plain(StrBuf *b, Term cls, Term reason) {
    size_t n;
    const char *kind = is_atom(cls) ? atom_name(cls, &n) : (n = 4, "EXIT");
    strbuf_puts(b, "** (");
    strbuf_put(b, kind, n);
    strbuf_puts(b, ") ");
    inspect_to_buf(b, reason, &inspect_default_opts);
}

/* Print an exception the way Elixir does for an uncaught one, with an
 * optional header line, ending with one newline. */
static void print_exception(Process *p, const char *header, Term kind, Term reason, Term trace) {
    StrBuf plain = { 0 }, text = { 0 };
    render_plain(&plain, kind, reason); /* before the formatter may collect */
    if (header) strbuf_puts(&text, header);
    if (!format_in(p, kind, reason, trace, &text)) strbuf_put(&text, plain.data, plain.len);
    if (text.len == 0 || text.data[text.len - 1] != '\n') strbuf_putc(&text, '\n');
    io_write(IO_STDERR, text.data, text.len);
    strbuf_free(&plain);
    strbuf_free(&text);
}

/* The crash report of a process that raised (Logger's shape, with the
 * local wall-clock time). */
static void crash_report(Process *p, Term reason, Term trace) {
    StrBuf head = { 0 };
    io_log_header(&head, "error");
    char pidtxt[64];
    snprintf(pidtxt, sizeof pidtxt, "Process #PID<0.%llu.0> raised an exception\n",
             (unsigned long long)pid_val(p->pid));
    strbuf_puts(&head, pidtxt);
    strbuf_putc(&head, 0);
    print_exception(p, head.data, ATOM_error, reason, trace);
    strbuf_free(&head);
}

/* ---- exit ------------------------------------------------------------------ */

/* Exit status for the main process ending by exit(reason), or -1: print
 * the reason and fail. */
static int exit_status_for(Term reason) {
    if (reason == ATOM_normal || reason == ATOM_shutdown) return 0;
    if (is_tuple(reason) && tuple_arity(reason) == 2 && tuple_elems(reason)[0] == ATOM_shutdown) {
        Term n = tuple_elems(reason)[1];
        return is_small(n) ? (int)(small_val(n) & 0xFF) : 0;
    }
    return -1;
}

static void halt_with(int status) {
    int zero = 0;
    atomic_compare_exchange_strong(&runtime.exit_status, &zero, status);
    sched_stop(runtime.sched);
}


/* The process ends. How: st is RUN_DONE, RUN_ERROR (exception in p->exc_*),
 * or RUN_YIELD with p->pending_exit (exit signal: reason in exc_reason). */
static void exit_process(Process *p, RunStatus st) {
    bool by_signal = st == RUN_YIELD;
    bool raised = st == RUN_ERROR && p->exc_class != ATOM_exit;
    p->nframes = 0;
    runtime_receive_done(p);

    /* The exit reason, first, into exit_reason (a GC root that guest code
     * cannot touch: the reports below run Exception.format in p, which may
     * collect, and may raise and rescue, clearing the exception fields):
     * {exception, stacktrace} for a raise (a throw is
     * {{:nocatch, value}, stacktrace}), the reason itself for an exit. */
    Term error = T_NIL; /* the raised term as Exception.format takes it */
    if (st == RUN_DONE) {
        p->exit_reason = ATOM_normal;
    } else if (!by_signal && !raised) {
        p->exit_reason = p->exc_reason;
    } else if (raised) {
        error = p->exc_reason;
        if (p->exc_class == ATOM_throw) error = make_tuple2(p, ATOM_nocatch, error);
        p->exit_reason = make_tuple2(p, error, p->exc_trace);
    }

    if (p->is_main) {
        int status = 0;
        if (st == RUN_ERROR || by_signal) {
            Term kind = p->exc_class, trace = p->exc_trace, why = p->exc_reason;
            if (by_signal) {
                kind = make_tuple2(p, ATOM_EXIT, p->pid); /* Elixir names the dead process */
                trace = T_NIL;
                why = p->exit_reason;
            }
            status = raised || by_signal ? -1 : exit_status_for(why);
            if (status < 0) {
                io_flush(); /* what the program printed comes first */
                print_exception(p, NULL, kind, why, trace);
                status = 1;
            }
        }
        if (!runtime.cfg.no_halt || status != 0) halt_with(status);
    } else if (raised) {
        crash_report(p, error, tuple_elems(p->exit_reason)[1]);
    }

    /* Exiting first (no new link, monitor or name can reach p), then the
     * name (before any DOWN or EXIT goes out: whoever learns of the exit
     * finds the name free, as on the BEAM), then the signals, then the
     * table entry. */
    process_lock(p);
    p->exiting = true;
    process_unlock(p);
    registry_drop(p);
    ets_process_exit(p); /* its ETS tables die with it (vm/ets.h) */
    signal_exit_process(p, p->exit_reason);
    ptab_remove(runtime.ptab, pid_val(p->pid));
}

void runtime_retire(void *obj, void (*free_fn)(void *)) {
    if (ptab_tid >= 0) ptab_retire(runtime.ptab, ptab_tid, obj, free_fn);
    else free_fn(obj);
}

static void free_process(void *obj) { process_free(obj); }

static void on_done(SchedTask *t, void *ctx) {
    (void)ctx;
    Process *p = container_of(t, Process, task);
    ptab_retire(runtime.ptab, ptab_tid, p, free_process);
}

/* ---- the time slice ------------------------------------------------------ */

static SchedStatus run_process(SchedTask *t, int budget, void *ctx) {
    (void)ctx;
    Process *p = container_of(t, Process, task);
    ptab_quiescent(runtime.ptab, ptab_tid);
    if (mailbox_is_asleep(&p->mbox)) mailbox_wake(&p->mbox);
    signal_take(p);
    if (p->pending_exit) {
        exit_process(p, RUN_YIELD);
        return SCHED_DONE;
    }
    /* A fired receive timer (timed_out) is seen by WAIT_TIMEOUT, once the
     * receive has tried every message that arrived: a message that came
     * before the timeout still wins. */
    int left = budget;
    for (;;) {
        RunStatus st = interp_run(p, left);
        switch (st) {
        case RUN_YIELD:
            if (p->pending_exit) {
                exit_process(p, RUN_YIELD);
                return SCHED_DONE;
            }
            return SCHED_YIELD;
        case RUN_WAIT:
            if (p->after_ms >= 0 && !p->timer_armed) {
                p->timer_armed = true;
                timer_start(&runtime.timers, &p->timer, p->after_ms);
            }
            if (mailbox_sleep(&p->mbox)) {
                p->in_wait = true;
                return SCHED_WAIT;
            }
            /* Messages arrived since the receive looked: look again. */
            left = p->fcalls;
            if (left <= 0) return SCHED_YIELD;
            continue;
        case RUN_DONE:
        case RUN_ERROR:
            /* An exit signal taken earlier in this slice (by a receive or
             * a native that reads the mailbox), or still queued, came
             * first: it decides how the process ends. */
            signal_take(p);
            exit_process(p, p->pending_exit ? RUN_YIELD : st);
            return SCHED_DONE;
        }
    }
}

/* ---- spawning ------------------------------------------------------------ */

static Process *new_process(size_t words) {
    Process *c = process_new(words);
    timer_init(&c->timer, receive_timeout_fired, c);
    return c;
}

/* Publish c in the process table and schedule it; false if the table is
 * full (c is freed). */
static bool publish(Process *c, Process *parent, int opts, uint64_t *mon_ref) {
    uint64_t id = ptab_insert(runtime.ptab, c);
    if (id == PTAB_FULL) {
        process_free(c);
        return false;
    }
    c->pid = make_pid(id);
    if (parent && (opts & SPAWN_LINK)) signal_link_child(parent, c);
    if (parent && (opts & SPAWN_MONITOR)) {
        *mon_ref = heap_new_ref_id();
        signal_monitor_child(parent, c, *mon_ref);
    }
    sched_spawn(runtime.sched, &c->task, -1);
    return true;
}

Term runtime_spawn(Process *p, Term mod, Term fun, Term args, int opts, uint64_t *mon_ref) {
    /* A heap just big enough for the call and a little work (heap.c); it
     * grows at the first collection if the process needs more. */
    size_t fw = gc_copy_size(fun), aw = gc_copy_size(args);
    Process *c = new_process(fw + aw + 8 + 16);
    Term f = gc_copy_term_sized(c, fun, fw), a = gc_copy_term_sized(c, args, aw);
    if (mod == T_NONE) interp_setup_fun(c, f, a);
    else interp_setup_apply(c, mod, f, a);
    /* The table entry may be read (Process.list) before pid is set below:
     * readers take the pid from the table, never from the process. */
    if (!publish(c, p, opts, mon_ref)) return T_NONE;
    return c->pid;
}

/* ---- life cycle ------------------------------------------------------------ */

bool runtime_active(void) { return active; }

void runtime_init(const RuntimeConfig *cfg) {
    runtime.cfg = *cfg;
    runtime.ptab = ptab_new(PTAB_BITS);
    /* Burn the first slots so that pids look like the BEAM's. */
    for (int i = 0; i < FIRST_PID_SLOTS; i++) {
        uint64_t id = ptab_insert(runtime.ptab, &runtime);
        ptab_remove(runtime.ptab, id);
    }
    timer_wheel_init(&runtime.timers, timer_now_ms());
    if (cfg->deterministic) timer_wheel_set_virtual(&runtime.timers, 0);
    SchedConfig sc = {
        .nschedulers = cfg->deterministic ? 1 : cfg->schedulers,
        .run = run_process,
        .on_done = on_done,
        .ctx = NULL,
        .budget = 4000,
        .deterministic = cfg->deterministic,
        .seed = cfg->seed,
        .stop_when_idle = false,
        .timers = &runtime.timers,
        .on_worker = on_worker,
        /* A short spin before sleeping: long spins took CPU from the busy
         * scheduler on 2 shared cores (ring and pingpong ran faster with 16
         * rounds than with 64). */
        .spin_rounds = 16,
    };
    runtime.sched = sched_new(&sc);
    if (!runtime.sched) {
        fputs("act: cannot create the schedulers\n", stderr);
        exit(1);
    }
    atomic_store(&runtime.exit_status, 0);
    active = true;
}

int runtime_run_main(Term mod, Term fun) {
    Process *p = new_process(GC_MIN_HEAP);
    p->is_main = true;
    interp_setup_apply(p, mod, fun, T_NIL);
    if (!publish(p, NULL, 0, NULL)) return 1;
    sched_run(runtime.sched);
    return atomic_load(&runtime.exit_status);
}

void runtime_shutdown(void) {
    if (!active) return;
    stdin_stop();
    dirty_stop(); /* FFI calls (vm/dirty.h) */
    /* ACT_SCHED_STATS=1: per-scheduler counters on stderr (tuning aid). */
    if (getenv("ACT_SCHED_STATS")) {
        for (int i = 0; i < sched_count(runtime.sched); i++) {
            SchedStats st;
            sched_stats(runtime.sched, i, &st);
            fprintf(stderr, "scheduler %d: runs %llu yields %llu waits %llu dones %llu stolen %llu "
                    "steals %llu sleeps %llu timers %llu\n", i,
                    (unsigned long long)st.runs, (unsigned long long)st.yields,
                    (unsigned long long)st.waits, (unsigned long long)st.dones,
                    (unsigned long long)st.stolen, (unsigned long long)st.steals,
                    (unsigned long long)st.sleeps, (unsigned long long)st.timer_fires);
        }
    }
    /* Every worker has stopped: no other thread touches a process. */
    pthread_mutex_lock(&tids_lock);
    for (int i = 0; i < nworker_tids; i++) ptab_thread_unregister(runtime.ptab, worker_tids[i]);
    nworker_tids = 0;
    pthread_mutex_unlock(&tids_lock);
    size_t cur = 0;
    uint64_t pid;
    void *obj;
    while (ptab_next(runtime.ptab, &cur, &pid, &obj)) {
        Process *p = obj;
        ptab_remove(runtime.ptab, pid);
        timer_cancel(&runtime.timers, &p->timer);
        process_free(p);
    }
    registry_free();
    bif_timer_free_all();
    sched_free(runtime.sched);
    timer_wheel_destroy(&runtime.timers);
    ptab_destroy(runtime.ptab);
    active = false;
}
