/* test_bif_data.c — the data natives (bif_data.c, bif_map.c, bif_list.c,
 * bif_sort.c) called directly, their results compared, as inspect text, with
 * what Elixir 1.14 prints for the same call (the golden tests in tests/data
 * cover the same ground through compiled Act code). */
#include "unit.h"
#include "native.h"
#include "heap.h"
#include "atom.h"
#include "map.h"
#include "inspect.h"
#include "process.h"
#include <stdlib.h>

static Process *p;

static Term A(const char *s) { return atom_intern_cstr(s); }
static Term I(long v) { return make_small(v); }
static Term F(double d) { return make_float(p, d); }
static Term T2(Term a, Term b) { return make_tuple2(p, a, b); }
static Term L(size_t n, const Term *e) { return make_list(p, n, e); }
#define LIST(...) L(sizeof((Term[]){__VA_ARGS__}) / sizeof(Term), (Term[]){__VA_ARGS__})
#define MAP(...) map_from_pairs(p, sizeof((Term[]){__VA_ARGS__}) / sizeof(Term) / 2, (Term[]){__VA_ARGS__})

/* inspect(t) as a C string (static buffer), or "<raised: reason>" */
static const char *show(Term t) {
    static char out[4096];
    StrBuf b = {0};
    if (t == T_NONE) {
        strbuf_puts(&b, "<raised: ");
        inspect_to_buf(&b, p->exc_reason, &inspect_default_opts);
        strbuf_puts(&b, ">");
        p->exc_reason = T_NIL;
    } else {
        inspect_to_buf(&b, t, &inspect_default_opts);
    }
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    strbuf_free(&b);
    return out;
}

/* Call a native with up to 4 arguments. */
static Term call(NativeFn f, Term a, Term b, Term c, Term d) {
    Term args[4] = {a, b, c, d};
    return f(p, args);
}
#define C1(f, a) call(f, a, T_NIL, T_NIL, T_NIL)
#define C2(f, a, b) call(f, a, b, T_NIL, T_NIL)
#define C3(f, a, b, c) call(f, a, b, c, T_NIL)
#define C4(f, a, b, c, d) call(f, a, b, c, d)

/* The message of an exception struct raised by the last call. */
/* The ArgumentError text of the last call's error: from the error info of
 * a :badarg (native_badarg_at's marker {:"$error_info", argno, what, nil}
 * on top of exc_trace, as Exception.normalize renders it), or the message
 * of a raised exception struct. */
static const char *raised_message(Term r) {
    static char out[512];
    static const char *const ord[] = {"1st", "2nd", "3rd", "4th", "5th"};
    if (r == T_NONE && p->exc_reason == ATOM_badarg && is_cons(p->exc_trace) && is_tuple(CAR(p->exc_trace)) &&
        tuple_arity(CAR(p->exc_trace)) == 4 && tuple_elems(CAR(p->exc_trace))[0] == ATOM__error_info_marker) {
        const Term *e = tuple_elems(CAR(p->exc_trace));
        long k = small_val(e[1]);
        size_t n;
        const uint8_t *w = binary_bytes(e[2], &n);
        snprintf(out, sizeof out, "errors were found at the given arguments:\n\n  * %s argument: %.*s\n",
                 ord[k >= 1 && k <= 5 ? k - 1 : 4], (int)n, (const char *)w);
        return out;
    }
    if (r != T_NONE || !is_map(p->exc_reason)) return "(no exception struct)";
    Term m = map_get(p->exc_reason, ATOM_message);
    size_t n;
    const uint8_t *s = binary_bytes(m, &n);
    snprintf(out, sizeof out, "%.*s", (int)n, (const char *)s);
    return out;
}

/* "Mod.fun/arity" of the error:function_clause raised by the last call, as
 * native_raise_fc reports it: the top of p->exc_trace, {Mod, Fun, Arity, []}. */
static const char *raised_fc(Term r) {
    static char out[256];
    if (r != T_NONE || p->exc_class != ATOM_error || p->exc_reason != ATOM_function_clause ||
        !is_cons(p->exc_trace) || !is_tuple(CAR(p->exc_trace)) || tuple_arity(CAR(p->exc_trace)) != 4)
        return "(no function_clause)";
    const Term *mfa = tuple_elems(CAR(p->exc_trace));
    long arity = 0; /* the arity, or the length of the arguments given */
    if (is_small(mfa[2])) arity = (long)small_val(mfa[2]);
    else if (is_list(mfa[2])) for (Term l = mfa[2]; is_cons(l); l = CDR(l)) arity++;
    else return "(no arity)";
    StrBuf b = {0};
    inspect_to_buf(&b, mfa[0], &inspect_default_opts);
    strbuf_puts(&b, ".");
    size_t n;
    const char *f = atom_name(mfa[1], &n);
    strbuf_put(&b, f, n);
    strbuf_printf(&b, "/%ld", arity);
    snprintf(out, sizeof out, "%s", b.data);
    strbuf_free(&b);
    return out;
}

static void test_kernel(void) {
    CHECK_EQ_STR(show(C1(data_nat_hd, LIST(I(1), I(2)))), "1");
    CHECK_EQ_STR(show(C1(data_nat_tl, LIST(I(1), I(2)))), "[2]");
    CHECK_EQ_STR(raised_message(C1(data_nat_hd, T_NIL)),
                 "errors were found at the given arguments:\n\n  * 1st argument: not a nonempty list\n");
    CHECK_EQ_STR(show(C1(data_nat_length, LIST(I(1), I(2), I(3)))), "3");
    CHECK_EQ_STR(raised_message(C1(data_nat_length, make_cons_cell(p, I(1), I(2)))),
                 "errors were found at the given arguments:\n\n  * 1st argument: not a list\n");
    Term t = make_tuple3(p, A("a"), A("b"), A("c"));
    CHECK_EQ_STR(show(C2(data_nat_elem, t, I(2))), ":c");
    CHECK_EQ_STR(raised_message(C2(data_nat_elem, t, I(3))),
                 "errors were found at the given arguments:\n\n  * 1st argument: out of range\n");
    CHECK_EQ_STR(raised_message(C2(data_nat_elem, A("x"), I(0))),
                 "errors were found at the given arguments:\n\n  * 2nd argument: not a tuple\n");
    CHECK_EQ_STR(show(C3(data_nat_put_elem, t, I(1), A("x"))), "{:a, :x, :c}");
    CHECK_EQ_STR(show(t), "{:a, :b, :c}");
    CHECK_EQ_STR(show(C1(data_nat_map_size, MAP(A("a"), I(1)))), "1");
    CHECK_EQ_STR(show(C1(data_nat_map_size, T_NIL)), "<raised: {:badmap, []}>");
    CHECK_EQ_STR(show(C2(data_nat_max, I(1), F(1.0))), "1");
    CHECK_EQ_STR(show(C2(data_nat_min, F(1.0), I(1))), "1.0");
    CHECK_EQ_STR(show(C2(data_nat_max, A("a"), I(99))), ":a");
    CHECK_EQ_STR(show(C2(data_nat_eq, I(1), F(1.0))), "true");
    CHECK_EQ_STR(show(C2(data_nat_eqx, I(1), F(1.0))), "false");
    CHECK_EQ_STR(show(C2(data_nat_lt, LIST(I(1)), make_cstring(p, ""))), "true");
    CHECK_EQ_STR(show(C1(data_nat_is_map, MAP())), "true");
    CHECK_EQ_STR(show(C1(data_nat_is_nil, ATOM_nil)), "true");
    CHECK_EQ_STR(show(C1(data_nat_is_list, make_cons_cell(p, I(1), I(2)))), "true");
    CHECK_EQ_STR(raised_message(C2(data_nat_is_function2, A("f"), I(-1))),
                 "errors were found at the given arguments:\n\n  * 2nd argument: out of range\n");
    CHECK_EQ_STR(show(C2(data_nat_is_map_key, MAP(A("a"), I(1)), A("a"))), "true");
    CHECK_EQ_STR(show(C2(data_nat_is_map_key, A("x"), A("a"))), "<raised: {:badmap, :x}>");
}

static void test_tuples(void) {
    Term t = make_tuple3(p, I(1), I(2), I(3));
    CHECK_EQ_STR(show(C1(data_nat_tuple_to_list, t)), "[1, 2, 3]");
    CHECK_EQ_STR(show(C2(data_nat_append_element, t, A("x"))), "{1, 2, 3, :x}");
    CHECK_EQ_STR(show(C2(data_nat_tuple_delete_at, t, I(0))), "{2, 3}");
    CHECK_EQ_STR(show(C3(data_nat_tuple_insert_at, t, I(3), A("z"))), "{1, 2, 3, :z}");
    CHECK_EQ_STR(raised_message(C3(data_nat_tuple_insert_at, t, I(4), A("z"))),
                 "errors were found at the given arguments:\n\n  * 1st argument: out of range\n");
    CHECK_EQ_STR(show(C2(data_nat_tuple_duplicate, A("a"), I(2))), "{:a, :a}");
    CHECK_EQ_STR(show(C1(data_nat_tuple_sum, make_tuple2(p, I(1), F(2.5)))), "3.5");
    CHECK_EQ_STR(show(C1(data_nat_tuple_product, make_tuple(p, 0, NULL))), "1");
    CHECK_EQ_STR(show(C1(data_nat_list_to_tuple, LIST(A("a"), I(1)))), "{:a, 1}");
    CHECK_EQ_STR(show(C2(data_nat_make_tuple, I(2), I(0))), "{0, 0}");
    CHECK_EQ_STR(show(C3(data_nat_setelement, I(1), t, A("s"))), "{:s, 2, 3}");
}

static void test_map_natives(void) {
    Term m = MAP(A("b"), I(2), A("a"), I(1));
    CHECK_EQ_STR(show(m), "%{a: 1, b: 2}");
    CHECK_EQ_STR(show(C2(map_nat_get2, m, A("z"))), "nil");
    CHECK_EQ_STR(show(C3(map_nat_get3, m, A("z"), I(0))), "0");
    CHECK_EQ_STR(show(C2(map_nat_fetch, m, A("a"))), "{:ok, 1}");
    CHECK_EQ_STR(show(C2(map_nat_fetch, m, A("z"))), ":error");
    CHECK_EQ_STR(show(C2(map_nat_fetch_bang, m, A("z"))), "<raised: {:badkey, :z}>");
    CHECK_EQ_STR(show(C3(map_nat_put, m, A("c"), I(3))), "%{a: 1, b: 2, c: 3}");
    CHECK_EQ_STR(show(C3(map_nat_put, I(1), A("c"), I(3))), "<raised: {:badmap, 1}>");
    CHECK_EQ_STR(show(C2(map_nat_delete, m, A("a"))), "%{b: 2}");
    CHECK_EQ_STR(show(C1(map_nat_keys, m)), "[:a, :b]");
    CHECK_EQ_STR(show(C1(map_nat_values, m)), "[1, 2]");
    CHECK_EQ_STR(show(C1(map_nat_to_list, m)), "[a: 1, b: 2]");
    CHECK_EQ_STR(show(C2(map_nat_merge, m, MAP(A("a"), I(9), A("c"), I(3)))), "%{a: 9, b: 2, c: 3}");
    CHECK_EQ_STR(show(C2(map_nat_pop2, m, A("a"))), "{1, %{b: 2}}");
    CHECK_EQ_STR(show(C3(map_nat_pop3, m, A("q"), I(0))), "{0, %{a: 1, b: 2}}");
    CHECK_EQ_STR(show(C2(map_nat_take, m, LIST(A("a"), A("q")))), "%{a: 1}");
    CHECK_EQ_STR(show(C2(map_nat_drop, m, LIST(A("a")))), "%{b: 2}");
    CHECK_EQ_STR(show(C2(map_nat_split, m, LIST(A("b")))), "{%{b: 2}, %{a: 1}}");
    CHECK_EQ_STR(show(C3(map_nat_put_new, m, A("a"), I(5))), "%{a: 1, b: 2}");
    CHECK_EQ_STR(show(C3(map_nat_replace_bang, m, A("q"), I(5))), "<raised: {:badkey, :q, %{a: 1, b: 2}}>");
    CHECK_EQ_STR(show(C1(map_nat_new1, LIST(T2(A("x"), I(1)), T2(A("x"), I(2))))), "%{x: 2}");
    CHECK_EQ_STR(show(C1(map_nat_new1, LIST(I(1)))), "<raised: :badarg>");
    CHECK_EQ_STR(show(C2(map_nat_equal, MAP(A("a"), I(1)), MAP(A("a"), F(1.0)))), "false");
    CHECK_EQ_STR(show(C2(map_nat_erl_get2, A("a"), m)), "1");
    CHECK_EQ_STR(show(C3(map_nat_erl_update, A("q"), I(1), m)), "<raised: {:badkey, :q, %{a: 1, b: 2}}>");
    CHECK_EQ_STR(show(C2(map_nat_erl_take, A("a"), m)), "{1, %{b: 2}}");
    /* mixed keys print in map key order */
    CHECK_EQ_STR(show(MAP(make_cstring(p, "x"), I(1), F(1.0), I(2), I(2), I(3), A("a"), I(4))),
                 "%{2 => 3, 1.0 => 2, :a => 4, \"x\" => 1}");
}

static void test_list_natives(void) {
    Term l = LIST(I(1), I(2), I(1), I(3));
    CHECK_EQ_STR(show(C2(list_nat_append, LIST(I(1)), I(2))), "[1 | 2]");
    CHECK_EQ_STR(show(C2(list_nat_append, make_cons_cell(p, I(1), I(2)), T_NIL)), "<raised: :badarg>");
    CHECK_EQ_STR(show(C2(list_nat_subtract, l, LIST(I(1)))), "[2, 1, 3]");
    CHECK_EQ_STR(show(C2(list_nat_subtract, LIST(I(1), I(2), F(1.0)), LIST(F(1.0)))), "[1, 2]");
    CHECK_EQ_STR(show(C1(list_nat_reverse1, l)), "[3, 1, 2, 1]");
    CHECK_EQ_STR(show(C1(list_nat_sort, LIST(I(3), F(1.0), I(2), I(1)))), "[1, 1.0, 2, 3]");
    CHECK_EQ_STR(show(C1(list_nat_usort, l)), "[1, 2, 3]");
    /* OTP's lists:sort/1 order for equal but distinct terms (from OTP 25) */
    CHECK_EQ_STR(show(C1(list_nat_sort, LIST(I(5), F(1.0), I(4), I(1), I(3)))), "[1, 1.0, 3, 4, 5]");
    CHECK_EQ_STR(show(C1(list_nat_sort, LIST(F(1.0), I(1), F(1.0), I(1)))), "[1.0, 1, 1.0, 1]");
    CHECK_EQ_STR(show(C1(list_nat_sort, LIST(I(2), F(1.0), I(1)))), "[1.0, 1, 2]");
    CHECK_EQ_STR(show(C1(list_nat_sort, LIST(T2(I(1), F(2.0)), T2(I(1), I(2))))), "[{1, 2.0}, {1, 2}]");
    CHECK_EQ_STR(show(C2(list_nat_keysort, I(1), LIST(T2(I(3), A("x")), T2(F(1.0), A("a")), T2(I(2), A("y")),
                                                      T2(I(1), A("b"))))),
                 "[{1.0, :a}, {1, :b}, {2, :y}, {3, :x}]");
    CHECK_EQ_STR(show(C2(list_nat_keysort, I(1), LIST(T2(F(1.0), A("a")), T2(I(1), A("b")), T2(I(0), A("c"))))),
                 "[{0, :c}, {1.0, :a}, {1, :b}]");
    CHECK_EQ_STR(show(C1(list_nat_flatten1, LIST(I(1), LIST(I(2), LIST(T_NIL)), I(3)))), "[1, 2, 3]");
    CHECK_EQ_STR(show(C2(list_nat_seq2, I(1), I(4))), "[1, 2, 3, 4]");
    CHECK_EQ_STR(show(C3(list_nat_seq3, I(10), I(1), I(-4))), "[10, 6, 2]");
    CHECK_EQ_STR(raised_fc(C2(list_nat_seq2, I(5), I(1))), ":lists.seq/2");
    CHECK_EQ_STR(show(C3(list_nat_keyfind, I(1), I(1), LIST(T2(F(1.0), A("a"))))), "{1.0, :a}");
    CHECK_EQ_STR(show(C2(list_nat_member, F(1.0), LIST(I(1)))), "false");
    CHECK_EQ_STR(show(C3(list_nat_insert_at, LIST(I(1), I(2)), I(-1), A("x"))), "[1, 2, :x]");
    CHECK_EQ_STR(show(C2(list_nat_delete_at, LIST(I(1), I(2)), I(-1))), "[1]");
    CHECK_EQ_STR(show(C3(list_nat_replace_at, LIST(I(1), I(2)), I(-3), A("x"))), "[1, 2]");
    CHECK_EQ_STR(show(C2(list_nat_pop_at2, LIST(I(1), I(2)), I(0))), "{1, [2]}");
    CHECK_EQ_STR(show(C1(list_nat_ex_zip, LIST(LIST(I(1), I(2)), LIST(A("a"))))), "[{1, :a}]");
    CHECK_EQ_STR(raised_fc(C1(list_nat_first1, A("x"))), "List.first/2");
    CHECK_EQ_STR(raised_fc(C3(list_nat_insert_at, A("x"), I(0), I(0))), "List.insert_at/3");
    /* Elixir's List.last/2 fails in a case on {tail, default} */
    CHECK_EQ_STR(show(C1(list_nat_last1, make_cons_cell(p, I(1), I(2)))), "<raised: {:case_clause, {2, nil}}>");
    CHECK_EQ_STR(show(C2(list_nat_last2, A("x"), I(0))), "<raised: {:case_clause, {:x, 0}}>");
    CHECK_EQ_STR(show(C4(list_nat_ex_keystore, LIST(T2(A("a"), I(1))), A("b"), I(0), T2(A("b"), I(2)))),
                 "[a: 1, b: 2]");
    CHECK_EQ_STR(show(C3(list_nat_ex_keytake, LIST(T2(A("a"), I(1)), T2(A("b"), I(2))), A("b"), I(0))),
                 "{{:b, 2}, [a: 1]}");
}

static void test_keyword_natives(void) {
    Term kw = LIST(T2(A("a"), I(1)), T2(A("b"), I(2)), T2(A("a"), I(3)));
    CHECK_EQ_STR(show(C2(kw_nat_get2, kw, A("a"))), "1");
    CHECK_EQ_STR(raised_fc(C2(kw_nat_get2, kw, make_cstring(p, "a"))), "Keyword.get/3");
    CHECK_EQ_STR(raised_fc(C2(kw_nat_pop_bang, A("x"), A("a"))), "Keyword.pop!/2");
    CHECK_EQ_STR(raised_fc(C2(kw_nat_merge, A("x"), T_NIL)), "Keyword.merge/2");
    CHECK_EQ_STR(show(C2(kw_nat_get_values, kw, A("a"))), "[1, 3]");
    CHECK_EQ_STR(show(C3(kw_nat_put, kw, A("a"), I(0))), "[a: 0, b: 2]");
    CHECK_EQ_STR(show(C2(kw_nat_delete, kw, A("a"))), "[b: 2]");
    CHECK_EQ_STR(show(C2(kw_nat_pop2, kw, A("a"))), "{1, [b: 2]}");
    CHECK_EQ_STR(show(C3(kw_nat_replace, kw, A("a"), I(9))), "[a: 9, b: 2]");
    CHECK_EQ_STR(show(C2(kw_nat_fetch_bang, kw, A("z"))), "<raised: {:badkey, :z, [a: 1, b: 2, a: 3]}>");
    CHECK_EQ_STR(show(C2(kw_nat_merge, kw, LIST(T2(A("a"), I(9))))), "[b: 2, a: 9]");
    CHECK_EQ_STR(raised_message(C2(kw_nat_merge, kw, LIST(T2(I(1), I(2))))),
                 "expected a keyword list as the second argument, got: [{1, 2}]");
    CHECK_EQ_STR(show(C1(kw_nat_new1, LIST(T2(A("c"), I(1)), T2(A("a"), I(2)), T2(A("c"), I(3))))), "[a: 2, c: 3]");
    CHECK_EQ_STR(show(C1(kw_nat_is_keyword, LIST(T2(make_cstring(p, "a"), I(1))))), "false");
}

int main(void) {
    atom_init();
    p = process_new(1 << 16);
    RUN(test_kernel);
    RUN(test_tuples);
    RUN(test_map_natives);
    RUN(test_list_natives);
    RUN(test_keyword_natives);
    process_free(p);
    return unit_summary();
}
