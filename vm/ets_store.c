/* ets_store.c — ETS storage: objects copied off the process heap, the hash
 * table behind set/bag/duplicate_bag and the skip list behind ordered_set.
 * Invariants are stated in ets.h; nothing here locks (vm/ets.c does). */
#include "ets.h"
#include "termops.h"
#include "gc.h"
#include "heap.h"
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Objects
 * ====================================================================== */

EtsObj *ets_obj_new(Term tuple, uint64_t hash) {
    size_t words = gc_copy_size(tuple);
    EtsObj *o = malloc(sizeof *o + words * sizeof(Term));
    if (!o) return NULL;
    o->next = NULL;
    o->hash = hash;
    o->off_heap = NULL;
    o->words = words;
    o->term = gc_copy_to_block(tuple, o->data, words, &o->off_heap);
    return o;
}

void ets_obj_free(EtsObj *o) {
    if (!o) return;
    for (Term *b = o->off_heap; b; b = (Term *)b[3]) binary_decref((Binary *)b[2]);
    free(o);
}

/* ======================================================================
 * Hash table
 * ====================================================================== */

bool ets_hash_init(EtsHash *h, size_t nbuckets) {
    h->buckets = calloc(nbuckets, sizeof *h->buckets);
    h->nbuckets = h->buckets ? nbuckets : 0;
    return h->buckets != NULL;
}

void ets_hash_clear(EtsHash *h) {
    for (size_t i = 0; i < h->nbuckets; i++) {
        for (EtsObj *o = h->buckets[i], *n; o; o = n) {
            n = o->next;
            ets_obj_free(o);
        }
    }
    free(h->buckets);
    h->buckets = NULL;
    h->nbuckets = 0;
}

static inline EtsObj **bucket_of(const EtsHash *h, uint64_t hash) {
    return &h->buckets[hash & (h->nbuckets - 1)];
}

/* ===, with the common case inline: two different immediates (small
 * integers, atoms, pids) are never equal. */
static inline bool key_eq(Term a, Term b) {
    if (a == b) return true;
    if (!is_boxed(a) && !is_cons(a)) return false;
    return term_eqx(a, b);
}

static inline bool same_key(const EtsObj *o, Term key, uint64_t hash, unsigned keypos) {
    return o->hash == hash && key_eq(ets_obj_key(o, keypos), key);
}

EtsObj **ets_hash_find(EtsHash *h, Term key, uint64_t hash, unsigned keypos) {
    for (EtsObj **l = bucket_of(h, hash); *l; l = &(*l)->next)
        if (same_key(*l, key, hash, keypos)) return l;
    return NULL;
}

long ets_hash_insert(EtsHash *h, EtsObj *o, int type, unsigned keypos) {
    Term key = ets_obj_key(o, keypos);
    EtsObj **l = ets_hash_find(h, key, o->hash, keypos);
    if (!l) {
        EtsObj **b = bucket_of(h, o->hash);
        o->next = *b;
        *b = o;
        return 1;
    }
    if (type == ETS_SET) {
        EtsObj *old = *l;
        o->next = old->next;
        *l = o;
        ets_obj_free(old);
        return 0;
    }
    /* Bags: walk the run of equal keys; append after its last object. */
    for (;;) {
        if (type == ETS_BAG && term_eqx((*l)->term, o->term)) {
            ets_obj_free(o);
            return 0;
        }
        EtsObj *nx = (*l)->next;
        if (!nx || !same_key(nx, key, o->hash, keypos)) break;
        l = &(*l)->next;
    }
    o->next = (*l)->next;
    (*l)->next = o;
    return 1;
}

long ets_hash_delete_key(EtsHash *h, Term key, uint64_t hash, unsigned keypos) {
    EtsObj **l = ets_hash_find(h, key, hash, keypos);
    long n = 0;
    while (l && *l && same_key(*l, key, hash, keypos)) {
        EtsObj *o = *l;
        *l = o->next;
        ets_obj_free(o);
        n++;
    }
    return n;
}

long ets_hash_delete_object(EtsHash *h, Term obj, uint64_t hash, unsigned keypos) {
    Term key = tuple_elems(obj)[keypos - 1];
    EtsObj **l = ets_hash_find(h, key, hash, keypos);
    long n = 0;
    while (l && *l && same_key(*l, key, hash, keypos)) {
        if (term_eqx((*l)->term, obj)) {
            EtsObj *o = *l;
            *l = o->next;
            ets_obj_free(o);
            n++;
        } else {
            l = &(*l)->next;
        }
    }
    return n;
}

bool ets_hash_resize(EtsHash *h, size_t nbuckets) {
    EtsObj **nb = calloc(nbuckets, sizeof *nb);
    if (!nb) return false;
    /* Runs of equal keys move as a whole, in order: the tail of each new
     * chain is tracked so order within a key is kept. */
    EtsObj **tails = calloc(nbuckets, sizeof *tails);
    if (!tails) {
        free(nb);
        return false;
    }
    for (size_t i = 0; i < h->nbuckets; i++) {
        for (EtsObj *o = h->buckets[i], *n; o; o = n) {
            n = o->next;
            size_t j = o->hash & (nbuckets - 1);
            o->next = NULL;
            if (tails[j]) tails[j]->next = o;
            else nb[j] = o;
            tails[j] = o;
        }
    }
    free(tails);
    free(h->buckets);
    h->buckets = nb;
    h->nbuckets = nbuckets;
    return true;
}

EtsObj *ets_hash_first_from(const EtsHash *h, size_t *b) {
    for (; *b < h->nbuckets; (*b)++)
        if (h->buckets[*b]) return h->buckets[*b];
    return NULL;
}

/* ======================================================================
 * Skip list
 * ====================================================================== */

static EtsSkipNode *skip_node_new(int level) {
    EtsSkipNode *n = calloc(1, sizeof *n + (size_t)level * sizeof(EtsSkipNode *));
    if (n) n->level = level;
    return n;
}

bool ets_skip_init(EtsSkip *s) {
    s->head = skip_node_new(ETS_SKIP_MAX);
    s->level = 1;
    s->rng = 0x9E3779B97F4A7C15ull;
    s->count = 0;
    return s->head != NULL;
}

void ets_skip_empty(EtsSkip *s) {
    if (!s->head) return;
    for (EtsSkipNode *n = s->head->next[0], *nx; n; n = nx) {
        nx = n->next[0];
        ets_obj_free(n->obj);
        free(n);
    }
    memset(s->head->next, 0, ETS_SKIP_MAX * sizeof(EtsSkipNode *));
    s->level = 1;
    s->count = 0;
}

void ets_skip_clear(EtsSkip *s) {
    ets_skip_empty(s);
    free(s->head);
    s->head = NULL;
}

static inline int cmp_key(const EtsSkipNode *n, Term key, unsigned keypos) {
    return term_compare(ets_obj_key(n->obj, keypos), key);
}

/* Fill update[i] with the last node at level i whose key is < key. */
static EtsSkipNode *skip_search(const EtsSkip *s, Term key, unsigned keypos, EtsSkipNode **update) {
    EtsSkipNode *x = s->head;
    for (int i = s->level - 1; i >= 0; i--) {
        while (x->next[i] && cmp_key(x->next[i], key, keypos) < 0) x = x->next[i];
        if (update) update[i] = x;
    }
    return x;
}

EtsSkipNode *ets_skip_find(const EtsSkip *s, Term key, unsigned keypos) {
    EtsSkipNode *n = skip_search(s, key, keypos, NULL)->next[0];
    return n && cmp_key(n, key, keypos) == 0 ? n : NULL;
}

EtsSkipNode *ets_skip_after(const EtsSkip *s, Term key, unsigned keypos) {
    if (key == T_NONE) return s->head->next[0];
    EtsSkipNode *n = skip_search(s, key, keypos, NULL)->next[0];
    if (n && cmp_key(n, key, keypos) == 0) n = n->next[0];
    return n;
}

EtsSkipNode *ets_skip_before(const EtsSkip *s, Term key, unsigned keypos) {
    EtsSkipNode *x = s->head;
    for (int i = s->level - 1; i >= 0; i--) {
        while (x->next[i] && (key == T_NONE || cmp_key(x->next[i], key, keypos) < 0)) x = x->next[i];
    }
    return x == s->head ? NULL : x;
}

static int random_level(EtsSkip *s) {
    uint64_t x = s->rng;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    s->rng = x;
    int lvl = 1;
    /* p = 1/4 per level. */
    while (lvl < ETS_SKIP_MAX && (x & 3) == 0) lvl++, x >>= 2;
    return lvl;
}

int ets_skip_insert(EtsSkip *s, EtsObj *o, unsigned keypos) {
    EtsSkipNode *update[ETS_SKIP_MAX];
    Term key = ets_obj_key(o, keypos);
    EtsSkipNode *x = skip_search(s, key, keypos, update)->next[0];
    if (x && cmp_key(x, key, keypos) == 0) {
        ets_obj_free(x->obj);
        x->obj = o;
        return 0;
    }
    int lvl = random_level(s);
    EtsSkipNode *n = skip_node_new(lvl);
    if (!n) return -1;
    for (int i = s->level; i < lvl; i++) update[i] = s->head;
    if (lvl > s->level) s->level = lvl;
    n->obj = o;
    for (int i = 0; i < lvl; i++) {
        n->next[i] = update[i]->next[i];
        update[i]->next[i] = n;
    }
    n->prev = update[0] == s->head ? NULL : update[0];
    if (n->next[0]) n->next[0]->prev = n;
    s->count++;
    return 1;
}

bool ets_skip_delete(EtsSkip *s, Term key, unsigned keypos) {
    EtsSkipNode *update[ETS_SKIP_MAX];
    EtsSkipNode *x = skip_search(s, key, keypos, update)->next[0];
    if (!x || cmp_key(x, key, keypos) != 0) return false;
    for (int i = 0; i < x->level; i++) update[i]->next[i] = x->next[i];
    if (x->next[0]) x->next[0]->prev = x->prev;
    while (s->level > 1 && !s->head->next[s->level - 1]) s->level--;
    ets_obj_free(x->obj);
    free(x);
    s->count--;
    return true;
}
