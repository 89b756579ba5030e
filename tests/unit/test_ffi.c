/* test_ffi.c — the FFI at the C level: the conversions between terms and C
 * values (every type, its extremes and its refusals), the resource life
 * cycle (a resource lives exactly as long as a term, a message or an ETS
 * object refers to it), and the natives run in place (no runtime: the call
 * happens on the caller's thread). The golden tests in tests/ffi/ cover the
 * natives through Act, with the dirty thread pool. */
#include "unit.h"
#include "act_ffi.h"
#include "resource.h"
#include "binary.h"
#include "bignum.h"
#include "mailbox.h"
#include "ets.h"
#include "gc.h"
#include "atom.h"
#include "native.h"
#include "termops.h"
#include <math.h>
#include <stdlib.h>

static Process *p;

static Term A(const char *s) { return atom_intern_cstr(s); }
/* 2^64: the first integer no 64-bit C type holds. */
static Term two_to_64(void) {
    const mp_limb_t limbs[2] = { 0, 1 };
    return bignum_make(p, limbs, 2, false);
}

/* ---- argument conversions ------------------------------------------------ */

static const char *conv(FfiType ty, Term t, FfiValue *v) {
    Binary *hold;
    return ffi_from_term(ty, t, v, &hold);
}

static void test_type_names(void) {
    const char *names[] = { "void", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64",
                            "uint64", "int", "uint", "long", "ulong", "size_t", "float", "double",
                            "pointer", "string" };
    for (int i = 0; i < FT__COUNT; i++) {
        CHECK_EQ_INT(ffi_type_of(A(names[i])), i);
        CHECK_EQ_STR(ffi_type_name((FfiType)i), names[i]);
    }
    CHECK_EQ_INT(ffi_type_of(A("integer")), -1);
    CHECK_EQ_INT(ffi_type_of(make_small(1)), -1);
}

static void test_integer_args(void) {
    FfiValue v;
    CHECK(conv(FT_INT8, make_small(-128), &v) == NULL && v.i8 == -128);
    CHECK(conv(FT_INT8, make_small(127), &v) == NULL && v.i8 == 127);
    CHECK_EQ_STR(conv(FT_INT8, make_small(128), &v), "out of range");
    CHECK_EQ_STR(conv(FT_INT8, make_small(-129), &v), "out of range");
    CHECK(conv(FT_UINT8, make_small(255), &v) == NULL && v.u8 == 255);
    CHECK_EQ_STR(conv(FT_UINT8, make_small(-1), &v), "out of range");
    CHECK(conv(FT_INT16, make_small(-32768), &v) == NULL && v.i16 == -32768);
    CHECK_EQ_STR(conv(FT_UINT16, make_small(65536), &v), "out of range");
    CHECK(conv(FT_INT32, make_small(INT32_MIN), &v) == NULL && v.i32 == INT32_MIN);
    CHECK(conv(FT_UINT32, make_small(UINT32_MAX), &v) == NULL && v.u32 == UINT32_MAX);
    CHECK_EQ_STR(conv(FT_UINT32, make_small((int64_t)UINT32_MAX + 1), &v), "out of range");
    /* 64-bit extremes are bignums in Act (smalls have 63 bits). */
    CHECK(conv(FT_INT64, bignum_from_int64(p, INT64_MIN), &v) == NULL && v.i64 == INT64_MIN);
    CHECK(conv(FT_INT64, bignum_from_int64(p, INT64_MAX), &v) == NULL && v.i64 == INT64_MAX);
    CHECK(conv(FT_UINT64, bignum_from_uint64(p, UINT64_MAX), &v) == NULL && v.u64 == UINT64_MAX);
    CHECK_EQ_STR(conv(FT_UINT64, two_to_64(), &v), "out of range");
    CHECK_EQ_STR(conv(FT_INT64, bignum_from_uint64(p, (uint64_t)INT64_MAX + 1), &v), "out of range");
    CHECK_EQ_STR(conv(FT_UINT64, bignum_from_int64(p, INT64_MIN), &v), "out of range");
    CHECK(conv(FT_SIZE_T, make_small(0), &v) == NULL && v.u64 == 0);
    CHECK(conv(FT_LONG, make_small(-5), &v) == NULL && v.i64 == -5);
    CHECK_EQ_STR(conv(FT_INT, make_float(p, 1.0), &v), "not an integer");
    CHECK_EQ_STR(conv(FT_INT, A("one"), &v), "not an integer");
}

static void test_float_args(void) {
    FfiValue v;
    CHECK(conv(FT_DOUBLE, make_float(p, -2.5), &v) == NULL && v.d == -2.5);
    CHECK(conv(FT_DOUBLE, make_small(3), &v) == NULL && v.d == 3.0);
    CHECK(conv(FT_DOUBLE, bignum_from_uint64(p, UINT64_MAX), &v) == NULL && v.d == 18446744073709551616.0);
    CHECK(conv(FT_FLOAT, make_float(p, 0.5), &v) == NULL && v.f == 0.5f);
    CHECK_EQ_STR(conv(FT_FLOAT, make_float(p, 1e39), &v), "out of range");
    CHECK_EQ_STR(conv(FT_DOUBLE, make_cstring(p, "1.0"), &v), "not a number");
}

static void test_string_args(void) {
    FfiValue v;
    CHECK(conv(FT_STRING, make_cstring(p, "héllo"), &v) == NULL);
    CHECK_EQ_STR((char *)v.ptr, "héllo");
    free(v.ptr);
    uint8_t *b;
    Term long_bin = make_binary_uninit(p, 200, &b); /* a REFCBIN */
    memset(b, 'q', 200);
    CHECK(conv(FT_STRING, long_bin, &v) == NULL);
    CHECK(strlen(v.ptr) == 200 && ((char *)v.ptr)[199] == 'q');
    free(v.ptr);
    CHECK_EQ_STR(conv(FT_STRING, make_binary(p, "a\0b", 3), &v), "contains a NUL byte");
    CHECK_EQ_STR(conv(FT_STRING, A("abc"), &v), "not a binary");
}

static void test_pointer_args(void) {
    FfiValue v;
    Binary *hold = (Binary *)1;
    CHECK(ffi_from_term(FT_POINTER, ATOM_nil, &v, &hold) == NULL && v.ptr == NULL && hold == NULL);
    Term buf = ffi_nat_alloc(p, (Term[]){ make_small(16) });
    size_t size;
    uint8_t *mem = ffi_buffer(buf, &size);
    REQUIRE(mem != NULL);
    CHECK_EQ_INT(size, 16);
    CHECK(ffi_from_term(FT_POINTER, buf, &v, &hold) == NULL && v.ptr == mem);
    CHECK(hold == (Binary *)boxed_ptr(buf)[2]);
    CHECK(ffi_from_term(FT_POINTER, make_small(1234), &v, &hold) != NULL);
    CHECK(ffi_from_term(FT_POINTER, make_ref(p), &v, &hold) != NULL); /* a reference, not a resource */
    CHECK(ffi_from_term(FT_POINTER, make_cstring(p, "x"), &v, &hold) != NULL);
}

/* ---- return conversions --------------------------------------------------- */

static Term ret(FfiType ty, FfiValue v, Binary **blob) {
    Term words[FFI_RET_WORDS];
    Term t = ffi_to_term(ty, &v, words, blob);
    return gc_copy_term(p, t); /* onto the heap, as a reply message would be */
}

static void test_returns(void) {
    Binary *blob;
    FfiValue v = { .widest = 0 };
    v.widest = (unsigned long)(long)-1; /* as libffi widens a signed return */
    CHECK(ret(FT_INT8, v, &blob) == make_small(-1));
    CHECK(ret(FT_UINT8, v, &blob) == make_small(255));
    CHECK(ret(FT_INT16, v, &blob) == make_small(-1));
    CHECK(ret(FT_UINT32, v, &blob) == make_small(UINT32_MAX));
    CHECK(term_eqx(ret(FT_UINT64, v, &blob), bignum_from_uint64(p, UINT64_MAX)));
    v.i64 = INT64_MIN;
    CHECK(term_eqx(ret(FT_INT64, v, &blob), bignum_from_int64(p, INT64_MIN)));
    v.i64 = SMALL_MAX;
    CHECK(ret(FT_LONG, v, &blob) == make_small(SMALL_MAX));
    v.i64 = SMALL_MAX + 1; /* just past the smalls */
    CHECK(is_bignum(ret(FT_LONG, v, &blob)));
    CHECK(ret(FT_VOID, v, &blob) == ATOM_ok);

    v.d = -0.25;
    Term f = ret(FT_DOUBLE, v, &blob);
    CHECK(is_float(f) && float_val(f) == -0.25);
    v.f = 1.5f;
    f = ret(FT_FLOAT, v, &blob);
    CHECK(is_float(f) && float_val(f) == 1.5);
    v.d = INFINITY;
    CHECK(ret(FT_DOUBLE, v, &blob) == ATOM_infinity);
    v.d = -INFINITY;
    CHECK(ret(FT_DOUBLE, v, &blob) == A("neg_infinity"));
    v.d = NAN;
    CHECK(ret(FT_DOUBLE, v, &blob) == A("nan"));

    v.ptr = "short";
    Term s = ret(FT_STRING, v, &blob);
    CHECK(blob == NULL && term_eqx(s, make_cstring(p, "short")));
    char longs[101];
    memset(longs, 'z', 100);
    longs[100] = 0;
    v.ptr = longs;
    long blobs = binary_blob_count();
    s = ret(FT_STRING, v, &blob);
    REQUIRE(blob != NULL);
    binary_decref(blob); /* the heap copy keeps it */
    CHECK_EQ_INT(binary_blob_count(), blobs + 1);
    CHECK(term_eqx(s, make_cstring(p, longs)));
    v.ptr = NULL;
    CHECK(ret(FT_STRING, v, &blob) == ATOM_nil);
    CHECK(ret(FT_POINTER, v, &blob) == ATOM_nil);

    int x;
    v.ptr = &x;
    Term ptr = ret(FT_POINTER, v, &blob);
    REQUIRE(blob != NULL);
    binary_decref(blob);
    FfiValue back;
    Binary *hold;
    CHECK(is_ref(ptr) && ffi_from_term(FT_POINTER, ptr, &back, &hold) == NULL && back.ptr == &x);
    CHECK(!ffi_buffer(ptr, &(size_t){ 0 })); /* not readable from Act */
}

/* ---- resource life cycle ------------------------------------------------- */

static int destroyed;
static void count_destroy(void *obj) { destroyed += *(int *)obj; }
static const ResourceType counted = { "test", count_destroy };

static Term new_counted(Binary **blob) {
    int *obj = resource_new(&counted, sizeof(int), blob);
    *obj = 1;
    Term t = resource_term(p, *blob);
    binary_decref(*blob); /* only the term holds it */
    return t;
}

static void collect(Term *roots, size_t n) {
    p->gc_wanted = true;
    gc_collect(p, 0, roots, n);
    CHECK_EQ_INT(gc_verify_heap(p), 0);
}

static void test_lifetime_gc(void) {
    collect(NULL, 0); /* earlier tests' garbage */
    destroyed = 0;
    long live = resource_count();
    Binary *blob;
    Term keep = new_counted(&blob);
    new_counted(&blob); /* garbage at once */
    CHECK(is_ref(keep) && !is_binary(keep));
    CHECK_EQ_INT(resource_count(), live + 2);
    collect(&keep, 1);
    CHECK_EQ_INT(destroyed, 1);
    CHECK_EQ_INT(resource_count(), live + 1);
    /* The survivor still works after being moved, and moves again. */
    gc_force_move_for_test = true;
    collect(&keep, 1);
    gc_force_move_for_test = false;
    CHECK(resource_get(keep, &counted, NULL) != NULL);
    CHECK_EQ_INT(destroyed, 1);
    collect(NULL, 0);
    CHECK_EQ_INT(destroyed, 2);
    CHECK_EQ_INT(resource_count(), live);
}

static void test_lifetime_message(void) {
    destroyed = 0;
    Binary *blob;
    Term r = new_counted(&blob);
    Message *m = mailbox_msg_new(make_tuple2(p, A("buf"), r));
    CHECK_EQ_INT(atomic_load(&blob->refc), 2);
    collect(NULL, 0); /* the sender lets go */
    CHECK_EQ_INT(destroyed, 0);
    Term got = tuple_elems(m->term)[1];
    CHECK(boxed_ptr(got)[2] == (Term)blob);
    mailbox_msg_free(m); /* dropped unread */
    CHECK_EQ_INT(destroyed, 1);

    /* Received: the message's reference moves to the receiver's heap. */
    Process *q = process_new(256);
    r = new_counted(&blob);
    Term copy = gc_copy_term(q, r);
    CHECK(term_eqx(copy, r)); /* equal: same id */
    collect(NULL, 0);
    CHECK_EQ_INT(destroyed, 1);
    process_free(q);
    CHECK_EQ_INT(destroyed, 2);
}

static void test_lifetime_ets(void) {
    destroyed = 0;
    Binary *blob;
    Term r = new_counted(&blob);
    Term obj = make_tuple2(p, A("k"), r);
    EtsObj *o = ets_obj_new(obj, term_hash(A("k")));
    collect(NULL, 0);
    CHECK_EQ_INT(destroyed, 0);
    Term back = gc_copy_term(p, o->term); /* a lookup */
    CHECK(resource_get(tuple_elems(back)[1], &counted, NULL) != NULL);
    ets_obj_free(o);
    CHECK_EQ_INT(destroyed, 0); /* `back` still refers to it */
    collect(NULL, 0);
    CHECK_EQ_INT(destroyed, 1);
}

/* ---- the natives, in place ------------------------------------------------ */

static void test_natives_in_place(void) {
    Term r = ffi_nat_open(p, (Term[]){ make_cstring(p, "libm.so.6") });
    REQUIRE(is_tuple(r) && tuple_elems(r)[0] == ATOM_ok);
    Term lib = tuple_elems(r)[1];
    Term args[] = { lib, make_cstring(p, "cos"), make_list(p, 1, (Term[]){ A("double") }), A("double") };
    r = ffi_nat_function4(p, args);
    REQUIRE(is_tuple(r) && tuple_elems(r)[0] == ATOM_ok);
    Term cos = tuple_elems(r)[1];
    Term res = ffi_nat_call(p, (Term[]){ cos, make_list(p, 1, (Term[]){ make_float(p, 0.0) }) });
    CHECK(is_float(res) && float_val(res) == 1.0);
    /* Wrong count and wrong type raise (T_NONE) without calling. */
    CHECK(ffi_nat_call(p, (Term[]){ cos, T_NIL }) == T_NONE);
    CHECK(ffi_nat_call(p, (Term[]){ cos, make_list(p, 1, (Term[]){ A("x") }) }) == T_NONE);
    CHECK(ffi_nat_call(p, (Term[]){ lib, T_NIL }) == T_NONE);
    args[1] = make_cstring(p, "no_such_symbol_here");
    r = ffi_nat_function4(p, args);
    CHECK(is_tuple(r) && tuple_elems(r)[0] == ATOM_error);
    r = ffi_nat_open(p, (Term[]){ make_cstring(p, "libnot_there.so") });
    CHECK(is_tuple(r) && tuple_elems(r)[0] == ATOM_error);

    Term buf = ffi_nat_alloc(p, (Term[]){ make_small(4) });
    CHECK(ffi_nat_write3(p, (Term[]){ buf, make_small(1), make_cstring(p, "abc") }) == ATOM_ok);
    CHECK(term_eqx(ffi_nat_read2(p, (Term[]){ buf, make_small(4) }), make_binary(p, "\0abc", 4)));
    CHECK(ffi_nat_write3(p, (Term[]){ buf, make_small(2), make_cstring(p, "abc") }) == T_NONE);
    CHECK(ffi_nat_read3(p, (Term[]){ buf, make_small(5), make_small(0) }) == T_NONE);
    /* Everything made here is freed with the heap. */
    long live = resource_count();
    CHECK(live >= 3);
    process_free(p);
    CHECK_EQ_INT(resource_count(), 0);
    p = process_new(1 << 12);
}

int main(void) {
    p = process_new(1 << 12);
    RUN(test_type_names);
    RUN(test_integer_args);
    RUN(test_float_args);
    RUN(test_string_args);
    RUN(test_pointer_args);
    RUN(test_returns);
    RUN(test_lifetime_gc);
    RUN(test_lifetime_message);
    RUN(test_lifetime_ets);
    RUN(test_natives_in_place);
    process_free(p);
    return unit_summary();
}
