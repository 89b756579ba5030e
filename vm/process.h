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
#include "term.h"

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

    /* ---- mailbox (interp.c; the single-process stand-in that the
     * MPSC mailbox of mailbox.h replaces when processes land: only the
     * receive opcodes, interp_deliver and interp.c's collect() touch it) ----
     * mbox[0..mbox_len) are the received messages, oldest first, all on this
     * process's heap; they are GC roots (the interpreter passes them to
     * gc_collect as extra roots). mbox_save is receive's save position:
     * messages before it were already tried by the current receive. */
    Term *mbox;
    size_t mbox_len, mbox_cap, mbox_save;
    int64_t deadline;       /* CLOCK_MONOTONIC ns when a waiting receive times out; -1: none */
    const uint32_t *timeout_pc; /* where that receive resumes when it times out */

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
 * an empty dictionary and a fresh pid. */
Process *process_new(size_t heap_words);
/* Free the process, its heap and its stacks. */
void process_free(Process *p);

#endif
