/* diag.h — compile-time diagnostics: `file:line:col: message`, the source
 * line, and a caret under the column. */
#ifndef ACT_DIAG_H
#define ACT_DIAG_H
#include <stdio.h>
#include <stdbool.h>

typedef struct Diag {
    const char *file;
    int line, col;      /* 1-based */
    char msg[256];
    bool set;
} Diag;

/* Record the first error only; later calls are ignored while d->set. */
void diag_set(Diag *d, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Print `file:line:col: message`, the source line and a caret to out. */
void diag_print(const Diag *d, const char *src, size_t len, FILE *out);
#endif
