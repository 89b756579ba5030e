/* interp.c — the bytecode interpreter.
 *
 * One C function, interp_run, executes every instruction of opcodes.def for
 * one process. Guest calls never recurse on the C stack: a call pushes a
 * Frame (interp.h) and jumps to the callee's first instruction; a return pops
 * it. The dispatch is computed goto (ACT_COMPUTED_GOTO) or a switch, both
 * generated from opcodes.def.
 *
 * Local state of the loop (the "cached registers" of the current frame):
 *   pc    the current instruction (its opcode word). It stays on the
 *         instruction while it executes, so that a raise or a GC sees the
 *         exact location; NEXT(n) advances past the n operand words.
 *   R     p->stack + base: the frame's registers. Re-derived after anything
 *         that may reallocate the stack (STACK_RELOAD).
 *   mod   the function's module; K is mod->literals (a macro, not a local).
 *   code  the function's code (jump targets).
 *   The running Function itself is not cached (fewer live locals keep these
 *   in machine registers); slow paths read it from the innermost Frame.
 *
 * Points where the loop may leave its straight path are named:
 *   SAFEPOINT(need)  allocation of `need` words: collects first if the heap
 *                    lacks room (or GC is wanted / stressed). Terms held in C
 *                    locals across it are dead: re-read registers after it.
 *   RAISE_REASON(r)  raise error:r with a fresh stack trace and unwind to the
 *                    innermost handler (or leave with RUN_ERROR).
 *   enter / ret_value / invoke   the call machinery below.
 *
 * Leaving the loop: RUN_DONE (bottom frame returned), RUN_ERROR (no handler),
 * RUN_YIELD (reductions spent, checked at function entry: p->pc is the
 * callee's first instruction), RUN_WAIT (WAIT / WAIT_TIMEOUT found no
 * matching message: p->pc is the receive loop's start, which re-scans from
 * the save position when the process runs again; p->after_ms says when an
 * `after` fires, see interp_timeout), and RUN_YIELD when a receive took an
 * exit signal that ends the process (p->pending_exit).
 */
#include "config.h"
#include "interp.h"
#include "opinfo.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include "native.h"
#include "arith.h"
#include "termops.h"
#include "map.h"
#include "binary.h"
#include "inspect.h"
#include "mailbox.h"
#include "signals.h"
#include "runtime.h"
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <time.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

size_t interp_max_stack_words = (size_t)64 << 20;
size_t interp_max_frames = (size_t)10 << 20;

#ifdef ACT_GC_STRESS
#define GC_STRESS 1
#else
#define GC_STRESS 0
#endif

/* ---- the boot function -----------------------------------------------
 * The bottom frame of a process set up by interp_setup_*: R[0..3) hold
 * {module, function, argument list} and its only instruction tail-applies
 * them, so the target replaces it (or, for a native, its result is returned
 * at once). It belongs to boot_module, which stack traces skip. */
static const uint32_t boot_code[] = { OPC_TAPPLY, 0 };
static const Function boot_fn = {
    .name = ATOMIX_undefined << 6 | IMM_ATOM, .arity = 0, .nregs = 3,
    .code = (uint32_t *)boot_code, .code_len = 2,
};
static Module boot_module = { .name = ATOMIX_erlang << 6 | IMM_ATOM, .file = "" };

/* ---- stack and frame growth ---------------------------------------- */

/* Make room for `need` stack words. False past interp_max_stack_words. */
static bool stack_reserve(Process *p, size_t need) {
    if (need <= p->stack_cap) return true;
    if (need > interp_max_stack_words) return false;
    /* Small first: an idle process should cost little memory. */
    size_t cap = p->stack_cap ? p->stack_cap : 16;
    while (cap < need) cap *= 2;
    if (cap > interp_max_stack_words) cap = interp_max_stack_words;
    Term *s = realloc(p->stack, cap * sizeof(Term));
    if (!s) return false;
    p->stack = s;
    p->stack_cap = cap;
    return true;
}

static bool frames_grow(Process *p) {
    if (p->nframes >= interp_max_frames) return false;
    size_t cap = p->frames_cap ? p->frames_cap * 2 : 4;
    if (cap > interp_max_frames) cap = interp_max_frames;
    Frame *f = realloc(p->frames, cap * sizeof(Frame));
    if (!f) return false;
    p->frames = f;
    p->frames_cap = cap;
    return true;
}

static void handlers_grow(Process *p) {
    size_t cap = p->handlers_cap ? p->handlers_cap * 2 : 16;
    Handler *h = realloc(p->handlers, cap * sizeof(Handler));
    if (!h) heap_out_of_memory("try handlers", cap * sizeof(Handler));
    p->handlers = h;
    p->handlers_cap = cap;
}

/* ---- stack traces ------------------------------------------------------ */

static Term charlist_of(Process *p, const char *s) {
    size_t n = strlen(s);
    Term l = T_NIL;
    /* Bytes, not code points: file names are ASCII in practice. */
    while (n > 0) l = make_cons_cell(p, make_small((unsigned char)s[--n]), l);
    return l;
}

/* {Mod, Fun, ArityOrArgs, [file: 'f', line: n]} for frame fr at code pc. */
static Term trace_entry(Process *p, const Frame *fr, const uint32_t *pc, Term arity_or_args) {
    const Function *fn = fr->fn;
    Term loc = T_NIL;
    uint32_t line = 0;
    if (pc >= fn->code && pc < fn->code + fn->code_len)
        line = function_line(fn, (uint32_t)(pc - fn->code));
    if (line) loc = make_cons_cell(p, make_tuple2(p, ATOM_line, make_small(line)), loc);
    if (fr->mod->file && fr->mod->file[0])
        loc = make_cons_cell(p, make_tuple2(p, ATOM_file, charlist_of(p, fr->mod->file)), loc);
    Term e[4] = { fr->mod->name, fn->name, arity_or_args, loc };
    return make_tuple(p, 4, e);
}

/* Trace of frames [0, depth): innermost first, top_pc inside the innermost. */
static Term build_trace(Process *p, size_t depth, const uint32_t *top_pc) {
    Term entries[INTERP_TRACE_DEPTH];
    size_t n = 0;
    const uint32_t *pc = top_pc;
    for (size_t i = depth; i-- > 0 && n < INTERP_TRACE_DEPTH;) {
        const Frame *fr = &p->frames[i];
        if (fr->mod != &boot_module)
            entries[n++] = trace_entry(p, fr, pc, make_small(fr->fn->arity));
        /* The caller is suspended inside its call instruction. */
        pc = fr->ret_pc ? fr->ret_pc - 1 : NULL;
    }
    return make_list(p, n, entries);
}

Term interp_stacktrace(Process *p, const uint32_t *top_pc) {
    return build_trace(p, p->nframes, top_pc);
}

/* ---- process set-up ---------------------------------------------------- */

static bool setup(Process *p, Term a, Term b, Term c) {
    if (p->nframes != 0) return false;
    if (!stack_reserve(p, 3)) return false;
    if (p->frames_cap == 0 && !frames_grow(p)) return false;
    p->stack[0] = a; p->stack[1] = b; p->stack[2] = c;
    p->stack_top = 3;
    p->frames[0] = (Frame){ .fn = &boot_fn, .mod = &boot_module, .ret_pc = NULL, .base = 0 };
    p->nframes = 1;
    p->nhandlers = 0;
    p->pc = boot_fn.code;
    return true;
}

bool interp_setup_apply(Process *p, Term mod, Term fun, Term args) {
    return setup(p, mod, fun, args);
}

bool interp_setup_fun(Process *p, Term fun, Term args) {
    /* erlang:apply(Fun, Args) traps into the fun call. */
    Term l = make_list(p, 2, (Term[]){ fun, args });
    return setup(p, ATOM_erlang, ATOM_apply, l);
}

Term interp_result(const Process *p) {
    return p->stack_top ? p->stack[0] : T_NIL;
}

/* ---- mailbox ------------------------------------------------------------ */

void interp_deliver(Process *p, Term msg) {
    mailbox_push(&p->mbox, mailbox_msg_new(msg));
}

void interp_timeout(Process *p) {
    if (p->timeout_pc) p->pc = p->timeout_pc;
    p->after_ms = -1;
}

/* ---- helpers of the loop ----------------------------------------------- */

/* Length of a proper list, or -1. */
static long list_length(Term l) {
    long n = 0;
    while (is_cons(l)) { n++; l = CDR(l); }
    return is_nil(l) ? n : -1;
}

static inline Term *alloc_words(Process *p, size_t n) {
    if ((size_t)(p->hend - p->htop) >= n) {
        Term *hp = p->htop;
        p->htop += n;
        return hp;
    }
    return heap_alloc(p, n);
}

/* Set q[0..n) to []: a callee's registers beyond its arguments. Usually a
 * handful, so a straight-line switch beats a (vectorised) loop's set-up. */
static inline void clear_regs(Term *q, uint32_t n) {
    switch (n) {
    case 8: q[7] = T_NIL; /* fallthrough */
    case 7: q[6] = T_NIL; /* fallthrough */
    case 6: q[5] = T_NIL; /* fallthrough */
    case 5: q[4] = T_NIL; /* fallthrough */
    case 4: q[3] = T_NIL; /* fallthrough */
    case 3: q[2] = T_NIL; /* fallthrough */
    case 2: q[1] = T_NIL; /* fallthrough */
    case 1: q[0] = T_NIL; /* fallthrough */
    case 0: return;
    default:
        for (uint32_t i = 0; i < n; i++) q[i] = T_NIL;
    }
}

/* Copy n registers from src to dst, where dst <= src (arguments sliding
 * down to a callee's window) or the ranges are disjoint. Usually one to three
 * words: GCC turns a plain loop into a call to memmove, which costs more than
 * the copy, so small counts are spelled out (each loads before it stores, as
 * the ranges may overlap). */
static inline void move_down(Term *dst, const Term *src, uint32_t n) {
    switch (n) {
    case 0: return;
    case 1: dst[0] = src[0]; return;
    case 2: { Term a = src[0], b = src[1]; dst[0] = a; dst[1] = b; return; }
    case 3: { Term a = src[0], b = src[1], c = src[2]; dst[0] = a; dst[1] = b; dst[2] = c; return; }
    case 4: {
        Term a = src[0], b = src[1], c = src[2], d = src[3];
        dst[0] = a; dst[1] = b; dst[2] = c; dst[3] = d;
        return;
    }
    default:
        for (uint32_t i = 0; i < n; i++) dst[i] = src[i];
    }
}

/* Immediates (smalls, atoms, pids, [], ...) are equal, even under ==, only
 * when they are the same word (integers are canonical: term.h); only
 * pointer terms need the general comparisons. A small can == a float. */
static inline bool is_ptr(Term t) { return is_boxed(t) || is_cons(t); }
#define EQ(x, y) ((x) == (y) || ((is_ptr(x) || is_ptr(y)) && term_eq((x), (y))))
#define EQX(x, y) ((x) == (y) || (is_ptr(x) && is_ptr(y) && term_eqx((x), (y))))

static inline bool is_falsy(Term t) { return t == ATOM_nil || t == ATOM_false; }
/* A fun whose version is being purged (or was) cannot be called: badfun,
 * as on the BEAM (module.h, MOD_PURGING). Relaxed: the purge reaches the
 * process through a signal before the purge relies on it. */
#define FUN_PURGED(fe) unlikely(atomic_load_explicit(&(fe)->module->state, memory_order_relaxed) >= MOD_PURGING)

/* Sub-binary of bin from byte `off` to its end (bin is any binary). */
static Term binary_rest(Process *p, Term bin, size_t off) {
    size_t len;
    binary_bytes(bin, &len);
    return binary_sub(p, bin, off, len - off);
}

/* The BEAM's message for a failed `<>` (construction of a binary): names the
 * first operand (1-based segment) that is not a binary. */
static void concat_error(Process *p, uint32_t n, const Term *segs) {
    uint32_t i = 0;
    while (i < n && is_binary(segs[i])) i++;
    if (i == n) return; /* binary_concat raised for another reason: keep it */
    StrBuf b = { 0 };
    strbuf_printf(&b, "construction of binary failed: segment %u of type 'binary': expected a binary but got: ", i + 1);
    inspect_to_buf(&b, segs[i], &inspect_default_opts);
    native_raise_msg(p, "Elixir.ArgumentError", b.data);
    strbuf_free(&b);
}

static void arith_trace(Process *p, const uint32_t *pc, const char *op, unsigned n, Term x, Term y) {
    Term tr = build_trace(p, p->nframes, pc);
    if (p->exc_class == ATOM_error && p->exc_reason == ATOM_badarith) {
        Term args = make_list(p, n, (Term[]){ x, y });
        Term e = make_tuple(p, 4, (Term[]){ ATOM_erlang, atom_intern_cstr(op), args, T_NIL });
        tr = make_cons_cell(p, e, tr);
    }
    p->exc_trace = tr;
}

/* ---- the loop -----------------------------------------------------------*/

#ifdef ACT_COMPUTED_GOTO
#define DISPATCH() goto *labels[*pc]
#define CASE(name) L_##name:
#else
#define DISPATCH() goto dispatch
#define CASE(name) case OPC_##name:
#endif

#ifdef ACT_TRACE
#undef DISPATCH
#define DISPATCH() do { trace_op(p, p->frames[p->nframes - 1].fn, mod, pc); goto dispatch_traced; } while (0)
static void trace_op(Process *p, const Function *fn, const Module *mod, const uint32_t *pc) {
    size_t ln;
    const char *mn = atom_name(mod->name, &ln);
    size_t fl;
    const char *fnn = atom_name(fn->name, &fl);
    fprintf(stderr, "[%p] %.*s.%.*s/%u @%u: %s\n", (void *)p, (int)ln, mn, (int)fl, fnn, fn->arity,
            (unsigned)(pc - fn->code), *pc < OPC__COUNT ? op_info[*pc].name : "?");
}
#endif

#define NEXT(nops) do { pc += 1 + (nops); DISPATCH(); } while (0)
#define JUMP_TO(target) do { pc = code + (target); DISPATCH(); } while (0)
#define A (pc[1])
#define B (pc[2])
#define C (pc[3])
#define D (pc[4])
#define RA R[pc[1]]
#define RB R[pc[2]]
#define RC R[pc[3]]
#define STACK_RELOAD() (R = p->stack + base)

static inline bool lacks_room(const Process *p, size_t need) { return (size_t)(p->hend - p->htop) < need; }

/* Collect, after making p->stack_top exact: the highest register window
 * end of all frames (interp.h). Costs a walk of the frames, as the GC
 * scans all of their registers anyway. */
static void collect(Process *p, size_t need) {
    /* Under GC stress most safe points skip the collection; skip the O(depth)
     * walk below with it, or deep recursion turns quadratic. */
    if (gc_stress_skip(p, need)) return;
    size_t top = 0;
    for (size_t i = 0; i < p->nframes; i++) {
        size_t t = (size_t)p->frames[i].base + p->frames[i].fn->nregs;
        if (t > top) top = t;
    }
    p->stack_top = top;
    gc_collect(p, need, NULL, 0);
}

/* A receive ended: forget its `after` and cancel its timer if armed. */
#define RECEIVE_DONE() do {                                                   \
        p->after_ms = -1;                                                     \
        p->in_wait = false;                                                   \
        if (unlikely(p->timer_armed)) runtime_receive_done(p);               \
    } while (0)

#define SAFEPOINT(need) do {                                                  \
        if (unlikely(GC_STRESS || p->gc_wanted || lacks_room(p, (need)))) {   \
            collect(p, (need));                                               \
        }                                                                     \
    } while (0)

#define RAISE_REASON(r) do { p->exc_class = ATOM_error; p->exc_reason = (r); p->exc_trace = T_NIL; goto raise_fresh; } while (0)
#define RAISE_TUPLE(tag, v) do { Term t_ = make_tuple2(p, (tag), (v)); RAISE_REASON(t_); } while (0)
/* A slow-path call returned T_NONE: the exception is already set. */
#define CHECK_NONE(v) do { if (unlikely((v) == T_NONE)) goto raise_fresh; } while (0)
/* An arithmetic slow path failed: as on the BEAM, the operator (an erlang
 * BIF) heads the stack trace with its arguments, e.g. {:erlang, :+, [1, :a], []}. */
#define CHECK_ARITH(v, opname, n, x, y) do {                                  \
        if (unlikely((v) == T_NONE)) {                                        \
            arith_trace(p, pc, (opname), (n), (x), (y));                      \
            goto unwind;                                                      \
        }                                                                     \
    } while (0)

RunStatus interp_run(Process *p, int reductions) {
#ifdef ACT_COMPUTED_GOTO
    static const void *const labels[] = {
#define OP(name, ops, eff, doc) &&L_##name,
#include "opcodes.def"
#undef OP
    };
#endif
    if (p->nframes == 0) return RUN_DONE;

    const bool unlimited = reductions <= 0;
    int fcalls = unlimited ? INT_MAX : reductions;
    const int budget = fcalls;

    /* Cached state of the innermost frame (its Function is only read from
     * the Frame: the hot paths never need it). */
    Module *mod;
    const uint32_t *code, *pc;
    uint32_t base;
    Term *R;

    /* The literals are read through mod (no local of their own: one live
     * value fewer across the dispatch keeps mod in a machine register). */
#define K (mod->literals)

    /* Operands of the call machinery (see `invoke`). */
    const Function *g;       /* callee (bytecode) */
    Module *gm;              /* its module */
    uint32_t nb;             /* absolute stack index of the callee's R[0] */
    uint32_t nvalid;         /* callee registers already holding arguments */
    uint32_t nargs;          /* arguments at stack[nb..nb+nargs) */
    bool tail;               /* tail call: replace the current frame */
    const uint32_t *rpc;     /* resume pc of a non-tail call */
    ExportRef tgt;           /* resolved target */
    Term rv;                 /* value being returned */
    Term callee;             /* fun being called (call_fun) */
    Term am = T_NIL, af = T_NIL, al;       /* apply: module, function, argument list */

    /* A tail call replaces the frame: handlers it pushed cannot survive it
     * (codegen never tail-calls inside a try body; this keeps a stray
     * handler from unwinding into code that is gone). */
#define DROP_FRAME_HANDLERS() do {                                            \
        while (unlikely(p->nhandlers) && p->handlers[p->nhandlers - 1].nframes >= p->nframes) \
            p->nhandlers--;                                                   \
    } while (0)

#define LOAD_FRAME() do {                                                     \
        Frame *f_ = &p->frames[p->nframes - 1];                               \
        mod = f_->mod; base = f_->base; code = f_->fn->code;                  \
        R = p->stack + base;                                                  \
    } while (0)

    LOAD_FRAME();
    pc = p->pc;
    DISPATCH();

#ifdef ACT_TRACE
dispatch_traced:
#ifdef ACT_COMPUTED_GOTO
    goto *labels[*pc];
#else
    goto dispatch;
#endif
#endif

#ifndef ACT_COMPUTED_GOTO
dispatch:
    switch (*pc) {
#endif

    /* ---- moves and constants ---- */
    CASE(MOVE) { RA = RB; NEXT(2); }
    CASE(LOADK) { RA = K[B]; NEXT(2); }
    CASE(LOADI) { RA = make_small((int32_t)B); NEXT(2); }
    CASE(NOP) { NEXT(0); }
    /* In order: the second move reads R[d] after the first wrote R[a]. */
    CASE(MOVE2) { RA = RB; R[C] = R[D]; NEXT(4); }

    /* ---- control ---- */
    CASE(JUMP) { JUMP_TO(A); }
    CASE(JTRUTHY) { if (!is_falsy(RA)) JUMP_TO(B); NEXT(2); }
    CASE(JFALSY) { if (is_falsy(RA)) JUMP_TO(B); NEXT(2); }

    /* ---- type tests ---- */
#define TYPE_TEST(name, cond) CASE(name) { Term x = RA; (void)x; if (!(cond)) JUMP_TO(B); NEXT(2); }
    TYPE_TEST(IS_INTEGER, is_integer(x))
    TYPE_TEST(IS_FLOAT, is_float(x))
    TYPE_TEST(IS_NUMBER, is_number(x))
    TYPE_TEST(IS_ATOM, is_atom(x))
    TYPE_TEST(IS_BOOLEAN, is_boolean(x))
    TYPE_TEST(IS_BINARY, is_binary(x))
    TYPE_TEST(IS_LIST, is_list(x))
    TYPE_TEST(IS_CONS, is_cons(x))
    TYPE_TEST(IS_NIL, is_nil(x))
    TYPE_TEST(IS_TUPLE, is_tuple(x))
    TYPE_TEST(IS_MAP, is_map(x))
    TYPE_TEST(IS_FUN, is_fun(x))
    TYPE_TEST(IS_PID, is_pid(x))
    TYPE_TEST(IS_REF, is_ref(x))
#undef TYPE_TEST
    CASE(IS_TUPLE_OF) {
        Term x = RA;
        if (!is_tuple(x) || tuple_arity(x) != B) JUMP_TO(C);
        NEXT(3);
    }
    CASE(IS_EQX) {
        Term x = RA, y = RB;
        if (!EQX(x, y)) JUMP_TO(C);
        NEXT(3);
    }
    CASE(IS_EQX_K) {
        Term x = RA, y = K[B];
        if (!EQX(x, y)) JUMP_TO(C);
        NEXT(3);
    }
    /* Two smalls compare as signed words: the tag preserves order. */
    CASE(TEST_EQ) { if (!EQ(RA, RB)) JUMP_TO(C); NEXT(3); }
    CASE(TEST_NE) { if (EQ(RA, RB)) JUMP_TO(C); NEXT(3); }
    /* x OP y in term order, with the two-smalls case inline. */
#define ORDER(x, y, OP) ((is_small(x) && is_small(y)) ? ((SInt)(x) OP (SInt)(y)) : (term_compare((x), (y)) OP 0))
/* The test form: each side branches on its own comparison (GCC materialises
 * ORDER's value in a register before testing it). */
#define TEST_ORDER(x, y, OP, target) do {                                     \
        if (likely(is_small(x) && is_small(y))) {                            \
            if (!((SInt)(x) OP (SInt)(y))) JUMP_TO(target);                  \
        } else if (!(term_compare((x), (y)) OP 0)) {                         \
            JUMP_TO(target);                                                  \
        }                                                                     \
    } while (0)
    CASE(TEST_LT) { Term x = RA, y = RB; TEST_ORDER(x, y, <, C); NEXT(3); }
    CASE(TEST_LE) { Term x = RA, y = RB; TEST_ORDER(x, y, <=, C); NEXT(3); }
    CASE(TEST_GT) { Term x = RA, y = RB; TEST_ORDER(x, y, >, C); NEXT(3); }
    CASE(TEST_GE) { Term x = RA, y = RB; TEST_ORDER(x, y, >=, C); NEXT(3); }
    /* The immediate forms: y is a small, so ORDER's fast path needs only x's tag. */
#define IMM_B make_small((int32_t)B)
    CASE(TEST_EQI) { Term x = RA, y = IMM_B; if (!EQ(x, y)) JUMP_TO(C); NEXT(3); }
    CASE(TEST_NEI) { Term x = RA, y = IMM_B; if (EQ(x, y)) JUMP_TO(C); NEXT(3); }
    CASE(TEST_LTI) { Term x = RA, y = IMM_B; TEST_ORDER(x, y, <, C); NEXT(3); }
    CASE(TEST_LEI) { Term x = RA, y = IMM_B; TEST_ORDER(x, y, <=, C); NEXT(3); }
    CASE(TEST_GTI) { Term x = RA, y = IMM_B; TEST_ORDER(x, y, >, C); NEXT(3); }
    CASE(TEST_GEI) { Term x = RA, y = IMM_B; TEST_ORDER(x, y, >=, C); NEXT(3); }
#undef IMM_B

    /* ---- destructuring ---- */
    CASE(GET_HD) { RA = CAR(RB); NEXT(2); }
    CASE(GET_TL) { RA = CDR(RB); NEXT(2); }
    CASE(GET_ELEM) { RA = tuple_elems(RB)[C]; NEXT(3); }
    CASE(MAP_GET) {
        if (unlikely(!is_map(RB))) JUMP_TO(D);
        Term v = map_get(RB, RC);
        if (v == T_NONE) JUMP_TO(D);
        RA = v;
        NEXT(4);
    }
    CASE(MATCH_PREFIX) {
        Term bin = RB;
        size_t blen, plen;
        if (!is_binary(bin)) JUMP_TO(D);
        const uint8_t *bb = binary_bytes(bin, &blen);
        const uint8_t *pb = binary_bytes(K[C], &plen);
        if (blen < plen || memcmp(bb, pb, plen) != 0) JUMP_TO(D);
        SAFEPOINT(8);
        Term rest = binary_rest(p, RB, plen);
        CHECK_NONE(rest);
        RA = rest;
        NEXT(4);
    }

    /* ---- construction ---- */
    CASE(CONS) {
        SAFEPOINT(2);
        Term *hp = alloc_words(p, 2);
        hp[0] = RB; hp[1] = RC;
        RA = make_cons(hp);
        NEXT(3);
    }
    CASE(TUPLE) {
        uint32_t n = C;
        SAFEPOINT(1 + n);
        Term *hp = alloc_words(p, 1 + n);
        hp[0] = make_header(BOX_TUPLE, n);
        move_down(hp + 1, &RB, n);
        RA = make_boxed(hp);
        NEXT(3);
    }
    CASE(MAP_NEW) {
        uint32_t n = C;
        SAFEPOINT(2 + 2 * n);
        Term m = map_from_pairs(p, n, &RB);
        CHECK_NONE(m);
        RA = m;
        NEXT(3);
    }
    CASE(MAP_UPDATE) {
        uint32_t n = D;
        SAFEPOINT(2 + 2 * (size_t)n);
        Term m = map_update(p, RB, n, &RC);
        CHECK_NONE(m);
        RA = m;
        NEXT(4);
    }
    CASE(CLOSURE) {
        const FunEntry *fe = &mod->lambdas[B];
        uint32_t nfree = fe->nfree;
        SAFEPOINT(2 + nfree);
        Term *hp = alloc_words(p, 2 + nfree);
        hp[0] = make_header(BOX_FUN, 1 + nfree);
        hp[1] = (Term)fe;
        move_down(hp + 2, &RC, nfree);
        RA = make_boxed(hp);
        NEXT(3);
    }
    CASE(BIN_CONCAT) {
        SAFEPOINT(0);
        Term b = binary_concat(p, C, &RB);
        if (unlikely(b == T_NONE)) {
            concat_error(p, C, &RB);
            goto raise_fresh;
        }
        RA = b;
        NEXT(3);
    }
    CASE(TO_STRING) {
        Term x = RB;
        if (!is_binary(x)) {
            SAFEPOINT(0);
            x = term_to_string(p, RB);
            CHECK_NONE(x);
        }
        RA = x;
        NEXT(2);
    }

    /* ---- arithmetic ---- */
    CASE(ADD) {
        Term x = RB, y = RC;
        SInt r;
        if (likely(is_small(x) && is_small(y)) && !__builtin_add_overflow((SInt)x, (SInt)(y - 1), &r)) {
            RA = (Term)r;
        } else {
            Term v = arith_add(p, x, y);
            CHECK_ARITH(v, "+", 2, x, y);
            RA = v;
        }
        NEXT(3);
    }
    CASE(SUB) {
        Term x = RB, y = RC;
        SInt r;
        if (likely(is_small(x) && is_small(y)) && !__builtin_sub_overflow((SInt)x, (SInt)(y - 1), &r)) {
            RA = (Term)r;
        } else {
            Term v = arith_sub(p, x, y);
            CHECK_ARITH(v, "-", 2, x, y);
            RA = v;
        }
        NEXT(3);
    }
    CASE(MUL) {
        Term x = RB, y = RC;
        SInt r;
        if (likely(is_small(x) && is_small(y)) && !__builtin_mul_overflow(small_val(x), small_val(y), &r)
            && small_fits(r)) {
            RA = make_small(r);
        } else {
            Term v = arith_mul(p, x, y);
            CHECK_ARITH(v, "*", 2, x, y);
            RA = v;
        }
        NEXT(3);
    }
    CASE(FDIV) {
        Term v = arith_fdiv(p, RB, RC);
        CHECK_NONE(v);
        RA = v;
        NEXT(3);
    }
    CASE(IDIV) {
        Term x = RB, y = RC;
        if (is_small(x) && is_small(y) && y != make_small(0) && !(small_val(x) == SMALL_MIN && small_val(y) == -1)) {
            RA = make_small(small_val(x) / small_val(y));
        } else {
            Term v = arith_idiv(p, x, y);
            CHECK_ARITH(v, "div", 2, x, y);
            RA = v;
        }
        NEXT(3);
    }
    CASE(REM) {
        Term x = RB, y = RC;
        if (is_small(x) && is_small(y) && y != make_small(0) && small_val(y) != -1) {
            RA = make_small(small_val(x) % small_val(y));
        } else {
            Term v = arith_rem(p, x, y);
            CHECK_ARITH(v, "rem", 2, x, y);
            RA = v;
        }
        NEXT(3);
    }
    CASE(NEG) {
        Term x = RB;
        if (is_small(x) && small_val(x) != SMALL_MIN) {
            RA = make_small(-small_val(x));
        } else {
            Term v = arith_neg(p, x);
            CHECK_ARITH(v, "-", 1, x, T_NIL);
            RA = v;
        }
        NEXT(2);
    }
    CASE(ADDI) {
        Term x = RB;
        SInt r;
        if (likely(is_small(x)) && !__builtin_add_overflow((SInt)x, (SInt)((uint64_t)(int64_t)(int32_t)C << 1), &r)) {
            RA = (Term)r;
        } else {
            Term v = arith_add(p, x, make_small((int32_t)C));
            CHECK_ARITH(v, "+", 2, x, make_small((int32_t)C));
            RA = v;
        }
        NEXT(3);
    }
    CASE(EQ) { RA = make_bool(EQ(RB, RC)); NEXT(3); }
    CASE(NE) { RA = make_bool(!EQ(RB, RC)); NEXT(3); }
    CASE(EQX) { Term x = RB, y = RC; RA = make_bool(EQX(x, y)); NEXT(3); }
    CASE(NEX) { Term x = RB, y = RC; RA = make_bool(!EQX(x, y)); NEXT(3); }
    CASE(LT) { Term x = RB, y = RC; RA = make_bool(ORDER(x, y, <)); NEXT(3); }
    CASE(LE) { Term x = RB, y = RC; RA = make_bool(ORDER(x, y, <=)); NEXT(3); }
    CASE(GT) { Term x = RB, y = RC; RA = make_bool(ORDER(x, y, >)); NEXT(3); }
    CASE(GE) { Term x = RB, y = RC; RA = make_bool(ORDER(x, y, >=)); NEXT(3); }
    CASE(NOT) {
        Term x = RB;
        if (x == ATOM_true) RA = ATOM_false;
        else if (x == ATOM_false) RA = ATOM_true;
        else RAISE_REASON(ATOM_badarg);
        NEXT(2);
    }
    CASE(BOOL_CHECK) {
        Term x = RB;
        if (unlikely(!is_boolean(x))) {
            Term op = atom_intern_cstr(A ? "or" : "and");
            Term t = make_tuple3(p, ATOM_badbool, op, x);
            RAISE_REASON(t);
        }
        NEXT(2);
    }

    /* ---- calls ---- */
    CASE(CALL) {
        /* Inline fast path; the generic push_enter handles growth. */
        const Function *h = &mod->funcs[B];
        uint32_t hb = base + A, hn = h->nregs;
        if (unlikely(p->nframes == p->frames_cap || hb + hn > p->stack_cap)) {
            tail = false; g = h; gm = mod; nb = hb; nvalid = h->arity; rpc = pc + 3;
            goto push_enter;
        }
        Frame *f = &p->frames[p->nframes++];
        f->fn = h; f->mod = mod; f->ret_pc = pc + 3; f->base = hb;
        R += A;
        clear_regs(R + h->arity, hn - h->arity);
        base = hb; code = h->code; pc = code;
        if (unlikely(--fcalls <= 0 || p->gc_wanted || GC_STRESS)) goto enter_slow;
        DISPATCH();
    }
    CASE(TCALL) {
        const Function *h = &mod->funcs[B];
        uint32_t n = h->arity, hn = h->nregs;
        if (unlikely(base + hn > p->stack_cap)) {
            tail = true; g = h; gm = mod; nvalid = n; nb = base;
            if (A != 0) move_down(R, R + A, n);
            goto enter;
        }
        if (A != 0) move_down(R, R + A, n);
        clear_regs(R + n, hn - n);
        p->frames[p->nframes - 1].fn = h;
        DROP_FRAME_HANDLERS();
        code = h->code; pc = code;
        if (unlikely(--fcalls <= 0 || p->gc_wanted || GC_STRESS)) goto enter_slow;
        DISPATCH();
    }
    CASE(CALLX) {
        tail = false;
        rpc = pc + 3;
        goto callx;
    }
    CASE(TCALLX) {
        tail = true;
        rpc = NULL;
        goto callx;
    }
    CASE(CALLF) {
        /* Short cut for a lambda of the right arity: straight to
         * push_enter (which handles growth); export funs and errors go
         * through callf. */
        Term fv = RA;
        tail = false;
        rpc = pc + 3;
        if (likely(is_boxed(fv))) {
            const Term *fp = boxed_ptr(fv);
            const FunEntry *fe;
            if (likely(header_type(fp[0]) == BOX_FUN) && (fe = (const FunEntry *)fp[1], likely(fe->arity == B))
                && likely(!FUN_PURGED(fe))) {
                nb = base + A;
                nvalid = B + fe->nfree;
                if (likely((size_t)nb + nvalid <= p->stack_cap)) {
                    move_down(R + A, R + A + 1, B);
                    move_down(R + A + B, fp + 2, fe->nfree);
                    gm = fe->module;
                    g = &gm->funcs[fe->func];
                    goto push_enter;
                }
            }
        }
        goto callf;
    }
    CASE(TCALLF) {
        tail = true;
        rpc = NULL;
        goto callf;
    }
    CASE(APPLY) {
        tail = false;
        rpc = pc + 2;
        goto apply;
    }
    CASE(TAPPLY) {
        tail = true;
        rpc = NULL;
        goto apply;
    }
    CASE(RET) {
        Frame *f = &p->frames[--p->nframes];
        R[0] = RA;
        if (unlikely(f->ret_pc == NULL)) goto done;
        pc = f->ret_pc;
        if (unlikely(p->nhandlers)) {
            while (p->nhandlers && p->handlers[p->nhandlers - 1].nframes > p->nframes) p->nhandlers--;
        }
        f--;
        mod = f->mod; base = f->base; code = f->fn->code;
        R = p->stack + base;
        DISPATCH();
    }

    /* ---- exceptions ---- */
    CASE(TRY) {
        if (unlikely(p->nhandlers == p->handlers_cap)) handlers_grow(p);
        p->handlers[p->nhandlers++] = (Handler){ .pc = code + B, .nframes = (uint32_t)p->nframes, .reg = base + A };
        NEXT(2);
    }
    CASE(TRY_END) {
        if (p->nhandlers > 0) p->nhandlers--;
        NEXT(0);
    }
    CASE(RAISE) {
        Term cls = RA;
        if (cls != ATOM_error && cls != ATOM_exit && cls != ATOM_throw) RAISE_REASON(ATOM_badarg);
        p->exc_class = cls;
        p->exc_reason = RB;
        p->exc_trace = T_NIL;
        goto raise_fresh;
    }
    CASE(RERAISE) {
        Term cls = RA;
        if (cls != ATOM_error && cls != ATOM_exit && cls != ATOM_throw) RAISE_REASON(ATOM_badarg);
        p->exc_class = cls;
        p->exc_reason = RB;
        p->exc_trace = RC;
        goto unwind;
    }
    CASE(BADMATCH) { RAISE_TUPLE(ATOM_badmatch, RA); }
    CASE(CASE_CLAUSE) { RAISE_TUPLE(ATOM_case_clause, RA); }
    CASE(WITH_CLAUSE) { RAISE_TUPLE(ATOM_with_clause, RA); }
    CASE(TRY_CLAUSE) { RAISE_TUPLE(ATOM_try_clause, RA); }
    CASE(COND_CLAUSE) { RAISE_REASON(ATOM_cond_clause); }
    CASE(FUNC_CLAUSE) {
        /* The top entry carries the arguments instead of the arity. */
        Term args = make_list(p, p->frames[p->nframes - 1].fn->arity, R);
        Term tr = build_trace(p, p->nframes, pc);
        if (is_cons(tr) && mod != &boot_module) tuple_elems(CAR(tr))[2] = args;
        p->exc_class = ATOM_error;
        p->exc_reason = ATOM_function_clause;
        p->exc_trace = tr;
        goto unwind;
    }

    /* ---- processes and messages ---- */
    CASE(SELF) { RA = p->pid; NEXT(1); }
    CASE(LOOP_REC) {
        /* Messages are matched in place, in their fragments (process.h). */
        Message *m = mailbox_peek(&p->mbox);
        if (!m) {
            /* Tried everything held: take what arrived since. */
            signal_take(p);
            if (unlikely(p->pending_exit)) {
                /* An exit signal: leave at once (runtime.c ends the process). */
                p->pc = pc;
                p->fcalls = fcalls;
                p->reductions += budget - fcalls;
                return RUN_YIELD;
            }
            m = mailbox_peek(&p->mbox);
            if (!m) JUMP_TO(B);
        }
        RA = m->term;
        NEXT(2);
    }
    CASE(LOOP_REC_NEXT) {
        mailbox_advance(&p->mbox);
        JUMP_TO(A);
    }
    CASE(REMOVE_MSG) {
        /* The matched message's fragment joins the heap; registers that
         * point into it stay valid (the GC now copies from it). */
        if (mailbox_peek(&p->mbox)) mailbox_remove(&p->mbox, p);
        mailbox_reset(&p->mbox);
        RECEIVE_DONE();
        NEXT(0);
    }
    CASE(TIMEOUT) {
        mailbox_reset(&p->mbox);
        RECEIVE_DONE();
        NEXT(0);
    }
    CASE(WAIT) {
        p->after_ms = -1;
        p->pc = code + A;
        goto suspend;
    }
    CASE(WAIT_TIMEOUT) {
        Term t = RA;
        /* The receive's timer fired while it waited, and no message that
         * arrived meanwhile matched: take the `after` branch. acquire:
         * pairs with the timer callback's release (runtime.c). */
        if (unlikely(p->timer_armed) && atomic_load_explicit(&p->timed_out, memory_order_acquire))
            NEXT(2);
        if (is_small(t) && small_val(t) >= 0 && small_val(t) <= 0xFFFFFFFF) {
            if (t == make_small(0)) NEXT(2); /* after 0: fires at once */
            /* The timer starts at the receive's first wait and keeps running
             * while non-matching messages arrive (as on the BEAM): the run
             * loop arms it once per receive (runtime.c). */
            p->after_ms = (int64_t)small_val(t);
            p->timeout_pc = pc + 3;
        } else if (t == ATOM_infinity) {
            p->after_ms = -1;
        } else {
            /* Erlang: a bad timeout value (not 0..2^32-1 or :infinity) is
             * error:timeout_value. */
            RAISE_REASON(ATOM_timeout_value);
        }
        p->pc = code + B;
        goto suspend;
    }

#ifndef ACT_COMPUTED_GOTO
    default:
        fprintf(stderr, "act: bad opcode %u\n", *pc);
        abort();
    }
#endif

    /* ================= the call machinery ================= */

    /* Push a frame returning to rpc, then enter g. */
push_enter:
    if (unlikely(p->nframes == p->frames_cap) && !frames_grow(p)) RAISE_REASON(ATOM_system_limit);
    p->frames[p->nframes++].ret_pc = rpc;
    /* fallthrough */

    /* Enter g (module gm) with base nb in the innermost frame, whose ret_pc
     * is already set; stack[nb..nb+nvalid) hold its arguments (and captured
     * values). */
enter: {
        uint32_t top = nb + g->nregs;
        if (unlikely(top > p->stack_cap) && !stack_reserve(p, top)) goto stack_overflow;
        Term *r = p->stack + nb;
        if (nvalid < g->nregs) clear_regs(r + nvalid, g->nregs - nvalid);
        Frame *f = &p->frames[p->nframes - 1];
        f->fn = g; f->mod = gm; f->base = nb;
        if (tail) DROP_FRAME_HANDLERS();
        mod = gm; base = nb; R = r; code = g->code; pc = code;
        if (unlikely(--fcalls <= 0 || p->gc_wanted || GC_STRESS)) goto enter_slow;
        DISPATCH();
    }

enter_slow:
    if (p->gc_wanted || GC_STRESS) collect(p, 0);
    if (fcalls <= 0) {
        if (unlimited) {
            p->reductions += INT_MAX;
            fcalls = INT_MAX;
        } else {
            p->pc = pc;
            p->fcalls = 0;
            p->reductions += budget;
            return RUN_YIELD;
        }
    }
    DISPATCH();

stack_overflow:
    /* The frame pushed for a non-tail call is dropped; the caller (still
     * the cached frame) raises. */
    if (!tail) p->nframes--;
    RAISE_REASON(ATOM_system_limit);

ret_value: {
        Frame *f = &p->frames[--p->nframes];
        p->stack[f->base] = rv;
        if (unlikely(f->ret_pc == NULL)) goto done;
        pc = f->ret_pc;
        while (p->nhandlers && p->handlers[p->nhandlers - 1].nframes > p->nframes) p->nhandlers--;
        LOAD_FRAME();
        DISPATCH();
    }

suspend:
    p->fcalls = fcalls;
    p->reductions += budget - fcalls;
    return RUN_WAIT;

done:
    p->nframes = 0;
    p->nhandlers = 0;
    p->stack_top = 1;
    p->reductions += budget - fcalls;
    p->fcalls = fcalls;
    return RUN_DONE;

    /* CALLX/TCALLX: import B with arguments at R[A..). */
callx: {
        const Import *imp = &mod->imports[B];
        nb = base + A;
        nargs = nvalid = imp->arity;
        /* acquire: pairs with module_cache_import's release. The entry is
         * immutable; a load of a new version clears (never rewrites) the
         * pointer, so a remote call reaches the current version (module.c). */
        const ExportRef *e = atomic_load_explicit(&mod->import_ref[B], memory_order_acquire);
        if (unlikely(!e)) {
            e = module_resolve_ref(imp->module, imp->name, imp->arity);
            if (!e) {
                am = imp->module; af = imp->name;
                goto raise_undef_regs;
            }
            module_cache_import(mod, B, e);
        }
        tgt = *e;
        am = imp->module; af = imp->name;
        goto invoke;
    }

    /* CALLF/TCALLF: fun R[A], arguments R[A+1..A+B]. */
callf:
    callee = RA;
    nargs = B;
    move_down(R + A, R + A + 1, nargs);
    nb = base + A;
    goto call_fun;

    /* APPLY/TAPPLY: module R[A], function R[A+1], argument list R[A+2]. */
apply:
    am = RA; af = R[A + 1]; al = R[A + 2];
    nb = base + A;
    goto apply_list;

    /* Call am:af(al...) (am == T_NONE: call fun af) with the arguments
     * unpacked to stack[nb..). */
apply_list: {
        long n = list_length(al);
        if (n < 0 || (am != T_NONE && (!is_atom(am) || !is_atom(af)))) RAISE_REASON(ATOM_badarg);
        if (!stack_reserve(p, (size_t)nb + (size_t)n + 1)) RAISE_REASON(ATOM_system_limit);
        STACK_RELOAD();
        Term *dst = p->stack + nb;
        for (Term l = al; is_cons(l); l = CDR(l)) *dst++ = CAR(l);
        nargs = nvalid = (uint32_t)n;
        if (am == T_NONE) {
            callee = af;
            goto call_fun;
        }
        if (!module_resolve(am, af, nargs, &tgt)) {
            Term tr = build_trace(p, p->nframes, pc);
            Term top = make_tuple(p, 4, (Term[]){ am, af, al, T_NIL });
            p->exc_class = ATOM_error;
            p->exc_reason = ATOM_undef;
            p->exc_trace = make_cons_cell(p, top, tr);
            goto unwind;
        }
        goto invoke;
    }

    /* Call fun `callee` with the nargs arguments at stack[nb..). */
call_fun: {
        Term f = callee;
        if (unlikely(!is_boxed(f))) goto bad_fun;
        Term *fp = boxed_ptr(f);
        unsigned ty = header_type(fp[0]);
        if (likely(ty == BOX_FUN)) {
            const FunEntry *fe = (const FunEntry *)fp[1];
            if (unlikely(FUN_PURGED(fe))) goto bad_fun;
            if (unlikely(fe->arity != nargs)) goto bad_arity;
            nvalid = nargs + fe->nfree;
            if (unlikely((size_t)nb + nvalid > p->stack_cap)) {
                if (!stack_reserve(p, (size_t)nb + nvalid)) RAISE_REASON(ATOM_system_limit);
                STACK_RELOAD();
            }
            move_down(p->stack + nb + nargs, fp + 2, fe->nfree);
            tgt.module = fe->module;
            tgt.func = fe->func;
            tgt.native = NULL;
            goto invoke;
        }
        if (ty == BOX_EXPORT) {
            if (unlikely((uint32_t)small_val(fp[3]) != nargs)) goto bad_arity;
            nvalid = nargs;
            am = fp[1]; af = fp[2];
            if (!module_resolve(am, af, nargs, &tgt)) goto raise_undef_regs;
            goto invoke;
        }
    bad_fun:
        RAISE_TUPLE(ATOM_badfun, callee);
    bad_arity: {
            Term args = make_list(p, nargs, p->stack + nb);
            Term inner = make_tuple2(p, callee, args);
            RAISE_TUPLE(ATOM_badarity, inner);
        }
    }

    /* Invoke tgt with stack[nb..nb+nvalid) prepared (nargs arguments); for
     * a native, am:af names it (the top of the trace of its errors). */
invoke:
    if (tgt.native) {
        fcalls--;
        Term r = tgt.native(p, p->stack + nb);
        if (unlikely(r == T_NONE)) goto native_raised;
        if (unlikely(r == T_TRAP)) {
            am = p->trap_mod; af = p->trap_fun; al = p->trap_args;
            goto apply_list;
        }
        if (unlikely(r == T_YIELD)) {
            /* Return the result, then yield at once (native.h). */
            r = p->trap_args;
            p->trap_args = T_NONE;
            if (tail) {
                Frame *f = &p->frames[--p->nframes];
                p->stack[f->base] = r;
                if (f->ret_pc == NULL) goto done;
                pc = f->ret_pc;
                while (p->nhandlers && p->handlers[p->nhandlers - 1].nframes > p->nframes) p->nhandlers--;
            } else {
                p->stack[nb] = r;
                pc = rpc;
            }
            p->pc = pc;
            p->fcalls = fcalls;
            p->reductions += budget - fcalls;
            return RUN_YIELD;
        }
        if (tail) {
            rv = r;
            goto ret_value;
        }
        p->stack[nb] = r;
        pc = rpc;
        if (unlikely(p->gc_wanted || GC_STRESS)) collect(p, 0);
        DISPATCH();
    }
    g = &tgt.module->funcs[tgt.func];
    gm = tgt.module;
    if (tail) {
        if (nb != base) move_down(R, p->stack + nb, nvalid);
        nb = base;
        goto enter;
    }
    goto push_enter;

    /* undef for am:af with the nargs arguments at stack[nb..). */
raise_undef_regs: {
        Term args = make_list(p, nargs, p->stack + nb);
        Term tr = build_trace(p, p->nframes, pc);
        Term top = make_tuple(p, 4, (Term[]){ am, af, args, T_NIL });
        p->exc_class = ATOM_error;
        p->exc_reason = ATOM_undef;
        p->exc_trace = make_cons_cell(p, top, tr);
        goto unwind;
    }

    /* A native am:af raised. As on the BEAM, an error raised by a BIF has the
     * BIF's own {M, F, Args, []} on top of the trace (Exception.normalize
     * reads function_clause's function from it); erlang:error/1,2 and
     * erlang:raise/3 only raise on behalf of their caller. */
native_raised:
    if (tgt.native == core_raise3) goto raise_fresh;
    if (is_cons(p->exc_trace)) {
        /* Top frames given by the native (native_raise_fc): the call site's
         * trace goes under them; the native's own arguments replace the
         * arity of a frame that names the native itself. */
        Term tr = build_trace(p, p->nframes, pc);
        Term top = CAR(p->exc_trace);
        const Term *te = is_tuple(top) && tuple_arity(top) == 4 ? tuple_elems(top) : NULL;
        if (te && te[0] == ATOM__error_info_marker) {
            /* native_badarg_at: the native's frame with its error info,
             * [error_info: %{args: [{argno, msg}]}]. */
            Term arg = make_tuple2(p, te[1], te[2]);
            Term kv[2] = { ATOM_args, make_cons_cell(p, arg, T_NIL) };
            Term info = make_tuple2(p, ATOM_error_info, map_from_pairs(p, 1, kv));
            Term args = make_list(p, nargs, p->stack + nb);
            top = make_tuple(p, 4, (Term[]){ am, af, args, make_cons_cell(p, info, T_NIL) });
        } else if (te && te[0] == am && te[1] == af && te[2] == make_small(nargs)) {
            Term args = make_list(p, nargs, p->stack + nb);
            top = make_tuple(p, 4, (Term[]){ am, af, args, T_NIL });
        }
        p->exc_trace = make_cons_cell(p, top, tr);
    } else if (p->exc_class == ATOM_error && tgt.native != core_error1 && tgt.native != core_error2) {
        Term args = make_list(p, nargs, p->stack + nb);
        Term tr = build_trace(p, p->nframes, pc);
        Term top = make_tuple(p, 4, (Term[]){ am, af, args, T_NIL });
        p->exc_trace = make_cons_cell(p, top, tr);
    }
    goto raise_fresh;

    /* ================= exceptions ================= */
    /* A raise whose exc_trace is [] gets the trace of the current frames;
     * a non-empty one (erlang:raise/3) is kept. */
raise_fresh:
    if (p->exc_trace == T_NIL) p->exc_trace = build_trace(p, p->nframes, pc);
    /* fallthrough */
unwind: {
        if (p->nhandlers == 0) {
            p->nframes = 0;
            p->stack_top = 0;
            p->reductions += budget - fcalls;
            p->fcalls = fcalls;
            return RUN_ERROR;
        }
        Handler h = p->handlers[--p->nhandlers];
        p->nframes = h.nframes;
        LOAD_FRAME();
        p->stack[h.reg] = p->exc_class;
        p->stack[h.reg + 1] = p->exc_reason;
        p->stack[h.reg + 2] = p->exc_trace;
        p->exc_class = p->exc_reason = p->exc_trace = T_NIL;
        pc = h.pc;
        DISPATCH();
    }
}
