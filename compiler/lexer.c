/* compiler/lexer.c */
