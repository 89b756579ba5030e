/* compiler/diag.c */
