/* ets_table.c — ETS tables as shared objects: the registry that finds a
 * table from its tid, the per-table stripe locks, the operations on a
 * table's contents that need those locks, and ownership (give_away's and
 * heirs' claim, deletion or inheritance when the owner exits). The natives
 * are in ets.c; the interface is ets_table.h.
 *
 * ---- The registry ---------------------------------------------------------
 * Invariants:
 *  - Table structs are type-stable: once allocated, an EtsTable is never
 *    freed while the VM runs. A deleted table goes on a free list and may be
 *    reused for a new table. So a pointer read from the registry without a
 *    lock is always safe to lock; whoever locks it then checks that it is
 *    still the table it wanted (its `id`, or its name) and otherwise treats
 *    the table as gone. This is what makes lookups lock-free without a
 *    grace-period scheme.
 *  - Every table ever allocated sits in `pool` at a fixed index (chunks of
 *    POOL_CHUNK entries, never moved). A table's id is ETS_ID_TAG | serial
 *    << POOL_BITS | index, where serial counts the reuses of that struct, so
 *    a stale id never names the struct's next table. Ids are references'
 *    ids (the table reference prints as #Reference<...>); the tag bit keeps
 *    them apart from make_ref's counter, which starts at 1.
 *  - Named tables: name_slots[atom index] points at the table with that
 *    name, or NULL. A slot is written under reg_lock only.
 *  - reg_lock (a mutex) serialises pool growth, the free list and name
 *    slots. Lock order: a table's stripe locks, then reg_lock.
 *
 * ---- Table locks ------------------------------------------------------------
 *  - A table has ETS_STRIPES reader-writer locks. A table created with
 *    write_concurrency (set, bag, duplicate_bag) is `striped`: the stripe of
 *    a key (hash % ETS_STRIPES) guards every bucket that key can live in
 *    (ets.h), plus that stripe's object count. Other tables use stripe 0
 *    alone as their one reader-writer lock.
 *  - Whole-table operations take every stripe in use, in index order.
 *  - The fields that describe a table (id, owner, type, name, ...) change
 *    only with every one of the ETS_STRIPES locks held for writing (create,
 *    delete, rename, give_away); so holding any one stripe makes them
 *    stable. id, owner and striped are also read before locking (to pick a
 *    stripe, or by the exit scan), hence atomic; such a read is only a hint
 *    that is checked again under the lock.
 *
 * ---- Ownership --------------------------------------------------------------
 *  - A table's owner changes only with all its stripes held for writing,
 *    and to a process only under that process's lock while its `exiting`
 *    flag is clear (ets_claim). exit_process sets the flag under the same
 *    lock before it calls ets_process_exit, so the exit scan sees every
 *    table the process came to own: none is left ownerless.
 */
#include "ets_table.h"
#include "termops.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include "native.h"
#include "runtime.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Tables and the registry
 * ====================================================================== */

/* ---- the stripe lock --------------------------------------------------------
 * A reader-writer spinlock in one word (the BEAM's ETS locks also spin
 * first): bits 0..29 count readers, RW_PENDING says a writer waits (new
 * readers hold back, so writers are not starved), RW_WRITER says a writer
 * holds it. Critical sections are short and never span a yield. After a
 * few spins a waiter calls sched_yield, so a preempted holder gets the CPU.
 * (Not pthread_rwlock_t: whole-table operations hold 64 of them at once,
 * beyond what ThreadSanitizer's deadlock detector can track.) */
#define RW_WRITER 0x80000000u
#define RW_PENDING 0x40000000u

static inline void rw_pause(unsigned *spins) {
    if (++*spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        sched_yield();
    }
}

static void rw_rdlock(_Atomic uint32_t *l) {
    unsigned spins = 0;
    for (;;) {
        /* relaxed: a snapshot for the CAS, which does the ordering. */
        uint32_t v = atomic_load_explicit(l, memory_order_relaxed);
        /* acquire: pairs with the release in rw_wrunlock (and orders the
         * read section after the lock). */
        if (!(v & (RW_WRITER | RW_PENDING)) &&
            atomic_compare_exchange_weak_explicit(l, &v, v + 1, memory_order_acquire, memory_order_relaxed))
            return;
        rw_pause(&spins);
    }
}

static void rw_wrlock(_Atomic uint32_t *l) {
    unsigned spins = 0;
    for (;;) {
        /* relaxed: a snapshot for the CAS, which does the ordering. */
        uint32_t v = atomic_load_explicit(l, memory_order_relaxed);
        /* acquire: pairs with the release in rw_rdunlock and rw_wrunlock. */
        if (!(v & ~RW_PENDING) &&
            atomic_compare_exchange_weak_explicit(l, &v, RW_WRITER, memory_order_acquire, memory_order_relaxed))
            return;
        /* relaxed: only holds new readers back; orders no data. */
        if (!(v & RW_PENDING)) atomic_fetch_or_explicit(l, RW_PENDING, memory_order_relaxed);
        rw_pause(&spins);
    }
}

/* release: the read section before the count drops (pairs with wrlock's
 * acquire). */
static inline void rw_rdunlock(_Atomic uint32_t *l) { atomic_fetch_sub_explicit(l, 1, memory_order_release); }
/* release: the write section before the lock is seen free (pairs with the
 * acquires above); RW_PENDING set meanwhile by another writer is kept. */
static inline void rw_wrunlock(_Atomic uint32_t *l) { atomic_fetch_and_explicit(l, ~RW_WRITER, memory_order_release); }

#define POOL_BITS 20
#define POOL_CHUNK 1024
#define POOL_CHUNKS ((1u << POOL_BITS) / POOL_CHUNK)
#define ETS_ID_TAG ((uint64_t)1 << 60)
#define NAME_CHUNK 4096
#define NAME_CHUNKS (ATOM_LIMIT / NAME_CHUNK)

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
/* Chunks are written once (under reg_lock) before pool_len covers them. */
static EtsTable **pool_chunks[POOL_CHUNKS];
/* release (create): publishes pool entries below it; acquire (readers). */
static _Atomic size_t pool_len;
static EtsTable *free_list;          /* reg_lock */
/* Tables alive; relaxed: a hint that lets a process exit skip the scan. A
 * process only owns tables it created or was given, both of which happen
 * before its own exit, so a stale 0 is never seen by an owner. */
static _Atomic long live_tables;

typedef EtsTable *_Atomic NameSlot;
/* acquire load of a chunk pairs with the release store that installed it. */
static NameSlot *_Atomic name_chunks[NAME_CHUNKS];

static EtsTable *pool_get(size_t i) {
    /* acquire: pairs with the release increment of pool_len in ets_table_alloc. */
    if (i >= atomic_load_explicit(&pool_len, memory_order_acquire)) return NULL;
    return pool_chunks[i / POOL_CHUNK][i % POOL_CHUNK];
}

static NameSlot *name_slot(Term name, bool create) {
    uint32_t ix = atom_index(name);
    if (ix >= ATOM_LIMIT) return NULL;
    /* acquire: pairs with the release store below. */
    NameSlot *c = atomic_load_explicit(&name_chunks[ix / NAME_CHUNK], memory_order_acquire);
    if (!c && create) {                  /* caller holds reg_lock */
        c = calloc(NAME_CHUNK, sizeof *c);
        if (!c) return NULL;
        atomic_store_explicit(&name_chunks[ix / NAME_CHUNK], c, memory_order_release);
    }
    return c ? &c[ix % NAME_CHUNK] : NULL;
}

/* A free table struct (fresh or reused), or NULL (out of memory or the pool
 * is full). Its locks are initialised; its id is still 0. */
EtsTable *ets_table_alloc(void) {
    pthread_mutex_lock(&reg_lock);
    EtsTable *t = free_list;
    if (t) {
        free_list = t->free_next;
        pthread_mutex_unlock(&reg_lock);
        return t;
    }
    /* relaxed: pool_len is only written under reg_lock, which we hold. */
    size_t n = atomic_load_explicit(&pool_len, memory_order_relaxed);
    if (n >= (size_t)POOL_CHUNKS * POOL_CHUNK) goto fail;
    if (!pool_chunks[n / POOL_CHUNK] && !(pool_chunks[n / POOL_CHUNK] = calloc(POOL_CHUNK, sizeof(EtsTable *))))
        goto fail;
    if (posix_memalign((void **)&t, 64, sizeof *t)) goto fail;
    memset(t, 0, sizeof *t);
    t->index = (uint32_t)n;
    pool_chunks[n / POOL_CHUNK][n % POOL_CHUNK] = t;
    /* release: the entry (and the struct) before the new length. */
    atomic_store_explicit(&pool_len, n + 1, memory_order_release);
    pthread_mutex_unlock(&reg_lock);
    return t;
fail:
    pthread_mutex_unlock(&reg_lock);
    return NULL;
}

void ets_table_release(EtsTable *t) {
    pthread_mutex_lock(&reg_lock);
    t->free_next = free_list;
    free_list = t;
    pthread_mutex_unlock(&reg_lock);
}

uint64_t ets_table_open(EtsTable *t, Term owner, bool striped) {
    t->serial++;
    uint64_t id = ETS_ID_TAG | ((uint64_t)(t->serial & 0xFFFFFFFFu) << POOL_BITS) | t->index;
    set_tab_striped(t, striped);
    set_tab_owner(t, owner);
    set_tab_id(t, id);
    /* relaxed: see live_tables. */
    atomic_fetch_add_explicit(&live_tables, 1, memory_order_relaxed);
    return id;
}

bool ets_name_publish(EtsTable *t) {
    pthread_mutex_lock(&reg_lock);
    NameSlot *s = name_slot(t->name, true);
    /* relaxed: slots are only written under reg_lock, which we hold. */
    bool ok = s && !atomic_load_explicit(s, memory_order_relaxed);
    /* release: the table's fields before its pointer (readers re-check them
     * under its lock regardless). */
    if (ok) atomic_store_explicit(s, t, memory_order_release);
    pthread_mutex_unlock(&reg_lock);
    return ok;
}

bool ets_name_move(EtsTable *t, Term name) {
    pthread_mutex_lock(&reg_lock);
    NameSlot *ns = name_slot(name, true);
    /* relaxed: slots are only written under reg_lock, which we hold. */
    bool ok = ns && !atomic_load_explicit(ns, memory_order_relaxed);
    if (ok) {
        NameSlot *os = name_slot(t->name, false);
        /* release (both): see ets_name_publish. */
        atomic_store_explicit(os, NULL, memory_order_release);
        atomic_store_explicit(ns, t, memory_order_release);
    }
    pthread_mutex_unlock(&reg_lock);
    return ok;
}

size_t ets_table_count(void) {
    /* acquire: pairs with ets_table_alloc's release (slots below are set). */
    return atomic_load_explicit(&pool_len, memory_order_acquire);
}

EtsTable *ets_table_at(size_t i) { return pool_get(i); }


/* ======================================================================
 * Locking a table for an operation
 * ====================================================================== */

static EtsTable *resolve(Term tid, uint64_t *want) {
    if (is_atom(tid)) {
        NameSlot *s = name_slot(tid, false);
        *want = 0;
        /* acquire: pairs with the release store in ets_name_publish; the table
         * is checked again under its lock anyway. */
        return s ? atomic_load_explicit(s, memory_order_acquire) : NULL;
    }
    if (!is_ref(tid)) return NULL;
    uint64_t id = (uint64_t)boxed_ptr(tid)[1];
    if (!(id & ETS_ID_TAG)) return NULL;
    *want = id;
    return pool_get(id & ((1u << POOL_BITS) - 1));
}

/* Why tid names no table (OTP's wording). */
static const char *bad_tid_message(Term tid) {
    if (!is_atom(tid) && !is_ref(tid)) return "not an atom or a table identifier";
    if (is_ref(tid) && !((uint64_t)boxed_ptr(tid)[1] & ETS_ID_TAG)) return "not a valid table identifier";
    return E_NOTAB;
}

void ets_unlock(Held *h) {
    for (int i = h->hi - 1; i >= h->lo; i--) {
        if (h->write) rw_wrunlock(&h->t->stripes[i].lock);
        else rw_rdunlock(&h->t->stripes[i].lock);
    }
    h->hi = h->lo;
}

void ets_lock_range(EtsTable *t, int lo, int hi, bool write) {
    for (int i = lo; i < hi; i++) {
        if (write) rw_wrlock(&t->stripes[i].lock);
        else rw_rdlock(&t->stripes[i].lock);
    }
}

/* Is t (locked) the table tid named? */
static bool still_it(EtsTable *t, Term tid, uint64_t want) {
    uint64_t id = tab_id(t);
    if (!id) return false;
    return want ? id == want : (t->named && t->name == tid);
}

/* Lock tid's table for an operation: mode LK_READ or LK_WRITE, scope one
 * key (whose hash is khash) or the whole table. Checks existence and access
 * (writes: public, or the owner; reads: not private, or the owner). On
 * failure raises badarg at argument 1 and returns NULL. */
EtsTable *ets_tab_lock(Process *p, Term tid, int mode, int scope, uint64_t khash, Held *h) {
    uint64_t want;
    EtsTable *t = resolve(tid, &want);
    if (!t) return native_badarg_at(p, 1, bad_tid_message(tid)), NULL;
    for (;;) {
        /* relaxed: a hint, checked again under the lock (see the banner). */
        bool striped = tab_striped(t);
        int lo = 0, hi = 1;
        if (striped && scope == SCOPE_ALL) hi = ETS_STRIPES;
        else if (striped) lo = (int)(khash % ETS_STRIPES), hi = lo + 1;
        ets_lock_range(t, lo, hi, mode == LK_WRITE);
        *h = (Held){ t, lo, hi, mode == LK_WRITE };
        if (tab_striped(t) == striped) break;
        ets_unlock(h);
    }
    if (!still_it(t, tid, want)) {
        ets_unlock(h);
        return native_badarg_at(p, 1, E_NOTAB), NULL;
    }
    Term owner = tab_owner(t);
    bool ok = owner == p->pid || t->access == ACCESS_PUBLIC || (mode == LK_READ && t->access == ACCESS_PROTECTED);
    if (!ok) {
        ets_unlock(h);
        return native_badarg_at(p, 1, E_ACCESS), NULL;
    }
    return t;
}

/* Every stripe of t for writing, if t still has id `want` (after a key
 * operation released its stripe). */
bool ets_lock_all_write(EtsTable *t, uint64_t want, Held *h) {
    ets_lock_range(t, 0, ETS_STRIPES, true);
    *h = (Held){ t, 0, ETS_STRIPES, true };
    if (tab_id(t) == want) return true;
    ets_unlock(h);
    return false;
}

EtsTable *ets_lock_for_info(Term tid, Held *h) {
    uint64_t want;
    EtsTable *t = resolve(tid, &want);
    if (!t) return NULL;
    ets_lock_range(t, 0, ETS_STRIPES, false);
    *h = (Held){ t, 0, ETS_STRIPES, false };
    if (still_it(t, tid, want)) return t;
    ets_unlock(h);
    return NULL;
}

Term ets_tid_term(Process *p, EtsTable *t) {
    return t->named ? t->name : make_ref_id(p, tab_id(t));
}

/* ======================================================================
 * Table-level helpers (caller holds the locks they need)
 * ====================================================================== */

/* Objects in t; needs every stripe in use. */
long ets_tab_size(EtsTable *t) {
    if (!is_hash(t)) return (long)t->skip.count;
    long n = 0;
    for (int i = 0; i < ETS_STRIPES; i++) n += t->stripes[i].count;
    return n;
}

/* Store o (already copied); needs o's stripe for writing. -1: no memory. */
int ets_store(EtsTable *t, EtsObj *o) {
    if (!is_hash(t)) {
        int r = ets_skip_insert(&t->skip, o, t->keypos);
        return r < 0 ? -1 : 0;
    }
    EtsStripe *st = stripe_of(t, o->hash);    /* before: a bag may free o */
    st->count += ets_hash_insert(&t->hash, o, t->type, t->keypos);
    return 0;
}

/* Grow the hash table when the average chain passes 2 (load checked with
 * the stripe held by the caller; the resize itself takes every stripe). */
bool ets_wants_growth(EtsTable *t, uint64_t hash) {
    if (!is_hash(t)) return false;
    size_t per = tab_striped(t) ? t->hash.nbuckets / ETS_STRIPES : t->hash.nbuckets;
    return (size_t)stripe_of(t, hash)->count > 2 * per;
}

void ets_reserve(EtsTable *t, size_t extra) {
    if (!is_hash(t)) return;
    size_t need = (size_t)ets_tab_size(t) + extra, n = t->hash.nbuckets;
    while (need > 2 * n && n < ((size_t)1 << 40)) n *= 2;
    /* Out of memory: the table keeps its buckets (longer chains). */
    if (n != t->hash.nbuckets) ets_hash_resize(&t->hash, n);
}

void ets_grow(EtsTable *t, uint64_t want) {
    Held h;
    if (!ets_lock_all_write(t, want, &h)) return;
    ets_reserve(t, 0);
    ets_unlock(&h);
}

/* Delete every object; needs the whole table for writing. */
void ets_clear_objects(EtsTable *t) {
    if (!is_hash(t)) {
        ets_skip_empty(&t->skip);
        return;
    }
    for (size_t i = 0; i < t->hash.nbuckets; i++) {
        for (EtsObj *o = t->hash.buckets[i], *n; o; o = n) {
            n = o->next;
            ets_obj_free(o);
        }
        t->hash.buckets[i] = NULL;
    }
    for (int i = 0; i < ETS_STRIPES; i++) t->stripes[i].count = 0;
}

/* EtsVisit every object in table order (ordered_set: key order; hash tables:
 * bucket order), or with key != T_NONE only the objects with that key. fn
 * returns false to stop. */
typedef bool (*EtsVisit)(EtsObj *o, void *ctx);
void ets_for_each(EtsTable *t, Term key, EtsVisit fn, void *ctx) {
    if (key != T_NONE && !is_hash(t)) {
        EtsSkipNode *n = ets_skip_find(&t->skip, key, t->keypos);
        if (n) fn(n->obj, ctx);
        return;
    }
    if (key != T_NONE) {
        uint64_t hash = term_hash(key);
        EtsObj **l = ets_hash_find(&t->hash, key, hash, t->keypos);
        for (EtsObj *o = l ? *l : NULL; o && o->hash == hash && term_eqx(ets_obj_key(o, t->keypos), key); o = o->next)
            if (!fn(o, ctx)) return;
        return;
    }
    if (!is_hash(t)) {
        for (EtsSkipNode *n = t->skip.head->next[0]; n; n = n->next[0])
            if (!fn(n->obj, ctx)) return;
        return;
    }
    for (size_t b = 0; b < t->hash.nbuckets; b++)
        for (EtsObj *o = t->hash.buckets[b]; o; o = o->next)
            if (!fn(o, ctx)) return;
}

/* Remove the objects for which pred holds; returns how many. Needs the
 * whole table for writing. */
typedef bool (*EtsPred)(EtsObj *o, void *ctx);
long ets_remove_if(EtsTable *t, Term key, EtsPred pred, void *ctx) {
    long n = 0;
    if (key != T_NONE && !is_hash(t)) {
        EtsSkipNode *x = ets_skip_find(&t->skip, key, t->keypos);
        return x && pred(x->obj, ctx) ? ets_skip_delete(&t->skip, key, t->keypos) : 0;
    }
    if (key != T_NONE) {
        uint64_t hash = term_hash(key);
        EtsObj **l = ets_hash_find(&t->hash, key, hash, t->keypos);
        while (l && *l && (*l)->hash == hash && term_eqx(ets_obj_key(*l, t->keypos), key)) {
            EtsObj *o = *l;
            if (!pred(o, ctx)) {
                l = &o->next;
                continue;
            }
            *l = o->next;
            stripe_of(t, hash)->count--;
            ets_obj_free(o);
            n++;
        }
        return n;
    }
    if (!is_hash(t)) {
        for (EtsSkipNode *x = t->skip.head->next[0], *nx; x; x = nx) {
            nx = x->next[0];
            if (pred(x->obj, ctx)) n += ets_skip_delete(&t->skip, ets_obj_key(x->obj, t->keypos), t->keypos);
        }
        return n;
    }
    for (size_t b = 0; b < t->hash.nbuckets; b++) {
        for (EtsObj **l = &t->hash.buckets[b]; *l;) {
            EtsObj *o = *l;
            if (!pred(o, ctx)) {
                l = &o->next;
                continue;
            }
            *l = o->next;
            stripe_of(t, o->hash)->count--;
            ets_obj_free(o);
            n++;
        }
    }
    return n;
}

/* Free a table's contents and return the struct to the free list. Needs
 * every stripe for writing, which it releases. */
void ets_destroy_locked(EtsTable *t, Held *h) {
    set_tab_id(t, 0);
    set_tab_owner(t, 0);
    if (t->named) {
        pthread_mutex_lock(&reg_lock);
        NameSlot *s = name_slot(t->name, false);
        /* relaxed load: slots are only written under reg_lock, held here.
         * release store: orders nothing the reader needs (it re-checks
         * under the table lock); kept symmetric with ets_name_publish. */
        if (s && atomic_load_explicit(s, memory_order_relaxed) == t) atomic_store_explicit(s, NULL, memory_order_release);
        pthread_mutex_unlock(&reg_lock);
    }
    ets_obj_free(t->heir_data);
    t->heir_data = NULL, t->heir = 0;
    if (is_hash(t)) {
        ets_clear_objects(t);
        free(t->hash.buckets);
        t->hash.buckets = NULL;
        t->hash.nbuckets = 0;
    } else {
        ets_skip_clear(&t->skip);
    }
    ets_unlock(h);
    /* relaxed: a hint (see live_tables). */
    atomic_fetch_sub_explicit(&live_tables, 1, memory_order_relaxed);
    ets_table_release(t);
}

/* ======================================================================
 * Ownership
 * ====================================================================== */

/* Invariant: exit_process sets
 * `exiting` under the process lock before its tables are scanned
 * (ets_process_exit), and the owner is changed here under that same lock;
 * so either that scan sees the new owner, or this sees `exiting` and the
 * table stays with its current owner (never ownerless). */
bool ets_claim(EtsTable *t, Term to) {
    Process *q = runtime_active() ? runtime_lookup(to) : NULL;
    if (!q) return false;
    process_lock(q);
    bool ok = !q->exiting;
    if (ok) set_tab_owner(t, to);
    process_unlock(q);
    return ok;
}

/* ======================================================================
 * Owner exit
 * ====================================================================== */

/* The owner p of t (locked for writing) exits: a living heir other than p
 * takes t over and is sent {'ETS-TRANSFER', tab, p, gift}; it stays the
 * heir too (as in OTP), so its own death deletes t. Returns false (t still locked) when there is no such heir. */
static bool inherit(Process *p, EtsTable *t, Held *h) {
    Term heir = t->heir;
    if (!heir || heir == p->pid || !ets_claim(t, heir)) return false;
    Term tid = ets_tid_term(p, t);
    Term gift = gc_copy_term(p, t->heir_data->term);
    ets_unlock(h);
    Term tag = ATOM_ets_transfer;
    runtime_send(p, heir, make_tuple(p, 4, (Term[]){ tag, tid, p->pid, gift }));
    return true;
}

void ets_process_exit(Process *p) {
    /* relaxed: see live_tables. */
    if (atomic_load_explicit(&live_tables, memory_order_relaxed) == 0) return;
    size_t n = ets_table_count();
    for (size_t i = 0; i < n; i++) {
        EtsTable *t = pool_get(i);
        /* relaxed: a hint, checked again with the table locked. */
        if (tab_owner(t) != p->pid) continue;
        uint64_t id = tab_id(t);
        Held h;
        if (!id || !ets_lock_all_write(t, id, &h)) continue;
        if (tab_owner(t) != p->pid) ets_unlock(&h);
        else if (!inherit(p, t, &h)) ets_destroy_locked(t, &h);
    }
}
