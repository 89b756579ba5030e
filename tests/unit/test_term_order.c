/* test_term_order.c — term order, ==, ===, hashing and sorting (termops.h).
 *
 * The expected orderings below were checked against Elixir 1.14 / OTP 25
 * (Enum.sort, ==, ===, map key order of %{...} literals). */
#include "unit.h"
#include "termops.h"
#include "map.h"
#include "heap.h"
#include "atom.h"
#include "module.h"
#include <math.h>
#include <stdlib.h>

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
static Term T2(Term a, Term b) { return make_tuple2(p, a, b); }
static Term L2(Term a, Term b) { Term e[2] = {a, b}; return make_list(p, 2, e); }
static Term L1(Term a) { return make_cons_cell(p, a, T_NIL); }

/* A bignum with the given limbs (least significant first, top limb non-zero). */
static Term big(bool neg, size_t n, const uint64_t *limbs) {
    Term *w = heap_alloc(p, 1 + n);
    w[0] = make_header(neg ? BOX_BIG_NEG : BOX_BIG_POS, n);
    memcpy(w + 1, limbs, n * sizeof *limbs);
    return make_boxed(w);
}

/* A map literal from pairs. */
static Term M(size_t n, const Term *kv) { return map_from_pairs(p, n, kv); }

/* ---- a fake module for funs ---- */
static Module mod_a, mod_b;
static FunEntry fe_a0, fe_a1, fe_b0;
static Term fun(FunEntry *e, size_t nfree, const Term *fv) {
    Term *w = heap_alloc(p, 2 + nfree);
    w[0] = make_header(BOX_FUN, 1 + nfree);
    w[1] = (Term)e;
    for (size_t i = 0; i < nfree; i++) w[2 + i] = fv[i];
    return make_boxed(w);
}
static Term export_fun(Term m, Term f, int arity) {
    Term *w = heap_alloc(p, 4);
    w[0] = make_header(BOX_EXPORT, 3);
    w[1] = m; w[2] = f; w[3] = make_small(arity);
    return make_boxed(w);
}

static int sgn(int x) { return (x > 0) - (x < 0); }

/* groups[i] holds terms that compare equal; groups are strictly ascending. */
typedef struct { Term t; int group; } Ordered;

static void check_table(const Ordered *tab, size_t n, bool exact) {
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int want = sgn(tab[i].group - tab[j].group);
            int got = exact ? term_compare_exact(tab[i].t, tab[j].t) : term_compare(tab[i].t, tab[j].t);
            if (got != want)
                fprintf(stderr, "  order: entry %zu vs %zu: got %d want %d (exact=%d)\n", i, j, got, want, exact);
            CHECK_EQ_INT(got, want);
            bool eq = exact ? term_eqx(tab[i].t, tab[j].t) : term_eq(tab[i].t, tab[j].t);
            CHECK(eq == (want == 0));
            if (exact && want == 0) CHECK_EQ_UINT(term_hash(tab[i].t), term_hash(tab[j].t));
        }
    }
}

static void test_kinds_order(void) {
    /* number < atom < reference < fun < pid < tuple < map < list < binary */
    Term fv[1] = {make_small(1)};
    Term kv[2] = {A("a"), make_small(1)};
    Ordered tab[] = {
        {make_small(-5), 0}, {F(1.5), 1}, {A("a"), 2}, {make_ref(p), 3},
        {fun(&fe_a0, 1, fv), 4}, {make_pid(7), 5}, {make_tuple(p, 0, NULL), 6},
        {M(1, kv), 7}, {T_NIL, 8}, {L1(make_small(1)), 9}, {S(""), 10}, {S("a"), 11},
    };
    check_table(tab, sizeof tab / sizeof tab[0], false);
    check_table(tab, sizeof tab / sizeof tab[0], true);
}

static void test_numbers(void) {
    uint64_t l2[2] = {0, 1};               /* 2^64 */
    uint64_t l62[1] = {(uint64_t)1 << 62}; /* 2^62: just past SMALL_MAX */
    uint64_t l62p1[1] = {((uint64_t)1 << 62) + 1};
    Term two64 = big(false, 2, l2), neg64 = big(true, 2, l2);
    Term two62 = big(false, 1, l62), neg62p1 = big(true, 1, l62p1);
    Ordered tab[] = {
        {neg64, 0}, {F(-18446744073709551616.0), 0}, {F(-1e19), 1},
        {neg62p1, 2}, {F(-4611686018427387904.0), 3}, {make_small(SMALL_MIN), 3},
        {make_small(-1), 4}, {F(-0.5), 5},
        {make_small(0), 6}, {F(0.0), 6}, {F(-0.0), 6}, {F(0.25), 7},
        {make_small(1), 8}, {F(1.0), 8}, {make_small(2), 9},
        {make_small((1LL << 53)), 10}, {F(9007199254740992.0), 10},
        {make_small((1LL << 53) + 1), 11}, {F(9007199254740994.0), 12},
        {make_small(SMALL_MAX), 13}, {two62, 14}, {F(4611686018427387904.0), 14},
        {F(1e19), 15}, {two64, 16}, {F(18446744073709551616.0), 16}, {F(1e300), 17},
    };
    check_table(tab, sizeof tab / sizeof tab[0], false);

    /* exact order: every integer before every float; -0.0 === 0.0 (OTP 25) */
    Ordered ex[] = {
        {neg64, 0}, {make_small(-1), 1}, {make_small(0), 2}, {make_small(1), 3},
        {make_small(2), 4}, {two64, 5}, {F(-1e300), 6}, {F(-1.0), 7},
        {F(0.0), 8}, {F(-0.0), 8}, {F(0.5), 9}, {F(1.0), 10}, {F(1e300), 11},
    };
    check_table(ex, sizeof ex / sizeof ex[0], true);
    CHECK(term_eq(make_small(1), F(1.0)));
    CHECK(!term_eqx(make_small(1), F(1.0)));
    CHECK(term_eq(two64, F(18446744073709551616.0)));
    CHECK(!term_eqx(two64, F(18446744073709551616.0)));
    CHECK_EQ_INT(term_compare_exact(make_small(2), F(1.0)), -1);
    CHECK_EQ_INT(term_compare(make_small(2), F(1.0)), 1);
}

static void test_atoms_tuples_lists_binaries(void) {
    Term big_a = S("a0123456789012345678901234567890123456789012345678901234567890123456789xx");
    Term big_b = S("a0123456789012345678901234567890123456789012345678901234567890123456789xy");
    Ordered tab[] = {
        {A(""), 0}, {A("A"), 1}, {A("Elixir.Foo"), 2}, {A("a"), 3}, {A("aa"), 4}, {A("b"), 5},
        {A("false"), 6}, {A("nil"), 7}, {A("true"), 8},
        {make_tuple(p, 0, NULL), 10}, {make_tuple(p, 1, (Term[]){make_small(9)}), 11},
        {T2(make_small(1), make_small(1)), 12}, {T2(make_small(1), F(1.0)), 12},
        {T2(make_small(1), A("a")), 13}, {T2(make_small(2), make_small(0)), 14},
        /* [] < [1 | 2] < [1] < [1, 2] < [2] < [[[]]] (the tail 2 < []) */
        {T_NIL, 20}, {make_cons_cell(p, make_small(1), make_small(2)), 21},
        {L1(make_small(1)), 22}, {L1(F(1.0)), 22},
        {L2(make_small(1), make_small(2)), 23}, {L1(make_small(2)), 24},
        {L1(L1(T_NIL)), 25},
        {S(""), 30}, {S("a"), 31}, {big_a, 32}, {big_b, 33}, {S("ab"), 34}, {S("b"), 35},
    };
    check_table(tab, sizeof tab / sizeof tab[0], false);
    /* a refc binary equals a heap binary with the same bytes */
    Term heap_copy = make_binary(p, "abc", 3);
    CHECK(term_eqx(S("abc"), heap_copy));
    CHECK(!term_eqx(S("abc"), S("abd")));
}

static void test_maps_order(void) {
    Term k1[2] = {make_small(1), make_small(1)};
    Term kf[2] = {F(1.0), make_small(1)};
    Term k2[2] = {make_small(2), make_small(1)};
    Term va[2] = {A("a"), make_small(1)};
    Term vaf[2] = {A("a"), F(1.0)};
    Term vb[2] = {A("a"), make_small(2)};
    Term two[4] = {A("a"), make_small(1), A("b"), make_small(1)};
    Term m1 = M(1, k1), mf = M(1, kf), m2 = M(1, k2);
    /* %{1 => 1} < %{2 => 1} < %{1.0 => 1}: keys compare exactly */
    CHECK_EQ_INT(term_compare(m1, m2), -1);
    CHECK_EQ_INT(term_compare(m2, mf), -1);
    CHECK(!term_eq(m1, mf));
    /* values compare in the caller's mode */
    CHECK(term_eq(M(1, va), M(1, vaf)));
    CHECK(!term_eqx(M(1, va), M(1, vaf)));
    CHECK_EQ_INT(term_compare(M(1, va), M(1, vb)), -1);
    /* size first: %{a: 2} < %{a: 1, b: 1} */
    CHECK_EQ_INT(term_compare(M(1, vb), M(2, two)), -1);
    CHECK_EQ_INT(term_compare(map_new(p), M(1, k1)), -1);
}

static void test_funs(void) {
    Term fv1[1] = {make_small(1)}, fv2[1] = {make_small(2)}, fvf[1] = {F(1.0)};
    Term a0 = fun(&fe_a0, 1, fv1), a0b = fun(&fe_a0, 1, fv1), a0c = fun(&fe_a0, 1, fv2);
    Term a0f = fun(&fe_a0, 1, fvf), a1 = fun(&fe_a1, 0, NULL), b0 = fun(&fe_b0, 0, NULL);
    Term e1 = export_fun(A("Elixir.Enum"), A("map"), 2), e2 = export_fun(A("Elixir.Enum"), A("map"), 2);
    Term e3 = export_fun(A("Elixir.Enum"), A("max"), 1);
    CHECK(term_eqx(a0, a0b));
    CHECK_EQ_UINT(term_hash(a0), term_hash(a0b));
    CHECK(!term_eqx(a0, a0c));
    CHECK(term_eq(a0, a0f));
    CHECK(!term_eqx(a0, a0f));
    CHECK_EQ_INT(term_compare(a0, a0c), -1);
    CHECK_EQ_INT(term_compare(a0, a1), -1); /* same module: by lambda index */
    CHECK_EQ_INT(term_compare(a1, b0), -1); /* by module name */
    CHECK(term_eqx(e1, e2));
    CHECK_EQ_UINT(term_hash(e1), term_hash(e2));
    CHECK_EQ_INT(term_compare(e1, e3), -1);
    CHECK_EQ_INT(term_compare(b0, e1), -1);
    CHECK_EQ_INT(term_compare(e1, make_pid(0)), -1);
}

/* Million-element lists and 200k-deep tuples: no C recursion. */
static void test_deep_terms(void) {
    const size_t N = 1000000;
    Term la = T_NIL, lb = T_NIL, lc = T_NIL;
    for (size_t i = N; i-- > 0;) {
        la = make_cons_cell(p, make_small(i), la);
        lb = make_cons_cell(p, make_small(i), lb);
        lc = make_cons_cell(p, make_small(i == N - 1 ? (SInt)i + 1 : (SInt)i), lc);
    }
    CHECK(la != lb);
    CHECK_EQ_INT(term_compare(la, lb), 0);
    CHECK(term_eqx(la, lb));
    CHECK_EQ_UINT(term_hash(la), term_hash(lb));
    CHECK_EQ_INT(term_compare(la, lc), -1);
    CHECK(!term_eq(la, lc));
    CHECK(term_hash(la) != term_hash(lc));

    const size_t D = 200000;
    Term ta = make_small(0), tb = make_small(0), tc = F(0.0);
    for (size_t i = 0; i < D; i++) {
        ta = make_tuple(p, 1, &ta);
        tb = make_tuple(p, 1, &tb);
        tc = make_tuple(p, 1, &tc);
    }
    CHECK(term_eqx(ta, tb));
    CHECK_EQ_UINT(term_hash(ta), term_hash(tb));
    CHECK(term_eq(ta, tc));
    CHECK(!term_eqx(ta, tc));
    CHECK_EQ_INT(term_compare_exact(ta, tc), -1);
    /* deep nesting through lists of lists */
    Term da = T_NIL, db = T_NIL;
    for (size_t i = 0; i < D; i++) { da = L1(da); db = L1(db); }
    CHECK(term_eqx(da, db));
    CHECK_EQ_UINT(term_hash(da), term_hash(db));
}

static void test_hash_spread(void) {
    /* distinct terms of many kinds: no collisions among these */
    enum { N = 20000 };
    static uint64_t hs[3 * N];
    size_t k = 0;
    for (int i = 0; i < N; i++) {
        hs[k++] = term_hash(make_small(i));
        hs[k++] = term_hash(F(i + 0.5));
        hs[k++] = term_hash(T2(make_small(i), A("x")));
    }
    int dup = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k && j < i + 200; j++) dup += hs[i] == hs[j];
    CHECK_EQ_INT(dup, 0);
    /* equal under === means equal hashes; 1 vs 1.0 differ */
    CHECK_EQ_UINT(term_hash(F(0.0)), term_hash(F(-0.0)));
    CHECK(term_hash(make_small(1)) != term_hash(F(1.0)));
    CHECK_EQ_UINT(term_hash(S("hello")), term_hash(make_binary(p, "hello", 5)));
    CHECK(term_hash(T_NIL) != term_hash(make_tuple(p, 0, NULL)));
    CHECK(term_hash(L1(make_small(1))) != term_hash(make_cons_cell(p, make_small(1), make_small(1))));
}

static void test_map_hash_independent_of_history(void) {
    /* the same 100 keys inserted in two orders: === and equal hashes */
    Term a = map_new(p), b = map_new(p);
    for (int i = 0; i < 100; i++) a = map_put(p, a, make_small(i), T2(make_small(i), A("v")));
    for (int i = 99; i >= 0; i--) b = map_put(p, b, make_small(i), T2(make_small(i), A("v")));
    CHECK(term_eqx(a, b));
    CHECK_EQ_INT(term_compare(a, b), 0);
    CHECK_EQ_UINT(term_hash(a), term_hash(b));
    Term c = map_put(p, b, make_small(50), make_small(0));
    CHECK(!term_eqx(a, c));
    CHECK(term_hash(a) != term_hash(c));
    Term d = map_put(p, b, make_small(50), T2(F(50.0), A("v")));
    CHECK(term_eq(a, d));
    CHECK(!term_eqx(a, d));
    CHECK_EQ_INT(term_compare_exact(a, d), -1);
}

static void test_sort_records(void) {
    /* stable: equal keys (1 and 1.0 in term order) keep their input order */
    enum { N = 1000 };
    static Term recs[2 * N];
    srand(7);
    for (int i = 0; i < N; i++) {
        int v = rand() % 50;
        recs[2 * i] = (i % 2) ? make_small(v) : F(v);
        recs[2 * i + 1] = make_small(i);
    }
    term_sort_records(recs, N, 2, false);
    for (int i = 1; i < N; i++) {
        int c = term_compare(recs[2 * (i - 1)], recs[2 * i]);
        CHECK(c <= 0);
        if (c == 0) CHECK(small_val(recs[2 * (i - 1) + 1]) < small_val(recs[2 * i + 1]));
    }
    /* exact: all integers first */
    term_sort_records(recs, N, 2, true);
    int seen_float = 0, bad = 0;
    for (int i = 0; i < N; i++) {
        if (is_float(recs[2 * i])) seen_float = 1;
        else if (seen_float) bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void) {
    atom_init();
    heap_init(p, 1 << 16);
    mod_a.name = A("Elixir.A");
    mod_b.name = A("Elixir.B");
    fe_a0 = (FunEntry){.module = &mod_a, .index = 0};
    fe_a1 = (FunEntry){.module = &mod_a, .index = 1};
    fe_b0 = (FunEntry){.module = &mod_b, .index = 0};
    RUN(test_kinds_order);
    RUN(test_numbers);
    RUN(test_atoms_tuples_lists_binaries);
    RUN(test_maps_order);
    RUN(test_funs);
    RUN(test_deep_terms);
    RUN(test_hash_spread);
    RUN(test_map_hash_independent_of_history);
    RUN(test_sort_records);
    heap_free(p);
    return unit_summary();
}
