/* test_term.c — the tagged-word layout of term.h: every tag round-trips and
 * the predicates tell the kinds apart. */
#include "unit.h"
#include "term.h"
#include "atom.h"
#include "heap.h"
#include "native.h"

/* binary.c calls these; the memory-layer tests link without native.c. */
Term native_raise(Process *p, Term cls, Term reason) {
    p->exc_class = cls;
    p->exc_reason = reason;
    return T_NONE;
}
Term native_badarg(Process *p) { return native_raise(p, ATOM_error, ATOM_badarg); }
/* as native.c's for one argument, but raising the message's struct, which these tests read */
Term native_badarg_lines(Process *p, const char *lines) {
    char m[320];
    snprintf(m, sizeof m, "errors were found at the given arguments:\n\n%s", lines);
    return native_raise_msg(p, "Elixir.ArgumentError", m);
}
/* The real one raises %ArgumentError{message: msg}; the reason here is just
 * the message, for the tests to check. */
Term native_raise_msg(Process *p, const char *module, const char *msg) {
    (void)module;
    return native_raise(p, ATOM_error, make_cstring(p, msg));
}

static void test_smalls(void) {
    SInt vals[] = {0, 1, -1, 42, -42, SMALL_MAX, SMALL_MIN, SMALL_MAX - 1, SMALL_MIN + 1,
                   (SInt)1 << 40, -((SInt)1 << 40)};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        Term t = make_small(vals[i]);
        CHECK(is_small(t));
        CHECK_EQ_INT(small_val(t), vals[i]);
        CHECK(!is_cons(t) && !is_boxed(t) && !is_atom(t) && !is_pid(t) && !is_header(t));
        CHECK(is_integer(t));
    }
    CHECK(small_fits(SMALL_MAX) && small_fits(SMALL_MIN));
    CHECK(!small_fits(SMALL_MAX + 1) && !small_fits(SMALL_MIN - 1));
    CHECK_EQ_INT(SMALL_MAX, ((SInt)1 << 62) - 1);
    CHECK_EQ_INT(SMALL_MIN, -((SInt)1 << 62));
    /* Ordering of smalls by value is not word order for negatives, but
     * small_val undoes the shift exactly at both ends. */
    CHECK(small_val(make_small(SMALL_MIN)) < small_val(make_small(SMALL_MAX)));
}

static void test_atoms_and_pids(void) {
    uint32_t ix[] = {0, 1, 63, 64, 1000, ATOM_LIMIT - 1};
    for (size_t i = 0; i < sizeof ix / sizeof ix[0]; i++) {
        Term a = make_atom(ix[i]);
        CHECK(is_atom(a));
        CHECK_EQ_UINT(atom_index(a), ix[i]);
        CHECK(!is_small(a) && !is_cons(a) && !is_boxed(a) && !is_pid(a) && !is_header(a));
        CHECK(!is_nil(a) && a != T_NONE);
    }
    uint64_t pv[] = {0, 1, 12345, ((uint64_t)1 << 57) - 1};
    for (size_t i = 0; i < sizeof pv / sizeof pv[0]; i++) {
        Term p = make_pid(pv[i]);
        CHECK(is_pid(p));
        CHECK_EQ_UINT(pid_val(p), pv[i]);
        CHECK(!is_atom(p) && !is_small(p) && !is_boxed(p) && !is_cons(p));
    }
    CHECK(ATOM_nil != T_NIL);
    CHECK(is_nil(T_NIL) && is_list(T_NIL) && !is_cons(T_NIL));
    CHECK(!is_atom(T_NIL) && !is_atom(T_NONE));
    CHECK(make_bool(1) == ATOM_true && make_bool(0) == ATOM_false);
    CHECK(is_boolean(ATOM_true) && !is_boolean(ATOM_nil));
}

static void test_headers(void) {
    for (unsigned ty = 0; ty < BOX__COUNT; ty++) {
        size_t arities[] = {0, 1, 2, 1000, ((size_t)1 << 40)};
        for (size_t i = 0; i < sizeof arities / sizeof arities[0]; i++) {
            Term h = make_header(ty, arities[i]);
            CHECK(is_header(h));
            CHECK_EQ_UINT(header_type(h), ty);
            CHECK_EQ_UINT(header_arity(h), arities[i]);
            /* A header never looks like a pointer: the GC relies on it. */
            CHECK(!is_boxed(h) && !is_cons(h) && !is_small(h));
        }
    }
}

static void test_boxed_and_cons(void) {
    Process p = {0};
    heap_init(&p, 0);
    Term t = make_tuple3(&p, make_small(1), ATOM_ok, T_NIL);
    CHECK(is_boxed(t) && is_tuple(t) && !is_cons(t));
    CHECK_EQ_UINT(tuple_arity(t), 3);
    CHECK(tuple_elems(t)[1] == ATOM_ok);
    Term c = make_cons_cell(&p, make_small(7), T_NIL);
    CHECK(is_cons(c) && is_list(c) && !is_boxed(c));
    CHECK_EQ_INT(small_val(CAR(c)), 7);
    CHECK(CDR(c) == T_NIL);
    CHECK(cons_ptr(make_cons(cons_ptr(c))) == cons_ptr(c));
    Term f = make_float(&p, -2.5);
    CHECK(is_float(f) && is_number(f) && !is_integer(f));
    CHECK(float_val(f) == -2.5);
    Term big = make_int(&p, INT64_MIN);
    CHECK(is_bignum(big) && box_type(big) == BOX_BIG_NEG && boxed_ptr(big)[1] == (Term)1 << 63);
    CHECK(make_int(&p, SMALL_MAX) == make_small(SMALL_MAX));
    CHECK(is_bignum(make_int(&p, SMALL_MAX + 1)));
    CHECK(is_bignum(make_int(&p, SMALL_MIN - 1)));
    CHECK(make_int(&p, SMALL_MIN) == make_small(SMALL_MIN));
    CHECK(is_bignum(make_uint(&p, UINT64_MAX)) && boxed_ptr(make_uint(&p, UINT64_MAX))[1] == UINT64_MAX);
    CHECK(make_uint(&p, 5) == make_small(5));
    Term r1 = make_ref(&p), r2 = make_ref(&p);
    CHECK(is_ref(r1) && is_ref(r2) && boxed_ptr(r1)[1] != boxed_ptr(r2)[1]);
    Term b = make_cstring(&p, "hi");
    CHECK(is_binary(b) && !is_tuple(b) && !is_map(b) && !is_fun(b));
    heap_free(&p);
}

int main(void) {
    atom_init();
    RUN(test_smalls);
    RUN(test_atoms_and_pids);
    RUN(test_headers);
    RUN(test_boxed_and_cons);
    return unit_summary();
}
