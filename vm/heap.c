/* vm/heap.c */
