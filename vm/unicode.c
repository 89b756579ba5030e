/* unicode.c — UTF-8, case mapping and whitespace (see unicode.h).
 *
 * Case mapping is table driven (unicode_case.h, generated from elixir's own
 * String functions), so String.upcase/downcase/capitalize agree with
 * Elixir 1.14 code point by code point, multi-code-point results included.
 */
#include "unicode.h"

int unicode_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    int len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)len > n) return 0;
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

int unicode_encode(uint32_t cp, uint8_t *u)
{
    if (cp < 0x80) { u[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) { u[0] = (uint8_t)(0xC0 | (cp >> 6)); u[1] = (uint8_t)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (cp >> 12)); u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (uint8_t)(0xF0 | (cp >> 18)); u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

bool unicode_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) { i++; continue; }
        uint32_t cp;
        int l = unicode_decode(s + i, n - i, &cp);
        if (!l) return false;
        i += (size_t)l;
    }
    return true;
}

#include "unicode_case.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The case_map entry of cp, or NULL when every mapping is the identity. */
static const CaseMap *find_map(uint32_t cp)
{
    size_t lo = 0, hi = COUNT(case_map);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (case_map[mid].cp == cp) return &case_map[mid];
        if (case_map[mid].cp < cp) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static int special_index(uint32_t cp)
{
    size_t lo = 0, hi = COUNT(case_special);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (case_special[mid].cp == cp) return (int)mid;
        if (case_special[mid].cp < cp) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

/* which: 0 upper, 1 lower, 2 title. */
static uint32_t map_one(uint32_t cp, int which)
{
    if (cp < 0x80) {
        if (which != 1 && cp >= 'a' && cp <= 'z') return cp - 32;
        if (which == 1 && cp >= 'A' && cp <= 'Z') return cp + 32;
        return cp;
    }
    const CaseMap *e = find_map(cp);
    if (!e) return cp;
    uint32_t r = which == 0 ? e->upper : which == 1 ? e->lower : e->title;
    return r ? r : cp;
}

uint32_t unicode_upper(uint32_t cp) { return map_one(cp, 0); }
uint32_t unicode_lower(uint32_t cp) { return map_one(cp, 1); }
uint32_t unicode_title(uint32_t cp) { return map_one(cp, 2); }

const char *unicode_case_full(uint32_t cp, int which)
{
    if (cp < 0x80) return NULL;
    int k = special_index(cp);
    if (k < 0) return NULL;
    const char *r = which == 0 ? case_special[k].upper : which == 1 ? case_special[k].lower : case_special[k].title;
    /* only when that mapping really is several code points */
    const CaseMap *e = find_map(cp);
    uint32_t single = !e ? cp : which == 0 ? e->upper : which == 1 ? e->lower : e->title;
    return single ? NULL : r;
}

bool unicode_is_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

bool unicode_is_split_space(uint32_t c)
{
    return unicode_is_space(c) && c != 0xA0 && c != 0x2007 && c != 0x202F;
}
