/* term.c — term order, equality and hashing (see termops.h).
 *
 * Compound terms are walked with an explicit work stack (WorkStack below), so
 * a million-element list or a deeply nested tuple never grows the C stack.
 * The stack holds "ranges": two parallel arrays of terms still to compare
 * pairwise, in order. Lists need no special case: a cons cell is the range
 * {head, tail}, so comparing two lists compares heads, then tails, and a flat
 * list keeps the stack at constant depth.
 */
#include <stdlib.h>
#include <stdio.h>
#include <math.h>
#include "termops.h"
#include "atom.h"
#include "heap.h"
#include "map.h"
#include "module.h"

/* ======================================================================
 * Work stack
 * ====================================================================== */

/* Invariant: items[0..n) are pending ranges, the top (items[n-1]) is compared
 * first; every range has len >= 1. Memory owned by the stack (sorted copies of
 * HAMT maps) is listed in owned[] and freed by ws_free. */
typedef struct Range {
    const Term *a, *b;
    size_t len;
    bool exact;
} Range;

typedef struct WorkStack {
    Range *items;
    size_t n, cap;
    Range inline_items[32];
    Term **owned;
    size_t nowned, owned_cap;
} WorkStack;

static void ws_init(WorkStack *ws) {
    ws->items = ws->inline_items;
    ws->n = 0;
    ws->cap = sizeof ws->inline_items / sizeof ws->inline_items[0];
    ws->owned = NULL;
    ws->nowned = ws->owned_cap = 0;
}

static void *xrealloc(void *p, size_t bytes) {
    void *q = realloc(p, bytes);
    if (!q) { fprintf(stderr, "act: out of memory (%zu bytes)\n", bytes); abort(); }
    return q;
}

static void ws_push(WorkStack *ws, const Term *a, const Term *b, size_t len, bool exact) {
    if (len == 0) return;
    if (ws->n == ws->cap) {
        size_t cap = ws->cap * 2;
        if (ws->items == ws->inline_items) {
            Range *r = xrealloc(NULL, cap * sizeof *r);
            memcpy(r, ws->inline_items, ws->n * sizeof *r);
            ws->items = r;
        } else {
            ws->items = xrealloc(ws->items, cap * sizeof *ws->items);
        }
        ws->cap = cap;
    }
    ws->items[ws->n++] = (Range){a, b, len, exact};
}

/* Next pair to compare, or false when the stack is empty. */
static bool ws_pop(WorkStack *ws, Term *a, Term *b, bool *exact) {
    if (ws->n == 0) return false;
    Range *r = &ws->items[ws->n - 1];
    *a = r->a[0];
    *b = r->b[0];
    *exact = r->exact;
    if (--r->len == 0) ws->n--;
    else { r->a++; r->b++; }
    return true;
}

static void ws_own(WorkStack *ws, Term *buf) {
    if (ws->nowned == ws->owned_cap) {
        ws->owned_cap = ws->owned_cap ? ws->owned_cap * 2 : 4;
        ws->owned = xrealloc(ws->owned, ws->owned_cap * sizeof *ws->owned);
    }
    ws->owned[ws->nowned++] = buf;
}

static void ws_free(WorkStack *ws) {
    if (ws->items != ws->inline_items) free(ws->items);
    for (size_t i = 0; i < ws->nowned; i++) free(ws->owned[i]);
    free(ws->owned);
}

/* ======================================================================
 * Kinds and leaf comparisons
 * ====================================================================== */

enum { RANK_NUMBER, RANK_ATOM, RANK_REF, RANK_FUN, RANK_PID, RANK_TUPLE,
       RANK_MAP, RANK_LIST, RANK_BINARY, RANK_OTHER };

int term_kind_rank(Term t) {
    if (is_small(t)) return RANK_NUMBER;
    if (is_cons(t) || t == T_NIL) return RANK_LIST;
    if (is_atom(t)) return RANK_ATOM;
    if (is_pid(t)) return RANK_PID;
    if (is_boxed(t)) {
        switch (box_type(t)) {
        case BOX_TUPLE: return RANK_TUPLE;
        case BOX_BIG_POS: case BOX_BIG_NEG: case BOX_FLOAT: return RANK_NUMBER;
        case BOX_HEAPBIN: case BOX_REFCBIN: case BOX_SUBBIN: return RANK_BINARY;
        case BOX_FUN: case BOX_EXPORT: return RANK_FUN;
        case BOX_REF: case BOX_RESOURCE: return RANK_REF;
        case BOX_MAP_FLAT: case BOX_MAP_HAMT: return RANK_MAP;
        }
    }
    return RANK_OTHER;
}

static inline int cmp3_u(uint64_t a, uint64_t b) { return (a > b) - (a < b); }
static inline int cmp3_s(int64_t a, int64_t b) { return (a > b) - (a < b); }
static inline int cmp3_d(double a, double b) { return (a > b) - (a < b); }

static int atom_cmp(Term a, Term b) {
    size_t la, lb;
    const char *sa = atom_name(a, &la), *sb = atom_name(b, &lb);
    int c = memcmp(sa, sb, la < lb ? la : lb);
    if (c) return c < 0 ? -1 : 1;
    return cmp3_u(la, lb);
}

static int binary_cmp(Term a, Term b) {
    size_t la, lb;
    const uint8_t *pa = binary_bytes(a, &la), *pb = binary_bytes(b, &lb);
    size_t m = la < lb ? la : lb;
    int c = m ? memcmp(pa, pb, m) : 0;
    if (c) return c < 0 ? -1 : 1;
    return cmp3_u(la, lb);
}

/* ---- numbers ---------------------------------------------------------- */

static inline size_t big_len(Term t) { return header_arity(box_header(t)); }
static inline const uint64_t *big_limbs(Term t) { return (const uint64_t *)(boxed_ptr(t) + 1); }
static inline bool big_neg(Term t) { return box_type(t) == BOX_BIG_NEG; }

/* Magnitudes, limbs least significant first, no leading zero limbs. */
static int mag_cmp(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
    if (na != nb) return na < nb ? -1 : 1;
    for (size_t i = na; i-- > 0;)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

static int big_big_cmp(Term a, Term b) {
    bool na = big_neg(a), nb = big_neg(b);
    if (na != nb) return na ? -1 : 1;
    int c = mag_cmp(big_limbs(a), big_len(a), big_limbs(b), big_len(b));
    return na ? -c : c;
}

/* A small against a finite double, exactly. */
static int small_double_cmp(SInt s, double d) {
    if (s > -(1LL << 53) && s < (1LL << 53)) return cmp3_d((double)s, d);
    if (d >= 9223372036854775808.0) return -1;
    if (d < -9223372036854775808.0) return 1;
    int64_t ti = (int64_t)d; /* exact: |d| < 2^63, truncated toward zero */
    if (s != ti) return s < ti ? -1 : 1;
    double frac = d - (double)ti;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

/* A bignum against a finite double, exactly. A bignum's magnitude is at
 * least 2^62, so a double below that decides by sign alone; above it the
 * double is an integer and is compared limb by limb. */
static int big_double_cmp(Term big, double d) {
    bool neg = big_neg(big);
    double ad = fabs(d);
    if (ad < 4611686018427387904.0 || (d < 0) != neg) return neg ? -1 : 1;
    int e;
    double m = frexp(ad, &e); /* ad = m * 2^e, 0.5 <= m < 1, e >= 63 */
    uint64_t mant = (uint64_t)ldexp(m, 53);
    int shift = e - 53;
    uint64_t limbs[18] = {0};
    size_t w = (size_t)shift / 64, bs = (size_t)shift % 64;
    limbs[w] = mant << bs;
    if (bs) limbs[w + 1] = mant >> (64 - bs);
    size_t n = w + 2;
    while (n > 0 && limbs[n - 1] == 0) n--;
    int c = mag_cmp(big_limbs(big), big_len(big), limbs, n);
    return neg ? -c : c;
}

/* Numbers a and b. Exact order puts every integer before every float. */
static int number_cmp(Term a, Term b, bool exact) {
    if (is_small(a) && is_small(b)) return cmp3_s(small_val(a), small_val(b));
    bool fa = is_float(a), fb = is_float(b);
    if (fa && fb) return cmp3_d(float_val(a), float_val(b));
    if (fa != fb && exact) return fa ? 1 : -1;
    if (fa) return -(is_small(b) ? small_double_cmp(small_val(b), float_val(a))
                                 : big_double_cmp(b, float_val(a)));
    if (fb) return is_small(a) ? small_double_cmp(small_val(a), float_val(b))
                               : big_double_cmp(a, float_val(b));
    /* two integers, at least one bignum (never in small range) */
    if (is_small(a)) return big_neg(b) ? 1 : -1;
    if (is_small(b)) return big_neg(a) ? -1 : 1;
    return big_big_cmp(a, b);
}

/* ---- funs ------------------------------------------------------------- */

static const FunEntry *fun_entry(Term f) { return (const FunEntry *)boxed_ptr(f)[1]; }
static size_t fun_nfree(Term f) { return header_arity(box_header(f)) - 1; }

/* Funs: local funs before exports; locals by module, lambda index, identity,
 * then free variables (pushed by the caller); exports by {M, F, A}. */
static int fun_head_cmp(Term a, Term b) {
    bool ea = box_type(a) == BOX_EXPORT, eb = box_type(b) == BOX_EXPORT;
    if (ea != eb) return ea ? 1 : -1;
    if (ea) {
        const Term *pa = boxed_ptr(a) + 1, *pb = boxed_ptr(b) + 1;
        int c = pa[0] == pb[0] ? 0 : atom_cmp(pa[0], pb[0]);
        if (!c) c = pa[1] == pb[1] ? 0 : atom_cmp(pa[1], pb[1]);
        if (!c) c = cmp3_s(small_val(pa[2]), small_val(pb[2]));
        return c;
    }
    const FunEntry *fa = fun_entry(a), *fb = fun_entry(b);
    if (fa == fb) return cmp3_u(fun_nfree(a), fun_nfree(b));
    Term ma = fa->module->name, mb = fb->module->name;
    int c = ma == mb ? 0 : atom_cmp(ma, mb);
    if (!c) c = cmp3_u(fa->index, fb->index);
    if (!c) c = cmp3_u((uintptr_t)fa, (uintptr_t)fb);
    return c;
}

/* ---- maps ------------------------------------------------------------- */

/* keys[0..n) then values[0..n) of a map: in key order when sorted, else in
 * any order. Flat maps give their own arrays; for a HAMT the iterator's C-heap
 * buffer (keys then values, map.h) is taken over and *owned receives it. */
static const Term *map_kv(Term m, bool sorted, size_t *n, Term **owned) {
    *owned = NULL;
    if (box_type(m) == BOX_MAP_FLAT) {
        *n = (size_t)small_val(boxed_ptr(m)[1]);
        return boxed_ptr(m) + 2;
    }
    MapIter it;
    if (sorted) map_iter_init(&it, m);
    else map_iter_init_unordered(&it, m);
    *n = it.n;
    *owned = it.buf;
    const Term *kv = it.keys;
    it.buf = NULL;
    map_iter_done(&it);
    return kv;
}

/* ======================================================================
 * Comparison
 * ====================================================================== */

/* Compare a and b at the top level. Returns non-zero when they differ there;
 * returns 0 after pushing their sub-terms (to be compared in order) when they
 * are compound and their shapes agree. */
static int shallow_cmp(WorkStack *ws, Term a, Term b, bool exact) {
    if (a == b) return 0;
    int ra = term_kind_rank(a), rb = term_kind_rank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    switch (ra) {
    case RANK_NUMBER: return number_cmp(a, b, exact);
    case RANK_ATOM: return atom_cmp(a, b);
    case RANK_PID: return cmp3_u(pid_val(a), pid_val(b));
    case RANK_BINARY: return binary_cmp(a, b);
    case RANK_REF:
        if (box_type(a) != box_type(b)) return box_type(a) < box_type(b) ? -1 : 1;
        /* REF and RESOURCE (vm/resource.h) both keep a unique id in word 1. */
        return cmp3_u(boxed_ptr(a)[1], boxed_ptr(b)[1]);
    case RANK_LIST:
        if (a == T_NIL) return -1;
        if (b == T_NIL) return 1;
        ws_push(ws, cons_ptr(a), cons_ptr(b), 2, exact);
        return 0;
    case RANK_TUPLE: {
        size_t na = tuple_arity(a), nb = tuple_arity(b);
        if (na != nb) return na < nb ? -1 : 1;
        ws_push(ws, tuple_elems(a), tuple_elems(b), na, exact);
        return 0;
    }
    case RANK_FUN: {
        int c = fun_head_cmp(a, b);
        if (c || box_type(a) == BOX_EXPORT) return c;
        ws_push(ws, boxed_ptr(a) + 2, boxed_ptr(b) + 2, fun_nfree(a), exact);
        return 0;
    }
    case RANK_MAP: {
        size_t na = map_size(a), nb = map_size(b);
        if (na != nb) return na < nb ? -1 : 1;
        Term *oa, *ob;
        const Term *kva = map_kv(a, true, &na, &oa), *kvb = map_kv(b, true, &nb, &ob);
        if (oa) ws_own(ws, oa);
        if (ob) ws_own(ws, ob);
        /* all keys first (exactly), then the values */
        ws_push(ws, kva + na, kvb + nb, na, exact);
        ws_push(ws, kva, kvb, na, true);
        return 0;
    }
    default:
        return cmp3_u(a, b);
    }
}

static int compare(Term a, Term b, bool exact) {
    if (a == b) return 0;
    if (is_small(a) && is_small(b)) return cmp3_s(small_val(a), small_val(b));
    WorkStack ws;
    ws_init(&ws);
    int c;
    do {
        c = shallow_cmp(&ws, a, b, exact);
    } while (c == 0 && ws_pop(&ws, &a, &b, &exact));
    ws_free(&ws);
    return c;
}

int term_compare(Term a, Term b) { return compare(a, b, false); }
int term_compare_exact(Term a, Term b) { return compare(a, b, true); }

/* ======================================================================
 * Equality
 * ====================================================================== */

/* Like shallow_cmp, for equality only: maps are matched by lookup, so no
 * sorting is needed. Returns false when a and b differ at the top level. */
static bool shallow_eq(WorkStack *ws, Term a, Term b, bool exact) {
    if (a == b) return true;
    if (is_small(a) && is_small(b)) return false;
    int ra = term_kind_rank(a), rb = term_kind_rank(b);
    if (ra != rb) return false;
    switch (ra) {
    case RANK_NUMBER:
        if (exact) {
            if (is_float(a) != is_float(b)) return false;
            if (is_float(a)) return float_val(a) == float_val(b);
            if (is_small(a) || is_small(b)) return false;
            return big_big_cmp(a, b) == 0;
        }
        return number_cmp(a, b, false) == 0;
    case RANK_ATOM: case RANK_PID: return false; /* unique words */
    case RANK_BINARY: return binary_cmp(a, b) == 0;
    case RANK_REF: return shallow_cmp(ws, a, b, exact) == 0;
    case RANK_LIST:
        if (a == T_NIL || b == T_NIL) return false;
        ws_push(ws, cons_ptr(a), cons_ptr(b), 2, exact);
        return true;
    case RANK_TUPLE: {
        size_t n = tuple_arity(a);
        if (n != tuple_arity(b)) return false;
        ws_push(ws, tuple_elems(a), tuple_elems(b), n, exact);
        return true;
    }
    case RANK_FUN:
        if (box_type(a) != box_type(b)) return false;
        if (box_type(a) == BOX_EXPORT) return fun_head_cmp(a, b) == 0;
        if (fun_entry(a) != fun_entry(b) || fun_nfree(a) != fun_nfree(b)) return false;
        ws_push(ws, boxed_ptr(a) + 2, boxed_ptr(b) + 2, fun_nfree(a), exact);
        return true;
    case RANK_MAP: {
        size_t n = map_size(a);
        if (n != map_size(b)) return false;
        if (box_type(a) != box_type(b)) return false; /* representation follows size */
        if (box_type(a) == BOX_MAP_FLAT) {
            /* same size, both sorted by exact order: keys must match in place */
            ws_push(ws, boxed_ptr(a) + 2 + n, boxed_ptr(b) + 2 + n, n, exact);
            ws_push(ws, boxed_ptr(a) + 2, boxed_ptr(b) + 2, n, true);
            return true;
        }
        MapIter it;
        map_iter_init(&it, a);
        Term k, v;
        bool ok = true;
        size_t i = 0;
        while (ok && map_iter_next(&it, &k, &v)) {
            const Term *vb = map_lookup_ref(b, k);
            if (!vb) ok = false;
            else ws_push(ws, &it.vals[i], vb, 1, exact);
            i++;
        }
        /* it.vals may live in the iterator's buffer: keep it until the end */
        if (it.buf) { ws_own(ws, it.buf); it.buf = NULL; }
        map_iter_done(&it);
        return ok;
    }
    default:
        return false;
    }
}

static bool equal(Term a, Term b, bool exact) {
    if (a == b) return true;
    if (is_small(a) && is_small(b)) return false;
    WorkStack ws;
    ws_init(&ws);
    bool eq;
    do {
        eq = shallow_eq(&ws, a, b, exact);
    } while (eq && ws_pop(&ws, &a, &b, &exact));
    ws_free(&ws);
    return eq;
}

bool term_eq(Term a, Term b) { return equal(a, b, false); }
bool term_eqx(Term a, Term b) { return equal(a, b, true); }

/* ======================================================================
 * Hashing
 * ====================================================================== */

static inline uint64_t fmix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}
static inline uint64_t combine(uint64_t acc, uint64_t h) {
    acc ^= h + 0x9e3779b97f4a7c15ULL + (acc << 6) + (acc >> 2);
    return acc * 0x100000001b3ULL;
}

enum { SALT_FLOAT = 0x3f1, SALT_BIGPOS = 0x3f2, SALT_BIGNEG = 0x3f3, SALT_BIN = 0x3f4,
       SALT_REF = 0x3f5, SALT_TUPLE = 0x3f6, SALT_LIST = 0x3f7, SALT_MAP = 0x3f8,
       SALT_FUN = 0x3f9, SALT_EXPORT = 0x3fa, SALT_ENTRY = 0x3fb };

static uint64_t bytes_hash(const uint8_t *s, size_t n) {
    uint64_t h = fmix64(SALT_BIN ^ (n * 0x9e3779b97f4a7c15ULL));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ fmix64(w)) * 0x100000001b3ULL;
    }
    uint64_t w = 0;
    for (size_t j = 0; i < n; i++, j++) w |= (uint64_t)s[i] << (8 * j);
    return fmix64(h ^ w);
}

/* Hash of a term with no sub-terms to visit. */
static uint64_t leaf_hash(Term t) {
    if (!is_boxed(t)) return fmix64(t);
    switch (box_type(t)) {
    case BOX_FLOAT: {
        double d = float_val(t);
        if (d == 0.0) d = 0.0; /* -0.0 === 0.0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return fmix64(bits ^ SALT_FLOAT);
    }
    case BOX_BIG_POS: case BOX_BIG_NEG: {
        uint64_t h = big_neg(t) ? SALT_BIGNEG : SALT_BIGPOS;
        const uint64_t *l = big_limbs(t);
        for (size_t i = 0, n = big_len(t); i < n; i++) h = combine(h, fmix64(l[i]));
        return fmix64(h);
    }
    case BOX_HEAPBIN: case BOX_REFCBIN: case BOX_SUBBIN: {
        size_t n;
        const uint8_t *s = binary_bytes(t, &n);
        return bytes_hash(s, n);
    }
    case BOX_REF: case BOX_RESOURCE: return fmix64(boxed_ptr(t)[1] ^ SALT_REF);
    case BOX_EXPORT: {
        const Term *p = boxed_ptr(t) + 1;
        return fmix64(combine(combine(combine(SALT_EXPORT, p[0]), p[1]), p[2]));
    }
    default: return fmix64(t);
    }
}

/* A hash frame: a compound term whose children are being hashed.
 * SEQ frames fold children in order (tuples, fun environments); ENTRY frames
 * fold a map entry's key and value; LIST frames walk a list; MAP frames add
 * their entries' hashes, so the result does not depend on the order a HAMT is
 * walked in. Frames hold no pointers into the frame stack (it may move). */
enum { HF_SEQ, HF_ENTRY, HF_LIST, HF_MAP };
typedef struct HashFrame {
    int kind;
    uint64_t acc;
    const Term *p;   /* SEQ: the children; MAP: keys (values at p + n) */
    size_t i, n;     /* next child / entry i of n */
    Term list;       /* LIST: the rest of the list still to visit */
    Term *owned;     /* C-heap buffer freed with the frame */
    Term pair[2];    /* ENTRY: {key, value} */
} HashFrame;

typedef struct HashStack {
    HashFrame *f;
    size_t n, cap;
    HashFrame inline_f[16];
} HashStack;

static HashFrame *hs_push(HashStack *hs, int kind, uint64_t acc) {
    if (hs->n == hs->cap) {
        size_t cap = hs->cap * 2;
        if (hs->f == hs->inline_f) {
            HashFrame *f = xrealloc(NULL, cap * sizeof *f);
            memcpy(f, hs->inline_f, hs->n * sizeof *f);
            hs->f = f;
        } else {
            hs->f = xrealloc(hs->f, cap * sizeof *hs->f);
        }
        hs->cap = cap;
    }
    HashFrame *f = &hs->f[hs->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->acc = acc;
    return f;
}

/* Push a frame for compound t, or return false (and *h) for a leaf. */
static bool hash_open(HashStack *hs, Term t, uint64_t *h) {
    if (is_cons(t)) {
        hs_push(hs, HF_LIST, SALT_LIST)->list = t;
        return true;
    }
    if (!is_boxed(t)) { *h = leaf_hash(t); return false; }
    switch (box_type(t)) {
    case BOX_TUPLE: {
        HashFrame *f = hs_push(hs, HF_SEQ, combine(SALT_TUPLE, tuple_arity(t)));
        f->p = tuple_elems(t);
        f->n = tuple_arity(t);
        return true;
    }
    case BOX_FUN: {
        HashFrame *f = hs_push(hs, HF_SEQ, combine(SALT_FUN, (uintptr_t)fun_entry(t)));
        f->p = boxed_ptr(t) + 2;
        f->n = fun_nfree(t);
        return true;
    }
    case BOX_MAP_FLAT: case BOX_MAP_HAMT: {
        /* entries are combined by addition: any order will do, no sort */
        size_t n;
        Term *owned = NULL;
        const Term *kv = map_kv(t, false, &n, &owned);
        HashFrame *f = hs_push(hs, HF_MAP, combine(SALT_MAP, n));
        f->p = kv;
        f->owned = owned;
        f->n = n;
        return true;
    }
    default:
        *h = leaf_hash(t);
        return false;
    }
}

/* The next child of the top frame to hash, or false when it is complete.
 * A MAP frame answers by pushing an ENTRY frame and returning its key. */
static bool hash_next_child(HashStack *hs, Term *child) {
    HashFrame *f = &hs->f[hs->n - 1];
    switch (f->kind) {
    case HF_SEQ:
        if (f->i == f->n) return false;
        *child = f->p[f->i++];
        return true;
    case HF_ENTRY:
        if (f->i == 2) return false;
        *child = f->pair[f->i++];
        return true;
    case HF_LIST:
        if (f->list == T_NIL) return false;
        if (is_cons(f->list)) {
            *child = CAR(f->list);
            f->list = CDR(f->list);
        } else { /* improper tail */
            *child = f->list;
            f->list = T_NIL;
            f->acc = combine(f->acc, 0x1a7);
        }
        return true;
    default: { /* HF_MAP */
        if (f->i == f->n) return false;
        size_t i = f->i++;
        Term k = f->p[i], v = f->p[f->n + i];
        HashFrame *e = hs_push(hs, HF_ENTRY, SALT_ENTRY);
        e->pair[0] = k;
        e->pair[1] = v;
        return hash_next_child(hs, child);
    }
    }
}

uint64_t term_hash(Term t) {
    if (!is_boxed(t) && !is_cons(t)) return fmix64(t); /* immediates: no frames */
    uint64_t h;
    HashStack hs;
    hs.f = hs.inline_f;
    hs.n = 0;
    hs.cap = sizeof hs.inline_f / sizeof hs.inline_f[0];
    if (!hash_open(&hs, t, &h)) return h;
    for (;;) {
        Term child;
        if (hash_next_child(&hs, &child)) {
            if (hash_open(&hs, child, &h)) continue;
        } else {
            HashFrame *f = &hs.f[hs.n - 1];
            h = fmix64(f->acc);
            free(f->owned);
            if (--hs.n == 0) break;
        }
        /* deliver h to the frame now on top */
        HashFrame *p = &hs.f[hs.n - 1];
        if (p->kind == HF_MAP) p->acc += fmix64(h);
        else p->acc = combine(p->acc, h);
    }
    if (hs.f != hs.inline_f) free(hs.f);
    return h;
}

/* ======================================================================
 * Sorting
 * ====================================================================== */

void term_sort_records(Term *recs, size_t n, size_t width, bool exact) {
    if (n < 2) return;
    /* insertion-sort runs of 8 (or all of a small input, such as the keys
     * of a new small map: no allocation), then merge runs bottom-up,
     * ping-ponging between recs and tmp */
    const size_t RUN = n <= 32 ? n : 8;
    size_t wbytes = width * sizeof(Term);
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            Term rec[width];
            memcpy(rec, recs + i * width, wbytes);
            size_t j = i;
            while (j > lo && compare(recs[(j - 1) * width], rec[0], exact) > 0) {
                memcpy(recs + j * width, recs + (j - 1) * width, wbytes);
                j--;
            }
            memcpy(recs + j * width, rec, wbytes);
        }
    }
    if (n <= RUN) return;
    Term *tmp = xrealloc(NULL, n * wbytes);
    Term *src = recs, *dst = tmp;
    for (size_t len = RUN; len < n; len *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * len) {
            size_t mid = lo + len < n ? lo + len : n;
            size_t hi = lo + 2 * len < n ? lo + 2 * len : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                /* take from the right run only when strictly smaller: stable */
                if (compare(src[j * width], src[i * width], exact) < 0)
                    memcpy(dst + k++ * width, src + j++ * width, wbytes);
                else
                    memcpy(dst + k++ * width, src + i++ * width, wbytes);
            }
            if (i < mid) memcpy(dst + k * width, src + i * width, (mid - i) * wbytes), k += mid - i;
            if (j < hi) memcpy(dst + k * width, src + j * width, (hi - j) * wbytes);
        }
        Term *t = src; src = dst; dst = t;
    }
    if (src != recs) memcpy(recs, src, n * wbytes);
    free(tmp);
}
