/* stdin.h — standard input read by a dedicated thread (stdin.c), so that a
 * process waiting for input blocks only itself. */
#ifndef ACT_STDIN_H
#define ACT_STDIN_H
#include "process.h"
#include "inspect.h"

typedef enum {
    STDIN_LINE,     /* IO.gets, IO.read(:line) */
    STDIN_CHARS,    /* IO.read(n): n characters */
    STDIN_EOF,      /* IO.read(:eof): the rest, :eof if nothing */
    STDIN_ALL,      /* IO.read(:all): the rest, "" if nothing */
} StdinHow;

/* Queue a read for p; the answer arrives as {:"$input", ref, data}.
 * False if input is closed (the VM is stopping). */
bool stdin_request(Process *p, StdinHow how, size_t count, uint64_t ref);
/* Read what `how` asks for into b, on the calling thread (the reader, or a
 * caller without a runtime); false at end of input with nothing read. */
bool stdin_read_now(StdinHow how, size_t count, StrBuf *b);
/* Drop pid's pending requests (the REPL's interrupted evaluator): queued
 * ones, and the one being served unless its input has started arriving;
 * stop re-showing an IO.gets prompt. (Added with the REPL.) */
void stdin_cancel(Term pid);
/* The VM is stopping: drop pending requests, never deliver again. */
void stdin_stop(void);
#endif
