/* diag.c — compile-time diagnostics (see diag.h). */
#include "diag.h"
#include <stdarg.h>
#include <string.h>

void diag_set(Diag *d, const char *file, int line, int col, const char *fmt, ...) {
    if (!d || d->set) return;
    d->file = file;
    d->line = line;
    d->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    d->set = true;
}

/* The caret line copies the tabs of the source line so that the caret lines
 * up under the column (a byte column) whatever the tab width. */
void diag_print(const Diag *d, const char *src, size_t len, FILE *out) {
    fprintf(out, "%s:%d:%d: %s\n", d->file ? d->file : "nofile", d->line, d->col, d->msg);
    if (!src || d->line < 1) return;
    size_t p = 0;
    for (int l = 1; l < d->line && p < len; p++)
        if (src[p] == '\n') l++;
    if (p >= len && d->line > 1) {
        /* the error is past the last newline (end of file): no source line */
        return;
    }
    size_t e = p;
    while (e < len && src[e] != '\n') e++;
    size_t n = e - p;
    if (n > 0 && src[p + n - 1] == '\r') n--;
    if (n == 0) return;
    fputs("    ", out);
    fwrite(src + p, 1, n, out);
    fputs("\n    ", out);
    for (int c = 1; c < d->col; c++) {
        size_t i = p + (size_t)(c - 1);
        fputc(i < e && src[i] == '\t' ? '\t' : ' ', out);
    }
    fputs("^\n", out);
}
