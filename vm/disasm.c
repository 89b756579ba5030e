/* vm/disasm.c */
