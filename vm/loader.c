/* vm/loader.c */
