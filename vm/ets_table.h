/* ets_table.h — internal to the ETS files: the table struct, the registry
 * of tables, the per-table stripe locks, the operations on a table's
 * contents, and ownership (claim, owner exit). Implemented in
 * vm/ets_table.c; used by vm/ets.c (the natives). The invariants of the
 * registry and of the locks are stated at the top of vm/ets_table.c.
 */
#ifndef ACT_ETS_TABLE_H
#define ACT_ETS_TABLE_H
#include "ets.h"
#include <stdatomic.h>

/* ---- the table --------------------------------------------------------- */

enum { ACCESS_PUBLIC, ACCESS_PROTECTED, ACCESS_PRIVATE };

typedef struct EtsStripe {
    _Atomic uint32_t lock;  /* a reader-writer spinlock (ets_table.c) */
    long count;             /* objects in this stripe's buckets (hash tables) */
} __attribute__((aligned(64))) EtsStripe;

typedef struct EtsTable {
    EtsStripe stripes[ETS_STRIPES];
    _Atomic uint64_t id;    /* 0 while the struct is free */
    _Atomic Term owner;     /* owner pid; 0 while free */
    _Atomic bool striped;
    Term name;              /* atom (a name is kept for unnamed tables too) */
    bool named, read_conc, compressed, decentralized;
    Term write_conc;        /* what info reports: true, false or auto */
    int type, access;
    unsigned keypos;
    Term heir;              /* pid, or 0: none */
    EtsObj *heir_data;      /* a copy of the heir's gift (any term), or NULL */
    EtsHash hash;           /* set, bag, duplicate_bag */
    EtsSkip skip;           /* ordered_set */
    uint32_t index, serial;
    struct EtsTable *free_next;
} EtsTable;

/* The three fields read without the table's lock. relaxed, all of them:
 * they are written only with all 64 stripes held for writing, so a reader
 * holding any stripe sees them settled (the stripe lock's acquire pairs
 * with the writer's release); an unlocked read (to pick a stripe, or in the
 * exit scan) is a hint that is checked again under a stripe. */
static inline uint64_t tab_id(EtsTable *t) { return atomic_load_explicit(&t->id, memory_order_relaxed); }
static inline Term tab_owner(EtsTable *t) { return atomic_load_explicit(&t->owner, memory_order_relaxed); }
static inline bool tab_striped(EtsTable *t) { return atomic_load_explicit(&t->striped, memory_order_relaxed); }
static inline void set_tab_id(EtsTable *t, uint64_t v) { atomic_store_explicit(&t->id, v, memory_order_relaxed); }
static inline void set_tab_owner(EtsTable *t, Term v) { atomic_store_explicit(&t->owner, v, memory_order_relaxed); }
static inline void set_tab_striped(EtsTable *t, bool v) { atomic_store_explicit(&t->striped, v, memory_order_relaxed); }

static inline bool is_hash(const EtsTable *t) { return t->type != ETS_ORDERED_SET; }
/* The stripe guarding the buckets of a key with this hash. */
static inline EtsStripe *stripe_of(EtsTable *t, uint64_t hash) {
    return &t->stripes[tab_striped(t) ? hash % ETS_STRIPES : 0];
}

/* ---- the registry -----------------------------------------------------
 * ets_table_alloc: a free struct (fresh or reused) with its id still 0, or
 * NULL (out of memory, or 2^20 tables). ets_table_open gives it (locked
 * for writing, contents initialised) its id, owner and striping and counts
 * it alive; ets_destroy_locked undoes all that and frees it. */
EtsTable *ets_table_alloc(void);
void ets_table_release(EtsTable *t);
uint64_t ets_table_open(EtsTable *t, Term owner, bool striped);
/* Name slots (reg_lock inside): publish t under t->name (false: taken);
 * move a named t's name to `name` (false: taken). */
bool ets_name_publish(EtsTable *t);
bool ets_name_move(EtsTable *t, Term name);
/* Every struct ever allocated, by index (for all/0), live or free. */
size_t ets_table_count(void);
EtsTable *ets_table_at(size_t i);
/* The tid of t (locked): its name if named, else its reference. */
Term ets_tid_term(Process *p, EtsTable *t);

/* ---- locking a table for an operation ----------------------------------- */

#define E_NOTAB "the table identifier does not refer to an existing ETS table"
#define E_TYPE "the table identifier refers to an ETS table of a type not supported by this operation"
#define E_ACCESS "the table identifier refers to an ETS table with insufficient access rights"

enum { LK_READ, LK_WRITE };             /* what the operation does */
enum { SCOPE_KEY, SCOPE_ALL };          /* one key's stripe, or the table */

typedef struct Held {
    EtsTable *t;
    int lo, hi;             /* stripes [lo, hi) are locked */
    bool write;             /* for writing (else for reading) */
} Held;

void ets_lock_range(EtsTable *t, int lo, int hi, bool write);
void ets_unlock(Held *h);
/* Lock tid's table for an operation: mode LK_READ or LK_WRITE, scope one
 * key (whose hash is khash) or the whole table. Checks existence and access
 * (writes: public, or the owner; reads: not private, or the owner). On
 * failure raises badarg at argument 1 and returns NULL. */
EtsTable *ets_tab_lock(Process *p, Term tid, int mode, int scope, uint64_t khash, Held *h);
/* Every stripe of t for writing, if t still has id `want`. */
bool ets_lock_all_write(EtsTable *t, uint64_t want, Held *h);
/* Every stripe of tid's table for reading, without an access check (info,
 * whereis); NULL when there is no such table. */
EtsTable *ets_lock_for_info(Term tid, Held *h);

/* ---- contents (the caller holds the locks named) ----------------------- */

/* Objects in t; every stripe in use. */
long ets_tab_size(EtsTable *t);
/* Store o (already copied); o's stripe for writing. -1: no memory. */
int ets_store(EtsTable *t, EtsObj *o);
/* Should the hash table grow after an insert with this hash (its stripe
 * held)? ets_grow then takes every stripe itself (none held). */
bool ets_wants_growth(EtsTable *t, uint64_t hash);
void ets_grow(EtsTable *t, uint64_t want);
/* The whole table for writing: size a hash table's buckets for `extra` more
 * objects (at most 2 per bucket on average), so a big list insert does
 * not walk ever longer chains, nor leave them long. */
void ets_reserve(EtsTable *t, size_t extra);
/* Delete every object; the whole table for writing. */
void ets_clear_objects(EtsTable *t);
/* Visit every object in table order (ordered_set: key order; hash tables:
 * bucket order), or with key != T_NONE only the objects with that key;
 * fn returns false to stop. The whole table (or key's stripe). */
typedef bool (*EtsVisit)(EtsObj *o, void *ctx);
void ets_for_each(EtsTable *t, Term key, EtsVisit fn, void *ctx);
/* Remove the objects for which pred holds; returns how many. The whole
 * table for writing. */
typedef bool (*EtsPred)(EtsObj *o, void *ctx);
long ets_remove_if(EtsTable *t, Term key, EtsPred pred, void *ctx);
/* Free t's contents and return the struct to the registry. Every stripe
 * for writing, which it releases. */
void ets_destroy_locked(EtsTable *t, Held *h);

/* ---- ownership ----------------------------------------------------------
 * Make `to` the owner of t (every stripe held for writing) if it is a
 * process that has not begun to exit (false otherwise, owner unchanged). */
bool ets_claim(EtsTable *t, Term to);

#endif
