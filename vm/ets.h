/* ets.h — native ETS tables (Erlang's `:ets`): stored objects, the two
 * storage structures, match specifications, and the hook that deletes a
 * process's tables when it exits.
 *
 * Layering (one file each):
 *  - vm/ets_store.c  objects copied off the process heap, the hash table
 *                    (set, bag, duplicate_bag) and the skip list
 *                    (ordered_set). No locking: callers hold the table's
 *                    locks (below).
 *  - vm/ets_match.c  match specifications: validation, matching, guards and
 *                    bodies.
 *  - vm/ets.c        the table registry, per-table locks, and the natives.
 *
 * Memory invariant (the one the GC relies on): nothing in a table points
 * into a process heap, and no process heap keeps a pointer into a table once
 * a native returns. Objects are copied into the table by ets_obj_new (like a
 * message into its fragment, gc_copy_to_block) and copied out with
 * gc_copy_term; refc binaries are shared by reference count. Tables are never
 * GC roots.
 */
#ifndef ACT_ETS_H
#define ACT_ETS_H
#include "term.h"
#include "process.h"

/* ---- stored objects (ets_store.c) ----------------------------------------
 * One malloc'd block per object: the header below, then the copied tuple.
 * `term` points at data[]; `off_heap` chains the REFCBINs inside it (through
 * their word [3], as on a heap) so that freeing drops their references. */
typedef struct EtsObj {
    struct EtsObj *next;    /* hash chain (hash tables only) */
    uint64_t hash;          /* term_hash of the key (hash tables only) */
    Term *off_heap;
    Term term;              /* the tuple, inside data[] */
    size_t words;
    Term data[];
} EtsObj;

/* A copy of `tuple` off the process heap, or NULL when malloc fails. */
EtsObj *ets_obj_new(Term tuple, uint64_t hash);
void ets_obj_free(EtsObj *o);
static inline Term ets_obj_key(const EtsObj *o, unsigned keypos) {
    return tuple_elems(o->term)[keypos - 1];
}

/* ---- the hash table (set, bag, duplicate_bag) ---------------------------
 * Invariants:
 *  - nbuckets is a power of two, >= ETS_STRIPES, so the stripe of a key
 *    (hash % ETS_STRIPES) owns every bucket the key can be in, at any size:
 *    bucket i belongs to stripe i % ETS_STRIPES.
 *  - Objects with equal keys (===) are adjacent in one chain, in insertion
 *    order. A set holds at most one per key; a bag no two exactly equal
 *    (===) objects; a duplicate_bag anything.
 *  - Every object's `hash` is term_hash of its key. */
#define ETS_STRIPES 64
enum { ETS_SET, ETS_ORDERED_SET, ETS_BAG, ETS_DUPLICATE_BAG };

typedef struct EtsHash {
    EtsObj **buckets;
    size_t nbuckets;
} EtsHash;

bool ets_hash_init(EtsHash *h, size_t nbuckets);
/* Free every object and the bucket array. */
void ets_hash_clear(EtsHash *h);
/* The link that points at the first object with key, or NULL. */
EtsObj **ets_hash_find(EtsHash *h, Term key, uint64_t hash, unsigned keypos);
/* Insert o (set: replacing an object with the same key; bag: dropping o when
 * an equal object exists). Returns the change in the object count. */
long ets_hash_insert(EtsHash *h, EtsObj *o, int type, unsigned keypos);
/* Remove every object with key; returns how many. */
long ets_hash_delete_key(EtsHash *h, Term key, uint64_t hash, unsigned keypos);
/* Remove every object exactly equal to obj; returns how many. */
long ets_hash_delete_object(EtsHash *h, Term obj, uint64_t hash, unsigned keypos);
/* Rehash into nbuckets buckets (false: out of memory, table unchanged). */
bool ets_hash_resize(EtsHash *h, size_t nbuckets);
/* Iteration in bucket order: the first object at or after bucket *b. */
EtsObj *ets_hash_first_from(const EtsHash *h, size_t *b);

/* ---- the skip list (ordered_set) ----------------------------------------
 * Invariants: level-0 links visit every node in strictly increasing key
 * order (term_compare: 1 and 1.0 are one key, as in OTP's ordered_set);
 * the list at level i is a sublist of the one at level i - 1; `prev` is the
 * level-0 predecessor (NULL for the first node); head is a sentinel with
 * ETS_SKIP_MAX links and no object. */
#define ETS_SKIP_MAX 24
typedef struct EtsSkipNode {
    EtsObj *obj;
    struct EtsSkipNode *prev;
    int level;
    struct EtsSkipNode *next[];
} EtsSkipNode;

typedef struct EtsSkip {
    EtsSkipNode *head;
    int level;              /* levels in use, >= 1 */
    uint64_t rng;           /* xorshift state for node levels */
    size_t count;
} EtsSkip;

bool ets_skip_init(EtsSkip *s);
/* Free every node and object: ets_skip_empty keeps the (empty) list,
 * ets_skip_clear frees its head too. */
void ets_skip_empty(EtsSkip *s);
void ets_skip_clear(EtsSkip *s);
/* The node with key (term_compare == 0), or NULL. */
EtsSkipNode *ets_skip_find(const EtsSkip *s, Term key, unsigned keypos);
/* The first node with key > `key` (strict) or NULL; with key = T_NONE, the
 * first node. */
EtsSkipNode *ets_skip_after(const EtsSkip *s, Term key, unsigned keypos);
/* The last node with key < `key`; with key = T_NONE, the last node. */
EtsSkipNode *ets_skip_before(const EtsSkip *s, Term key, unsigned keypos);
/* Insert o, replacing (and freeing) an object with an equal key. Returns
 * 1 (new key), 0 (replaced) or -1 (out of memory; o not consumed). */
int ets_skip_insert(EtsSkip *s, EtsObj *o, unsigned keypos);
/* Remove the node with key (its object freed); false if absent. */
bool ets_skip_delete(EtsSkip *s, Term key, unsigned keypos);

/* ---- match specifications (ets_match.c) ---------------------------------
 * A spec is used in place, as the term the caller passed (it stays on the
 * caller's heap, which cannot move while a native runs). ets_ms_check
 * validates it first: a proper list of {head, guards, body} with guards a
 * list, body a non-empty list, and only known guard functions. */
typedef struct EtsMs {
    Term spec;
    size_t nclauses;
    unsigned nvars;         /* highest $N + 1 over the whole spec */
} EtsMs;

bool ets_ms_check(Term spec, EtsMs *ms);
/* Run ms on the stored object `obj`. Returns 1 and sets *result (a term on
 * p's heap, sharing nothing with the table) when a clause matched and its
 * guards held, 0 when none did. A body that fails gives the atom 'EXIT',
 * as in OTP. */
int ets_ms_run(Process *p, const EtsMs *ms, Term obj, Term *result);

/* The key that every clause's head fixes (a term without variables at
 * keypos of a tuple head), or T_NONE: such a spec only needs the objects
 * with that key. */
Term ets_ms_bound_key(const EtsMs *ms, unsigned keypos);

/* ---- the runtime hook (ets.c) -------------------------------------------- */
/* p is exiting: delete the tables it owns. Cheap when no table exists. */
void ets_process_exit(Process *p);

#endif
