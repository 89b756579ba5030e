/* vm/arith.c */
