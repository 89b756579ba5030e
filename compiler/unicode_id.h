/* unicode_id.h — Unicode identifier classes for the lexer (UAX #31).
 *
 * Only non-ASCII code points are classified here; the lexer handles ASCII
 * itself. Act follows Elixir 1.14: atoms and variables may contain letters
 * of any script, aliases are ASCII only. */
#ifndef ACT_UNICODE_ID_H
#define ACT_UNICODE_ID_H
#include <stdint.h>

enum {
    UNICODE_ID_NONE = 0,     /* not an identifier character */
    UNICODE_ID_CONTINUE = 1, /* may continue an identifier (marks, digits) */
    UNICODE_ID_START = 2,    /* may start a variable or an atom */
    UNICODE_ID_UPPER = 3,    /* upper/titlecase letter: may start an atom */
};

/* The class of code point cp (kinds 2 and 3 may also continue). */
int unicode_id_kind(uint32_t cp);
#endif
