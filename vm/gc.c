/* vm/gc.c */
