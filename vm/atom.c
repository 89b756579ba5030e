/* vm/atom.c */
