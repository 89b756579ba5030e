/* unicode.h — the Unicode facts the String natives need: UTF-8 decoding,
 * simple (one code point to one) case mapping, whitespace.
 *
 * Case mapping covers ASCII, Latin-1, Latin Extended-A, the Latin
 * Extended-B digraphs (DŽ Dž dž ...), Greek and Cyrillic (basic and
 * extended). Other code points map to themselves. Mappings that produce
 * several code points are not done, except ß -> "SS" in upcase (see
 * string.c); İ downcases to i (Elixir gives "i̇"). Documented deviation.
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

uint32_t unicode_upper(uint32_t cp);
uint32_t unicode_lower(uint32_t cp);
/* Titlecase (capitalize's first letter): upper, except for the digraphs
 * (ǆ -> ǅ). */
uint32_t unicode_title(uint32_t cp);

/* Unicode White_Space (String.trim). */
bool unicode_is_space(uint32_t cp);
/* White_Space minus the non-breaking ones (U+00A0, U+2007, U+202F):
 * String.split/1. */
bool unicode_is_split_space(uint32_t cp);
#endif
