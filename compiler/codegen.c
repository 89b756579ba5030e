/* compiler/codegen.c */
