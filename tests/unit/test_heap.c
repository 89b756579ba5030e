/* test_heap.c — bump allocation, fragments, constructors and binaries. */
#include "unit.h"
#include "heap.h"
#include "gc.h"
#include "binary.h"
#include "atom.h"
#include "native.h"
#include "config.h"

/* In -Dgc_stress builds every allocation asks for a collection. */
#ifdef ACT_GC_STRESS
#define STRESS 1
#else
#define STRESS 0
#endif

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

static bool bin_is(Term b, const char *s) {
    size_t len;
    const uint8_t *d = binary_bytes(b, &len);
    return d && len == strlen(s) && memcmp(d, s, len) == 0;
}

static void test_bump_and_fragments(void) {
    Process p = {0};
    heap_init(&p, 100);
    CHECK(p.heap_words >= 100);
    CHECK(p.htop == p.heap && p.hend == p.heap + p.heap_words);
    CHECK(!heap_gc_wanted(&p));
    Term *a = heap_alloc(&p, 10);
    CHECK(a == p.heap && p.htop == p.heap + 10);
    /* Fill the block exactly: still no fragment. */
    size_t rest = (size_t)(p.hend - p.htop);
    Term *b = heap_alloc(&p, rest);
    CHECK(b == a + 10 && p.htop == p.hend && p.frags == NULL && (STRESS || !heap_gc_wanted(&p)));
    /* Next request goes to a fragment and asks for a collection. */
    a[0] = make_small(123);
    Term *c = heap_alloc(&p, 5);
    REQUIRE(p.frags != NULL);
    CHECK(heap_gc_wanted(&p));
    CHECK(c == p.frags->data);
    CHECK_EQ_INT(small_val(a[0]), 123); /* nothing moved */
    /* Small requests reuse the newest fragment. */
    Term *d = heap_alloc(&p, 5);
    CHECK(d == c + 5 && p.frags->next == NULL);
    /* A huge request gets its own fragment of at least its size. */
    Term *e = heap_alloc(&p, 100000);
    CHECK(p.frags->size >= 100000 && e == p.frags->data);
    e[99999] = ATOM_ok; /* writable to the end (ASan checks) */
    CHECK_EQ_UINT(gc_heap_used(&p), p.heap_words + 10 + 100000);
    /* Fragment sizes grow: many small requests make few fragments. */
    size_t nf0 = 0, nf1 = 0;
    for (HeapFrag *f = p.frags; f; f = f->next) nf0++;
    for (int i = 0; i < 200000; i++) heap_alloc(&p, 3);
    for (HeapFrag *f = p.frags; f; f = f->next) nf1++;
    CHECK(nf1 - nf0 < 20);
    heap_free(&p);
    CHECK(p.heap == NULL && p.frags == NULL);
}

static void test_constructors(void) {
    Process p = {0};
    heap_init(&p, 0);
    Term elems[3] = {make_small(1), ATOM_ok, T_NIL};
    Term t = make_tuple(&p, 3, elems);
    CHECK(is_tuple(t) && tuple_arity(t) == 3 && tuple_elems(t)[1] == ATOM_ok);
    Term z = make_tuple(&p, 4, NULL);
    CHECK(tuple_arity(z) == 4 && tuple_elems(z)[3] == T_NIL);
    Term e = make_tuple(&p, 0, NULL);
    CHECK(is_tuple(e) && tuple_arity(e) == 0);
    Term t2 = make_tuple2(&p, ATOM_error, make_small(-5));
    CHECK(tuple_arity(t2) == 2 && small_val(tuple_elems(t2)[1]) == -5);
    Term l = make_list(&p, 3, elems);
    CHECK(is_cons(l) && CAR(l) == make_small(1) && CAR(CDR(l)) == ATOM_ok);
    CHECK(CAR(CDR(CDR(l))) == T_NIL && CDR(CDR(CDR(l))) == T_NIL);
    CHECK(make_list(&p, 0, NULL) == T_NIL);
    Term f = make_float(&p, 0.1);
    CHECK(float_val(f) == 0.1);
    heap_free(&p);
}

static void test_binaries(void) {
    long blobs0 = binary_blob_count();
    Process p = {0};
    heap_init(&p, 0);
    Term small = make_cstring(&p, "hello");
    CHECK(is_binary(small) && box_type(small) == BOX_HEAPBIN);
    CHECK(bin_is(small, "hello"));
    CHECK_EQ_INT(binary_size(small), 5);
    Term empty = make_binary(&p, "", 0);
    CHECK(is_binary(empty) && binary_size(empty) == 0);
    char big[200];
    for (int i = 0; i < 200; i++) big[i] = (char)('a' + i % 26);
    Term at_max = make_binary(&p, big, HEAPBIN_MAX);
    CHECK(box_type(at_max) == BOX_HEAPBIN);
    CHECK_EQ_INT(binary_blob_count(), blobs0);
    Term refc = make_binary(&p, big, 200);
    CHECK(box_type(refc) == BOX_REFCBIN);
    CHECK_EQ_INT(binary_blob_count(), blobs0 + 1);
    CHECK(p.off_heap == boxed_ptr(refc));
    size_t len;
    const uint8_t *d = binary_bytes(refc, &len);
    CHECK(len == 200 && memcmp(d, big, 200) == 0);
    CHECK(binary_bytes(make_small(1), &len) == NULL && len == 0);
    CHECK(binary_bytes(make_tuple(&p, 0, NULL), &len) == NULL);
    CHECK_EQ_INT(binary_size(ATOM_ok), -1);

    /* Slices: short ones are copied, long ones share the original, and a
     * slice of a slice points at the original. */
    Term s1 = binary_sub(&p, refc, 10, 100);
    CHECK(box_type(s1) == BOX_SUBBIN && boxed_ptr(s1)[3] == refc);
    d = binary_bytes(s1, &len);
    CHECK(len == 100 && memcmp(d, big + 10, 100) == 0);
    Term s2 = binary_sub(&p, s1, 5, 50);
    CHECK(box_type(s2) == BOX_SUBBIN && boxed_ptr(s2)[3] == refc);
    d = binary_bytes(s2, &len);
    CHECK(len == 50 && memcmp(d, big + 15, 50) == 0);
    Term s3 = binary_sub(&p, s2, 1, 3);
    CHECK(box_type(s3) == BOX_HEAPBIN);
    d = binary_bytes(s3, &len);
    CHECK(len == 3 && memcmp(d, big + 16, 3) == 0);
    CHECK(binary_sub(&p, refc, 0, 200) == refc);
    Term s4 = binary_sub(&p, small, 1, 3);
    CHECK(bin_is(s4, "ell"));
    CHECK(binary_sub(&p, small, 6, 0) == T_NONE && p.exc_reason == ATOM_badarg);
    CHECK(binary_sub(&p, small, 2, 4) == T_NONE);
    CHECK(bin_is(binary_sub(&p, small, 5, 0), ""));

    /* Concatenation. */
    Term parts[3] = {small, make_cstring(&p, ", "), make_cstring(&p, "world")};
    CHECK(bin_is(binary_concat(&p, 3, parts), "hello, world"));
    CHECK(binary_concat(&p, 1, parts) == small);
    Term with_empty[3] = {refc, make_binary(&p, "", 0), empty};
    CHECK(binary_concat(&p, 3, with_empty) == refc);
    CHECK(bin_is(binary_concat(&p, 0, parts), ""));
    Term mix[2] = {refc, s2};
    Term cc = binary_concat(&p, 2, mix);
    d = binary_bytes(cc, &len);
    CHECK(len == 250 && box_type(cc) == BOX_REFCBIN && memcmp(d + 200, big + 15, 50) == 0);
    p.exc_reason = T_NIL;
    Term bad[2] = {small, make_small(1)};
    CHECK(binary_concat(&p, 2, bad) == T_NONE && p.exc_reason == ATOM_badarg);

    /* Lists of bytes both ways. */
    Term bl = binary_to_list(&p, s4);
    CHECK(is_cons(bl) && CAR(bl) == make_small('e') && CAR(CDR(CDR(bl))) == make_small('l'));
    CHECK(bin_is(binary_from_byte_list(&p, bl), "ell"));
    Term badl = make_cons_cell(&p, make_small(256), T_NIL);
    CHECK(binary_from_byte_list(&p, badl) == T_NONE);
    CHECK(binary_from_byte_list(&p, make_cons_cell(&p, make_small(1), make_small(2))) == T_NONE);
    CHECK(binary_to_list(&p, empty) == T_NIL);

    long n_live = binary_blob_count();
    CHECK_EQ_INT(n_live, blobs0 + 2);
    heap_free(&p);
    CHECK_EQ_INT(binary_blob_count(), blobs0); /* heap_free drops every reference */
}

/* The message a native raised (the stub reason is the message binary). */
#define ARGERR "errors were found at the given arguments:\n\n"
static bool raised(Process *p, Term r, const char *lines) {
    char want[300];
    snprintf(want, sizeof want, ARGERR "%s", lines);
    return r == T_NONE && p->exc_class == ATOM_error && bin_is(p->exc_reason, want);
}

/* Results and error messages checked against Elixir 1.14 / OTP 25. */
static void test_natives(void) {
    Process p = {0};
    heap_init(&p, 0);
    Term args[3];
    Term big = make_uint(&p, UINT64_MAX);
    args[0] = make_cstring(&p, "abcdef");
    CHECK(binary_nat_byte_size(&p, args) == make_small(6));
    args[0] = ATOM_ok;
    CHECK(raised(&p, binary_nat_byte_size(&p, args), "  * 1st argument: not a bitstring\n"));

    args[0] = make_cstring(&p, "abcdef");
    args[1] = make_small(1);
    args[2] = make_small(3);
    CHECK(bin_is(binary_nat_part(&p, args), "bcd"));
    args[1] = make_small(6); args[2] = make_small(-2); /* negative length */
    CHECK(bin_is(binary_nat_part(&p, args), "ef"));
    args[1] = make_small(6); args[2] = make_small(0);
    CHECK(bin_is(binary_nat_part(&p, args), ""));
    args[1] = make_small(5); args[2] = make_small(2);
    CHECK(raised(&p, binary_nat_part(&p, args), "  * 3rd argument: out of range\n"));
    args[1] = make_small(1); args[2] = make_small(-2);
    CHECK(raised(&p, binary_nat_part(&p, args), "  * 3rd argument: out of range\n"));
    args[1] = make_small(-1); args[2] = make_small(1);
    CHECK(raised(&p, binary_nat_part(&p, args), "  * 2nd argument: out of range\n"));
    args[1] = make_small(7); args[2] = make_small(-1);
    CHECK(raised(&p, binary_nat_part(&p, args), "  * 2nd argument: out of range\n"));
    args[1] = big; args[2] = make_small(1);
    CHECK(raised(&p, binary_nat_part(&p, args), "  * 2nd argument: out of range\n"));
    args[1] = make_small(0); args[2] = big;
    CHECK(raised(&p, binary_nat_part(&p, args), "  * 3rd argument: out of range\n"));
    args[1] = ATOM_ok; args[2] = make_small(9);
    CHECK(raised(&p, binary_nat_part(&p, args), "  * 2nd argument: not an integer\n"));
    args[1] = make_small(9); args[2] = ATOM_ok;
    CHECK(raised(&p, binary_nat_part(&p, args), "  * 3rd argument: not an integer\n"));
    args[0] = ATOM_ok; args[1] = ATOM_ok; args[2] = make_small(1);
    CHECK(raised(&p, binary_nat_part(&p, args),
                 "  * 1st argument: not a binary\n  * 2nd argument: not an integer\n"));

    /* iolists: nested, with binaries, bytes and a binary tail. */
    Term inner[2] = {make_small('b'), make_cstring(&p, "cd")};
    Term nested = make_list(&p, 2, inner);
    Term outer = make_cons_cell(&p, make_small('a'),
                   make_cons_cell(&p, nested, make_cons_cell(&p, T_NIL, make_cstring(&p, "ef"))));
    args[0] = outer;
    CHECK(bin_is(binary_nat_iolist_to_binary(&p, args), "abcdef"));
    CHECK(bin_is(binary_nat_from_list(&p, args), "abcdef"));
    CHECK(binary_nat_iolist_size(&p, args) == make_small(6));
    args[0] = make_cstring(&p, "bin");
    CHECK(binary_nat_iolist_to_binary(&p, args) == args[0]);
    CHECK(binary_nat_iolist_size(&p, args) == make_small(3));
    CHECK(raised(&p, binary_nat_from_list(&p, args), "  * 1st argument: not an iolist term\n"));
    args[0] = make_cons_cell(&p, ATOM_ok, T_NIL);
    CHECK(raised(&p, binary_nat_iolist_to_binary(&p, args), "  * 1st argument: not an iodata term\n"));
    CHECK(raised(&p, binary_nat_from_list(&p, args), "  * 1st argument: not an iolist term\n"));
    args[0] = make_cons_cell(&p, make_small(256), T_NIL);
    CHECK(raised(&p, binary_nat_iolist_size(&p, args), "  * 1st argument: not an iodata term\n"));
    args[0] = make_cons_cell(&p, make_small(1), ATOM_ok); /* bad tail */
    CHECK(raised(&p, binary_nat_iolist_to_binary(&p, args), "  * 1st argument: not an iodata term\n"));
    args[0] = make_small(3);
    CHECK(raised(&p, binary_nat_iolist_to_binary(&p, args), "  * 1st argument: not an iodata term\n"));
    CHECK(raised(&p, binary_nat_iolist_size(&p, args), "  * 1st argument: not an iodata term\n"));
    /* Deep nesting is walked without C recursion. */
    Term deep = make_cstring(&p, "z");
    for (int i = 0; i < 100000; i++) deep = make_cons_cell(&p, deep, T_NIL);
    args[0] = deep;
    CHECK(bin_is(binary_nat_from_list(&p, args), "z"));
    args[0] = make_cstring(&p, "hey");
    Term l = binary_nat_to_list(&p, args);
    CHECK(is_cons(l) && CAR(l) == make_small('h') && CAR(CDR(CDR(l))) == make_small('y'));
    args[0] = T_NIL;
    CHECK(raised(&p, binary_nat_to_list(&p, args), "  * 1st argument: not a binary\n"));
    heap_free(&p);
}

/* Appending in place: repeated appends share one blob (amortised linear),
 * every intermediate handle keeps seeing its own bytes, and appending twice to
 * the same binary (branching) copies instead of overwriting. */
static void test_append_in_place(void) {
    Process p = {0};
    heap_init(&p, 0);
    long blobs0 = binary_blob_count();
    char expect[20000];
    for (int i = 0; i < 20000; i++) expect[i] = (char)('A' + i % 50);
    Term acc = make_binary(&p, "", 0);
    Term snapshots[4] = {0};
    size_t blob_changes = 0;
    const Binary *last = NULL;
    for (int i = 0; i < 20000; i++) {
        Term parts[2] = {acc, make_binary(&p, expect + i, 1)};
        acc = binary_concat(&p, 2, parts);
        if (box_type(acc) == BOX_REFCBIN && (const Binary *)boxed_ptr(acc)[2] != last) {
            last = (const Binary *)boxed_ptr(acc)[2];
            blob_changes++;
        }
        if (i == 99) snapshots[0] = acc;
        if (i == 4999) snapshots[1] = acc;
    }
    size_t len;
    const uint8_t *d = binary_bytes(acc, &len);
    CHECK(len == 20000 && memcmp(d, expect, len) == 0);
    CHECK(blob_changes < 16); /* doubling: log2(20000 / 65) + 1 blobs */
    d = binary_bytes(snapshots[0], &len);
    CHECK(len == 100 && memcmp(d, expect, len) == 0);
    d = binary_bytes(snapshots[1], &len);
    CHECK(len == 5000 && memcmp(d, expect, len) == 0);
    /* Branching: x <> "1" and x <> "2" from the same x. */
    Term x = snapshots[1];
    Term one[2] = {x, make_cstring(&p, "1")}, two[2] = {x, make_cstring(&p, "2")};
    Term x1 = binary_concat(&p, 2, one);
    Term x2 = binary_concat(&p, 2, two);
    d = binary_bytes(x1, &len);
    CHECK(len == 5001 && d[5000] == '1' && memcmp(d, expect, 5000) == 0);
    d = binary_bytes(x2, &len);
    CHECK(len == 5001 && d[5000] == '2' && memcmp(d, expect, 5000) == 0);
    Term x1a[2] = {x1, x1}; /* self-append */
    Term xx = binary_concat(&p, 2, x1a);
    d = binary_bytes(xx, &len);
    CHECK(len == 10002 && memcmp(d, d + 5001, 5001) == 0 && d[5000] == '1');
    d = binary_bytes(x1, &len);
    CHECK(len == 5001 && d[5000] == '1');
    /* Another process may not append to a blob it does not write. */
    Process q = {0};
    heap_init(&q, 0);
    Term y[2] = {acc, make_cstring(&q, "!")};
    Term qy = binary_concat(&q, 2, y);
    CHECK((const Binary *)boxed_ptr(qy)[2] != (const Binary *)boxed_ptr(acc)[2]);
    heap_free(&q);
    heap_free(&p);
    CHECK_EQ_INT(binary_blob_count(), blobs0);
}

int main(void) {
    atom_init();
    RUN(test_bump_and_fragments);
    RUN(test_constructors);
    RUN(test_binaries);
    RUN(test_natives);
    RUN(test_append_in_place);
    return unit_summary();
}
