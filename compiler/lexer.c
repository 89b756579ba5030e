/* lexer.c — hand-written tokenizer for Act (see lexer.h for the token stream
 * shape). One pass over the bytes; strings with interpolation recurse into
 * the main token loop for the embedded expressions, with a depth limit so
 * that hostile input cannot exhaust the C stack. */
#include "lexer.h"
#include "unicode_id.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <math.h>
#include <errno.h>

#define MAX_NEST 200

/* Lexer state. Invariants: pos <= len; line/col describe pos; `depth` counts
 * the interpolations currently open (bounded by MAX_NEST). */
typedef struct Lexer {
    AstArena *arena;
    const char *file;
    const char *src;
    size_t len, pos;
    int line, col;
    TokenList *out;
    Diag *err;
    int depth;
    /* scratch buffer for string contents */
    char *buf;
    size_t blen, bcap;
} Lexer;

/* ===================================================================== */
/* Helpers                                                               */
/* ===================================================================== */

static int peekc(Lexer *L, size_t off) {
    return L->pos + off < L->len ? (unsigned char)L->src[L->pos + off] : -1;
}

static void adv(Lexer *L) {
    if (L->pos >= L->len) return;
    if (L->src[L->pos] == '\n') { L->line++; L->col = 1; }
    else L->col++;
    L->pos++;
}

static void advn(Lexer *L, size_t n) { while (n--) adv(L); }

static bool failed(Lexer *L) { return L->err->set; }

static void lex_error(Lexer *L, int line, int col, const char *fmt, const char *arg) {
    diag_set(L->err, L->file, line, col, fmt, arg);
}

static Token *push_tok(Lexer *L, TokKind k, int line, int col, bool space) {
    TokenList *tl = L->out;
    if (tl->n == tl->cap) {
        size_t nc = tl->cap ? tl->cap * 2 : 256;
        Token *nt = realloc(tl->toks, nc * sizeof(Token));
        if (!nt) { fprintf(stderr, "act: out of memory\n"); abort(); }
        tl->toks = nt;
        tl->cap = nc;
    }
    Token *t = &tl->toks[tl->n++];
    memset(t, 0, sizeof *t);
    t->kind = k;
    t->line = line;
    t->col = col;
    t->space_before = space;
    return t;
}

static void buf_add(Lexer *L, char c) {
    if (L->blen == L->bcap) {
        L->bcap = L->bcap ? L->bcap * 2 : 128;
        L->buf = realloc(L->buf, L->bcap);
        if (!L->buf) { fprintf(stderr, "act: out of memory\n"); abort(); }
    }
    L->buf[L->blen++] = c;
}

static void buf_utf8(Lexer *L, uint32_t cp) {
    if (cp < 0x80) buf_add(L, (char)cp);
    else if (cp < 0x800) { buf_add(L, (char)(0xC0 | (cp >> 6))); buf_add(L, (char)(0x80 | (cp & 0x3F))); }
    else if (cp < 0x10000) {
        buf_add(L, (char)(0xE0 | (cp >> 12)));
        buf_add(L, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_add(L, (char)(0x80 | (cp & 0x3F)));
    } else {
        buf_add(L, (char)(0xF0 | (cp >> 18)));
        buf_add(L, (char)(0x80 | ((cp >> 12) & 0x3F)));
        buf_add(L, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_add(L, (char)(0x80 | (cp & 0x3F)));
    }
}

static bool is_ident_start(int c) { return (c >= 'a' && c <= 'z') || c == '_'; }
static bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static bool is_ident_char(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* Decodes the well-formed UTF-8 sequence at pos+off into *cp and returns its
 * length, or 0 (ASCII, malformed, overlong, surrogate, past the end). */
static size_t utf8_at(const Lexer *L, size_t off, uint32_t *cp) {
    size_t p = L->pos + off;
    if (p >= L->len) return 0;
    unsigned char b0 = (unsigned char)L->src[p];
    size_t n = b0 >= 0xF0 && b0 < 0xF5 ? 4 : b0 >= 0xE0 ? (b0 < 0xF0 ? 3 : 0) : b0 >= 0xC2 ? 2 : 0;
    if (n == 0 || p + n > L->len) return 0;
    uint32_t v = b0 & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
    for (size_t i = 1; i < n; i++) {
        unsigned char b = (unsigned char)L->src[p + i];
        if ((b & 0xC0) != 0x80) return 0;
        v = (v << 6) | (b & 0x3Fu);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Length of the non-ASCII identifier character at pos+off whose class is at
 * least `min` (UNICODE_ID_CONTINUE / _START), or 0. */
static size_t uni_ident_at(const Lexer *L, size_t off, int min) {
    uint32_t cp;
    size_t n = utf8_at(L, off, &cp);
    if (n == 0) return 0;
    int k = unicode_id_kind(cp);
    if (k == UNICODE_ID_NONE || k < min) return 0;
    if (min == UNICODE_ID_START && k == UNICODE_ID_UPPER) return 0;
    return n;
}

/* Skips the rest of an identifier or atom name: ASCII letters, digits, `_`,
 * non-ASCII identifier characters, and `@` when `at` (atoms only). */
static void skip_ident_chars(Lexer *L, bool at) {
    for (;;) {
        int c = peekc(L, 0);
        if (is_ident_char(c) || (at && c == '@')) { adv(L); continue; }
        size_t n = c >= 0x80 ? uni_ident_at(L, 0, UNICODE_ID_CONTINUE) : 0;
        if (n == 0) return;
        advn(L, n);
    }
}
static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const char *const KEYWORDS[] = {
    "do", "end", "fn", "else", "after", "rescue", "catch", "when", "and", "or",
    "not", "in", "true", "false", "nil", NULL,
};

static bool is_keyword(const char *s, size_t n) {
    for (int i = 0; KEYWORDS[i]; i++)
        if (strlen(KEYWORDS[i]) == n && memcmp(KEYWORDS[i], s, n) == 0) return true;
    return false;
}

/* Operators and punctuation, longest first so that maximal munch works. */
static const char *const OPS[] = {
    "===", "!==", "...",
    "|>", "<>", "++", "--", "**", "..", "//", "==", "!=", "<=", ">=", "&&", "||",
    "->", "<-", "=>", "::", "\\\\", "<<", ">>", "=~",
    "+", "-", "*", "/", "=", "<", ">", "!", "^", "&", "|", "@", ".", ",",
    "(", ")", "[", "]", "{", "}", "%", NULL,
};

/* Operators that are only binary: a newline before them does not end the
 * expression. */
static bool binary_only(const Token *t) {
    static const char *const B[] = {
        "|>", "<>", "++", "--", "**", "..", "//", "==", "!=", "<=", ">=", "&&",
        "||", "<-", "=>", "::", "\\\\", "=~", "===", "!==", "*", "/", "=", "<",
        ">", "|", "not in", NULL,
    };
    if (t->kind == T_KEYWORD)
        return !strcmp(t->text, "when") || !strcmp(t->text, "and") ||
               !strcmp(t->text, "or") || !strcmp(t->text, "in");
    if (t->kind != T_OP) return false;
    for (int i = 0; B[i]; i++)
        if (!strcmp(B[i], t->text)) return true;
    return false;
}

/* Atoms spelled as operators: `:+`, `:==`, `:"..."` aside. Longest first. */
static const char *const OP_ATOMS[] = {
    "===", "!==", "..//", "...", "<<>>", "%{}",
    "|>", "<>", "++", "--", "**", "..", "==", "!=", "<=", ">=", "&&", "||",
    "=~", "{}", "%", "->", "<-", "\\\\",
    "+", "-", "*", "/", "=", "<", ">", "!", "^", "&", "|", "@", ".", NULL,
};

/* ===================================================================== */
/* Numbers                                                               */
/* ===================================================================== */

/* Decimal text of the number given by `digits` (values < base) in `base`.
 * Decimal input is copied (leading zeros dropped); other bases go through
 * little-endian limbs of nine decimal digits: limbs = limbs * base + digit. */
static const char *big_to_decimal(Lexer *L, const char *digits, size_t n, int base) {
    if (base == 10) {
        while (n > 1 && digits[0] == '0') { digits++; n--; }
        return ast_strdup(L->arena, digits, n);
    }
    size_t cap = n / 3 + 2, nl = 1; /* a digit adds <= 4 bits, a limb holds 29 */
    uint32_t *limb = calloc(cap, sizeof *limb);
    if (!limb) abort();
    for (size_t i = 0; i < n; i++) {
        uint64_t carry = (uint64_t)hexval(digits[i]);
        for (size_t k = 0; k < nl; k++) {
            uint64_t v = (uint64_t)limb[k] * (uint64_t)base + carry;
            limb[k] = (uint32_t)(v % 1000000000u);
            carry = v / 1000000000u;
        }
        if (carry) limb[nl++] = (uint32_t)carry;
    }
    char *s = ast_alloc(L->arena, nl * 9 + 1);
    int w = sprintf(s, "%u", (unsigned)limb[nl - 1]);
    for (size_t k = nl - 1; k-- > 0;) w += sprintf(s + w, "%09u", (unsigned)limb[k]);
    free(limb);
    return s;
}

static void lex_number(Lexer *L, bool space) {
    int line = L->line, col = L->col;
    size_t start = L->pos;
    int base = 10;
    if (peekc(L, 0) == '0' && (peekc(L, 1) == 'x' || peekc(L, 1) == 'b' || peekc(L, 1) == 'o')) {
        int c1 = peekc(L, 1);
        base = c1 == 'x' ? 16 : c1 == 'b' ? 2 : 8;
        advn(L, 2);
    }
    /* collect digits (without underscores) into buf */
    L->blen = 0;
    bool is_float = false;
    for (;;) {
        int c = peekc(L, 0);
        int v = hexval(c);
        if (v >= 0 && v < base && (base == 16 || is_digit(c))) { buf_add(L, (char)c); adv(L); continue; }
        if (c == '_' && L->blen > 0 && hexval(peekc(L, 1)) >= 0 && hexval(peekc(L, 1)) < base &&
            (base == 16 || is_digit(peekc(L, 1)))) { adv(L); continue; }
        break;
    }
    if (L->blen == 0) {
        lex_error(L, line, col, "invalid number: missing digits after %s", base == 16 ? "0x" : base == 2 ? "0b" : "0o");
        return;
    }
    if (base == 10 && peekc(L, 0) == '.' && is_digit(peekc(L, 1))) {
        is_float = true;
        buf_add(L, '.');
        adv(L);
        while (is_digit(peekc(L, 0)) || (peekc(L, 0) == '_' && is_digit(peekc(L, 1)))) {
            if (peekc(L, 0) != '_') buf_add(L, (char)peekc(L, 0));
            adv(L);
        }
        if ((peekc(L, 0) == 'e' || peekc(L, 0) == 'E') &&
            (is_digit(peekc(L, 1)) || ((peekc(L, 1) == '-' || peekc(L, 1) == '+') && is_digit(peekc(L, 2))))) {
            buf_add(L, 'e');
            adv(L);
            if (peekc(L, 0) == '-' || peekc(L, 0) == '+') { buf_add(L, (char)peekc(L, 0)); adv(L); }
            while (is_digit(peekc(L, 0)) || (peekc(L, 0) == '_' && is_digit(peekc(L, 1)))) {
                if (peekc(L, 0) != '_') buf_add(L, (char)peekc(L, 0));
                adv(L);
            }
        }
    }
    int c = peekc(L, 0);
    if (is_ident_char(c) || c == '?' || c == '!') {
        diag_set(L->err, L->file, line, col, "invalid character \"%c\" after number %.*s", c,
                 (int)(L->pos - start), L->src + start);
        return;
    }
    buf_add(L, 0);
    if (is_float) {
        Token *t = push_tok(L, T_FLOAT, line, col, space);
        errno = 0;
        t->fval = strtod(L->buf, NULL);
        if (isinf(t->fval)) { lex_error(L, line, col, "invalid float number %s", L->buf); return; }
        return;
    }
    Token *t = push_tok(L, T_INT, line, col, space);
    /* fits in int64? */
    uint64_t v = 0;
    bool big = false;
    for (size_t i = 0; L->buf[i]; i++) {
        uint64_t d = (uint64_t)hexval(L->buf[i]);
        if (v > (UINT64_MAX - d) / (uint64_t)base) { big = true; break; }
        v = v * (uint64_t)base + d;
    }
    if (!big && v > (uint64_t)INT64_MAX) big = true;
    if (big) {
        t->big = true;
        t->text = big_to_decimal(L, L->buf, L->blen - 1, base);
        t->len = strlen(t->text);
    } else {
        t->ival = (int64_t)v;
    }
}

/* ===================================================================== */
/* Strings                                                               */
/* ===================================================================== */

static bool lex_tokens(Lexer *L, bool in_interp);

/* One escape after a backslash (pos is on the character after `\`). */
static void lex_escape(Lexer *L) {
    int line = L->line, col = L->col - 1;
    int c = peekc(L, 0);
    switch (c) {
    case 'n': buf_add(L, '\n'); adv(L); return;
    case 't': buf_add(L, '\t'); adv(L); return;
    case 'r': buf_add(L, '\r'); adv(L); return;
    case 'e': buf_add(L, 27); adv(L); return;
    case '0': buf_add(L, 0); adv(L); return;
    case 'a': buf_add(L, 7); adv(L); return;
    case 'b': buf_add(L, 8); adv(L); return;
    case 'f': buf_add(L, 12); adv(L); return;
    case 'v': buf_add(L, 11); adv(L); return;
    case 's': buf_add(L, ' '); adv(L); return;
    case 'd': buf_add(L, 127); adv(L); return;
    case '\n': adv(L); return; /* line continuation */
    case 'x': {
        adv(L);
        int h1 = hexval(peekc(L, 0));
        if (h1 < 0) { lex_error(L, line, col, "invalid hex escape character, expected \\xHH where H is a hexadecimal digit%s", ""); return; }
        adv(L);
        int h2 = hexval(peekc(L, 0));
        if (h2 >= 0) { adv(L); h1 = h1 * 16 + h2; }
        buf_add(L, (char)h1);
        return;
    }
    case 'u': {
        adv(L);
        uint32_t cp = 0;
        int nd = 0;
        if (peekc(L, 0) == '{') {
            adv(L);
            while (hexval(peekc(L, 0)) >= 0 && nd < 7) { cp = cp * 16 + (uint32_t)hexval(peekc(L, 0)); adv(L); nd++; }
            if (peekc(L, 0) != '}' || nd == 0 || nd > 6) {
                lex_error(L, line, col, "invalid Unicode escape, expected \\u{H*} with 1 to 6 hexadecimal digits%s", "");
                return;
            }
            adv(L);
        } else {
            while (nd < 4 && hexval(peekc(L, 0)) >= 0) { cp = cp * 16 + (uint32_t)hexval(peekc(L, 0)); adv(L); nd++; }
            if (nd != 4) { lex_error(L, line, col, "invalid Unicode escape, expected \\uHHHH%s", ""); return; }
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            diag_set(L->err, L->file, line, col, "invalid or reserved Unicode code point \\u{%X}", (unsigned)cp);
            return;
        }
        buf_utf8(L, cp);
        return;
    }
    case -1: return; /* unterminated: reported by the caller */
    default:
        /* \\ \" \' \# and any other character stand for themselves */
        buf_add(L, (char)c);
        adv(L);
        return;
    }
}

/* Is pos at the closing delimiter of a heredoc (only blanks before it on its
 * line, which the caller has already skipped)? */
static bool at_heredoc_end(Lexer *L, char q) {
    return peekc(L, 0) == q && peekc(L, 1) == q && peekc(L, 2) == q;
}

/* Indentation of the heredoc's closing line, found by scanning ahead from the
 * first content line; -1 when there is no closing line. */
static int heredoc_indent(Lexer *L, char q) {
    size_t p = L->pos;
    while (p < L->len) {
        size_t s = p;
        while (p < L->len && (L->src[p] == ' ' || L->src[p] == '\t')) p++;
        if (p + 2 < L->len && L->src[p] == q && L->src[p + 1] == q && L->src[p + 2] == q)
            return (int)(p - s);
        while (p < L->len && L->src[p] != '\n') p++;
        if (p < L->len) p++;
    }
    return -1;
}

/* After a closing quote: `"text": ` makes a keyword key. */
static bool quoted_key_follows(Lexer *L) {
    if (peekc(L, 0) != ':' || peekc(L, 1) == ':') return false;
    int c = peekc(L, 1);
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == -1;
}

/* Lex a string, charlist or quoted atom body starting after the opening
 * delimiter(s). kind: '"' string, '\'' charlist, ':' quoted atom.
 * heredoc: delimiter is three quotes and indentation is stripped. */
static void lex_string(Lexer *L, char q, int kind, bool heredoc, int line, int col, bool space) {
    int indent = 0;
    if (heredoc) {
        /* the rest of the opening line must be blank */
        while (peekc(L, 0) == ' ' || peekc(L, 0) == '\t') adv(L);
        if (peekc(L, 0) == '\r') adv(L);
        if (peekc(L, 0) != '\n') {
            lex_error(L, L->line, L->col, "heredoc allows only zero or more whitespace characters followed by a new line after %s",
                      q == '"' ? "\"\"\"" : "'''");
            return;
        }
        adv(L);
        indent = heredoc_indent(L, q);
        if (indent < 0) {
            while (peekc(L, 0) != -1) adv(L);
            diag_set(L->err, L->file, L->line, L->col, "missing terminator: %s (for heredoc starting at line %d)",
                     q == '"' ? "\"\"\"" : "'''", line);
            return;
        }
    }
    bool interp = false;
    L->blen = 0;
    bool at_line_start = heredoc;
    for (;;) {
        if (at_line_start) {
            at_line_start = false;
            int k = 0;
            while (k < indent && (peekc(L, 0) == ' ' || peekc(L, 0) == '\t')) { adv(L); k++; }
            if (heredoc) {
                size_t save = L->pos;
                int sl = L->line, sc = L->col;
                while (peekc(L, 0) == ' ' || peekc(L, 0) == '\t') adv(L);
                if (at_heredoc_end(L, q)) { advn(L, 3); break; }
                L->pos = save; L->line = sl; L->col = sc;
            }
        }
        int c = peekc(L, 0);
        if (c == -1) {
            /* reported where the input ends, as Elixir does */
            if (heredoc)
                diag_set(L->err, L->file, L->line, L->col, "missing terminator: %s (for heredoc starting at line %d)",
                         q == '"' ? "\"\"\"" : "'''", line);
            else
                diag_set(L->err, L->file, L->line, L->col, "missing terminator: %c (for %s starting at line %d)",
                         q, kind == ':' ? "atom" : "string", line);
            return;
        }
        if (!heredoc && c == q) { adv(L); break; }
        if (c == '\\') {
            adv(L);
            lex_escape(L);
            if (failed(L)) return;
            continue;
        }
        if (c == '#' && peekc(L, 1) == '{') {
            if (kind == '\'') {
                lex_error(L, L->line, L->col, "interpolation in charlists is not supported%s", "");
                return;
            }
            if (L->depth >= MAX_NEST) { lex_error(L, L->line, L->col, "string interpolation nested too deeply%s", ""); return; }
            if (!interp) {
                interp = true;
                push_tok(L, T_STR_BEGIN, line, col, space)->quoted = kind == ':';
            }
            if (L->blen > 0) {
                Token *t = push_tok(L, T_STR_PART, L->line, L->col, false);
                t->text = ast_strdup(L->arena, L->buf, L->blen);
                t->len = L->blen;
            }
            push_tok(L, T_INTERP_BEGIN, L->line, L->col, false);
            int il = L->line, ic = L->col;
            advn(L, 2);
            /* the string buffer is reused by nested strings: save ours */
            L->depth++;
            bool ok = lex_tokens(L, true);
            L->depth--;
            if (failed(L)) return;
            if (!ok) { lex_error(L, il, ic, "missing interpolation terminator: } (for \"#{\" starting at this position)%s", ""); return; }
            push_tok(L, T_INTERP_END, L->line, L->col, false);
            adv(L); /* the closing } */
            L->blen = 0;
            continue;
        }
        if (c == '\n') { buf_add(L, '\n'); adv(L); at_line_start = heredoc; continue; }
        if (c == '\r' && peekc(L, 1) == '\n' && heredoc) { adv(L); continue; }
        buf_add(L, (char)c);
        adv(L);
    }
    if (interp) {
        if (L->blen > 0) {
            Token *t = push_tok(L, T_STR_PART, L->line, L->col, false);
            t->text = ast_strdup(L->arena, L->buf, L->blen);
            t->len = L->blen;
        }
        push_tok(L, T_STR_END, L->line, L->col, false);
        return;
    }
    const char *text = ast_strdup(L->arena, L->buf, L->blen);
    size_t tlen = L->blen;
    if (kind == ':') {
        if (memchr(text, 0, tlen)) { lex_error(L, line, col, "atom may not contain NUL bytes%s", ""); return; }
        Token *t = push_tok(L, T_ATOM, line, col, space);
        t->text = text; t->len = tlen; t->quoted = true;
        return;
    }
    if (kind == '"' && !heredoc && quoted_key_follows(L)) {
        if (memchr(text, 0, tlen)) { lex_error(L, line, col, "atom may not contain NUL bytes%s", ""); return; }
        adv(L);
        Token *t = push_tok(L, T_KWKEY, line, col, space);
        t->text = text; t->len = tlen; t->quoted = true;
        return;
    }
    Token *t = push_tok(L, kind == '\'' ? T_CHARLIST : T_STRING, line, col, space);
    t->text = text;
    t->len = tlen;
}

/* ===================================================================== */
/* Atoms, identifiers, char literals                                     */
/* ===================================================================== */

/* pos on ':' with an atom after it. Returns false if this is not an atom. */
static bool lex_atom(Lexer *L, bool space) {
    int line = L->line, col = L->col;
    int c = peekc(L, 1);
    if (c == '"' || c == '\'') {
        advn(L, 2);
        lex_string(L, (char)c, ':', false, line, col, space);
        return true;
    }
    uint32_t cp;
    size_t n0 = c >= 0x80 && utf8_at(L, 1, &cp) ? uni_ident_at(L, 1, UNICODE_ID_CONTINUE) : 0;
    if (n0 && unicode_id_kind(cp) < UNICODE_ID_START) n0 = 0;   /* :é, :Ωmega */
    if (is_ident_start(c) || is_upper(c) || n0) {
        adv(L);
        size_t s = L->pos;
        skip_ident_chars(L, true); /* :nonode@nohost */
        if (peekc(L, 0) == '?' || peekc(L, 0) == '!') adv(L);
        Token *t = push_tok(L, T_ATOM, line, col, space);
        t->text = ast_strdup(L->arena, L->src + s, L->pos - s);
        t->len = L->pos - s;
        return true;
    }
    for (int i = 0; OP_ATOMS[i]; i++) {
        size_t n = strlen(OP_ATOMS[i]);
        if (L->pos + 1 + n <= L->len && memcmp(L->src + L->pos + 1, OP_ATOMS[i], n) == 0) {
            adv(L);
            Token *t = push_tok(L, T_ATOM, line, col, space);
            t->text = ast_strdup(L->arena, L->src + L->pos, n);
            t->len = n;
            advn(L, n);
            return true;
        }
    }
    return false;
}

/* ?a ?\n ?é: a code point. pos on '?'. */
static void lex_char(Lexer *L, bool space) {
    int line = L->line, col = L->col;
    adv(L);
    int c = peekc(L, 0);
    uint32_t cp;
    if (c == -1 || c == ' ' || c == '\n' || c == '\t') {
        lex_error(L, line, col, "unexpected token: \"?\"%s", "");
        return;
    }
    if (c == '\\') {
        adv(L);
        L->blen = 0;
        lex_escape(L);
        if (failed(L)) return;
        if (L->blen == 0) { lex_error(L, line, col, "invalid character literal%s", ""); return; }
        /* decode the (possibly multi-byte) result */
        unsigned char b0 = (unsigned char)L->buf[0];
        if (b0 < 0x80 || L->blen == 1) cp = b0;
        else if (b0 < 0xE0) cp = ((b0 & 0x1Fu) << 6) | (L->buf[1] & 0x3Fu);
        else if (b0 < 0xF0) cp = ((b0 & 0x0Fu) << 12) | ((L->buf[1] & 0x3Fu) << 6) | (L->buf[2] & 0x3Fu);
        else cp = ((b0 & 0x07u) << 18) | ((L->buf[1] & 0x3Fu) << 12) | ((L->buf[2] & 0x3Fu) << 6) | (L->buf[3] & 0x3Fu);
    } else if (c < 0x80) {
        cp = (uint32_t)c;
        adv(L);
    } else {
        int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (n == 0 || L->pos + (size_t)n > L->len) { lex_error(L, line, col, "invalid UTF-8 in character literal%s", ""); return; }
        cp = (uint32_t)c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
        for (int i = 1; i < n; i++) {
            int b = peekc(L, (size_t)i);
            if ((b & 0xC0) != 0x80) { lex_error(L, line, col, "invalid UTF-8 in character literal%s", ""); return; }
            cp = (cp << 6) | ((uint32_t)b & 0x3F);
        }
        advn(L, (size_t)n);
    }
    Token *t = push_tok(L, T_CHAR, line, col, space);
    t->ival = cp;
}

/* Is pos a keyword key starting with a non-ASCII upper-case letter
 * (`[Élixir: 1]`)? Such a name is an atom, not a variable or an alias. */
static bool upper_kwkey(Lexer *L) {
    uint32_t cp;
    size_t off = utf8_at(L, 0, &cp);
    if (off == 0 || unicode_id_kind(cp) != UNICODE_ID_UPPER) return false;
    for (;;) {
        int c = peekc(L, off);
        size_t n = is_ident_char(c) ? 1 : c >= 0x80 ? uni_ident_at(L, off, UNICODE_ID_CONTINUE) : 0;
        if (n == 0) break;
        off += n;
    }
    if (peekc(L, off) == '?' || peekc(L, off) == '!') off++;
    int after = peekc(L, off + 1);
    return peekc(L, off) == ':' && (after == ' ' || after == '\t' || after == '\n' || after == '\r' || after == -1);
}

static void lex_ident(Lexer *L, bool space) {
    int line = L->line, col = L->col;
    size_t s = L->pos;
    bool upper = is_upper(peekc(L, 0));
    /* aliases are ASCII only, as in Elixir */
    if (upper) while (is_ident_char(peekc(L, 0))) adv(L);
    else skip_ident_chars(L, false);
    /* a trailing ? or ! belongs to the name, even before `=`, as in Elixir
     * (`a!=b` reads as `a! = b`) */
    if (!upper && (peekc(L, 0) == '?' || peekc(L, 0) == '!')) adv(L);
    size_t n = L->pos - s;
    /* keyword key `name: ` */
    if (peekc(L, 0) == ':' && peekc(L, 1) != ':') {
        int c = peekc(L, 1);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == -1) {
            adv(L);
            Token *t = push_tok(L, T_KWKEY, line, col, space);
            t->text = ast_strdup(L->arena, L->src + s, n);
            t->len = n;
            return;
        }
    }
    TokKind k = upper ? T_ALIAS : is_keyword(L->src + s, n) ? T_KEYWORD : T_IDENT;
    /* a keyword right after '.' is a function name: Kernel.not, x.end */
    if (k == T_KEYWORD && L->out->n > 0) {
        Token *prev = &L->out->toks[L->out->n - 1];
        if (prev->kind == T_OP && !strcmp(prev->text, ".") && !space) k = T_IDENT;
    }
    if (k == T_KEYWORD && n == 3 && !memcmp(L->src + s, "not", 3)) {
        /* `not in` is one operator */
        size_t p = L->pos;
        while (p < L->len && (L->src[p] == ' ' || L->src[p] == '\t')) p++;
        if (p > L->pos && p + 2 <= L->len && L->src[p] == 'i' && L->src[p + 1] == 'n' &&
            (p + 2 == L->len || !(is_ident_char((unsigned char)L->src[p + 2]) || (unsigned char)L->src[p + 2] >= 0x80 || L->src[p + 2] == '?' ||
                                  L->src[p + 2] == '!' || L->src[p + 2] == ':'))) {
            advn(L, p + 2 - L->pos);
            Token *t = push_tok(L, T_OP, line, col, space);
            t->text = "not in";
            t->len = 6;
            return;
        }
    }
    Token *t = push_tok(L, k, line, col, space);
    t->text = ast_strdup(L->arena, L->src + s, n);
    t->len = n;
}

/* ===================================================================== */
/* Main loop                                                             */
/* ===================================================================== */

static void push_eol(Lexer *L, int line, int col) {
    TokenList *tl = L->out;
    if (tl->n == 0) return;
    Token *prev = &tl->toks[tl->n - 1];
    if (prev->kind == T_EOL || prev->kind == T_INTERP_BEGIN) return;
    push_tok(L, T_EOL, line, col, true);
}

/* A binary-only operator at the start of a line continues the expression. */
static void drop_eol_before_binop(Lexer *L) {
    TokenList *tl = L->out;
    if (tl->n >= 2 && tl->toks[tl->n - 2].kind == T_EOL && binary_only(&tl->toks[tl->n - 1])) {
        tl->toks[tl->n - 2] = tl->toks[tl->n - 1];
        tl->n--;
    }
}

/* Lex tokens until end of input, or (in_interp) until the `}` that closes
 * the interpolation, which is left unconsumed. Returns false when the input
 * ended inside an interpolation. */
static bool lex_tokens(Lexer *L, bool in_interp) {
    int braces = 0;
    bool space = true;
    while (!failed(L)) {
        int c = peekc(L, 0);
        if (c == -1) return !in_interp;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') { adv(L); space = true; continue; }
        if (c == '\\' && (peekc(L, 1) == '\n' || (peekc(L, 1) == '\r' && peekc(L, 2) == '\n'))) {
            advn(L, peekc(L, 1) == '\n' ? 2 : 3);
            space = true;
            continue;
        }
        if (c == '#') { while (peekc(L, 0) != -1 && peekc(L, 0) != '\n') adv(L); continue; }
        if (c == '\n' || c == ';') {
            push_eol(L, L->line, L->col);
            adv(L);
            space = true;
            continue;
        }
        int line = L->line, col = L->col;
        size_t ntok = L->out->n;
        if (is_digit(c)) lex_number(L, space);
        else if (is_ident_start(c) || is_upper(c) ||
                 (c >= 0x80 && (uni_ident_at(L, 0, UNICODE_ID_START) || upper_kwkey(L))))
            lex_ident(L, space);
        else if (c == '"') {
            if (peekc(L, 1) == '"' && peekc(L, 2) == '"') { advn(L, 3); lex_string(L, '"', '"', true, line, col, space); }
            else { adv(L); lex_string(L, '"', '"', false, line, col, space); }
        } else if (c == '\'') {
            if (peekc(L, 1) == '\'' && peekc(L, 2) == '\'') { advn(L, 3); lex_string(L, '\'', '\'', true, line, col, space); }
            else { adv(L); lex_string(L, '\'', '\'', false, line, col, space); }
        } else if (c == ':' && peekc(L, 1) != ':' && lex_atom(L, space)) {
            /* done */
        } else if (c == '?' ) {
            lex_char(L, space);
        } else if (c == '&' && is_digit(peekc(L, 1))) {
            adv(L);
            int64_t v = 0;
            while (is_digit(peekc(L, 0)) && v < 1000000) { v = v * 10 + (peekc(L, 0) - '0'); adv(L); }
            Token *t = push_tok(L, T_CAPARG, line, col, space);
            t->ival = v;
        } else {
            const char *op = NULL;
            for (int i = 0; OPS[i]; i++) {
                size_t n = strlen(OPS[i]);
                if (L->pos + n <= L->len && memcmp(L->src + L->pos, OPS[i], n) == 0) { op = OPS[i]; break; }
            }
            if (!op && c == '~' && (is_ident_start(peekc(L, 1)) || is_upper(peekc(L, 1)))) {
                lex_error(L, line, col, "sigils are not supported in Act%s", "");
                return true;
            }
            if (!op) {
                char what[64];
                uint32_t cp;
                size_t n = utf8_at(L, 0, &cp);
                if (c >= 0x20 && c < 0x7f) snprintf(what, sizeof what, "\"%c\"", c);
                else if (n) /* Elixir's wording for a stray character, e.g. an upper-case É */
                    snprintf(what, sizeof what, "token: \"%.*s\" (column %d, code point U+%04X)", (int)n, L->src + L->pos, col, (unsigned)cp);
                else snprintf(what, sizeof what, "\"\\x%02X\"", c);
                lex_error(L, line, col, n ? "unexpected %s" : "unexpected character %s", what);
                return true;
            }
            if (in_interp) {
                if (!strcmp(op, "{")) braces++;
                else if (!strcmp(op, "}")) {
                    if (braces == 0) return true;
                    braces--;
                }
            }
            Token *t = push_tok(L, T_OP, line, col, space);
            t->text = op;
            t->len = strlen(op);
            advn(L, t->len);
        }
        if (L->out->n > ntok) drop_eol_before_binop(L);
        space = false;
    }
    return true;
}

/* Elixir refuses a source file that is not valid UTF-8 anywhere, comments
 * included (before tokenizing), so later stages may assume valid UTF-8. */
static void check_utf8(Lexer *L) {
    int line = 1, col = 1;
    for (size_t p = 0; p < L->len;) {
        unsigned char c = (unsigned char)L->src[p];
        size_t n = 1;
        if (c >= 0x80) {
            uint32_t cp;
            L->pos = p;
            n = utf8_at(L, 0, &cp);
            if (n == 0) {
                /* Elixir: UnicodeConversionError "invalid encoding starting at
                 * <<...>>", without a position; Act names the byte */
                char what[8];
                snprintf(what, sizeof what, "\\x%02X", c);
                L->pos = 0;
                lex_error(L, line, col, "unexpected character \"%s\"", what);
                return;
            }
        }
        if (c == '\n') { line++; col = 1; }
        else col += (int)n;
        p += n;
    }
    L->pos = 0;
}

bool lexer_run(AstArena *arena, const char *file, const char *src, size_t len,
               TokenList *out, Diag *err) {
    Lexer L = { .arena = arena, .file = file, .src = src, .len = len, .line = 1, .col = 1,
                .out = out, .err = err };
    out->toks = NULL;
    out->n = out->cap = 0;
    check_utf8(&L);
    if (!failed(&L)) lex_tokens(&L, false);
    free(L.buf);
    /* drop a trailing EOL, then terminate */
    if (out->n > 0 && out->toks[out->n - 1].kind == T_EOL) out->n--;
    push_tok(&L, T_EOF, L.line, L.col, true);
    return !err->set;
}

void lexer_free(TokenList *tl) {
    free(tl->toks);
    tl->toks = NULL;
    tl->n = tl->cap = 0;
}

const char *lexer_describe(const Token *t, char *buf, size_t size) {
    switch (t->kind) {
    case T_EOF: snprintf(buf, size, "end of file"); break;
    case T_EOL: snprintf(buf, size, "end of line"); break;
    case T_INT:
        if (t->big) snprintf(buf, size, "%.40s", t->text);
        else snprintf(buf, size, "%lld", (long long)t->ival);
        break;
    case T_FLOAT: snprintf(buf, size, "%g", t->fval); break;
    case T_ATOM: snprintf(buf, size, t->quoted ? ":\"%.40s\"" : ":%.40s", t->text); break;
    case T_KWKEY: snprintf(buf, size, t->quoted ? "\"%.40s\":" : "%.40s:", t->text); break;
    case T_STRING: case T_STR_BEGIN: snprintf(buf, size, "string"); break;
    case T_CHARLIST: snprintf(buf, size, "charlist"); break;
    case T_CHAR: snprintf(buf, size, "character literal"); break;
    case T_IDENT: case T_ALIAS: case T_KEYWORD: case T_OP: snprintf(buf, size, "%.60s", t->text); break;
    case T_CAPARG: snprintf(buf, size, "&%lld", (long long)t->ival); break;
    case T_STR_PART: snprintf(buf, size, "string"); break;
    case T_INTERP_BEGIN: snprintf(buf, size, "#{"); break;
    case T_INTERP_END: snprintf(buf, size, "}"); break;
    case T_STR_END: snprintf(buf, size, "\""); break;
    }
    return buf;
}
