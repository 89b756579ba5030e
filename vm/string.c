/* vm/string.c */
