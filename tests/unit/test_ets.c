/* test_ets.c — ETS storage at the C level (vm/ets_store.c, vm/ets_match.c):
 * objects copied off the heap, the hash table (set, bag, duplicate_bag,
 * resizing, sizing for a list insert), the skip list (order, prev links,
 * neighbours) against a reference model, and match specifications (OTP's
 * guard functions, map bodies). The natives, locking and the registry are
 * covered by the golden tests in tests/ets/. */
#include "unit.h"
#include "ets_table.h"
#include "termops.h"
#include "heap.h"
#include "atom.h"
#include "gc.h"
#include "map.h"
#include <stdlib.h>

static Process P;
static Process *p = &P;

static Term A(const char *s) { return atom_intern_cstr(s); }
static Term T2(Term a, Term b) { return make_tuple2(p, a, b); }
static Term I(long v) { return make_small(v); }
static EtsObj *obj(Term t, bool hashed) { return ets_obj_new(t, hashed ? term_hash(tuple_elems(t)[0]) : 0); }

/* ---- objects ---- */

static void test_object_copy(void) {
    uint8_t *bytes;
    Term bin = make_binary_uninit(p, 200, &bytes);        /* a REFCBIN */
    memset(bytes, 'z', 200);
    Term t = make_tuple3(p, A("k"), bin, make_list(p, 2, (Term[]){ I(1), make_float(p, 2.5) }));
    Binary *blob = (Binary *)boxed_ptr(bin)[2];
    long refc0 = atomic_load(&blob->refc);
    EtsObj *o = obj(t, true);
    REQUIRE(o != NULL);
    CHECK(term_eqx(o->term, t));
    CHECK(o->term != t);
    CHECK_EQ_INT(atomic_load(&blob->refc), refc0 + 1); /* shared, not copied */
    CHECK(o->off_heap != NULL);
    /* The copy lies inside the object's block, nothing points at the heap. */
    CHECK((Term *)o->term >= o->data && (Term *)o->term < o->data + o->words);
    CHECK_EQ_INT(o->words, gc_copy_size(t));
    Term back = gc_copy_term(p, o->term);                 /* a lookup */
    CHECK(term_eqx(back, t));
    CHECK_EQ_INT(atomic_load(&blob->refc), refc0 + 2);
    ets_obj_free(o);                                      /* the table's reference goes */
    CHECK_EQ_INT(atomic_load(&blob->refc), refc0 + 1);
}

/* ---- hash table ---- */

/* Every object sits in the bucket of its hash; returns the object count. */
static long check_hash(const EtsHash *h) {
    long n = 0;
    for (size_t b = 0; b < h->nbuckets; b++)
        for (EtsObj *o = h->buckets[b]; o; o = o->next, n++)
            if ((o->hash & (h->nbuckets - 1)) != b) return -1;
    return n;
}

static Term run_of(EtsHash *h, Term key) {
    EtsObj **l = ets_hash_find(h, key, term_hash(key), 1);
    Term out[16];
    size_t n = 0;
    for (EtsObj *o = l ? *l : NULL; o && n < 16 && term_eqx(ets_obj_key(o, 1), key); o = o->next) out[n++] = o->term;
    return make_list(p, n, out);
}

static void test_hash_set_semantics(void) {
    EtsHash h;
    REQUIRE(ets_hash_init(&h, ETS_STRIPES));
    CHECK_EQ_INT(ets_hash_insert(&h, obj(T2(I(1), A("a")), true), ETS_SET, 1), 1);
    CHECK_EQ_INT(ets_hash_insert(&h, obj(T2(I(1), A("b")), true), ETS_SET, 1), 0);   /* replaces */
    CHECK_EQ_INT(ets_hash_insert(&h, obj(T2(make_float(p, 1.0), A("f")), true), ETS_SET, 1), 1);
    CHECK(term_eqx(run_of(&h, I(1)), make_list(p, 1, (Term[]){ T2(I(1), A("b")) })));
    CHECK_EQ_INT(check_hash(&h), 2);                       /* 1 and 1.0 differ */
    CHECK_EQ_INT(ets_hash_delete_key(&h, I(1), term_hash(I(1)), 1), 1);
    CHECK(ets_hash_find(&h, I(1), term_hash(I(1)), 1) == NULL);
    ets_hash_clear(&h);
}

static void test_hash_bags(void) {
    EtsHash b, d;
    REQUIRE(ets_hash_init(&b, ETS_STRIPES));
    REQUIRE(ets_hash_init(&d, ETS_STRIPES));
    long nb = 0, nd = 0;
    Term vals[] = { A("x"), A("y"), A("x"), A("z") };
    for (int i = 0; i < 4; i++) {
        nb += ets_hash_insert(&b, obj(T2(I(7), vals[i]), true), ETS_BAG, 1);
        nd += ets_hash_insert(&d, obj(T2(I(7), vals[i]), true), ETS_DUPLICATE_BAG, 1);
    }
    CHECK_EQ_INT(nb, 3);
    CHECK_EQ_INT(nd, 4);
    /* Insertion order within a key. */
    CHECK(term_eqx(run_of(&b, I(7)), make_list(p, 3, (Term[]){ T2(I(7), A("x")), T2(I(7), A("y")), T2(I(7), A("z")) })));
    Term xo = T2(I(7), A("x"));
    CHECK_EQ_INT(ets_hash_delete_object(&d, xo, term_hash(I(7)), 1), 2);
    CHECK(term_eqx(run_of(&d, I(7)), make_list(p, 2, (Term[]){ T2(I(7), A("y")), T2(I(7), A("z")) })));
    ets_hash_clear(&b);
    ets_hash_clear(&d);
}

static void test_hash_resize_keeps_runs(void) {
    EtsHash h;
    REQUIRE(ets_hash_init(&h, ETS_STRIPES));
    long n = 0;
    for (long k = 0; k < 2000; k++)
        for (long j = 0; j < 3; j++) n += ets_hash_insert(&h, obj(T2(I(k), I(j)), true), ETS_DUPLICATE_BAG, 1);
    CHECK_EQ_INT(n, 6000);
    for (size_t nb = ETS_STRIPES * 2; nb <= 4096; nb *= 2) {
        REQUIRE(ets_hash_resize(&h, nb));
        CHECK_EQ_INT(check_hash(&h), 6000);
    }
    int bad = 0;
    for (long k = 0; k < 2000; k++) {
        Term want = make_list(p, 3, (Term[]){ T2(I(k), I(0)), T2(I(k), I(1)), T2(I(k), I(2)) });
        bad += !term_eqx(run_of(&h, I(k)), want);
    }
    CHECK_EQ_INT(bad, 0);
    size_t b = 0;
    CHECK(ets_hash_first_from(&h, &b) != NULL);
    ets_hash_clear(&h);
}

/* ---- skip list ---- */

static int cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Level-0 order, prev links and count against the sorted model. */
static bool skip_matches(const EtsSkip *s, const long *model, size_t n) {
    size_t i = 0;
    EtsSkipNode *prev = NULL;
    for (EtsSkipNode *x = s->head->next[0]; x; prev = x, x = x->next[0], i++) {
        if (i >= n || small_val(ets_obj_key(x->obj, 1)) != model[i] || x->prev != prev) return false;
    }
    return i == n && s->count == n;
}

static void test_skip_against_model(void) {
    EtsSkip s;
    REQUIRE(ets_skip_init(&s));
    enum { N = 3000 };
    long *model = malloc(N * sizeof(long));
    size_t n = 0;
    srand(7);
    for (int step = 0; step < 3 * N; step++) {
        long k = rand() % N;
        bool present = ets_skip_find(&s, I(k), 1) != NULL;
        if (rand() % 3) {
            int r = ets_skip_insert(&s, obj(T2(I(k), I(step)), false), 1);
            CHECK(r == (present ? 0 : 1));
            if (!present) model[n++] = k;
        } else {
            CHECK(ets_skip_delete(&s, I(k), 1) == present);
            if (present) {
                size_t j = 0;
                while (model[j] != k) j++;
                model[j] = model[--n];
            }
        }
        if (step % 1000 == 0) {
            qsort(model, n, sizeof(long), cmp_long);
            CHECK(skip_matches(&s, model, n));
        }
    }
    qsort(model, n, sizeof(long), cmp_long);
    CHECK(skip_matches(&s, model, n));
    /* Neighbours of keys in and out of the table. */
    if (n > 2) {
        EtsSkipNode *a = ets_skip_after(&s, I(model[0]), 1);
        CHECK(a && small_val(ets_obj_key(a->obj, 1)) == model[1]);
        EtsSkipNode *b = ets_skip_before(&s, I(model[1]), 1);
        CHECK(b && small_val(ets_obj_key(b->obj, 1)) == model[0]);
        CHECK(ets_skip_after(&s, I(model[n - 1]), 1) == NULL);
        CHECK(ets_skip_before(&s, I(model[0]), 1) == NULL);
        EtsSkipNode *first = ets_skip_after(&s, T_NONE, 1), *last = ets_skip_before(&s, T_NONE, 1);
        CHECK(first && small_val(ets_obj_key(first->obj, 1)) == model[0]);
        CHECK(last && small_val(ets_obj_key(last->obj, 1)) == model[n - 1]);
        /* 1.0-style keys: a float between two integers. */
        EtsSkipNode *mid = ets_skip_after(&s, make_float(p, (double)model[0] + 0.5), 1);
        CHECK(mid && small_val(ets_obj_key(mid->obj, 1)) == model[1]);
    }
    /* 1 and 1.0 are one key in an ordered_set. */
    CHECK(ets_skip_find(&s, make_float(p, (double)model[0]), 1) != NULL);
    free(model);
    /* Emptied (delete_all_objects), the list is usable again. */
    ets_skip_empty(&s);
    CHECK(s.count == 0 && ets_skip_after(&s, T_NONE, 1) == NULL);
    CHECK_EQ_INT(ets_skip_insert(&s, obj(T2(I(5), I(5)), false), 1), 1);
    CHECK(skip_matches(&s, (long[]){ 5 }, 1));
    ets_skip_clear(&s);
}

/* ---- match specifications ---- */

static Term spec1(Term head, Term guards, Term body) {
    return make_list(p, 1, (Term[]){ make_tuple3(p, head, guards, body) });
}

static void test_match_spec(void) {
    EtsMs ms;
    Term v1 = A("$1"), v2 = A("$2");
    /* {$1, $2} when $2 > 10 -> {{$2, $1}} */
    Term spec = spec1(T2(v1, v2), make_list(p, 1, (Term[]){ make_tuple3(p, A(">"), v2, I(10)) }),
                      make_list(p, 1, (Term[]){ make_tuple(p, 1, (Term[]){ T2(v2, v1) }) }));
    REQUIRE(ets_ms_check(spec, &ms));
    CHECK_EQ_INT(ms.nvars, 3);
    EtsObj *hit = obj(T2(A("k"), I(11)), true), *miss = obj(T2(A("k"), I(3)), true);
    Term r = T_NONE;
    CHECK_EQ_INT(ets_ms_run(p, &ms, hit->term, &r), 1);
    CHECK(term_eqx(r, T2(I(11), A("k"))));
    CHECK_EQ_INT(ets_ms_run(p, &ms, miss->term, &r), 0);
    /* $_ in a body is a copy on the heap, not the stored object. */
    Term all = spec1(A("_"), T_NIL, make_list(p, 1, (Term[]){ A("$_") }));
    REQUIRE(ets_ms_check(all, &ms));
    CHECK_EQ_INT(ets_ms_run(p, &ms, hit->term, &r), 1);
    CHECK(term_eqx(r, hit->term) && r != hit->term);
    /* Invalid: unknown guard, unbound body variable, empty body, not a list. */
    CHECK(!ets_ms_check(spec1(T2(v1, v2), make_list(p, 1, (Term[]){ T2(A("nope"), v1) }), make_list(p, 1, (Term[]){ v1 })), &ms));
    CHECK(!ets_ms_check(spec1(T2(v1, A("_")), T_NIL, make_list(p, 1, (Term[]){ v2 })), &ms));
    CHECK(!ets_ms_check(spec1(T2(v1, v2), T_NIL, T_NIL), &ms));
    CHECK(!ets_ms_check(A("x"), &ms));
    ets_obj_free(hit);
    ets_obj_free(miss);
}

/* Only OTP's guard functions are accepted; a map in a body is evaluated. */
static void test_match_spec_functions(void) {
    EtsMs ms;
    Term v1 = A("$1"), head = T2(A("k"), v1);
    Term call1 = make_tuple2(p, A("byte_size"), v1), bad = make_tuple2(p, A("tuple_size"), v1);
    CHECK(ets_ms_check(spec1(head, make_list(p, 1, (Term[]){ make_tuple3(p, A(">"), call1, I(1)) }), make_list(p, 1, (Term[]){ v1 })), &ms));
    CHECK(!ets_ms_check(spec1(head, T_NIL, make_list(p, 1, (Term[]){ bad })), &ms));
    CHECK(!ets_ms_check(spec1(head, T_NIL, make_list(p, 1, (Term[]){ make_tuple2(p, A("is_boolean"), v1) })), &ms));
    /* Any head is accepted; a non-tuple one matches no object. */
    REQUIRE(ets_ms_check(spec1(A("foo"), T_NIL, make_list(p, 1, (Term[]){ A("$_") })), &ms));
    EtsObj *o = obj(T2(A("k"), I(7)), true);
    Term r = T_NONE;
    CHECK_EQ_INT(ets_ms_run(p, &ms, o->term, &r), 0);
    /* #{v => $1 + 1} */
    Term m = map_from_pairs(p, 1, (Term[]){ A("v"), make_tuple3(p, A("+"), v1, I(1)) });
    REQUIRE(ets_ms_check(spec1(head, T_NIL, make_list(p, 1, (Term[]){ m })), &ms));
    CHECK_EQ_INT(ets_ms_run(p, &ms, o->term, &r), 1);
    CHECK(is_map(r) && map_get(r, A("v")) == I(8));
    /* A body that fails gives 'EXIT'. */
    REQUIRE(ets_ms_check(spec1(head, T_NIL, make_list(p, 1, (Term[]){ make_tuple2(p, A("bnot"), A("$_")) })), &ms));
    CHECK_EQ_INT(ets_ms_run(p, &ms, o->term, &r), 1);
    CHECK(r == A("EXIT"));
    ets_obj_free(o);
}

/* A list insert sizes the buckets first: at most two objects per bucket,
 * a power of two, no bigger than needed. */
static void test_reserve_sizes_buckets(void) {
    static EtsTable t;
    t.type = ETS_SET;
    REQUIRE(ets_hash_init(&t.hash, ETS_STRIPES));
    t.stripes[0].count = 1000;
    ets_reserve(&t, 100000);
    size_t n = t.hash.nbuckets;
    CHECK((n & (n - 1)) == 0);
    CHECK(2 * n >= 101000 && n < 101000);
    ets_reserve(&t, 0);                       /* already fits: unchanged */
    CHECK_EQ_INT(t.hash.nbuckets, n);
    ets_hash_clear(&t.hash);
}

int main(void) {
    atom_init();
    memset(p, 0, sizeof *p);
    heap_init(p, 1 << 16);
    p->dict = T_NIL;
    p->exc_class = p->exc_reason = p->exc_trace = T_NIL;
    RUN(test_object_copy);
    RUN(test_hash_set_semantics);
    RUN(test_hash_bags);
    RUN(test_hash_resize_keeps_runs);
    RUN(test_skip_against_model);
    RUN(test_match_spec);
    RUN(test_match_spec_functions);
    RUN(test_reserve_sizes_buckets);
    heap_free(p);
    return unit_summary();
}
