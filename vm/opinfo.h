/* opinfo.h — opcode numbers and operand descriptions, generated from
 * opcodes.def, for the code generator, the loader's verifier and the
 * disassembler.
 *
 * Invariants:
 *  - OPC_<NAME> is the instruction's position in opcodes.def; the same X-macro
 *    order numbers the interpreter's dispatch table, so both agree.
 *  - op_info[op].operands has one letter per operand word (see opcodes.def);
 *    an instruction occupies 1 + strlen(operands) code words.
 */
#ifndef ACT_OPINFO_H
#define ACT_OPINFO_H
#include <stdint.h>

enum {
#define OP(name, operands, effect, doc) OPC_##name,
#include "opcodes.def"
#undef OP
    OPC__COUNT
};

typedef struct OpInfo {
    const char *name;
    const char *operands; /* one letter per operand word */
    int effect;           /* frames pushed (+1), popped (-1) or 0 */
    uint8_t size;         /* code words, opcode included */
} OpInfo;

/* Indexed by OPC_* (defined in vm/loader.c). */
extern const OpInfo op_info[OPC__COUNT];
#endif
