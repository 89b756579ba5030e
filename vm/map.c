/* vm/map.c */
