/* vm/module.c */
