/* compiler.h — the Act compiler's one entry point: source text to modules.
 * It lives inside the act binary (the REPL uses it) and inside actc (which
 * compiles the stdlib at build time). */
#ifndef ACT_COMPILER_H
#define ACT_COMPILER_H
#include <stdio.h>
#include "../vm/module.h"
#include "diag.h"

typedef struct CompileResult {
    Module **modules;   /* every defmodule in the file, in source order */
    size_t nmodules;
    Module *script;     /* the top-level expressions as function __script__/0
                           of this module; NULL if there are none */
} CompileResult;

/* Compile a file's text. On error returns false with *err set (print it with
 * diag_print). The modules are not registered; the caller does that. */
bool compile_source(const char *file, const char *src, size_t len, CompileResult *out, Diag *err);
void compile_result_free(CompileResult *r);

/* Set by the embedder before compile_source: whether Elixir.Kernel exports
 * name/arity (act: module_resolve, which autoloads the embedded Kernel).
 * A local call that neither the module nor Kernel defines is then a compile
 * error "undefined function f/1", as in Elixir. NULL (actc, which compiles
 * the stdlib itself) disables the check: unknown calls go to Kernel.
 * (Added by the second codegen pass.) */
extern bool (*compile_kernel_has)(Term name, uint32_t arity);
#endif
