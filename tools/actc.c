/* tools/actc.c */
