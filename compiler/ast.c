/* compiler/ast.c */
