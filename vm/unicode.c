/* unicode.c — UTF-8 and simple case mapping (see unicode.h).
 *
 * Case pairs are described by ranges rather than tables: in each range
 * [lo, hi] either upper = lower - delta (offset ranges) or the code points
 * alternate upper/lower starting at lo (paired ranges). The ranges are
 * disjoint; every mapping is its own inverse except the few listed
 * one-way specials (µ, ſ, ς, ı, İ, ϐ ...).
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

/* Offset ranges: lower-case lo..hi maps to upper by subtracting delta. */
static const struct { uint32_t lo, hi, delta; } offsets[] = {
    { 0x61, 0x7A, 32 },
    { 0xE0, 0xF6, 32 },
    { 0xF8, 0xFE, 32 },
    { 0x3B1, 0x3C1, 32 },
    { 0x3C3, 0x3CB, 32 },
    { 0x3AD, 0x3AF, 37 },
    { 0x3CD, 0x3CE, 63 },
    { 0x430, 0x44F, 32 },
    { 0x450, 0x45F, 80 },
};

/* Paired ranges: lo is upper, lo + 1 lower, lo + 2 upper ... up to hi. */
static const struct { uint32_t lo, hi; } pairs[] = {
    { 0x100, 0x12F }, { 0x132, 0x137 }, { 0x139, 0x148 }, { 0x14A, 0x177 },
    { 0x179, 0x17E }, { 0x1CD, 0x1DC }, { 0x1DE, 0x1EF }, { 0x1F8, 0x21F },
    { 0x3D8, 0x3EF }, { 0x460, 0x481 }, { 0x48A, 0x4BF }, { 0x4C1, 0x4CE },
    { 0x4D0, 0x52F },
};

/* One-off pairs {upper, lower}, both directions. */
static const uint32_t singles[][2] = {
    { 0x178, 0xFF }, { 0x386, 0x3AC }, { 0x38C, 0x3CC }, { 0x4C0, 0x4CF },
    { 0x1C4, 0x1C6 }, { 0x1C7, 0x1C9 }, { 0x1CA, 0x1CC }, { 0x1F1, 0x1F3 },
};

/* Lower-to-upper only. */
static const uint32_t to_upper_only[][2] = {
    { 0xB5, 0x39C }, { 0x17F, 0x53 }, { 0x131, 0x49 }, { 0x3C2, 0x3A3 },
    { 0x1C5, 0x1C4 }, { 0x1C8, 0x1C7 }, { 0x1CB, 0x1CA }, { 0x1F2, 0x1F1 },
    { 0x3D0, 0x392 }, { 0x3D1, 0x398 }, { 0x3D5, 0x3A6 }, { 0x3D6, 0x3A0 },
    { 0x3F0, 0x39A }, { 0x3F1, 0x3A1 },
};

/* Upper-to-lower only. */
static const uint32_t to_lower_only[][2] = {
    { 0x130, 0x69 }, { 0x1C5, 0x1C6 }, { 0x1C8, 0x1C9 }, { 0x1CB, 0x1CC }, { 0x1F2, 0x1F3 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

uint32_t unicode_upper(uint32_t cp)
{
    if (cp < 0x80) return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
    for (size_t i = 0; i < COUNT(to_upper_only); i++)
        if (to_upper_only[i][0] == cp) return to_upper_only[i][1];
    for (size_t i = 0; i < COUNT(offsets); i++)
        if (cp >= offsets[i].lo && cp <= offsets[i].hi) return cp - offsets[i].delta;
    for (size_t i = 0; i < COUNT(pairs); i++)
        if (cp > pairs[i].lo && cp <= pairs[i].hi) return ((cp - pairs[i].lo) & 1) ? cp - 1 : cp;
    for (size_t i = 0; i < COUNT(singles); i++)
        if (singles[i][1] == cp) return singles[i][0];
    return cp;
}

uint32_t unicode_lower(uint32_t cp)
{
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    for (size_t i = 0; i < COUNT(to_lower_only); i++)
        if (to_lower_only[i][0] == cp) return to_lower_only[i][1];
    for (size_t i = 0; i < COUNT(offsets); i++) {
        uint32_t lo = offsets[i].lo - offsets[i].delta, hi = offsets[i].hi - offsets[i].delta;
        if (cp >= lo && cp <= hi) return cp + offsets[i].delta;
    }
    for (size_t i = 0; i < COUNT(pairs); i++)
        if (cp >= pairs[i].lo && cp < pairs[i].hi) return ((cp - pairs[i].lo) & 1) ? cp : cp + 1;
    for (size_t i = 0; i < COUNT(singles); i++)
        if (singles[i][0] == cp) return singles[i][1];
    return cp;
}

uint32_t unicode_title(uint32_t cp)
{
    switch (cp) {
    case 0x1C4: case 0x1C5: case 0x1C6: return 0x1C5;
    case 0x1C7: case 0x1C8: case 0x1C9: return 0x1C8;
    case 0x1CA: case 0x1CB: case 0x1CC: return 0x1CB;
    case 0x1F1: case 0x1F2: case 0x1F3: return 0x1F2;
    }
    return unicode_upper(cp);
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
