/* bif_data.c — natives for Kernel's data functions (type tests, hd/tl/length,
 * elem/put_elem, tuple_size/map_size, max/min, comparisons as functions),
 * the tuple BIFs of :erlang, and the Tuple module. Also the helpers shared
 * with bif_map.c and bif_list.c (bif_data.h).
 *
 * Every native checks its arguments and raises what Elixir raises for the
 * same call (bif_data.h); none calls back into guest code.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bif_data.h"
#include "native.h"
#include "heap.h"
#include "atom.h"
#include "map.h"
#include "termops.h"
#include "arith.h"
#include "module.h"

/* ======================================================================
 * Shared helpers
 * ====================================================================== */

Term bif_arg_error(Process *p, int argno, const char *what) {
    /* :badarg, as the BEAM raises it (a `catch` sees the atom, a process
     * exits with it); `rescue` and the printed error get the message from
     * the error info (native_badarg_at). */
    return native_badarg_at(p, (unsigned)(argno >= 1 ? argno : 1), what);
}

Term bif_badmap(Process *p, Term t) {
    return native_raise(p, ATOM_error, make_tuple2(p, ATOM_badmap, t));
}

Term bif_badkey(Process *p, Term key, Term term) {
    return native_raise(p, ATOM_error, make_tuple3(p, ATOM_badkey, key, term));
}

Term bif_fc(Process *p, const char *mod, const char *fun, unsigned arity) {
    return native_raise_fc(p, mod, fun, arity);
}

long bif_list_length(Term t) {
    long n = 0;
    while (is_cons(t)) { n++; t = CDR(t); }
    return t == T_NIL ? n : -1;
}

Term *bif_list_to_array(Term list, size_t n) {
    if (n == 0) return NULL;
    Term *a = malloc(n * sizeof *a);
    if (!a) { fprintf(stderr, "act: out of memory\n"); abort(); }
    for (size_t i = 0; i < n; i++, list = CDR(list)) a[i] = CAR(list);
    return a;
}

Term bif_list_with_tail(Process *p, size_t n, const Term *elems, Term tail) {
    if (n == 0) return tail;
    Term *w = heap_alloc(p, 2 * n);
    for (size_t i = 0; i < n; i++) {
        w[2 * i] = elems[i];
        w[2 * i + 1] = i + 1 < n ? make_cons(w + 2 * (i + 1)) : tail;
    }
    return make_cons(w);
}

/* ======================================================================
 * Type tests (Kernel and :erlang)
 * ====================================================================== */

#define TYPE_TEST(name, expr) \
    Term data_nat_##name(Process *p, Term *args) { Term t = args[0]; return make_bool(expr); }

TYPE_TEST(is_atom, is_atom(t))
TYPE_TEST(is_binary, is_binary(t))
TYPE_TEST(is_boolean, is_boolean(t))
TYPE_TEST(is_float, is_float(t))
TYPE_TEST(is_function, is_fun(t))
TYPE_TEST(is_integer, is_integer(t))
TYPE_TEST(is_list, is_list(t))
TYPE_TEST(is_map, is_map(t))
TYPE_TEST(is_nil, t == ATOM_nil)
TYPE_TEST(is_number, is_number(t))
TYPE_TEST(is_pid, is_pid(t))
TYPE_TEST(is_reference, is_ref(t))
TYPE_TEST(is_tuple, is_tuple(t))

/* The arity of a fun term. */
static SInt fun_arity(Term f) {
    if (box_type(f) == BOX_EXPORT) return small_val(boxed_ptr(f)[3]);
    return (SInt)((const FunEntry *)boxed_ptr(f)[1])->arity;
}

Term data_nat_is_function2(Process *p, Term *args) {
    Term f = args[0], a = args[1];
    if (!is_integer(a)) return bif_arg_error(p, 2, "not an integer");
    if (!is_small(a) || small_val(a) < 0) return bif_arg_error(p, 2, "out of range");
    return make_bool(is_fun(f) && fun_arity(f) == small_val(a));
}

/* Kernel.is_map_key(map, key) */
Term data_nat_is_map_key(Process *p, Term *args) {
    if (!is_map(args[0])) return bif_badmap(p, args[0]);
    return make_bool(map_get(args[0], args[1]) != T_NONE);
}

/* :erlang.is_map_key(key, map) */
Term data_nat_erl_is_map_key(Process *p, Term *args) {
    if (!is_map(args[1])) return bif_badmap(p, args[1]);
    return make_bool(map_get(args[1], args[0]) != T_NONE);
}

/* :erlang.map_get(key, map) */
Term data_nat_erl_map_get(Process *p, Term *args) {
    if (!is_map(args[1])) return bif_badmap(p, args[1]);
    Term v = map_get(args[1], args[0]);
    return v != T_NONE ? v : bif_badkey(p, args[0], args[1]);
}

/* ======================================================================
 * Lists: hd, tl, length
 * ====================================================================== */

Term data_nat_hd(Process *p, Term *args) {
    if (!is_cons(args[0])) return bif_arg_error(p, 1, "not a nonempty list");
    return CAR(args[0]);
}

Term data_nat_tl(Process *p, Term *args) {
    if (!is_cons(args[0])) return bif_arg_error(p, 1, "not a nonempty list");
    return CDR(args[0]);
}

Term data_nat_length(Process *p, Term *args) {
    long n = bif_list_length(args[0]);
    if (n < 0) return bif_arg_error(p, 1, "not a list");
    return make_small(n);
}

/* ======================================================================
 * Tuples
 * ====================================================================== */

/* Checks a 1-based position argument (argno in the Erlang BIF) against
 * [1, limit]; returns 0 after raising. */
static size_t position(Process *p, Term pos, size_t limit, int argno) {
    if (!is_integer(pos)) { bif_arg_error(p, argno, "not an integer"); return 0; }
    if (!is_small(pos) || small_val(pos) < 1 || (size_t)small_val(pos) > limit) {
        bif_arg_error(p, argno, "out of range");
        return 0;
    }
    return (size_t)small_val(pos);
}

/* element(pos, tuple) with Erlang argument positions. */
static Term element(Process *p, Term pos, Term tuple) {
    if (!is_tuple(tuple)) {
        if (!is_integer(pos)) return bif_arg_error(p, 1, "not an integer");
        return bif_arg_error(p, 2, "not a tuple");
    }
    size_t i = position(p, pos, tuple_arity(tuple), 1);
    return i ? tuple_elems(tuple)[i - 1] : T_NONE;
}

static Term setelement(Process *p, Term pos, Term tuple, Term val) {
    if (!is_tuple(tuple)) {
        if (!is_integer(pos)) return bif_arg_error(p, 1, "not an integer");
        return bif_arg_error(p, 2, "not a tuple");
    }
    size_t n = tuple_arity(tuple);
    size_t i = position(p, pos, n, 1);
    if (!i) return T_NONE;
    Term t = make_tuple(p, n, tuple_elems(tuple));
    tuple_elems(t)[i - 1] = val;
    return t;
}

/* A small index + 1 (Elixir's 0-based index to Erlang's 1-based position),
 * keeping non-integers as they are so position() reports them. */
static Term plus_one(Term i) {
    return is_small(i) && small_val(i) < SMALL_MAX ? make_small(small_val(i) + 1) : i;
}

Term data_nat_elem(Process *p, Term *args) { return element(p, plus_one(args[1]), args[0]); }
Term data_nat_put_elem(Process *p, Term *args) { return setelement(p, plus_one(args[1]), args[0], args[2]); }
Term data_nat_element(Process *p, Term *args) { return element(p, args[0], args[1]); }
Term data_nat_setelement(Process *p, Term *args) { return setelement(p, args[0], args[1], args[2]); }

Term data_nat_tuple_size(Process *p, Term *args) {
    if (!is_tuple(args[0])) return bif_arg_error(p, 1, "not a tuple");
    return make_small(tuple_arity(args[0]));
}

Term data_nat_map_size(Process *p, Term *args) {
    if (!is_map(args[0])) return bif_badmap(p, args[0]);
    return make_small(map_size(args[0]));
}

/* Tuples are limited like the BEAM's (2^24 - 1 elements) so that a bad size
 * raises instead of exhausting memory. */
#define TUPLE_MAX (((SInt)1 << 24) - 1)

static Term make_tuple_of(Process *p, Term n, Term val) {
    if (!is_integer(n)) return bif_arg_error(p, 1, "not an integer");
    if (!is_small(n) || small_val(n) < 0 || small_val(n) > TUPLE_MAX)
        return bif_arg_error(p, 1, "out of range");
    size_t k = (size_t)small_val(n);
    Term t = make_tuple(p, k, NULL);
    for (size_t i = 0; i < k; i++) tuple_elems(t)[i] = val;
    return t;
}

/* :erlang.make_tuple(n, val) and Tuple.duplicate(val, n) */
Term data_nat_make_tuple(Process *p, Term *args) { return make_tuple_of(p, args[0], args[1]); }
Term data_nat_tuple_duplicate(Process *p, Term *args) { return make_tuple_of(p, args[1], args[0]); }

Term data_nat_tuple_to_list(Process *p, Term *args) {
    if (!is_tuple(args[0])) return bif_arg_error(p, 1, "not a tuple");
    return make_list(p, tuple_arity(args[0]), tuple_elems(args[0]));
}

Term data_nat_list_to_tuple(Process *p, Term *args) {
    long n = bif_list_length(args[0]);
    if (n < 0) return bif_arg_error(p, 1, "not a list");
    if (n > TUPLE_MAX) return native_raise(p, ATOM_error, ATOM_system_limit);
    Term t = make_tuple(p, (size_t)n, NULL);
    Term l = args[0];
    for (long i = 0; i < n; i++, l = CDR(l)) tuple_elems(t)[i] = CAR(l);
    return t;
}

/* :erlang.append_element(tuple, val) and Tuple.append/2 */
Term data_nat_append_element(Process *p, Term *args) {
    Term t = args[0];
    if (!is_tuple(t)) return bif_arg_error(p, 1, "not a tuple");
    size_t n = tuple_arity(t);
    Term r = make_tuple(p, n + 1, NULL);
    memcpy(tuple_elems(r), tuple_elems(t), n * sizeof(Term));
    tuple_elems(r)[n] = args[1];
    return r;
}

static Term delete_element(Process *p, Term pos, Term t) {
    if (!is_tuple(t)) {
        if (!is_integer(pos)) return bif_arg_error(p, 1, "not an integer");
        return bif_arg_error(p, 2, "not a tuple");
    }
    size_t n = tuple_arity(t);
    size_t i = position(p, pos, n, 1);
    if (!i) return T_NONE;
    Term r = make_tuple(p, n - 1, NULL);
    memcpy(tuple_elems(r), tuple_elems(t), (i - 1) * sizeof(Term));
    memcpy(tuple_elems(r) + i - 1, tuple_elems(t) + i, (n - i) * sizeof(Term));
    return r;
}

static Term insert_element(Process *p, Term pos, Term t, Term val) {
    if (!is_tuple(t)) {
        if (!is_integer(pos)) return bif_arg_error(p, 1, "not an integer");
        return bif_arg_error(p, 2, "not a tuple");
    }
    size_t n = tuple_arity(t);
    size_t i = position(p, pos, n + 1, 1);
    if (!i) return T_NONE;
    Term r = make_tuple(p, n + 1, NULL);
    memcpy(tuple_elems(r), tuple_elems(t), (i - 1) * sizeof(Term));
    tuple_elems(r)[i - 1] = val;
    memcpy(tuple_elems(r) + i, tuple_elems(t) + i - 1, (n - i + 1) * sizeof(Term));
    return r;
}

Term data_nat_delete_element(Process *p, Term *args) { return delete_element(p, args[0], args[1]); }
Term data_nat_insert_element(Process *p, Term *args) { return insert_element(p, args[0], args[1], args[2]); }
Term data_nat_tuple_delete_at(Process *p, Term *args) { return delete_element(p, plus_one(args[1]), args[0]); }
Term data_nat_tuple_insert_at(Process *p, Term *args) {
    return insert_element(p, plus_one(args[1]), args[0], args[2]);
}

/* Tuple.sum/1 and Tuple.product/1: arithmetic errors as `+` and `*` raise. */
static Term tuple_fold(Process *p, Term t, bool product) {
    if (!is_tuple(t)) return bif_arg_error(p, 1, "not a tuple");
    Term acc = make_small(product ? 1 : 0);
    for (size_t i = 0, n = tuple_arity(t); i < n; i++) {
        acc = product ? arith_mul(p, acc, tuple_elems(t)[i]) : arith_add(p, acc, tuple_elems(t)[i]);
        if (acc == T_NONE) return T_NONE;
    }
    return acc;
}
Term data_nat_tuple_sum(Process *p, Term *args) { return tuple_fold(p, args[0], false); }
Term data_nat_tuple_product(Process *p, Term *args) { return tuple_fold(p, args[0], true); }

/* ======================================================================
 * Order: max, min, and the comparison operators as functions
 * ====================================================================== */

/* On equal terms both return the first argument, as erlang:max/min do. */
Term data_nat_max(Process *p, Term *args) { return term_compare(args[0], args[1]) < 0 ? args[1] : args[0]; }
Term data_nat_min(Process *p, Term *args) { return term_compare(args[0], args[1]) > 0 ? args[1] : args[0]; }

Term data_nat_eq(Process *p, Term *args) { return make_bool(term_eq(args[0], args[1])); }
Term data_nat_ne(Process *p, Term *args) { return make_bool(!term_eq(args[0], args[1])); }
Term data_nat_eqx(Process *p, Term *args) { return make_bool(term_eqx(args[0], args[1])); }
Term data_nat_nex(Process *p, Term *args) { return make_bool(!term_eqx(args[0], args[1])); }
Term data_nat_lt(Process *p, Term *args) { return make_bool(term_compare(args[0], args[1]) < 0); }
Term data_nat_le(Process *p, Term *args) { return make_bool(term_compare(args[0], args[1]) <= 0); }
Term data_nat_gt(Process *p, Term *args) { return make_bool(term_compare(args[0], args[1]) > 0); }
Term data_nat_ge(Process *p, Term *args) { return make_bool(term_compare(args[0], args[1]) >= 0); }
