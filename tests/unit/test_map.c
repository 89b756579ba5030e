/* test_map.c — persistent maps (map.h): flat maps, HAMT tries, promotion and
 * demotion, collisions, iteration order, bulk construction, GC survival.
 * Every operation is checked against a reference model (a sorted array of
 * small-integer keys, or a plain array for the collision tests). */
#include "unit.h"
#include "map.h"
#include "termops.h"
#include "heap.h"
#include "atom.h"
#include "gc.h"
#include <stdlib.h>
#include <math.h>

/* Private stand-ins for other engineers' functions that may not have landed
 * yet; the real ones win at link time. */
__attribute__((weak)) Term native_raise(Process *p, Term cls, Term reason) {
    p->exc_class = cls;
    p->exc_reason = reason;
    return T_NONE;
}
__attribute__((weak)) void io_flush(void) {}

static Process P;
static Process *p = &P;

static Term A(const char *s) { return atom_intern_cstr(s); }
static Term F(double d) { return make_float(p, d); }
static Term S(const char *s) { return make_cstring(p, s); }

/* Walks a HAMT and checks the node invariants of map.h; returns the number of
 * keys found (or (size_t)-1 on a broken invariant). */
static size_t check_node(Term node, unsigned shift, bool root) {
    if (!is_box_of(node, BOX_MAP_HAMT)) return (size_t)-1;
    const Term *w = boxed_ptr(node);
    size_t count = (size_t)small_val(w[1]);
    if (!is_small(w[1]) || !is_small(w[2]) || !is_small(w[3])) return (size_t)-1;
    uint32_t dm = (uint32_t)small_val(w[2]), nm = (uint32_t)small_val(w[3]);
    if (shift >= 64) {
        if (dm || nm || header_arity(w[0]) != 3 + 2 * count || count < 2) return (size_t)-1;
        return count;
    }
    if (dm & nm) return (size_t)-1;
    size_t nd = (size_t)__builtin_popcount(dm), nc = (size_t)__builtin_popcount(nm);
    if (header_arity(w[0]) != 3 + 2 * nd + nc) return (size_t)-1;
    size_t total = nd;
    for (size_t i = 0; i < nc; i++) {
        size_t c = check_node(w[4 + 2 * nd + i], shift + 5, false);
        if (c == (size_t)-1 || c < 2) return (size_t)-1;
        total += c;
    }
    if (total != count || (!root && count < 2)) return (size_t)-1;
    return total;
}

/* The map is well formed: right representation for its size, sorted keys
 * when flat, valid trie when HAMT. */
static bool well_formed(Term m) {
    if (!is_map(m)) return false;
    size_t n = map_size(m);
    if (n <= MAP_FLAT_MAX) {
        if (!is_box_of(m, BOX_MAP_FLAT)) return false;
        if (header_arity(box_header(m)) != 1 + 2 * n) return false;
        const Term *k = boxed_ptr(m) + 2;
        for (size_t i = 1; i < n; i++)
            if (term_compare_exact(k[i - 1], k[i]) >= 0) return false;
        return true;
    }
    return check_node(m, 0, true) == n;
}

static void test_basics(void) {
    Term m = map_new(p);
    CHECK_EQ_INT(map_size(m), 0);
    CHECK(map_get(m, A("a")) == T_NONE);
    Term m1 = map_put(p, m, A("b"), make_small(2));
    Term m2 = map_put(p, m1, A("a"), make_small(1));
    CHECK_EQ_INT(map_size(m), 0); /* persistent */
    CHECK_EQ_INT(map_size(m1), 1);
    CHECK_EQ_INT(map_size(m2), 2);
    CHECK(map_get(m2, A("a")) == make_small(1));
    CHECK(map_get(m2, A("b")) == make_small(2));
    CHECK(map_get(m1, A("a")) == T_NONE);
    /* keys sorted: a before b */
    CHECK(boxed_ptr(m2)[2] == A("a"));
    Term m3 = map_put(p, m2, A("a"), make_small(10));
    CHECK(map_get(m3, A("a")) == make_small(10));
    CHECK(map_get(m2, A("a")) == make_small(1));
    CHECK(map_put(p, m3, A("a"), make_small(10)) == m3); /* unchanged: same map */
    Term m4 = map_remove(p, m3, A("a"));
    CHECK_EQ_INT(map_size(m4), 1);
    CHECK(map_get(m4, A("a")) == T_NONE);
    CHECK(map_remove(p, m4, A("zz")) == m4);
    /* boxed keys are found by value, 1 and 1.0 are distinct keys */
    Term m5 = map_put(p, map_put(p, m, S("key"), A("x")), make_small(1), A("int"));
    m5 = map_put(p, m5, F(1.0), A("float"));
    CHECK(map_get(m5, S("key")) == A("x"));
    CHECK(map_get(m5, make_small(1)) == A("int"));
    CHECK(map_get(m5, F(1.0)) == A("float"));
    CHECK(map_get(m5, F(-0.0)) == T_NONE);
    CHECK(map_get(map_put(p, m5, F(0.0), A("z")), F(-0.0)) == A("z")); /* -0.0 === 0.0 */
    CHECK(well_formed(m5));
}

static void test_flat_key_order(void) {
    /* %{2 => 1, 1.5 => 2, :a => 3, {1} => 4, "x" => 5, [1] => 6, %{} => 7,
     * -1 => 8, 10**23 => 9, 1.0 => 10, 1 => 11} iterates in this order: */
    /* 10^23 = 0x152D_02C7E14AF6800000 */
    Term *bw = heap_alloc(p, 3);
    bw[0] = make_header(BOX_BIG_POS, 2);
    bw[1] = 0x02C7E14AF6800000ULL;
    bw[2] = 0x152DULL;
    Term big = make_boxed(bw);
    Term tup = make_tuple(p, 1, (Term[]){make_small(1)});
    Term lst = make_cons_cell(p, make_small(1), T_NIL);
    Term expect[] = {make_small(-1), make_small(1), make_small(2), big, F(1.0), F(1.5),
                     A("a"), tup, map_new(p), lst, S("x")};
    size_t n = sizeof expect / sizeof expect[0];
    /* insert in a scrambled order */
    size_t order[] = {8, 2, 10, 0, 5, 3, 9, 1, 7, 4, 6};
    Term m = map_new(p);
    for (size_t i = 0; i < n; i++) m = map_put(p, m, expect[order[i]], make_small(order[i]));
    REQUIRE(well_formed(m));
    MapIter it;
    Term k, v;
    size_t i = 0;
    map_iter_init(&it, m);
    while (map_iter_next(&it, &k, &v)) {
        CHECK(i < n && term_eqx(k, expect[i]));
        CHECK(v == make_small(i));
        i++;
    }
    map_iter_done(&it);
    CHECK_EQ_INT(i, n);
    /* to_list / keys / values agree with the iterator */
    Term l = map_to_list(p, m), ks = map_keys(p, m), vs = map_values(p, m);
    for (i = 0; i < n; i++) {
        CHECK(is_cons(l) && is_cons(ks) && is_cons(vs));
        CHECK(term_eqx(tuple_elems(CAR(l))[0], expect[i]));
        CHECK(term_eqx(CAR(ks), expect[i]));
        CHECK(CAR(vs) == make_small(i));
        l = CDR(l); ks = CDR(ks); vs = CDR(vs);
    }
    CHECK(l == T_NIL && ks == T_NIL && vs == T_NIL);
}

/* ---- reference model: a boolean presence array and values ---- */
static int cmp_int(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static void test_large_against_reference(void) {
    enum { N = 100000 };
    static long keys[N];
    static Term vals[N];
    static bool present[N];
    for (long i = 0; i < N; i++) keys[i] = i * 7919 - 300000; /* distinct, some negative */
    /* shuffle insertion order */
    srand(42);
    for (long i = N - 1; i > 0; i--) {
        long j = rand() % (i + 1);
        long t = keys[i]; keys[i] = keys[j]; keys[j] = t;
    }
    Term m = map_new(p);
    Term snap_small = T_NONE;
    for (long i = 0; i < N; i++) {
        m = map_put(p, m, make_small(keys[i]), make_small(i));
        vals[i] = make_small(i);
        present[i] = true;
        if (i + 1 == 32) snap_small = m;
        if (i + 1 == 33) CHECK(is_box_of(m, BOX_MAP_HAMT));
        if (i + 1 <= 32) CHECK(is_box_of(m, BOX_MAP_FLAT));
    }
    CHECK_EQ_INT(map_size(m), N);
    REQUIRE(well_formed(m));
    CHECK(well_formed(snap_small) && map_size(snap_small) == 32);
    size_t bad = 0;
    for (long i = 0; i < N; i++) bad += map_get(m, make_small(keys[i])) != vals[i];
    CHECK_EQ_INT(bad, 0);
    CHECK(map_get(m, make_small(1)) == T_NONE); /* 1 is not of the form i*7919-300000 */
    /* overwrite every third key */
    for (long i = 0; i < N; i += 3) {
        vals[i] = make_small(-i);
        m = map_put(p, m, make_small(keys[i]), vals[i]);
    }
    CHECK_EQ_INT(map_size(m), N);
    /* remove every other key */
    for (long i = 0; i < N; i += 2) {
        m = map_remove(p, m, make_small(keys[i]));
        present[i] = false;
    }
    CHECK_EQ_INT(map_size(m), N / 2);
    REQUIRE(well_formed(m));
    bad = 0;
    for (long i = 0; i < N; i++) {
        Term v = map_get(m, make_small(keys[i]));
        bad += present[i] ? v != vals[i] : v != T_NONE;
    }
    CHECK_EQ_INT(bad, 0);
    /* ordered iteration equals the sorted reference */
    static long sorted[N];
    size_t n = 0;
    for (long i = 0; i < N; i++) if (present[i]) sorted[n++] = keys[i];
    qsort(sorted, n, sizeof *sorted, cmp_int);
    MapIter it;
    Term k, v;
    size_t i = 0;
    bad = 0;
    map_iter_init(&it, m);
    while (map_iter_next(&it, &k, &v)) bad += i >= n || k != make_small(sorted[i++]);
    map_iter_done(&it);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(i, n);
    /* remove the rest one by one, checking demotion at 32 */
    for (long j = 1; j < N; j += 2) {
        m = map_remove(p, m, make_small(keys[j]));
        size_t sz = map_size(m);
        if (sz == 33) CHECK(is_box_of(m, BOX_MAP_HAMT) && well_formed(m));
        if (sz == 32) CHECK(is_box_of(m, BOX_MAP_FLAT) && well_formed(m));
    }
    CHECK_EQ_INT(map_size(m), 0);
    CHECK(is_box_of(m, BOX_MAP_FLAT));
}

/* The trie of a key set does not depend on the history that built it. */
static void test_canonical(void) {
    Term a = map_new(p), b = map_new(p);
    for (int i = 0; i < 3000; i++) a = map_put(p, a, make_small(i), A("v"));
    for (int i = 5999; i >= 0; i--) b = map_put(p, b, make_small(i), A("v"));
    for (int i = 3000; i < 6000; i++) b = map_remove(p, b, make_small(i));
    CHECK(well_formed(a) && well_formed(b));
    CHECK(term_eqx(a, b));
    /* same shape: compare every node's bitmaps by walking both */
    Term stack_a[64], stack_b[64];
    size_t sp = 0, mismatches = 0;
    stack_a[sp] = a; stack_b[sp++] = b;
    while (sp > 0) {
        sp--;
        const Term *wa = boxed_ptr(stack_a[sp]), *wb = boxed_ptr(stack_b[sp]);
        if (wa[1] != wb[1] || wa[2] != wb[2] || wa[3] != wb[3]) { mismatches++; continue; }
        size_t nd = (size_t)__builtin_popcount((uint32_t)small_val(wa[2]));
        size_t nc = (size_t)__builtin_popcount((uint32_t)small_val(wa[3]));
        for (size_t i = 0; i < nd; i++) mismatches += wa[4 + 2 * i] != wb[4 + 2 * i];
        for (size_t i = 0; i < nc && sp < 63; i++) {
            stack_a[sp] = wa[4 + 2 * nd + i];
            stack_b[sp++] = wb[4 + 2 * nd + i];
        }
    }
    CHECK_EQ_INT(mismatches, 0);
}

/* Forced hash collisions: with a mask, many keys share hash bits or the
 * whole hash (collision nodes). */
static void collision_round(uint64_t mask, int n) {
    map_hash_mask = mask;
    Term *keys = malloc(sizeof(Term) * (size_t)n);
    bool *present = calloc((size_t)n, 1);
    for (int i = 0; i < n; i++) keys[i] = (i % 3 == 0) ? make_small(i) : (i % 3 == 1) ? F(i) : make_tuple(p, 1, (Term[]){make_small(i)});
    Term m = map_new(p);
    for (int i = 0; i < n; i++) {
        m = map_put(p, m, keys[i], make_small(i));
        present[i] = true;
    }
    CHECK_EQ_INT(map_size(m), n);
    CHECK(well_formed(m));
    int bad = 0;
    for (int i = 0; i < n; i++) bad += map_get(m, keys[i]) != make_small(i);
    CHECK_EQ_INT(bad, 0);
    /* replace a value inside a collision node */
    m = map_put(p, m, keys[n / 2], A("new"));
    CHECK(map_get(m, keys[n / 2]) == A("new"));
    m = map_put(p, m, keys[n / 2], make_small(n / 2));
    for (int i = 0; i < n; i += 2) {
        m = map_remove(p, m, keys[i]);
        present[i] = false;
        if (!well_formed(m)) { CHECK(well_formed(m)); break; }
    }
    bad = 0;
    for (int i = 0; i < n; i++) {
        Term v = map_get(m, keys[i]);
        bad += present[i] ? v != make_small(i) : v != T_NONE;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(map_get(m, make_small(-1)) == T_NONE);
    /* bulk construction agrees with incremental */
    Term *kv = malloc(sizeof(Term) * 2 * (size_t)n);
    for (int i = 0; i < n; i++) { kv[2 * i] = keys[i]; kv[2 * i + 1] = make_small(i); }
    Term bulk = map_from_pairs(p, (size_t)n, kv);
    CHECK(well_formed(bulk));
    Term inc = map_new(p);
    for (int i = n - 1; i >= 0; i--) inc = map_put(p, inc, keys[i], make_small(i));
    CHECK(term_eqx(bulk, inc));
    for (int i = 0; i < n; i++) inc = map_remove(p, inc, keys[i]);
    CHECK_EQ_INT(map_size(inc), 0);
    free(kv);
    free(keys);
    free(present);
    map_hash_mask = ~(uint64_t)0;
}

static void test_collisions(void) {
    collision_round(0, 100);              /* every key collides fully */
    collision_round(0x3FF, 500);          /* two levels of shared prefixes */
    collision_round(0xF000000000000000ULL, 200); /* only the last level differs */
}

static void test_from_pairs(void) {
    /* a later key wins the value; the first key term is kept */
    Term kv[] = {A("b"), make_small(1), A("a"), make_small(2), A("b"), make_small(3),
                 F(0.0), A("pos"), F(-0.0), A("neg")};
    Term m = map_from_pairs(p, 5, kv);
    CHECK_EQ_INT(map_size(m), 3);
    CHECK(map_get(m, A("b")) == make_small(3));
    CHECK(map_get(m, A("a")) == make_small(2));
    CHECK(map_get(m, F(0.0)) == A("neg"));
    CHECK(well_formed(m));
    CHECK(is_float(boxed_ptr(m)[2]) && boxed_ptr(m)[3] == A("a")); /* numbers first */
    /* large: duplicates across 10k pairs, HAMT result */
    enum { N = 10000 };
    static Term big[2 * N];
    for (int i = 0; i < N; i++) { big[2 * i] = make_small(i % 5000); big[2 * i + 1] = make_small(i); }
    Term h = map_from_pairs(p, N, big);
    CHECK_EQ_INT(map_size(h), 5000);
    CHECK(well_formed(h));
    int bad = 0;
    for (int i = 0; i < 5000; i++) bad += map_get(h, make_small(i)) != make_small(i + 5000);
    CHECK_EQ_INT(bad, 0);
    /* large input: the first key term and the last value win here too */
    static Term many[2 * 42];
    many[0] = F(-0.0); many[1] = A("first");
    for (int i = 1; i < 41; i++) { many[2 * i] = make_small(i); many[2 * i + 1] = A("v"); }
    many[82] = F(0.0); many[83] = A("last");
    Term hm = map_from_pairs(p, 42, many);
    CHECK_EQ_INT(map_size(hm), 41);
    CHECK(well_formed(hm));
    CHECK(map_get(hm, F(0.0)) == A("last"));
    MapIter it;
    Term k, v;
    bool neg_kept = false;
    map_iter_init(&it, hm);
    while (map_iter_next(&it, &k, &v))
        if (is_float(k)) neg_kept = signbit(float_val(k)) != 0;
    map_iter_done(&it);
    CHECK(neg_kept);
    /* from a list of pairs; a bad element gives T_NONE */
    Term l = T_NIL;
    for (int i = 0; i < 40; i++) l = make_cons_cell(p, make_tuple2(p, make_small(i), make_small(-i)), l);
    Term ml = map_from_list(p, l);
    CHECK(ml != T_NONE && map_size(ml) == 40 && map_get(ml, make_small(39)) == make_small(-39));
    CHECK(map_from_list(p, make_cons_cell(p, make_small(1), T_NIL)) == T_NONE);
    CHECK(map_from_list(p, make_cons_cell(p, make_tuple2(p, A("a"), A("b")), A("x"))) == T_NONE);
    CHECK(map_from_list(p, T_NIL) != T_NONE);
}

static void test_update_and_merge(void) {
    Term kv[] = {A("a"), make_small(1), A("b"), make_small(2)};
    Term m = map_from_pairs(p, 2, kv);
    Term up[] = {A("b"), make_small(20)};
    Term m2 = map_update(p, m, 1, up);
    CHECK(map_get(m2, A("b")) == make_small(20) && map_get(m, A("b")) == make_small(2));
    Term bad[] = {A("c"), make_small(3)};
    p->exc_reason = T_NIL;
    CHECK(map_update(p, m, 1, bad) == T_NONE);
    CHECK(p->exc_class == ATOM_error);
    Term r = p->exc_reason;
    CHECK(is_tuple(r) && tuple_arity(r) == 2 && tuple_elems(r)[0] == ATOM_badkey &&
          tuple_elems(r)[1] == A("c"));
    CHECK(map_update(p, make_small(1), 1, up) == T_NONE);
    r = p->exc_reason;
    CHECK(is_tuple(r) && tuple_arity(r) == 2 && tuple_elems(r)[0] == ATOM_badmap);
    /* HAMT update */
    Term h = map_new(p);
    for (int i = 0; i < 100; i++) h = map_put(p, h, make_small(i), make_small(i));
    Term hu[] = {make_small(5), A("five"), make_small(99), A("last")};
    Term h2 = map_update(p, h, 2, hu);
    CHECK(map_get(h2, make_small(5)) == A("five") && map_get(h2, make_small(99)) == A("last"));
    CHECK(map_get(h, make_small(5)) == make_small(5));
    /* merge: flat + flat, flat + flat overflowing, hamt + flat, flat + hamt */
    Term x = map_new(p), y = map_new(p);
    for (int i = 0; i < 20; i++) x = map_put(p, x, make_small(i), A("x"));
    for (int i = 10; i < 30; i++) y = map_put(p, y, make_small(i), A("y"));
    Term xy = map_merge(p, x, y);
    CHECK_EQ_INT(map_size(xy), 30);
    CHECK(well_formed(xy));
    CHECK(map_get(xy, make_small(5)) == A("x") && map_get(xy, make_small(15)) == A("y"));
    Term z = map_new(p);
    for (int i = 25; i < 50; i++) z = map_put(p, z, make_small(i), A("z"));
    Term xyz = map_merge(p, xy, z);
    CHECK_EQ_INT(map_size(xyz), 50);
    CHECK(well_formed(xyz));
    CHECK(map_get(xyz, make_small(26)) == A("z") && map_get(xyz, make_small(24)) == A("y"));
    Term small = map_put(p, map_new(p), make_small(0), A("s"));
    Term hs = map_merge(p, xyz, small), sh = map_merge(p, small, xyz);
    CHECK(map_get(hs, make_small(0)) == A("s"));
    CHECK(map_get(sh, make_small(0)) == A("x"));
    CHECK_EQ_INT(map_size(hs), 50);
    CHECK(map_merge(p, xyz, map_new(p)) == xyz);
    CHECK(map_merge(p, map_new(p), xyz) == xyz);
}

/* Every HAMT word is a term or a small: the generic collector keeps maps
 * intact. */
static void test_survives_gc(void) {
    Term roots[2];
    Term m = map_new(p);
    for (int i = 0; i < 5000; i++) {
        Term k = (i % 2) ? make_small(i) : make_tuple2(p, S("k"), make_small(i));
        m = map_put(p, m, k, make_cons_cell(p, make_small(i), T_NIL));
    }
    roots[0] = m;
    roots[1] = map_put(p, map_new(p), S("flat"), F(2.5));
    gc_collect(p, 0, roots, 2);
    CHECK_EQ_INT(gc_verify_heap(p), 0);
    m = roots[0];
    CHECK(well_formed(m));
    CHECK_EQ_INT(map_size(m), 5000);
    int bad = 0;
    for (int i = 0; i < 5000; i++) {
        Term k = (i % 2) ? make_small(i) : make_tuple2(p, S("k"), make_small(i));
        Term v = map_get(m, k);
        bad += v == T_NONE || !is_cons(v) || CAR(v) != make_small(i);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(term_eqx(map_get(roots[1], S("flat")), F(2.5)));
}

int main(void) {
    atom_init();
    memset(p, 0, sizeof *p);
    heap_init(p, 1 << 16);
    p->stack = NULL;
    p->stack_top = 0;
    p->dict = T_NIL;
    p->exc_class = p->exc_reason = p->exc_trace = T_NIL;
    RUN(test_basics);
    RUN(test_flat_key_order);
    RUN(test_large_against_reference);
    RUN(test_canonical);
    RUN(test_collisions);
    RUN(test_from_pairs);
    RUN(test_update_and_merge);
    RUN(test_survives_gc);
    heap_free(p);
    return unit_summary();
}
