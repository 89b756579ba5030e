/* interp.h — the bytecode interpreter: frames, handlers, running a process.
 *
 * A process's guest call stack lives in its Process, never on the C stack:
 *
 *   p->stack   register windows. The current frame's registers are
 *              stack[base .. base + fn->nregs). A call at register a makes the
 *              callee's base = caller base + a (Lua-style windows, see
 *              opcodes.def). Registers are addressed by index; no term ever
 *              points into the stack, so the stack may be reallocated freely.
 *   p->frames  one Frame per active guest function, innermost last. The
 *              innermost frame is the running function; a frame's ret_pc is
 *              where its caller resumes (NULL for the bottom frame: returning
 *              from it ends the process).
 *   p->handlers  try handlers, innermost last (TRY pushes, TRY_END pops).
 *
 * Invariants:
 *  - Every word below max over all frames of (base + fn->nregs) is a valid
 *    term: a frame's registers beyond its arguments are cleared to [] when
 *    it is entered. Registers of a caller that lie above a callee's window
 *    stay roots while the callee runs. p->stack_top is set to that maximum
 *    before each collection (the only reader), not maintained per call.
 *  - A handler's `nframes` is the frame depth of the frame that pushed it; a
 *    handler never outlives that frame (RET drops stale ones).
 *  - While a process is not running, p->pc is the innermost frame's resume pc.
 */
#ifndef ACT_INTERP_H
#define ACT_INTERP_H
#include "term.h"
#include "process.h"
#include "module.h"

typedef struct Frame {
    const Function *fn;     /* running function (a static boot function for the bottom frame of a spawn) */
    Module *mod;            /* its module (a static boot module, skipped by stack traces, for the boot function) */
    const uint32_t *ret_pc; /* caller's resume pc; NULL: bottom frame */
    uint32_t base;          /* index of R[0] in p->stack */
} Frame;

typedef struct Handler {
    const uint32_t *pc;     /* handler code (the TRY's jump target) */
    uint32_t nframes;       /* frame depth of the frame that pushed it */
    uint32_t reg;           /* absolute stack index of the TRY's R[a] */
} Handler;

typedef enum {
    RUN_DONE,   /* the bottom frame returned; interp_result() is its value */
    RUN_ERROR,  /* an uncaught exception: p->exc_class/exc_reason/exc_trace */
    RUN_YIELD,  /* the reduction budget ran out, a native asked to yield
                   (native_yield), or a receive took an exit signal that
                   ends the process (p->pending_exit); call interp_run
                   again unless pending_exit is set */
    RUN_WAIT,   /* waiting for a message (receive): run again after a
                   message arrives, or after interp_timeout once
                   p->after_ms (-1: none) have passed since the receive
                   first waited */
} RunStatus;

/* Limits of one process's guest stack. Past them the process raises
 * error:system_limit (SystemLimitError), which can be rescued. */
extern size_t interp_max_stack_words; /* default 64M words */
extern size_t interp_max_frames;      /* default 10M frames */

/* Prepare an idle process (no frames) to call mod.fun(args...) where args is
 * a proper list; resolution happens when it first runs, so an undefined
 * function raises undef inside the process as on the BEAM. Returns false
 * (with nothing changed) if the process already has frames. */
bool interp_setup_apply(Process *p, Term mod, Term fun, Term args);
/* Prepare an idle process to call fun value `fun` with the argument list. */
bool interp_setup_fun(Process *p, Term fun, Term args);

/* Queue a copy of msg (on p's heap) in p's own mailbox (tests; processes
 * send with runtime_send). A process waiting in RUN_WAIT should then be run
 * again: its receive re-examines the mailbox. */
void interp_deliver(Process *p, Term msg);
/* A process that returned RUN_WAIT with p->after_ms >= 0 reached its
 * timeout: its receive takes the `after` branch when run again. */
void interp_timeout(Process *p);

/* Run p for at most `reductions` function calls (<= 0: unlimited). */
RunStatus interp_run(Process *p, int reductions);
/* The value the process returned with (valid after RUN_DONE). */
Term interp_result(const Process *p);

/* The stack trace of the current frames as the BEAM gives it: a list of
 * {Module, Fun, Arity, [file: 'f', line: n]}, innermost first, at most
 * INTERP_TRACE_DEPTH entries. `top_pc` is the pc inside the innermost frame. */
#define INTERP_TRACE_DEPTH 8
Term interp_stacktrace(Process *p, const uint32_t *top_pc);
#endif
