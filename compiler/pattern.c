/* pattern.c — patterns and guards compiled to type tests and jumps.
 *
 * A pattern is matched against a register that stays unchanged while the
 * bindings it makes are visible (cg.h), so variables bind to the registers
 * holding their sub-terms without moves. Every test jumps to the `fail`
 * label when it does not hold; nothing here raises, except guard expressions
 * that are wrapped in TRY so that an exception makes the guard false.
 */
#include <string.h>
#include "cg.h"
#include "../vm/atom.h"

static bool is_op(const Node *n, const char *op) {
    return (n->kind == N_BINOP || n->kind == N_UNOP) && strcmp(n->name, op) == 0;
}

void cg_clause_head(Cg *c, Node *clause, Node ***args, size_t *nargs, Node **guard) {
    Node *h = clause->kids[0];
    *guard = NULL;
    if (h && h->kind == N_WHEN) { *guard = h->kids[1]; h = h->kids[0]; }
    if (!h) { *args = NULL; *nargs = 0; return; }
    if (h->kind != N_LIST) {
        /* A single pattern not wrapped in a list. */
        Node **a = ast_alloc(c->arena, sizeof(Node *));
        a[0] = h;
        *args = a;
        *nargs = 1;
        return;
    }
    *args = h->kids;
    *nargs = h->nkids;
    if (h->nkids && h->kids[h->nkids - 1]->kind == N_WHEN && !*guard) {
        /* [a, b when g]: the guard wraps the last pattern. */
        Node **a = ast_alloc(c->arena, h->nkids * sizeof(Node *));
        memcpy(a, h->kids, h->nkids * sizeof(Node *));
        Node *w = a[h->nkids - 1];
        a[h->nkids - 1] = w->kids[0];
        *guard = w->kids[1];
        *args = a;
    }
}

/* ======================================================================
 * Patterns
 * ====================================================================== */

static void pat_var(Cg *c, Node *p, uint32_t r, int fail) {
    FnState *f = c->fn;
    const char *name = p->name;
    if (strcmp(name, "_") == 0) return;
    if (name[0] != '_') {
        for (int i = f->nvars - 1; i >= f->pat_base && i >= 0; i--) {
            if (strcmp(f->vars[i].name, name) == 0) {
                if (f->vars[i].reg != r) cg_emit(c, OPC_IS_EQX, r, f->vars[i].reg, fail);
                return;
            }
        }
    }
    cg_bind(c, name, r);
}

static uint32_t pin_reg(Cg *c, Node *p) {
    Node *v = p->kids[0];
    if (v->kind != N_VAR) cg_error(c, p, "invalid argument for unary operator ^");
    FnState *f = c->fn;
    /* The value from before the pattern. */
    for (int i = (f->pat_base < f->nvars ? f->pat_base : f->nvars) - 1; i >= 0; i--)
        if (strcmp(f->vars[i].name, v->name) == 0) return f->vars[i].reg;
    cg_error(c, p, "undefined variable ^%s. No variable \"%s\" has been defined before the current pattern", v->name, v->name);
}

static void pat_map_entries(Cg *c, Node *map, uint32_t r, int fail) {
    for (size_t i = 0; i < map->nkids; i++) {
        Node *pair = map->kids[i];
        if (pair->kind != N_TUPLE || pair->nkids != 2) cg_error(c, pair, "malformed map pattern");
        Node *key = pair->kids[0];
        uint32_t k;
        if (is_op(key, "^")) k = pin_reg(c, key);
        else if (cg_is_literal(c, key)) {
            k = cg_tmp(c);
            cg_emit(c, OPC_LOADK, k, cg_lit(c, cg_literal(c, key)));
        } else cg_error(c, key, "cannot use variable as a map key inside a pattern; use ^ to pin it");
        uint32_t v = cg_tmp(c);
        cg_emit(c, OPC_MAP_GET, v, r, k, fail);
        cg_pattern(c, pair->kids[1], v, fail);
    }
}

static void pattern_node(Cg *c, Node *p, uint32_t r, int fail) {
    switch (p->kind) {
    case N_VAR: pat_var(c, p, r, fail); return;
    case N_INT: case N_FLOAT: case N_ATOM: case N_STRING: case N_ALIAS: case N_MODULE_REF:
        cg_emit(c, OPC_IS_EQX_K, r, cg_lit(c, cg_literal(c, p)), fail);
        return;
    case N_ATTR: {
        Node *v = p->nkids ? NULL : cg_attr(c, p->name);
        if (!v) cg_error(c, p, "undefined module attribute @%s", p->name);
        cg_pattern(c, v, r, fail);
        return;
    }
    case N_UNOP:
        if (strcmp(p->name, "^") == 0) { cg_emit(c, OPC_IS_EQX, r, pin_reg(c, p), fail); return; }
        if (cg_is_literal_pattern(c, p)) { cg_emit(c, OPC_IS_EQX_K, r, cg_lit(c, cg_literal(c, p)), fail); return; }
        break;
    case N_TUPLE:
        if (cg_is_literal_pattern(c, p)) { cg_emit(c, OPC_IS_EQX_K, r, cg_lit(c, cg_literal(c, p)), fail); return; }
        cg_emit(c, OPC_IS_TUPLE_OF, r, (unsigned)p->nkids, fail);
        for (size_t i = 0; i < p->nkids; i++) {
            Node *k = p->kids[i];
            if (k->kind == N_VAR && strcmp(k->name, "_") == 0) continue;
            uint32_t e = cg_tmp(c);
            cg_emit(c, OPC_GET_ELEM, e, r, (unsigned)i);
            cg_pattern(c, k, e, fail);
        }
        return;
    case N_LIST: {
        if (cg_is_literal_pattern(c, p)) { cg_emit(c, OPC_IS_EQX_K, r, cg_lit(c, cg_literal(c, p)), fail); return; }
        uint32_t cur = r;
        for (size_t i = 0; i < p->nkids; i++) {
            cg_emit(c, OPC_IS_CONS, cur, fail);
            Node *k = p->kids[i];
            if (!(k->kind == N_VAR && strcmp(k->name, "_") == 0)) {
                uint32_t h = cg_tmp(c);
                cg_emit(c, OPC_GET_HD, h, cur);
                cg_pattern(c, k, h, fail);
            }
            uint32_t t = cg_tmp(c);
            cg_emit(c, OPC_GET_TL, t, cur);
            cur = t;
        }
        if (p->tail) cg_pattern(c, p->tail, cur, fail);
        else cg_emit(c, OPC_IS_NIL, cur, fail);
        return;
    }
    case N_MAP:
        if (p->update) cg_error(c, p, "cannot use map update syntax in a pattern");
        cg_emit(c, OPC_IS_MAP, r, fail);
        pat_map_entries(c, p, r, fail);
        return;
    case N_STRUCT: {
        Node *name = p->kids[0], *map = p->kids[1];
        cg_emit(c, OPC_IS_MAP, r, fail);
        uint32_t k = cg_tmp(c), v = cg_tmp(c);
        cg_emit(c, OPC_LOADK, k, cg_lit(c, ATOM___struct__));
        cg_emit(c, OPC_MAP_GET, v, r, k, fail);
        if (name->kind == N_ALIAS) cg_emit(c, OPC_IS_EQX_K, v, cg_lit(c, cg_alias_atom(c, name->name)), fail);
        else if (name->kind == N_MODULE_REF && !c->mod->is_script) cg_emit(c, OPC_IS_EQX_K, v, cg_lit(c, c->mod->name), fail);
        else cg_pattern(c, name, v, fail);
        pat_map_entries(c, map, r, fail);
        return;
    }
    case N_RANGE: {
        /* first..last[//step]: the Range struct's fields. */
        static const char *const keys[3] = { "first", "last", "step" };
        cg_emit(c, OPC_IS_MAP, r, fail);
        uint32_t k = cg_tmp(c), v = cg_tmp(c);
        cg_emit(c, OPC_LOADK, k, cg_lit(c, ATOM___struct__));
        cg_emit(c, OPC_MAP_GET, v, r, k, fail);
        cg_emit(c, OPC_IS_EQX_K, v, cg_lit(c, ATOM_Elixir_Range), fail);
        for (size_t i = 0; i < p->nkids && i < 3; i++) {
            uint32_t ki = cg_tmp(c), vi = cg_tmp(c);
            cg_emit(c, OPC_LOADK, ki, cg_lit(c, cg_atom(c, keys[i])));
            cg_emit(c, OPC_MAP_GET, vi, r, ki, fail);
            cg_pattern(c, p->kids[i], vi, fail);
        }
        return;
    }
    case N_BINOP:
        if (strcmp(p->name, "..") == 0) {
            Node *rg = cg_node(c, N_RANGE, p);
            ast_push(c->arena, rg, p->kids[0]);
            ast_push(c->arena, rg, p->kids[1]);
            cg_pattern(c, rg, r, fail);
            return;
        }
        if (strcmp(p->name, "=") == 0) {
            cg_pattern(c, p->kids[0], r, fail);
            cg_pattern(c, p->kids[1], r, fail);
            return;
        }
        if (strcmp(p->name, "<>") == 0) {
            Node *pre = p->kids[0];
            if (!(pre->kind == N_STRING || (pre->kind == N_BINARY && cg_is_literal(c, pre))))
                cg_error(c, pre, "the left argument of <> in a pattern must be a literal string");
            uint32_t rest = cg_tmp(c);
            cg_emit(c, OPC_MATCH_PREFIX, rest, r, cg_lit(c, cg_literal(c, pre)), fail);
            cg_pattern(c, p->kids[1], rest, fail);
            return;
        }
        break;
    case N_BINARY:
        if (cg_is_literal_pattern(c, p)) { cg_emit(c, OPC_IS_EQX_K, r, cg_lit(c, cg_literal(c, p)), fail); return; }
        break;
    default:
        break;
    }
    if (p->kind == N_CALL || p->kind == N_REMOTE)
        cg_error(c, p, "cannot invoke function %s/%zu inside a match", p->name, p->kind == N_CALL ? p->nkids : p->nkids - 1);
    cg_error(c, p, "invalid pattern");
}

/* ======================================================================
 * Guards and tests
 * ====================================================================== */

static const struct { const char *op; int test; } cmp_ops[] = {
    { "==", OPC_TEST_EQ }, { "!=", OPC_TEST_NE }, { "<", OPC_TEST_LT }, { "<=", OPC_TEST_LE },
    { ">", OPC_TEST_GT }, { ">=", OPC_TEST_GE }, { "===", OPC_IS_EQX }, { "!==", -2 }, { NULL, 0 }
};

static int cmp_test(const Node *n) {
    if (n->kind != N_BINOP) return 0;
    for (int i = 0; cmp_ops[i].op; i++)
        if (strcmp(cmp_ops[i].op, n->name) == 0) return cmp_ops[i].test;
    return 0;
}

/* The immediate form of a comparison test (TEST_LT -> TEST_LTI ...), or -1;
 * `swapped`: the literal is the left operand, so the order test is mirrored. */
static int cmp_imm_op(int t, bool swapped) {
    switch (t) {
    case OPC_TEST_EQ: return OPC_TEST_EQI;
    case OPC_TEST_NE: return OPC_TEST_NEI;
    case OPC_TEST_LT: return swapped ? OPC_TEST_GTI : OPC_TEST_LTI;
    case OPC_TEST_LE: return swapped ? OPC_TEST_GEI : OPC_TEST_LEI;
    case OPC_TEST_GT: return swapped ? OPC_TEST_LTI : OPC_TEST_GTI;
    case OPC_TEST_GE: return swapped ? OPC_TEST_LEI : OPC_TEST_GEI;
    default: return -1;
    }
}

/* An integer literal (possibly negated, or a module attribute bound to one)
 * that fits an `i` operand. */
static bool imm_int(Cg *c, Node *n, int32_t *v) {
    if (n->kind == N_ATTR && !n->nkids && cg_attr(c, n->name)) n = cg_attr(c, n->name);
    bool neg = n->kind == N_UNOP && n->nkids == 1 && !strcmp(n->name, "-");
    const Node *k = neg ? n->kids[0] : n;
    if (k->kind != N_INT || (k->flags & NF_BIGINT)) return false;
    int64_t x = neg ? -k->ival : k->ival;
    if (x < INT32_MIN || x > INT32_MAX) return false;
    *v = (int32_t)x;
    return true;
}

static bool is_type_test(const Node *n) {
    return n->kind == N_CALL && n->nkids == 1 && (cg_type_test_op(n->name) >= 0 || strcmp(n->name, "is_nil") == 0);
}

static bool literal_range(Cg *c, Node *r, int64_t *lo, int64_t *hi) {
    Node *a, *b;
    if (r->kind == N_RANGE && r->nkids == 2) { a = r->kids[0]; b = r->kids[1]; }
    else if (r->kind == N_BINOP && strcmp(r->name, "..") == 0) { a = r->kids[0]; b = r->kids[1]; }
    else return false;
    if (!cg_is_literal(c, a) || !cg_is_literal(c, b)) return false;
    Term ta = cg_literal(c, a), tb = cg_literal(c, b);
    if (!is_small(ta) || !is_small(tb)) return false;
    *lo = small_val(ta);
    *hi = small_val(tb);
    return true;
}

static void test_in(Cg *c, Node *n, int fail) {
    Node *lhs = n->kids[0], *rhs = n->kids[1];
    int64_t lo, hi;
    if (rhs->kind == N_ATTR && !rhs->nkids && cg_attr(c, rhs->name)) rhs = cg_attr(c, rhs->name);
    if (rhs->kind == N_LIST && !rhs->tail) {
        uint32_t r = cg_any(c, lhs);
        if (rhs->nkids == 0) { cg_emit(c, OPC_JUMP, fail); return; }
        int ok = cg_label(c);
        for (size_t i = 0; i < rhs->nkids; i++) {
            bool last = i + 1 == rhs->nkids;
            int next = last ? fail : cg_label(c);
            Node *e = rhs->kids[i];
            if (cg_is_literal(c, e)) cg_emit(c, OPC_IS_EQX_K, r, cg_lit(c, cg_literal(c, e)), next);
            else cg_emit(c, OPC_IS_EQX, r, cg_any(c, e), next);
            if (!last) {
                cg_emit(c, OPC_JUMP, ok);
                cg_place(c, next);
            }
        }
        cg_place(c, ok);
        return;
    }
    if (literal_range(c, rhs, &lo, &hi)) {
        uint32_t r = cg_any(c, lhs);
        if (lo > hi) { int64_t t = lo; lo = hi; hi = t; }
        cg_emit(c, OPC_IS_INTEGER, r, fail);
        if (lo >= INT32_MIN && hi <= INT32_MAX) {
            cg_emit(c, OPC_TEST_GEI, r, (unsigned)(int32_t)lo, fail);
            cg_emit(c, OPC_TEST_LEI, r, (unsigned)(int32_t)hi, fail);
            return;
        }
        uint32_t a = cg_tmp(c), b = cg_tmp(c);
        cg_emit(c, OPC_LOADK, a, cg_lit(c, make_small(lo)));
        cg_emit(c, OPC_LOADK, b, cg_lit(c, make_small(hi)));
        cg_emit(c, OPC_TEST_GE, r, a, fail);
        cg_emit(c, OPC_TEST_LE, r, b, fail);
        return;
    }
    uint32_t t = cg_tmp(c);
    Node *args[2] = { rhs, lhs };
    cg_call_remote(c, n, cg_atom(c, "Elixir.Enum"), cg_atom(c, "member?"), args, 2, (Dest){ t, false, false });
    cg_emit(c, OPC_IS_EQX_K, t, cg_lit(c, ATOM_true), fail);
}

static void guard_test_node(Cg *c, Node *g, int fail) {
    uint32_t mark = c->fn->top;
    int t;
    if (g->kind == N_BINOP && (!strcmp(g->name, "and") || !strcmp(g->name, "&&"))) {
        cg_guard_test(c, g->kids[0], fail);
        cg_guard_test(c, g->kids[1], fail);
    } else if (g->kind == N_BINOP && (!strcmp(g->name, "or") || !strcmp(g->name, "||"))) {
        int second = cg_label(c), ok = cg_label(c);
        cg_guard_test(c, g->kids[0], second);
        cg_emit(c, OPC_JUMP, ok);
        cg_place(c, second);
        cg_guard_test(c, g->kids[1], fail);
        cg_place(c, ok);
    } else if (g->kind == N_UNOP && (!strcmp(g->name, "not") || !strcmp(g->name, "!"))) {
        int holds = cg_label(c);
        cg_guard_test(c, g->kids[0], holds);
        cg_emit(c, OPC_JUMP, fail);
        cg_place(c, holds);
    } else if ((t = cmp_test(g)) != 0) {
        Node *a = g->kids[0], *b = g->kids[1];
        int32_t imm;
        if (cmp_imm_op(t, false) >= 0 && imm_int(c, b, &imm)) {
            cg_emit(c, cmp_imm_op(t, false), cg_any(c, a), (unsigned)imm, fail);
            cg_release(c, mark);
            return;
        }
        if (cmp_imm_op(t, true) >= 0 && imm_int(c, a, &imm)) {
            cg_emit(c, cmp_imm_op(t, true), cg_any(c, b), (unsigned)imm, fail);
            cg_release(c, mark);
            return;
        }
        uint32_t ra = cg_any(c, a);
        if ((t == OPC_IS_EQX || t == -2) && cg_is_literal(c, b)) {
            uint32_t k = cg_lit(c, cg_literal(c, b));
            if (t == OPC_IS_EQX) cg_emit(c, OPC_IS_EQX_K, ra, k, fail);
            else {
                int ok = cg_label(c);
                cg_emit(c, OPC_IS_EQX_K, ra, k, ok);
                cg_emit(c, OPC_JUMP, fail);
                cg_place(c, ok);
            }
        } else {
            uint32_t rb = cg_any(c, b);
            if (t == -2) {
                int ok = cg_label(c);
                cg_emit(c, OPC_IS_EQX, ra, rb, ok);
                cg_emit(c, OPC_JUMP, fail);
                cg_place(c, ok);
            } else {
                cg_emit(c, t, ra, rb, fail);
            }
        }
    } else if (is_type_test(g)) {
        uint32_t r = cg_any(c, g->kids[0]);
        if (strcmp(g->name, "is_nil") == 0) cg_emit(c, OPC_IS_EQX_K, r, cg_lit(c, ATOM_nil), fail);
        else cg_emit(c, cg_type_test_op(g->name), r, fail);
    } else if (g->kind == N_BINOP && !strcmp(g->name, "in")) {
        test_in(c, g, fail);
    } else if (g->kind == N_BINOP && !strcmp(g->name, "not in")) {
        int holds = cg_label(c);
        test_in(c, g, holds);
        cg_emit(c, OPC_JUMP, fail);
        cg_place(c, holds);
    } else if (g->kind == N_ATOM && !strcmp(g->name, "true")) {
        /* always holds */
    } else if (g->kind == N_ATOM && (!strcmp(g->name, "false") || !strcmp(g->name, "nil"))) {
        cg_emit(c, OPC_JUMP, fail);
    } else {
        uint32_t r = cg_any(c, g);
        cg_emit(c, OPC_IS_EQX_K, r, cg_lit(c, ATOM_true), fail);
    }
    cg_release(c, mark);
}

/* Whether evaluating guard g can raise (then it runs under TRY). */
static bool can_raise_node(Cg *c, Node *g);
/* Whether evaluating guard g can raise (depth-bounded). */
static bool can_raise(Cg *c, Node *g) {
    cg_enter(c, g);
    bool r = can_raise_node(c, g);
    cg_leave(c);
    return r;
}

static bool can_raise_node(Cg *c, Node *g) {
    switch (g->kind) {
    case N_VAR: case N_INT: case N_FLOAT: case N_ATOM: case N_STRING: case N_ALIAS: case N_MODULE_REF:
        return false;
    case N_ATTR: return !cg_is_literal(c, g);
    case N_TUPLE: case N_LIST:
        if (cg_is_literal(c, g)) return false;
        return true;
    case N_UNOP:
        if (cg_is_literal(c, g)) return false;
        if (!strcmp(g->name, "not") || !strcmp(g->name, "!")) return can_raise(c, g->kids[0]);
        if (!strcmp(g->name, "^")) return false;
        return true;
    case N_BINOP:
        if (!strcmp(g->name, "and") || !strcmp(g->name, "or") || !strcmp(g->name, "&&") || !strcmp(g->name, "||") || cmp_test(g))
            return can_raise(c, g->kids[0]) || can_raise(c, g->kids[1]);
        if (!strcmp(g->name, "in") || !strcmp(g->name, "not in")) {
            int64_t lo, hi;
            Node *rhs = g->kids[1];
            if (literal_range(c, rhs, &lo, &hi) || (rhs->kind == N_LIST && cg_is_literal(c, rhs)))
                return can_raise(c, g->kids[0]);
            return true;
        }
        return true;
    case N_CALL:
        if (is_type_test(g)) return can_raise(c, g->kids[0]);
        return true;
    default:
        return true;
    }
}

void cg_guard(Cg *c, Node *g, int fail) {
    FnState *f = c->fn;
    if (g->kind == N_WHEN) {
        /* Several guards on one clause (`when g1 when g2`, parsed as
         * N_WHEN(g1, g2), right-nested for more): the clause matches if any
         * guard holds, and each guard fails on its own when it raises. */
        int second = cg_label(c), ok = cg_label(c);
        cg_guard(c, g->kids[0], second);
        cg_emit(c, OPC_JUMP, ok);
        cg_place(c, second);
        cg_guard(c, g->kids[1], fail);
        cg_place(c, ok);
        return;
    }
    f->in_guard++;
    if (!can_raise(c, g)) {
        cg_guard_test(c, g, fail);
        f->in_guard--;
        return;
    }
    uint32_t mark = f->top;
    uint32_t t = cg_tmps(c, 3);
    int inner = cg_label(c), ok = cg_label(c);
    /* An exception unwinds to the handler, which jumps straight to fail. */
    cg_emit(c, OPC_TRY, t, fail);
    cg_guard_test(c, g, inner);
    cg_emit(c, OPC_TRY_END);
    cg_emit(c, OPC_JUMP, ok);
    cg_place(c, inner);
    cg_emit(c, OPC_TRY_END);
    cg_emit(c, OPC_JUMP, fail);
    cg_place(c, ok);
    cg_release(c, mark);
    f->in_guard--;
}

static void test_truthy_node(Cg *c, Node *n, int fail) {
    if (n->kind == N_UNOP && !strcmp(n->name, "!")) {
        int holds = cg_label(c);
        cg_test_truthy(c, n->kids[0], holds);
        cg_emit(c, OPC_JUMP, fail);
        cg_place(c, holds);
        return;
    }
    if (n->kind == N_BINOP && !strcmp(n->name, "&&")) {
        cg_test_truthy(c, n->kids[0], fail);
        cg_test_truthy(c, n->kids[1], fail);
        return;
    }
    if (n->kind == N_BINOP && !strcmp(n->name, "||")) {
        int second = cg_label(c), ok = cg_label(c);
        cg_test_truthy(c, n->kids[0], second);
        cg_emit(c, OPC_JUMP, ok);
        cg_place(c, second);
        cg_test_truthy(c, n->kids[1], fail);
        cg_place(c, ok);
        return;
    }
    if (cmp_test(n) || is_type_test(n) || (n->kind == N_BINOP && (!strcmp(n->name, "in") || !strcmp(n->name, "not in")))) {
        cg_guard_test(c, n, fail);
        return;
    }
    if (n->kind == N_ATOM && !strcmp(n->name, "true")) return;
    uint32_t mark = c->fn->top;
    uint32_t r = cg_any(c, n);
    cg_emit(c, OPC_JFALSY, r, fail);
    cg_release(c, mark);
}

/* The public entry points bound the recursion depth (cg_enter). */
void cg_pattern(Cg *c, Node *p, uint32_t r, int fail) {
    cg_enter(c, p);
    pattern_node(c, p, r, fail);
    cg_leave(c);
}

void cg_guard_test(Cg *c, Node *g, int fail) {
    cg_enter(c, g);
    guard_test_node(c, g, fail);
    cg_leave(c);
}

void cg_test_truthy(Cg *c, Node *n, int fail) {
    cg_enter(c, n);
    test_truthy_node(c, n, fail);
    cg_leave(c);
}
