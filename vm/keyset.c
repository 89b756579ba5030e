/* keyset.c — the small hash table of keyset.h (linear probing, tombstones,
 * rehash to a size the keys fill at most 3/8 of). */
#include "keyset.h"
#include "gc.h"
#include <stdlib.h>

static uint32_t slot_of(uint64_t key, uint32_t cap) {
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static void rehash(KeySet *s, uint32_t ncap) {
    KeyEntry *old = s->e;
    uint32_t ocap = s->cap;
    s->e = calloc(ncap, sizeof(KeyEntry));
    if (!s->e) heap_out_of_memory("links and monitors", (size_t)ncap * sizeof(KeyEntry));
    s->cap = ncap;
    s->used = s->n;
    for (uint32_t i = 0; i < ocap; i++) {
        uint64_t k = old[i].key;
        if (k == KEYSET_EMPTY || k == KEYSET_TOMB) continue;
        uint32_t j = slot_of(k, ncap);
        while (s->e[j].key != KEYSET_EMPTY) j = (j + 1) & (ncap - 1);
        s->e[j] = old[i];
    }
    free(old);
}

KeyEntry *keyset_find(const KeySet *s, uint64_t key) {
    if (!s->cap || key == KEYSET_EMPTY || key == KEYSET_TOMB) return NULL;
    for (uint32_t j = slot_of(key, s->cap);; j = (j + 1) & (s->cap - 1)) {
        if (s->e[j].key == key) return &s->e[j];
        if (s->e[j].key == KEYSET_EMPTY) return NULL;
    }
}

bool keyset_add(KeySet *s, uint64_t key, Term a, Term b) {
    if (key == KEYSET_EMPTY || key == KEYSET_TOMB || keyset_find(s, key)) return false;
    if ((uint64_t)(s->used + 1) * 4 > (uint64_t)s->cap * 3) {
        uint32_t ncap = 4;
        while ((uint64_t)ncap * 3 < (uint64_t)(s->n + 1) * 8) ncap *= 2;
        rehash(s, ncap);
    }
    uint32_t j = slot_of(key, s->cap);
    while (s->e[j].key != KEYSET_EMPTY && s->e[j].key != KEYSET_TOMB) j = (j + 1) & (s->cap - 1);
    if (s->e[j].key == KEYSET_EMPTY) s->used++;
    s->e[j] = (KeyEntry){ key, a, b };
    s->n++;
    return true;
}

bool keyset_remove(KeySet *s, uint64_t key, KeyEntry *out) {
    KeyEntry *e = keyset_find(s, key);
    if (!e) return false;
    if (out) *out = *e;
    e->key = KEYSET_TOMB;
    s->n--;
    if (s->n == 0) {
        /* Empty again: forget the tombstones (and the memory). */
        keyset_free(s);
    }
    return true;
}

KeyEntry *keyset_next(const KeySet *s, uint32_t *i) {
    for (; *i < s->cap; (*i)++) {
        uint64_t k = s->e[*i].key;
        if (k != KEYSET_EMPTY && k != KEYSET_TOMB) return &s->e[(*i)++];
    }
    return NULL;
}

void keyset_free(KeySet *s) {
    free(s->e);
    s->e = NULL;
    s->n = s->used = s->cap = 0;
}
