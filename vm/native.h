/* native.h — C functions callable from Act (the BEAM's BIFs).
 *
 * A native has the signature `Term fn(Process *p, Term *args)`. args[0..arity)
 * are its arguments; they live in the caller's registers, so they stay GC roots
 * while the native runs. A native returns its result, or T_NONE after calling
 * native_raise (or one of its helpers) to signal an exception.
 *
 * Natives never call back into guest code: anything that must call a fun
 * (Enum.map, ...) is written in Act. Natives may allocate with heap_alloc at
 * any point (see heap.h): allocation never moves terms.
 *
 * Each native is declared once, in natives.def:
 *   NATIVE(c_function, "Module", "name", arity)
 * where Module is the full module atom text ("Elixir.Map", "erlang").
 * The table of natives, the module export tables and the REPL's completion
 * are generated from that file.
 */
#ifndef ACT_NATIVE_H
#define ACT_NATIVE_H
#include "term.h"
#include "process.h"

typedef Term (*NativeFn)(Process *p, Term *args);

typedef struct NativeDef {
    const char *module;
    const char *name;
    unsigned arity;
    NativeFn fn;
} NativeDef;

extern const NativeDef native_table[];
extern const size_t native_count;

#define NATIVE(fn, mod, name, arity) Term fn(Process *p, Term *args);
#include "natives.def"
#undef NATIVE

/* Raise an exception of class `cls` (ATOM_error/exit/throw) with `reason`.
 * Always returns T_NONE so natives can `return native_raise(...)`. It sets
 * p->exc_trace to []: the interpreter then records the stack trace of the
 * call site, under the native's own {Mod, Fun, Args, []} frame for an error
 * (as the BEAM shows a failed BIF). erlang:raise/3 sets p->exc_trace to the
 * whole trace; any other native that sets it (native_raise_fc) gives the top
 * frames, which replace its own. */
Term native_raise(Process *p, Term cls, Term reason);
/* error:function_clause reported in mod.fun/arity (module atom text, e.g.
 * "Elixir.Integer", "lists"): for a native implementing an Elixir function
 * whose failed clause Elixir reports in another function (a helper, or the
 * full arity with default arguments). It sets p->exc_trace to
 * [{Mod, Fun, Arity, []}]; the interpreter puts the call site's trace under
 * it (with the native's arguments in place of Arity when mod.fun/arity is
 * the native itself). A plain native_raise of error:function_clause gets the
 * native's own frame on top, which is what Elixir shows when no clause of
 * the native's function matched. (Added in the second wave; the trace rule
 * above applies to every native but erlang:raise/3.) */
Term native_raise_fc(Process *p, const char *mod, const char *fun, unsigned arity);
/* The same with the arguments of that function (a proper list) in place of
 * its arity: String.upcase/1 reports String.upcase(str, :default). */
Term native_raise_fc_args(Process *p, const char *mod, const char *fun, Term args);
/* error:badarg, error:badarith, error:{badkey,K}, error:{badmap,M} ... */
Term native_badarg(Process *p);
/* error:badarg whose message names the bad argument, as the BEAM's
 * extended error information does ("errors were found at the given
 * arguments:\n\n  * 1st argument: not a pid\n"): the native's own trace
 * frame gets [error_info: %{args: [{argno, msg}]}], which
 * Exception.normalize reads. argno counts from 1. */
/* native_badarg_at from the text of BEAM-style error lines ("  * Nth
 * argument: what\n"); with several lines (the error info holds one
 * argument), an ArgumentError with the whole text. Returns T_NONE. */
Term native_badarg_lines(Process *p, const char *lines);
Term native_badarg_at(Process *p, unsigned argno, const char *msg);
/* The marker native_badarg_at leaves at the top of exc_trace for the
 * interpreter, which turns it into the native's own frame. */
#define NATIVE_ERROR_INFO_ARITY 4
Term native_badarith(Process *p);
/* Raise an Elixir exception struct: %<module>{message: msg} (module is the
 * atom text, e.g. "Elixir.ArgumentError"). */
Term native_raise_msg(Process *p, const char *module, const char *msg);

/* ---- traps (added with the interpreter) ---------------------------------
 * A native that must call guest code (apply/2,3) cannot do it from C (see
 * above); instead it returns native_trap_*(...), which stores the call in
 * p->trap_* and returns T_TRAP. The interpreter then makes that call in the
 * native's place: its result becomes the native's result, its errors the
 * native's errors. T_TRAP is a special constant no program can see. The
 * argument list must be a proper list. */
#define T_TRAP ((Term)((0x3Fu << 6) | IMM_SPECIAL))
Term native_trap_apply(Process *p, Term mod, Term fun, Term args);
/* A native that queued a signal to its own process that must act now
 * (Process.exit(self(), reason)) returns native_yield(p, result): the call
 * returns `result` and the process then yields at its next call, so its
 * next slice handles the signal. */
#define T_YIELD ((Term)((0x3Eu << 6) | IMM_SPECIAL))
Term native_yield(Process *p, Term result);
Term native_trap_fun(Process *p, Term fun, Term args);

/* System.argv/0 returns these (set by main before running the script). */
void native_set_argv(int argc, char **argv);
#endif
