/* vm/process.c */
