/* runtime.h — the running VM: schedulers, the process table, timers,
 * spawning, the life and death of processes, and halting.
 *
 * There is one runtime per OS process (globals in runtime.c). main() calls
 * runtime_init, runtime_run_main (which returns once the VM halts) and
 * runtime_shutdown. Processes are scheduler tasks (scheduler.h) whose run
 * callback drives interp_run; see runtime.c for the slice protocol.
 *
 * Lifetime of a Process (why a pointer from runtime_lookup is safe): a
 * process is published in the process table when it is spawned, removed
 * from it when it exits, and freed only after every scheduler thread has
 * passed a quiescent point since (ptab.h). Schedulers pass one between two
 * time slices, so a pointer found by runtime_lookup stays valid until the
 * end of the caller's slice; never keep one longer.
 */
#ifndef ACT_RUNTIME_H
#define ACT_RUNTIME_H
#include "process.h"
#include "scheduler.h"
#include "timer.h"

typedef struct RuntimeConfig {
    int schedulers;         /* <= 0: online cores */
    bool deterministic;     /* one scheduler, seeded picks, virtual time */
    uint64_t seed;
    bool no_halt;           /* keep running after the main process ends */
} RuntimeConfig;

typedef struct Runtime {
    Sched *sched;
    struct PTab *ptab;
    TimerWheel timers;
    RuntimeConfig cfg;
    _Atomic int exit_status;    /* set when the main process ends */
} Runtime;

extern Runtime runtime;

/* Create the schedulers, the process table and the timer wheel. */
void runtime_init(const RuntimeConfig *cfg);
/* Spawn the main process running mod.fun() and run the schedulers until
 * the VM halts; returns the exit status. */
int runtime_run_main(Term mod, Term fun);
/* Free every process and the runtime's structures (after run_main). */
void runtime_shutdown(void);
/* True once runtime_init ran (natives fall back to single-process
 * behaviour in unit tests that run the interpreter without a runtime). */
bool runtime_active(void);

/* System.halt does not come through here: it ends the OS process at once
 * (io_exit, in vm/io.c), as the BEAM's halt does. */

/* ---- processes ----------------------------------------------------------- */
enum { SPAWN_LINK = 1, SPAWN_MONITOR = 2 };
/* Spawn a process calling mod.fun(args) (mod == T_NONE: fun is a fun and
 * args its argument list), copying fun/args from the parent p. With
 * SPAWN_LINK it is linked to p; with SPAWN_MONITOR p monitors it under
 * *mon_ref (a fresh id). Returns its pid, or T_NONE when the process table
 * is full (the caller raises system_limit). */
Term runtime_spawn(Process *p, Term mod, Term fun, Term args, int opts, uint64_t *mon_ref);
/* The live process of a pid, or NULL. Valid until the end of the caller's
 * slice (see above). */
Process *runtime_lookup(Term pid);
/* Deliver a copy of msg (on p's heap) to pid; a dead pid drops it. */
void runtime_send(Process *p, Term pid, Term msg);
/* Queue an already built message or signal for pid (frees it if dead);
 * exit signals are counted in the receiver's exit_sigs. */
void runtime_push(Term pid, Message *m);
/* A receive ended (matched, or took `after`): cancel its timer. */
void runtime_receive_done(Process *p);
/* Live processes (Process.list), built on p's heap. */
Term runtime_process_list(Process *p);
/* Monotonic ms of the runtime's clock (virtual in deterministic mode). */
int64_t runtime_now_ms(void);
/* What System.monotonic_time reads, in ns: CLOCK_MONOTONIC, or in
 * deterministic mode the virtual clock (so the durations a program
 * measures, e.g. a supervisor's restart intensity window, are as
 * reproducible as its timers). */
int64_t runtime_monotonic_ns(void);
/* Process.info of p itself for spec (an item atom, a list of them, or
 * ATOM__all_info for Process.info/1), built on p's heap; T_NONE for an
 * unknown item. request_ref: 0 for the caller itself, else the ref of the
 * SIG_INFO being answered (bif_proc.c). */
Term proc_info_local(Process *p, Term spec, uint64_t request_ref);
/* Free obj with free_fn once every scheduler thread has passed a
 * quiescent point twice (the process table's QSBR, ptab.h): no time slice
 * that was running when this was called is still running. At once on a
 * thread that is not a scheduler. (Added for hot code loading's purge.) */
void runtime_retire(void *obj, void (*free_fn)(void *));
/* Free every pending send_after timer (bif_timer.c; at shutdown). */
void bif_timer_free_all(void);
#endif
