/* vm/main.c */
