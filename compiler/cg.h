/* cg.h — internal interface of the code generator (codegen.c, expr.c,
 * pattern.c, forms.c). Not a contract with other parts: only compiler.h is.
 *
 * Model. One FnState per function being emitted (lambdas nest: `parent`).
 * Registers of a frame are laid out as
 *     [0, arity)                 arguments
 *     [arity, arity + nfree)     captured variables (lambdas only)
 *     [.., top)                  variables and live temporaries, stack-like
 * Invariants:
 *  - A variable is a name bound to a register that is never written again
 *    while the binding is visible (rebinding takes a new register), so a
 *    pattern may bind a variable to the register it is matching without a
 *    move, and closures copy values at creation.
 *  - Every register below `top` may be live; code only writes registers at or
 *    above `top` (after allocating them with cg_tmp) or the destination it was
 *    given. A call's window is allocated at `top`, so the callee's frame never
 *    overlaps a live register of the caller.
 *  - Labels are resolved when the function is finished; every jump operand
 *    refers to a label placed at an instruction boundary.
 */
#ifndef ACT_CG_H
#define ACT_CG_H
#include <setjmp.h>
#include "ast.h"
#include "diag.h"
#include "../vm/module.h"
#include "../vm/opinfo.h"
#include "compiler.h"

/* Node flag set by codegen on the generated __struct__/0 body: build the
 * struct with one MAP_NEW whose keys are LOADK'd in defstruct order, never
 * as a literal (vm/inspect.c derives the print order from that code). */
#define NF_CG_RUNTIME_STRUCT 0x100

typedef struct Var { const char *name; uint32_t reg; } Var;
typedef struct Fixup { uint32_t at; int label; } Fixup;

typedef struct FnState {
    struct FnState *parent;
    uint32_t *code; uint32_t len, cap;
    LineEntry *lines; uint32_t nlines, lcap;
    int32_t *labels; int nlabels, labcap;
    Fixup *fix; int nfix, fixcap;
    Var *vars; int nvars, varcap;
    uint32_t top;        /* first free register */
    uint32_t arity, nfree;
    const char *def_name; uint32_t def_arity; /* enclosing def, for lambda names */
    int pat_base;        /* vars[pat_base..] were bound by the current pattern */
    int in_guard;
    /* Peephole state of cg_emit (0: none): len just past the last MOVE
     * emitted, and len + 1 where a label was last placed. Two adjacent
     * MOVEs with no label or line entry between them become one MOVE2. */
    uint32_t move_end, label_at;
} FnState;

typedef struct DefClause { Node *head; Node *guard; Node *body; Node **args; size_t nargs; int attr_mark; } DefClause;

/* A named function of the module being compiled. */
typedef struct Def {
    const char *name; uint32_t arity; bool exported;
    DefClause *clauses; size_t nclauses, cap;
    uint32_t index;      /* in funcs */
    int line;
    /* Generated bodies (no clauses): */
    int gen;             /* GEN_* */
    Node *gen_target;    /* GEN_DEFAULT: the clause head with defaults */
    uint32_t gen_full;   /* GEN_DEFAULT: arity of the full function */
} Def;
enum { GEN_NONE, GEN_DEFAULT, GEN_STRUCT0, GEN_STRUCT1, GEN_EXC_MESSAGE, GEN_EXC_EXCEPTION };

typedef struct Attr { const char *name; Node *value; } Attr;

typedef struct StructDef {
    const char *module;   /* "Elixir.A.B" */
    const char **keys; Node **defaults; size_t n;
    bool exception;
} StructDef;

typedef struct ModState {
    Module *m;
    const char *name_text;  /* "Elixir.A.B" */
    Term name;
    Function *funcs; uint32_t nfuncs, fcap;
    Term *lits; uint32_t nlits, litcap;
    Import *imports; uint32_t nimports, icap;
    FunEntry *lambdas; uint32_t nlambdas, lamcap;
    DocEntry *docs; uint32_t ndocs, dcap;
    Def *defs; size_t ndefs, defcap;
    Attr *attrs; int nattrs, attrcap;
    int attr_limit;         /* attributes visible to the code being compiled */
    StructDef *self_struct; /* this module's defstruct, if any */
    bool is_script;
} ModState;

typedef struct Cg {
    const char *file;
    Diag *diag;
    AstArena *arena;
    jmp_buf fail;
    ModState *mod;
    FnState *fn;
    StructDef *structs; size_t nstructs, scap; /* every defstruct in the file */
    int tmp_counter;                           /* unique names for desugaring */
    /* Implicit aliases of nested modules visible in the module being
     * compiled: alias_from[i] (one segment) stands for alias_to[i]. */
    const char **alias_from, **alias_to; size_t naliases, aliascap;
    /* Nesting of the recursive code generators and tree walkers now active
     * (cg_enter/cg_leave). Bounded by CG_MAX_DEPTH so that no input can
     * overflow the C stack: the parser bounds most nesting, but
     * left-associative operator chains reach codegen unbounded. */
    int depth;
    uintptr_t stack_base; /* frame address at compile_source's entry */
} Cg;

/* Deep enough for everything the parser accepts (its own limit is 2000
 * levels of parentheses/blocks, a few cg frames each); shallow enough that
 * the deepest path fits an 8 MB stack under ASan. Long left-associative
 * arithmetic chains do not count: binop walks them with a loop. */
#define CG_MAX_DEPTH 12000
/* Frames differ in size (ASan makes them several times larger), so the
 * depth count alone cannot bound the C stack: cg_enter also stops at this
 * many bytes of stack below compile_source (which therefore needs a
 * thread stack of at least about twice this). */
#define CG_STACK_BUDGET ((uintptr_t)4 << 20)

/* Where an expression's value goes: into `reg`, or returned (tail), or
 * nowhere (discard: `reg` is still a valid scratch register). */
typedef struct Dest { uint32_t reg; bool tail, discard; } Dest;

/* ---- codegen.c: errors, emission, registers, scopes, tables ---- */
_Noreturn void cg_error(Cg *c, const Node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Enter one level of recursion at n (a clean compile error past
 * CG_MAX_DEPTH); every cg_enter is paired with a cg_leave on return. */
static inline void cg_enter(Cg *c, const Node *n) {
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (++c->depth > CG_MAX_DEPTH || (c->stack_base > sp && c->stack_base - sp > CG_STACK_BUDGET))
        cg_error(c, n, "expression nested too deeply");
}
static inline void cg_leave(Cg *c) { c->depth--; }
int cg_label(Cg *c);
void cg_place(Cg *c, int label);
void cg_emit(Cg *c, int op, ...);        /* operands as unsigned; 'j' operands are labels */
void cg_line(Cg *c, int line);           /* source line of the next instruction */
uint32_t cg_tmp(Cg *c);
uint32_t cg_tmps(Cg *c, uint32_t n);     /* n consecutive registers */
void cg_release(Cg *c, uint32_t mark);   /* top = mark, raised above every bound variable */
void cg_bind(Cg *c, const char *name, uint32_t reg);
int cg_lookup(Cg *c, const char *name);  /* register or -1 (captures from enclosing fns) */
uint32_t cg_lit(Cg *c, Term t);
uint32_t cg_import(Cg *c, Term mod, Term name, uint32_t arity);
Term cg_atom(Cg *c, const char *text);
Term cg_alias_atom(Cg *c, const char *alias); /* "A.B" -> 'Elixir.A.B' */
Def *cg_find_def(Cg *c, const char *name, uint32_t arity);
Node *cg_attr(Cg *c, const char *name);
StructDef *cg_find_struct(Cg *c, const char *module_text);
void cg_finish(Cg *c, Dest d);           /* RET d.reg when d.tail */
Process *cg_litheap(Cg *c);
Node *cg_node(Cg *c, NodeKind k, const Node *at);
Node *cg_var(Cg *c, const char *name, const Node *at);
const char *cg_fresh(Cg *c, const char *prefix);
/* Start / finish a function being emitted (FnStates and ModStates live on
 * the heap so that the error path, after longjmp, can free them); cg_fn_end
 * frees the FnState and appends the function to funcs
 * (at index `slot` when slot < nfuncs, else at the end) and returns its index. */
FnState *cg_fn_begin(Cg *c, uint32_t arity, uint32_t nfree);
uint32_t cg_fn_end(Cg *c, Term name, bool exported, uint32_t slot);

/* ---- expr.c ---- */
void cg_expr(Cg *c, Node *n, Dest d);
uint32_t cg_any(Cg *c, Node *n);         /* value in some register (a var's, or a new temp) */
void cg_into(Cg *c, Node *n, uint32_t reg); /* value into reg */
void cg_body(Cg *c, Node *n, Dest d);    /* block or single expression */
bool cg_is_literal(Cg *c, Node *n);
bool cg_is_literal_pattern(Cg *c, Node *n); /* literal that matches by === (no maps inside) */
Term cg_literal(Cg *c, Node *n);
Node *cg_kw(Node *kw, const char *key);  /* keyword value in a KW list node */
Node *cg_call_kw(Node *call, const char *key); /* key in the trailing keyword args */
void cg_call_remote(Cg *c, const Node *at, Term mod, Term name, Node **args, size_t nargs, Dest d);
void cg_raise_badkey(Cg *c, uint32_t key, uint32_t map);
void cg_check_kernel(Cg *c, const Node *at, const char *name, size_t arity);
const char *cg_mod_display(Cg *c, const char *module_text);

/* ---- pattern.c ---- */
/* Match register r against pattern p; jump to label fail on mismatch. */
void cg_pattern(Cg *c, Node *p, uint32_t r, int fail);
/* Jump to fail unless guard g evaluates to true (exceptions make it false). */
void cg_guard(Cg *c, Node *g, int fail);
/* The guard test itself, without the exception wrapper. */
void cg_guard_test(Cg *c, Node *g, int fail);
/* The IS_* opcode of a Kernel type test (is_integer ...), or -1. */
int cg_type_test_op(const char *name);
/* Jump to fail unless n is truthy (for if/cond/&&; may use fused tests). */
void cg_test_truthy(Cg *c, Node *n, int fail);
/* Split a clause head: args (N_LIST) and optional guard. */
void cg_clause_head(Cg *c, Node *clause, Node ***args, size_t *nargs, Node **guard);

/* ---- forms.c ---- */
bool cg_special_form(Cg *c, Node *n, Dest d); /* false if n is not one */
void cg_fn(Cg *c, Node *n, Dest d);
void cg_capture(Cg *c, Node *n, Dest d);
/* Compile one-pattern clauses on subject register r: a matching clause's
 * body goes to d, then jumps to done (unless tail). When none matches,
 * control falls through past the emitted code. */
void cg_clauses(Cg *c, Node **clauses, size_t n, uint32_t r, Dest d, int done);
#endif
