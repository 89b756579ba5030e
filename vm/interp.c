/* vm/interp.c */
