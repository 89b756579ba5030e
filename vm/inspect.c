/* vm/inspect.c */
