/* test_interp.c — the interpreter on hand-assembled bytecode: arithmetic,
 * calls, tail calls in constant stack, deep recursion, stack limits,
 * TRY/RAISE unwinding, closures, imports and natives, apply and traps,
 * reductions, and GC under allocation. */
#include "unit.h"
#include "config.h"
#include "../../vm/interp.h"
#include "../../vm/opinfo.h"
#include "../../vm/atom.h"
#include "../../vm/heap.h"
#include "../../vm/gc.h"
#include "../../vm/native.h"
#include "../../vm/termops.h"
#include <stdarg.h>
#include <stdlib.h>

/* Loop sizes: a GC-stress build collects at every call, so it runs the same
 * tests on smaller inputs. */
#ifdef ACT_GC_STRESS
#define TAIL_N 20000
#define DEEP_N 2000
#define BUILD_N 3000
#else
#define TAIL_N 10000000
#define DEEP_N 100000
#define BUILD_N 200000
#endif

/* ---- a tiny assembler ---------------------------------------------------- */

typedef struct Asm {
    uint32_t code[256];
    uint32_t n;
} Asm;

/* Emit op with its operands; returns the instruction's offset. */
static uint32_t emit(Asm *a, uint32_t op, ...) {
    uint32_t pos = a->n;
    a->code[a->n++] = op;
    va_list ap;
    va_start(ap, op);
    for (unsigned k = 1; k < op_info[op].size; k++) a->code[a->n++] = (uint32_t)va_arg(ap, int);
    va_end(ap);
    return pos;
}
/* Set operand k (0-based) of the instruction at pos. */
static void patch(Asm *a, uint32_t pos, unsigned k, uint32_t v) { a->code[pos + 1 + k] = v; }
#define HERE(a) ((a)->n)

static Term A_(const char *s) { return atom_intern_cstr(s); }

static Module *new_module(const char *name) {
    Module *m = calloc(1, sizeof(Module));
    m->name = A_(name);
    m->file = "test.act";
    m->funcs = calloc(32, sizeof(Function));
    m->literals = calloc(16, sizeof(Term));
    m->imports = calloc(16, sizeof(Import));
    m->lambdas = calloc(8, sizeof(FunEntry));
    return m;
}

static uint32_t add_func(Module *m, const char *name, uint32_t arity, uint32_t nregs, const Asm *a) {
    Function *f = &m->funcs[m->nfuncs];
    f->name = A_(name);
    f->arity = arity;
    f->nregs = nregs;
    f->code = malloc(a->n * sizeof(uint32_t));
    memcpy(f->code, a->code, a->n * sizeof(uint32_t));
    f->code_len = a->n;
    f->exported = true;
    return m->nfuncs++;
}

static uint32_t add_import(Module *m, const char *mod, const char *name, uint32_t arity) {
    m->imports[m->nimports] = (Import){ A_(mod), A_(name), arity };
    return m->nimports++;
}

static uint32_t add_literal(Module *m, Term t) {
    m->literals[m->nliterals] = t;
    return m->nliterals++;
}

/* Run mod.fun(args) to completion in a fresh process. */
static RunStatus run(Process *p, const char *mod, const char *fun, size_t n, const Term *args) {
    Term l = make_list(p, n, args);
    if (!interp_setup_apply(p, A_(mod), A_(fun), l)) return RUN_ERROR;
    return interp_run(p, 0);
}

static Process *proc(void) { return process_new(233); }

/* ---- modules under test ---------------------------------------------------- */

static Module *T; /* 'Elixir.T' */
static uint32_t F_fib, F_count, F_sum, F_thrower, F_catcher, F_nested, F_inf, F_adder, F_lam,
    F_build, F_clause, F_deep_throw;

static void build_module(void) {
    T = new_module("Elixir.T");
    Asm a;

    /* fib(n): if n < 2, do: n, else: fib(n - 1) + fib(n - 2) */
    a.n = 0;
    emit(&a, OPC_LOADI, 1, 2);
    uint32_t j = emit(&a, OPC_TEST_LT, 0, 1, 0);
    emit(&a, OPC_RET, 0);
    patch(&a, j, 2, HERE(&a));
    emit(&a, OPC_ADDI, 1, 0, -1);
    uint32_t c1 = emit(&a, OPC_CALL, 1, 0);
    emit(&a, OPC_ADDI, 2, 0, -2);
    uint32_t c2 = emit(&a, OPC_CALL, 2, 0);
    emit(&a, OPC_ADD, 0, 1, 2);
    emit(&a, OPC_RET, 0);
    F_fib = T->nfuncs;
    patch(&a, c1, 1, F_fib);
    patch(&a, c2, 1, F_fib);
    add_func(T, "fib", 1, 4, &a);

    /* count(n, acc): if n == 0, do: acc, else: count(n - 1, acc + 1) (tail) */
    a.n = 0;
    F_count = T->nfuncs;
    emit(&a, OPC_LOADI, 2, 0);
    j = emit(&a, OPC_TEST_EQ, 0, 2, 0);
    emit(&a, OPC_RET, 1);
    patch(&a, j, 2, HERE(&a));
    emit(&a, OPC_ADDI, 0, 0, -1);
    emit(&a, OPC_ADDI, 1, 1, 1);
    emit(&a, OPC_TCALL, 0, F_count);
    add_func(T, "count", 2, 3, &a);

    /* sum(n): if n == 0, do: 0, else: n + sum(n - 1) (body recursion) */
    a.n = 0;
    F_sum = T->nfuncs;
    emit(&a, OPC_LOADI, 1, 0);
    j = emit(&a, OPC_TEST_EQ, 0, 1, 0);
    emit(&a, OPC_RET, 1);
    patch(&a, j, 2, HERE(&a));
    emit(&a, OPC_ADDI, 1, 0, -1);
    emit(&a, OPC_CALL, 1, F_sum);
    emit(&a, OPC_ADD, 0, 0, 1);
    emit(&a, OPC_RET, 0);
    add_func(T, "sum", 1, 2, &a);

    /* thrower(x): throw(x) */
    a.n = 0;
    F_thrower = T->nfuncs;
    uint32_t k_throw = add_literal(T, ATOM_throw);
    emit(&a, OPC_LOADK, 1, k_throw);
    emit(&a, OPC_RAISE, 1, 0);
    add_func(T, "thrower", 1, 2, &a);

    /* deep_throw(n, x): n == 0 -> thrower(x); else 1 + deep_throw(n - 1, x) */
    a.n = 0;
    F_deep_throw = T->nfuncs;
    emit(&a, OPC_LOADI, 2, 0);
    j = emit(&a, OPC_TEST_EQ, 0, 2, 0);
    emit(&a, OPC_MOVE, 0, 1);
    emit(&a, OPC_CALL, 0, F_thrower);
    emit(&a, OPC_RET, 0);
    patch(&a, j, 2, HERE(&a));
    emit(&a, OPC_ADDI, 2, 0, -1);
    emit(&a, OPC_MOVE, 3, 1);
    emit(&a, OPC_CALL, 2, F_deep_throw);
    emit(&a, OPC_ADDI, 2, 2, 1);
    emit(&a, OPC_RET, 2);
    add_func(T, "deep_throw", 2, 4, &a);

    /* catcher(n, x): try deep_throw(n, x) catch c, r -> {c, r, 42} end */
    a.n = 0;
    F_catcher = T->nfuncs;
    uint32_t t = emit(&a, OPC_TRY, 2, 0);
    emit(&a, OPC_MOVE, 5, 0);
    emit(&a, OPC_MOVE, 6, 1);
    emit(&a, OPC_CALL, 5, F_deep_throw);
    emit(&a, OPC_TRY_END);
    emit(&a, OPC_RET, 5);
    patch(&a, t, 1, HERE(&a));
    emit(&a, OPC_LOADI, 4, 42);
    emit(&a, OPC_TUPLE, 0, 2, 3); /* {class, reason, 42} from R2, R3, R4 */
    emit(&a, OPC_RET, 0);
    add_func(T, "catcher", 2, 7, &a);

    /* nested(x): try (try thrower(x) catch c, r -> reraise c, r + 1) catch c, r -> r * 10 */
    a.n = 0;
    F_nested = T->nfuncs;
    uint32_t outer = emit(&a, OPC_TRY, 1, 0);
    uint32_t inner = emit(&a, OPC_TRY, 4, 0);
    emit(&a, OPC_MOVE, 7, 0);
    emit(&a, OPC_CALL, 7, F_thrower);
    emit(&a, OPC_TRY_END);
    emit(&a, OPC_TRY_END);
    emit(&a, OPC_RET, 7);
    patch(&a, inner, 1, HERE(&a));
    emit(&a, OPC_ADDI, 5, 5, 1);
    emit(&a, OPC_RERAISE, 4, 5, 6);
    patch(&a, outer, 1, HERE(&a));
    emit(&a, OPC_LOADI, 4, 10);
    emit(&a, OPC_MUL, 0, 2, 4);
    emit(&a, OPC_RET, 0);
    add_func(T, "nested", 1, 8, &a);

    /* inf(x): 1 + inf(x) (never ends) */
    a.n = 0;
    F_inf = T->nfuncs;
    emit(&a, OPC_MOVE, 1, 0);
    emit(&a, OPC_CALL, 1, F_inf);
    emit(&a, OPC_ADDI, 0, 1, 1);
    emit(&a, OPC_RET, 0);
    add_func(T, "inf", 1, 2, &a);

    /* lambda: fn y -> y + x end, x captured (registers: y, x) */
    a.n = 0;
    F_lam = T->nfuncs;
    emit(&a, OPC_ADD, 0, 0, 1);
    emit(&a, OPC_RET, 0);
    add_func(T, "-adder/1-fun-0-", 2, 2, &a);
    T->funcs[F_lam].exported = false;
    T->lambdas[0] = (FunEntry){ .module = T, .func = F_lam, .arity = 1, .nfree = 1, .index = 0 };
    T->nlambdas = 1;

    /* adder(x): fn y -> y + x end */
    a.n = 0;
    F_adder = T->nfuncs;
    emit(&a, OPC_CLOSURE, 0, 0, 0);
    emit(&a, OPC_RET, 0);
    add_func(T, "adder", 1, 1, &a);

    /* build(n, acc): n == 0 -> acc; else build(n - 1, [{n} | acc]) (allocates) */
    a.n = 0;
    F_build = T->nfuncs;
    emit(&a, OPC_LOADI, 2, 0);
    j = emit(&a, OPC_TEST_EQ, 0, 2, 0);
    emit(&a, OPC_RET, 1);
    patch(&a, j, 2, HERE(&a));
    emit(&a, OPC_TUPLE, 2, 0, 1);
    emit(&a, OPC_CONS, 1, 2, 1);
    emit(&a, OPC_ADDI, 0, 0, -1);
    emit(&a, OPC_TCALL, 0, F_build);
    add_func(T, "build", 2, 3, &a);

    /* clause(x): only accepts :ok, else FunctionClauseError */
    a.n = 0;
    F_clause = T->nfuncs;
    uint32_t k_ok = add_literal(T, ATOM_ok);
    j = emit(&a, OPC_IS_EQX_K, 0, k_ok, 0);
    emit(&a, OPC_RET, 0);
    uint32_t fc = HERE(&a);
    patch(&a, j, 2, fc);
    emit(&a, OPC_FUNC_CLAUSE);
    add_func(T, "clause", 1, 1, &a);
    static LineEntry clause_lines[] = { { 0, 7 }, { 0, 9 } };
    clause_lines[1].pc = fc;
    T->funcs[F_clause].lines = clause_lines;
    T->funcs[F_clause].nlines = 2;

    module_register(T);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_arith_and_calls(void) {
    Process *p = proc();
    Term arg = make_small(20);
    REQUIRE(run(p, "Elixir.T", "fib", 1, &arg) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 6765);
    /* 10 + 5 through ADD and a call. */
    arg = make_small(1);
    REQUIRE(run(p, "Elixir.T", "fib", 1, &arg) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 1);
    /* Small overflow goes to the bignum slow path: sum with a huge first step. */
    Module *m = new_module("Elixir.Ar");
    Asm a = { .n = 0 };
    emit(&a, OPC_ADD, 2, 0, 1);
    emit(&a, OPC_SUB, 3, 2, 1);
    emit(&a, OPC_MUL, 4, 0, 1);
    emit(&a, OPC_TUPLE, 0, 2, 3);
    emit(&a, OPC_RET, 0);
    add_func(m, "ops", 2, 5, &a);
    module_register(m);
    Term args[2] = { make_small(SMALL_MAX), make_small(3) };
    REQUIRE(run(p, "Elixir.Ar", "ops", 2, args) == RUN_DONE);
    Term r = interp_result(p);
    REQUIRE(is_tuple(r) && tuple_arity(r) == 3);
    CHECK(is_bignum(tuple_elems(r)[0]));                      /* SMALL_MAX + 3 */
    CHECK(tuple_elems(r)[1] == make_small(SMALL_MAX));        /* back to a small */
    CHECK(is_bignum(tuple_elems(r)[2]));
    /* badarith is raised, not crashed on. */
    args[1] = ATOM_ok;
    CHECK(run(p, "Elixir.Ar", "ops", 2, args) == RUN_ERROR);
    CHECK(p->exc_class == ATOM_error && p->exc_reason == ATOM_badarith);
    process_free(p);
}

static void test_move2_order(void) {
    /* mv(a, b): MOVE2 R2, R0, R3, R2 then MOVE2 R0, R1, R1, R0: the second
     * move of each reads what the first wrote -> {a, a, b, b}. */
    Module *m = new_module("Elixir.Mv");
    Asm a = { .n = 0 };
    emit(&a, OPC_MOVE2, 2, 0, 3, 2);
    emit(&a, OPC_MOVE2, 0, 1, 1, 0);
    emit(&a, OPC_MOVE2, 4, 0, 5, 1);
    emit(&a, OPC_TUPLE, 0, 2, 4);
    emit(&a, OPC_RET, 0);
    add_func(m, "mv", 2, 6, &a);
    char err[256];
    CHECK(module_verify(m, err, sizeof err));
    module_register(m);
    Process *p = proc();
    Term args[2] = { ATOM_ok, ATOM_error };
    REQUIRE(run(p, "Elixir.Mv", "mv", 2, args) == RUN_DONE);
    Term *r = tuple_elems(interp_result(p));
    CHECK(r[0] == ATOM_ok && r[1] == ATOM_ok);
    CHECK(r[2] == ATOM_error && r[3] == ATOM_error);
    process_free(p);
}

static void test_equality_and_order(void) {
    /* cmp(a, b): {a == b, a === b, a != b, a !== b, a < b, a >= b} */
    Module *m = new_module("Elixir.Eq");
    Asm a = { .n = 0 };
    emit(&a, OPC_EQ, 2, 0, 1);
    emit(&a, OPC_EQX, 3, 0, 1);
    emit(&a, OPC_NE, 4, 0, 1);
    emit(&a, OPC_NEX, 5, 0, 1);
    emit(&a, OPC_LT, 6, 0, 1);
    emit(&a, OPC_GE, 7, 0, 1);
    emit(&a, OPC_TUPLE, 0, 2, 6);
    emit(&a, OPC_RET, 0);
    add_func(m, "cmp", 2, 8, &a);
    module_register(m);
    Process *p = proc();
    /* Heap operands are made right before each run: a run may collect. */
    struct { bool eq, eqx, lt; } cases[] = {
        { true, false, false },  /* 1 vs 1.0 */
        { true, true, false },   /* 1 vs 1 */
        { false, false, true },  /* 1 vs 2 */
        { false, false, false }, /* :ok vs :error (:ok is greater) */
        { false, false, true },  /* 5 vs :ok (number < atom) */
        { true, true, false },   /* {:ok, []} vs an equal copy */
        { false, false, true },  /* 2.0 vs 3 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Term x, y;
        switch (i) {
        case 0: x = make_small(1); y = make_float(p, 1.0); break;
        case 1: x = make_small(1); y = make_small(1); break;
        case 2: x = make_small(1); y = make_small(2); break;
        case 3: x = ATOM_ok; y = ATOM_error; break;
        case 4: x = make_small(5); y = ATOM_ok; break;
        case 5: x = make_tuple2(p, ATOM_ok, T_NIL); y = make_tuple2(p, ATOM_ok, T_NIL); break;
        default: x = make_float(p, 2.0); y = make_small(3); break;
        }
        Term args[2] = { x, y };
        REQUIRE(run(p, "Elixir.Eq", "cmp", 2, args) == RUN_DONE);
        Term *r = tuple_elems(interp_result(p));
        CHECK(r[0] == make_bool(cases[i].eq));
        CHECK(r[1] == make_bool(cases[i].eqx));
        CHECK(r[2] == make_bool(!cases[i].eq));
        CHECK(r[3] == make_bool(!cases[i].eqx));
        CHECK(r[4] == make_bool(cases[i].lt));
        CHECK(r[5] == make_bool(!cases[i].lt));
    }
    process_free(p);
}

static void test_tail_calls_constant_stack(void) {
    Process *p = proc();
    Term args[2] = { make_small(TAIL_N), make_small(0) };
    REQUIRE(run(p, "Elixir.T", "count", 2, args) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), TAIL_N);
    CHECK(p->stack_cap <= 1024);
    CHECK(p->frames_cap <= 64);
    process_free(p);
}

static void test_deep_recursion(void) {
    Process *p = proc();
    Term arg = make_small(DEEP_N);
    REQUIRE(run(p, "Elixir.T", "sum", 1, &arg) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), (long long)DEEP_N * (DEEP_N + 1) / 2);
    CHECK(p->frames_cap >= DEEP_N);
    process_free(p);
}

static void test_stack_limit(void) {
    size_t old = interp_max_frames;
    interp_max_frames = 5000;
    Process *p = proc();
    Term arg = make_small(1);
    CHECK(run(p, "Elixir.T", "inf", 1, &arg) == RUN_ERROR);
    CHECK(p->exc_class == ATOM_error);
    CHECK(p->exc_reason == ATOM_system_limit);
    /* Its stack trace is bounded and names the function. */
    Term tr = p->exc_trace;
    long n = 0;
    for (Term l = tr; is_cons(l); l = CDR(l)) n++;
    CHECK_EQ_INT(n, INTERP_TRACE_DEPTH);
    REQUIRE(is_cons(tr));
    CHECK(tuple_elems(CAR(tr))[1] == A_("inf"));
    /* The same with a register-stack limit. */
    interp_max_frames = old;
    size_t olds = interp_max_stack_words;
    interp_max_stack_words = 10000;
    CHECK(run(p, "Elixir.T", "inf", 1, &arg) == RUN_ERROR);
    CHECK(p->exc_reason == ATOM_system_limit);
    interp_max_stack_words = olds;
    /* The process is reusable afterwards. */
    arg = make_small(10);
    CHECK(run(p, "Elixir.T", "fib", 1, &arg) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 55);
    process_free(p);
}

static void test_try_raise(void) {
    Process *p = proc();
    /* A throw 50 frames deep unwinds to the catcher. */
    Term args[2] = { make_small(50), ATOM_ok };
    REQUIRE(run(p, "Elixir.T", "catcher", 2, args) == RUN_DONE);
    Term r = interp_result(p);
    REQUIRE(is_tuple(r) && tuple_arity(r) == 3);
    CHECK(tuple_elems(r)[0] == ATOM_throw);
    CHECK(tuple_elems(r)[1] == ATOM_ok);
    CHECK(tuple_elems(r)[2] == make_small(42));
    CHECK_EQ_INT(p->nhandlers, 0);
    /* Reraise from an inner handler reaches the outer one. */
    Term x = make_small(4);
    REQUIRE(run(p, "Elixir.T", "nested", 1, &x) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 50);
    /* Uncaught: RUN_ERROR with class, reason and a trace. */
    x = make_small(7);
    REQUIRE(run(p, "Elixir.T", "thrower", 1, &x) == RUN_ERROR);
    CHECK(p->exc_class == ATOM_throw);
    CHECK(p->exc_reason == make_small(7));
    REQUIRE(is_cons(p->exc_trace));
    Term e = CAR(p->exc_trace);
    REQUIRE(is_tuple(e) && tuple_arity(e) == 4);
    CHECK(tuple_elems(e)[0] == A_("Elixir.T"));
    CHECK(tuple_elems(e)[1] == A_("thrower"));
    CHECK(tuple_elems(e)[2] == make_small(1));
    /* The system_limit of a runaway recursion can be caught. */
    size_t old = interp_max_frames;
    interp_max_frames = 3000;
    Module *m = new_module("Elixir.Lim");
    Asm a = { .n = 0 };
    uint32_t t = emit(&a, OPC_TRY, 1, 0);
    emit(&a, OPC_MOVE, 4, 0);
    emit(&a, OPC_CALLX, 4, add_import(m, "Elixir.T", "inf", 1));
    emit(&a, OPC_TRY_END);
    emit(&a, OPC_RET, 4);
    patch(&a, t, 1, HERE(&a));
    emit(&a, OPC_RET, 2);
    add_func(m, "go", 1, 5, &a);
    module_register(m);
    REQUIRE(run(p, "Elixir.Lim", "go", 1, &x) == RUN_DONE);
    CHECK(interp_result(p) == ATOM_system_limit);
    interp_max_frames = old;
    process_free(p);
}

static void test_tail_call_drops_handlers(void) {
    /* stray(x): pushes a handler, then tail-calls thrower(x) without
     * popping it. outer(x): try stray(x) catch _, r -> r end. The throw must
     * reach outer's handler, not the stale one of the replaced frame. */
    Module *m = new_module("Elixir.Stray");
    uint32_t k_stray = add_literal(m, A_("stray"));
    uint32_t x_thrower = add_import(m, "Elixir.T", "thrower", 1);
    Asm a = { .n = 0 };
    uint32_t t = emit(&a, OPC_TRY, 1, 0);
    emit(&a, OPC_TCALLX, 0, x_thrower);
    patch(&a, t, 1, HERE(&a));
    emit(&a, OPC_LOADK, 0, k_stray);
    emit(&a, OPC_RET, 0);
    uint32_t f_stray = add_func(m, "stray", 1, 4, &a);
    a.n = 0;
    t = emit(&a, OPC_TRY, 1, 0);
    emit(&a, OPC_MOVE, 4, 0);
    emit(&a, OPC_CALL, 4, f_stray);
    emit(&a, OPC_TRY_END);
    emit(&a, OPC_RET, 4);
    patch(&a, t, 1, HERE(&a));
    emit(&a, OPC_RET, 2);
    add_func(m, "outer", 1, 5, &a);
    module_register(m);
    Process *p = proc();
    Term x = make_small(77);
    REQUIRE(run(p, "Elixir.Stray", "outer", 1, &x) == RUN_DONE);
    CHECK(interp_result(p) == make_small(77));
    CHECK_EQ_INT(p->nhandlers, 0);
    process_free(p);
}

static void test_function_clause_trace(void) {
    Process *p = proc();
    Term x = make_small(3);
    REQUIRE(run(p, "Elixir.T", "clause", 1, &x) == RUN_ERROR);
    CHECK(p->exc_reason == ATOM_function_clause);
    REQUIRE(is_cons(p->exc_trace));
    Term e = CAR(p->exc_trace);
    Term args = tuple_elems(e)[2];
    REQUIRE(is_cons(args));
    CHECK(CAR(args) == make_small(3) && CDR(args) == T_NIL);
    /* location: [file: 'test.act', line: 9] */
    Term loc = tuple_elems(e)[3];
    REQUIRE(is_cons(loc) && is_cons(CDR(loc)));
    CHECK(tuple_elems(CAR(loc))[0] == ATOM_file);
    Term fl = tuple_elems(CAR(loc))[1];
    REQUIRE(is_cons(fl));
    CHECK(CAR(fl) == make_small('t'));
    CHECK(tuple_elems(CAR(CDR(loc)))[1] == make_small(9));
    x = ATOM_ok;
    REQUIRE(run(p, "Elixir.T", "clause", 1, &x) == RUN_DONE);
    CHECK(interp_result(p) == ATOM_ok);
    process_free(p);
}

static void test_closures(void) {
    Module *m = new_module("Elixir.Clo");
    uint32_t x_adder = add_import(m, "Elixir.T", "adder", 1);
    Asm a = { .n = 0 };
    /* go(x, y): f = T.adder(x); {f.(y), f.(y, y) or badarity} */
    emit(&a, OPC_MOVE, 2, 0);
    emit(&a, OPC_CALLX, 2, x_adder);   /* R2 = fun */
    emit(&a, OPC_MOVE, 3, 2);
    emit(&a, OPC_MOVE, 4, 1);
    emit(&a, OPC_CALLF, 3, 1);         /* R3 = f.(y) */
    emit(&a, OPC_RET, 3);
    add_func(m, "go", 2, 5, &a);
    a.n = 0;
    emit(&a, OPC_MOVE, 2, 0);
    emit(&a, OPC_CALLX, 2, x_adder);
    emit(&a, OPC_MOVE, 3, 1);
    emit(&a, OPC_MOVE, 4, 1);
    emit(&a, OPC_TCALLF, 2, 2);        /* f.(y, y): badarity */
    add_func(m, "bad_arity", 2, 5, &a);
    a.n = 0;
    emit(&a, OPC_TCALLF, 0, 1);        /* x.(y) with x not a fun */
    add_func(m, "bad_fun", 2, 2, &a);
    a.n = 0;
    emit(&a, OPC_MOVE, 2, 0);
    emit(&a, OPC_CALLX, 2, x_adder);
    emit(&a, OPC_MOVE, 3, 1);
    emit(&a, OPC_TCALLF, 2, 1);        /* tail call of the fun */
    add_func(m, "tail", 2, 4, &a);
    module_register(m);

    Process *p = proc();
    Term args[2] = { make_small(10), make_small(5) };
    REQUIRE(run(p, "Elixir.Clo", "go", 2, args) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 15);
    REQUIRE(run(p, "Elixir.Clo", "tail", 2, args) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 15);
    REQUIRE(run(p, "Elixir.Clo", "bad_arity", 2, args) == RUN_ERROR);
    Term r = p->exc_reason;
    REQUIRE(is_tuple(r) && tuple_arity(r) == 2);
    CHECK(tuple_elems(r)[0] == ATOM_badarity);
    Term inner = tuple_elems(r)[1];
    REQUIRE(is_tuple(inner));
    CHECK(is_fun(tuple_elems(inner)[0]));
    Term al = tuple_elems(inner)[1];
    REQUIRE(is_cons(al) && is_cons(CDR(al)));
    CHECK(CAR(al) == make_small(5) && CDR(CDR(al)) == T_NIL);
    REQUIRE(run(p, "Elixir.Clo", "bad_fun", 2, args) == RUN_ERROR);
    r = p->exc_reason;
    REQUIRE(is_tuple(r));
    CHECK(tuple_elems(r)[0] == ATOM_badfun);
    CHECK(tuple_elems(r)[1] == make_small(10));
    process_free(p);
}

static void test_imports_natives_apply(void) {
    Module *m = new_module("Elixir.Imp");
    Asm a = { .n = 0 };
    emit(&a, OPC_CALLX, 0, add_import(m, "erlang", "self", 0));
    emit(&a, OPC_RET, 0);
    add_func(m, "me", 0, 1, &a);
    a.n = 0;
    emit(&a, OPC_TCALLX, 0, add_import(m, "Elixir.Nope", "missing", 1));
    add_func(m, "undef", 1, 1, &a);
    /* apply(mod, fun, args) with the operands in R0..R2 */
    a.n = 0;
    emit(&a, OPC_APPLY, 0);
    emit(&a, OPC_RET, 0);
    add_func(m, "ap", 3, 3, &a);
    /* Kernel.apply(fun, args): a native that traps into the fun */
    a.n = 0;
    emit(&a, OPC_CALLX, 0, add_import(m, "Elixir.Kernel", "apply", 2));
    emit(&a, OPC_ADDI, 0, 0, 1000);
    emit(&a, OPC_RET, 0);
    add_func(m, "ap2", 2, 2, &a);
    module_register(m);

    Process *p = proc();
    REQUIRE(run(p, "Elixir.Imp", "me", 0, NULL) == RUN_DONE);
    CHECK(interp_result(p) == p->pid);
    Term x = make_small(1);
    REQUIRE(run(p, "Elixir.Imp", "undef", 1, &x) == RUN_ERROR);
    CHECK(p->exc_reason == ATOM_undef);
    REQUIRE(is_cons(p->exc_trace));
    Term e = CAR(p->exc_trace);
    CHECK(tuple_elems(e)[0] == A_("Elixir.Nope"));
    CHECK(tuple_elems(e)[1] == A_("missing"));
    CHECK(is_cons(tuple_elems(e)[2]) && CAR(tuple_elems(e)[2]) == make_small(1));

    Term targs[3] = { A_("Elixir.T"), A_("fib"), make_list(p, 1, (Term[]){ make_small(15) }) };
    REQUIRE(run(p, "Elixir.Imp", "ap", 3, targs) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 610);
    /* apply of a native */
    targs[0] = ATOM_erlang; targs[1] = A_("self"); targs[2] = T_NIL;
    REQUIRE(run(p, "Elixir.Imp", "ap", 3, targs) == RUN_DONE);
    CHECK(interp_result(p) == p->pid);
    /* apply of an undefined function */
    targs[0] = A_("Elixir.T"); targs[1] = A_("fib"); targs[2] = T_NIL;
    REQUIRE(run(p, "Elixir.Imp", "ap", 3, targs) == RUN_ERROR);
    CHECK(p->exc_reason == ATOM_undef);
    /* bad argument list */
    targs[2] = make_small(3);
    REQUIRE(run(p, "Elixir.Imp", "ap", 3, targs) == RUN_ERROR);
    CHECK(p->exc_reason == ATOM_badarg);

    /* Kernel.apply/2 with a closure: T.adder(2).(40) + 1000 */
    Term adder_args = make_list(p, 1, (Term[]){ make_small(2) });
    REQUIRE(interp_setup_apply(p, A_("Elixir.T"), A_("adder"), adder_args));
    REQUIRE(interp_run(p, 0) == RUN_DONE);
    Term fun = interp_result(p);
    REQUIRE(is_fun(fun));
    Term a2[2] = { fun, make_list(p, 1, (Term[]){ make_small(40) }) };
    REQUIRE(run(p, "Elixir.Imp", "ap2", 2, a2) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 1042);
    /* interp_setup_fun runs a fun directly (a fresh fun: `fun` is stale
     * after the run above, which may have collected) */
    REQUIRE(interp_setup_apply(p, A_("Elixir.T"), A_("adder"), make_list(p, 1, (Term[]){ make_small(2) })));
    REQUIRE(interp_run(p, 0) == RUN_DONE);
    fun = interp_result(p);
    REQUIRE(interp_setup_fun(p, fun, make_list(p, 1, (Term[]){ make_small(5) })));
    REQUIRE(interp_run(p, 0) == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 7);
    process_free(p);
}

static void test_reductions(void) {
    Process *p = proc();
    Term args[2] = { make_small(1000), make_small(0) };
    Term l = make_list(p, 2, args);
    REQUIRE(interp_setup_apply(p, A_("Elixir.T"), A_("count"), l));
    int yields = 0;
    RunStatus st;
    while ((st = interp_run(p, 10)) == RUN_YIELD) yields++;
    REQUIRE(st == RUN_DONE);
    CHECK_EQ_INT(small_val(interp_result(p)), 1000);
    /* 1001 calls at 10 reductions per slice. */
    CHECK(yields >= 99 && yields <= 101);
    CHECK(p->reductions >= 1000);
    process_free(p);
}

static void test_gc_under_allocation(void) {
    Process *p = proc();
    Term args[2] = { make_small(BUILD_N), T_NIL };
    REQUIRE(run(p, "Elixir.T", "build", 2, args) == RUN_DONE);
    CHECK(p->gc_count > 0);
    Term l = interp_result(p);
    long n = 0, expect = 1;
    bool ok = true;
    for (; is_cons(l); l = CDR(l), n++, expect++) {
        Term t = CAR(l);
        if (!is_tuple(t) || tuple_arity(t) != 1 || tuple_elems(t)[0] != make_small(expect)) ok = false;
    }
    CHECK(ok);
    CHECK_EQ_INT(n, BUILD_N);
    CHECK_EQ_INT(gc_verify_heap(p), 0);
    process_free(p);
}

static void test_receive(void) {
    Module *m = new_module("Elixir.Rcv");
    uint32_t k_got = add_literal(m, A_("got")), k_to = add_literal(m, A_("timeout"));
    /* recv(x): receive do ^x -> :got after 50 -> :timeout end */
    Asm a = { .n = 0 };
    uint32_t top = HERE(&a);
    uint32_t lr = emit(&a, OPC_LOOP_REC, 1, 0);
    uint32_t eq = emit(&a, OPC_IS_EQX, 1, 0, 0);
    emit(&a, OPC_REMOVE_MSG);
    emit(&a, OPC_LOADK, 2, k_got);
    emit(&a, OPC_RET, 2);
    patch(&a, eq, 2, HERE(&a));
    emit(&a, OPC_LOOP_REC_NEXT, top);
    patch(&a, lr, 1, HERE(&a));
    emit(&a, OPC_LOADI, 3, 50);
    emit(&a, OPC_WAIT_TIMEOUT, 3, top);
    emit(&a, OPC_TIMEOUT);
    emit(&a, OPC_LOADK, 2, k_to);
    emit(&a, OPC_RET, 2);
    add_func(m, "recv", 1, 4, &a);
    /* recv_inf(x): receive do ^x -> :got end */
    a.n = 0;
    lr = emit(&a, OPC_LOOP_REC, 1, 0);
    eq = emit(&a, OPC_IS_EQX, 1, 0, 0);
    emit(&a, OPC_REMOVE_MSG);
    emit(&a, OPC_LOADK, 2, k_got);
    emit(&a, OPC_RET, 2);
    patch(&a, eq, 2, HERE(&a));
    emit(&a, OPC_LOOP_REC_NEXT, 0);
    patch(&a, lr, 1, HERE(&a));
    emit(&a, OPC_WAIT, 0);
    add_func(m, "recv_inf", 1, 3, &a);
    module_register(m);

    Process *p = proc();
    for (int i = 1; i <= 3; i++) interp_deliver(p, make_small(i));
    Term x = make_small(2);
    REQUIRE(run(p, "Elixir.Rcv", "recv", 1, &x) == RUN_DONE);
    CHECK(interp_result(p) == A_("got"));
    mailbox_take_new(&p->mbox);
    REQUIRE(mailbox_len(&p->mbox) == 2);
    CHECK(p->mbox.first->term == make_small(1) && p->mbox.first->link->term == make_small(3));
    CHECK(p->mbox.save == &p->mbox.first);
    /* Nothing matches: the process waits with a deadline, then a matching
     * message resumes it. */
    x = make_small(9);
    REQUIRE(run(p, "Elixir.Rcv", "recv", 1, &x) == RUN_WAIT);
    CHECK(p->after_ms >= 0);
    interp_deliver(p, make_small(9));
    REQUIRE(interp_run(p, 0) == RUN_DONE);
    CHECK(interp_result(p) == A_("got"));
    CHECK_EQ_INT(mailbox_len(&p->mbox), 2);
    CHECK(p->after_ms < 0);
    /* A non-matching message does not end the wait; the timeout does. */
    x = make_small(7);
    REQUIRE(run(p, "Elixir.Rcv", "recv", 1, &x) == RUN_WAIT);
    interp_deliver(p, make_small(8));
    REQUIRE(interp_run(p, 0) == RUN_WAIT);
    interp_timeout(p);
    REQUIRE(interp_run(p, 0) == RUN_DONE);
    CHECK(interp_result(p) == A_("timeout"));
    CHECK_EQ_INT(mailbox_len(&p->mbox), 3);
    CHECK(p->mbox.save == &p->mbox.first);
    /* Without `after` there is no deadline. */
    REQUIRE(run(p, "Elixir.Rcv", "recv_inf", 1, &x) == RUN_WAIT);
    CHECK(p->after_ms < 0);
    interp_deliver(p, make_small(7));
    REQUIRE(interp_run(p, 0) == RUN_DONE);
    CHECK(interp_result(p) == A_("got"));

    /* Queued messages live in their own fragments, untouched by the
     * receiver's collections. */
    Process *q = proc();
    for (int i = 0; i < 100; i++) interp_deliver(q, make_tuple2(q, make_small(i), T_NIL));
    Term args[2] = { make_small(BUILD_N), T_NIL };
    REQUIRE(run(q, "Elixir.T", "build", 2, args) == RUN_DONE);
    CHECK(q->gc_count > 0);
    mailbox_take_new(&q->mbox);
    bool ok = mailbox_len(&q->mbox) == 100;
    SInt i = 0;
    for (Message *m = q->mbox.first; ok && m; m = m->link, i++)
        ok = is_tuple(m->term) && tuple_elems(m->term)[0] == make_small(i);
    CHECK(ok);
    CHECK_EQ_INT(gc_verify_heap(q), 0);
    process_free(q);
    process_free(p);
}

static int autoload_calls;
static Module *autoload_lazy(Term name) {
    autoload_calls++;
    if (name != A_("Elixir.Lazy")) return NULL;
    Module *m = new_module("Elixir.Lazy");
    Asm a = { .n = 0 };
    emit(&a, OPC_LOADI, 0, 99);
    emit(&a, OPC_RET, 0);
    add_func(m, "answer", 0, 1, &a);
    module_register(m);
    return m;
}

static void test_module_autoload(void) {
    module_set_autoload(autoload_lazy);
    CHECK(module_find(A_("Elixir.Lazy")) != NULL);
    CHECK_EQ_INT(autoload_calls, 1);
    CHECK(module_find(A_("Elixir.Lazy")) != NULL); /* registered now: no second load */
    CHECK_EQ_INT(autoload_calls, 1);
    CHECK(module_find(A_("Elixir.NotThere")) == NULL);
    CHECK(module_available(ATOM_erlang));          /* natives only */
    CHECK(!module_available(A_("Elixir.NotThere")));
    Process *p = proc();
    REQUIRE(run(p, "Elixir.Lazy", "answer", 0, NULL) == RUN_DONE);
    CHECK(interp_result(p) == make_small(99));
    ExportRef e;
    CHECK(module_resolve(A_("Elixir.T"), A_("fib"), 1, &e) && e.module == T && !e.native);
    CHECK(module_resolve(ATOM_erlang, A_("self"), 0, &e) && e.native == core_self);
    CHECK(!module_resolve(A_("Elixir.T"), A_("fib"), 2, &e));
    CHECK(!module_resolve(A_("Elixir.T"), A_("-adder/1-fun-0-"), 2, &e)); /* not exported */
    module_set_autoload(NULL);
    process_free(p);
}

static void test_dictionary(void) {
    Process *p = proc();
    Term a[2] = { ATOM_ok, make_small(1) };
    CHECK(core_dict_put(p, a) == ATOM_nil);
    a[1] = make_small(2);
    CHECK(core_dict_put(p, a) == make_small(1));
    CHECK(core_dict_get1(p, a) == make_small(2));
    Term b[2] = { ATOM_error, make_small(9) };
    CHECK(core_dict_get2(p, b) == make_small(9));
    CHECK(core_dict_put(p, b) == ATOM_nil);
    CHECK(core_dict_delete(p, a) == make_small(2));
    CHECK(core_dict_get1(p, a) == ATOM_nil);
    CHECK(core_dict_get1(p, b) == make_small(9));
    process_free(p);
}

int main(void) {
    atom_init();
    module_table_init();
    build_module();
    RUN(test_arith_and_calls);
    RUN(test_equality_and_order);
    RUN(test_move2_order);
    RUN(test_tail_calls_constant_stack);
    RUN(test_deep_recursion);
    RUN(test_stack_limit);
    RUN(test_try_raise);
    RUN(test_tail_call_drops_handlers);
    RUN(test_function_clause_trace);
    RUN(test_closures);
    RUN(test_imports_natives_apply);
    RUN(test_reductions);
    RUN(test_gc_under_allocation);
    RUN(test_receive);
    RUN(test_module_autoload);
    RUN(test_dictionary);
    return unit_summary();
}
