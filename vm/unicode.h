/* unicode.h — the Unicode facts the String natives need: UTF-8 decoding,
 * simple (one code point to one) case mapping, whitespace.
 *
 * Case mapping is Elixir 1.14's String.upcase/downcase/capitalize applied
 * to one code point (Unicode 14, default mode), for every code point up to
 * U+1FFFF. It is context free: Elixir's default mode has no context rules
 * (no final-sigma), so mapping a string code point by code point matches.
 */
#ifndef ACT_UNICODE_H
#define ACT_UNICODE_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Decodes the code point at s[0..n) (n > 0). Returns its byte length 1..4,
 * or 0 if the bytes are not valid UTF-8 (overlong forms, surrogates and
 * values above 0x10FFFF are invalid). */
int unicode_decode(const uint8_t *s, size_t n, uint32_t *cp);
/* Bytes of the UTF-8 encoding of cp (1..4). */
int unicode_encode(uint32_t cp, uint8_t *out); /* out has room for 4 */
/* True if s[0..n) is entirely valid UTF-8. */
bool unicode_valid(const uint8_t *s, size_t n);

/* The single code point cp maps to; cp itself when the mapping is the
 * identity or gives several code points (see unicode_case_full). */
uint32_t unicode_upper(uint32_t cp);
uint32_t unicode_lower(uint32_t cp);
/* Titlecase (capitalize's first letter): ǆ -> ǅ, ß -> "Ss". */
uint32_t unicode_title(uint32_t cp);
/* When mapping cp (which: 0 upper, 1 lower, 2 title) gives several code
 * points, their UTF-8 text (ß -> "SS"); else NULL. */
const char *unicode_case_full(uint32_t cp, int which);

/* Unicode White_Space (String.trim). */
bool unicode_is_space(uint32_t cp);
/* White_Space minus the non-breaking ones (U+00A0, U+2007, U+202F):
 * String.split/1. */
bool unicode_is_split_space(uint32_t cp);
#endif
