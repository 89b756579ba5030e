/* parser.c — recursive descent with precedence climbing, from the token
 * array of lexer.c to the tree of ast.h.
 *
 * Grammar (informal; each parse_* function documents its own rule):
 *
 *   program  := body(EOF)
 *   body     := { expr EOL } | { clause }           -- statements or stab clauses
 *   clause   := [expr {, expr}] [when guard] -> body
 *   expr     := unary { binop expr }                -- precedence climbing
 *   unary    := (- | + | ! | ^ | not) unary | & expr(=) | postfix
 *   postfix  := primary { .name [args] | .Alias | .(args) | [key] }
 *   primary  := literal | ident [args] [do-block] | Alias | @name [value]
 *             | ( body ) | [ items ] | { items } | %{ map } | %A{ map }
 *             | << items >> | fn clauses end | string with interpolation
 *   args     := ( [expr {, expr}] [, kw] )          -- parenthesised call
 *             | expr {, expr} [, kw]                -- no-paren call (same line)
 *   do-block := do body {(else|after|rescue|catch) body} end
 *
 * Do-blocks bind to the outermost call without parentheses: in
 * `if foo(x) do ... end` the block belongs to `if`. `no_do` counts the
 * no-paren argument lists being parsed; a call only takes a do-block when it
 * is zero, and every bracket resets it.
 *
 * Error handling: every parse function returns NULL after recording the
 * first error in P->err; callers propagate NULL. Recursion depth is bounded
 * (MAX_DEPTH) so no input can overflow the C stack.
 */
#include "parser.h"
#include "lexer.h"
#include <string.h>
#include <stdlib.h>

#define MAX_DEPTH 2000

typedef struct Parser {
    AstArena *a;
    const char *file;
    Diag *err;
    Token *t;
    size_t n, pos;  /* invariant: pos < n, and t[n-1] is T_EOF */
    int no_do;
    int ctx;        /* where a no-paren call's arguments would sit: CTX_* */
    int depth;
    bool after_end; /* a do-block's `end` was just consumed: no postfix */
    unsigned do_blocks; /* do-blocks parsed so far (none may be in a clause head) */
    /* First comma taken by a no-paren call where Elixir forbids it; it is
     * only an error if the outermost no-paren call gets no do-block. */
    const Token *bad_comma;
} Parser;

/* Contexts that limit no-paren calls to one argument, as in Elixir:
 * `[a, b c, d]` and `f(a, b c, d)` are ambiguous and rejected. */
enum { CTX_FREE, CTX_CONTAINER, CTX_NESTED };

/* Brackets, bodies and interpolations reset no_do and ctx on entry and
 * restore them on exit. */
typedef struct Saved { int no_do, ctx; unsigned do_blocks; const Token *bad_comma; } Saved;
static Saved enter(Parser *P, int ctx) {
    Saved s = { P->no_do, P->ctx, P->do_blocks, P->bad_comma };
    P->no_do = 0;
    P->ctx = ctx;
    P->bad_comma = NULL;
    return s;
}
static void leave(Parser *P, Saved s) {
    P->no_do = s.no_do;
    P->ctx = s.ctx;
    P->do_blocks = s.do_blocks; /* do-blocks inside brackets do not count */
    P->bad_comma = s.bad_comma; /* still pending outside */
}

/* Body terminators (bit set). EOF always terminates a body. */
enum { TERM_END = 1, TERM_SECTION = 2, TERM_RPAREN = 4, TERM_INTERP = 8 };

/* Binding powers; higher binds tighter. */
enum {
    PREC_MIN = 2,      /* <- \\ */
    PREC_WHEN = 3,
    PREC_TYPE = 4,     /* :: */
    PREC_PIPE_BAR = 5, /* | */
    PREC_ARROW = 6,    /* => (maps only) */
    PREC_MATCH = 8,    /* = ; also the operand level of & */
    PREC_MAPKEY = 7,   /* map keys and values stop at => and | */
    PREC_IN = 14,
    PREC_UNARY = 19,
};

typedef struct BinOp { const char *op; int prec; bool right; } BinOp;
static const BinOp BINOPS[] = {
    {"<-", 2, false}, {"\\\\", 2, false}, {"when", 3, true}, {"::", 4, true}, {"|", 5, true},
    {"=", 8, true}, {"||", 9, false}, {"or", 9, false}, {"&&", 10, false}, {"and", 10, false},
    {"==", 11, false}, {"!=", 11, false}, {"===", 11, false}, {"!==", 11, false}, {"=~", 11, false},
    {"<", 12, false}, {">", 12, false}, {"<=", 12, false}, {">=", 12, false},
    {"|>", 13, false}, {"in", 14, false}, {"not in", 14, false},
    {"++", 15, true}, {"--", 15, true}, {"<>", 15, true}, {"..", 15, true},
    {"+", 16, false}, {"-", 16, false}, {"*", 17, false}, {"/", 17, false}, {"**", 18, false},
    {NULL, 0, false},
};

/* ===================================================================== */
/* Token helpers                                                         */
/* ===================================================================== */

static Token *cur(Parser *P) { return &P->t[P->pos]; }
static Token *peek(Parser *P, size_t k) { return P->pos + k < P->n ? &P->t[P->pos + k] : &P->t[P->n - 1]; }
static void next(Parser *P) { if (P->pos + 1 < P->n) P->pos++; }
static bool is_op(const Token *t, const char *s) { return t->kind == T_OP && !strcmp(t->text, s); }
static bool is_kw(const Token *t, const char *s) { return t->kind == T_KEYWORD && !strcmp(t->text, s); }
static void skip_eol(Parser *P) { while (cur(P)->kind == T_EOL) next(P); }
static bool failed(Parser *P) { return P->err->set; }

static Node *error_at(Parser *P, const Token *t, const char *fmt, const char *arg) {
    diag_set(P->err, P->file, t->line, t->col, fmt, arg);
    return NULL;
}

static Node *unexpected(Parser *P) {
    Token *t = cur(P);
    char b[96];
    if (t->kind == T_EOF) return error_at(P, t, "unexpected end of file%s", "");
    if (t->kind == T_EOL) return error_at(P, t, "unexpected end of line%s", "");
    if (t->kind == T_KEYWORD) return error_at(P, t, "unexpected reserved word: %s", t->text);
    if (t->kind == T_KWKEY) return error_at(P, t, "unexpected keyword list inside expression: %s", lexer_describe(t, b, sizeof b));
    return error_at(P, t, "unexpected token: %s", lexer_describe(t, b, sizeof b));
}

static bool is_closer(const Token *t) {
    return is_op(t, ")") || is_op(t, "]") || is_op(t, "}") || is_op(t, ">>");
}

/* An operator usable as a function name: Kernel.+(1, 2), &>=/2. */
static bool op_name(const Token *t) {
    static const char *const OPN[] = {
        "+", "-", "*", "/", "**", "++", "--", "<>", "==", "!=", "===", "!==", "<", ">", "<=",
        ">=", "&&", "||", "!", "..", "=~", "|>", NULL,
    };
    if (t->kind == T_KEYWORD)
        return !strcmp(t->text, "and") || !strcmp(t->text, "or") || !strcmp(t->text, "not") || !strcmp(t->text, "in");
    if (t->kind != T_OP) return false;
    for (int i = 0; OPN[i]; i++)
        if (!strcmp(OPN[i], t->text)) return true;
    return false;
}

/* Expect the closer `close` of a bracket opened by token `open`. */
static bool expect_close(Parser *P, const char *close, const Token *open) {
    skip_eol(P);
    if (is_op(cur(P), close)) { next(P); return true; }
    if (cur(P)->kind == T_EOF) {
        char m[160];
        snprintf(m, sizeof m, "missing terminator: %s (for \"%s\" starting at line %d)", close, open->text, open->line);
        error_at(P, cur(P), "%s", m);
        return false;
    }
    if (is_closer(cur(P))) {
        char m[200];
        snprintf(m, sizeof m, "unexpected token: %s. The \"%s\" at line %d is missing terminator \"%s\"",
                 cur(P)->text, open->text, open->line, close);
        error_at(P, cur(P), "%s", m);
        return false;
    }
    unexpected(P);
    return false;
}

static Node *node(Parser *P, NodeKind k, const Token *t) { return ast_node(P->a, k, t->line, t->col); }

static Node *atom_node(Parser *P, const Token *t, const char *name) {
    Node *n = node(P, N_ATOM, t);
    n->name = name;
    return n;
}

static Node *pair(Parser *P, const Token *t, Node *k, Node *v) {
    Node *n = node(P, N_TUPLE, t);
    ast_push(P->a, n, k);
    ast_push(P->a, n, v);
    return n;
}

static Node *parse_expr(Parser *P, int min_prec);
static Node *parse_body(Parser *P, unsigned terms, bool allow_stab, const Token *opener);
static Node *parse_kw_list(Parser *P, bool in_call, int value_ctx);
static bool parse_do_block(Parser *P, Node *call);

/* ===================================================================== */
/* Arguments                                                             */
/* ===================================================================== */

/* Is cur a sign glued to what follows, after a space (`f -1`, `f +x`)?
 * Elixir 1.14's tokenizer then reads the sign as unary and the name before
 * it as a call (`n -1` is `n(-1)`, flagged ambiguous_op; if n is a variable
 * the compiler rejects it), unless the next character is one of
 * `( [ < { % + - / > :` or a space (`n -(1)`, `n -:a`, `n - 1` subtract). */
static bool glued_sign(Parser *P) {
    Token *t = cur(P), *nt = peek(P, 1);
    if (!t->space_before || !(is_op(t, "-") || is_op(t, "+"))) return false;
    if (nt->space_before || nt->kind == T_EOL || nt->kind == T_EOF || nt->kind == T_ATOM ||
        (nt->kind == T_STR_BEGIN && nt->quoted))
        return false;
    if (nt->kind == T_OP && strchr("([<{%+-/>:", nt->text[0])) return false;
    return true;
}

/* Can cur start an argument of a call written without parentheses (after a
 * name: `f x`, `Mod.f -1`, `@a 1`)? */
static bool noparen_start(Parser *P) {
    Token *t = cur(P);
    if (!t->space_before) return false;
    switch (t->kind) {
    case T_INT: case T_FLOAT: case T_ATOM: case T_KWKEY: case T_STRING: case T_STR_BEGIN:
    case T_CHARLIST: case T_CHAR: case T_IDENT: case T_ALIAS: case T_CAPARG:
        return true;
    case T_KEYWORD:
        return is_kw(t, "fn") || is_kw(t, "not") || is_kw(t, "true") || is_kw(t, "false") || is_kw(t, "nil");
    case T_OP:
        if (is_op(t, "[") || is_op(t, "{") || is_op(t, "%") || is_op(t, "<<") || is_op(t, "@") ||
            is_op(t, "&") || is_op(t, "!") || is_op(t, "^") || is_op(t, "("))
            return true;
        return glued_sign(P);
    default:
        return false;
    }
}

/* args := ( [expr {, expr}] [, kw] ) — cur is `(`. Appends to call. */
static bool parse_paren_args(Parser *P, Node *call) {
    Token *open = cur(P);
    size_t first_arg = call->nkids; /* N_REMOTE/N_DOTCALL hold their target first */
    next(P);
    Saved saved = enter(P, CTX_FREE);
    skip_eol(P);
    while (!is_op(cur(P), ")")) {
        if (cur(P)->kind == T_KWKEY) {
            Node *kw = parse_kw_list(P, true, CTX_CONTAINER);
            if (!kw) return false;
            ast_push(P->a, call, kw);
            break;
        }
        P->ctx = call->nkids == first_arg ? CTX_FREE : CTX_NESTED;
        Node *e = parse_expr(P, PREC_MIN);
        if (!e) return false;
        ast_push(P->a, call, e);
        skip_eol(P);
        if (!is_op(cur(P), ",")) break;
        next(P);
        skip_eol(P);
        if (is_op(cur(P), ")")) { unexpected(P); return false; }
    }
    leave(P, saved);
    return expect_close(P, ")", open);
}

/* noparen-args := expr {, expr} [, kw] — on the same line as the callee. */
static bool parse_noparen_args(Parser *P, Node *call) {
    P->no_do++;
    int outer = P->ctx;
    size_t first_arg = call->nkids;
    for (;;) {
        /* the first argument inherits the restriction: `[g g 1, 2]` */
        P->ctx = call->nkids == first_arg ? outer : CTX_NESTED;
        if (cur(P)->kind == T_KWKEY) {
            Node *kw = parse_kw_list(P, true, CTX_FREE);
            if (!kw) return false;
            ast_push(P->a, call, kw);
            break;
        }
        Node *e = parse_expr(P, PREC_MIN);
        if (!e) return false;
        ast_push(P->a, call, e);
        if (!is_op(cur(P), ",")) break;
        if (outer == CTX_NESTED) {
            error_at(P, cur(P), "unexpected comma. Parentheses are required to solve ambiguity in nested calls%s", "");
            return false;
        }
        if (outer == CTX_CONTAINER && !P->bad_comma) P->bad_comma = cur(P);
        next(P);
        skip_eol(P);
    }
    P->ctx = outer;
    P->no_do--;
    return true;
}

/* kw := key: expr {, key: expr} — stops before a `,` not followed by a key.
 * value_ctx: CTX_FREE after a no-paren call (`if c, do: raise "x", else: 1`
 * gives raise the else:, as Elixir does), CTX_CONTAINER elsewhere. */
static Node *parse_kw_list(Parser *P, bool in_call, int value_ctx) {
    Node *list = node(P, N_LIST, cur(P));
    list->flags = NF_KW;
    for (;;) {
        Token *k = cur(P);
        if (k->kind != T_KWKEY) return unexpected(P);
        Node *key = atom_node(P, k, k->text);
        if (k->quoted) key->flags |= NF_QUOTED_ATOM_KEY;
        next(P);
        skip_eol(P);
        P->ctx = value_ctx;
        Node *v = parse_expr(P, PREC_MIN);
        if (!v) return NULL;
        ast_push(P->a, list, pair(P, k, key, v));
        /* continue only if `,` then (after newlines) another key */
        size_t save = P->pos;
        if (!is_op(cur(P), ",")) break;
        next(P);
        skip_eol(P);
        if (cur(P)->kind != T_KWKEY) {
            Token *after = cur(P);
            if (!is_closer(after)) {
                P->pos = save;
                return error_at(P, cur(P), "unexpected expression after keyword list. Keyword lists must always come %s",
                                in_call ? "as the last argument" : "last in lists and maps");
            }
            P->pos = save;
            break;
        }
    }
    return list;
}

/* ===================================================================== */
/* Containers                                                            */
/* ===================================================================== */

/* list := [ ] | [ items [| tail] [,] ] | [ items, kw [,] ] */
static Node *parse_list(Parser *P) {
    Token *open = cur(P);
    next(P);
    Saved saved = enter(P, CTX_CONTAINER);
    Node *list = node(P, N_LIST, open);
    skip_eol(P);
    while (!is_op(cur(P), "]")) {
        if (cur(P)->kind == T_KWKEY) {
            Node *kw = parse_kw_list(P, false, CTX_CONTAINER);
            if (!kw) return NULL;
            if (list->nkids == 0) { kw->line = list->line; kw->col = list->col; list = kw; }
            else for (size_t i = 0; i < kw->nkids; i++) ast_push(P->a, list, kw->kids[i]);
            skip_eol(P);
            if (is_op(cur(P), ",")) next(P);
            break;
        }
        Node *e = parse_expr(P, PREC_MIN);
        if (!e) return NULL;
        if (e->kind == N_BINOP && !strcmp(e->name, "|")) {
            ast_push(P->a, list, e->kids[0]);
            list->tail = e->kids[1];
            break;
        }
        ast_push(P->a, list, e);
        skip_eol(P);
        if (!is_op(cur(P), ",")) break;
        next(P);
        skip_eol(P);
    }
    leave(P, saved);
    if (!expect_close(P, "]", open)) return NULL;
    return list;
}

/* tuple := { } | { items [, kw] [,] } — a trailing kw is one N_LIST item. */
static Node *parse_tuple(Parser *P) {
    Token *open = cur(P);
    next(P);
    Saved saved = enter(P, CTX_CONTAINER);
    Node *tup = node(P, N_TUPLE, open);
    skip_eol(P);
    while (!is_op(cur(P), "}")) {
        if (cur(P)->kind == T_KWKEY) {
            Node *kw = parse_kw_list(P, false, CTX_CONTAINER);
            if (!kw) return NULL;
            ast_push(P->a, tup, kw);
            skip_eol(P);
            if (is_op(cur(P), ",")) next(P);
            break;
        }
        Node *e = parse_expr(P, PREC_MIN);
        if (!e) return NULL;
        ast_push(P->a, tup, e);
        skip_eol(P);
        if (!is_op(cur(P), ",")) break;
        next(P);
        skip_eol(P);
    }
    leave(P, saved);
    if (!expect_close(P, "}", open)) return NULL;
    return tup;
}

/* map-body := { [base |] [k => v {, k => v}] [, kw] [,] } — cur is `{`. */
static Node *parse_map_body(Parser *P, const Token *start) {
    Token *open = cur(P);
    next(P);
    Saved saved = enter(P, CTX_CONTAINER);
    Node *map = node(P, N_MAP, start);
    skip_eol(P);
    bool first = true;
    while (!is_op(cur(P), "}")) {
        if (cur(P)->kind == T_KWKEY) {
            Node *kw = parse_kw_list(P, false, CTX_CONTAINER);
            if (!kw) return NULL;
            for (size_t i = 0; i < kw->nkids; i++) ast_push(P->a, map, kw->kids[i]);
            skip_eol(P);
            if (is_op(cur(P), ",")) next(P);
            break;
        }
        Token *kt = cur(P);
        Node *k = parse_expr(P, PREC_MAPKEY);
        if (!k) return NULL;
        skip_eol(P);
        if (first && is_op(cur(P), "|")) {
            map->update = k;
            next(P);
            skip_eol(P);
            first = false;
            continue;
        }
        first = false;
        if (!is_op(cur(P), "=>")) return unexpected(P);
        next(P);
        skip_eol(P);
        Node *v = parse_expr(P, PREC_MAPKEY);
        if (!v) return NULL;
        ast_push(P->a, map, pair(P, kt, k, v));
        skip_eol(P);
        if (!is_op(cur(P), ",")) break;
        next(P);
        skip_eol(P);
    }
    leave(P, saved);
    if (!expect_close(P, "}", open)) return NULL;
    return map;
}

/* map := % { ... } ; struct := % Alias { ... } | % __MODULE__ { ... } */
static Node *parse_percent(Parser *P) {
    Token *pct = cur(P);
    next(P);
    if (is_op(cur(P), "{") && !cur(P)->space_before) return parse_map_body(P, pct);
    Node *name;
    Token *t = cur(P);
    if (t->kind == T_ALIAS) {
        name = node(P, N_ALIAS, t);
        name->name = t->text;
        next(P);
        while (is_op(cur(P), ".") && peek(P, 1)->kind == T_ALIAS) {
            size_t l1 = strlen(name->name), l2 = strlen(peek(P, 1)->text);
            char *s = ast_alloc(P->a, l1 + l2 + 2);
            memcpy(s, name->name, l1);
            s[l1] = '.';
            memcpy(s + l1 + 1, peek(P, 1)->text, l2 + 1);
            name->name = s;
            next(P);
            next(P);
        }
    } else if (t->kind == T_IDENT && !strcmp(t->text, "__MODULE__")) {
        name = node(P, N_MODULE_REF, t);
        next(P);
    } else if (t->kind == T_IDENT) {
        name = node(P, N_VAR, t);
        name->name = t->text;
        next(P);
    } else {
        return unexpected(P);
    }
    if (!is_op(cur(P), "{")) return unexpected(P);
    Node *map = parse_map_body(P, cur(P));
    if (!map) return NULL;
    Node *s = node(P, N_STRUCT, pct);
    ast_push(P->a, s, name);
    ast_push(P->a, s, map);
    return s;
}

/* binary := << [expr {, expr}] >> */
static Node *parse_binary(Parser *P) {
    Token *open = cur(P);
    next(P);
    Saved saved = enter(P, CTX_CONTAINER);
    Node *bin = node(P, N_BINARY, open);
    skip_eol(P);
    while (!is_op(cur(P), ">>")) {
        Node *e = parse_expr(P, PREC_MIN);
        if (!e) return NULL;
        ast_push(P->a, bin, e);
        skip_eol(P);
        if (!is_op(cur(P), ",")) break;
        next(P);
        skip_eol(P);
    }
    leave(P, saved);
    if (!expect_close(P, ">>", open)) return NULL;
    return bin;
}

/* string := STR_BEGIN { STR_PART | #{ body } } STR_END */
static Node *parse_interp(Parser *P) {
    Node *n = node(P, N_INTERP, cur(P));
    next(P);
    Saved saved = enter(P, CTX_FREE);
    for (;;) {
        Token *t = cur(P);
        if (t->kind == T_STR_END) { next(P); break; }
        if (t->kind == T_STR_PART) {
            Node *s = node(P, N_STRING, t);
            s->str = t->text;
            s->len = t->len;
            ast_push(P->a, n, s);
            next(P);
            continue;
        }
        if (t->kind == T_INTERP_BEGIN) {
            next(P);
            skip_eol(P);
            Node *e;
            if (cur(P)->kind == T_INTERP_END) {
                e = node(P, N_BLOCK, t); /* "#{}" interpolates nil: "" */
            } else {
                e = parse_body(P, TERM_INTERP, false, t);
                if (!e) return NULL;
            }
            if (cur(P)->kind != T_INTERP_END) return unexpected(P);
            next(P);
            ast_push(P->a, n, e);
            continue;
        }
        return unexpected(P);
    }
    leave(P, saved);
    return n;
}

/* 'abc' => [97, 98, 99]: UTF-8 decoded; invalid bytes stand for themselves. */
static Node *charlist(Parser *P, const Token *t) {
    Node *l = node(P, N_LIST, t);
    const unsigned char *s = (const unsigned char *)t->text;
    size_t i = 0;
    while (i < t->len) {
        uint32_t cp = s[i];
        int n = cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC0 ? 2 : 1;
        if (n > 1 && i + (size_t)n <= t->len) {
            uint32_t v = cp & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
            bool ok = true;
            for (int k = 1; k < n; k++) {
                if ((s[i + k] & 0xC0) != 0x80) { ok = false; break; }
                v = (v << 6) | (s[i + k] & 0x3F);
            }
            if (ok) { cp = v; } else n = 1;
        } else n = 1;
        Node *c = node(P, N_INT, t);
        c->ival = cp;
        ast_push(P->a, l, c);
        i += (size_t)n;
    }
    return l;
}

/* ===================================================================== */
/* Bodies, clauses, blocks                                               */
/* ===================================================================== */

static bool at_term(Parser *P, unsigned terms) {
    Token *t = cur(P);
    if (t->kind == T_EOF) return true;
    if ((terms & TERM_END) && is_kw(t, "end")) return true;
    if ((terms & TERM_SECTION) && (is_kw(t, "else") || is_kw(t, "after") || is_kw(t, "rescue") || is_kw(t, "catch")))
        return true;
    if ((terms & TERM_RPAREN) && is_op(t, ")")) return true;
    if ((terms & TERM_INTERP) && t->kind == T_INTERP_END) return true;
    return false;
}

/* Is cur a `(` whose matching `)` is followed by `->` or `when`, i.e. a
 * parenthesised clause head? Only called at the start of a body item. */
static bool paren_head(Parser *P) {
    if (!is_op(cur(P), "(")) return false;
    size_t depth = 0;
    for (size_t i = P->pos; i < P->n; i++) {
        const Token *t = &P->t[i];
        if (is_op(t, "(") || is_op(t, "[") || is_op(t, "{") || is_op(t, "<<") || t->kind == T_INTERP_BEGIN ||
            is_kw(t, "do") || is_kw(t, "fn"))
            depth++;
        else if (is_op(t, ")") || is_op(t, "]") || is_op(t, "}") || is_op(t, ">>") || t->kind == T_INTERP_END ||
                 is_kw(t, "end")) {
            if (depth == 0) return false;
            if (--depth == 0) {
                const Token *n = i + 1 < P->n ? &P->t[i + 1] : t;
                return is_op(n, "->") || is_kw(n, "when");
            }
        }
    }
    return false;
}

/* 0 expressions => empty N_BLOCK (nil); 1 => itself; more => N_BLOCK. */
static Node *finish_block(Node *b) { return b->nkids == 1 ? b->kids[0] : b; }

/* body := { expr EOL } | clause { clause }
 * clause := [expr {, expr}] -> { expr EOL }, where a trailing `when` on the
 * last head expression is the guard. Returns N_STAB for clauses; otherwise
 * the single expression or an N_BLOCK. */
static Node *parse_body(Parser *P, unsigned terms, bool allow_stab, const Token *opener) {
    if (++P->depth > MAX_DEPTH) return error_at(P, cur(P), "expression nested too deeply%s", "");
    Node *plain = node(P, N_BLOCK, opener);
    Node *stab = NULL, *body = NULL;
    for (;;) {
        skip_eol(P);
        if (at_term(P, terms)) break;
        Token *start = cur(P);
        Node *head = NULL;
        if (is_op(start, "->")) {
            head = node(P, N_LIST, start);
        } else if (allow_stab && paren_head(P)) {
            /* (a, b) -> ... and (a, b) when g -> ... */
            head = node(P, N_LIST, start);
            next(P);
            Saved saved = enter(P, CTX_NESTED);
            skip_eol(P);
            while (!is_op(cur(P), ")")) {
                Node *x = parse_expr(P, PREC_MIN);
                if (!x) return NULL;
                ast_push(P->a, head, x);
                skip_eol(P);
                if (!is_op(cur(P), ",")) break;
                next(P);
                skip_eol(P);
            }
            leave(P, saved);
            if (!expect_close(P, ")", start)) return NULL;
            if (is_kw(cur(P), "when")) {
                Token *w = cur(P);
                next(P);
                skip_eol(P);
                Node *g = parse_expr(P, PREC_WHEN);
                if (!g) return NULL;
                Node *wn = node(P, N_WHEN, w);
                ast_push(P->a, wn, head);
                ast_push(P->a, wn, g);
                head = wn;
            }
            if (!is_op(cur(P), "->")) return unexpected(P);
        } else {
            unsigned blocks = P->do_blocks;
            Node *e = parse_expr(P, PREC_MIN);
            if (!e) return NULL;
            if (is_op(cur(P), ",") || is_op(cur(P), "->")) {
                head = node(P, N_LIST, start);
                ast_push(P->a, head, e);
                while (is_op(cur(P), ",")) {
                    next(P);
                    skip_eol(P);
                    Node *x = parse_expr(P, PREC_MIN);
                    if (!x) return NULL;
                    ast_push(P->a, head, x);
                }
                if (!is_op(cur(P), "->")) return unexpected(P);
                /* Elixir's grammar has no do-block calls in clause heads */
                if (P->do_blocks != blocks) return unexpected(P);
            } else {
                Node *target = body ? body : plain;
                ast_push(P->a, target, e);
                if (cur(P)->kind != T_EOL && !at_term(P, terms)) return unexpected(P);
                continue;
            }
        }
        /* a clause starts at cur `->` */
        if (!allow_stab || plain->nkids > 0) return unexpected(P);
        Token *arrow = cur(P);
        next(P);
        if (!stab) stab = node(P, N_STAB, start);
        Node *cl = node(P, N_CLAUSE, start);
        Node *args = head;
        if (head->kind == N_WHEN) {
            /* already split by the parenthesised form */
        } else if (head->nkids > 0 && head->kids[head->nkids - 1]->kind == N_WHEN) {
            Node *w = head->kids[head->nkids - 1];
            head->kids[head->nkids - 1] = w->kids[0];
            Node *g = node(P, N_WHEN, start);
            ast_push(P->a, g, head);
            ast_push(P->a, g, w->kids[1]);
            args = g;
        }
        ast_push(P->a, cl, args);
        if (body) ast_push(P->a, stab->kids[stab->nkids - 1], finish_block(body));
        body = node(P, N_BLOCK, arrow);
        ast_push(P->a, stab, cl);
    }
    P->depth--;
    if (stab) {
        ast_push(P->a, stab->kids[stab->nkids - 1], finish_block(body));
        return stab;
    }
    return finish_block(plain);
}

/* do-block := do body {(else|after|rescue|catch) body} end
 * Appends [do: b, else: b2, ...] to call's arguments. cur is `do`. */
static bool parse_do_block(Parser *P, Node *call) {
    Token *dot = cur(P);
    next(P);
    Saved saved = enter(P, CTX_FREE);
    Node *kw = node(P, N_LIST, dot);
    kw->flags = NF_KW;
    Token *sect = dot;
    for (;;) {
        Node *b = parse_body(P, TERM_END | TERM_SECTION, true, sect);
        if (!b) return false;
        ast_push(P->a, kw, pair(P, sect, atom_node(P, sect, sect->text), b));
        Token *t = cur(P);
        if (is_kw(t, "end")) { next(P); break; }
        if (t->kind == T_EOF) {
            char m[128];
            snprintf(m, sizeof m, "missing terminator: end (for \"do\" starting at line %d)", dot->line);
            error_at(P, t, "%s", m);
            return false;
        }
        sect = t;
        next(P);
    }
    leave(P, saved);
    P->after_end = true;
    P->do_blocks++;
    ast_push(P->a, call, kw);
    return true;
}

/* fn := fn clause {clause} end */
static Node *parse_fn(Parser *P) {
    Token *ft = cur(P);
    next(P);
    Saved saved = enter(P, CTX_FREE);
    Node *b = parse_body(P, TERM_END, true, ft);
    if (!b) return NULL;
    if (cur(P)->kind == T_EOF) {
        char m[128];
        snprintf(m, sizeof m, "missing terminator: end (for \"fn\" starting at line %d)", ft->line);
        return error_at(P, cur(P), "%s", m);
    }
    if (b->kind != N_STAB) return error_at(P, ft, "expected anonymous functions to be defined with -> inside: 'fn'%s", "");
    next(P); /* end */
    leave(P, saved);
    Node *fn = node(P, N_FN, ft);
    for (size_t i = 0; i < b->nkids; i++) ast_push(P->a, fn, b->kids[i]);
    return fn;
}

/* ( body ) — a parenthesised expression, block, or stab clauses. */
static Node *parse_parens(Parser *P) {
    Token *open = cur(P);
    next(P);
    Saved saved = enter(P, CTX_FREE);
    skip_eol(P);
    Node *b;
    if (is_op(cur(P), ")")) b = node(P, N_BLOCK, open);
    else {
        b = parse_body(P, TERM_RPAREN, true, open);
        if (!b) return NULL;
    }
    leave(P, saved);
    if (!expect_close(P, ")", open)) return NULL;
    return b;
}

/* ===================================================================== */
/* Primaries and postfix                                                 */
/* ===================================================================== */

static bool maybe_do(Parser *P, Node *call) {
    if (P->no_do == 0 && is_kw(cur(P), "do")) return parse_do_block(P, call);
    return true;
}

/* After a no-paren call and its optional do-block: `[a, b c, d]` is
 * ambiguous, unless the outermost no-paren call ends with a do-block
 * (`[if a, b do ... end]` is fine). (`f(a, b c, d)` fails at once.) */
static bool noparen_done(Parser *P, unsigned blocks_before, const Token *bad_before) {
    if (P->do_blocks != blocks_before) {
        P->bad_comma = bad_before; /* forgive the commas of this call only */
        return true;
    }
    if (P->no_do == 0 && P->bad_comma) {
        error_at(P, P->bad_comma, "unexpected comma. Parentheses are required to solve ambiguity inside containers%s", "");
        return false;
    }
    return true;
}

/* postfix := { .name [args] [do-block] | .Alias | .(args) | [key] }
 * (none after a do-block's `end`) */
static Node *parse_postfix(Parser *P, Node *n) {
    for (;;) {
        /* `if x do ... end.y` and `end[k]` are syntax errors in Elixir */
        if (P->after_end) { P->after_end = false; return n; }
        Token *t = cur(P);
        if (is_op(t, ".")) {
            Token *nt = peek(P, 1);
            if (nt->kind == T_ALIAS && n->kind == N_ALIAS) {
                size_t l1 = strlen(n->name), l2 = strlen(nt->text);
                char *s = ast_alloc(P->a, l1 + l2 + 2);
                memcpy(s, n->name, l1);
                s[l1] = '.';
                memcpy(s + l1 + 1, nt->text, l2 + 1);
                n->name = s;
                next(P);
                next(P);
                continue;
            }
            if (nt->kind == T_ALIAS && n->kind == N_ATOM)
                /* :Elixir.Foo, :"a".Foo, true.Foo: Elixir's own message */
                return error_at(P, nt, "atom cannot be followed by an alias. If the '.' was meant to be "
                                       "part of the atom's name, the atom name must be quoted. Syntax error "
                                       "before: '.'%s", "");
            if (nt->kind == T_IDENT || nt->kind == T_KEYWORD || op_name(nt)) {
                next(P);
                next(P);
                if (P->no_do == 0 && is_kw(cur(P), "do")) {
                    /* x.y do ... end: a remote call with a do-block */
                    Node *r = node(P, N_REMOTE, t);
                    r->name = nt->text;
                    ast_push(P->a, r, n);
                    if (!parse_do_block(P, r)) return NULL;
                    n = r;
                } else if (is_op(cur(P), "(") && !cur(P)->space_before) {
                    Node *r = node(P, N_REMOTE, t);
                    r->name = nt->text;
                    ast_push(P->a, r, n);
                    if (!parse_paren_args(P, r) || !maybe_do(P, r)) return NULL;
                    n = r;
                } else if (noparen_start(P)) {
                    /* `Mod.f x`, and as in Elixir also `var.f x`, `m.f -1` */
                    Node *r = node(P, N_REMOTE, t);
                    r->name = nt->text;
                    ast_push(P->a, r, n);
                    unsigned blocks = P->do_blocks;
                    const Token *bad = P->bad_comma;
                    if (!parse_noparen_args(P, r) || !maybe_do(P, r) || !noparen_done(P, blocks, bad)) return NULL;
                    n = r;
                } else {
                    Node *f = node(P, N_FIELD, t);
                    f->name = nt->text;
                    ast_push(P->a, f, n);
                    n = f;
                }
                continue;
            }
            if (is_op(nt, "(")) {
                next(P);
                Node *d = node(P, N_DOTCALL, t);
                ast_push(P->a, d, n);
                if (!parse_paren_args(P, d) || !maybe_do(P, d)) return NULL;
                n = d;
                continue;
            }
            next(P);
            return unexpected(P);
        }
        if (is_op(t, "[") && !t->space_before) {
            next(P);
            Saved saved = enter(P, CTX_FREE);
            skip_eol(P);
            Node *k = parse_expr(P, PREC_MIN);
            if (!k) return NULL;
            leave(P, saved);
            if (!expect_close(P, "]", t)) return NULL;
            Node *acc = node(P, N_ACCESS, t);
            ast_push(P->a, acc, n);
            ast_push(P->a, acc, k);
            n = acc;
            continue;
        }
        return n;
    }
}

/* ident := name ( args ) [do-block] | name noparen-args [do-block]
 *        | name do-block | name        (a variable) */
static Node *parse_ident(Parser *P) {
    Token *t = cur(P);
    next(P);
    if (!strcmp(t->text, "__MODULE__")) return node(P, N_MODULE_REF, t);
    if (is_op(cur(P), "(") && !cur(P)->space_before) {
        Node *c = node(P, N_CALL, t);
        c->name = t->text;
        c->flags = NF_PARENS;
        if (!parse_paren_args(P, c) || !maybe_do(P, c)) return NULL;
        return c;
    }
    if (noparen_start(P)) {
        Node *c = node(P, N_CALL, t);
        c->name = t->text;
        bool ambiguous = glued_sign(P);
        unsigned blocks = P->do_blocks;
        const Token *bad = P->bad_comma;
        if (!parse_noparen_args(P, c) || !maybe_do(P, c) || !noparen_done(P, blocks, bad)) return NULL;
        if (ambiguous && c->nkids == 1) c->flags |= NF_AMBIGUOUS_OP;
        return c;
    }
    if (P->no_do == 0 && is_kw(cur(P), "do")) {
        Node *c = node(P, N_CALL, t);
        c->name = t->text;
        if (!parse_do_block(P, c)) return NULL;
        return c;
    }
    Node *v = node(P, N_VAR, t);
    v->name = t->text;
    return v;
}

/* attr := @name [value] — value only when it follows on the same line. */
static Node *parse_attr(Parser *P) {
    Token *at = cur(P);
    next(P);
    Token *nt = cur(P);
    if ((nt->kind != T_IDENT && nt->kind != T_KEYWORD) || nt->space_before) return unexpected(P);
    next(P);
    Node *a = node(P, N_ATTR, at);
    a->name = nt->text;
    if (noparen_start(P)) {
        P->no_do++;
        Node *v = parse_expr(P, PREC_MIN);
        P->no_do--;
        if (!v) return NULL;
        ast_push(P->a, a, v);
        return a;
    }
    return parse_postfix(P, a);
}

static Node *parse_primary(Parser *P) {
    Token *t = cur(P);
    Node *n;
    switch (t->kind) {
    case T_INT:
        n = node(P, N_INT, t);
        if (t->big) { n->flags = NF_BIGINT; n->name = t->text; }
        else n->ival = t->ival;
        next(P);
        return parse_postfix(P, n);
    case T_FLOAT:
        n = node(P, N_FLOAT, t);
        n->fval = t->fval;
        next(P);
        return parse_postfix(P, n);
    case T_CHAR:
        n = node(P, N_INT, t);
        n->ival = t->ival;
        next(P);
        return parse_postfix(P, n);
    case T_ATOM:
        n = atom_node(P, t, t->text);
        next(P);
        return parse_postfix(P, n);
    case T_STRING:
        n = node(P, N_STRING, t);
        n->str = t->text;
        n->len = t->len;
        next(P);
        return parse_postfix(P, n);
    case T_STR_BEGIN:
        n = parse_interp(P);
        if (n && t->quoted) {
            /* :"a#{x}" is :erlang.binary_to_atom("a#{x}", :utf8), as in Elixir */
            Node *r = node(P, N_REMOTE, t);
            r->name = "binary_to_atom";
            ast_push(P->a, r, atom_node(P, t, "erlang"));
            ast_push(P->a, r, n);
            ast_push(P->a, r, atom_node(P, t, "utf8"));
            n = r;
        }
        return n ? parse_postfix(P, n) : NULL;
    case T_CHARLIST:
        next(P);
        return parse_postfix(P, charlist(P, t));
    case T_CAPARG:
        n = node(P, N_CAPTURE_ARG, t);
        n->ival = t->ival;
        next(P);
        return parse_postfix(P, n);
    case T_IDENT:
        n = parse_ident(P);
        return n ? parse_postfix(P, n) : NULL;
    case T_ALIAS:
        n = node(P, N_ALIAS, t);
        n->name = t->text;
        next(P);
        return parse_postfix(P, n);
    case T_KEYWORD:
        if (is_kw(t, "true") || is_kw(t, "false") || is_kw(t, "nil")) {
            n = atom_node(P, t, t->text);
            next(P);
            return parse_postfix(P, n);
        }
        if (is_kw(t, "fn")) {
            n = parse_fn(P);
            return n ? parse_postfix(P, n) : NULL;
        }
        return unexpected(P);
    case T_OP:
        if (is_op(t, "(")) n = parse_parens(P);
        else if (is_op(t, "[")) n = parse_list(P);
        else if (is_op(t, "{")) n = parse_tuple(P);
        else if (is_op(t, "%")) n = parse_percent(P);
        else if (is_op(t, "<<")) n = parse_binary(P);
        else if (is_op(t, "@")) return parse_attr(P);
        else return unexpected(P);
        return n ? parse_postfix(P, n) : NULL;
    default:
        return unexpected(P);
    }
}

/* unary := (- | + | ! | ^ | not) unary | & expr(=) | postfix
 * A minus applied directly to a number literal is folded into it. */
static Node *parse_unary(Parser *P) {
    Token *t = cur(P);
    if (is_op(t, "-") || is_op(t, "+") || is_op(t, "!") || is_op(t, "^") || is_kw(t, "not")) {
        next(P);
        if (++P->depth > MAX_DEPTH) return error_at(P, t, "expression nested too deeply%s", "");
        Token *ot = cur(P);
        Node *e = parse_unary(P);
        P->depth--;
        if (!e) return NULL;
        if ((is_op(t, "!") || is_kw(t, "not")) && is_kw(cur(P), "in")) {
            /* Elixir reads `!x in y` and `not x in y` as !(x in y) */
            Token *it = cur(P);
            next(P);
            skip_eol(P);
            Node *rhs = parse_expr(P, PREC_IN + 1);
            if (!rhs) return NULL;
            Node *b = node(P, N_BINOP, it);
            b->line = e->line;
            b->col = e->col;
            b->name = "in";
            ast_push(P->a, b, e);
            ast_push(P->a, b, rhs);
            e = b;
        }
        bool lit = (ot->kind == T_INT || ot->kind == T_FLOAT) && (e->kind == N_INT || e->kind == N_FLOAT) &&
                   e->line == ot->line && e->col == ot->col;
        if (lit && is_op(t, "-")) {
            e->line = t->line;
            e->col = t->col;
            if (e->kind == N_FLOAT) e->fval = -e->fval;
            else if (!(e->flags & NF_BIGINT)) e->ival = -e->ival;
            else if (!strcmp(e->name, "9223372036854775808")) { e->flags &= ~(unsigned)NF_BIGINT; e->ival = INT64_MIN; e->name = NULL; }
            else {
                size_t l = strlen(e->name);
                char *s = ast_alloc(P->a, l + 2);
                s[0] = '-';
                memcpy(s + 1, e->name, l + 1);
                e->name = s;
            }
            return e;
        }
        Node *u = node(P, N_UNOP, t);
        u->name = t->text;
        ast_push(P->a, u, e);
        return u;
    }
    if (is_op(t, "&")) {
        next(P);
        Token *ot = cur(P);
        if (op_name(ot) && is_op(peek(P, 1), "/")) {
            /* &+/2: capture of an operator, as &name/arity with name "+" */
            Node *v = node(P, N_VAR, ot);
            v->name = ot->text;
            next(P);
            Token *slash = cur(P);
            next(P);
            Node *ar = parse_unary(P);
            if (!ar) return NULL;
            Node *b = node(P, N_BINOP, slash);
            b->name = "/";
            ast_push(P->a, b, v);
            ast_push(P->a, b, ar);
            Node *c = node(P, N_CAPTURE, t);
            ast_push(P->a, c, b);
            return c;
        }
        Node *e = parse_expr(P, PREC_MATCH);
        if (!e) return NULL;
        Node *c = node(P, N_CAPTURE, t);
        ast_push(P->a, c, e);
        return c;
    }
    return parse_primary(P);
}

static const BinOp *binop_of(const Token *t) {
    if (t->kind != T_OP && t->kind != T_KEYWORD) return NULL;
    for (int i = 0; BINOPS[i].op; i++)
        if (!strcmp(BINOPS[i].op, t->text)) return &BINOPS[i];
    return NULL;
}

/* expr := unary { binop expr } by precedence climbing. `a..b//c` is one
 * N_RANGE; `when` builds N_WHEN. */
static Node *parse_expr(Parser *P, int min_prec) {
    if (++P->depth > MAX_DEPTH) return error_at(P, cur(P), "expression nested too deeply%s", "");
    Node *left = parse_unary(P);
    if (!left) return NULL;
    for (;;) {
        Token *t = cur(P);
        const BinOp *op = binop_of(t);
        if (!op || op->prec < min_prec) break;
        next(P);
        skip_eol(P);
        if (!strcmp(op->op, "..")) {
            Node *hi = parse_expr(P, op->prec); /* right-associative */
            if (!hi) return NULL;
            Node *r = node(P, N_RANGE, t);
            r->line = left->line;
            r->col = left->col;
            ast_push(P->a, r, left);
            ast_push(P->a, r, hi);
            if (is_op(cur(P), "//")) {
                next(P);
                skip_eol(P);
                Node *st = parse_expr(P, op->prec);
                if (!st) return NULL;
                ast_push(P->a, r, st);
            }
            left = r;
            continue;
        }
        Node *right = parse_expr(P, op->right ? op->prec : op->prec + 1);
        if (!right) return NULL;
        Node *b = node(P, !strcmp(op->op, "when") ? N_WHEN : N_BINOP, t);
        b->line = left->line;
        b->col = left->col;
        b->name = op->op;
        ast_push(P->a, b, left);
        ast_push(P->a, b, right);
        left = b;
    }
    P->depth--;
    return left;
}

/* ===================================================================== */
/* Entry point                                                           */
/* ===================================================================== */

static const char *closer_of(const Token *t) {
    if (t->kind == T_OP) {
        if (!strcmp(t->text, "(")) return ")";
        if (!strcmp(t->text, "[")) return "]";
        if (!strcmp(t->text, "{")) return "}";
        if (!strcmp(t->text, "<<")) return ">>";
        return NULL;
    }
    if (t->kind == T_KEYWORD && (!strcmp(t->text, "do") || !strcmp(t->text, "fn"))) return "end";
    if (t->kind == T_INTERP_BEGIN) return "}";
    return NULL;
}

static bool is_closing(const Token *t) {
    return is_closer(t) || is_kw(t, "end") || t->kind == T_INTERP_END;
}

/* Check that brackets, do/fn ... end and interpolations nest properly before
 * parsing, as Elixir's tokenizer does: this gives the precise "missing
 * terminator" errors (the innermost unclosed opener) whatever the parser
 * would have tripped on first. Sets the error and returns false if not. */
static bool check_terminators(Parser *P) {
    size_t cap = 64, depth = 0;
    const Token **stack = malloc(cap * sizeof *stack);
    if (!stack) abort();
    bool ok = true;
    char m[200], b[96];
    for (size_t i = 0; i < P->n && ok; i++) {
        const Token *t = &P->t[i];
        if (closer_of(t)) {
            if (depth == cap) {
                cap *= 2;
                const Token **ns = realloc(stack, cap * sizeof *stack);
                if (!ns) abort();
                stack = ns;
            }
            stack[depth++] = t;
        } else if (is_closing(t)) {
            const char *want = depth ? closer_of(stack[depth - 1]) : NULL;
            const char *got = t->kind == T_INTERP_END ? "}" : t->text;
            bool match = want && !strcmp(want, got) &&
                         (t->kind == T_INTERP_END) == (stack[depth - 1]->kind == T_INTERP_BEGIN);
            if (match) { depth--; continue; }
            lexer_describe(t, b, sizeof b);
            if (!depth) {
                snprintf(m, sizeof m, "unexpected %s: %s", t->kind == T_KEYWORD ? "reserved word" : "token", b);
            } else {
                const Token *o = stack[depth - 1];
                snprintf(m, sizeof m, "unexpected %s: %s. The \"%s\" at line %d is missing terminator \"%s\"",
                         t->kind == T_KEYWORD ? "reserved word" : "token", b,
                         o->kind == T_INTERP_BEGIN ? "#{" : o->text, o->line, want);
            }
            error_at(P, t, "%s", m);
            ok = false;
        } else if (t->kind == T_EOF && depth) {
            const Token *o = stack[depth - 1];
            snprintf(m, sizeof m, "missing terminator: %s (for \"%s\" starting at line %d)", closer_of(o),
                     o->kind == T_INTERP_BEGIN ? "#{" : o->text, o->line);
            error_at(P, t, "%s", m);
            ok = false;
        }
    }
    free(stack);
    return ok;
}

Node *parse_program(AstArena *arena, const char *file, const char *src, size_t len, Diag *err) {
    TokenList tl;
    if (!lexer_run(arena, file, src, len, &tl, err)) {
        lexer_free(&tl);
        return NULL;
    }
    Parser P = { .a = arena, .file = file, .err = err, .t = tl.toks, .n = tl.n };
    Node *prog = node(&P, N_BLOCK, cur(&P));
    prog->line = prog->col = 1;
    Node *b = check_terminators(&P) ? parse_body(&P, 0, false, cur(&P)) : NULL;
    if (b && cur(&P)->kind != T_EOF) b = unexpected(&P);
    lexer_free(&tl);
    if (!b || failed(&P)) return NULL;
    if (b->kind == N_BLOCK && b->nkids != 1) {
        for (size_t i = 0; i < b->nkids; i++) ast_push(arena, prog, b->kids[i]);
    } else {
        ast_push(arena, prog, b);
    }
    return prog;
}
