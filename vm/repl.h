/* repl.h — the C half of the REPL (`act` with no file, `act -i FILE`):
 * reading expressions (libedit on a terminal, plain lines from a pipe),
 * Ctrl-C, tab completion, terminal width and colours, and compiling a
 * prompt's text into an evaluation module. The other half, evaluation,
 * helpers and printing, is stdlib/iex.act (module IEx); the two talk through
 * the natives of module :act_repl (natives.def). docs/architecture.md,
 * "## REPL", describes the design.
 */
#ifndef ACT_REPL_H
#define ACT_REPL_H
#include <stdbool.h>

/* Call in main() before runtime_init, from the only thread: on a terminal
 * it blocks SIGINT in every thread the VM will create and starts the thread
 * that turns Ctrl-C into an interrupt (never any work in a signal
 * handler). */
void repl_init(void);
/* Call before runtime_shutdown: afterwards the REPL's threads (the reader,
 * the Ctrl-C thread) never touch the runtime again (they may still sit in
 * a read; they end with the OS process). */
void repl_stop(void);
#endif
