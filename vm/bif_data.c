/* vm/bif_data.c */
