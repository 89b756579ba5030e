/* vm/term.c */
