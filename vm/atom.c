/* atom.c — the global atom table (contract: atom.h).
 *
 * Data structures and their invariants:
 *
 *  - Entries. Atom i's name lives in entry i of a two-level table:
 *    chunks[i / CHUNK][i % CHUNK]. A chunk is allocated (zeroed) by the writer
 *    before the first atom in it is published, and never freed or moved, so a
 *    reader holding a published index can read its entry without a lock.
 *    An entry is written once, before the atom is published, and never again.
 *
 *  - Publication. `count` is the number of published atoms. The writer fills
 *    entry i (and, if new, chunks[i / CHUNK]) and then stores count = i + 1
 *    with release order; readers load count with acquire order, so entry i is
 *    visible to every reader that sees i < count.
 *
 *  - Hash index. `index` points at an open-addressed table (linear probing) of
 *    `cap` slots, cap a power of two, load factor <= 1/2. A slot holds 0
 *    (empty) or atom index + 1. A slot goes from 0 to a value once and never
 *    changes again. The writer stores the entry and count before storing the
 *    slot (release), and readers load slots with acquire, so a reader that
 *    finds a slot can read that atom's entry.
 *    When the table would exceed half full, the writer builds a bigger table
 *    completely, then publishes its pointer with release order (readers load
 *    it with acquire). The old table is never written again and is kept on a
 *    retired list rather than freed, because a reader may still be probing
 *    it: readers take no lock and we have no epoch scheme. The retired tables
 *    sum to less than the live table's size (capacities double), so this
 *    bounds the waste at one table's worth.
 *
 *  - Writers (atom_intern of a new name) hold `lock`. All writer-side state
 *    (`limit`, `retired`, the contents of entries not yet published) is only
 *    touched under it.
 */
#include "atom.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)
#define NCHUNKS ((ATOM_LIMIT + CHUNK - 1) / CHUNK)

typedef struct Entry {
    const char *name; /* NUL-terminated copy, owned by the table */
    uint32_t len;     /* bytes, not counting the NUL */
    uint32_t hash;
} Entry;

typedef struct Index {
    uint32_t cap; /* power of two */
    struct Index *retired_next;
    _Atomic uint32_t slots[];
} Index;

static Entry *_Atomic chunks[NCHUNKS];
static _Atomic uint32_t count;
static Index *_Atomic index_;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t limit = ATOM_LIMIT; /* under lock */
static Index *retired;              /* under lock */
static atomic_flag inited = ATOMIC_FLAG_INIT;

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n, size);
    if (!p) {
        fprintf(stderr, "act: out of memory (atom table)\n");
        abort();
    }
    return p;
}

/* FNV-1a, 32-bit. */
static uint32_t hash_name(const char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Entry of a published atom. Relaxed load of the chunk pointer is enough:
 * the caller already synchronised with the release store of `count` (or of
 * the index slot) that followed the chunk's publication. */
static const Entry *entry_at(uint32_t i) {
    Entry *c = atomic_load_explicit(&chunks[i >> CHUNK_BITS], memory_order_relaxed);
    return &c[i & (CHUNK - 1)];
}

/* Lock-free probe. Returns the atom index or UINT32_MAX. */
static uint32_t probe(const Index *ix, const char *name, size_t len, uint32_t h) {
    uint32_t mask = ix->cap - 1;
    for (uint32_t s = h & mask;; s = (s + 1) & mask) {
        /* acquire: pairs with the writer's release store of this slot, which
         * follows the writes of the entry it names. */
        uint32_t v = atomic_load_explicit(&ix->slots[s], memory_order_acquire);
        if (v == 0) return UINT32_MAX;
        const Entry *e = entry_at(v - 1);
        if (e->hash == h && e->len == len && memcmp(e->name, name, len) == 0) return v - 1;
    }
}

/* Writer only (under lock): insert atom i into ix, which has room. */
static void index_put(Index *ix, uint32_t i, uint32_t h) {
    uint32_t mask = ix->cap - 1;
    uint32_t s = h & mask;
    while (atomic_load_explicit(&ix->slots[s], memory_order_relaxed) != 0) s = (s + 1) & mask;
    /* release: publishes entry i to readers probing this slot. */
    atomic_store_explicit(&ix->slots[s], i + 1, memory_order_release);
}

static Index *index_new(uint32_t cap) {
    Index *ix = xcalloc(1, sizeof(Index) + (size_t)cap * sizeof(_Atomic uint32_t));
    ix->cap = cap;
    return ix;
}

/* Writer only: make room for one more atom, growing the index if needed. */
static Index *index_reserve(uint32_t n_after) {
    Index *ix = atomic_load_explicit(&index_, memory_order_relaxed);
    if ((uint64_t)n_after * 2 <= ix->cap) return ix;
    Index *bigger = index_new(ix->cap * 2);
    uint32_t n = atomic_load_explicit(&count, memory_order_relaxed);
    for (uint32_t i = 0; i < n; i++) index_put(bigger, i, entry_at(i)->hash);
    /* release: readers that load the new pointer (acquire) see its slots. */
    atomic_store_explicit(&index_, bigger, memory_order_release);
    ix->retired_next = retired;
    retired = ix;
    return bigger;
}

/* Characters (UTF-8 code points; bytes of invalid UTF-8 count one each). */
static size_t char_count(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += ((uint8_t)s[i] & 0xC0) != 0x80;
    return n;
}

void atom_init(void) {
    if (atomic_flag_test_and_set(&inited)) return;
    atomic_store_explicit(&index_, index_new(1024), memory_order_release);
    static const struct { const char *text; uint32_t ix; } predefined[] = {
#define ATOM(id, text) {text, ATOMIX_##id},
#include "atoms.def"
#undef ATOM
    };
    for (size_t i = 0; i < sizeof predefined / sizeof predefined[0]; i++) {
        Term a = atom_intern_cstr(predefined[i].text);
        if (a == T_NONE || atom_index(a) != predefined[i].ix) {
            fprintf(stderr, "act: atoms.def: duplicate or bad atom \"%s\"\n", predefined[i].text);
            abort();
        }
    }
}

Term atom_lookup(const char *name, size_t len) {
    /* acquire: pairs with the release store in index_reserve/atom_init. */
    Index *ix = atomic_load_explicit(&index_, memory_order_acquire);
    if (!ix) return T_NONE;
    uint32_t i = probe(ix, name, len, hash_name(name, len));
    return i == UINT32_MAX ? T_NONE : make_atom(i);
}

/* Intern `name`, creating it only while the table holds fewer than `cap`
 * atoms. */
static Term intern(const char *name, size_t len, uint32_t reserve) {
    if (!atomic_load_explicit(&index_, memory_order_acquire)) atom_init();
    Term a = atom_lookup(name, len);
    if (a != T_NONE) return a;
    if (char_count(name, len) > ATOM_MAX_LEN) return T_NONE;

    uint32_t h = hash_name(name, len);
    pthread_mutex_lock(&lock);
    Index *ix = atomic_load_explicit(&index_, memory_order_relaxed);
    uint32_t found = probe(ix, name, len, h); /* another writer may have won */
    if (found != UINT32_MAX) {
        pthread_mutex_unlock(&lock);
        return make_atom(found);
    }
    uint32_t i = atomic_load_explicit(&count, memory_order_relaxed);
    if (i + reserve >= limit) {
        pthread_mutex_unlock(&lock);
        return T_NONE;
    }
    Entry *c = atomic_load_explicit(&chunks[i >> CHUNK_BITS], memory_order_relaxed);
    if (!c) {
        c = xcalloc(CHUNK, sizeof(Entry));
        /* relaxed: published to readers by the release stores below. */
        atomic_store_explicit(&chunks[i >> CHUNK_BITS], c, memory_order_relaxed);
    }
    char *copy = xcalloc(len + 1, 1);
    memcpy(copy, name, len);
    Entry *e = &c[i & (CHUNK - 1)];
    e->name = copy;
    e->len = (uint32_t)len;
    e->hash = h;
    /* release: publishes entry i to readers of atom_name/atom_count. */
    atomic_store_explicit(&count, i + 1, memory_order_release);
    ix = index_reserve(i + 1);
    index_put(ix, i, h);
    pthread_mutex_unlock(&lock);
    return make_atom(i);
}

Term atom_intern(const char *name, size_t len) { return intern(name, len, 0); }

Term atom_intern_user(const char *name, size_t len) { return intern(name, len, ATOM_RESERVE); }

Term atom_intern_cstr(const char *name) { return atom_intern(name, strlen(name)); }

const char *atom_name(Term atom, size_t *len) {
    uint32_t i = atom_index(atom);
    /* acquire: pairs with the release store of count in atom_intern. */
    if (!is_atom(atom) || i >= atomic_load_explicit(&count, memory_order_acquire)) {
        if (len) *len = 0;
        return NULL;
    }
    const Entry *e = entry_at(i);
    if (len) *len = e->len;
    return e->name;
}

uint32_t atom_count(void) {
    /* acquire: every atom below the result is readable. */
    return atomic_load_explicit(&count, memory_order_acquire);
}

void atom_set_limit_for_test(uint32_t n) {
    pthread_mutex_lock(&lock);
    limit = n > ATOM_LIMIT ? ATOM_LIMIT : n;
    pthread_mutex_unlock(&lock);
}
