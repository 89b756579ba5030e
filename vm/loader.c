/* loader.c — the serialized module format: write (module_serialize), read
 * (module_load), check (module_verify), free (module_free).
 *
 * Format (all integers are unsigned LEB128 varints unless noted):
 *
 *   "ACTB" version
 *   atoms      count, then per atom: len, bytes          (referred to by index)
 *   module     atom index of the module name
 *   file       len, bytes (no NUL byte)
 *   literals   count, then per literal a tagged term (below)
 *   imports    count, then per import: module atom, name atom, arity
 *   functions  count, then per function: name atom, arity, nregs, nfree,
 *              exported (0/1), code_len, code_len little-endian u32 words,
 *              nlines, then per line: pc, line
 *   lambdas    count, then per lambda: func, arity, nfree, index
 *   docs       count, then per doc: name atom, arity, len, bytes
 *   end of input (no trailing bytes)
 *
 * Tagged terms: LIT_SMALL zigzag; LIT_BIG sign(0/1) nlimbs limbs(u64 LE);
 * LIT_FLOAT 8 bytes (IEEE LE); LIT_ATOM index; LIT_BIN len bytes;
 * LIT_TUPLE n terms; LIT_LIST n terms + tail term (n >= 1); LIT_NIL;
 * LIT_EXPORT module atom, name atom, arity; LIT_MAP n, then n key/value term
 * pairs in key order (distinct keys). Nesting is limited to
 * LIT_MAX_DEPTH so a hostile image cannot exhaust the C stack.
 *
 * Invariants:
 *  - module_load returns either NULL (with a message in err) or a module that
 *    passed module_verify; it never reads outside [bytes, bytes + len).
 *  - Everything a Module points to is owned by it and released by
 *    module_free: funcs[i].code/lines, the arrays, doc texts, file, and the
 *    literal area m->lit (a Process heap used only for allocation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <math.h>
#include "module.h"
#include "heap.h"
#include "atom.h"
#include "opinfo.h"
#include "map.h"

const OpInfo op_info[OPC__COUNT] = {
#define OP(name, operands, effect, doc) { #name, operands, effect, (uint8_t)(1 + sizeof(operands) - 1) },
#include "opcodes.def"
#undef OP
};

enum { LIT_SMALL = 1, LIT_BIG, LIT_FLOAT, LIT_ATOM, LIT_BIN, LIT_TUPLE, LIT_LIST, LIT_NIL, LIT_EXPORT, LIT_MAP };
#define LIT_MAX_DEPTH 100
/* Limits that keep hostile images from asking for absurd allocations. */
#define MAX_REGS 65535u
#define MAX_ARITY 255u

/* ======================================================================
 * Writing
 * ====================================================================== */

static bool bb_reserve(ByteBuf *b, size_t n) {
    if (b->len + n <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return false;
    b->data = d;
    b->cap = cap;
    return true;
}
static void bb_bytes(ByteBuf *b, const void *p, size_t n) {
    if (n && bb_reserve(b, n)) { memcpy(b->data + b->len, p, n); b->len += n; }
}
static void bb_u8(ByteBuf *b, uint8_t v) { bb_bytes(b, &v, 1); }
static void bb_var(ByteBuf *b, uint64_t v) {
    uint8_t tmp[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        tmp[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    bb_bytes(b, tmp, n);
}
static void bb_u32le(ByteBuf *b, uint32_t v) {
    uint8_t t[4] = { v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24 };
    bb_bytes(b, t, 4);
}
static void bb_u64le(ByteBuf *b, uint64_t v) {
    for (int i = 0; i < 8; i++) bb_u8(b, (uint8_t)(v >> (8 * i)));
}

/* The atom table of an image being written: distinct atoms in first-use order. */
typedef struct AtomSet { Term *v; size_t n, cap; uint32_t *hash; size_t hcap; } AtomSet;

static uint32_t atomset_add(AtomSet *s, Term a) {
    if (s->n * 2 >= s->hcap) {
        size_t hcap = s->hcap ? s->hcap * 2 : 64;
        uint32_t *h = calloc(hcap, sizeof *h);
        for (size_t i = 0; i < s->n; i++) {
            size_t j = (atom_index(s->v[i]) * 2654435761u) & (hcap - 1);
            while (h[j]) j = (j + 1) & (hcap - 1);
            h[j] = (uint32_t)i + 1;
        }
        free(s->hash);
        s->hash = h;
        s->hcap = hcap;
    }
    size_t j = (atom_index(a) * 2654435761u) & (s->hcap - 1);
    while (s->hash[j]) {
        if (s->v[s->hash[j] - 1] == a) return s->hash[j] - 1;
        j = (j + 1) & (s->hcap - 1);
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n] = a;
    s->hash[j] = (uint32_t)s->n + 1;
    return (uint32_t)s->n++;
}

static bool write_term(ByteBuf *b, AtomSet *as, Term t, int depth) {
    if (depth > LIT_MAX_DEPTH) return false;
    if (is_small(t)) {
        SInt v = small_val(t);
        bb_u8(b, LIT_SMALL);
        bb_var(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
        return true;
    }
    if (is_atom(t)) { bb_u8(b, LIT_ATOM); bb_var(b, atomset_add(as, t)); return true; }
    if (is_nil(t)) { bb_u8(b, LIT_NIL); return true; }
    if (is_cons(t)) {
        size_t n = 0;
        Term c = t;
        while (is_cons(c)) { n++; c = CDR(c); }
        bb_u8(b, LIT_LIST);
        bb_var(b, n);
        for (c = t; is_cons(c); c = CDR(c))
            if (!write_term(b, as, CAR(c), depth + 1)) return false;
        return write_term(b, as, c, depth + 1);
    }
    if (!is_boxed(t)) return false;
    switch (box_type(t)) {
    case BOX_TUPLE: {
        size_t n = tuple_arity(t);
        bb_u8(b, LIT_TUPLE);
        bb_var(b, n);
        for (size_t i = 0; i < n; i++)
            if (!write_term(b, as, tuple_elems(t)[i], depth + 1)) return false;
        return true;
    }
    case BOX_BIG_POS: case BOX_BIG_NEG: {
        size_t n = header_arity(box_header(t));
        bb_u8(b, LIT_BIG);
        bb_u8(b, box_type(t) == BOX_BIG_NEG);
        bb_var(b, n);
        for (size_t i = 0; i < n; i++) bb_u64le(b, boxed_ptr(t)[1 + i]);
        return true;
    }
    case BOX_FLOAT: {
        double d = float_val(t);
        uint64_t u;
        memcpy(&u, &d, 8);
        bb_u8(b, LIT_FLOAT);
        bb_u64le(b, u);
        return true;
    }
    case BOX_HEAPBIN: case BOX_REFCBIN: case BOX_SUBBIN: {
        size_t len;
        const uint8_t *bytes = binary_bytes(t, &len);
        bb_u8(b, LIT_BIN);
        bb_var(b, len);
        bb_bytes(b, bytes, len);
        return true;
    }
    case BOX_EXPORT: {
        Term *e = boxed_ptr(t) + 1;
        bb_u8(b, LIT_EXPORT);
        bb_var(b, atomset_add(as, e[0]));
        bb_var(b, atomset_add(as, e[1]));
        bb_var(b, (uint64_t)small_val(e[2]));
        return true;
    }
    case BOX_MAP_FLAT: case BOX_MAP_HAMT: {
        MapIter it;
        Term k, v;
        bool ok = true;
        bb_u8(b, LIT_MAP);
        bb_var(b, map_size(t));
        map_iter_init(&it, t);
        while (ok && map_iter_next(&it, &k, &v))
            ok = write_term(b, as, k, depth + 1) && write_term(b, as, v, depth + 1);
        map_iter_done(&it);
        return ok;
    }
    default:
        return false; /* funs, pids, refs are never literals */
    }
}

bool module_serialize(const Module *m, ByteBuf *out) {
    AtomSet as = {0};
    ByteBuf body = {0};
    bool ok = true;

    /* Everything after the atom table is written to `body` first, collecting
     * atoms; the atom table is then written ahead of it. */
    bb_var(&body, atomset_add(&as, m->name));
    const char *file = m->file ? m->file : "";
    bb_var(&body, strlen(file));
    bb_bytes(&body, file, strlen(file));

    bb_var(&body, m->nliterals);
    for (uint32_t i = 0; i < m->nliterals && ok; i++) ok = write_term(&body, &as, m->literals[i], 0);

    bb_var(&body, m->nimports);
    for (uint32_t i = 0; i < m->nimports; i++) {
        bb_var(&body, atomset_add(&as, m->imports[i].module));
        bb_var(&body, atomset_add(&as, m->imports[i].name));
        bb_var(&body, m->imports[i].arity);
    }
    bb_var(&body, m->nfuncs);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const Function *f = &m->funcs[i];
        bb_var(&body, atomset_add(&as, f->name));
        bb_var(&body, f->arity);
        bb_var(&body, f->nregs);
        bb_var(&body, f->nfree);
        bb_u8(&body, f->exported ? 1 : 0);
        bb_var(&body, f->code_len);
        for (uint32_t k = 0; k < f->code_len; k++) bb_u32le(&body, f->code[k]);
        bb_var(&body, f->nlines);
        for (uint32_t k = 0; k < f->nlines; k++) {
            bb_var(&body, f->lines[k].pc);
            bb_var(&body, f->lines[k].line);
        }
    }
    bb_var(&body, m->nlambdas);
    for (uint32_t i = 0; i < m->nlambdas; i++) {
        bb_var(&body, m->lambdas[i].func);
        bb_var(&body, m->lambdas[i].arity);
        bb_var(&body, m->lambdas[i].nfree);
        bb_var(&body, m->lambdas[i].index);
    }
    bb_var(&body, m->ndocs);
    for (uint32_t i = 0; i < m->ndocs; i++) {
        const char *t = m->docs[i].text ? m->docs[i].text : "";
        bb_var(&body, atomset_add(&as, m->docs[i].name));
        bb_var(&body, m->docs[i].arity);
        bb_var(&body, strlen(t));
        bb_bytes(&body, t, strlen(t));
    }

    if (ok) {
        bb_bytes(out, MODULE_MAGIC, 4);
        bb_var(out, MODULE_VERSION);
        bb_var(out, as.n);
        for (size_t i = 0; i < as.n; i++) {
            size_t len;
            const char *name = atom_name(as.v[i], &len);
            bb_var(out, len);
            bb_bytes(out, name, len);
        }
        bb_bytes(out, body.data, body.len);
    }
    free(body.data);
    free(as.v);
    free(as.hash);
    return ok;
}

/* ======================================================================
 * Reading
 * ====================================================================== */

typedef struct Reader {
    const uint8_t *p, *end;
    char *err;
    size_t errlen;
    bool failed;
    Term *atoms;
    size_t natoms;
    Process *lit;
} Reader;

static bool fail(Reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(Reader *r, const char *fmt, ...) {
    if (!r->failed && r->err && r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        int n = snprintf(r->err, r->errlen, "bad module image: ");
        if (n >= 0 && (size_t)n < r->errlen) vsnprintf(r->err + n, r->errlen - n, fmt, ap);
        va_end(ap);
    }
    r->failed = true;
    return false;
}

static size_t left(const Reader *r) { return (size_t)(r->end - r->p); }

static bool rd_var(Reader *r, uint64_t *out, const char *what) {
    uint64_t v = 0;
    *out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return fail(r, "truncated (%s)", what);
        uint8_t byte = *r->p++;
        if (shift == 63 && (byte & 0x7E)) return fail(r, "varint overflow (%s)", what);
        v |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) { *out = v; return true; }
    }
    return fail(r, "varint too long (%s)", what);
}
/* A varint that must be <= max. */
static bool rd_u32(Reader *r, uint32_t *out, uint64_t max, const char *what) {
    uint64_t v;
    *out = 0;
    if (!rd_var(r, &v, what)) return false;
    if (v > max) return fail(r, "%s out of range (%llu > %llu)", what, (unsigned long long)v, (unsigned long long)max);
    *out = (uint32_t)v;
    return true;
}
/* A count of items each taking at least `min_bytes` bytes: bounded by the input left. */
static bool rd_count(Reader *r, uint32_t *out, size_t min_bytes, const char *what) {
    uint64_t v;
    *out = 0;
    if (!rd_var(r, &v, what)) return false;
    uint64_t max = left(r) / (min_bytes ? min_bytes : 1); /* what is left after the count itself */
    if (max > UINT32_MAX) max = UINT32_MAX;
    if (v > max) return fail(r, "%s %llu exceeds the remaining input", what, (unsigned long long)v);
    *out = (uint32_t)v;
    return true;
}
static bool rd_atom(Reader *r, Term *out, const char *what) {
    uint64_t i;
    *out = ATOM_nil;
    if (!rd_var(r, &i, what)) return false;
    if (i >= r->natoms) return fail(r, "atom index %llu out of range (%s)", (unsigned long long)i, what);
    *out = r->atoms[i];
    return true;
}
/* len + bytes as a fresh NUL-terminated string; NUL bytes inside are rejected. */
static char *rd_string(Reader *r, const char *what) {
    uint32_t len;
    if (!rd_count(r, &len, 1, what)) return NULL;
    if (memchr(r->p, 0, len)) { fail(r, "NUL byte in %s", what); return NULL; }
    char *s = malloc((size_t)len + 1);
    memcpy(s, r->p, len);
    s[len] = 0;
    r->p += len;
    return s;
}
static uint64_t rd_u64le(Reader *r) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    return v;
}

static bool rd_term(Reader *r, Term *out, int depth) {
    if (depth > LIT_MAX_DEPTH) return fail(r, "literal nested too deeply");
    if (r->p >= r->end) return fail(r, "truncated literal");
    uint8_t tag = *r->p++;
    switch (tag) {
    case LIT_SMALL: {
        uint64_t z;
        if (!rd_var(r, &z, "integer literal")) return false;
        int64_t v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
        if (!small_fits(v)) return fail(r, "small integer literal out of range");
        *out = make_small(v);
        return true;
    }
    case LIT_BIG: {
        if (left(r) < 1) return fail(r, "truncated bignum");
        uint8_t neg = *r->p++;
        if (neg > 1) return fail(r, "bad bignum sign");
        uint32_t n;
        if (!rd_count(r, &n, 8, "bignum size")) return false;
        if (n == 0 || n > (1u << 19) - 1) return fail(r, "bad bignum size");
        if (left(r) < (size_t)n * 8) return fail(r, "truncated bignum");
        Term *w = heap_alloc(r->lit, 1 + (size_t)n);
        w[0] = make_header(neg ? BOX_BIG_NEG : BOX_BIG_POS, n);
        for (uint32_t i = 0; i < n; i++) w[1 + i] = rd_u64le(r);
        if (w[n] == 0) return fail(r, "bignum with a leading zero limb");
        if (n == 1 && (neg ? w[1] <= (uint64_t)SMALL_MAX + 1 : w[1] <= (uint64_t)SMALL_MAX))
            return fail(r, "bignum literal in small range");
        *out = make_boxed(w);
        return true;
    }
    case LIT_FLOAT: {
        if (left(r) < 8) return fail(r, "truncated float");
        uint64_t u = rd_u64le(r);
        double d;
        memcpy(&d, &u, 8);
        if (!isfinite(d)) return fail(r, "non-finite float literal");
        *out = make_float(r->lit, d);
        return true;
    }
    case LIT_ATOM: return rd_atom(r, out, "atom literal");
    case LIT_NIL: *out = T_NIL; return true;
    case LIT_BIN: {
        uint32_t len;
        if (!rd_count(r, &len, 1, "binary size")) return false;
        *out = make_binary(r->lit, r->p, len);
        r->p += len;
        return true;
    }
    case LIT_TUPLE: {
        uint32_t n;
        if (!rd_count(r, &n, 1, "tuple size")) return false;
        Term *w = heap_alloc(r->lit, 1 + (size_t)n);
        w[0] = make_header(BOX_TUPLE, n);
        for (uint32_t i = 0; i < n; i++) w[1 + i] = T_NIL;
        for (uint32_t i = 0; i < n; i++)
            if (!rd_term(r, &w[1 + i], depth + 1)) return false;
        *out = make_boxed(w);
        return true;
    }
    case LIT_LIST: {
        uint32_t n;
        if (!rd_count(r, &n, 1, "list length")) return false;
        if (n == 0) return fail(r, "empty list literal must be nil");
        Term *cells = heap_alloc(r->lit, 2 * (size_t)n);
        for (uint32_t i = 0; i < n; i++) {
            cells[2 * i + 1] = T_NIL;
            if (!rd_term(r, &cells[2 * i], depth + 1)) return false;
            if (i > 0) cells[2 * (i - 1) + 1] = make_cons(&cells[2 * i]);
        }
        if (!rd_term(r, &cells[2 * (n - 1) + 1], depth + 1)) return false;
        *out = make_cons(cells);
        return true;
    }
    case LIT_EXPORT: {
        Term mod, fun;
        uint32_t arity;
        if (!rd_atom(r, &mod, "export module") || !rd_atom(r, &fun, "export name") ||
            !rd_u32(r, &arity, MAX_ARITY, "export arity"))
            return false;
        Term *w = heap_alloc(r->lit, 4);
        w[0] = make_header(BOX_EXPORT, 3);
        w[1] = mod;
        w[2] = fun;
        w[3] = make_small(arity);
        *out = make_boxed(w);
        return true;
    }
    case LIT_MAP: {
        uint32_t n;
        if (!rd_count(r, &n, 2, "map size")) return false;
        /* The pairs are collected in a literal-area tuple so that the
         * partially read terms stay in one place. */
        Term *kv = heap_alloc(r->lit, 1 + 2 * (size_t)n);
        kv[0] = make_header(BOX_TUPLE, 2 * (size_t)n);
        for (size_t i = 0; i < 2 * (size_t)n; i++) kv[1 + i] = T_NIL;
        for (size_t i = 0; i < 2 * (size_t)n; i++)
            if (!rd_term(r, &kv[1 + i], depth + 1)) return false;
        Term m = map_from_pairs(r->lit, n, kv + 1);
        if (map_size(m) != n) return fail(r, "duplicate key in map literal");
        *out = m;
        return true;
    }
    default:
        return fail(r, "unknown literal tag %u", tag);
    }
}

static Module *module_alloc(void) {
    Module *m = calloc(1, sizeof *m);
    m->lit = calloc(1, sizeof *m->lit);
    heap_init(m->lit, 256);
    m->name = ATOM_nil;
    return m;
}

Module *module_load(const uint8_t *bytes, size_t len, char *err, size_t errlen) {
    Reader r = { bytes, bytes + len, err, errlen, false, NULL, 0, NULL };
    if (err && errlen) err[0] = 0;
    if (!bytes || len < 4 || memcmp(bytes, MODULE_MAGIC, 4) != 0) {
        fail(&r, "missing ACTB magic");
        return NULL;
    }
    r.p += 4;
    uint64_t version;
    if (!rd_var(&r, &version, "version")) return NULL;
    if (version != MODULE_VERSION) {
        fail(&r, "format version %llu, expected %d", (unsigned long long)version, MODULE_VERSION);
        return NULL;
    }
    Module *m = module_alloc();
    r.lit = m->lit;
    uint32_t n;

    /* atoms */
    if (!rd_count(&r, &n, 1, "atom count")) goto bad;
    r.atoms = calloc(n ? n : 1, sizeof(Term));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t alen;
        if (!rd_count(&r, &alen, 1, "atom length")) goto bad;
        if (alen > ATOM_MAX_LEN) { fail(&r, "atom longer than %d bytes", ATOM_MAX_LEN); goto bad; }
        Term a = atom_intern((const char *)r.p, alen);
        if (a == T_NONE) { fail(&r, "atom table full"); goto bad; }
        r.atoms[i] = a;
        r.natoms = i + 1;
        r.p += alen;
    }
    if (!rd_atom(&r, &m->name, "module name")) goto bad;
    if (!(m->file = rd_string(&r, "file name"))) goto bad;

    /* literals */
    if (!rd_count(&r, &n, 1, "literal count")) goto bad;
    m->literals = calloc(n ? n : 1, sizeof(Term));
    for (uint32_t i = 0; i < n; i++) m->literals[i] = T_NIL;
    m->nliterals = n;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_term(&r, &m->literals[i], 0)) goto bad;

    /* imports */
    if (!rd_count(&r, &n, 3, "import count")) goto bad;
    m->imports = calloc(n ? n : 1, sizeof(Import));
    m->nimports = n;
    for (uint32_t i = 0; i < n; i++) {
        Import *im = &m->imports[i];
        if (!rd_atom(&r, &im->module, "import module") || !rd_atom(&r, &im->name, "import name") ||
            !rd_u32(&r, &im->arity, MAX_ARITY, "import arity"))
            goto bad;
    }

    /* functions */
    if (!rd_count(&r, &n, 6, "function count")) goto bad;
    m->funcs = calloc(n ? n : 1, sizeof(Function));
    m->nfuncs = n;
    for (uint32_t i = 0; i < n; i++) {
        Function *f = &m->funcs[i];
        uint32_t exported;
        if (!rd_atom(&r, &f->name, "function name") || !rd_u32(&r, &f->arity, MAX_ARITY, "arity") ||
            !rd_u32(&r, &f->nregs, MAX_REGS, "nregs") || !rd_u32(&r, &f->nfree, MAX_REGS, "nfree") ||
            !rd_u32(&r, &exported, 1, "exported flag") ||
            !rd_count(&r, &f->code_len, 4, "code length"))
            goto bad;
        f->exported = exported;
        f->code = malloc(((size_t)f->code_len ? f->code_len : 1) * sizeof(uint32_t));
        for (uint32_t k = 0; k < f->code_len; k++) {
            f->code[k] = (uint32_t)r.p[0] | (uint32_t)r.p[1] << 8 | (uint32_t)r.p[2] << 16 | (uint32_t)r.p[3] << 24;
            r.p += 4;
        }
        if (!rd_count(&r, &f->nlines, 2, "line count")) goto bad;
        f->lines = malloc(((size_t)f->nlines ? f->nlines : 1) * sizeof(LineEntry));
        for (uint32_t k = 0; k < f->nlines; k++)
            if (!rd_u32(&r, &f->lines[k].pc, UINT32_MAX, "line pc") ||
                !rd_u32(&r, &f->lines[k].line, UINT32_MAX, "line number"))
                goto bad;
    }

    /* lambdas */
    if (!rd_count(&r, &n, 4, "lambda count")) goto bad;
    m->lambdas = calloc(n ? n : 1, sizeof(FunEntry));
    m->nlambdas = n;
    for (uint32_t i = 0; i < n; i++) {
        FunEntry *e = &m->lambdas[i];
        e->module = m;
        if (!rd_u32(&r, &e->func, UINT32_MAX, "lambda function") || !rd_u32(&r, &e->arity, MAX_ARITY, "lambda arity") ||
            !rd_u32(&r, &e->nfree, MAX_REGS, "lambda free count") || !rd_u32(&r, &e->index, UINT32_MAX, "lambda index"))
            goto bad;
    }

    /* docs */
    if (!rd_count(&r, &n, 3, "doc count")) goto bad;
    m->docs = calloc(n ? n : 1, sizeof(DocEntry));
    m->ndocs = n;
    for (uint32_t i = 0; i < n; i++) {
        DocEntry *d = &m->docs[i];
        if (!rd_atom(&r, &d->name, "doc name") || !rd_u32(&r, &d->arity, MAX_ARITY, "doc arity")) goto bad;
        if (!(d->text = rd_string(&r, "doc text"))) goto bad;
    }

    if (r.p != r.end) { fail(&r, "%zu trailing bytes", left(&r)); goto bad; }
    free(r.atoms);
    r.atoms = NULL;
    if (!module_verify(m, err, errlen)) { module_free(m); return NULL; }
    return m;

bad:
    free(r.atoms);
    module_free(m);
    return NULL;
}

/* ======================================================================
 * Verifying
 * ====================================================================== */

static bool vfail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool vfail(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* True for instructions after which control never reaches the next word. */
static bool op_ends_block(unsigned op) {
    switch (op) {
    case OPC_JUMP: case OPC_RET: case OPC_TCALL: case OPC_TCALLX: case OPC_TCALLF: case OPC_TAPPLY:
    case OPC_RAISE: case OPC_RERAISE: case OPC_BADMATCH: case OPC_CASE_CLAUSE: case OPC_WITH_CLAUSE:
    case OPC_TRY_CLAUSE: case OPC_COND_CLAUSE: case OPC_FUNC_CLAUSE: case OPC_LOOP_REC_NEXT: case OPC_WAIT:
        return true;
    default:
        return false;
    }
}

static bool verify_function(const Module *m, uint32_t fi, char *err, size_t errlen) {
    const Function *f = &m->funcs[fi];
    char fname[300];
    size_t nlen;
    const char *an = is_atom(f->name) ? atom_name(f->name, &nlen) : (nlen = 1, "?");
    snprintf(fname, sizeof fname, "%.*s/%u", (int)nlen, an, f->arity);

    if (!is_atom(f->name)) return vfail(err, errlen, "function %u: name is not an atom", fi);
    if (f->arity > MAX_ARITY) return vfail(err, errlen, "%s: arity too large", fname);
    if (f->nregs < f->arity || f->nregs > MAX_REGS) return vfail(err, errlen, "%s: nregs %u < arity", fname, f->nregs);
    if (f->code_len == 0 || !f->code) return vfail(err, errlen, "%s: empty code", fname);
    if (f->nlines && !f->lines) return vfail(err, errlen, "%s: missing line table", fname);
    for (uint32_t k = 0; k < f->nlines; k++) {
        if (f->lines[k].pc >= f->code_len) return vfail(err, errlen, "%s: line entry pc out of range", fname);
        if (k && f->lines[k].pc < f->lines[k - 1].pc) return vfail(err, errlen, "%s: line table not sorted", fname);
    }

    /* Pass 1: instruction boundaries. */
    uint8_t *start = calloc(f->code_len, 1);
    uint32_t pc = 0, last = 0;
    while (pc < f->code_len) {
        uint32_t op = f->code[pc];
        if (op >= OPC__COUNT) { free(start); return vfail(err, errlen, "%s@%u: bad opcode %u", fname, pc, op); }
        if (op_info[op].size > f->code_len - pc) {
            free(start);
            return vfail(err, errlen, "%s@%u: %s truncated", fname, pc, op_info[op].name);
        }
        start[pc] = 1;
        last = pc;
        pc += op_info[op].size;
    }
    if (!op_ends_block(f->code[last])) {
        free(start);
        return vfail(err, errlen, "%s: code falls off its end", fname);
    }

    /* Pass 2: every operand by its letter, then register ranges. */
    uint64_t nregs = f->nregs;
    for (pc = 0; pc < f->code_len; pc += op_info[f->code[pc]].size) {
        uint32_t op = f->code[pc];
        const char *ops = op_info[op].operands;
        const uint32_t *a = &f->code[pc + 1];
        for (int k = 0; ops[k]; k++) {
            uint32_t v = a[k];
            bool ok = true;
            switch (ops[k]) {
            case 'r': ok = v < nregs; break;
            case 'k': ok = v < m->nliterals; break;
            case 'j': ok = v < f->code_len && start[v]; break;
            case 'f': ok = v < m->nfuncs; break;
            case 'x': ok = v < m->nimports; break;
            case 'l': ok = v < m->nlambdas; break;
            case 'i': case 'n': break;
            default: ok = false;
            }
            if (!ok) {
                free(start);
                return vfail(err, errlen, "%s@%u: %s operand %d (%c) = %u out of range", fname, pc,
                             op_info[op].name, k + 1, ops[k], v);
            }
        }
        uint64_t need = 0; /* registers [0, need) the instruction touches */
        switch (op) {
        case OPC_TUPLE: case OPC_BIN_CONCAT: need = (uint64_t)a[1] + a[2]; break;
        case OPC_MAP_NEW: need = (uint64_t)a[1] + 2 * (uint64_t)a[2]; break;
        case OPC_MAP_UPDATE: need = (uint64_t)a[2] + 2 * (uint64_t)a[3]; break;
        case OPC_CLOSURE: need = (uint64_t)a[2] + m->lambdas[a[1]].nfree; break;
        case OPC_CALL: case OPC_TCALL: need = (uint64_t)a[0] + m->funcs[a[1]].arity; break;
        case OPC_CALLX: case OPC_TCALLX: need = (uint64_t)a[0] + m->imports[a[1]].arity; break;
        case OPC_CALLF: case OPC_TCALLF: need = (uint64_t)a[0] + 1 + a[1]; break;
        case OPC_APPLY: case OPC_TAPPLY: case OPC_TRY: need = (uint64_t)a[0] + 3; break;
        case OPC_BOOL_CHECK: if (a[0] > 1) { free(start); return vfail(err, errlen, "%s@%u: BOOL_CHECK kind %u", fname, pc, a[0]); } break;
        default: break;
        }
        if (need > nregs) {
            free(start);
            return vfail(err, errlen, "%s@%u: %s uses registers up to %llu, nregs is %u", fname, pc,
                         op_info[op].name, (unsigned long long)need, f->nregs);
        }
    }
    free(start);
    return true;
}

bool module_verify(const Module *m, char *err, size_t errlen) {
    if (err && errlen) err[0] = 0;
    if (!m) return vfail(err, errlen, "no module");
    if (!is_atom(m->name)) return vfail(err, errlen, "module name is not an atom");
    if ((m->nfuncs && !m->funcs) || (m->nliterals && !m->literals) || (m->nimports && !m->imports) ||
        (m->nlambdas && !m->lambdas) || (m->ndocs && !m->docs))
        return vfail(err, errlen, "missing table");
    for (uint32_t i = 0; i < m->nliterals; i++)
        if (m->literals[i] == T_NONE) return vfail(err, errlen, "literal %u is not a value", i);
    for (uint32_t i = 0; i < m->nimports; i++)
        if (!is_atom(m->imports[i].module) || !is_atom(m->imports[i].name) || m->imports[i].arity > MAX_ARITY)
            return vfail(err, errlen, "import %u is malformed", i);
    for (uint32_t i = 0; i < m->nlambdas; i++) {
        const FunEntry *e = &m->lambdas[i];
        if (e->func >= m->nfuncs) return vfail(err, errlen, "lambda %u: function index out of range", i);
        const Function *f = &m->funcs[e->func];
        if (f->arity != e->arity) return vfail(err, errlen, "lambda %u: arity %u differs from its function's %u", i, e->arity, f->arity);
        if ((uint64_t)f->nregs < (uint64_t)e->arity + e->nfree)
            return vfail(err, errlen, "lambda %u: nregs %u < arity + nfree", i, f->nregs);
        if (f->nfree != e->nfree) return vfail(err, errlen, "lambda %u: nfree %u differs from its function's %u", i, e->nfree, f->nfree);
    }
    for (uint32_t i = 0; i < m->ndocs; i++)
        if (!is_atom(m->docs[i].name)) return vfail(err, errlen, "doc %u: name is not an atom", i);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (!verify_function(m, i, err, errlen)) return false;
    return true;
}

void module_free(Module *m) {
    if (!m) return;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        free(m->funcs[i].code);
        free(m->funcs[i].lines);
    }
    free(m->funcs);
    for (uint32_t i = 0; i < m->ndocs; i++) free((void *)m->docs[i].text);
    free(m->docs);
    free(m->literals);
    free(m->imports);
    free(m->lambdas);
    free((void *)m->import_ref);
    free(m->exports);
    free((void *)m->file);
    if (m->lit) {
        heap_free(m->lit);
        free(m->lit);
    }
    free(m);
}
