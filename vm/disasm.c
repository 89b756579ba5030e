/* disasm.c — the disassembler. Driven entirely by opcodes.def (through
 * opinfo.h), so a new opcode is listed without changes here. It trusts its
 * input to be verified (module_verify), except that it never indexes a table
 * out of bounds: bad operands print as `?`. */
#include <string.h>
#include "disasm.h"
#include "opinfo.h"
#include "atom.h"
#include "inspect.h"

static void put_atom(FILE *out, Term a) {
    size_t len;
    const char *s = is_atom(a) ? atom_name(a, &len) : (len = 1, "?");
    if (len > 7 && memcmp(s, "Elixir.", 7) == 0) { s += 7; len -= 7; }
    fwrite(s, 1, len, out);
}

static void put_term(FILE *out, Term t) {
    StrBuf b = {0};
    inspect_to_buf(&b, t, &inspect_default_opts);
    if (b.len > 60) fprintf(out, "%.57s...", b.data);
    else fwrite(b.data, 1, b.len, out);
    strbuf_free(&b);
}

static void put_operand(const Module *m, char letter, uint32_t v, FILE *out) {
    switch (letter) {
    case 'r': fprintf(out, "R%u", v); break;
    case 'k':
        if (v < m->nliterals) put_term(out, m->literals[v]);
        else fprintf(out, "K?%u", v);
        break;
    case 'i': fprintf(out, "%d", (int32_t)v); break;
    case 'n': fprintf(out, "%u", v); break;
    case 'j': fprintf(out, "@%u", v); break;
    case 'f':
        if (v < m->nfuncs) { put_atom(out, m->funcs[v].name); fprintf(out, "/%u", m->funcs[v].arity); }
        else fprintf(out, "f?%u", v);
        break;
    case 'x':
        if (v < m->nimports) {
            put_atom(out, m->imports[v].module);
            fputc('.', out);
            put_atom(out, m->imports[v].name);
            fprintf(out, "/%u", m->imports[v].arity);
        } else fprintf(out, "x?%u", v);
        break;
    case 'l':
        if (v < m->nlambdas && m->lambdas[v].func < m->nfuncs) {
            fprintf(out, "fun#%u:", v);
            put_atom(out, m->funcs[m->lambdas[v].func].name);
        } else fprintf(out, "l?%u", v);
        break;
    default: fprintf(out, "?%u", v);
    }
}

void disasm_module(const Module *m, FILE *out) {
    for (uint32_t fi = 0; fi < m->nfuncs; fi++) {
        const Function *f = &m->funcs[fi];
        put_atom(out, m->name);
        fputc('.', out);
        put_atom(out, f->name);
        fprintf(out, "/%u (nregs %u)%s\n", f->arity, f->nregs, f->exported ? "" : " private");
        uint32_t pc = 0, li = 0, line = 0;
        while (pc < f->code_len) {
            uint32_t op = f->code[pc];
            while (li < f->nlines && f->lines[li].pc <= pc) line = f->lines[li++].line;
            if (op >= OPC__COUNT || pc + op_info[op].size > f->code_len) {
                fprintf(out, "  %5u  <bad opcode %u>\n", pc, op);
                break;
            }
            fprintf(out, "  %5u  %-4u %-13s", pc, line, op_info[op].name);
            const char *ops = op_info[op].operands;
            for (int k = 0; ops[k]; k++) {
                fputs(k ? ", " : " ", out);
                put_operand(m, ops[k], f->code[pc + 1 + k], out);
            }
            fputc('\n', out);
            pc += op_info[op].size;
        }
    }
}
