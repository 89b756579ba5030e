/* vm/binary.c */
