/* process.h — a process: its heap, its register stack, its exception state.
 *
 * Invariants:
 *  - A process is run by at most one scheduler thread at a time; all fields
 *    here except those marked (shared) are touched only by that thread.
 *  - Every live term the process owns is reachable from: stack[0..stack_top),
 *    dict, exc_class/exc_reason/exc_trace, and (during a native) the native's
 *    arguments, which live on the stack. See heap.h for the GC contract.
 *  - heap <= htop <= hend. Words in [htop, hend) are free.
 */
#ifndef ACT_PROCESS_H
#define ACT_PROCESS_H
#include <stdatomic.h>
#include "term.h"
#include "mailbox.h"
#include "scheduler.h"
#include "timer.h"
#include "keyset.h"

typedef struct HeapFrag {
    struct HeapFrag *next;
    size_t size; /* words in data[] */
    size_t used; /* words allocated so far */
    Term data[];
} HeapFrag;

struct Frame;
struct Handler;
struct Module;

typedef struct Process {
    /* ---- heap ---- */
    Term *heap, *htop, *hend;
    size_t heap_words;      /* size of the heap block */
    HeapFrag *frags;        /* fragments allocated since the last GC */
    size_t frag_words;      /* total words in frags */
    Term *off_heap;         /* first REFCBIN (pointer to its header) or NULL */
    /* Bytes of off-heap binary blobs this heap may still create before it
     * asks for a collection (the BEAM's "binary virtual heap"): dead blobs are
     * only freed by a GC, so blob bytes must trigger one too, not just heap
     * words. Set by heap_init and gc_collect (added by the memory engineer). */
    size_t bin_budget;
    bool gc_wanted;
    uint64_t gc_count;      /* collections so far (for tests and stats) */
    /* Words live after the last collection (0 before the first): heap words
     * allocated since then are htop - heap - gc_live. Set by heap_init and
     * gc_collect (added by the robustness pass, for the GC-stress cost bound
     * in gc.c). */
    size_t gc_live;

    /* ---- registers and frames (interp.c) ---- */
    Term *stack;            /* register windows of all frames */
    size_t stack_cap, stack_top;
    struct Frame *frames;   /* call frames, innermost last */
    size_t nframes, frames_cap;
    struct Handler *handlers; /* try handlers, innermost last */
    size_t nhandlers, handlers_cap;
    const uint32_t *pc;     /* saved pc while not running */
    /* A native that must call guest code (apply/2,3) stores the call here
     * and returns T_TRAP (native.h); the interpreter performs the call in the
     * native's place. Live only between that return and the interpreter
     * reading them (no GC in between), so not GC roots. */
    Term trap_mod;          /* module atom, or T_NONE: trap_fun is a fun */
    Term trap_fun;          /* function atom, or a fun when trap_mod is T_NONE */
    Term trap_args;         /* proper list of arguments */

    /* ---- mailbox and scheduling (runtime.c, signals.c) ----
     * Messages and signals from other processes arrive in `mbox`
     * (mailbox.h): receive matches them in place, in their fragments, and
     * adopts a message's fragment only when it is removed, so no inner-list
     * message points into this heap and the mailbox is never a GC root.
     * `after_ms` is the `after` of the receive the process waits in (ms;
     * -1: none); `timer` fires that long after the receive's first wait
     * (armed by the run callback, cancelled when the receive ends) and sets
     * `timed_out`, which only the timer callback sets and only the owner
     * clears. */
    Mailbox mbox;
    SchedTask task;
    Timer timer;
    int64_t after_ms;
    const uint32_t *timeout_pc; /* where that receive resumes when it times out */
    _Atomic bool timed_out;
    bool timer_armed;       /* owner only: `timer` may be pending */

    /* ---- links, monitors, exit (signals.c) ----
     * Guarded by `lock` (a spinlock: every critical section is a few array
     * operations), because other processes link, unlink, monitor and
     * demonitor this one directly (hash sets, keyset.h):
     *   links    pids linked to this process (key: the pid);
     *   mon_by   the monitors other processes hold on this one (key: the
     *            reference id; a: the watcher's pid; b: the name it was
     *            made with, or nil);
     *   mon_of   the monitors this process holds (key: the reference id;
     *            a: the target pid, or T_NONE for an unregistered name;
     *            b: the name, or nil);
     *   exiting  set once, when the process starts to exit: from then on
     *            no link or monitor is added (the linker gets :noproc).
     * The owner reads and writes them under the lock as well. */
    atomic_flag lock;
    bool exiting;
    bool trap_exit;         /* owner only */
    /* A signal told the process to exit with exit_reason (a GC root, kept
     * apart from the exception fields, which guest code may still change
     * before the slice ends). Owner only; set while it processes its
     * signals, acted on at the next slice boundary. */
    bool pending_exit;
    Term exit_reason;
    /* Exit signals queued to this process and not yet taken (incremented by
     * runtime_push before the push, decremented by the owner when it takes
     * one; relaxed: a hint that makes Process.alive? ask the process
     * itself, so that it answers after the signals sent before). */
    _Atomic uint32_t exit_sigs;
    bool is_main;           /* the script's process: its end halts the VM */
    bool in_wait;           /* owner only: suspended in a receive (Process.info's :waiting) */
    Term exit_from;         /* with pending_exit: the signal's sender */
    KeySet links, mon_by, mon_of;
    Term reg_name;          /* registered name or ATOM_nil (registry.c's lock) */

    /* ---- exception state (set by native_raise / the interpreter) ---- */
    Term exc_class;         /* ATOM_error, ATOM_exit, ATOM_throw */
    Term exc_reason;
    Term exc_trace;         /* list of {M, F, A, [file: f, line: l]} or T_NIL */

    /* ---- identity and misc ---- */
    Term pid;
    Term dict;              /* process dictionary: a list of {k, v} */
    int64_t reductions;     /* total reductions (for stats) */
    int fcalls;             /* reductions left in this time slice */
} Process;

/* ---- process.c -------------------------------------------------------- */
/* A new process with an empty heap of about heap_words words, no frames,
 * an empty dictionary, an empty mailbox and a provisional pid (the runtime
 * gives it its table pid when it is spawned). */
Process *process_new(size_t heap_words);
/* Free the process, its heap, its stacks, its mailbox and its link and
 * monitor arrays. Nothing else may reach it any more. */
void process_free(Process *p);

/* The spinlock guarding links, monitors and `exiting`. */
static inline void process_lock(Process *p) {
    /* acquire: pairs with process_unlock's release. */
    while (atomic_flag_test_and_set_explicit(&p->lock, memory_order_acquire)) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}
static inline void process_unlock(Process *p) {
    atomic_flag_clear_explicit(&p->lock, memory_order_release);
}

#endif
