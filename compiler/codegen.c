/* codegen.c — AST to bytecode modules: the driver (compile_source), module
 * and function definitions, and the emitter's infrastructure (labels,
 * registers, scopes, literal/import tables). Expressions are in expr.c,
 * patterns and guards in pattern.c, special forms in forms.c; cg.h states the
 * register and scope invariants they share.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cg.h"
#include "compiler.h"
#include "parser.h"
#include "../vm/heap.h"
#include "../vm/atom.h"

#define GROW(ptr, n, cap) do { if ((n) >= (cap)) { (cap) = (cap) ? (cap) * 2 : 16; \
    (ptr) = realloc((ptr), (size_t)(cap) * sizeof *(ptr)); } } while (0)

/* ======================================================================
 * Errors and small helpers
 * ====================================================================== */

bool (*compile_kernel_has)(Term name, uint32_t arity);

void cg_error(Cg *c, const Node *n, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_set(c->diag, c->file, n ? n->line : 1, n ? n->col : 1, "%s", msg);
    longjmp(c->fail, 1);
}

Node *cg_node(Cg *c, NodeKind k, const Node *at) {
    return ast_node(c->arena, k, at ? at->line : 1, at ? at->col : 1);
}
Node *cg_var(Cg *c, const char *name, const Node *at) {
    Node *v = cg_node(c, N_VAR, at);
    v->name = name;
    return v;
}
const char *cg_fresh(Cg *c, const char *prefix) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s@%d", prefix, ++c->tmp_counter);
    return ast_strdup(c->arena, buf, strlen(buf));
}

Process *cg_litheap(Cg *c) { return c->mod->m->lit; }

Term cg_atom(Cg *c, const char *text) {
    Term a = atom_intern(text, strlen(text));
    if (a == T_NONE) cg_error(c, NULL, "atom too long or atom table full: %.40s", text);
    return a;
}
Term cg_alias_atom(Cg *c, const char *alias) {
    if (strncmp(alias, "Elixir.", 7) == 0) return cg_atom(c, alias);
    char buf[300];
    const char *dot = strchr(alias, '.');
    size_t seglen = dot ? (size_t)(dot - alias) : strlen(alias);
    for (size_t i = 0; i < c->naliases; i++) {
        if (strlen(c->alias_from[i]) == seglen && memcmp(c->alias_from[i], alias, seglen) == 0) {
            snprintf(buf, sizeof buf, "%s%s", c->alias_to[i], alias + seglen);
            return cg_atom(c, buf);
        }
    }
    snprintf(buf, sizeof buf, "Elixir.%s", alias);
    return cg_atom(c, buf);
}

/* ======================================================================
 * Emission: code words, labels, lines
 * ====================================================================== */

static void put(Cg *c, uint32_t w) {
    FnState *f = c->fn;
    GROW(f->code, f->len, f->cap);
    f->code[f->len++] = w;
}

int cg_label(Cg *c) {
    FnState *f = c->fn;
    GROW(f->labels, f->nlabels, f->labcap);
    f->labels[f->nlabels] = -1;
    return f->nlabels++;
}
void cg_place(Cg *c, int label) {
    c->fn->labels[label] = (int32_t)c->fn->len;
    c->fn->label_at = c->fn->len + 1;
}

void cg_emit(Cg *c, int op, ...) {
    FnState *f = c->fn;
    const char *ops = op_info[op].operands;
    va_list ap;
    va_start(ap, op);
    if (op == OPC_MOVE) {
        /* Fuse with an immediately preceding MOVE that nothing jumps
         * between and no new line starts at (MOVE2 runs them in order). */
        if (f->move_end == f->len && f->label_at != f->len + 1
            && !(f->nlines && f->lines[f->nlines - 1].pc == f->len)) {
            f->code[f->len - 3] = OPC_MOVE2;
            put(c, va_arg(ap, unsigned));
            put(c, va_arg(ap, unsigned));
            va_end(ap);
            f->move_end = 0;
            return;
        }
        f->move_end = f->len + 3;
    }
    put(c, (uint32_t)op);
    for (int k = 0; ops[k]; k++) {
        unsigned v = va_arg(ap, unsigned);
        if (ops[k] == 'j') {
            GROW(f->fix, f->nfix, f->fixcap);
            f->fix[f->nfix].at = f->len;
            f->fix[f->nfix].label = (int)v;
            f->nfix++;
            put(c, 0);
        } else {
            put(c, v);
        }
    }
    va_end(ap);
}

void cg_line(Cg *c, int line) {
    FnState *f = c->fn;
    if (line <= 0) return;
    if (f->nlines && f->lines[f->nlines - 1].line == (uint32_t)line) return;
    if (f->nlines && f->lines[f->nlines - 1].pc == f->len) {
        f->lines[f->nlines - 1].line = (uint32_t)line;
        return;
    }
    GROW(f->lines, f->nlines, f->lcap);
    f->lines[f->nlines].pc = f->len;
    f->lines[f->nlines].line = (uint32_t)line;
    f->nlines++;
}

void cg_finish(Cg *c, Dest d) {
    if (d.tail) cg_emit(c, OPC_RET, d.reg);
}

/* ======================================================================
 * Registers and scopes
 * ====================================================================== */

uint32_t cg_tmp(Cg *c) { return c->fn->top++; }
uint32_t cg_tmps(Cg *c, uint32_t n) {
    uint32_t r = c->fn->top;
    c->fn->top += n;
    return r;
}
void cg_release(Cg *c, uint32_t mark) {
    FnState *f = c->fn;
    uint32_t top = mark;
    for (int i = 0; i < f->nvars; i++)
        if (f->vars[i].reg >= top) top = f->vars[i].reg + 1;
    f->top = top;
}
void cg_bind(Cg *c, const char *name, uint32_t reg) {
    FnState *f = c->fn;
    GROW(f->vars, f->nvars, f->varcap);
    f->vars[f->nvars].name = name;
    f->vars[f->nvars].reg = reg;
    f->nvars++;
    if (reg >= f->top) f->top = reg + 1;
}
int cg_lookup(Cg *c, const char *name) {
    FnState *f = c->fn;
    for (int i = f->nvars - 1; i >= 0; i--)
        if (strcmp(f->vars[i].name, name) == 0) return (int)f->vars[i].reg;
    return -1;
}

/* ======================================================================
 * Module tables
 * ====================================================================== */

uint32_t cg_lit(Cg *c, Term t) {
    ModState *ms = c->mod;
    bool imm = !is_boxed(t) && !is_cons(t);
    size_t blen = 0;
    const uint8_t *bytes = is_binary(t) ? binary_bytes(t, &blen) : NULL;
    for (uint32_t i = 0; i < ms->nlits; i++) {
        Term u = ms->lits[i];
        if (u == t) return i;
        if (imm) continue;
        if (bytes && is_binary(u)) {
            size_t ulen;
            const uint8_t *ub = binary_bytes(u, &ulen);
            if (ulen == blen && memcmp(ub, bytes, blen) == 0) return i;
        }
    }
    GROW(ms->lits, ms->nlits, ms->litcap);
    ms->lits[ms->nlits] = t;
    return ms->nlits++;
}

uint32_t cg_import(Cg *c, Term mod, Term name, uint32_t arity) {
    ModState *ms = c->mod;
    for (uint32_t i = 0; i < ms->nimports; i++)
        if (ms->imports[i].module == mod && ms->imports[i].name == name && ms->imports[i].arity == arity) return i;
    GROW(ms->imports, ms->nimports, ms->icap);
    ms->imports[ms->nimports] = (Import){ mod, name, arity };
    return ms->nimports++;
}

Def *cg_find_def(Cg *c, const char *name, uint32_t arity) {
    ModState *ms = c->mod;
    for (size_t i = 0; i < ms->ndefs; i++)
        if (ms->defs[i].arity == arity && strcmp(ms->defs[i].name, name) == 0) return &ms->defs[i];
    return NULL;
}

Node *cg_attr(Cg *c, const char *name) {
    ModState *ms = c->mod;
    for (int i = ms->attr_limit - 1; i >= 0; i--)
        if (strcmp(ms->attrs[i].name, name) == 0) return ms->attrs[i].value;
    return NULL;
}

StructDef *cg_find_struct(Cg *c, const char *module_text) {
    for (size_t i = 0; i < c->nstructs; i++)
        if (strcmp(c->structs[i].module, module_text) == 0) return &c->structs[i];
    return NULL;
}

/* ======================================================================
 * Functions
 * ====================================================================== */

FnState *cg_fn_begin(Cg *c, uint32_t arity, uint32_t nfree) {
    FnState *fs = calloc(1, sizeof *fs);
    fs->parent = c->fn;
    fs->arity = arity;
    fs->nfree = nfree;
    fs->top = arity + nfree;
    c->fn = fs;
    return fs;
}

/* Registers [0, n) that instruction at code[pc] touches. */
static uint64_t regs_needed(const ModState *ms, const Function *fns, const uint32_t *code) {
    int op = (int)code[0];
    const char *ops = op_info[op].operands;
    const uint32_t *a = code + 1;
    uint64_t need = 0;
    for (int k = 0; ops[k]; k++)
        if (ops[k] == 'r' && (uint64_t)a[k] + 1 > need) need = (uint64_t)a[k] + 1;
    uint64_t range = 0;
    switch (op) {
    case OPC_TUPLE: case OPC_BIN_CONCAT: range = (uint64_t)a[1] + a[2]; break;
    case OPC_MAP_NEW: range = (uint64_t)a[1] + 2 * (uint64_t)a[2]; break;
    case OPC_MAP_UPDATE: range = (uint64_t)a[2] + 2 * (uint64_t)a[3]; break;
    case OPC_CLOSURE: range = (uint64_t)a[2] + ms->lambdas[a[1]].nfree; break;
    case OPC_CALL: case OPC_TCALL: range = (uint64_t)a[0] + fns[a[1]].arity; break;
    case OPC_CALLX: case OPC_TCALLX: range = (uint64_t)a[0] + ms->imports[a[1]].arity; break;
    case OPC_CALLF: case OPC_TCALLF: range = (uint64_t)a[0] + 1 + a[1]; break;
    case OPC_APPLY: case OPC_TAPPLY: case OPC_TRY: range = (uint64_t)a[0] + 3; break;
    default: break;
    }
    return range > need ? range : need;
}

uint32_t cg_fn_end(Cg *c, Term name, bool exported, uint32_t slot) {
    FnState *f = c->fn;
    ModState *ms = c->mod;
    for (int i = 0; i < f->nfix; i++) {
        int32_t pos = f->labels[f->fix[i].label];
        if (pos < 0) cg_error(c, NULL, "internal error: unplaced label in %s", ms->name_text);
        f->code[f->fix[i].at] = (uint32_t)pos;
    }
    Function fn = {0};
    fn.name = name;
    fn.arity = f->arity;
    fn.nfree = f->nfree;
    fn.exported = exported;
    fn.code = f->code;
    fn.code_len = f->len;
    fn.lines = f->lines;
    fn.nlines = f->nlines;
    uint64_t nregs = f->arity + f->nfree;
    if (f->top > nregs) nregs = f->top;
    /* Local call arities are known only once every def exists: defs are
     * registered (with their arity) before any body is compiled. */
    uint32_t pc = 0;
    while (pc < f->len) {
        int op = (int)f->code[pc];
        uint64_t need;
        if (op == OPC_CALL || op == OPC_TCALL) {
            uint32_t fi = f->code[pc + 2];
            uint32_t ar = fi < ms->ndefs ? ms->defs[fi].arity : 0;
            need = (uint64_t)f->code[pc + 1] + (ar ? ar : 1);
        } else {
            need = regs_needed(ms, ms->funcs, &f->code[pc]);
        }
        if (need > nregs) nregs = need;
        pc += op_info[op].size;
    }
    if (nregs > 65535) cg_error(c, NULL, "function needs too many registers");
    fn.nregs = (uint32_t)nregs;
    free(f->labels);
    free(f->fix);
    free(f->vars);
    c->fn = f->parent;
    free(f);
    if (slot < ms->nfuncs) {
        ms->funcs[slot] = fn;
        return slot;
    }
    GROW(ms->funcs, ms->nfuncs, ms->fcap);
    ms->funcs[ms->nfuncs] = fn;
    return ms->nfuncs++;
}

/* ======================================================================
 * Module bodies: definitions, attributes, structs
 * ====================================================================== */

/* The statements of a do-body as an array (a single expression is one). */
static Node **stmts_of(Cg *c, Node *body, size_t *n) {
    if (!body) { *n = 0; return NULL; }
    if (body->kind == N_BLOCK) { *n = body->nkids; return body->kids; }
    Node **one = ast_alloc(c->arena, sizeof(Node *));
    one[0] = body;
    *n = 1;
    return one;
}

static bool is_call(const Node *n, const char *name) {
    return n && n->kind == N_CALL && strcmp(n->name, name) == 0;
}

/* The `do:` body of a call like def/defmodule (its last keyword argument). */
static Node *do_body(Node *call, bool *has) {
    Node *b = cg_call_kw(call, "do");
    if (has) *has = b != NULL;
    return b;
}

/* Replace every @attr read inside n by the value of the latest `@attr v`
 * among stmts[0..upto). */
static void subst_attrs(Cg *c, Node *n, Node **stmts, size_t upto) {
    if (!n) return;
    cg_enter(c, n);
    Node **slots[2] = { &n->tail, &n->update };
    for (size_t i = 0; i < n->nkids + 2; i++) {
        Node **slot = i < n->nkids ? &n->kids[i] : slots[i - n->nkids];
        Node *k = *slot;
        if (!k) continue;
        if (k->kind == N_ATTR && k->nkids == 0) {
            Node *v = NULL;
            for (size_t j = upto; j-- > 0;)
                if (stmts[j]->kind == N_ATTR && stmts[j]->nkids && strcmp(stmts[j]->name, k->name) == 0) { v = stmts[j]->kids[0]; break; }
            if (!v) cg_error(c, k, "undefined module attribute @%s", k->name);
            *slot = v;
        } else {
            subst_attrs(c, k, stmts, upto);
        }
    }
    cg_leave(c);
}

static void add_struct(Cg *c, const char *module, Node *call, bool exception) {
    GROW(c->structs, c->nstructs, c->scap);
    StructDef *s = &c->structs[c->nstructs++];
    memset(s, 0, sizeof *s);
    s->module = module;
    s->exception = exception;
    Node *fields = call->nkids ? call->kids[0] : NULL;
    size_t n = fields && fields->kind == N_LIST ? fields->nkids : 0;
    s->keys = ast_alloc(c->arena, (n + 1) * sizeof(char *));
    s->defaults = ast_alloc(c->arena, (n + 1) * sizeof(Node *));
    for (size_t i = 0; i < n; i++) {
        Node *f = fields->kids[i];
        if (f->kind == N_ATOM) {
            s->keys[s->n] = f->name;
            s->defaults[s->n++] = NULL;
        } else if (f->kind == N_TUPLE && f->nkids == 2 && f->kids[0]->kind == N_ATOM) {
            s->keys[s->n] = f->kids[0]->name;
            s->defaults[s->n++] = f->kids[1];
        } else {
            cg_error(c, f, "defstruct expects atoms or keywords");
        }
    }
}

static const char *join_name(Cg *c, const char *prefix, const char *alias) {
    char buf[300];
    if (prefix) snprintf(buf, sizeof buf, "%s.%s", prefix, alias);
    else snprintf(buf, sizeof buf, "Elixir.%s", alias);
    return ast_strdup(c->arena, buf, strlen(buf));
}

/* Every defmodule of the file: full name, body, enclosing module (index or
 * -1) and the alias it was declared with (relative to the enclosing one). */
typedef struct ModList { Node **body; const char **names, **rel; int *parent; size_t n, cap; } ModList;

/* Collect every defmodule (nested ones too) and every defstruct. */
static void collect_modules(Cg *c, Node *stmts_node, const char *prefix, int parent, ModList *ml) {
    size_t n;
    Node **st = stmts_of(c, stmts_node, &n);
    for (size_t i = 0; i < n; i++) {
        Node *s = st[i];
        if (!is_call(s, "defmodule")) continue;
        if (s->nkids < 1 || (s->kids[0]->kind != N_ALIAS && s->kids[0]->kind != N_ATOM))
            cg_error(c, s, "defmodule expects an alias or an atom");
        /* defmodule :name (an Erlang-style atom) is never nested. */
        const char *name = s->kids[0]->kind == N_ATOM ? s->kids[0]->name : join_name(c, prefix, s->kids[0]->name);
        Node *body = do_body(s, NULL);
        if (ml->n == ml->cap) {
            ml->cap = ml->cap ? ml->cap * 2 : 8;
            ml->body = realloc(ml->body, ml->cap * sizeof *ml->body);
            ml->names = realloc(ml->names, ml->cap * sizeof *ml->names);
            ml->rel = realloc(ml->rel, ml->cap * sizeof *ml->rel);
            ml->parent = realloc(ml->parent, ml->cap * sizeof *ml->parent);
        }
        int self = (int)ml->n;
        ml->body[ml->n] = body;
        ml->rel[ml->n] = s->kids[0]->name;
        ml->parent[ml->n] = parent;
        ml->names[ml->n++] = name;
        size_t bn;
        Node **bs = stmts_of(c, body, &bn);
        for (size_t k = 0; k < bn; k++) {
            bool exc = is_call(bs[k], "defexception");
            if (!exc && !is_call(bs[k], "defstruct")) continue;
            /* Defaults are compiled wherever %M{} is built, possibly in
             * another module: resolve @attrs now, with this module's values
             * as of the defstruct. */
            if (bs[k]->nkids) subst_attrs(c, bs[k]->kids[0], bs, k);
            add_struct(c, name, bs[k], exc);
        }
        collect_modules(c, body, name, self, ml);
    }
}

/* The aliases Elixir defines implicitly for module i: each module nested
 * (directly) in i or in one of its enclosing modules is known by the first
 * segment of the name it was declared with. Innermost first. */
static void set_aliases(Cg *c, ModList *ml, int i) {
    c->naliases = 0;
    for (int a = i; a >= 0; a = ml->parent[a]) {
        for (size_t j = 0; j < ml->n; j++) {
            if (ml->parent[j] != a) continue;
            const char *rel = ml->rel[j], *dot = strchr(rel, '.');
            size_t seglen = dot ? (size_t)(dot - rel) : strlen(rel);
            char buf[300];
            snprintf(buf, sizeof buf, "%s.%.*s", ml->names[a], (int)seglen, rel);
            if (c->naliases == c->aliascap) {
                c->aliascap = c->aliascap ? c->aliascap * 2 : 8;
                c->alias_from = realloc(c->alias_from, c->aliascap * sizeof *c->alias_from);
                c->alias_to = realloc(c->alias_to, c->aliascap * sizeof *c->alias_to);
            }
            c->alias_from[c->naliases] = ast_strdup(c->arena, rel, seglen);
            c->alias_to[c->naliases++] = ast_strdup(c->arena, buf, strlen(buf));
        }
    }
}

static Def *add_def(Cg *c, const char *name, uint32_t arity, bool exported, int line) {
    ModState *ms = c->mod;
    Def *d = cg_find_def(c, name, arity);
    if (d) return d;
    GROW(ms->defs, ms->ndefs, ms->defcap);
    d = &ms->defs[ms->ndefs++];
    memset(d, 0, sizeof *d);
    d->name = name;
    d->arity = arity;
    d->exported = exported;
    d->line = line;
    return d;
}

static void add_clause(Cg *c, Def *d, Node *head, Node *guard, Node *body, Node **args, size_t nargs) {
    if (d->nclauses == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 4;
        d->clauses = realloc(d->clauses, d->cap * sizeof *d->clauses);
    }
    d->clauses[d->nclauses++] = (DefClause){ head, guard, body, args, nargs, c->mod->nattrs };
}

static bool is_default(const Node *a) { return a->kind == N_BINOP && strcmp(a->name, "\\\\") == 0; }

/* Generate f/k for each k a default-argument head allows: f/k calls the full
 * function with the given arguments and the defaults (Elixir fills the
 * leftmost defaults first with the surplus arguments). */
static void gen_defaults(Cg *c, const char *name, Node **args, size_t nargs, bool exported, const Node *at) {
    size_t ndef = 0;
    for (size_t i = 0; i < nargs; i++) ndef += is_default(args[i]);
    size_t required = nargs - ndef;
    for (size_t k = required; k < nargs; k++) {
        if (cg_find_def(c, name, (uint32_t)k)) continue;
        size_t surplus = k - required, used = 0, argi = 0;
        Node **params = ast_alloc(c->arena, (k + 1) * sizeof(Node *));
        Node *call = cg_node(c, N_CALL, at);
        call->name = name;
        call->flags = NF_PARENS;
        for (size_t i = 0; i < nargs; i++) {
            if (is_default(args[i]) && used >= surplus) {
                ast_push(c->arena, call, args[i]->kids[1]);
            } else {
                if (is_default(args[i])) used++;
                char buf[32];
                snprintf(buf, sizeof buf, "arg@%zu", argi);
                Node *v = cg_var(c, ast_strdup(c->arena, buf, strlen(buf)), at);
                params[argi++] = v;
                ast_push(c->arena, call, v);
            }
        }
        Def *d = add_def(c, name, (uint32_t)k, exported, at->line);
        add_clause(c, d, NULL, NULL, call, params, k);
    }
}

static void define(Cg *c, Node *s, bool exported) {
    if (s->nkids < 1) cg_error(c, s, "def needs a name");
    Node *head = s->kids[0], *guard = NULL;
    if (head->kind == N_WHEN) { guard = head->kids[1]; head = head->kids[0]; }
    const char *name;
    Node **args;
    size_t nargs;
    if (head->kind == N_CALL) { name = head->name; args = head->kids; nargs = head->nkids; }
    else if (head->kind == N_VAR) { name = head->name; args = NULL; nargs = 0; }
    else cg_error(c, head, "invalid function head in def");
    bool has_body;
    Node *body = do_body(s, &has_body);
    /* def f do ... rescue/catch/else/after ... end: the body is an implicit
     * try over the same sections. */
    if (has_body && (cg_call_kw(s, "rescue") || cg_call_kw(s, "catch") || cg_call_kw(s, "after") ||
                     cg_call_kw(s, "else"))) {
        Node *t = cg_node(c, N_CALL, s);
        t->name = "try";
        for (size_t i = 1; i < s->nkids; i++)
            if (s->kids[i]->kind == N_LIST && (s->kids[i]->flags & NF_KW)) ast_push(c->arena, t, s->kids[i]);
        body = t;
    }
    size_t ndef = 0;
    for (size_t i = 0; i < nargs; i++) ndef += is_default(args[i]);
    Node **pats = ast_alloc(c->arena, (nargs + 1) * sizeof(Node *));
    for (size_t i = 0; i < nargs; i++) pats[i] = is_default(args[i]) ? args[i]->kids[0] : args[i];
    if (ndef) gen_defaults(c, name, args, nargs, exported, head);
    if (!has_body) { add_def(c, name, (uint32_t)nargs, exported, s->line); return; }
    Def *d = add_def(c, name, (uint32_t)nargs, exported, s->line);
    if (d->exported != exported)
        cg_error(c, s, "%s/%zu already defined as %s", name, nargs, d->exported ? "def" : "defp");
    add_clause(c, d, head, guard, body, pats, nargs);
}

/* AST builders for generated functions (__struct__/0,1, exception/1,
 * message/1). */
static Node *mk(Cg *c, NodeKind k, const char *name, const Node *at) {
    Node *n = cg_node(c, k, at);
    n->name = name;
    return n;
}
static Node *mk2(Cg *c, NodeKind k, const char *name, Node *a, Node *b, const Node *at) {
    Node *n = mk(c, k, name, at);
    if (a) ast_push(c->arena, n, a);
    if (b) ast_push(c->arena, n, b);
    return n;
}

/* The callbacks `use X` defines when the module does not (Elixir's
 * __using__ with defoverridable), per behaviour. Each generated def
 * delegates to X.__use__(:name, __MODULE__, opts, [args]), so the default
 * behaviour is ordinary Act code in X's stdlib module. */
static const struct UseDefault {
    const char *behaviour, *name;
    uint32_t arity;
} use_defaults[] = {
    { "GenServer", "child_spec", 1 },  { "GenServer", "handle_call", 3 },
    { "GenServer", "handle_cast", 2 }, { "GenServer", "handle_info", 2 },
    { "GenServer", "terminate", 2 },   { "GenServer", "code_change", 3 },
    { "GenServer", "init", 1 }, /* Elixir 1.14 injects it, with a warning */
    { "Supervisor", "child_spec", 1 }, { "DynamicSupervisor", "child_spec", 1 },
    { "Agent", "child_spec", 1 },      { "Task", "child_spec", 1 },
    { "Application", "stop", 1 },
};

/* def name(a1..an), do: X.__use__(:name, __MODULE__, opts, [a1..an]) for
 * each default of X not defined by the module. */
static void gen_use_defaults(Cg *c, Node *behaviour, Node *opts) {
    for (size_t i = 0; i < sizeof use_defaults / sizeof use_defaults[0]; i++) {
        const struct UseDefault *u = &use_defaults[i];
        if (strcmp(u->behaviour, behaviour->name) != 0 || cg_find_def(c, u->name, u->arity)) continue;
        Node **params = ast_alloc(c->arena, (u->arity + 1) * sizeof(Node *));
        Node *list = mk(c, N_LIST, NULL, behaviour);
        for (uint32_t k = 0; k < u->arity; k++) {
            char buf[32];
            snprintf(buf, sizeof buf, "arg@%u", k);
            params[k] = cg_var(c, ast_strdup(c->arena, buf, strlen(buf)), behaviour);
            ast_push(c->arena, list, params[k]);
        }
        Node *call = mk2(c, N_REMOTE, "__use__", behaviour, mk(c, N_ATOM, u->name, behaviour), behaviour);
        call->flags = NF_PARENS;
        ast_push(c->arena, call, mk(c, N_MODULE_REF, NULL, behaviour));
        ast_push(c->arena, call, opts);
        ast_push(c->arena, call, list);
        add_clause(c, add_def(c, u->name, u->arity, true, behaviour->line), NULL, NULL, call, params, u->arity);
    }
}

static void gen_struct_funs(Cg *c, StructDef *s, const Node *at) {
    /* __struct__() -> %__MODULE__{} */
    if (!cg_find_def(c, "__struct__", 0)) {
        Node *st = mk2(c, N_STRUCT, NULL, mk(c, N_MODULE_REF, NULL, at), mk(c, N_MAP, NULL, at), at);
        st->flags |= NF_CG_RUNTIME_STRUCT;
        add_clause(c, add_def(c, "__struct__", 0, true, at->line), NULL, NULL, st, NULL, 0);
    }
    /* __struct__(kv) -> Enum.reduce(kv, __struct__(), fn {k, v}, acc -> %{acc | k => v} end) */
    if (!cg_find_def(c, "__struct__", 1)) {
        Node *kv = cg_var(c, "kv@", at), *k = cg_var(c, "k@", at), *v = cg_var(c, "v@", at), *acc = cg_var(c, "acc@", at);
        Node *upd = mk2(c, N_MAP, NULL, mk2(c, N_TUPLE, NULL, k, v, at), NULL, at);
        upd->update = acc;
        Node *params = mk2(c, N_LIST, NULL, mk2(c, N_TUPLE, NULL, k, v, at), acc, at);
        Node *fn = mk2(c, N_FN, NULL, mk2(c, N_CLAUSE, NULL, params, upd, at), NULL, at);
        Node *self = mk(c, N_CALL, "__struct__", at);
        self->flags = NF_PARENS;
        Node *call = mk2(c, N_REMOTE, "reduce", mk(c, N_ALIAS, "Enum", at), kv, at);
        ast_push(c->arena, call, self);
        ast_push(c->arena, call, fn);
        Node **args = ast_alloc(c->arena, sizeof(Node *));
        args[0] = kv;
        add_clause(c, add_def(c, "__struct__", 1, true, at->line), NULL, NULL, call, args, 1);
    }
    if (!s->exception) return;
    bool has_message = false;
    for (size_t i = 0; i < s->n; i++) has_message |= strcmp(s->keys[i], "message") == 0;
    if (has_message && !cg_find_def(c, "message", 1)) {
        Node *e = cg_var(c, "e@", at);
        Node *body = mk2(c, N_FIELD, "message", e, NULL, at);
        Node **args = ast_alloc(c->arena, sizeof(Node *));
        args[0] = e;
        add_clause(c, add_def(c, "message", 1, true, at->line), NULL, NULL, body, args, 1);
    }
    if (!cg_find_def(c, "exception", 1)) {
        Def *d = add_def(c, "exception", 1, true, at->line);
        if (has_message) {
            /* exception(msg) when is_binary(msg) -> __struct__(message: msg) */
            Node *msg = cg_var(c, "msg@", at);
            Node *guard = mk2(c, N_CALL, "is_binary", msg, NULL, at);
            Node *kw = mk2(c, N_LIST, NULL, mk2(c, N_TUPLE, NULL, mk(c, N_ATOM, "message", at), msg, at), NULL, at);
            kw->flags = NF_KW;
            Node *body = mk2(c, N_CALL, "__struct__", kw, NULL, at);
            body->flags = NF_PARENS;
            Node **args = ast_alloc(c->arena, sizeof(Node *));
            args[0] = msg;
            add_clause(c, d, NULL, guard, body, args, 1);
        }
        /* exception(args) when is_list(args) -> __struct__(args) */
        Node *a = cg_var(c, "args@", at);
        Node *guard = mk2(c, N_CALL, "is_list", a, NULL, at);
        Node *body = mk2(c, N_CALL, "__struct__", a, NULL, at);
        body->flags = NF_PARENS;
        Node **args = ast_alloc(c->arena, sizeof(Node *));
        args[0] = a;
        add_clause(c, d, NULL, guard, body, args, 1);
    }
}

static void add_doc(Cg *c, Term name, uint32_t arity, const char *text, size_t len) {
    ModState *ms = c->mod;
    GROW(ms->docs, ms->ndocs, ms->dcap);
    char *t = malloc(len + 1);
    memcpy(t, text, len);
    t[len] = 0;
    ms->docs[ms->ndocs++] = (DocEntry){ name, arity, t };
}

static void compile_def(Cg *c, Def *d) {
    FnState *fs = cg_fn_begin(c, d->arity, 0);
    fs->def_name = d->name;
    fs->def_arity = d->arity;
    for (size_t ci = 0; ci < d->nclauses; ci++) {
        DefClause *cl = &d->clauses[ci];
        c->mod->attr_limit = cl->attr_mark;
        int next = cg_label(c);
        fs->pat_base = fs->nvars;
        for (size_t i = 0; i < cl->nargs; i++) cg_pattern(c, cl->args[i], (uint32_t)i, next);
        if (cl->guard) cg_guard(c, cl->guard, next);
        uint32_t r = cg_tmp(c);
        cg_body(c, cl->body, (Dest){ r, true, false });
        cg_place(c, next);
        fs->nvars = 0;
        fs->top = d->arity;
    }
    cg_line(c, d->line);
    cg_emit(c, OPC_FUNC_CLAUSE);
    cg_fn_end(c, cg_atom(c, d->name), d->exported, d->index);
}

static Module *finish_module(Cg *c) {
    ModState *ms = c->mod;
    Module *m = ms->m;
    m->name = ms->name;
    m->file = strdup(c->file);
    m->funcs = ms->funcs; m->nfuncs = ms->nfuncs;
    m->literals = ms->lits; m->nliterals = ms->nlits;
    m->imports = ms->imports; m->nimports = ms->nimports;
    for (uint32_t i = 0; i < ms->nlambdas; i++) ms->lambdas[i].module = m;
    m->lambdas = ms->lambdas; m->nlambdas = ms->nlambdas;
    m->docs = ms->docs; m->ndocs = ms->ndocs;
    ms->funcs = NULL; ms->lits = NULL; ms->imports = NULL; ms->lambdas = NULL; ms->docs = NULL;
    ms->nfuncs = ms->nlits = ms->nimports = ms->nlambdas = ms->ndocs = 0;
    return m;
}

static void modstate_init(Cg *c, ModState *ms, const char *name_text) {
    memset(ms, 0, sizeof *ms);
    ms->m = calloc(1, sizeof(Module));
    ms->m->lit = calloc(1, sizeof(Process));
    heap_init(ms->m->lit, 512);
    ms->m->name = ATOM_nil;
    ms->name_text = name_text;
    c->mod = ms;
    ms->name = cg_atom(c, name_text);
}

static void modstate_free(ModState *ms) {
    for (size_t i = 0; i < ms->ndefs; i++) free(ms->defs[i].clauses);
    free(ms->defs);
    free(ms->attrs);
    for (uint32_t i = 0; i < ms->nfuncs; i++) { free(ms->funcs[i].code); free(ms->funcs[i].lines); }
    free(ms->funcs);
    free(ms->lits);
    free(ms->imports);
    free(ms->lambdas);
    for (uint32_t i = 0; i < ms->ndocs; i++) free((void *)ms->docs[i].text);
    free(ms->docs);
    if (ms->m) module_free(ms->m);
    ms->m = NULL;
}

static Module *compile_module(Cg *c, const char *name, Node *body) {
    ModState *ms = calloc(1, sizeof *ms);
    modstate_init(c, ms, name);
    ms->self_struct = cg_find_struct(c, name);
    size_t n;
    Node **st = stmts_of(c, body, &n);
    Node *uses = NULL;
    const char *pending_doc = NULL;
    size_t pending_len = 0;
    bool pending_set = false;
    for (size_t i = 0; i < n; i++) {
        Node *s = st[i];
        if (s->kind == N_ATTR && s->nkids) {
            Node *v = s->kids[0];
            if (strcmp(s->name, "moduledoc") == 0 || strcmp(s->name, "doc") == 0) {
                bool isdoc = s->name[0] == 'd';
                if (v->kind == N_STRING) {
                    if (isdoc) { pending_doc = v->str; pending_len = v->len; pending_set = true; }
                    else add_doc(c, ATOM_nil, 0, v->str, v->len);
                } else if (isdoc) {
                    pending_set = false;
                }
                continue;
            }
            GROW(ms->attrs, ms->nattrs, ms->attrcap);
            ms->attrs[ms->nattrs].name = s->name;
            ms->attrs[ms->nattrs++].value = v;
            continue;
        }
        if (s->kind == N_CALL) {
            const char *nm = s->name;
            if (!strcmp(nm, "def") || !strcmp(nm, "defp")) {
                size_t before = ms->ndefs;
                define(c, s, nm[3] == 0);
                if (pending_set && ms->ndefs > before) {
                    Def *d = &ms->defs[ms->ndefs - 1];
                    add_doc(c, cg_atom(c, d->name), d->arity, pending_doc, pending_len);
                }
                pending_set = false;
                continue;
            }
            if (!strcmp(nm, "defguard") || !strcmp(nm, "defguardp")) {
                /* defguard name(args) when expr: an ordinary function (Act
                 * compiles guards as code, so guards may call it). */
                Node *w = s->nkids ? s->kids[0] : NULL;
                if (!w || w->kind != N_WHEN || w->kids[0]->kind != N_CALL) cg_error(c, s, "defguard expects name(args) when guard");
                Node *call = w->kids[0];
                Def *d = add_def(c, call->name, (uint32_t)call->nkids, nm[8] == 0, s->line);
                add_clause(c, d, call, NULL, w->kids[1], call->kids, call->nkids);
                if (pending_set) add_doc(c, cg_atom(c, d->name), d->arity, pending_doc, pending_len);
                pending_set = false;
                continue;
            }
            if (!strcmp(nm, "defdelegate")) {
                /* defdelegate f(a, b), to: M[, as: g] */
                Node *head = s->nkids ? s->kids[0] : NULL;
                Node *to = cg_call_kw(s, "to"), *as = cg_call_kw(s, "as");
                if (!head || head->kind != N_CALL || !to) cg_error(c, s, "defdelegate expects f(args), to: Module");
                Node *call = cg_node(c, N_REMOTE, s);
                call->name = as && as->kind == N_ATOM ? as->name : head->name;
                call->flags = NF_PARENS;
                ast_push(c->arena, call, to);
                for (size_t k = 0; k < head->nkids; k++) ast_push(c->arena, call, head->kids[k]);
                Def *d = add_def(c, head->name, (uint32_t)head->nkids, true, s->line);
                add_clause(c, d, head, NULL, call, head->kids, head->nkids);
                if (pending_set) add_doc(c, cg_atom(c, d->name), d->arity, pending_doc, pending_len);
                pending_set = false;
                continue;
            }
            if (!strcmp(nm, "use")) {
                /* Recorded in the generated __uses__/0: [{Behaviour, opts}]
                 * for the OTP modules' default callbacks. */
                if (s->nkids < 1 || s->kids[0]->kind != N_ALIAS) cg_error(c, s, "use expects a module name");
                if (!uses) { uses = cg_node(c, N_LIST, s); }
                Node *t = cg_node(c, N_TUPLE, s);
                ast_push(c->arena, t, s->kids[0]);
                ast_push(c->arena, t, s->nkids > 1 ? s->kids[1] : cg_node(c, N_LIST, s));
                ast_push(c->arena, uses, t);
                continue;
            }
            if (!strcmp(nm, "defstruct") || !strcmp(nm, "defexception") || !strcmp(nm, "defmodule") ||
                !strcmp(nm, "require"))
                continue;
            if (!strcmp(nm, "import") || !strcmp(nm, "alias"))
                cg_error(c, s, "%s is not supported in Act", nm);
        }
        /* Other module-level expressions are evaluated by Elixir at compile
         * time; Act ignores them. */
    }
    if (ms->self_struct) gen_struct_funs(c, ms->self_struct, cg_node(c, N_BLOCK, body));
    for (size_t i = 0; uses && i < uses->nkids; i++) gen_use_defaults(c, uses->kids[i]->kids[0], uses->kids[i]->kids[1]);
    if (uses && !cg_find_def(c, "__uses__", 0)) {
        ms->attr_limit = ms->nattrs;
        add_clause(c, add_def(c, "__uses__", 0, true, uses->line), NULL, NULL, uses, NULL, 0);
    }

    /* Functions: defs first, in order; lambdas are appended as compiled. */
    ms->nfuncs = ms->fcap = (uint32_t)ms->ndefs;
    ms->funcs = calloc(ms->ndefs ? ms->ndefs : 1, sizeof(Function));
    for (size_t i = 0; i < ms->ndefs; i++) ms->defs[i].index = (uint32_t)i;
    for (size_t i = 0; i < ms->ndefs; i++) compile_def(c, &ms->defs[i]);
    Module *m = finish_module(c);
    ms->m = NULL;
    modstate_free(ms);
    free(ms);
    c->mod = NULL;
    return m;
}

static Module *compile_script(Cg *c, Node **st, size_t n) {
    ModState *ms = calloc(1, sizeof *ms);
    modstate_init(c, ms, "act_script");
    ms->is_script = true;
    ms->nfuncs = ms->fcap = 1;
    ms->funcs = calloc(1, sizeof(Function));
    Node *blk = cg_node(c, N_BLOCK, st[0]);
    for (size_t i = 0; i < n; i++) ast_push(c->arena, blk, st[i]);
    FnState *fs = cg_fn_begin(c, 0, 0);
    fs->def_name = "__script__";
    uint32_t r = cg_tmp(c);
    cg_body(c, blk, (Dest){ r, true, false });
    cg_fn_end(c, cg_atom(c, "__script__"), true, 0);
    Module *m = finish_module(c);
    ms->m = NULL;
    modstate_free(ms);
    free(ms);
    c->mod = NULL;
    return m;
}

/* ======================================================================
 * Entry point
 * ====================================================================== */

bool compile_source(const char *file, const char *src, size_t len, CompileResult *out, Diag *err) {
    memset(out, 0, sizeof *out);
    AstArena *arena = ast_arena_new();
    Node *prog = parse_program(arena, file, src, len, err);
    if (!prog) { ast_arena_free(arena); return false; }

    Cg *c = calloc(1, sizeof *c);
    c->stack_base = (uintptr_t)__builtin_frame_address(0);
    c->file = file;
    c->diag = err;
    c->arena = arena;
    ModList *ml = calloc(1, sizeof *ml); /* on the heap: it is read after longjmp */
    volatile size_t done = 0;
    Module **volatile mods = NULL;
    ModState *volatile failed_mod = NULL;
    if (setjmp(c->fail)) {
        failed_mod = c->mod;
        if (failed_mod) {
            while (c->fn) { FnState *f = c->fn; free(f->code); free(f->lines); free(f->labels); free(f->fix); free(f->vars); c->fn = f->parent; free(f); }
            modstate_free(failed_mod);
            free(failed_mod);
        }
        for (size_t i = 0; i < done; i++) module_free(mods[i]);
        free(mods);
        free(ml->body); free(ml->names); free(ml->rel); free(ml->parent); free(ml); free(c->structs);
        free(c->alias_from); free(c->alias_to);
        free(c);
        ast_arena_free(arena);
        return false;
    }
    collect_modules(c, prog, NULL, -1, ml);
    mods = calloc(ml->n ? ml->n : 1, sizeof(Module *));
    for (size_t i = 0; i < ml->n; i++) {
        set_aliases(c, ml, (int)i);
        mods[i] = compile_module(c, ml->names[i], ml->body[i]);
        done = i + 1;
    }
    c->naliases = 0;
    size_t n;
    Node **st = stmts_of(c, prog, &n);
    size_t ns = 0;
    Node **script = ast_alloc(arena, (n + 1) * sizeof(Node *));
    for (size_t i = 0; i < n; i++)
        if (!is_call(st[i], "defmodule")) script[ns++] = st[i];
    Module *sm = ns ? compile_script(c, script, ns) : NULL;

    out->modules = mods;
    out->nmodules = ml->n;
    out->script = sm;
    free(ml->body); free(ml->names); free(ml->rel); free(ml->parent); free(ml); free(c->structs);
    free(c->alias_from); free(c->alias_to);
    free(c);
    ast_arena_free(arena);
    return true;
}

void compile_result_free(CompileResult *r) {
    for (size_t i = 0; i < r->nmodules; i++) module_free(r->modules[i]);
    free(r->modules);
    if (r->script) module_free(r->script);
    memset(r, 0, sizeof *r);
}
