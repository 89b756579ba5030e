/* expr.c — expressions: literals, variables, data construction, operators,
 * calls (local, remote, Kernel, funs), field access. Control forms are in
 * forms.c, patterns and guard tests in pattern.c. Register discipline: see
 * cg.h.
 */
#include <stdlib.h>
#include <string.h>
#include "cg.h"
#include "../vm/heap.h"
#include "../vm/atom.h"
#include "../vm/map.h"

/* ======================================================================
 * Literals
 * ====================================================================== */

Node *cg_kw(Node *kw, const char *key) {
    if (!kw || kw->kind != N_LIST) return NULL;
    for (size_t i = 0; i < kw->nkids; i++) {
        Node *t = kw->kids[i];
        if (t->kind == N_TUPLE && t->nkids == 2 && t->kids[0]->kind == N_ATOM && strcmp(t->kids[0]->name, key) == 0)
            return t->kids[1];
    }
    return NULL;
}

/* Keyword arguments of special forms may be split over several trailing
 * keyword lists (`for x <- l, into: %{} do ... end`). */
Node *cg_call_kw(Node *call, const char *key) {
    for (size_t i = call->nkids; i-- > 0;) {
        Node *a = call->kids[i];
        if (a->kind != N_LIST || !(a->flags & NF_KW)) break;
        Node *v = cg_kw(a, key);
        if (v) return v;
    }
    return NULL;
}

static bool is_neg_number(const Node *n) {
    return n->kind == N_UNOP && strcmp(n->name, "-") == 0 && n->nkids == 1 &&
           (n->kids[0]->kind == N_INT || n->kids[0]->kind == N_FLOAT);
}

/* Literal nesting is capped below the image format's limit (loader.c), so
 * every literal can be serialized; deeper constants are built at run time. */
#define LITERAL_MAX_DEPTH 64

static bool is_lit(Cg *c, Node *n, int depth) {
    if (depth > LITERAL_MAX_DEPTH) return false;
    switch (n->kind) {
    case N_INT: case N_FLOAT: case N_ATOM: case N_STRING: case N_ALIAS: case N_MODULE_REF:
        return true;
    case N_UNOP: return is_neg_number(n);
    case N_TUPLE:
        for (size_t i = 0; i < n->nkids; i++) if (!is_lit(c, n->kids[i], depth + 1)) return false;
        return true;
    case N_LIST:
        for (size_t i = 0; i < n->nkids; i++) if (!is_lit(c, n->kids[i], depth + 1)) return false;
        return !n->tail || is_lit(c, n->tail, depth + 1);
    case N_BINARY:
        for (size_t i = 0; i < n->nkids; i++) {
            Node *k = n->kids[i];
            if (k->kind == N_STRING) continue;
            if (k->kind != N_INT || (k->flags & NF_BIGINT)) return false;
        }
        return true;
    case N_ATTR: {
        if (n->nkids) return false;
        Node *v = cg_attr(c, n->name);
        return v && is_lit(c, v, depth + 1);
    }
    case N_MAP:
        if (n->update) return false;
        for (size_t i = 0; i < n->nkids; i++) {
            Node *p = n->kids[i];
            if (p->kind != N_TUPLE || p->nkids != 2 || !is_lit(c, p->kids[0], depth + 1) || !is_lit(c, p->kids[1], depth + 1))
                return false;
        }
        return true;
    case N_RANGE: case N_BINOP:
        if (n->kind == N_BINOP && strcmp(n->name, "..") != 0) return false;
        for (size_t i = 0; i < n->nkids; i++)
            if (n->kids[i]->kind != N_INT || (n->kids[i]->flags & NF_BIGINT)) return false;
        return n->nkids >= 2;
    default: return false;
    }
}

bool cg_is_literal(Cg *c, Node *n) { return is_lit(c, n, 0); }

bool cg_is_literal_pattern(Cg *c, Node *n) {
    if (!cg_is_literal(c, n)) return false;
    if (n->kind == N_MAP || n->kind == N_RANGE || n->kind == N_BINOP) return false;
    if (n->kind == N_ATTR) return cg_is_literal_pattern(c, cg_attr(c, n->name));
    for (size_t i = 0; i < n->nkids; i++)
        if (!cg_is_literal_pattern(c, n->kids[i])) return false;
    return !n->tail || cg_is_literal_pattern(c, n->tail);
}

static Term range_term(Cg *c, SInt first, SInt last, SInt step) {
    Term kv[8] = { ATOM___struct__, ATOM_Elixir_Range, ATOM_first, make_small(first),
                   ATOM_last, make_small(last), ATOM_step, make_small(step) };
    return map_from_pairs(cg_litheap(c), 4, kv);
}

/* A bignum from decimal text (optional leading '-'), canonical. */
static Term big_from_text(Cg *c, const Node *n, const char *text) {
    bool neg = *text == '-';
    if (neg || *text == '+') text++;
    size_t cap = strlen(text) / 19 + 2, nl = 0;
    uint64_t *limbs = calloc(cap, sizeof *limbs);
    for (const char *p = text; *p; p++) {
        if (*p == '_') continue;
        if (*p < '0' || *p > '9') { free(limbs); cg_error(c, n, "invalid integer literal"); }
        unsigned __int128 carry = (unsigned)(*p - '0');
        for (size_t i = 0; i < nl; i++) {
            unsigned __int128 v = (unsigned __int128)limbs[i] * 10 + carry;
            limbs[i] = (uint64_t)v;
            carry = v >> 64;
        }
        if (carry) limbs[nl++] = (uint64_t)carry;
    }
    while (nl && !limbs[nl - 1]) nl--;
    Term t;
    if (nl == 0) t = make_small(0);
    else if (nl == 1 && limbs[0] <= (uint64_t)SMALL_MAX) t = make_small(neg ? -(SInt)limbs[0] : (SInt)limbs[0]);
    else if (nl == 1 && neg && limbs[0] == (uint64_t)SMALL_MAX + 1) t = make_small(SMALL_MIN);
    else {
        Term *w = heap_alloc(cg_litheap(c), 1 + nl);
        w[0] = make_header(neg ? BOX_BIG_NEG : BOX_BIG_POS, nl);
        memcpy(w + 1, limbs, nl * sizeof(uint64_t));
        t = make_boxed(w);
    }
    free(limbs);
    return t;
}

static Term int_term(Cg *c, const Node *n, bool neg) {
    if (n->flags & NF_BIGINT) {
        const char *text = n->name;
        if (neg) {
            char *buf = malloc(strlen(text) + 2);
            buf[0] = '-';
            strcpy(buf + 1, text[0] == '-' ? text + 1 : text);
            if (text[0] == '-') buf[0] = '+';
            Term t = big_from_text(c, n, buf);
            free(buf);
            return t;
        }
        return big_from_text(c, n, text);
    }
    int64_t v = n->ival;
    if (neg) {
        if (v == INT64_MIN) return big_from_text(c, n, "9223372036854775808");
        v = -v;
    }
    return make_int(cg_litheap(c), v);
}

Term cg_literal(Cg *c, Node *n) {
    Process *lp = cg_litheap(c);
    switch (n->kind) {
    case N_INT: return int_term(c, n, false);
    case N_FLOAT: return make_float(lp, n->fval);
    case N_ATOM: return cg_atom(c, n->name);
    case N_STRING: return make_binary(lp, n->str, n->len);
    case N_ALIAS: return cg_alias_atom(c, n->name);
    case N_MODULE_REF:
        if (c->mod->is_script) return ATOM_nil;
        return c->mod->name;
    case N_UNOP:
        if (n->kids[0]->kind == N_INT) return int_term(c, n->kids[0], true);
        return make_float(lp, -n->kids[0]->fval);
    case N_TUPLE: {
        Term *w = heap_alloc(lp, 1 + n->nkids);
        w[0] = make_header(BOX_TUPLE, n->nkids);
        for (size_t i = 0; i < n->nkids; i++) w[1 + i] = T_NIL;
        for (size_t i = 0; i < n->nkids; i++) w[1 + i] = cg_literal(c, n->kids[i]);
        return make_boxed(w);
    }
    case N_LIST: {
        Term t = n->tail ? cg_literal(c, n->tail) : T_NIL;
        for (size_t i = n->nkids; i-- > 0;) t = make_cons_cell(lp, cg_literal(c, n->kids[i]), t);
        return t;
    }
    case N_BINARY: {
        size_t len = 0;
        for (size_t i = 0; i < n->nkids; i++) len += n->kids[i]->kind == N_STRING ? n->kids[i]->len : 1;
        uint8_t *buf = malloc(len + 1), *p = buf;
        for (size_t i = 0; i < n->nkids; i++) {
            Node *k = n->kids[i];
            if (k->kind == N_STRING) { memcpy(p, k->str, k->len); p += k->len; }
            else *p++ = (uint8_t)k->ival;
        }
        Term t = make_binary(lp, buf, len);
        free(buf);
        return t;
    }
    case N_ATTR: return cg_literal(c, cg_attr(c, n->name));
    case N_MAP: {
        Term *kv = ast_alloc(c->arena, (2 * n->nkids + 1) * sizeof(Term));
        for (size_t i = 0; i < n->nkids; i++) {
            kv[2 * i] = cg_literal(c, n->kids[i]->kids[0]);
            kv[2 * i + 1] = cg_literal(c, n->kids[i]->kids[1]);
        }
        return map_from_pairs(lp, n->nkids, kv);
    }
    case N_RANGE: case N_BINOP: {
        SInt a = n->kids[0]->ival, b = n->kids[1]->ival;
        SInt step = n->nkids > 2 ? n->kids[2]->ival : (a <= b ? 1 : -1);
        if (!small_fits(a) || !small_fits(b) || !small_fits(step)) cg_error(c, n, "range bounds too large");
        return range_term(c, a, b, step);
    }
    default:
        cg_error(c, n, "internal error: not a literal");
    }
}

static void load_literal(Cg *c, Node *n, uint32_t reg) {
    if (n->kind == N_INT && !(n->flags & NF_BIGINT) && n->ival >= INT32_MIN && n->ival <= INT32_MAX) {
        cg_emit(c, OPC_LOADI, reg, (unsigned)(int32_t)n->ival);
        return;
    }
    if (n->kind == N_UNOP && n->kids[0]->kind == N_INT && !(n->kids[0]->flags & NF_BIGINT) &&
        n->kids[0]->ival > INT32_MIN && n->kids[0]->ival <= INT32_MAX) {
        cg_emit(c, OPC_LOADI, reg, (unsigned)(int32_t)-n->kids[0]->ival);
        return;
    }
    cg_emit(c, OPC_LOADK, reg, cg_lit(c, cg_literal(c, n)));
}

/* ======================================================================
 * Helpers
 * ====================================================================== */

uint32_t cg_any(Cg *c, Node *n) {
    if (n->kind == N_VAR) {
        int r = cg_lookup(c, n->name);
        if (r >= 0) return (uint32_t)r;
    }
    uint32_t t = cg_tmp(c);
    cg_into(c, n, t);
    return t;
}

void cg_into(Cg *c, Node *n, uint32_t reg) { cg_expr(c, n, (Dest){ reg, false, false }); }

void cg_body(Cg *c, Node *n, Dest d) {
    if (!n) {
        cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, ATOM_nil));
        cg_finish(c, d);
        return;
    }
    if (n->kind != N_BLOCK) { cg_expr(c, n, d); return; }
    if (n->nkids == 0) { cg_body(c, NULL, d); return; }
    for (size_t i = 0; i + 1 < n->nkids; i++) {
        uint32_t mark = c->fn->top;
        uint32_t t = cg_tmp(c);
        cg_expr(c, n->kids[i], (Dest){ t, false, true });
        cg_release(c, mark);
    }
    cg_expr(c, n->kids[n->nkids - 1], d);
}

static void move(Cg *c, uint32_t dst, uint32_t src) {
    if (dst != src) cg_emit(c, OPC_MOVE, dst, src);
}

void cg_raise_badkey(Cg *c, uint32_t key, uint32_t map) {
    uint32_t t = cg_tmps(c, 3);
    cg_emit(c, OPC_LOADK, t, cg_lit(c, ATOM_badkey));
    move(c, t + 1, key);
    move(c, t + 2, map);
    cg_emit(c, OPC_TUPLE, t, t, 3);
    cg_emit(c, OPC_LOADK, t + 1, cg_lit(c, ATOM_error));
    cg_emit(c, OPC_RAISE, t + 1, t);
}

/* ======================================================================
 * Calls
 * ====================================================================== */

/* A window for a call with n arguments: reuse d.reg if it is the topmost
 * register (the result then lands in place), else allocate at top. */
static uint32_t window(Cg *c, Dest d, uint32_t n) {
    if (!d.tail && d.reg + 1 == c->fn->top) {
        c->fn->top = d.reg + (n ? n : 1);
        return d.reg;
    }
    return cg_tmps(c, n ? n : 1);
}

/* Argument i is evaluated while only base..base+i-1 are live, so a call in
 * it may put its own window at base+i (result in place, no move). */
static void args_into(Cg *c, uint32_t base, Node **args, size_t n) {
    for (size_t i = 0; i < n; i++) {
        cg_release(c, base + (uint32_t)i + 1);
        cg_into(c, args[i], base + (uint32_t)i);
    }
    if (c->fn->top < base + n) c->fn->top = base + (uint32_t)n;
}

static void after_call(Cg *c, uint32_t base, uint32_t mark, Dest d) {
    if (!d.tail) move(c, d.reg, base);
    cg_release(c, mark);
}

static void call_local(Cg *c, const Node *at, Def *def, Node **args, size_t n, Dest d) {
    uint32_t mark = c->fn->top;
    uint32_t base = window(c, d, (uint32_t)n);
    args_into(c, base, args, n);
    cg_line(c, at->line);
    cg_emit(c, d.tail ? OPC_TCALL : OPC_CALL, base, def->index);
    after_call(c, base, mark, d);
}

void cg_call_remote(Cg *c, const Node *at, Term mod, Term name, Node **args, size_t nargs, Dest d) {
    uint32_t mark = c->fn->top;
    uint32_t base = window(c, d, (uint32_t)nargs);
    args_into(c, base, args, nargs);
    cg_line(c, at->line);
    cg_emit(c, d.tail ? OPC_TCALLX : OPC_CALLX, base, cg_import(c, mod, name, (uint32_t)nargs));
    after_call(c, base, mark, d);
}

/* Build the list of args[0..n) into reg. */
static void list_into(Cg *c, Node **items, size_t n, Node *tail, uint32_t reg) {
    uint32_t mark = c->fn->top;
    uint32_t base = cg_tmps(c, (uint32_t)n + 1);
    /* CONS reads any registers: a bound variable is used where it lives. */
    uint32_t *src = ast_alloc(c->arena, (n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        int vr = items[i]->kind == N_VAR ? cg_lookup(c, items[i]->name) : -1;
        src[i] = vr >= 0 ? (uint32_t)vr : base + (uint32_t)i;
        if (vr >= 0) continue;
        cg_release(c, base + (uint32_t)i + 1);
        cg_into(c, items[i], base + (uint32_t)i);
    }
    cg_release(c, base + (uint32_t)n + 1);
    uint32_t cur = base + (uint32_t)n;
    int tr;
    if (tail && tail->kind == N_VAR && (tr = cg_lookup(c, tail->name)) >= 0) cur = (uint32_t)tr;
    else if (tail) cg_into(c, tail, cur);
    else cg_emit(c, OPC_LOADK, cur, cg_lit(c, T_NIL));
    for (size_t i = n; i-- > 0;) {
        cg_emit(c, OPC_CONS, reg, src[i], cur);
        cur = reg;
    }
    if (n == 0) move(c, reg, cur);
    cg_release(c, mark);
}

static void apply_call(Cg *c, const Node *at, Node *mod, uint32_t modreg, Term name, Node *namenode,
                       Node **args, size_t n, Node *arglist, Dest d) {
    uint32_t mark = c->fn->top;
    uint32_t base = window(c, d, 3);
    if (c->fn->top < base + 3) c->fn->top = base + 3;
    if (mod) cg_into(c, mod, base); else move(c, base, modreg);
    if (namenode) cg_into(c, namenode, base + 1);
    else cg_emit(c, OPC_LOADK, base + 1, cg_lit(c, name));
    if (arglist) cg_into(c, arglist, base + 2);
    else list_into(c, args, n, NULL, base + 2);
    cg_line(c, at->line);
    cg_emit(c, d.tail ? OPC_TAPPLY : OPC_APPLY, base);
    after_call(c, base, mark, d);
}

static const struct { const char *name; int op; } type_tests[] = {
    { "is_integer", OPC_IS_INTEGER }, { "is_float", OPC_IS_FLOAT }, { "is_number", OPC_IS_NUMBER },
    { "is_atom", OPC_IS_ATOM }, { "is_boolean", OPC_IS_BOOLEAN }, { "is_binary", OPC_IS_BINARY },
    { "is_list", OPC_IS_LIST }, { "is_tuple", OPC_IS_TUPLE }, { "is_map", OPC_IS_MAP },
    { "is_function", OPC_IS_FUN }, { "is_pid", OPC_IS_PID }, { "is_reference", OPC_IS_REF },
    { NULL, 0 }
};
int cg_type_test_op(const char *name) {
    for (int i = 0; type_tests[i].name; i++)
        if (strcmp(type_tests[i].name, name) == 0) return type_tests[i].op;
    return -1;
}

/* Materialize a boolean from a test that jumps to its fail label. */
static void bool_from_test(Cg *c, Node *n, Dest d) {
    int fail = cg_label(c), end = cg_label(c);
    uint32_t mark = c->fn->top;
    cg_guard_test(c, n, fail);
    cg_release(c, mark);
    cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, ATOM_true));
    cg_emit(c, OPC_JUMP, end);
    cg_place(c, fail);
    cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, ATOM_false));
    cg_place(c, end);
    cg_finish(c, d);
}

static bool is_kernel_inline(Cg *c, Node *n, Dest d) {
    const char *nm = n->name;
    size_t na = n->nkids;
    if (na == 1 && (cg_type_test_op(nm) >= 0 || strcmp(nm, "is_nil") == 0)) { bool_from_test(c, n, d); return true; }
    if (na == 2 && (!strcmp(nm, "div") || !strcmp(nm, "rem"))) {
        uint32_t mark = c->fn->top;
        uint32_t a = cg_any(c, n->kids[0]), b = cg_any(c, n->kids[1]);
        cg_line(c, n->line);
        cg_emit(c, nm[0] == 'd' ? OPC_IDIV : OPC_REM, d.reg, a, b);
        cg_release(c, mark);
        cg_finish(c, d);
        return true;
    }
    if (na == 1 && !strcmp(nm, "not")) {
        uint32_t mark = c->fn->top;
        uint32_t a = cg_any(c, n->kids[0]);
        cg_line(c, n->line);
        cg_emit(c, OPC_NOT, d.reg, a);
        cg_release(c, mark);
        cg_finish(c, d);
        return true;
    }
    if (na == 0 && !strcmp(nm, "self")) {
        cg_emit(c, OPC_SELF, d.reg);
        cg_finish(c, d);
        return true;
    }
    if (na == 3 && !strcmp(nm, "apply")) {
        apply_call(c, n, n->kids[0], 0, 0, n->kids[1], NULL, 0, n->kids[2], d);
        return true;
    }
    return false;
}

/* A module's name as Elixir prints it in messages: "A.B" or ":mod". */
const char *cg_mod_display(Cg *c, const char *text) {
    if (strncmp(text, "Elixir.", 7) == 0) return text + 7;
    char buf[300];
    snprintf(buf, sizeof buf, ":%s", text);
    return ast_strdup(c->arena, buf, strlen(buf));
}

/* With the embedder's Kernel lookup (compile_kernel_has: act, not actc), an
 * unknown local call that Kernel does not define either is a compile error,
 * as in Elixir. */
void cg_check_kernel(Cg *c, const Node *at, const char *name, size_t arity) {
    if (!compile_kernel_has || compile_kernel_has(cg_atom(c, name), (uint32_t)arity)) return;
    if (c->mod->is_script)
        cg_error(c, at, "undefined function %s/%zu (there is no such import)", name, arity);
    cg_error(c, at, "undefined function %s/%zu (expected %s to define such a function or for it to be imported, but none are available)",
             name, arity, cg_mod_display(c, c->mod->name_text));
}

static Node *remote_node(Cg *c, NodeKind modkind, const char *mod, const char *fun, const Node *at, Node *arg) {
    Node *r = cg_node(c, N_REMOTE, at);
    r->name = fun;
    r->flags = NF_PARENS;
    Node *m = cg_node(c, modkind, at);
    m->name = mod;
    ast_push(c->arena, r, m);
    ast_push(c->arena, r, arg);
    return r;
}

/* Elixir's raise is a macro: when the exception is known at compile time
 * (a string, or an alias with optional attributes) it expands to
 * :erlang.error(M.exception(arg)), so no Kernel frame sits on top of the
 * stack trace and the raising function stays below it (a native call keeps
 * its caller's frame even in tail position). NULL for the other forms,
 * which call Kernel.raise. */
static Node *raise_expand(Cg *c, const Node *at, Node **args, size_t na) {
    Node *exc;
    if (na == 1 && (args[0]->kind == N_STRING || args[0]->kind == N_INTERP)) {
        exc = remote_node(c, N_ALIAS, "RuntimeError", "exception", at, args[0]);
    } else if (args[0]->kind == N_ALIAS &&
               (na == 1 || (na == 2 && (args[1]->kind == N_STRING || args[1]->kind == N_INTERP)))) {
        /* Keyword attributes go through Kernel.raise/2, which drops (with
         * Elixir's warning) fields the struct does not have. */
        Node *attrs = na == 2 ? args[1] : cg_node(c, N_LIST, at);
        exc = remote_node(c, N_ALIAS, args[0]->name, "exception", at, attrs);
    } else {
        return NULL;
    }
    return remote_node(c, N_ATOM, "erlang", "error", at, exc);
}

static void local_call(Cg *c, Node *n, Dest d) {
    Def *def = c->mod->is_script ? NULL : cg_find_def(c, n->name, (uint32_t)n->nkids);
    if (def) { call_local(c, n, def, n->kids, n->nkids, d); return; }
    if (is_kernel_inline(c, n, d)) return;
    cg_check_kernel(c, n, n->name, n->nkids);
    Node *e = strcmp(n->name, "raise") == 0 ? raise_expand(c, n, n->kids, n->nkids) : NULL;
    if (e) { cg_expr(c, e, d); return; }
    if (d.tail && strcmp(n->name, "raise") == 0) {
        /* raise is :erlang.error inline on the BEAM: the raising function
         * stays in the stack trace, so it is never a tail call. */
        uint32_t r = cg_tmp(c);
        cg_call_remote(c, n, ATOM_Elixir_Kernel, cg_atom(c, n->name), n->kids, n->nkids, (Dest){ r, false, false });
        cg_emit(c, OPC_RET, r);
        return;
    }
    cg_call_remote(c, n, ATOM_Elixir_Kernel, cg_atom(c, n->name), n->kids, n->nkids, d);
}

static bool module_target(Cg *c, Node *t, Term *out) {
    if (t->kind == N_ALIAS) { *out = cg_alias_atom(c, t->name); return true; }
    if (t->kind == N_ATOM) { *out = cg_atom(c, t->name); return true; }
    if (t->kind == N_MODULE_REF && !c->mod->is_script) { *out = c->mod->name; return true; }
    if (t->kind == N_ATTR && !t->nkids) {
        Node *v = cg_attr(c, t->name);
        if (v && (v->kind == N_ALIAS || v->kind == N_ATOM)) return module_target(c, v, out);
    }
    return false;
}

static void remote_call(Cg *c, Node *n, Dest d) {
    Term mod;
    Node **args = n->kids + 1;
    size_t na = n->nkids - 1;
    if (module_target(c, n->kids[0], &mod)) {
        Node *e = mod == ATOM_Elixir_Kernel && strcmp(n->name, "raise") == 0 ? raise_expand(c, n, args, na) : NULL;
        if (e) { cg_expr(c, e, d); return; }
        /* A call to a function of the module being compiled stays local only
         * through the import table, as Elixir's (hot code loading). */
        cg_call_remote(c, n, mod, cg_atom(c, n->name), args, na, d);
        return;
    }
    apply_call(c, n, n->kids[0], 0, cg_atom(c, n->name), NULL, args, na, NULL, d);
}

static void dot_call(Cg *c, Node *n, Dest d) {
    uint32_t mark = c->fn->top;
    size_t na = n->nkids - 1;
    uint32_t base = window(c, d, (uint32_t)na + 1);
    args_into(c, base, n->kids, na + 1);
    cg_line(c, n->line);
    cg_emit(c, d.tail ? OPC_TCALLF : OPC_CALLF, base, (unsigned)na);
    after_call(c, base, mark, d);
}

/* `x |> f(a)` => f(x, a) */
static Node *pipe_rewrite(Cg *c, Node *n) {
    Node *lhs = n->kids[0], *rhs = n->kids[1];
    Node *call;
    switch (rhs->kind) {
    case N_CALL: case N_REMOTE: case N_DOTCALL: {
        call = cg_node(c, rhs->kind, rhs);
        call->name = rhs->name;
        call->flags = rhs->flags | NF_PARENS;
        size_t skip = rhs->kind == N_CALL ? 0 : 1;
        for (size_t i = 0; i < skip; i++) ast_push(c->arena, call, rhs->kids[i]);
        ast_push(c->arena, call, lhs);
        for (size_t i = skip; i < rhs->nkids; i++) ast_push(c->arena, call, rhs->kids[i]);
        return call;
    }
    case N_FIELD: /* x |> Mod.f */
        call = cg_node(c, N_REMOTE, rhs);
        call->name = rhs->name;
        ast_push(c->arena, call, rhs->kids[0]);
        ast_push(c->arena, call, lhs);
        return call;
    case N_VAR: /* x |> f  (a call without parentheses) */
        call = cg_node(c, N_CALL, rhs);
        call->name = rhs->name;
        ast_push(c->arena, call, lhs);
        return call;
    default:
        cg_error(c, rhs, "the right side of |> must be a call");
    }
}

/* ======================================================================
 * Data construction
 * ====================================================================== */

static void interp(Cg *c, Node *n, Dest d) {
    uint32_t mark = c->fn->top;
    uint32_t k = (uint32_t)n->nkids;
    if (k == 0) {
        cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, make_binary(cg_litheap(c), "", 0)));
        cg_finish(c, d);
        return;
    }
    uint32_t base = cg_tmps(c, k);
    for (uint32_t i = 0; i < k; i++) {
        Node *p = n->kids[i];
        if (p->kind == N_STRING || p->kind == N_INTERP) {
            cg_into(c, p, base + i);
        } else {
            uint32_t mark2 = c->fn->top;
            uint32_t r = cg_any(c, p);
            cg_line(c, p->line);
            cg_emit(c, OPC_TO_STRING, base + i, r);
            cg_release(c, mark2);
        }
    }
    cg_emit(c, OPC_BIN_CONCAT, d.reg, base, k);
    cg_release(c, mark);
    cg_finish(c, d);
}

/* The operands of a <> chain, left to right, at most max of them (the rest
 * stay nested: the last piece is then itself a <> expression). */
static size_t concat_pieces(Cg *c, Node *n, Node **out, size_t max) {
    if (max > 1 && n->kind == N_BINOP && strcmp(n->name, "<>") == 0) {
        cg_enter(c, n);
        size_t k = concat_pieces(c, n->kids[0], out, max - 1);
        k += concat_pieces(c, n->kids[1], out + k, max - k);
        cg_leave(c);
        return k;
    }
    if (max == 0) return 0;
    out[0] = n;
    return 1;
}

static void concat(Cg *c, Node *n, Dest d) {
    Node *pieces[64];
    size_t k = concat_pieces(c, n, pieces, 64);
    /* Elixir's <> macro rejects literal non-binaries at compile time. */
    for (size_t i = 0; i < k; i++) {
        Node *p = pieces[i];
        if (p->kind == N_INT && !(p->flags & NF_BIGINT))
            cg_error(c, p, "expected binary argument in <> operator but got: %lld", (long long)p->ival);
        if (p->kind == N_ATOM) {
            bool plain = !strcmp(p->name, "true") || !strcmp(p->name, "false") || !strcmp(p->name, "nil");
            bool ident = (p->name[0] >= 'a' && p->name[0] <= 'z') || p->name[0] == '_';
            for (const char *q = p->name; ident && *q; q++)
                ident = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_';
            if (plain || ident)
                cg_error(c, p, "expected binary argument in <> operator but got: %s%s", plain ? "" : ":", p->name);
        }
    }
    uint32_t mark = c->fn->top;
    uint32_t base = cg_tmps(c, (uint32_t)k);
    args_into(c, base, pieces, k);
    cg_line(c, n->line);
    cg_emit(c, OPC_BIN_CONCAT, d.reg, base, (unsigned)k);
    cg_release(c, mark);
    cg_finish(c, d);
}

static void tuple(Cg *c, Node *n, Dest d) {
    uint32_t mark = c->fn->top;
    uint32_t k = (uint32_t)n->nkids;
    uint32_t base = cg_tmps(c, k ? k : 1);
    args_into(c, base, n->kids, k);
    cg_emit(c, OPC_TUPLE, d.reg, base, k);
    cg_release(c, mark);
    cg_finish(c, d);
}

/* The pairs (key, value nodes) of a map literal's kids. */
static void map_pairs(Cg *c, Node *map, Node ***keys, Node ***vals, size_t *n) {
    *n = map->nkids;
    *keys = ast_alloc(c->arena, (*n + 1) * sizeof(Node *));
    *vals = ast_alloc(c->arena, (*n + 1) * sizeof(Node *));
    for (size_t i = 0; i < *n; i++) {
        Node *p = map->kids[i];
        if (p->kind != N_TUPLE || p->nkids != 2) cg_error(c, p, "malformed map entry");
        (*keys)[i] = p->kids[0];
        (*vals)[i] = p->kids[1];
    }
}

static void build_map(Cg *c, const Node *at, Node **keys, Node **vals, Term *keyterms, size_t n, Node *update, Dest d) {
    uint32_t mark = c->fn->top;
    uint32_t upd = update ? cg_any(c, update) : 0;
    uint32_t base = cg_tmps(c, (uint32_t)(n ? 2 * n : 1));
    for (size_t i = 0; i < n; i++) {
        if (keys) cg_into(c, keys[i], base + 2 * (uint32_t)i);
        else cg_emit(c, OPC_LOADK, base + 2 * (uint32_t)i, cg_lit(c, keyterms[i]));
        if (vals[i]) cg_into(c, vals[i], base + 2 * (uint32_t)i + 1);
        else cg_emit(c, OPC_LOADK, base + 2 * (uint32_t)i + 1, cg_lit(c, ATOM_nil));
    }
    cg_line(c, at->line);
    if (update) cg_emit(c, OPC_MAP_UPDATE, d.reg, upd, base, (unsigned)n);
    else cg_emit(c, OPC_MAP_NEW, d.reg, base, (unsigned)n);
    cg_release(c, mark);
    cg_finish(c, d);
}

static void map_expr(Cg *c, Node *n, Dest d) {
    Node **keys, **vals;
    size_t k;
    map_pairs(c, n, &keys, &vals, &k);
    build_map(c, n, keys, vals, NULL, k, n->update, d);
}

static const char *struct_module(Cg *c, Node *t, Term *atom) {
    if (t->kind == N_ALIAS) {
        *atom = cg_alias_atom(c, t->name);
        size_t len;
        return atom_name(*atom, &len);
    }
    if (t->kind == N_MODULE_REF && !c->mod->is_script) {
        *atom = c->mod->name;
        return c->mod->name_text;
    }
    cg_error(c, t, "expected a struct name");
}

static void struct_expr(Cg *c, Node *n, Dest d) {
    Term mod;
    const char *mtext = struct_module(c, n->kids[0], &mod);
    Node *map = n->kids[1];
    Node **keys, **vals;
    size_t k;
    map_pairs(c, map, &keys, &vals, &k);
    if (map->update) { build_map(c, n, keys, vals, NULL, k, map->update, d); return; }
    StructDef *s = cg_find_struct(c, mtext);
    if (!s) {
        /* Not defined in this file: M.__struct__(kv) at run time. */
        Node *kv = cg_node(c, N_LIST, map);
        kv->flags = NF_KW;
        for (size_t i = 0; i < k; i++) {
            Node *t = cg_node(c, N_TUPLE, map);
            ast_push(c->arena, t, keys[i]);
            ast_push(c->arena, t, vals[i]);
            ast_push(c->arena, kv, t);
        }
        cg_call_remote(c, n, mod, cg_atom(c, "__struct__"), &kv, 1, d);
        return;
    }
    for (size_t i = 0; i < k; i++) {
        if (keys[i]->kind != N_ATOM) cg_error(c, keys[i], "struct keys must be atoms");
        bool found = false;
        for (size_t j = 0; j < s->n; j++) found |= strcmp(s->keys[j], keys[i]->name) == 0;
        if (!found) cg_error(c, keys[i], "unknown key :%s for struct %s", keys[i]->name, cg_mod_display(c, mtext));
    }
    size_t total = s->n + 1 + (s->exception ? 1 : 0);
    Term *kt = ast_alloc(c->arena, total * sizeof(Term));
    Node **vv = ast_alloc(c->arena, total * sizeof(Node *));
    size_t m = 0;
    kt[m] = ATOM___struct__;
    Node *mn = cg_node(c, N_ATOM, n);
    size_t len;
    mn->name = atom_name(mod, &len);
    vv[m++] = mn;
    if (s->exception) {
        kt[m] = ATOM___exception__;
        Node *t = cg_node(c, N_ATOM, n);
        t->name = "true";
        vv[m++] = t;
    }
    for (size_t j = 0; j < s->n; j++) {
        kt[m] = cg_atom(c, s->keys[j]);
        vv[m] = s->defaults[j];
        for (size_t i = 0; i < k; i++)
            if (strcmp(keys[i]->name, s->keys[j]) == 0) vv[m] = vals[i];
        m++;
    }
    bool lit = !(n->flags & NF_CG_RUNTIME_STRUCT);
    for (size_t i = 0; i < m && lit; i++) lit = !vv[i] || cg_is_literal(c, vv[i]);
    if (lit) {
        Term *kv = ast_alloc(c->arena, 2 * m * sizeof(Term));
        for (size_t i = 0; i < m; i++) {
            kv[2 * i] = kt[i];
            kv[2 * i + 1] = vv[i] ? cg_literal(c, vv[i]) : ATOM_nil;
        }
        cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, map_from_pairs(cg_litheap(c), m, kv)));
        cg_finish(c, d);
        return;
    }
    build_map(c, n, NULL, vv, kt, m, NULL, d);
}

static void range_expr(Cg *c, Node *n, Dest d) {
    Term kt[4] = { ATOM___struct__, ATOM_first, ATOM_last, ATOM_step };
    uint32_t mark = c->fn->top;
    uint32_t base = cg_tmps(c, 8);
    cg_emit(c, OPC_LOADK, base, cg_lit(c, kt[0]));
    cg_emit(c, OPC_LOADK, base + 1, cg_lit(c, ATOM_Elixir_Range));
    for (int i = 1; i < 4; i++) cg_emit(c, OPC_LOADK, base + 2 * i, cg_lit(c, kt[i]));
    cg_into(c, n->kids[0], base + 3);
    cg_into(c, n->kids[1], base + 5);
    if (n->nkids > 2) {
        cg_into(c, n->kids[2], base + 7);
    } else {
        int done = cg_label(c);
        cg_emit(c, OPC_LOADI, base + 7, 1u);
        cg_emit(c, OPC_TEST_GT, base + 3, base + 5, done);
        cg_emit(c, OPC_LOADI, base + 7, (unsigned)-1);
        cg_place(c, done);
    }
    cg_emit(c, OPC_MAP_NEW, d.reg, base, 4);
    cg_release(c, mark);
    cg_finish(c, d);
}

/* <<seg, ...>> with run-time segments: :erlang.list_to_binary of the
 * segments, where a plain segment is a byte, `x :: binary` a binary and
 * `x :: utf8` a code point (List.to_string([x])). */
static void binary_expr(Cg *c, Node *n, Dest d) {
    Node *list = cg_node(c, N_LIST, n);
    for (size_t i = 0; i < n->nkids; i++) {
        Node *s = n->kids[i], *item = s;
        if (s->kind == N_BINOP && strcmp(s->name, "::") == 0) {
            Node *ty = s->kids[1];
            const char *tn = (ty->kind == N_VAR || ty->kind == N_CALL) ? ty->name : "";
            if (!strcmp(tn, "binary") || !strcmp(tn, "bytes") || !strcmp(tn, "bitstring")) {
                item = s->kids[0];
            } else if (!strcmp(tn, "utf8")) {
                Node *one = cg_node(c, N_LIST, s);
                ast_push(c->arena, one, s->kids[0]);
                item = cg_node(c, N_REMOTE, s);
                item->name = "to_string";
                Node *mod = cg_node(c, N_ALIAS, s);
                mod->name = "List";
                ast_push(c->arena, item, mod);
                ast_push(c->arena, item, one);
            } else if (!strcmp(tn, "integer")) {
                item = s->kids[0];
            } else {
                cg_error(c, ty, "unsupported binary segment type; Act supports bytes, ::binary and ::utf8");
            }
        }
        ast_push(c->arena, list, item);
    }
    cg_call_remote(c, n, ATOM_erlang, cg_atom(c, "list_to_binary"), &list, 1, d);
}

static void field_expr(Cg *c, Node *n, Dest d) {
    Term mod;
    if (module_target(c, n->kids[0], &mod)) {
        cg_call_remote(c, n, mod, cg_atom(c, n->name), NULL, 0, d);
        return;
    }
    uint32_t mark = c->fn->top;
    uint32_t m = cg_any(c, n->kids[0]);
    uint32_t k = cg_tmp(c);
    cg_emit(c, OPC_LOADK, k, cg_lit(c, cg_atom(c, n->name)));
    int miss = cg_label(c), ok = cg_label(c);
    cg_emit(c, OPC_MAP_GET, d.reg, m, k, miss);
    cg_emit(c, OPC_JUMP, ok);
    cg_place(c, miss);
    cg_line(c, n->line);
    cg_raise_badkey(c, k, m);
    cg_place(c, ok);
    cg_release(c, mark);
    cg_finish(c, d);
}

/* ======================================================================
 * Operators
 * ====================================================================== */

static const struct { const char *op; int code; } arith_ops[] = {
    { "+", OPC_ADD }, { "-", OPC_SUB }, { "*", OPC_MUL }, { "/", OPC_FDIV },
    { "==", OPC_EQ }, { "!=", OPC_NE }, { "===", OPC_EQX }, { "!==", OPC_NEX },
    { "<", OPC_LT }, { "<=", OPC_LE }, { ">", OPC_GT }, { ">=", OPC_GE }, { NULL, 0 }
};

static bool small_imm(const Node *n, int64_t *v) {
    if (n->kind == N_INT && !(n->flags & NF_BIGINT) && n->ival > INT32_MIN && n->ival < INT32_MAX) { *v = n->ival; return true; }
    return false;
}

/* The opcode of an inlined arithmetic/comparison operator, or -1. */
static int arith_code(const char *op) {
    for (int i = 0; arith_ops[i].op; i++)
        if (strcmp(arith_ops[i].op, op) == 0) return arith_ops[i].code;
    return -1;
}

static bool is_arith(const Node *n) { return n->kind == N_BINOP && arith_code(n->name) >= 0; }

/* A left-associative chain of inlined operators, ((a + b) - c) * d, as a
 * loop over its left spine (no C recursion per operator, so a chain of any
 * length compiles): the innermost left operand goes into an accumulator,
 * then each level from the bottom up folds its right operand in. The
 * accumulator is d.reg when that is the topmost free register (so nothing
 * else can read it meanwhile), else a fresh temporary. */
static void arith_chain(Cg *c, Node *n, Dest d) {
    size_t len = 0;
    for (Node *k = n; is_arith(k); k = k->kids[0]) len++;
    Node **lv = ast_alloc(c->arena, len * sizeof *lv); /* lv[0] innermost */
    size_t i = len;
    for (Node *k = n; is_arith(k); k = k->kids[0]) lv[--i] = k;
    Node *first = lv[0]->kids[0];
    uint32_t mark = c->fn->top;
    uint32_t acc;
    if (d.reg + 1 == c->fn->top && !(first->kind == N_VAR && cg_lookup(c, first->name) >= 0)) {
        acc = d.reg;
        cg_into(c, first, acc);
    } else {
        acc = cg_any(c, first);
    }
    for (i = 0; i < len; i++) {
        Node *k = lv[i];
        int code = arith_code(k->name);
        uint32_t dst = i + 1 == len ? d.reg : (acc == d.reg || acc >= mark ? acc : cg_tmp(c));
        uint32_t mark2 = c->fn->top;
        int64_t imm;
        if ((code == OPC_ADD || code == OPC_SUB) && small_imm(k->kids[1], &imm)) {
            cg_line(c, k->line);
            cg_emit(c, OPC_ADDI, dst, acc, (unsigned)(int32_t)(code == OPC_ADD ? imm : -imm));
        } else {
            uint32_t b = cg_any(c, k->kids[1]);
            cg_line(c, k->line);
            cg_emit(c, code, dst, acc, b);
        }
        cg_release(c, mark2);
        acc = dst;
    }
    cg_release(c, mark);
    cg_finish(c, d);
}

static void match_expr(Cg *c, Node *n, Dest d) {
    Node *lhs = n->kids[0], *rhs = n->kids[1];
    FnState *f = c->fn;
    uint32_t r;
    if (lhs->kind == N_VAR && lhs->name[0] != '_' && !(rhs->kind == N_VAR && cg_lookup(c, rhs->name) >= 0)) {
        /* A discarded destination is a fresh temporary owned by this
         * statement (cg_body), so the variable can live in it. */
        r = d.discard && !d.tail ? d.reg : cg_tmp(c);
        cg_into(c, rhs, r);
    } else {
        r = cg_any(c, rhs);
    }
    int saved = f->pat_base;
    f->pat_base = f->nvars;
    int fail = cg_label(c), ok = cg_label(c);
    int nfix = f->nfix;
    cg_pattern(c, lhs, r, fail);
    f->pat_base = saved;
    bool used = false;
    for (int i = nfix; i < f->nfix; i++) used |= f->fix[i].label == fail;
    if (used) {
        cg_emit(c, OPC_JUMP, ok);
        cg_place(c, fail);
        cg_line(c, n->line);
        cg_emit(c, OPC_BADMATCH, r);
        cg_place(c, ok);
    }
    if (!d.discard) move(c, d.reg, r);
    cg_finish(c, d);
}

static void short_circuit(Cg *c, Node *n, Dest d, int jump_op, int check) {
    int end = cg_label(c);
    cg_into(c, n->kids[0], d.reg);
    if (check >= 0) {
        cg_line(c, n->line);
        cg_emit(c, OPC_BOOL_CHECK, (unsigned)check, d.reg);
    }
    cg_emit(c, jump_op, d.reg, end);
    cg_into(c, n->kids[1], d.reg);
    cg_place(c, end);
    cg_finish(c, d);
}

static void binop(Cg *c, Node *n, Dest d) {
    const char *op = n->name;
    if (!strcmp(op, "=")) { match_expr(c, n, d); return; }
    if (!strcmp(op, "|>")) { cg_expr(c, pipe_rewrite(c, n), d); return; }
    if (!strcmp(op, "&&")) { short_circuit(c, n, d, OPC_JFALSY, -1); return; }
    if (!strcmp(op, "||")) { short_circuit(c, n, d, OPC_JTRUTHY, -1); return; }
    if (!strcmp(op, "and")) { short_circuit(c, n, d, OPC_JFALSY, 0); return; }
    if (!strcmp(op, "or")) { short_circuit(c, n, d, OPC_JTRUTHY, 1); return; }
    if (!strcmp(op, "<>")) { concat(c, n, d); return; }
    if (!strcmp(op, "in") || !strcmp(op, "not in")) { bool_from_test(c, n, d); return; }
    if (!strcmp(op, "..")) {
        if (cg_is_literal(c, n)) { load_literal(c, n, d.reg); cg_finish(c, d); return; }
        Node *r = cg_node(c, N_RANGE, n);
        ast_push(c->arena, r, n->kids[0]);
        ast_push(c->arena, r, n->kids[1]);
        range_expr(c, r, d);
        return;
    }
    if (!strcmp(op, "<-") || !strcmp(op, "\\\\") || !strcmp(op, "::") || !strcmp(op, "|") || !strcmp(op, "->"))
        cg_error(c, n, "unexpected operator %s", op);
    if (arith_code(op) >= 0) { arith_chain(c, n, d); return; }
    /* ++ -- ** and the rest are Kernel functions. */
    cg_call_remote(c, n, ATOM_Elixir_Kernel, cg_atom(c, op), n->kids, 2, d);
}

static void unop(Cg *c, Node *n, Dest d) {
    const char *op = n->name;
    if (is_neg_number(n)) { load_literal(c, n, d.reg); cg_finish(c, d); return; }
    if (!strcmp(op, "^")) cg_error(c, n, "misplaced operator ^%s: the pin operator is only allowed in patterns",
                                   n->kids[0]->kind == N_VAR ? n->kids[0]->name : "");
    if (!strcmp(op, "+")) { cg_expr(c, n->kids[0], d); return; }
    uint32_t mark = c->fn->top;
    if (!strcmp(op, "!")) {
        uint32_t a = cg_any(c, n->kids[0]);
        int t = cg_label(c), end = cg_label(c);
        cg_emit(c, OPC_JFALSY, a, t);
        cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, ATOM_false));
        cg_emit(c, OPC_JUMP, end);
        cg_place(c, t);
        cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, ATOM_true));
        cg_place(c, end);
    } else if (!strcmp(op, "-") || !strcmp(op, "not")) {
        uint32_t a = cg_any(c, n->kids[0]);
        cg_line(c, n->line);
        cg_emit(c, op[0] == '-' ? OPC_NEG : OPC_NOT, d.reg, a);
    } else {
        cg_error(c, n, "unsupported unary operator %s", op);
    }
    cg_release(c, mark);
    cg_finish(c, d);
}

/* ======================================================================
 * The dispatcher
 * ====================================================================== */

static void var_expr(Cg *c, Node *n, Dest d) {
    int r = cg_lookup(c, n->name);
    if (r < 0) {
        if (n->name[0] == '_')
            cg_error(c, n, "invalid use of _. \"_\" represents a value to be ignored in a pattern and cannot be used in expressions");
        Def *def = c->mod->is_script ? NULL : cg_find_def(c, n->name, 0);
        if (def) { call_local(c, n, def, NULL, 0, d); return; }
        /* Elixir expands an unknown variable to a call `name()` (with a
         * warning): only Kernel could define it. */
        if (compile_kernel_has && compile_kernel_has(cg_atom(c, n->name), 0)) {
            Node *call = cg_node(c, N_CALL, n);
            call->name = n->name;
            local_call(c, call, d);
            return;
        }
        if (c->mod->is_script) cg_error(c, n, "undefined function %s/0 (there is no such import)", n->name);
        cg_error(c, n, "undefined function %s/0 (expected %s to define such a function or for it to be imported, but none are available)",
                 n->name, cg_mod_display(c, c->mod->name_text));
    }
    if (d.tail) { cg_emit(c, OPC_RET, (uint32_t)r); return; }
    if (!d.discard) move(c, d.reg, (uint32_t)r);
}

static void expr_node(Cg *c, Node *n, Dest d) {
    cg_line(c, n->line);
    switch (n->kind) {
    case N_INT: case N_FLOAT: case N_ATOM: case N_STRING: case N_ALIAS: case N_MODULE_REF:
        if (n->kind == N_MODULE_REF && c->mod->is_script) {
            cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, ATOM_nil));
        } else {
            load_literal(c, n, d.reg);
        }
        cg_finish(c, d);
        return;
    case N_INTERP: interp(c, n, d); return;
    case N_VAR: var_expr(c, n, d); return;
    case N_LIST:
        if (cg_is_literal(c, n)) { load_literal(c, n, d.reg); cg_finish(c, d); return; }
        list_into(c, n->kids, n->nkids, n->tail, d.reg);
        cg_finish(c, d);
        return;
    case N_TUPLE:
        if (cg_is_literal(c, n)) { load_literal(c, n, d.reg); cg_finish(c, d); return; }
        tuple(c, n, d);
        return;
    case N_BINARY:
        if (cg_is_literal(c, n)) { load_literal(c, n, d.reg); cg_finish(c, d); return; }
        binary_expr(c, n, d);
        return;
    case N_MAP:
        if (cg_is_literal(c, n)) { load_literal(c, n, d.reg); cg_finish(c, d); return; }
        map_expr(c, n, d);
        return;
    case N_STRUCT: struct_expr(c, n, d); return;
    case N_UNOP: unop(c, n, d); return;
    case N_BINOP: binop(c, n, d); return;
    case N_RANGE:
        if (cg_is_literal(c, n)) { load_literal(c, n, d.reg); cg_finish(c, d); return; }
        range_expr(c, n, d);
        return;
    case N_CALL:
        if (cg_special_form(c, n, d)) return;
        local_call(c, n, d);
        return;
    case N_REMOTE: remote_call(c, n, d); return;
    case N_DOTCALL: dot_call(c, n, d); return;
    case N_FIELD: field_expr(c, n, d); return;
    case N_ACCESS:
        cg_call_remote(c, n, cg_atom(c, "Elixir.Access"), cg_atom(c, "get"), n->kids, 2, d);
        return;
    case N_FN: cg_fn(c, n, d); return;
    case N_CAPTURE: cg_capture(c, n, d); return;
    case N_CAPTURE_ARG: {
        char buf[16];
        snprintf(buf, sizeof buf, "&%lld", (long long)n->ival);
        int r = cg_lookup(c, buf);
        if (r < 0) cg_error(c, n, "capture argument &%lld must be used within the capture operator &", (long long)n->ival);
        move(c, d.reg, (uint32_t)r);
        cg_finish(c, d);
        return;
    }
    case N_BLOCK: cg_body(c, n, d); return;
    case N_ATTR: {
        if (n->nkids) cg_error(c, n, "module attributes can only be set at module level");
        Node *v = cg_attr(c, n->name);
        if (!v) {
            /* Elixir warns and reads nil. */
            cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, ATOM_nil));
            cg_finish(c, d);
            return;
        }
        cg_expr(c, v, d);
        return;
    }
    case N_WHEN: cg_error(c, n, "unexpected when");
    case N_STAB: case N_CLAUSE: cg_error(c, n, "unexpected -> clause");
    }
    cg_error(c, n, "unsupported expression");
}

void cg_expr(Cg *c, Node *n, Dest d) {
    cg_enter(c, n);
    expr_node(c, n, d);
    cg_leave(c);
}
