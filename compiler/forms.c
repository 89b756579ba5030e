/* forms.c — special forms: if/unless, case, cond, with, for, try, receive,
 * anonymous functions and captures.
 *
 * Scoping (Elixir 1.14): variables bound inside a clause or branch are not
 * visible after the form; each clause restores the scope (vars and top) it
 * started with. Lambdas are lifted into functions of the module; the
 * variables they use from the enclosing scope are copied in at creation.
 */
#include <stdlib.h>
#include <string.h>
#include "cg.h"
#include "../vm/heap.h"
#include "../vm/atom.h"

typedef struct Scope { int nvars; uint32_t top; } Scope;
static Scope scope_save(Cg *c) { return (Scope){ c->fn->nvars, c->fn->top }; }
static void scope_restore(Cg *c, Scope s) { c->fn->nvars = s.nvars; c->fn->top = s.top; }

static Node *mk(Cg *c, NodeKind k, const char *name, const Node *at) {
    Node *n = cg_node(c, k, at);
    n->name = name;
    return n;
}
static Node *kw1(Cg *c, const char *key, Node *v, const Node *at) {
    Node *t = mk(c, N_TUPLE, NULL, at);
    ast_push(c->arena, t, mk(c, N_ATOM, key, at));
    ast_push(c->arena, t, v);
    Node *l = mk(c, N_LIST, NULL, at);
    l->flags = NF_KW;
    ast_push(c->arena, l, t);
    return l;
}
static Node *clause(Cg *c, Node **pats, size_t n, Node *guard, Node *body, const Node *at) {
    Node *args = mk(c, N_LIST, NULL, at);
    for (size_t i = 0; i < n; i++) ast_push(c->arena, args, pats[i]);
    Node *head = args;
    if (guard) {
        head = mk(c, N_WHEN, NULL, at);
        ast_push(c->arena, head, args);
        ast_push(c->arena, head, guard);
    }
    Node *cl = mk(c, N_CLAUSE, NULL, at);
    ast_push(c->arena, cl, head);
    ast_push(c->arena, cl, body);
    return cl;
}

/* The clauses of a do/else/rescue block: an N_STAB's kids. */
static Node **stab(Cg *c, Node *n, size_t *count, const char *what) {
    if (!n) { *count = 0; return NULL; }
    if (n->kind == N_STAB) { *count = n->nkids; return n->kids; }
    if (n->kind == N_CLAUSE) { *count = 1; Node **one = ast_alloc(c->arena, sizeof(Node *)); one[0] = n; return one; }
    cg_error(c, n, "expected -> clauses for %s", what);
}

/* Arguments of a form before its trailing keyword lists. */
static size_t positional(Node *call) {
    size_t n = call->nkids;
    while (n > 0 && call->kids[n - 1]->kind == N_LIST && (call->kids[n - 1]->flags & NF_KW)) n--;
    return n;
}

/* ======================================================================
 * Clauses, if, case, cond
 * ====================================================================== */

void cg_clauses(Cg *c, Node **clauses, size_t n, uint32_t r, Dest d, int done) {
    FnState *f = c->fn;
    for (size_t i = 0; i < n; i++) {
        Node *cl = clauses[i];
        if (cl->kind != N_CLAUSE) cg_error(c, cl, "expected a -> clause");
        Node **args, *guard;
        size_t na;
        cg_clause_head(c, cl, &args, &na, &guard);
        if (na != 1) cg_error(c, cl, "expected one pattern in this clause, got %zu", na);
        Scope s = scope_save(c);
        int next = cg_label(c);
        int saved = f->pat_base;
        f->pat_base = f->nvars;
        cg_pattern(c, args[0], r, next);
        f->pat_base = saved;
        if (guard) cg_guard(c, guard, next);
        cg_body(c, cl->kids[1], d);
        if (!d.tail) cg_emit(c, OPC_JUMP, done);
        cg_place(c, next);
        scope_restore(c, s);
    }
}

static void if_form(Cg *c, Node *n, Dest d, bool unless) {
    if (positional(n) != 1) cg_error(c, n, "%s expects a condition and a do block", unless ? "unless" : "if");
    Node *then = cg_call_kw(n, "do"), *els = cg_call_kw(n, "else");
    if (unless) { Node *t = then; then = els; els = t; }
    int other = cg_label(c), done = cg_label(c);
    cg_test_truthy(c, n->kids[0], other);
    Scope s = scope_save(c);
    cg_body(c, then, d);
    scope_restore(c, s);
    if (!d.tail) cg_emit(c, OPC_JUMP, done);
    cg_place(c, other);
    cg_body(c, els, d);
    scope_restore(c, s);
    cg_place(c, done);
}

static void case_form(Cg *c, Node *n, Dest d) {
    if (positional(n) != 1) cg_error(c, n, "case expects an expression and a do block");
    size_t nc;
    Node **cls = stab(c, cg_call_kw(n, "do"), &nc, "case");
    uint32_t r = cg_any(c, n->kids[0]);
    int done = cg_label(c);
    cg_clauses(c, cls, nc, r, d, done);
    cg_line(c, n->line);
    cg_emit(c, OPC_CASE_CLAUSE, r);
    cg_place(c, done);
}

static void cond_form(Cg *c, Node *n, Dest d) {
    size_t nc;
    Node **cls = stab(c, cg_call_kw(n, "do"), &nc, "cond");
    int done = cg_label(c);
    for (size_t i = 0; i < nc; i++) {
        Node **args, *guard;
        size_t na;
        cg_clause_head(c, cls[i], &args, &na, &guard);
        if (na != 1 || guard) cg_error(c, cls[i], "cond clauses take one condition");
        Scope s = scope_save(c);
        int next = cg_label(c);
        cg_test_truthy(c, args[0], next);
        cg_body(c, cls[i]->kids[1], d);
        if (!d.tail) cg_emit(c, OPC_JUMP, done);
        cg_place(c, next);
        scope_restore(c, s);
    }
    cg_line(c, n->line);
    cg_emit(c, OPC_COND_CLAUSE);
    cg_place(c, done);
}

/* ======================================================================
 * with
 * ====================================================================== */

static void with_form(Cg *c, Node *n, Dest d) {
    FnState *f = c->fn;
    size_t np = positional(n);
    Node *body = cg_call_kw(n, "do");
    size_t ne;
    Node **els = stab(c, cg_call_kw(n, "else"), &ne, "with else");
    if (!body) cg_error(c, n, "with expects a do block");
    uint32_t v = cg_tmp(c);
    Scope s = scope_save(c);
    int *fails = ast_alloc(c->arena, (np + 1) * sizeof(int));
    uint32_t *regs = ast_alloc(c->arena, (np + 1) * sizeof(uint32_t));
    size_t nf = 0;
    int other = cg_label(c), done = cg_label(c);
    for (size_t i = 0; i < np; i++) {
        Node *q = n->kids[i];
        if (q->kind == N_BINOP && strcmp(q->name, "<-") == 0) {
            Node *pat = q->kids[0], *guard = NULL;
            if (pat->kind == N_WHEN) { guard = pat->kids[1]; pat = pat->kids[0]; }
            uint32_t r = cg_tmp(c);
            cg_into(c, q->kids[1], r);
            int fail = cg_label(c);
            int saved = f->pat_base;
            f->pat_base = f->nvars;
            cg_pattern(c, pat, r, fail);
            f->pat_base = saved;
            if (guard) cg_guard(c, guard, fail);
            fails[nf] = fail;
            regs[nf++] = r;
        } else {
            uint32_t mark = f->top;
            uint32_t t = cg_tmp(c);
            cg_expr(c, q, (Dest){ t, false, true });
            cg_release(c, mark);
        }
    }
    cg_body(c, body, d);
    if (!d.tail) cg_emit(c, OPC_JUMP, done);
    for (size_t i = 0; i < nf; i++) {
        cg_place(c, fails[i]);
        if (regs[i] != v) cg_emit(c, OPC_MOVE, v, regs[i]);
        if (i + 1 < nf) cg_emit(c, OPC_JUMP, other);
    }
    cg_place(c, other);
    scope_restore(c, s);
    if (ne) {
        cg_clauses(c, els, ne, v, d, done);
        cg_line(c, n->line);
        cg_emit(c, OPC_WITH_CLAUSE, v);
    } else {
        if (!d.discard && d.reg != v) cg_emit(c, OPC_MOVE, d.reg, v);
        cg_finish(c, d);
    }
    cg_place(c, done);
}

/* ======================================================================
 * for: desugared into Enum.reduce over lambdas
 * ====================================================================== */

static Node *remote(Cg *c, const char *mod, const char *fun, const Node *at, Node *a, Node *b, Node *c3) {
    Node *r = mk(c, N_REMOTE, fun, at);
    r->flags = NF_PARENS;
    ast_push(c->arena, r, mk(c, mod[0] == ':' ? N_ATOM : N_ALIAS, mod[0] == ':' ? mod + 1 : mod, at));
    if (a) ast_push(c->arena, r, a);
    if (b) ast_push(c->arena, r, b);
    if (c3) ast_push(c->arena, r, c3);
    return r;
}

/* A bitstring generator `<<c <- bin>>` (bytes) or `<<c::utf8 <- bin>>`
 * (code points) as a list generator `c <- list`, or NULL if q is not one.
 * Only a single unsized segment is supported. */
static Node *bin_generator(Cg *c, Node *q) {
    if (q->kind != N_BINARY || q->nkids != 1) return NULL;
    Node *g = q->kids[0];
    if (g->kind != N_BINOP || strcmp(g->name, "<-") != 0) return NULL;
    Node *pat = g->kids[0];
    const char *conv = "binary_to_list", *mod = ":erlang";
    if (pat->kind == N_BINOP && strcmp(pat->name, "::") == 0) {
        Node *ty = pat->kids[1];
        const char *t = (ty->kind == N_VAR || (ty->kind == N_CALL && ty->nkids == 0)) ? ty->name : "";
        if (strcmp(t, "utf8") == 0) { mod = "String"; conv = "to_charlist"; }
        else if (strcmp(t, "integer") != 0) cg_error(c, ty, "unsupported bitstring generator segment (only bytes and ::utf8)");
        pat = pat->kids[0];
    }
    Node *r = mk(c, N_BINOP, "<-", g);
    ast_push(c->arena, r, pat);
    ast_push(c->arena, r, remote(c, mod, conv, g, g->kids[1], NULL, NULL));
    return r;
}

static Node *for_build(Cg *c, Node *n, size_t i, size_t nq, Node *acc, Node *body, Node *reduce_clauses) {
    if (i == nq) {
        if (reduce_clauses) {
            Node *cs = mk(c, N_CALL, "case", n);
            ast_push(c->arena, cs, acc);
            ast_push(c->arena, cs, kw1(c, "do", reduce_clauses, n));
            return cs;
        }
        Node *l = mk(c, N_LIST, NULL, n);
        ast_push(c->arena, l, body);
        l->tail = acc;
        return l;
    }
    Node *q = n->kids[i];
    Node *bq = bin_generator(c, q);
    if (bq) q = bq;
    if (q->kind == N_BINOP && strcmp(q->name, "<-") == 0) {
        Node *pat = q->kids[0], *guard = NULL;
        if (pat->kind == N_WHEN) { guard = pat->kids[1]; pat = pat->kids[0]; }
        Node *x = cg_var(c, cg_fresh(c, "for_x"), q), *a2 = cg_var(c, cg_fresh(c, "for_acc"), q);
        Node *inner = for_build(c, n, i + 1, nq, a2, body, reduce_clauses);
        Node *lam_body;
        if (pat->kind == N_VAR && !guard) {
            x = pat;
            lam_body = inner;
        } else {
            Node *ps[1] = { pat }, *ws[1] = { mk(c, N_VAR, "_", q) };
            Node *st = mk(c, N_STAB, NULL, q);
            ast_push(c->arena, st, clause(c, ps, 1, guard, inner, q));
            ast_push(c->arena, st, clause(c, ws, 1, NULL, a2, q));
            lam_body = mk(c, N_CALL, "case", q);
            ast_push(c->arena, lam_body, x);
            ast_push(c->arena, lam_body, kw1(c, "do", st, q));
        }
        Node *params[2] = { x, a2 };
        Node *fn = mk(c, N_FN, NULL, q);
        ast_push(c->arena, fn, clause(c, params, 2, NULL, lam_body, q));
        return remote(c, "Enum", "reduce", q, q->kids[1], acc, fn);
    }
    /* A filter: keep going only when it is truthy. */
    Node *iff = mk(c, N_CALL, "if", q);
    ast_push(c->arena, iff, q);
    Node *kw = kw1(c, "do", for_build(c, n, i + 1, nq, acc, body, reduce_clauses), q);
    Node *t = mk(c, N_TUPLE, NULL, q);
    ast_push(c->arena, t, mk(c, N_ATOM, "else", q));
    ast_push(c->arena, t, acc);
    ast_push(c->arena, kw, t);
    ast_push(c->arena, iff, kw);
    return iff;
}

static void for_form(Cg *c, Node *n, Dest d) {
    size_t nq = positional(n);
    Node *body = cg_call_kw(n, "do"), *into = cg_call_kw(n, "into"), *reduce = cg_call_kw(n, "reduce");
    if (!body) cg_error(c, n, "for expects a do block");
    if (nq == 0 || !((n->kids[0]->kind == N_BINOP && strcmp(n->kids[0]->name, "<-") == 0) || bin_generator(c, n->kids[0])))
        cg_error(c, n, "for expects a generator as its first argument");
    Node *e;
    if (reduce) {
        e = for_build(c, n, 0, nq, reduce, NULL, body);
    } else {
        Node *nil = mk(c, N_LIST, NULL, n);
        e = remote(c, ":lists", "reverse", n, for_build(c, n, 0, nq, nil, body, NULL), NULL, NULL);
        Node *uniq = cg_call_kw(n, "uniq");
        if (uniq && !(uniq->kind == N_ATOM && (!strcmp(uniq->name, "false") || !strcmp(uniq->name, "nil"))))
            e = remote(c, "Enum", "uniq", n, e, NULL, NULL);
        /* into: a binary goes through Enum.into too: it raises
         * ArgumentError "argument error: x" for a non-binary element, as
         * Elixir's for does (joining would stringify it). */
        if (into) {
            e = remote(c, "Enum", "into", n, e, into, NULL);
        }
    }
    cg_expr(c, e, d);
}

/* ======================================================================
 * try
 * ====================================================================== */

/* Jump to fail unless exception struct e is one of the modules in spec
 * (an alias, or a list of aliases). */
static void rescue_test(Cg *c, Node *spec, uint32_t e, int fail) {
    size_t n = spec->kind == N_LIST ? spec->nkids : 1;
    Node **mods = spec->kind == N_LIST ? spec->kids : &spec;
    uint32_t k = cg_tmp(c), s = cg_tmp(c);
    cg_emit(c, OPC_LOADK, k, cg_lit(c, ATOM___struct__));
    cg_emit(c, OPC_MAP_GET, s, e, k, fail);
    int ok = cg_label(c);
    for (size_t i = 0; i < n; i++) {
        if (mods[i]->kind != N_ALIAS && mods[i]->kind != N_ATOM) cg_error(c, mods[i], "rescue expects exception module names");
        Term m = mods[i]->kind == N_ALIAS ? cg_alias_atom(c, mods[i]->name) : cg_atom(c, mods[i]->name);
        bool last = i + 1 == n;
        int next = last ? fail : cg_label(c);
        cg_emit(c, OPC_IS_EQX_K, s, cg_lit(c, m), next);
        if (!last) { cg_emit(c, OPC_JUMP, ok); cg_place(c, next); }
    }
    cg_place(c, ok);
}

static void callx_regs(Cg *c, const Node *at, const char *mod, const char *name, const uint32_t *regs, uint32_t n, uint32_t dst) {
    uint32_t mark = c->fn->top;
    uint32_t base = cg_tmps(c, n ? n : 1);
    for (uint32_t i = 0; i < n; i++) cg_emit(c, OPC_MOVE, base + i, regs[i]);
    cg_line(c, at->line);
    cg_emit(c, OPC_CALLX, base, cg_import(c, cg_atom(c, mod), cg_atom(c, name), n));
    if (dst != base) cg_emit(c, OPC_MOVE, dst, base);
    cg_release(c, mark);
}

static void try_form(Cg *c, Node *n, Dest d) {
    FnState *f = c->fn;
    Node *body = cg_call_kw(n, "do"), *after = cg_call_kw(n, "after");
    size_t nr, nc, ne;
    Node **rescue = stab(c, cg_call_kw(n, "rescue"), &nr, "rescue");
    Node **catches = stab(c, cg_call_kw(n, "catch"), &nc, "catch");
    Node **els = stab(c, cg_call_kw(n, "else"), &ne, "else");
    if (!body) cg_error(c, n, "try expects a do block");
    Scope outer = scope_save(c);
    Dest inner = { cg_tmp(c), false, false };
    uint32_t out = cg_tmp(c);
    /* Without `after`, the else, rescue and catch bodies run outside the
     * protected region, so they are in tail position when the try is (as
     * Erlang's `of` and catch clauses): a loop through them runs in
     * constant stack. */
    Dest od = { out, d.tail && !after, false };
    uint32_t ta = 0;
    int after_exc = -1, all_done = cg_label(c);
    if (after) {
        ta = cg_tmps(c, 3);
        after_exc = cg_label(c);
        cg_emit(c, OPC_TRY, ta, after_exc);
    }
    bool handles = nr || nc;
    uint32_t t = cg_tmps(c, 3);
    int handler = cg_label(c), done = cg_label(c);
    Scope s = scope_save(c);
    if (handles) cg_emit(c, OPC_TRY, t, handler);
    cg_body(c, body, inner);
    if (handles) cg_emit(c, OPC_TRY_END);
    scope_restore(c, s);
    if (ne) {
        cg_clauses(c, els, ne, inner.reg, od, done);
        cg_line(c, n->line);
        cg_emit(c, OPC_TRY_CLAUSE, inner.reg);
    } else {
        cg_emit(c, OPC_MOVE, out, inner.reg);
        cg_emit(c, OPC_JUMP, done);
    }
    if (handles) {
        cg_place(c, handler);
        cg_bind(c, "__STACKTRACE__", t + 2);
        Scope hs = scope_save(c);
        int to_catch = cg_label(c);
        if (nr) {
            cg_emit(c, OPC_IS_EQX_K, t, cg_lit(c, ATOM_error), to_catch);
            uint32_t e = cg_tmp(c);
            callx_regs(c, n, "Elixir.Exception", "normalize", (uint32_t[]){ t, t + 1, t + 2 }, 3, e);
            Scope es = scope_save(c);
            for (size_t i = 0; i < nr; i++) {
                Node **args, *guard;
                size_t na;
                cg_clause_head(c, rescue[i], &args, &na, &guard);
                if (na != 1 || guard) cg_error(c, rescue[i], "invalid rescue clause");
                Node *p = args[0];
                int next = cg_label(c);
                f->pat_base = f->nvars;
                if (p->kind == N_BINOP && strcmp(p->name, "in") == 0) {
                    rescue_test(c, p->kids[1], e, next);
                    cg_pattern(c, p->kids[0], e, next);
                } else if (p->kind == N_ALIAS || p->kind == N_LIST) {
                    rescue_test(c, p, e, next);
                } else if (p->kind == N_VAR) {
                    cg_pattern(c, p, e, next);
                } else {
                    cg_error(c, p, "invalid rescue clause: expected a variable, an alias or `var in Alias`");
                }
                cg_body(c, rescue[i]->kids[1], od);
                cg_emit(c, OPC_JUMP, done);
                cg_place(c, next);
                scope_restore(c, es);
            }
        }
        cg_place(c, to_catch);
        scope_restore(c, hs);
        for (size_t i = 0; i < nc; i++) {
            Node **args, *guard;
            size_t na;
            cg_clause_head(c, catches[i], &args, &na, &guard);
            int next = cg_label(c);
            f->pat_base = f->nvars;
            if (na == 1) {
                cg_emit(c, OPC_IS_EQX_K, t, cg_lit(c, ATOM_throw), next);
                cg_pattern(c, args[0], t + 1, next);
            } else if (na == 2) {
                cg_pattern(c, args[0], t, next);
                cg_pattern(c, args[1], t + 1, next);
            } else {
                cg_error(c, catches[i], "catch clauses take one or two patterns");
            }
            if (guard) cg_guard(c, guard, next);
            cg_body(c, catches[i]->kids[1], od);
            cg_emit(c, OPC_JUMP, done);
            cg_place(c, next);
            scope_restore(c, hs);
        }
        cg_line(c, n->line);
        cg_emit(c, OPC_RERAISE, t, t + 1, t + 2);
        scope_restore(c, s);
    }
    cg_place(c, done);
    if (after) {
        cg_emit(c, OPC_TRY_END);
        uint32_t mark = f->top, x = cg_tmp(c);
        cg_body(c, after, (Dest){ x, false, true });
        scope_restore(c, s);
        cg_release(c, mark);
        cg_emit(c, OPC_JUMP, all_done);
        cg_place(c, after_exc);
        x = cg_tmp(c);
        cg_body(c, after, (Dest){ x, false, true });
        scope_restore(c, s);
        cg_line(c, n->line);
        cg_emit(c, OPC_RERAISE, ta, ta + 1, ta + 2);
        cg_place(c, all_done);
    }
    if (!d.discard && d.reg != out) cg_emit(c, OPC_MOVE, d.reg, out);
    scope_restore(c, outer);
    cg_finish(c, d);
}

/* ======================================================================
 * receive
 * ====================================================================== */

static void receive_form(Cg *c, Node *n, Dest d) {
    FnState *f = c->fn;
    size_t nc, na;
    /* `receive do after t -> ... end`: an empty do block, no clauses. */
    Node *body = cg_call_kw(n, "do");
    if (body && body->kind == N_BLOCK && body->nkids == 0) body = NULL;
    Node **cls = stab(c, body, &nc, "receive");
    Node **after = stab(c, cg_call_kw(n, "after"), &na, "receive after");
    if (na > 1) cg_error(c, n, "expected a single -> clause in receive's after");
    uint32_t m = cg_tmp(c);
    int loop = cg_label(c), wait = cg_label(c), next_msg = cg_label(c), done = cg_label(c);
    cg_place(c, loop);
    cg_emit(c, OPC_LOOP_REC, m, wait);
    for (size_t i = 0; i < nc; i++) {
        Node **args, *guard;
        size_t np;
        cg_clause_head(c, cls[i], &args, &np, &guard);
        if (np != 1) cg_error(c, cls[i], "expected one pattern in this clause");
        Scope s = scope_save(c);
        int next = i + 1 == nc ? next_msg : cg_label(c);
        f->pat_base = f->nvars;
        cg_pattern(c, args[0], m, next);
        if (guard) cg_guard(c, guard, next);
        cg_emit(c, OPC_REMOVE_MSG);
        cg_body(c, cls[i]->kids[1], d);
        if (!d.tail) cg_emit(c, OPC_JUMP, done);
        if (next != next_msg) cg_place(c, next);
        scope_restore(c, s);
    }
    cg_place(c, next_msg);
    cg_emit(c, OPC_LOOP_REC_NEXT, loop);
    cg_place(c, wait);
    if (na) {
        Node **args, *guard;
        size_t np;
        cg_clause_head(c, after[0], &args, &np, &guard);
        if (np != 1 || guard) cg_error(c, after[0], "expected a timeout in receive's after");
        uint32_t mark = f->top;
        uint32_t tr = cg_any(c, args[0]);
        cg_emit(c, OPC_WAIT_TIMEOUT, tr, loop);
        cg_emit(c, OPC_TIMEOUT);
        cg_release(c, mark);
        cg_body(c, after[0]->kids[1], d);
    } else {
        cg_emit(c, OPC_WAIT, loop);
    }
    cg_place(c, done);
}

/* ======================================================================
 * Anonymous functions and captures
 * ====================================================================== */

typedef struct Names { const char **v; size_t n, cap; } Names;

/* Every variable name in n, once each. Depth-bounded (cg_enter); the list is
 * arena memory so that a compile error (longjmp) leaks nothing. */
static void collect_vars(Cg *c, Node *n, Names *out) {
    if (!n) return;
    if (n->kind == N_VAR) {
        for (size_t i = 0; i < out->n; i++) if (strcmp(out->v[i], n->name) == 0) return;
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 16;
            const char **v = ast_alloc(c->arena, out->cap * sizeof *v);
            if (out->n) memcpy(v, out->v, out->n * sizeof *v);
            out->v = v;
        }
        out->v[out->n++] = n->name;
        return;
    }
    cg_enter(c, n);
    for (size_t i = 0; i < n->nkids; i++) collect_vars(c, n->kids[i], out);
    collect_vars(c, n->tail, out);
    collect_vars(c, n->update, out);
    cg_leave(c);
}

static Term export_term(Cg *c, Term mod, Term fun, uint32_t arity) {
    Term *w = heap_alloc(cg_litheap(c), 4);
    w[0] = make_header(BOX_EXPORT, 3);
    w[1] = mod;
    w[2] = fun;
    w[3] = make_small(arity);
    return make_boxed(w);
}

/* Compile clauses (N_CLAUSE) as a lambda; leaves the fun in d. The names in
 * `bound` (capture arguments) are bound to the argument registers. */
static void lambda(Cg *c, Node *at, Node **cls, size_t ncl, Dest d) {
    FnState *outer = c->fn;
    ModState *ms = c->mod;
    Node **args0, *g0;
    size_t arity;
    cg_clause_head(c, cls[0], &args0, &arity, &g0);

    Names names = {0};
    for (size_t i = 0; i < ncl; i++) collect_vars(c, cls[i], &names);
    const char **cap = ast_alloc(c->arena, (names.n + 1) * sizeof *cap);
    uint32_t *capreg = ast_alloc(c->arena, (names.n + 1) * sizeof *capreg);
    uint32_t nfree = 0;
    for (size_t i = 0; i < names.n; i++) {
        int r = cg_lookup(c, names.v[i]);
        if (r >= 0) { cap[nfree] = names.v[i]; capreg[nfree++] = (uint32_t)r; }
    }

    if (ms->nlambdas == ms->lamcap) {
        ms->lamcap = ms->lamcap ? ms->lamcap * 2 : 8;
        ms->lambdas = realloc(ms->lambdas, ms->lamcap * sizeof *ms->lambdas);
    }
    uint32_t li = ms->nlambdas++;
    ms->lambdas[li] = (FunEntry){ NULL, 0, (uint32_t)arity, nfree, li };

    FnState *fs = cg_fn_begin(c, (uint32_t)arity, nfree);
    fs->def_name = outer->def_name ? outer->def_name : "__script__";
    fs->def_arity = outer->def_arity;
    for (uint32_t i = 0; i < nfree; i++) cg_bind(c, cap[i], (uint32_t)arity + i);
    int base_vars = fs->nvars;
    for (size_t ci = 0; ci < ncl; ci++) {
        Node **args, *guard;
        size_t na;
        cg_clause_head(c, cls[ci], &args, &na, &guard);
        if (na != arity) cg_error(c, cls[ci], "cannot mix clauses with different arities in anonymous functions");
        int next = cg_label(c);
        fs->pat_base = fs->nvars;
        for (size_t i = 0; i < na; i++) cg_pattern(c, args[i], (uint32_t)i, next);
        if (guard) cg_guard(c, guard, next);
        uint32_t r = cg_tmp(c);
        cg_body(c, cls[ci]->kids[1], (Dest){ r, true, false });
        cg_place(c, next);
        fs->nvars = base_vars;
        fs->top = (uint32_t)arity + nfree;
    }
    cg_line(c, at->line);
    cg_emit(c, OPC_FUNC_CLAUSE);
    char name[300];
    snprintf(name, sizeof name, "-%s/%u-fun-%u-", fs->def_name, fs->def_arity, li);
    uint32_t fi = cg_fn_end(c, cg_atom(c, name), false, UINT32_MAX);
    ms->lambdas[li].func = fi;

    uint32_t mark = c->fn->top;
    uint32_t base = cg_tmps(c, nfree ? nfree : 1);
    for (uint32_t i = 0; i < nfree; i++)
        if (base + i != capreg[i]) cg_emit(c, OPC_MOVE, base + i, capreg[i]);
    cg_emit(c, OPC_CLOSURE, d.reg, li, base);
    cg_release(c, mark);
    cg_finish(c, d);
}

void cg_fn(Cg *c, Node *n, Dest d) {
    if (n->nkids == 0) cg_error(c, n, "expected clauses in fn");
    lambda(c, n, n->kids, n->nkids, d);
}

static int max_capture_arg(Cg *c, Node *n) {
    if (!n) return 0;
    if (n->kind == N_CAPTURE_ARG) return (int)n->ival;
    if (n->kind == N_CAPTURE) return 0;
    cg_enter(c, n);
    int m = 0;
    for (size_t i = 0; i < n->nkids; i++) { int k = max_capture_arg(c, n->kids[i]); if (k > m) m = k; }
    int k = max_capture_arg(c, n->tail); if (k > m) m = k;
    k = max_capture_arg(c, n->update); if (k > m) m = k;
    cg_leave(c);
    return m;
}

void cg_capture(Cg *c, Node *n, Dest d) {
    Node *b = n->kids[0];
    if (b->kind == N_BINOP && strcmp(b->name, "/") == 0 && b->kids[1]->kind == N_INT) {
        Node *f = b->kids[0];
        int64_t arity = b->kids[1]->ival;
        if (arity < 0 || arity > 255) cg_error(c, b, "invalid arity in capture");
        Term mod;
        const char *fname = NULL;
        bool remote = false;
        if ((f->kind == N_FIELD) || (f->kind == N_REMOTE && f->nkids == 1)) {
            Node *t = f->kids[0];
            remote = true;
            fname = f->name;
            if (t->kind == N_ALIAS) mod = cg_alias_atom(c, t->name);
            else if (t->kind == N_ATOM) mod = cg_atom(c, t->name);
            else if (t->kind == N_MODULE_REF && !c->mod->is_script) mod = c->mod->name;
            else cg_error(c, t, "invalid capture: the module must be an alias or an atom");
        } else if ((f->kind == N_CALL && f->nkids == 0) || f->kind == N_VAR) {
            fname = f->name;
        }
        if (fname) {
            Def *def = (!remote && !c->mod->is_script) ? cg_find_def(c, fname, (uint32_t)arity) : NULL;
            if (def) {
                /* A local function: a lambda that calls it. */
                Node **ps = ast_alloc(c->arena, ((size_t)arity + 1) * sizeof(Node *));
                Node *call = mk(c, N_CALL, fname, n);
                call->flags = NF_PARENS;
                for (int64_t i = 0; i < arity; i++) {
                    ps[i] = cg_var(c, cg_fresh(c, "cap"), n);
                    ast_push(c->arena, call, ps[i]);
                }
                Node *cl = clause(c, ps, (size_t)arity, NULL, call, n);
                lambda(c, n, &cl, 1, d);
                return;
            }
            static const char *const binops[] = { "+", "-", "*", "/", "==", "!=", "===", "!==", "<", ">", "<=", ">=",
                                                  "<>", "++", "--", "and", "or", "&&", "||", "in", NULL };
            bool is_binop = false;
            for (int i = 0; binops[i] && !remote && arity == 2; i++) is_binop |= strcmp(binops[i], fname) == 0;
            if (is_binop || (!remote && arity == 1 && (!strcmp(fname, "-") || !strcmp(fname, "!") || !strcmp(fname, "not")))) {
                /* An operator: fn a, b -> a op b end (operators are inlined,
                 * so there may be no function to export). */
                Node **ps = ast_alloc(c->arena, 2 * sizeof(Node *));
                Node *op = mk(c, arity == 2 ? N_BINOP : N_UNOP, fname, n);
                for (int64_t i = 0; i < arity; i++) {
                    ps[i] = cg_var(c, cg_fresh(c, "cap"), n);
                    ast_push(c->arena, op, ps[i]);
                }
                Node *cl = clause(c, ps, (size_t)arity, NULL, op, n);
                lambda(c, n, &cl, 1, d);
                return;
            }
            if (!remote) mod = ATOM_Elixir_Kernel;
            cg_emit(c, OPC_LOADK, d.reg, cg_lit(c, export_term(c, mod, cg_atom(c, fname), (uint32_t)arity)));
            cg_finish(c, d);
            return;
        }
    }
    int k = max_capture_arg(c, b);
    if (k <= 0) cg_error(c, n, "invalid args for &, expected one of: &Mod.fun/arity, &fun/arity, or an expression using &1");
    Node **ps = ast_alloc(c->arena, ((size_t)k + 1) * sizeof(Node *));
    for (int i = 0; i < k; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "&%d", i + 1);
        ps[i] = cg_var(c, ast_strdup(c->arena, buf, strlen(buf)), n);
    }
    Node *cl = clause(c, ps, (size_t)k, NULL, b, n);
    lambda(c, n, &cl, 1, d);
}

/* ======================================================================
 * Dispatch
 * ====================================================================== */

bool cg_special_form(Cg *c, Node *n, Dest d) {
    const char *nm = n->name;
    cg_line(c, n->line);
    if (!strcmp(nm, "if")) { if_form(c, n, d, false); return true; }
    if (!strcmp(nm, "unless")) { if_form(c, n, d, true); return true; }
    if (!strcmp(nm, "case")) { case_form(c, n, d); return true; }
    if (!strcmp(nm, "cond")) { cond_form(c, n, d); return true; }
    if (!strcmp(nm, "with")) { with_form(c, n, d); return true; }
    if (!strcmp(nm, "for")) { for_form(c, n, d); return true; }
    if (!strcmp(nm, "try")) { try_form(c, n, d); return true; }
    if (!strcmp(nm, "receive")) { receive_form(c, n, d); return true; }
    if (!strcmp(nm, "match?") && n->nkids == 2) {
        /* match?(pattern, expr): case expr do pattern -> true; _ -> false end */
        Node *pat = n->kids[0], *guard = NULL;
        if (pat->kind == N_WHEN) { guard = pat->kids[1]; pat = pat->kids[0]; }
        Node *ps[1] = { pat }, *ws[1] = { mk(c, N_VAR, "_", n) };
        Node *st = mk(c, N_STAB, NULL, n);
        ast_push(c->arena, st, clause(c, ps, 1, guard, mk(c, N_ATOM, "true", n), n));
        ast_push(c->arena, st, clause(c, ws, 1, NULL, mk(c, N_ATOM, "false", n), n));
        Node *cs = mk(c, N_CALL, "case", n);
        ast_push(c->arena, cs, n->kids[1]);
        ast_push(c->arena, cs, kw1(c, "do", st, n));
        case_form(c, cs, d);
        return true;
    }
    if (!strcmp(nm, "__STACKTRACE__") && n->nkids == 0) {
        int r = cg_lookup(c, "__STACKTRACE__");
        if (r < 0) cg_error(c, n, "__STACKTRACE__ is available only inside catch and rescue clauses of try expressions");
        if ((uint32_t)r != d.reg) cg_emit(c, OPC_MOVE, d.reg, (uint32_t)r);
        cg_finish(c, d);
        return true;
    }
    if (!strcmp(nm, "def") || !strcmp(nm, "defp") || !strcmp(nm, "defmodule") || !strcmp(nm, "defstruct") ||
        !strcmp(nm, "defexception"))
        cg_error(c, n, "cannot invoke %s outside of a module body", nm);
    if (!strcmp(nm, "import") || !strcmp(nm, "alias") || !strcmp(nm, "require") || !strcmp(nm, "quote") ||
        !strcmp(nm, "unquote") || !strcmp(nm, "super"))
        cg_error(c, n, "%s is not supported in Act", nm);
    return false;
}
