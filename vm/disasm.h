/* disasm.h — human-readable listing of a module's bytecode (`act disasm`). */
#ifndef ACT_DISASM_H
#define ACT_DISASM_H
#include <stdio.h>
#include "module.h"

/* Print every function as `Module.fun/arity (nregs N)` followed by one
 * instruction per line, operands decoded by their letter in opcodes.def. */
void disasm_module(const Module *m, FILE *out);
#endif
