/* registry.c — registered names (registry.h): an open-addressing hash table
 * from name atom to pid with linear probing and tombstones, under a mutex. */
#include "registry.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct Entry {
    Term name;      /* 0: empty, T_NONE: tombstone */
    Term pid;
    Process *proc;
} Entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Entry *tab;          /* capacity cap, a power of two */
static size_t cap, used;    /* used counts live entries and tombstones */
static size_t live;         /* live entries */

static size_t hash(Term name) { return (size_t)(name >> 6) * 0x9E3779B97F4A7C15ull; }

/* The slot holding name, or NULL. */
static Entry *find(Term name) {
    if (!cap) return NULL;
    for (size_t i = hash(name) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (tab[i].name == 0) return NULL;
        if (tab[i].name == name) return &tab[i];
    }
}

/* Rehash when live entries and tombstones fill 3/4, to the smallest power
 * of two (>= 16) that the live entries fill at most a quarter of: a churn
 * of distinct names leaves tombstones, and this purges them instead of
 * doubling the table, and shrinks it after a burst of names. */
static void grow(void) {
    size_t ncap = 16;
    while (ncap < (live + 1) * 4) ncap *= 2;
    Entry *old = tab;
    size_t ocap = cap;
    tab = calloc(ncap, sizeof(Entry));
    if (!tab) heap_out_of_memory("registry", ncap * sizeof(Entry));
    cap = ncap;
    used = 0;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].name == 0 || old[i].name == T_NONE) continue;
        size_t j = hash(old[i].name) & (cap - 1);
        while (tab[j].name) j = (j + 1) & (cap - 1);
        tab[j] = old[i];
        used++;
    }
    free(old);
}

RegStatus registry_register(Term name, Process *q, Term pid) {
    pthread_mutex_lock(&lock);
    RegStatus st = REG_OK;
    process_lock(q);
    bool exiting = q->exiting;
    process_unlock(q);
    if (exiting) st = REG_DEAD;
    else if (find(name)) st = REG_NAME_TAKEN;
    else if (q->reg_name != ATOM_nil) st = REG_HAS_NAME;
    else {
        if ((used + 1) * 4 > cap * 3) grow();
        size_t i = hash(name) & (cap - 1);
        while (tab[i].name && tab[i].name != T_NONE) i = (i + 1) & (cap - 1);
        if (tab[i].name == 0) used++;
        live++;
        tab[i] = (Entry){ name, pid, q };
        q->reg_name = name;
    }
    pthread_mutex_unlock(&lock);
    return st;
}

bool registry_unregister(Term name) {
    pthread_mutex_lock(&lock);
    Entry *e = find(name);
    if (e) {
        e->proc->reg_name = ATOM_nil;
        e->name = T_NONE;
        e->proc = NULL;
        live--;
    }
    pthread_mutex_unlock(&lock);
    return e != NULL;
}

Term registry_whereis(Term name) {
    pthread_mutex_lock(&lock);
    Entry *e = find(name);
    Term pid = e ? e->pid : T_NONE;
    pthread_mutex_unlock(&lock);
    return pid;
}

Term registry_name_of(Process *q) {
    pthread_mutex_lock(&lock);
    Term n = q->reg_name;
    pthread_mutex_unlock(&lock);
    return n;
}

void registry_drop(Process *q) {
    pthread_mutex_lock(&lock);
    if (q->reg_name != ATOM_nil) {
        Entry *e = find(q->reg_name);
        if (e && e->proc == q) {
            e->name = T_NONE;
            e->proc = NULL;
            live--;
        }
        q->reg_name = ATOM_nil;
    }
    pthread_mutex_unlock(&lock);
}

Term registry_names(Process *p) {
    Term l = T_NIL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < cap; i++)
        if (tab[i].name && tab[i].name != T_NONE) l = make_cons_cell(p, tab[i].name, l);
    pthread_mutex_unlock(&lock);
    return l;
}

void registry_free(void) {
    pthread_mutex_lock(&lock);
    free(tab);
    tab = NULL;
    cap = used = live = 0;
    pthread_mutex_unlock(&lock);
}
