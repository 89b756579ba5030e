/* vm/native.c */
