/* ast.h — the syntax tree the parser builds and the compiler passes consume.
 *
 * The tree mirrors Elixir's quoted form, so that macros-as-syntax (def, if,
 * case, for, ...) are ordinary calls with a trailing keyword list, exactly as
 * Elixir parses them, and codegen recognises them by name:
 *
 *   if c do a else b end     => N_CALL "if" [c, N_LIST kw [do: a, else: b]]
 *   if c, do: a, else: b     => the same tree
 *   case x do p -> e end     => N_CALL "case" [x, kw [do: N_STAB [N_CLAUSE]]]
 *   def f(x) when g do b end => N_CALL "def" [N_WHEN(N_CALL f [x], g), kw [do: b]]
 *   defmodule A.B do .. end  => N_CALL "defmodule" [N_ALIAS "A.B", kw [do: ..]]
 *   @x 1 / @x                => N_ATTR "x" (kids: [1]) / N_ATTR "x" (no kids)
 *   fn a -> b; c -> d end    => N_FN [N_CLAUSE, N_CLAUSE]
 *   x |> f(a)                => N_BINOP "|>" (kept; codegen rewrites it)
 *   a.b                      => N_FIELD (a, "b")   (no parentheses)
 *   a.b()                    => N_REMOTE (a, "b", [])
 *   f.(x)                    => N_DOTCALL (f, [x])
 *   m[k]                     => N_ACCESS (m, k)
 *   [a: 1]                   => N_LIST of N_TUPLE{N_ATOM a, 1}, flag KW
 *   "a#{x}b"                 => N_INTERP ["a", x, "b"] (plain strings: N_STRING)
 *   'abc'                    => N_LIST of N_INT (a charlist)
 *   %{m | a: 1}              => N_MAP with `update` = m
 *   %A{x: 1}                 => N_STRUCT (N_ALIAS A, N_MAP)
 *   <<1, 2>>                 => N_BINARY
 *   &(&1 + 1), &f/1, &M.f/1  => N_CAPTURE (body); &1 => N_CAPTURE_ARG (index)
 *   do-block bodies with several expressions => N_BLOCK
 *   a -> b clauses in a block => N_STAB of N_CLAUSE
 *
 * Invariants:
 *  - Every node carries the 1-based line and column of its first token.
 *  - Nodes are allocated in an arena owned by the compilation (ast_arena_*),
 *    freed all at once; no node is freed on its own.
 *  - Strings (names, literal text) are NUL-terminated and live in the arena;
 *    N_STRING also has an explicit byte length (it may contain NUL bytes).
 */
#ifndef ACT_AST_H
#define ACT_AST_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum {
    N_INT,        /* ival, or text (decimal digits, sign folded in) when bigint */
    N_FLOAT,      /* fval */
    N_ATOM,       /* name: atom text without the colon: ok, "two words" */
    N_STRING,     /* str, len: bytes after escape processing */
    N_INTERP,     /* kids: N_STRING pieces and expressions, in order */
    N_VAR,        /* name; "_" and "_x" are wildcards */
    N_ALIAS,      /* name: "Bank.Account" (codegen prefixes "Elixir.") */
    N_LIST,       /* kids: items; tail: the `| t` part or NULL; flags: KW */
    N_TUPLE,      /* kids */
    N_MAP,        /* kids: N_TUPLE pairs {key, value}; update: base or NULL */
    N_STRUCT,     /* kids[0]: N_ALIAS (or __MODULE__ N_CALL), kids[1]: N_MAP */
    N_BINARY,     /* kids: segments (expressions; `x :: size` not supported) */
    N_UNOP,       /* name: "-" "+" "!" "not" "^" "&"(no: N_CAPTURE); kids[0] */
    N_BINOP,      /* name: operator text; kids[0], kids[1] */
    N_WHEN,       /* kids[0]: head/pattern, kids[1]: guard */
    N_CALL,       /* name, kids: args. Local call or special form. flags: PARENS */
    N_REMOTE,     /* kids[0]: target (N_ALIAS, N_ATOM, N_VAR...), name, kids[1..]: args */
    N_DOTCALL,    /* kids[0]: fun expression, kids[1..]: args */
    N_FIELD,      /* kids[0]: expression, name: field */
    N_ACCESS,     /* kids[0]: expression, kids[1]: key */
    N_FN,         /* kids: N_CLAUSE */
    N_CLAUSE,     /* kids[0]: N_LIST of argument patterns (a `when` guard wraps
                     it: kids[0] is N_WHEN(N_LIST args, guard)), kids[1]: body */
    N_STAB,       /* kids: N_CLAUSE (the contents of a do-block made of clauses) */
    N_BLOCK,      /* kids: expressions */
    N_ATTR,       /* name; kids[0] is the value when it is a definition */
    N_CAPTURE,    /* kids[0]: the captured expression */
    N_CAPTURE_ARG,/* ival: the n of &n */
    N_MODULE_REF, /* __MODULE__ */
    N_RANGE,      /* kids[0]..kids[1], kids[2]: step or absent (nkids == 2) */
} NodeKind;

enum {
    NF_KW = 1,     /* N_LIST written as keywords ([a: 1] or trailing `a: 1`) */
    NF_PARENS = 2, /* N_CALL written with parentheses */
    NF_BIGINT = 4, /* N_INT whose value does not fit int64: see text */
    NF_QUOTED_ATOM_KEY = 8, /* keyword key written as "a b": */
    /* No-paren N_CALL with one argument written with a glued sign after a
     * space, `n -1` / `n +x` (Elixir's ambiguous_op): a call n(-1), but if
     * `n` is a variable in scope Elixir rejects it at compile time with
     * "\"n -1\" looks like a function call but there is a variable named
     * \"n\"..." (added by the parser engineer; codegen may ignore it). */
    NF_AMBIGUOUS_OP = 16,
};

typedef struct Node Node;
struct Node {
    NodeKind kind;
    int line, col;
    unsigned flags;
    const char *name; /* atom/var/alias/call/op/field/attr name, or bigint text */
    union {
        int64_t ival;
        double fval;
        struct { const char *str; size_t len; };
    };
    Node **kids;
    size_t nkids;
    Node *tail;   /* N_LIST tail */
    Node *update; /* N_MAP update base */
};

typedef struct AstArena AstArena;
AstArena *ast_arena_new(void);
void ast_arena_free(AstArena *a);
void *ast_alloc(AstArena *a, size_t bytes); /* zeroed */
Node *ast_node(AstArena *a, NodeKind kind, int line, int col);
void ast_push(AstArena *a, Node *parent, Node *kid); /* append to kids */
const char *ast_strdup(AstArena *a, const char *s, size_t len);

/* Keyword lookup on an N_LIST with KW flag: the value for key `name`, or NULL. */
Node *ast_kw_get(const Node *kw, const char *name);

/* Debug: print the tree in a stable, Elixir-like form (used by parser tests). */
void ast_dump(const Node *n, FILE *out);
#endif
