/* map.c — persistent maps: sorted flat maps and CHAMP tries (see map.h for
 * both layouts and their invariants).
 *
 * Word offsets below are from the boxed pointer P = boxed_ptr(map):
 *   flat: P[0] header, P[1] small n, P[2 .. 2+n) keys, P[2+n .. 2+2n) values
 *   node: P[0] header, P[1] small count, P[2] small datamap, P[3] small
 *         nodemap, P[4 .. 4+2nd) pairs, P[4+2nd .. 4+2nd+nc) children
 * A node at shift >= 64 is a collision node: P[4 .. 4+2count) pairs.
 */
#include <stdlib.h>
#include <stdio.h>
#include "map.h"
#include "termops.h"
#include "heap.h"
#include "atom.h"
#include "native.h"

uint64_t map_hash_mask = ~(uint64_t)0;

#define HAMT_BITS 5
#define HAMT_MASK 31u
#define HAMT_LAST_SHIFT 64 /* at or past this shift, nodes are collision nodes */

static void *xmalloc(size_t bytes) {
    void *q = malloc(bytes ? bytes : 1);
    if (!q) { fprintf(stderr, "act: out of memory (%zu bytes)\n", bytes); abort(); }
    return q;
}

static inline uint64_t key_hash(Term k) { return term_hash(k) & map_hash_mask; }
static inline bool key_eq(Term a, Term b) { return a == b || (!is_small(a) && !is_atom(a) && term_eqx(a, b)); }
static inline bool is_flat(Term m) { return box_type(m) == BOX_MAP_FLAT; }

/* ======================================================================
 * Flat maps
 * ====================================================================== */

static inline size_t flat_n(Term m) { return (size_t)small_val(boxed_ptr(m)[1]); }
static inline Term *flat_keys(Term m) { return boxed_ptr(m) + 2; }
static inline Term *flat_vals(Term m) { return boxed_ptr(m) + 2 + flat_n(m); }

static Term *flat_alloc(Process *p, size_t n, Term *out) {
    Term *w = heap_alloc(p, 2 + 2 * n);
    w[0] = make_header(BOX_MAP_FLAT, 1 + 2 * n);
    w[1] = make_small(n);
    *out = make_boxed(w);
    return w + 2;
}

/* Index of key in the flat map, or -1; *pos receives the insertion point
 * when absent. */
static long flat_find(Term m, Term key, size_t *pos) {
    size_t n = flat_n(m);
    const Term *ks = flat_keys(m);
    if (!is_boxed(key) && !is_cons(key)) {
        /* immediates are === only to the identical word */
        for (size_t i = 0; i < n; i++)
            if (ks[i] == key) return (long)i;
        if (!pos) return -1;
    }
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = term_compare_exact(ks[mid], key);
        if (c == 0) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    if (pos) *pos = lo;
    return -1;
}

/* ======================================================================
 * HAMT nodes
 * ====================================================================== */

static inline size_t node_count(const Term *P) { return (size_t)small_val(P[1]); }
static inline uint32_t node_dmap(const Term *P) { return (uint32_t)small_val(P[2]); }
static inline uint32_t node_nmap(const Term *P) { return (uint32_t)small_val(P[3]); }
static inline unsigned slot_of(uint64_t h, unsigned shift) { return (unsigned)(h >> shift) & HAMT_MASK; }
/* SWAR popcount: the baseline x86-64 target has no POPCNT instruction, and
 * __builtin_popcount would call a slow libgcc routine. */
static inline unsigned popc(uint32_t x) {
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (x * 0x01010101u) >> 24;
}

static Term *node_alloc(Process *p, size_t count, uint32_t dmap, uint32_t nmap, Term *out) {
    size_t nd = popc(dmap), nc = popc(nmap);
    Term *w = heap_alloc(p, 4 + 2 * nd + nc);
    w[0] = make_header(BOX_MAP_HAMT, 3 + 2 * nd + nc);
    w[1] = make_small(count);
    w[2] = make_small(dmap);
    w[3] = make_small(nmap);
    *out = make_boxed(w);
    return w;
}

static Term *coll_alloc(Process *p, size_t count, Term *out) {
    Term *w = heap_alloc(p, 4 + 2 * count);
    w[0] = make_header(BOX_MAP_HAMT, 3 + 2 * count);
    w[1] = make_small(count);
    w[2] = make_small(0);
    w[3] = make_small(0);
    *out = make_boxed(w);
    return w;
}

/* A copy of node P with its size in words. */
static Term *node_copy(Process *p, const Term *P, Term *out) {
    size_t words = 1 + header_arity(P[0]);
    Term *w = heap_alloc(p, words);
    memcpy(w, P, words * sizeof(Term));
    *out = make_boxed(w);
    return w;
}

/* A subtree holding exactly two distinct keys. */
static Term node_two(Process *p, Term k1, Term v1, uint64_t h1, Term k2, Term v2, uint64_t h2,
                     unsigned shift) {
    Term out;
    if (shift >= HAMT_LAST_SHIFT) {
        Term *w = coll_alloc(p, 2, &out);
        w[4] = k1; w[5] = v1; w[6] = k2; w[7] = v2;
        return out;
    }
    unsigned s1 = slot_of(h1, shift), s2 = slot_of(h2, shift);
    if (s1 == s2) {
        Term child = node_two(p, k1, v1, h1, k2, v2, h2, shift + HAMT_BITS);
        Term *w = node_alloc(p, 2, 0, 1u << s1, &out);
        w[4] = child;
        return out;
    }
    Term *w = node_alloc(p, 2, (1u << s1) | (1u << s2), 0, &out);
    if (s1 < s2) { w[4] = k1; w[5] = v1; w[6] = k2; w[7] = v2; }
    else         { w[4] = k2; w[5] = v2; w[6] = k1; w[7] = v1; }
    return out;
}

static const Term *hamt_lookup(Term node, Term key) {
    uint64_t h = key_hash(key);
    for (unsigned shift = 0;; shift += HAMT_BITS) {
        const Term *P = boxed_ptr(node);
        if (shift >= HAMT_LAST_SHIFT) {
            for (size_t i = 0, n = node_count(P); i < n; i++)
                if (key_eq(P[4 + 2 * i], key)) return &P[5 + 2 * i];
            return NULL;
        }
        uint32_t dm = node_dmap(P), nm = node_nmap(P), bit = 1u << slot_of(h, shift);
        if (dm & bit) {
            unsigned i = popc(dm & (bit - 1));
            return key_eq(P[4 + 2 * i], key) ? &P[5 + 2 * i] : NULL;
        }
        if (!(nm & bit)) return NULL;
        node = P[4 + 2 * popc(dm) + popc(nm & (bit - 1))];
    }
}

/* node with key => val. *added is set when the key was new. Returns node
 * itself when the value is already there. */
static Term hamt_put(Process *p, Term node, Term key, Term val, uint64_t h, unsigned shift,
                     bool *added) {
    const Term *P = boxed_ptr(node);
    size_t count = node_count(P);
    Term out;
    if (shift >= HAMT_LAST_SHIFT) {
        for (size_t i = 0; i < count; i++) {
            if (key_eq(P[4 + 2 * i], key)) {
                if (P[5 + 2 * i] == val) return node;
                Term *w = node_copy(p, P, &out);
                w[5 + 2 * i] = val;
                return out;
            }
        }
        Term *w = coll_alloc(p, count + 1, &out);
        memcpy(w + 4, P + 4, 2 * count * sizeof(Term));
        w[4 + 2 * count] = key;
        w[5 + 2 * count] = val;
        *added = true;
        return out;
    }
    uint32_t dm = node_dmap(P), nm = node_nmap(P), bit = 1u << slot_of(h, shift);
    size_t nd = popc(dm), nc = popc(nm);
    if (dm & bit) {
        unsigned i = popc(dm & (bit - 1));
        Term k = P[4 + 2 * i], v = P[5 + 2 * i];
        if (key_eq(k, key)) {
            if (v == val) return node;
            Term *w = node_copy(p, P, &out);
            w[5 + 2 * i] = val;
            return out;
        }
        /* two keys share the slot: they move down into a new child */
        Term child = node_two(p, k, v, key_hash(k), key, val, h, shift + HAMT_BITS);
        *added = true;
        Term *w = node_alloc(p, count + 1, dm & ~bit, nm | bit, &out);
        unsigned ci = popc(nm & (bit - 1));
        Term *d = w + 4;
        memcpy(d, P + 4, 2 * i * sizeof(Term));
        memcpy(d + 2 * i, P + 4 + 2 * (i + 1), 2 * (nd - i - 1) * sizeof(Term));
        Term *c = d + 2 * (nd - 1);
        const Term *oc = P + 4 + 2 * nd;
        memcpy(c, oc, ci * sizeof(Term));
        c[ci] = child;
        memcpy(c + ci + 1, oc + ci, (nc - ci) * sizeof(Term));
        return out;
    }
    if (nm & bit) {
        unsigned ci = popc(nm & (bit - 1));
        Term child = P[4 + 2 * nd + ci];
        Term nchild = hamt_put(p, child, key, val, h, shift + HAMT_BITS, added);
        if (nchild == child) return node;
        Term *w = node_copy(p, P, &out);
        w[4 + 2 * nd + ci] = nchild;
        if (*added) w[1] = make_small(count + 1);
        return out;
    }
    /* empty slot: insert the pair inline */
    *added = true;
    unsigned i = popc(dm & (bit - 1));
    Term *w = node_alloc(p, count + 1, dm | bit, nm, &out);
    memcpy(w + 4, P + 4, 2 * i * sizeof(Term));
    w[4 + 2 * i] = key;
    w[5 + 2 * i] = val;
    memcpy(w + 6 + 2 * i, P + 4 + 2 * i, (2 * (nd - i) + nc) * sizeof(Term));
    return out;
}

/* node without key. Returns node itself when the key is absent. A result
 * holding one key is a node with that single pair inline (the caller, a
 * parent node, inlines it in turn). */
static Term hamt_remove(Process *p, Term node, Term key, uint64_t h, unsigned shift,
                        bool *removed) {
    const Term *P = boxed_ptr(node);
    size_t count = node_count(P);
    Term out;
    if (shift >= HAMT_LAST_SHIFT) {
        for (size_t i = 0; i < count; i++) {
            if (!key_eq(P[4 + 2 * i], key)) continue;
            *removed = true;
            Term *w = coll_alloc(p, count - 1, &out);
            memcpy(w + 4, P + 4, 2 * i * sizeof(Term));
            memcpy(w + 4 + 2 * i, P + 6 + 2 * i, 2 * (count - i - 1) * sizeof(Term));
            return out;
        }
        return node;
    }
    uint32_t dm = node_dmap(P), nm = node_nmap(P), bit = 1u << slot_of(h, shift);
    size_t nd = popc(dm), nc = popc(nm);
    if (dm & bit) {
        unsigned i = popc(dm & (bit - 1));
        if (!key_eq(P[4 + 2 * i], key)) return node;
        *removed = true;
        Term *w = node_alloc(p, count - 1, dm & ~bit, nm, &out);
        memcpy(w + 4, P + 4, 2 * i * sizeof(Term));
        memcpy(w + 4 + 2 * i, P + 6 + 2 * i, (2 * (nd - i - 1) + nc) * sizeof(Term));
        return out;
    }
    if (!(nm & bit)) return node;
    unsigned ci = popc(nm & (bit - 1));
    Term child = P[4 + 2 * nd + ci];
    Term nchild = hamt_remove(p, child, key, h, shift + HAMT_BITS, removed);
    if (nchild == child) return node;
    const Term *C = boxed_ptr(nchild);
    if (node_count(C) == 1) {
        /* the child shrank to one key: pull its pair up into this node */
        Term k = C[4], v = C[5];
        unsigned i = popc(dm & (bit - 1));
        Term *w = node_alloc(p, count - 1, dm | bit, nm & ~bit, &out);
        Term *d = w + 4;
        memcpy(d, P + 4, 2 * i * sizeof(Term));
        d[2 * i] = k;
        d[2 * i + 1] = v;
        memcpy(d + 2 * i + 2, P + 4 + 2 * i, 2 * (nd - i) * sizeof(Term));
        Term *c = d + 2 * (nd + 1);
        const Term *oc = P + 4 + 2 * nd;
        memcpy(c, oc, ci * sizeof(Term));
        memcpy(c + ci, oc + ci + 1, (nc - ci - 1) * sizeof(Term));
        return out;
    }
    Term *w = node_copy(p, P, &out);
    w[4 + 2 * nd + ci] = nchild;
    w[1] = make_small(count - 1);
    return out;
}

/* ---- bulk construction ------------------------------------------------- */

typedef struct Entry {
    uint64_t order; /* the hash with its 5-bit slot groups, root level first */
    uint64_t h;
    Term k, v;
    size_t idx;     /* position in the input: ties sort in input order */
} Entry;

/* A sort key under which the entries of every subtree are contiguous and in
 * slot order at every level: slot groups of levels 0..11 (5 bits each) from
 * the top bit down, then the 4 bits of level 12. */
static uint64_t trie_order(uint64_t h) {
    uint64_t o = 0;
    for (unsigned l = 0; l < 12; l++) o |= ((h >> (5 * l)) & 31) << (59 - 5 * l);
    return o | (h >> 60);
}

/* Sorts es[0..n) by order, ties in idx order. Small inputs use qsort; large
 * ones an LSD radix sort on order (stable, and es arrives in idx order). */
static int entry_cmp(const void *a, const void *b);
static void sort_entries(Entry *es, size_t n) {
    if (n <= 256) { qsort(es, n, sizeof *es, entry_cmp); return; }
    Entry *tmp = xmalloc(n * sizeof *tmp);
    Entry *src = es, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[(src[i].order >> shift) & 255]++;
        if (count[(src[0].order >> shift) & 255] == n) continue; /* one bucket */
        size_t pos = 0;
        for (unsigned b = 0; b < 256; b++) { size_t c = count[b]; count[b] = pos; pos += c; }
        for (size_t i = 0; i < n; i++) dst[count[(src[i].order >> shift) & 255]++] = src[i];
        Entry *t = src; src = dst; dst = t;
    }
    if (src != es) memcpy(es, src, n * sizeof *es);
    free(tmp);
}

static int entry_cmp(const void *a, const void *b) {
    const Entry *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The subtree of n >= 2 entries (distinct keys, sorted by order) at shift. */
static Term hamt_build(Process *p, const Entry *es, size_t n, unsigned shift) {
    Term out;
    if (shift >= HAMT_LAST_SHIFT) {
        Term *w = coll_alloc(p, n, &out);
        for (size_t i = 0; i < n; i++) { w[4 + 2 * i] = es[i].k; w[5 + 2 * i] = es[i].v; }
        return out;
    }
    uint32_t dm = 0, nm = 0;
    for (size_t i = 0; i < n;) {
        unsigned s = slot_of(es[i].h, shift);
        size_t j = i + 1;
        while (j < n && slot_of(es[j].h, shift) == s) j++;
        if (j - i == 1) dm |= 1u << s;
        else nm |= 1u << s;
        i = j;
    }
    Term children[32];
    size_t nc = 0;
    for (size_t i = 0; i < n;) {
        unsigned s = slot_of(es[i].h, shift);
        size_t j = i + 1;
        while (j < n && slot_of(es[j].h, shift) == s) j++;
        if (j - i > 1) children[nc++] = hamt_build(p, es + i, j - i, shift + HAMT_BITS);
        i = j;
    }
    Term *w = node_alloc(p, n, dm, nm, &out);
    Term *d = w + 4;
    for (size_t i = 0; i < n;) {
        unsigned s = slot_of(es[i].h, shift);
        size_t j = i + 1;
        while (j < n && slot_of(es[j].h, shift) == s) j++;
        if (j - i == 1) { *d++ = es[i].k; *d++ = es[i].v; }
        i = j;
    }
    memcpy(d, children, nc * sizeof(Term));
    return out;
}

/* A map of n distinct keys ks[i*stride] with values vs[i*stride]. */
static Term build_from_distinct(Process *p, size_t n, const Term *ks, const Term *vs, size_t stride) {
    Entry *es = xmalloc(n * sizeof *es);
    for (size_t i = 0; i < n; i++) {
        es[i].k = ks[i * stride];
        es[i].v = vs[i * stride];
        es[i].h = key_hash(es[i].k);
        es[i].order = trie_order(es[i].h);
        es[i].idx = i;
    }
    sort_entries(es, n);
    Term m = hamt_build(p, es, n, 0);
    free(es);
    return m;
}

/* ---- traversal --------------------------------------------------------- */

/* Appends the subtree's keys and values at keys[*i], vals[*i]. */
static void hamt_collect(Term node, unsigned shift, Term *keys, Term *vals, size_t *i) {
    const Term *P = boxed_ptr(node);
    if (shift >= HAMT_LAST_SHIFT) {
        for (size_t j = 0, n = node_count(P); j < n; j++) {
            keys[*i] = P[4 + 2 * j];
            vals[(*i)++] = P[5 + 2 * j];
        }
        return;
    }
    size_t nd = popc(node_dmap(P)), nc = popc(node_nmap(P));
    for (size_t j = 0; j < nd; j++) {
        keys[*i] = P[4 + 2 * j];
        vals[(*i)++] = P[5 + 2 * j];
    }
    for (size_t j = 0; j < nc; j++) hamt_collect(P[4 + 2 * nd + j], shift + HAMT_BITS, keys, vals, i);
}

/* ======================================================================
 * Public API
 * ====================================================================== */

size_t map_size(Term map) {
    return (size_t)small_val(boxed_ptr(map)[1]);
}

const Term *map_lookup_ref(Term map, Term key) {
    if (is_flat(map)) {
        long i = flat_find(map, key, NULL);
        return i < 0 ? NULL : &flat_vals(map)[i];
    }
    return hamt_lookup(map, key);
}

Term map_get(Term map, Term key) {
    const Term *v = map_lookup_ref(map, key);
    return v ? *v : T_NONE;
}

Term map_new(Process *p) {
    Term m;
    flat_alloc(p, 0, &m);
    return m;
}

/* A flat map of n (key, value) records in kv, sorted and distinct. */
static Term flat_from_sorted_pairs(Process *p, size_t n, const Term *kv) {
    Term m;
    Term *ks = flat_alloc(p, n, &m);
    for (size_t i = 0; i < n; i++) { ks[i] = kv[2 * i]; ks[n + i] = kv[2 * i + 1]; }
    return m;
}

Term map_put(Process *p, Term map, Term key, Term val) {
    if (!is_flat(map)) {
        bool added = false;
        return hamt_put(p, map, key, val, key_hash(key), 0, &added);
    }
    size_t n = flat_n(map), pos = 0;
    long i = flat_find(map, key, &pos);
    Term out;
    if (i >= 0) {
        if (flat_vals(map)[i] == val) return map;
        Term *ks = flat_alloc(p, n, &out);
        memcpy(ks, flat_keys(map), 2 * n * sizeof(Term));
        ks[n + i] = val;
        return out;
    }
    const Term *oks = flat_keys(map), *ovs = flat_vals(map);
    if (n < MAP_FLAT_MAX) {
        Term *ks = flat_alloc(p, n + 1, &out);
        Term *vs = ks + n + 1;
        memcpy(ks, oks, pos * sizeof(Term));
        memcpy(vs, ovs, pos * sizeof(Term));
        ks[pos] = key;
        vs[pos] = val;
        memcpy(ks + pos + 1, oks + pos, (n - pos) * sizeof(Term));
        memcpy(vs + pos + 1, ovs + pos, (n - pos) * sizeof(Term));
        return out;
    }
    /* promotion: the 33rd key turns the map into a trie */
    Term ks[MAP_FLAT_MAX + 1], vs[MAP_FLAT_MAX + 1];
    memcpy(ks, oks, n * sizeof(Term));
    memcpy(vs, ovs, n * sizeof(Term));
    ks[n] = key;
    vs[n] = val;
    return build_from_distinct(p, n + 1, ks, vs, 1);
}

Term map_remove(Process *p, Term map, Term key) {
    Term out;
    if (is_flat(map)) {
        long i = flat_find(map, key, NULL);
        if (i < 0) return map;
        size_t n = flat_n(map);
        const Term *oks = flat_keys(map), *ovs = flat_vals(map);
        Term *ks = flat_alloc(p, n - 1, &out);
        Term *vs = ks + n - 1;
        memcpy(ks, oks, (size_t)i * sizeof(Term));
        memcpy(ks + i, oks + i + 1, (n - i - 1) * sizeof(Term));
        memcpy(vs, ovs, (size_t)i * sizeof(Term));
        memcpy(vs + i, ovs + i + 1, (n - i - 1) * sizeof(Term));
        return out;
    }
    bool removed = false;
    out = hamt_remove(p, map, key, key_hash(key), 0, &removed);
    if (!removed || map_size(out) > MAP_FLAT_MAX) return out;
    /* demotion: back to a sorted flat map */
    Term kv[2 * MAP_FLAT_MAX];
    Term ks[MAP_FLAT_MAX], vs[MAP_FLAT_MAX];
    size_t n = 0;
    hamt_collect(out, 0, ks, vs, &n);
    for (size_t i = 0; i < n; i++) { kv[2 * i] = ks[i]; kv[2 * i + 1] = vs[i]; }
    term_sort_records(kv, n, 2, true);
    return flat_from_sorted_pairs(p, n, kv);
}

/* Runs of equal keys in recs (n sorted records): keep the first key
 * (stable sort) and the last value. Returns the distinct count. */
static size_t dedupe_sorted(Term *recs, size_t n) {
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && term_eqx(recs[2 * i], recs[2 * j])) j++;
        recs[2 * m] = recs[2 * i];
        recs[2 * m + 1] = recs[2 * (j - 1) + 1];
        m++;
        i = j;
    }
    return m;
}

/* Many pairs: sort by trie order (hash) instead of term order, so equal keys
 * meet inside runs of equal hashes, and build the trie directly. */
static Term from_many_pairs(Process *p, size_t n, const Term *kv) {
    Entry *es = xmalloc(n * sizeof *es);
    for (size_t i = 0; i < n; i++) {
        es[i].k = kv[2 * i];
        es[i].v = kv[2 * i + 1];
        es[i].h = key_hash(es[i].k);
        es[i].order = trie_order(es[i].h);
        es[i].idx = i;
    }
    sort_entries(es, n);
    /* within a run of equal hashes (input order), a repeated key updates
     * the value of its first occurrence */
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, run = m;
        for (; j < n && es[j].h == es[i].h; j++) {
            size_t k = run;
            while (k < m && !key_eq(es[k].k, es[j].k)) k++;
            if (k < m) es[k].v = es[j].v;
            else es[m++] = es[j];
        }
        i = j;
    }
    Term out;
    if (m > MAP_FLAT_MAX) {
        out = hamt_build(p, es, m, 0);
    } else {
        Term recs[2 * MAP_FLAT_MAX];
        for (size_t i = 0; i < m; i++) { recs[2 * i] = es[i].k; recs[2 * i + 1] = es[i].v; }
        term_sort_records(recs, m, 2, true);
        out = flat_from_sorted_pairs(p, m, recs);
    }
    free(es);
    return out;
}

Term map_from_pairs(Process *p, size_t n, const Term *kv) {
    if (n == 0) return map_new(p);
    if (n > MAP_FLAT_MAX) return from_many_pairs(p, n, kv);
    Term recs[2 * MAP_FLAT_MAX];
    memcpy(recs, kv, 2 * n * sizeof(Term));
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = term_compare_exact(recs[2 * (i - 1)], recs[2 * i]) < 0;
    size_t m = n;
    if (!sorted) {
        term_sort_records(recs, n, 2, true);
        m = dedupe_sorted(recs, n);
    }
    return flat_from_sorted_pairs(p, m, recs);
}

Term map_update(Process *p, Term map, size_t n, const Term *kv) {
    if (!is_map(map)) return native_raise(p, ATOM_error, make_tuple2(p, ATOM_badmap, map));
    for (size_t i = 0; i < n; i++) {
        if (!map_lookup_ref(map, kv[2 * i]))
            return native_raise(p, ATOM_error, make_tuple2(p, ATOM_badkey, kv[2 * i]));
    }
    if (is_flat(map)) {
        /* one fresh copy, then replace values in place */
        size_t sz = flat_n(map);
        Term out;
        Term *ks = flat_alloc(p, sz, &out);
        memcpy(ks, flat_keys(map), 2 * sz * sizeof(Term));
        for (size_t i = 0; i < n; i++) {
            long j = flat_find(map, kv[2 * i], NULL);
            ks[sz + j] = kv[2 * i + 1];
        }
        return out;
    }
    for (size_t i = 0; i < n; i++) map = map_put(p, map, kv[2 * i], kv[2 * i + 1]);
    return map;
}

Term map_merge(Process *p, Term a, Term b) {
    size_t na = map_size(a), nb = map_size(b);
    if (nb == 0) return a;
    if (na == 0) return b;
    if (is_flat(a) && is_flat(b)) {
        /* merge two sorted arrays; b wins on equal keys */
        Term kv[4 * MAP_FLAT_MAX];
        const Term *ka = flat_keys(a), *va = flat_vals(a), *kb = flat_keys(b), *vb = flat_vals(b);
        size_t i = 0, j = 0, m = 0;
        while (i < na || j < nb) {
            int c = i == na ? 1 : j == nb ? -1 : term_compare_exact(ka[i], kb[j]);
            if (c < 0) { kv[2 * m] = ka[i]; kv[2 * m + 1] = va[i]; i++; }
            else if (c > 0) { kv[2 * m] = kb[j]; kv[2 * m + 1] = vb[j]; j++; }
            else { kv[2 * m] = ka[i]; kv[2 * m + 1] = vb[j]; i++; j++; }
            m++;
        }
        return m <= MAP_FLAT_MAX ? flat_from_sorted_pairs(p, m, kv)
                                 : build_from_distinct(p, m, kv, kv + 1, 2);
    }
    MapIter it;
    Term k, v;
    if (nb <= na) {
        map_iter_init_unordered(&it, b);
        while (map_iter_next(&it, &k, &v)) a = map_put(p, a, k, v);
        map_iter_done(&it);
        return a;
    }
    /* a is smaller: add its keys missing from b */
    map_iter_init_unordered(&it, a);
    while (map_iter_next(&it, &k, &v))
        if (!map_lookup_ref(b, k)) b = map_put(p, b, k, v);
    map_iter_done(&it);
    return b;
}

/* which: 0 = {k, v} pairs, 1 = keys, 2 = values */
static Term map_list(Process *p, Term map, int which) {
    MapIter it;
    map_iter_init(&it, map);
    Term list = T_NIL;
    for (size_t i = it.n; i-- > 0;) {
        Term e = which == 1 ? it.keys[i] : which == 2 ? it.vals[i]
                            : make_tuple2(p, it.keys[i], it.vals[i]);
        list = make_cons_cell(p, e, list);
    }
    map_iter_done(&it);
    return list;
}

Term map_to_list(Process *p, Term map) { return map_list(p, map, 0); }
Term map_keys(Process *p, Term map) { return map_list(p, map, 1); }
Term map_values(Process *p, Term map) { return map_list(p, map, 2); }

Term map_from_list(Process *p, Term list) {
    size_t n = 0;
    Term l = list;
    for (; is_cons(l); l = CDR(l)) {
        Term e = CAR(l);
        if (!is_tuple(e) || tuple_arity(e) != 2) return T_NONE;
        n++;
    }
    if (l != T_NIL) return T_NONE;
    Term *kv = xmalloc(2 * n * sizeof(Term));
    size_t i = 0;
    for (l = list; is_cons(l); l = CDR(l)) {
        kv[i++] = tuple_elems(CAR(l))[0];
        kv[i++] = tuple_elems(CAR(l))[1];
    }
    Term m = map_from_pairs(p, n, kv);
    free(kv);
    return m;
}

/* ---- iteration -------------------------------------------------------- */

static void iter_init(MapIter *it, Term map, bool sorted) {
    it->i = 0;
    it->n = map_size(map);
    it->buf = NULL;
    if (is_flat(map)) {
        it->keys = flat_keys(map);
        it->vals = flat_vals(map);
        return;
    }
    size_t n = it->n;
    Term *buf = xmalloc(2 * n * sizeof(Term));
    size_t cnt = 0;
    hamt_collect(map, 0, buf, buf + n, &cnt);
    if (sorted) {
        Term *kv = xmalloc(2 * n * sizeof(Term));
        for (size_t i = 0; i < n; i++) { kv[2 * i] = buf[i]; kv[2 * i + 1] = buf[n + i]; }
        term_sort_records(kv, n, 2, true);
        for (size_t i = 0; i < n; i++) { buf[i] = kv[2 * i]; buf[n + i] = kv[2 * i + 1]; }
        free(kv);
    }
    it->buf = buf;
    it->keys = buf;
    it->vals = buf + n;
}

void map_iter_init(MapIter *it, Term map) { iter_init(it, map, true); }
void map_iter_init_unordered(MapIter *it, Term map) { iter_init(it, map, false); }

bool map_iter_next(MapIter *it, Term *key, Term *val) {
    if (it->i >= it->n) return false;
    *key = it->keys[it->i];
    *val = it->vals[it->i];
    it->i++;
    return true;
}

void map_iter_done(MapIter *it) {
    free(it->buf);
    it->buf = NULL;
}
