/* vm/float_fmt.c */
