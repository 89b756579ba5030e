/* vm/bignum.c */
