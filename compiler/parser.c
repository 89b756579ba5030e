/* compiler/parser.c */
