/* parser.h — source text to AST (ast.h). Grammar rules are documented on each
 * parse function in parser.c. */
#ifndef ACT_PARSER_H
#define ACT_PARSER_H
#include "ast.h"
#include "diag.h"

/* Parse a whole file: returns an N_BLOCK of its top-level expressions, or
 * NULL with *err filled (the first syntax error). */
Node *parse_program(AstArena *arena, const char *file, const char *src, size_t len, Diag *err);
#endif
