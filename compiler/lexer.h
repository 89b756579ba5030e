/* lexer.h — Act source text to a flat token array.
 *
 * The whole file is tokenized up front. Interpolated strings are not one
 * token: "a#{x}b" becomes
 *     T_STR_BEGIN  T_STR_PART"a"  T_INTERP_BEGIN  <tokens of x>  T_INTERP_END
 *     T_STR_PART"b"  T_STR_END
 * so the parser parses the embedded expressions with its ordinary rules.
 *
 * Invariants of a TokenList produced by lexer_run:
 *  - It always ends with exactly one T_EOF.
 *  - T_EOL stands for one or more newlines or `;` between expressions; runs
 *    are collapsed, none starts the list, and none directly precedes a
 *    binary-only operator (`|>`, `==`, `and`, `when`...), because a line
 *    starting with such an operator continues the previous expression.
 *  - Token text (identifiers, operators, string bytes after escapes) lives in
 *    the AstArena passed to lexer_run and is NUL-terminated.
 *  - line/col are 1-based, col counts bytes.
 */
#ifndef ACT_LEXER_H
#define ACT_LEXER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ast.h"
#include "diag.h"

typedef enum {
    T_EOF,
    T_EOL,
    T_INT,          /* ival; or text = decimal digits when `big` */
    T_FLOAT,        /* fval */
    T_ATOM,         /* text: atom name without the colon */
    T_KWKEY,        /* `name:` keyword key; text: name; `quoted` for "a b": */
    T_STRING,       /* a string without interpolation; text/len: bytes */
    T_CHARLIST,     /* 'abc'; text/len: bytes (UTF-8, decoded by the parser) */
    T_CHAR,         /* ?a; ival: code point */
    T_IDENT,        /* lower-case identifier (not a reserved word) */
    T_ALIAS,        /* capitalised identifier: one segment of A.B.C */
    T_KEYWORD,      /* reserved word: do end fn else after rescue catch when
                       and or not in true false nil; text is the word */
    T_OP,           /* operator or punctuation; text is its spelling. The
                       two-word operator `not in` has text "not in". */
    T_CAPARG,       /* &1; ival: the index */
    T_STR_BEGIN,    /* start of an interpolated string */
    T_STR_PART,     /* literal piece of an interpolated string */
    T_INTERP_BEGIN, /* `#{` */
    T_INTERP_END,   /* the `}` closing an interpolation */
    T_STR_END,      /* end of an interpolated string */
} TokKind;

typedef struct Token {
    TokKind kind;
    int line, col;
    bool space_before;  /* whitespace or a newline directly before it */
    bool big;           /* T_INT: does not fit int64; see text */
    bool quoted;        /* T_KWKEY / T_ATOM written with quotes; on
                           T_STR_BEGIN: an interpolated atom :"a#{x}" */
    const char *text;
    size_t len;
    int64_t ival;
    double fval;
} Token;

typedef struct TokenList {
    Token *toks;
    size_t n, cap;
} TokenList;

/* Tokenize src. On a lexical error returns false with *err set (the list is
 * still valid and ends with T_EOF; free it with lexer_free). */
bool lexer_run(AstArena *arena, const char *file, const char *src, size_t len,
               TokenList *out, Diag *err);
void lexer_free(TokenList *tl);

/* Human text of a token for messages: `)`, `end`, `"abc"`, `foo`... */
const char *lexer_describe(const Token *t, char *buf, size_t size);
#endif
