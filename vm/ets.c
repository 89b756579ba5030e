/* ets.c — the `:ets` natives: every operation of Erlang/OTP 25's ets
 * module that Act supports, with OTP's error messages.
 *
 * Tables as shared objects (registry, stripe locks, contents under those
 * locks, ownership) are in ets_table.c (interface ets_table.h); storage in
 * ets_store.c and match specifications in ets_match.c (interface ets.h).
 *
 * Invariants of every native here:
 *  - A table is touched only between ets_tab_lock (or another ets_lock_*)
 *    and ets_unlock, and nothing that can block (a send, a raise, guest
 *    code) happens in between: errors unlock first, then raise.
 *  - Terms go in by copy (ets_obj_new, off the caller's heap, before the
 *    write lock when possible) and come out by copy (gc_copy_term, onto
 *    the caller's heap, which never moves while a native runs: heap.h).
 */
#include "ets_table.h"
#include "termops.h"
#include "native.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include "arith.h"
#include "runtime.h"
#include "bif_data.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Long operations
 * ======================================================================
 * A native costs the interpreter one reduction. An operation over many
 * objects (a whole-table walk or deletion, a big list insert) therefore
 * also ends the caller's time slice (native_yield), so that a process
 * cannot chain such operations in one slice while others wait for its
 * scheduler. One operation is not split (the BEAM traps every ~1000
 * objects and releases the table in between): its latency stays
 * proportional to the table, ~0.3-1 us per object. */
#define ETS_LONG_OP 2000

static Term finish(Process *p, long work, Term r) {
    return r != T_NONE && work >= ETS_LONG_OP ? native_yield(p, r) : r;
}

/* ======================================================================
 * Copying out
 * ====================================================================== */

static inline Term copy_out(Process *p, Term t) { return is_small(t) || is_atom(t) ? t : gc_copy_term(p, t); }

/* A growable C array of terms that become a list on p's heap. */
typedef struct TermVec {
    Term *v;
    size_t n, cap;
    bool oom;
} TermVec;

static void vec_push(TermVec *tv, Term x) {
    if (tv->n == tv->cap) {
        size_t cap = tv->cap ? tv->cap * 2 : 16;
        Term *nv = realloc(tv->v, cap * sizeof(Term));
        if (!nv) {
            tv->oom = true;
            return;
        }
        tv->v = nv, tv->cap = cap;
    }
    tv->v[tv->n++] = x;
}

static Term vec_list(Process *p, TermVec *tv) {
    Term l = make_list(p, tv->n, tv->v);
    free(tv->v);
    return l;
}

static Term oom(Process *p) { return native_raise(p, ATOM_error, ATOM_system_limit); }

/* The objects with key (a run of equal keys) as a list of copies. */
static Term copy_run(Process *p, EtsTable *t, Term key, uint64_t hash) {
    if (!is_hash(t)) {
        EtsSkipNode *n = ets_skip_find(&t->skip, key, t->keypos);
        return n ? make_cons_cell(p, gc_copy_term(p, n->obj->term), T_NIL) : T_NIL;
    }
    EtsObj **l = ets_hash_find(&t->hash, key, hash, t->keypos);
    if (!l) return T_NIL;
    size_t n = 0;
    for (EtsObj *o = *l; o && o->hash == hash && term_eqx(ets_obj_key(o, t->keypos), key); o = o->next) n++;
    Term *cells = heap_alloc(p, 2 * n);
    EtsObj *o = *l;
    for (size_t i = 0; i < n; i++, o = o->next) {
        cells[2 * i] = gc_copy_term(p, o->term);
        cells[2 * i + 1] = i + 1 < n ? make_cons(cells + 2 * i + 2) : T_NIL;
    }
    return make_cons(cells);
}

/* ======================================================================
 * new/2
 * ====================================================================== */

typedef struct Opts {
    int type, access;
    unsigned keypos;
    bool named, read_conc, compressed;
    Term write_conc;        /* true, false or auto */
    int decentralized;      /* -1: not given */
    Term heir, heir_data;   /* heir 0: none */
} Opts;

static bool is_bool(Term t) { return t == ATOM_true || t == ATOM_false; }

static bool parse_opt(Term o, Opts *op) {
    if (o == ATOM_set) op->type = ETS_SET;
    else if (o == ATOM_ordered_set) op->type = ETS_ORDERED_SET;
    else if (o == ATOM_bag) op->type = ETS_BAG;
    else if (o == ATOM_duplicate_bag) op->type = ETS_DUPLICATE_BAG;
    else if (o == ATOM_public) op->access = ACCESS_PUBLIC;
    else if (o == ATOM_protected) op->access = ACCESS_PROTECTED;
    else if (o == ATOM_private) op->access = ACCESS_PRIVATE;
    else if (o == ATOM_named_table) op->named = true;
    else if (o == ATOM_compressed) op->compressed = true;
    else if (is_tuple(o) && tuple_arity(o) == 2) {
        Term k = tuple_elems(o)[0], v = tuple_elems(o)[1];
        if (k == ATOM_keypos && is_small(v) && small_val(v) >= 1) op->keypos = (unsigned)small_val(v);
        else if (k == ATOM_read_concurrency && is_bool(v)) op->read_conc = v == ATOM_true;
        else if (k == ATOM_write_concurrency && (is_bool(v) || v == ATOM_auto)) op->write_conc = v;
        else if (k == ATOM_decentralized_counters && is_bool(v)) op->decentralized = v == ATOM_true;
        else if (k == ATOM_heir && v == ATOM_none) op->heir = 0;
        else return false;
    } else if (is_tuple(o) && tuple_arity(o) == 3 && tuple_elems(o)[0] == ATOM_heir && is_pid(tuple_elems(o)[1])) {
        op->heir = tuple_elems(o)[1], op->heir_data = tuple_elems(o)[2];
    } else {
        return false;
    }
    return true;
}

/* OTP's reading of the concurrency options: a private table has no
 * concurrency; decentralized counters need write_concurrency and default
 * to on for an ordered_set or with {write_concurrency, auto}. */
static void settle_concurrency(Opts *op) {
    if (op->access == ACCESS_PRIVATE) op->write_conc = ATOM_false, op->read_conc = false;
    if (op->write_conc == ATOM_false) op->decentralized = 0;
    else if (op->decentralized < 0) op->decentralized = op->type == ETS_ORDERED_SET || op->write_conc == ATOM_auto;
}

Term ets_nat_new(Process *p, Term *args) {
    Term name = args[0];
    if (!is_atom(name)) return native_badarg_at(p, 1, "not an atom");
    Opts op = { ETS_SET, ACCESS_PROTECTED, 1, false, false, false, ATOM_false, -1, 0, T_NIL };
    Term l = args[1];
    for (; is_cons(l); l = CDR(l))
        if (!parse_opt(CAR(l), &op)) break;
    if (!is_nil(l)) return native_badarg_at(p, 2, is_list(args[1]) ? "invalid options" : "not a list");
    EtsObj *gift = NULL;
    settle_concurrency(&op);
    if (op.heir && !(gift = ets_obj_new(op.heir_data, 0))) return oom(p);
    EtsTable *t = ets_table_alloc();
    if (!t) {
        ets_obj_free(gift);
        return oom(p);
    }
    Held h;
    ets_lock_range(t, 0, ETS_STRIPES, true);
    h = (Held){ t, 0, ETS_STRIPES, true };
    bool striped = op.write_conc != ATOM_false && op.type != ETS_ORDERED_SET;
    bool mem = op.type == ETS_ORDERED_SET ? ets_skip_init(&t->skip) : ets_hash_init(&t->hash, ETS_STRIPES);
    if (!mem) {
        ets_unlock(&h);
        ets_table_release(t);
        ets_obj_free(gift);
        return oom(p);
    }
    t->heir = op.heir, t->heir_data = gift;
    for (int i = 0; i < ETS_STRIPES; i++) t->stripes[i].count = 0;
    t->name = name, t->named = op.named, t->type = op.type, t->access = op.access;
    t->keypos = op.keypos, t->read_conc = op.read_conc, t->write_conc = op.write_conc;
    t->compressed = op.compressed, t->decentralized = op.decentralized > 0;
    uint64_t id = ets_table_open(t, p->pid, striped);
    if (op.named && !ets_name_publish(t)) {
        t->named = false;
        ets_destroy_locked(t, &h);
        return native_badarg_at(p, 1, "table name already exists");
    }
    ets_unlock(&h);
    return op.named ? name : make_ref_id(p, id);
}

/* ======================================================================
 * Insertion
 * ====================================================================== */

static bool valid_object(EtsTable *t, Term o) { return is_tuple(o) && tuple_arity(o) >= t->keypos; }

static const char *object_error(Term o) {
    return is_tuple(o) && tuple_arity(o) == 0 ? "is an empty tuple" : "not a tuple";
}

/* Is any key of the objects in objs[0..n) in t? (Keys repeated within
 * objs do not count: OTP inserts them all, the last one winning in a set.) */
static bool any_key_present(EtsTable *t, EtsObj **objs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        Term k = ets_obj_key(objs[i], t->keypos);
        if (is_hash(t) ? ets_hash_find(&t->hash, k, objs[i]->hash, t->keypos) != NULL
                       : ets_skip_find(&t->skip, k, t->keypos) != NULL)
            return true;
    }
    return false;
}

static void free_objs(EtsObj **objs, size_t from, size_t n, EtsObj **one) {
    for (size_t j = from; j < n; j++) ets_obj_free(objs[j]);
    if (objs != one) free(objs);
}

/* Copies of the n objects in `what` (a tuple, or a list of n tuples) for a
 * table with this keypos and type; NULL after raising. */
static EtsObj **copy_objects(Process *p, Term what, size_t n, unsigned keypos, int type, EtsObj **one) {
    EtsObj **objs = n <= 1 ? one : malloc(n * sizeof(EtsObj *));
    if (!objs) return oom(p), NULL;
    Term l = what;
    for (size_t i = 0; i < n; i++) {
        Term o = is_tuple(what) ? what : CAR(l);
        if (!is_tuple(what)) l = CDR(l);
        objs[i] = NULL;
        if (!is_tuple(o) || tuple_arity(o) == 0)
            native_badarg_at(p, 2, is_tuple(what) ? object_error(o) : "not a non-empty tuple or a list of non-empty tuples");
        else if (tuple_arity(o) < keypos)
            native_badarg(p);           /* OTP's error info names no argument */
        else if (!(objs[i] = ets_obj_new(o, type == ETS_ORDERED_SET ? 0 : term_hash(tuple_elems(o)[keypos - 1])))) oom(p);
        if (!objs[i]) {
            free_objs(objs, 0, i, one);
            return NULL;
        }
    }
    return objs;
}

/* insert/2 and insert_new/2. The objects are copied before the table is
 * locked for writing (with the key position and type read under a read
 * lock, and checked again); a single object locks its key's stripe, a list
 * the whole table (a list is inserted atomically). */
static Term do_insert(Process *p, Term *args, bool only_new) {
    Term what = args[1];
    long n = is_tuple(what) ? 1 : bif_list_length(what);
    if (n < 0) return native_badarg_at(p, 2, is_cons(what) ? "not a non-empty tuple or a list of non-empty tuples" : "not a tuple");
    Held h;
    EtsTable *t = ets_tab_lock(p, args[0], LK_READ, SCOPE_KEY, 0, &h);
    if (!t) return T_NONE;
    unsigned keypos = t->keypos;
    int type = t->type;
    ets_unlock(&h);
    EtsObj *one[1], **objs = copy_objects(p, what, (size_t)n, keypos, type, one);
    if (!objs) return T_NONE;
    t = ets_tab_lock(p, args[0], LK_WRITE, n == 1 ? SCOPE_KEY : SCOPE_ALL, n == 1 ? objs[0]->hash : 0, &h);
    if (!t) {
        free_objs(objs, 0, (size_t)n, one);
        return T_NONE;
    }
    if (t->keypos != keypos || t->type != type) {         /* another table now */
        ets_unlock(&h);
        free_objs(objs, 0, (size_t)n, one);
        return native_badarg_at(p, 1, E_NOTAB);
    }
    if (only_new && any_key_present(t, objs, (size_t)n)) {
        ets_unlock(&h);
        free_objs(objs, 0, (size_t)n, one);
        return ATOM_false;
    }
    Term result = ATOM_true;
    bool grow_it = false;
    if (n > 1) ets_reserve(t, (size_t)n);  /* a list holds the whole table */
    for (long i = 0; i < n; i++) {
        uint64_t hh = objs[i]->hash;
        if (ets_store(t, objs[i]) < 0) {
            free_objs(objs, (size_t)i, (size_t)n, one);
            objs = one;
            result = oom(p);
            break;
        }
        grow_it |= ets_wants_growth(t, hh);
    }
    uint64_t want = tab_id(t);
    ets_unlock(&h);
    if (grow_it) ets_grow(t, want);
    if (objs != one) free(objs);
    return finish(p, n, result);
}

Term ets_nat_insert(Process *p, Term *args) { return do_insert(p, args, false); }
Term ets_nat_insert_new(Process *p, Term *args) { return do_insert(p, args, true); }

/* ======================================================================
 * Lookup, member, delete
 * ====================================================================== */

/* Lock for a one-key operation: the table's stripe for key. */
static EtsTable *lock_key(Process *p, Term tid, Term key, int mode, uint64_t *hash, Held *h) {
    /* The hash is needed before the table's type is known: hash tables use
     * it, and ordered_set ignores it. */
    *hash = term_hash(key);
    return ets_tab_lock(p, tid, mode, SCOPE_KEY, *hash, h);
}

Term ets_nat_lookup(Process *p, Term *args) {
    uint64_t hash;
    Held h;
    EtsTable *t = lock_key(p, args[0], args[1], LK_READ, &hash, &h);
    if (!t) return T_NONE;
    Term r = copy_run(p, t, args[1], hash);
    ets_unlock(&h);
    return r;
}

Term ets_nat_member(Process *p, Term *args) {
    uint64_t hash;
    Held h;
    EtsTable *t = lock_key(p, args[0], args[1], LK_READ, &hash, &h);
    if (!t) return T_NONE;
    bool found = is_hash(t) ? ets_hash_find(&t->hash, args[1], hash, t->keypos) != NULL
                            : ets_skip_find(&t->skip, args[1], t->keypos) != NULL;
    ets_unlock(&h);
    return found ? ATOM_true : ATOM_false;
}

Term ets_nat_lookup_element(Process *p, Term *args) {
    Term ix = args[2];
    if (!is_integer(ix)) return native_badarg_at(p, 3, "not an integer");
    if (is_small(ix) ? small_val(ix) < 1 : box_type(ix) == BOX_BIG_NEG) return native_badarg_at(p, 3, "out of range");
    size_t pos = is_small(ix) ? (size_t)small_val(ix) : SIZE_MAX;
    uint64_t hash;
    Held h;
    EtsTable *t = lock_key(p, args[0], args[1], LK_READ, &hash, &h);
    if (!t) return T_NONE;
    Term objs = copy_run(p, t, args[1], hash);
    bool set = t->type == ETS_SET || t->type == ETS_ORDERED_SET;
    ets_unlock(&h);
    if (is_nil(objs)) return native_badarg_at(p, 2, "not a key that exists in the table");
    for (Term l = objs; is_cons(l); l = CDR(l))
        if (tuple_arity(CAR(l)) < pos) return native_badarg_at(p, 3, "position is greater than the size of the object");
    if (set) return tuple_elems(CAR(objs))[pos - 1];
    for (Term l = objs; is_cons(l); l = CDR(l)) CAR(l) = tuple_elems(CAR(l))[pos - 1];
    return objs;
}

/* Remove key's objects; needs key's stripe for writing. */
static void delete_key(EtsTable *t, Term key, uint64_t hash) {
    if (is_hash(t)) stripe_of(t, hash)->count -= ets_hash_delete_key(&t->hash, key, hash, t->keypos);
    else ets_skip_delete(&t->skip, key, t->keypos);
}

Term ets_nat_delete2(Process *p, Term *args) {
    uint64_t hash;
    Held h;
    EtsTable *t = lock_key(p, args[0], args[1], LK_WRITE, &hash, &h);
    if (!t) return T_NONE;
    delete_key(t, args[1], hash);
    ets_unlock(&h);
    return ATOM_true;
}

/* take/2: lookup and delete in one step. */
Term ets_nat_take(Process *p, Term *args) {
    uint64_t hash;
    Held h;
    EtsTable *t = lock_key(p, args[0], args[1], LK_WRITE, &hash, &h);
    if (!t) return T_NONE;
    Term r = copy_run(p, t, args[1], hash);
    bool reverse = t->type == ETS_BAG;      /* OTP's bag gives them newest first */
    delete_key(t, args[1], hash);
    ets_unlock(&h);
    return reverse ? list_nat_reverse1(p, &r) : r;
}

Term ets_nat_delete_object(Process *p, Term *args) {
    Term o = args[1];
    if (!is_tuple(o) || tuple_arity(o) == 0) return native_badarg_at(p, 2, object_error(o));
    Held h;
    /* keypos is unknown until the table is locked: lock the whole table. */
    EtsTable *t = ets_tab_lock(p, args[0], LK_WRITE, SCOPE_ALL, 0, &h);
    if (!t) return T_NONE;
    if (!valid_object(t, o)) {
        ets_unlock(&h);
        return native_badarg(p);        /* arity < keypos: OTP names no argument */
    }
    Term key = tuple_elems(o)[t->keypos - 1];
    if (is_hash(t)) {
        uint64_t hash = term_hash(key);
        stripe_of(t, hash)->count -= ets_hash_delete_object(&t->hash, o, hash, t->keypos);
    } else {
        EtsSkipNode *n = ets_skip_find(&t->skip, key, t->keypos);
        if (n && term_eqx(n->obj->term, o)) ets_skip_delete(&t->skip, key, t->keypos);
    }
    ets_unlock(&h);
    return ATOM_true;
}

Term ets_nat_delete_all_objects(Process *p, Term *args) {
    Held h;
    EtsTable *t = ets_tab_lock(p, args[0], LK_WRITE, SCOPE_ALL, 0, &h);
    if (!t) return T_NONE;
    long work = ets_tab_size(t);
    ets_clear_objects(t);
    ets_unlock(&h);
    return finish(p, work, ATOM_true);
}

Term ets_nat_delete1(Process *p, Term *args) {
    Held h;
    EtsTable *t = ets_tab_lock(p, args[0], LK_WRITE, SCOPE_ALL, 0, &h);
    if (!t) return T_NONE;
    if (h.hi - h.lo < ETS_STRIPES) {          /* unstriped: take the rest too */
        ets_lock_range(t, 1, ETS_STRIPES, true);
        h.hi = ETS_STRIPES;
    }
    long work = ets_tab_size(t);
    ets_destroy_locked(t, &h);
    return finish(p, work, ATOM_true);
}

/* ======================================================================
 * update_counter/3,4 and update_element/3
 * ====================================================================== */

typedef struct CounterOp {
    size_t pos;
    Term incr, threshold, setvalue;     /* threshold T_NONE: none */
} CounterOp;

static bool parse_counter_op(Term op, unsigned keypos, CounterOp *c) {
    c->threshold = T_NONE;
    if (is_integer(op)) {
        c->pos = keypos + 1, c->incr = op;
        return true;
    }
    if (!is_tuple(op)) return false;
    size_t n = tuple_arity(op);
    const Term *e = tuple_elems(op);
    if ((n != 2 && n != 4) || !is_small(e[0]) || small_val(e[0]) < 1 || !is_integer(e[1])) return false;
    c->pos = (size_t)small_val(e[0]), c->incr = e[1];
    if (n == 4) {
        if (!is_integer(e[2]) || !is_integer(e[3])) return false;
        c->threshold = e[2], c->setvalue = e[3];
    }
    return true;
}

/* One counter step on the value v (in the table or on p's heap): the new
 * value, on p's heap when it is not a small. */
static Term counter_step(Process *p, Term v, const CounterOp *c) {
    Term r;
    if (is_small(v) && is_small(c->incr) && small_fits(small_val(v) + small_val(c->incr))) r = make_small(small_val(v) + small_val(c->incr));
    else r = arith_add(p, v, c->incr);
    if (c->threshold != T_NONE) {
        bool down = is_small(c->incr) ? small_val(c->incr) < 0 : box_type(c->incr) == BOX_BIG_NEG;
        int cmp = term_compare(r, c->threshold);
        if ((!down && cmp > 0) || (down && cmp < 0)) r = c->setvalue;
    }
    return r;
}

/* Find key's object for a set or ordered_set (locked for writing); with a
 * default object, insert it first when the key is missing. */
static EtsObj **find_for_update(EtsTable *t, Term key, uint64_t hash, EtsSkipNode **node) {
    if (is_hash(t)) return ets_hash_find(&t->hash, key, hash, t->keypos);
    *node = ets_skip_find(&t->skip, key, t->keypos);
    return *node ? &(*node)->obj : NULL;
}

/* Replace *slot's object by a copy of `tuple` (same key). */
static bool replace_obj(EtsTable *t, EtsObj **slot, Term tuple) {
    EtsObj *old = *slot;
    EtsObj *o = ets_obj_new(tuple, old->hash);
    if (!o) return false;
    o->next = old->next;
    *slot = o;
    ets_obj_free(old);
    return true;
}

/* The update operations `ops` (one op or a list) checked against obj: their
 * count in *nops and, in *cs (`one` for a single op, else malloc'd), their
 * parsed form. Returns OTP's message for the first bad one, or NULL. */
static const char *parse_counter_ops(Term ops, unsigned keypos, Term obj, CounterOp *one, CounterOp **cs, long *nops) {
    bool single = !is_list(ops);
    long n = single ? 1 : 0;
    Term l = ops;
    if (!single) {
        for (; is_cons(l); l = CDR(l)) n++;
        if (!is_nil(l)) return "not a valid update operation";
    }
    *cs = n <= 1 ? one : malloc((size_t)n * sizeof(CounterOp));
    if (!*cs) return NULL;
    *nops = n;
    size_t arity = tuple_arity(obj);
    l = ops;
    for (long i = 0; i < n; i++) {
        Term op = single ? ops : CAR(l);
        if (!single) l = CDR(l);
        CounterOp *c = &(*cs)[i];
        const char *err = !parse_counter_op(op, keypos, c) ? "not a valid update operation"
                        : c->pos > arity ? "the position in the update operation is out of range"
                        : c->pos == keypos ? "the position is the same as the key position"
                        : !is_integer(tuple_elems(obj)[c->pos - 1]) ? "the value in the given position, in the object, is not an integer"
                        : NULL;
        if (err) {
            if (*cs != one) free(*cs);
            *cs = NULL;
            return err;
        }
    }
    return NULL;
}

/* The object update_counter/4 inserts for a missing key: a copy of dflt on
 * p's heap with the key put in, or T_NONE when dflt is no such tuple. */
static Term default_object(Process *p, EtsTable *t, Term key, Term dflt) {
    if (!is_tuple(dflt) || tuple_arity(dflt) < t->keypos) return T_NONE;
    Term d = make_tuple(p, tuple_arity(dflt), tuple_elems(dflt));
    tuple_elems(d)[t->keypos - 1] = key;
    return d;
}

/* Invariant: the table changes only when every op is valid (a default
 * object is inserted together with the updates, or not at all). */
static Term update_counter(Process *p, Term *args, Term dflt) {
    Term key = args[1], ops = args[2];
    uint64_t hash;
    Held h;
    EtsTable *t = lock_key(p, args[0], key, LK_WRITE, &hash, &h);
    if (!t) return T_NONE;
    const char *err = NULL;
    unsigned argno = 3;
    CounterOp one[1], *cs = NULL;
    long nops = 0;
    EtsSkipNode *node = NULL;
    EtsObj **slot = NULL;
    Term obj = T_NONE;
    if (t->type == ETS_BAG || t->type == ETS_DUPLICATE_BAG) {
        err = E_TYPE, argno = 1;
    } else if ((slot = find_for_update(t, key, hash, &node))) {
        obj = (*slot)->term;
    } else if (dflt == T_NONE) {
        err = "not a key that exists in the table", argno = 2;
    } else if ((obj = default_object(p, t, key, dflt)) == T_NONE) {
        err = is_tuple(dflt) && tuple_arity(dflt) == 0 ? "is an empty tuple" : "not a tuple", argno = 4;
    }
    if (!err && !(err = parse_counter_ops(ops, t->keypos, obj, one, &cs, &nops)) && !cs) {
        ets_unlock(&h);
        return oom(p);
    }
    if (err) {
        ets_unlock(&h);
        return native_badarg_at(p, argno, err);
    }
    /* Every result small and the object stored: write in place. Ops on the
     * same position see the earlier results. */
    Term *elems = tuple_elems(obj);
    Term res[1], *results = nops <= 1 ? res : heap_alloc(p, (size_t)nops);
    bool inplace = slot != NULL;
    for (long i = 0; i < nops && inplace; i++) {
        Term v = elems[cs[i].pos - 1];
        for (long j = 0; j < i; j++) if (cs[j].pos == cs[i].pos) v = results[j];
        results[i] = counter_step(p, v, &cs[i]);
        inplace = is_small(results[i]);
    }
    bool ok = true, grow_it = false;
    if (inplace) {
        for (long i = 0; i < nops; i++) elems[cs[i].pos - 1] = results[i];
    } else {
        /* Build the new object on p's heap (its elements may still point
         * into the old object, which is copied before it is freed); the
         * results are copied to p's heap. */
        Term nt = make_tuple(p, tuple_arity(obj), elems);
        for (long i = 0; i < nops; i++) {
            results[i] = gc_copy_term(p, counter_step(p, tuple_elems(nt)[cs[i].pos - 1], &cs[i]));
            tuple_elems(nt)[cs[i].pos - 1] = results[i];
        }
        if (slot) {
            ok = replace_obj(t, slot, nt);
        } else {
            EtsObj *o = ets_obj_new(nt, is_hash(t) ? hash : 0);
            ok = o && ets_store(t, o) == 0;
            if (!ok) ets_obj_free(o);
            grow_it = ok && ets_wants_growth(t, hash);
        }
    }
    uint64_t want = tab_id(t);
    ets_unlock(&h);
    if (grow_it) ets_grow(t, want);
    bool single = !is_list(ops);
    if (cs != one) free(cs);
    if (!ok) return oom(p);
    return single ? results[0] : make_list(p, (size_t)nops, results);
}

Term ets_nat_update_counter3(Process *p, Term *args) { return update_counter(p, args, T_NONE); }
Term ets_nat_update_counter4(Process *p, Term *args) { return update_counter(p, args, args[3]); }

/* {Pos, Value} with Pos a positive integer (OTP's is_element_spec). */
static bool is_element_spec(Term u) {
    if (!is_tuple(u) || tuple_arity(u) != 2) return false;
    Term pos = tuple_elems(u)[0];
    return is_small(pos) ? small_val(pos) > 0 : is_integer(pos) && box_type(pos) != BOX_BIG_NEG;
}

/* OTP's message for a failed update_element whose element specification
 * is `ups` (one spec, or a proper list of them). */
static const char *element_spec_error(Term ups) {
    if (!is_list(ups)) return is_element_spec(ups) ? "out of range" : "is not a valid element specification";
    for (; is_cons(ups); ups = CDR(ups))
        if (!is_element_spec(CAR(ups))) return "is not a valid element specification";
    return "out of range";
}

Term ets_nat_update_element(Process *p, Term *args) {
    Term key = args[1], ups = args[2];
    if (is_list(ups) && bif_list_length(ups) < 0) return native_badarg(p);     /* as OTP: no detail */
    uint64_t hash;
    Held h;
    EtsTable *t = lock_key(p, args[0], key, LK_WRITE, &hash, &h);
    if (!t) return T_NONE;
    if (t->type == ETS_BAG || t->type == ETS_DUPLICATE_BAG) {
        ets_unlock(&h);
        return native_badarg_at(p, 3, element_spec_error(ups));
    }
    EtsSkipNode *node = NULL;
    EtsObj **slot = find_for_update(t, key, hash, &node);
    if (!slot) {
        ets_unlock(&h);
        return ATOM_false;
    }
    Term obj = (*slot)->term;
    Term nt = make_tuple(p, tuple_arity(obj), tuple_elems(obj));
    const char *err = NULL;
    for (Term l = is_list(ups) ? ups : make_cons_cell(p, ups, T_NIL); !err && is_cons(l); l = CDR(l)) {
        Term u = CAR(l);
        SInt pos = is_element_spec(u) && is_small(tuple_elems(u)[0]) ? small_val(tuple_elems(u)[0]) : 0;
        if (pos < 1 || (size_t)pos > tuple_arity(nt)) err = element_spec_error(ups);
        else if ((unsigned)pos == t->keypos) err = "the position is the same as the key position";
        else tuple_elems(nt)[pos - 1] = tuple_elems(u)[1];
    }
    bool ok = err || replace_obj(t, slot, nt);
    ets_unlock(&h);
    if (err) return native_badarg_at(p, 3, err);
    return ok ? ATOM_true : oom(p);
}

/* ======================================================================
 * Whole-table reads: tab2list, first/next/last/prev
 * ====================================================================== */

typedef struct CopyCtx {
    Process *p;
    TermVec out;
} CopyCtx;

static bool visit_copy(EtsObj *o, void *ctx) {
    CopyCtx *c = ctx;
    vec_push(&c->out, gc_copy_term(c->p, o->term));
    return !c->out.oom;
}

static Term tab2list(Process *p, Term tid, long *work) {
    Held h;
    EtsTable *t = ets_tab_lock(p, tid, LK_READ, SCOPE_ALL, 0, &h);
    if (!t) return T_NONE;
    *work = ets_tab_size(t);
    CopyCtx c = { p, { 0 } };
    ets_for_each(t, T_NONE, visit_copy, &c);
    ets_unlock(&h);
    if (c.out.oom) {
        free(c.out.v);
        return oom(p);
    }
    return vec_list(p, &c.out);
}

Term ets_nat_tab2list(Process *p, Term *args) {
    long work = 0;
    Term r = tab2list(p, args[0], &work);
    return finish(p, work, r);
}

/* The key after `key` (T_NONE: the first key), or T_NONE when key is not
 * in a hash table; *end when there is none. Hash tables: bucket order, and
 * last/prev are first/next, as in OTP. */
static Term step_key(EtsTable *t, Term key, bool backward, bool *end) {
    *end = false;
    if (!is_hash(t)) {
        EtsSkipNode *n = backward ? ets_skip_before(&t->skip, key, t->keypos) : ets_skip_after(&t->skip, key, t->keypos);
        if (!n) *end = true;
        return n ? ets_obj_key(n->obj, t->keypos) : T_NONE;
    }
    size_t b = 0;
    EtsObj *o;
    if (key == T_NONE) {
        o = ets_hash_first_from(&t->hash, &b);
    } else {
        uint64_t hash = term_hash(key);
        EtsObj **l = ets_hash_find(&t->hash, key, hash, t->keypos);
        if (!l) return T_NONE;
        o = *l;
        while (o && o->hash == hash && term_eqx(ets_obj_key(o, t->keypos), key)) o = o->next;
        b = (hash & (t->hash.nbuckets - 1)) + 1;
        if (!o) o = ets_hash_first_from(&t->hash, &b);
    }
    if (!o) *end = true;
    return o ? ets_obj_key(o, t->keypos) : T_NONE;
}

static Term first_next(Process *p, Term tid, Term key, bool backward) {
    Held h;
    EtsTable *t = ets_tab_lock(p, tid, LK_READ, SCOPE_ALL, 0, &h);
    if (!t) return T_NONE;
    bool end;
    Term k = step_key(t, key, backward, &end);
    Term r = end ? ATOM_end_of_table : k == T_NONE ? T_NONE : copy_out(p, k);
    ets_unlock(&h);
    return r == T_NONE ? native_badarg_at(p, 2, "not a key that exists in the table") : r;
}

Term ets_nat_first(Process *p, Term *args) { return first_next(p, args[0], T_NONE, false); }
Term ets_nat_next(Process *p, Term *args) { return first_next(p, args[0], args[1], false); }
Term ets_nat_last(Process *p, Term *args) { return first_next(p, args[0], T_NONE, true); }
Term ets_nat_prev(Process *p, Term *args) { return first_next(p, args[0], args[1], true); }

/* foldl/foldr: Enum.reduce over tab2list (natives never call guest code). */
static Term fold(Process *p, Term *args, bool right) {
    long work = 0;          /* Enum.reduce then counts its own reductions */
    Term list = tab2list(p, args[2], &work);
    if (list == T_NONE) {
        /* The table is the 3rd argument of fold: move the error info. */
        return native_badarg_at(p, 3, E_NOTAB);
    }
    if (right) list = list_nat_reverse1(p, &list);
    Term call = make_list(p, 3, (Term[]){ list, args[1], args[0] });
    return native_trap_apply(p, ATOM_Elixir_Enum, ATOM_reduce, call);
}

Term ets_nat_foldl(Process *p, Term *args) { return fold(p, args, false); }
Term ets_nat_foldr(Process *p, Term *args) { return fold(p, args, true); }

/* ======================================================================
 * Match specifications: select, match, and their count/delete forms
 * ====================================================================== */

enum { SEL_LIST, SEL_REVERSE, SEL_DELETE };

typedef struct SelCtx {
    Process *p;
    EtsMs ms;
    TermVec out;
    long count;
} SelCtx;

static bool visit_select(EtsObj *o, void *ctx) {
    SelCtx *c = ctx;
    Term r;
    if (ets_ms_run(c->p, &c->ms, o->term, &r)) vec_push(&c->out, r);
    return !c->out.oom;
}

static bool pred_select(EtsObj *o, void *ctx) {
    SelCtx *c = ctx;
    Term r;
    return ets_ms_run(c->p, &c->ms, o->term, &r) && r == ATOM_true;
}

static Term do_select(Process *p, Term tid, Term spec, int mode, long *work) {
    SelCtx c = { p, { 0 }, { 0 }, 0 };
    Held h;
    EtsTable *t = ets_tab_lock(p, tid, mode == SEL_DELETE ? LK_WRITE : LK_READ, SCOPE_ALL, 0, &h);
    if (!t) return T_NONE;
    if (!ets_ms_check(spec, &c.ms)) {
        ets_unlock(&h);
        return native_badarg_at(p, 2, "not a valid match specification");
    }
    Term key = ets_ms_bound_key(&c.ms, t->keypos);
    *work = key == T_NONE ? ets_tab_size(t) : 0;
    /* select_reverse: an ordered_set's results in descending key order. */
    bool reverse = mode == SEL_REVERSE && !is_hash(t);
    if (mode != SEL_DELETE) ets_for_each(t, key, visit_select, &c);
    else c.count = ets_remove_if(t, key, pred_select, &c);
    ets_unlock(&h);
    if (mode == SEL_DELETE) return make_int(p, c.count);
    for (size_t i = 0; reverse && i < c.out.n / 2; i++) {
        Term x = c.out.v[i];
        c.out.v[i] = c.out.v[c.out.n - 1 - i];
        c.out.v[c.out.n - 1 - i] = x;
    }
    if (c.out.oom) {
        free(c.out.v);
        return oom(p);
    }
    return vec_list(p, &c.out);
}

static Term select_op(Process *p, Term tid, Term spec, int mode) {
    long work = 0;
    Term r = do_select(p, tid, spec, mode, &work);
    return finish(p, work, r);
}

Term ets_nat_select(Process *p, Term *args) { return select_op(p, args[0], args[1], SEL_LIST); }
Term ets_nat_select_reverse(Process *p, Term *args) { return select_op(p, args[0], args[1], SEL_REVERSE); }
Term ets_nat_select_delete(Process *p, Term *args) { return select_op(p, args[0], args[1], SEL_DELETE); }

static bool visit_count(EtsObj *o, void *ctx) {
    SelCtx *c = ctx;
    Term r;
    if (ets_ms_run(c->p, &c->ms, o->term, &r) && r == ATOM_true) c->count++;
    return true;
}

Term ets_nat_select_count(Process *p, Term *args) {
    SelCtx c = { p, { 0 }, { 0 }, 0 };
    Held h;
    EtsTable *t = ets_tab_lock(p, args[0], LK_READ, SCOPE_ALL, 0, &h);
    if (!t) return T_NONE;
    if (!ets_ms_check(args[1], &c.ms)) {
        ets_unlock(&h);
        return native_badarg_at(p, 2, "not a valid match specification");
    }
    Term key = ets_ms_bound_key(&c.ms, t->keypos);
    long work = key == T_NONE ? ets_tab_size(t) : 0;
    ets_for_each(t, key, visit_count, &c);
    ets_unlock(&h);
    return finish(p, work, make_int(p, c.count));
}

/* [{pattern, [], [body]}] */
static Term spec_of(Process *p, Term pattern, Term body) {
    Term clause = make_tuple3(p, pattern, T_NIL, make_cons_cell(p, body, T_NIL));
    return make_cons_cell(p, clause, T_NIL);
}

Term ets_nat_match(Process *p, Term *args) {
    return select_op(p, args[0], spec_of(p, args[1], atom_intern_cstr("$$")), SEL_LIST);
}
Term ets_nat_match_object(Process *p, Term *args) {
    return select_op(p, args[0], spec_of(p, args[1], atom_intern_cstr("$_")), SEL_LIST);
}
Term ets_nat_match_delete(Process *p, Term *args) {
    long work = 0;
    Term r = do_select(p, args[0], spec_of(p, args[1], ATOM_true), SEL_DELETE, &work);
    return finish(p, work, r == T_NONE ? r : ATOM_true);
}

/* ---- select/3, match/3, match_object/3 and their continuations ----------
 * The matches are computed at once (a snapshot under the table lock) and
 * handed out `limit` at a time: the continuation {'$ets_select', Rest,
 * Limit} holds the rest. As in OTP, a chunk that ends the matches still
 * comes with a continuation, whose next call gives '$end_of_table'. */

/* The next chunk of `matches`, or '$end_of_table' when there is none. */
static Term chunk(Process *p, Term matches, long limit) {
    if (!is_cons(matches)) return ATOM_end_of_table;
    TermVec v = { 0 };
    Term l = matches;
    for (long i = 0; i < limit && is_cons(l); i++, l = CDR(l)) vec_push(&v, CAR(l));
    if (v.oom) {
        free(v.v);
        return oom(p);
    }
    Term cont = make_tuple3(p, ATOM_ets_select_cont, l, make_small(limit));
    return make_tuple2(p, vec_list(p, &v), cont);
}

static Term select_limited(Process *p, Term tid, Term spec, Term limit) {
    if (!is_integer(limit)) return native_badarg_at(p, 3, "not an integer");
    if (!is_small(limit) || small_val(limit) < 1) return native_badarg_at(p, 3, "out of range");
    long work = 0;
    Term all = do_select(p, tid, spec, SEL_LIST, &work);
    return all == T_NONE ? T_NONE : finish(p, work, chunk(p, all, small_val(limit)));
}

Term ets_nat_select3(Process *p, Term *args) {
    return select_limited(p, args[0], args[1], args[2]);
}
Term ets_nat_match3(Process *p, Term *args) {
    return select_limited(p, args[0], spec_of(p, args[1], atom_intern_cstr("$$")), args[2]);
}
Term ets_nat_match_object3(Process *p, Term *args) {
    return select_limited(p, args[0], spec_of(p, args[1], atom_intern_cstr("$_")), args[2]);
}

Term ets_nat_continue(Process *p, Term *args) {
    Term c = args[0];
    if (c == ATOM_end_of_table) return c;
    if (!is_tuple(c) || tuple_arity(c) != 3 || tuple_elems(c)[0] != ATOM_ets_select_cont || !is_list(tuple_elems(c)[1]) ||
        !is_small(tuple_elems(c)[2]) || small_val(tuple_elems(c)[2]) < 1)
        return native_badarg_at(p, 1, "invalid continuation");
    return chunk(p, tuple_elems(c)[1], small_val(tuple_elems(c)[2]));
}

/* ======================================================================
 * info, whereis, all, rename, give_away
 * ====================================================================== */

static Term info_item(Process *p, EtsTable *t, Term item) {
    static const char *types[] = { "set", "ordered_set", "bag", "duplicate_bag" };
    static const char *prot[] = { "public", "protected", "private" };
    if (item == ATOM_size) return make_int(p, ets_tab_size(t));
    if (item == ATOM_type) return atom_intern_cstr(types[t->type]);
    if (item == ATOM_named_table) return t->named ? ATOM_true : ATOM_false;
    if (item == ATOM_keypos) return make_small(t->keypos);
    if (item == ATOM_protection) return atom_intern_cstr(prot[t->access]);
    if (item == ATOM_owner) return tab_owner(t);
    if (item == ATOM_name) return t->name;
    if (item == ATOM_id) return make_ref_id(p, tab_id(t));
    if (item == ATOM_heir) return t->heir ? t->heir : ATOM_none;
    if (item == ATOM_node) return ATOM_nonode_nohost;
    if (item == ATOM_read_concurrency) return t->read_conc ? ATOM_true : ATOM_false;
    if (item == ATOM_write_concurrency) return t->write_conc;
    if (item == ATOM_compressed) return t->compressed ? ATOM_true : ATOM_false;
    if (item == ATOM_decentralized_counters) return t->decentralized ? ATOM_true : ATOM_false;
    if (item == ATOM_memory) {
        /* Words: the table's struct and buckets plus each object's block. */
        size_t w = sizeof(EtsTable) / sizeof(Term) + t->hash.nbuckets;
        if (is_hash(t))
            for (size_t b = 0; b < t->hash.nbuckets; b++)
                for (EtsObj *o = t->hash.buckets[b]; o; o = o->next) w += o->words + sizeof(EtsObj) / sizeof(Term);
        else
            for (EtsSkipNode *n = t->skip.head->next[0]; n; n = n->next[0]) w += n->obj->words + 8;
        return make_int(p, (int64_t)w);
    }
    return T_NONE;
}

Term ets_nat_info1(Process *p, Term *args) {
    if (!is_atom(args[0]) && !is_ref(args[0])) return native_badarg_at(p, 1, "not an atom or a table identifier");
    Held h;
    EtsTable *t = ets_lock_for_info(args[0], &h);
    if (!t) return ATOM_undefined;
    Term items[] = { ATOM_id, ATOM_decentralized_counters, ATOM_read_concurrency, ATOM_write_concurrency, ATOM_compressed,
                     ATOM_memory, ATOM_owner, ATOM_heir, ATOM_name, ATOM_size, ATOM_node, ATOM_named_table, ATOM_type, ATOM_keypos,
                     ATOM_protection };
    size_t n = sizeof items / sizeof items[0];
    Term kv[sizeof items / sizeof items[0]];
    for (size_t i = 0; i < n; i++) kv[i] = make_tuple2(p, items[i], info_item(p, t, items[i]));
    ets_unlock(&h);
    return make_list(p, n, kv);
}

Term ets_nat_info2(Process *p, Term *args) {
    if (!is_atom(args[0]) && !is_ref(args[0])) return native_badarg_at(p, 1, "not an atom or a table identifier");
    Held h;
    EtsTable *t = ets_lock_for_info(args[0], &h);
    if (!t) return ATOM_undefined;
    Term r = is_atom(args[1]) ? info_item(p, t, args[1]) : T_NONE;
    ets_unlock(&h);
    return r == T_NONE ? native_badarg_at(p, 2, "not a valid info item") : r;
}

Term ets_nat_whereis(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg_at(p, 1, "not an atom");
    Held h;
    EtsTable *t = ets_lock_for_info(args[0], &h);
    if (!t) return ATOM_undefined;
    Term r = make_ref_id(p, tab_id(t));
    ets_unlock(&h);
    return r;
}

Term ets_nat_all(Process *p, Term *args) {
    TermVec v = { 0 };
    size_t n = ets_table_count();
    for (size_t i = 0; i < n; i++) {
        /* Any one stripe keeps a table's description stable. */
        Held h = { ets_table_at(i), 0, 1, false };
        ets_lock_range(h.t, 0, 1, false);
        if (tab_id(h.t)) vec_push(&v, ets_tid_term(p, h.t));
        ets_unlock(&h);
    }
    if (v.oom) {
        free(v.v);
        return oom(p);
    }
    return vec_list(p, &v);
}

/* Lock tid's whole table for a change of its description (every stripe,
 * for writing), as its owner or, if public, anyone. */
static EtsTable *lock_meta(Process *p, Term tid, Held *h) {
    EtsTable *t = ets_tab_lock(p, tid, LK_WRITE, SCOPE_ALL, 0, h);
    if (t && h->hi - h->lo < ETS_STRIPES) {
        ets_lock_range(t, h->hi, ETS_STRIPES, true);
        h->hi = ETS_STRIPES;
    }
    return t;
}

Term ets_nat_rename(Process *p, Term *args) {
    Term name = args[1];
    if (!is_atom(name)) return native_badarg_at(p, 2, "invalid table name (must be an atom)");
    Held h;
    EtsTable *t = lock_meta(p, args[0], &h);
    if (!t) return T_NONE;
    if (t->named && name != t->name && !ets_name_move(t, name)) {
        ets_unlock(&h);
        return native_badarg_at(p, 2, "table name already exists");
    }
    t->name = name;
    Term r = ets_tid_term(p, t);            /* the name, or the reference */
    ets_unlock(&h);
    return r;
}

Term ets_nat_give_away(Process *p, Term *args) {
    Term to = args[1];
    if (!is_pid(to)) return native_badarg_at(p, 2, "not a pid");
    Held h;
    EtsTable *t = lock_meta(p, args[0], &h);
    if (!t) return T_NONE;
    const char *err = NULL;
    if (tab_owner(t) != p->pid) err = "the current process is not the owner";
    else if (to == p->pid) err = "the process is already the owner of the table";
    else if (!ets_claim(t, to)) err = "the pid refers to a terminated process";
    if (err) {
        ets_unlock(&h);
        return native_badarg_at(p, 2, err);
    }
    Term tid = ets_tid_term(p, t);
    ets_unlock(&h);
    Term msg = make_tuple(p, 4, (Term[]){ ATOM_ets_transfer, tid, p->pid, args[2] });
    runtime_send(p, to, msg);
    return ATOM_true;
}
