/* test_atom.c — the global atom table: predefined atoms, interning, lookup,
 * the length and count limits, and concurrent interning. */
#include "unit.h"
#include "atom.h"
#include "heap.h"
#include "native.h"

#include <pthread.h>
#include <stdlib.h>

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

static void test_predefined(void) {
    size_t len;
    CHECK_EQ_STR(atom_name(ATOM_false, &len), "false");
    CHECK_EQ_INT(len, 5);
    CHECK_EQ_STR(atom_name(ATOM_true, NULL), "true");
    CHECK_EQ_STR(atom_name(ATOM_Elixir_ArgumentError, NULL), "Elixir.ArgumentError");
    CHECK(atom_intern_cstr("ok") == ATOM_ok);
    CHECK(atom_lookup("nil", 3) == ATOM_nil);
    CHECK(atom_count() >= ATOMIX__PREDEFINED);
    /* Every predefined atom is at its constant's index. */
#define ATOM(id, text) CHECK(atom_lookup(text, strlen(text)) == ATOM_##id);
#include "atoms.def"
#undef ATOM
}

static void test_intern_lookup(void) {
    uint32_t n0 = atom_count();
    CHECK(atom_lookup("fresh_atom_xyz", 14) == T_NONE);
    Term a = atom_intern("fresh_atom_xyz", 14);
    CHECK(is_atom(a));
    CHECK_EQ_INT(atom_count(), n0 + 1);
    CHECK(atom_intern("fresh_atom_xyz", 14) == a);
    CHECK(atom_lookup("fresh_atom_xyz", 14) == a);
    CHECK_EQ_INT(atom_count(), n0 + 1);
    /* Names are length-delimited: embedded NULs and prefixes are distinct. */
    Term z = atom_intern("a\0b", 3);
    Term pre = atom_intern("a", 1);
    CHECK(z != pre && is_atom(z));
    size_t len;
    const char *nm = atom_name(z, &len);
    CHECK_EQ_INT(len, 3);
    CHECK(nm && memcmp(nm, "a\0b", 3) == 0);
    Term empty = atom_intern("", 0);
    CHECK(is_atom(empty) && atom_name(empty, &len) && len == 0);
    CHECK(atom_name(make_atom(ATOM_LIMIT - 1), &len) == NULL); /* never published */
    CHECK(atom_name(make_small(1), &len) == NULL);
    /* Many atoms: the index grows and keeps every earlier atom. */
    char buf[32];
    Term first = T_NONE;
    for (int i = 0; i < 20000; i++) {
        int k = snprintf(buf, sizeof buf, "grow_%d", i);
        Term t = atom_intern(buf, (size_t)k);
        if (i == 0) first = t;
        if (!is_atom(t)) { CHECK(is_atom(t)); break; }
    }
    CHECK(atom_lookup("grow_0", 6) == first);
    CHECK(atom_lookup("grow_19999", 10) != T_NONE);
    CHECK_EQ_STR(atom_name(atom_lookup("grow_12345", 10), NULL), "grow_12345");
}

static void test_length_limit(void) {
    char name[4 * ATOM_MAX_LEN + 8];
    memset(name, 'x', ATOM_MAX_LEN + 1);
    CHECK(is_atom(atom_intern(name, ATOM_MAX_LEN)));
    CHECK(atom_intern(name, ATOM_MAX_LEN + 1) == T_NONE);
    /* The limit counts characters: 255 two-byte characters are fine. */
    for (int i = 0; i < ATOM_MAX_LEN; i++) memcpy(name + 2 * i, "\xc3\xa9", 2);
    CHECK(is_atom(atom_intern(name, 2 * ATOM_MAX_LEN)));
    memcpy(name + 2 * ATOM_MAX_LEN, "\xc3\xa9", 2);
    CHECK(atom_intern(name, 2 * ATOM_MAX_LEN + 2) == T_NONE);
}

/* Atoms from program data stop ATOM_RESERVE short of the limit; the VM's own
 * interning may still use the reserve. */
static void test_user_reserve(void) {
    uint32_t n = atom_count();
    atom_set_limit_for_test(n + ATOM_RESERVE + 1);
    CHECK(is_atom(atom_intern_user("user_a", 6)));
    CHECK(atom_intern_user("user_b", 6) == T_NONE);
    CHECK(atom_intern_user("user_a", 6) == atom_lookup("user_a", 6));
    CHECK(is_atom(atom_intern_cstr("vm_own_atom")));
    CHECK(atom_count() == n + 2);
    atom_set_limit_for_test(ATOM_LIMIT);
    CHECK(is_atom(atom_intern_user("user_b", 6)));
}

static void test_count_limit(void) {
    uint32_t n = atom_count();
    atom_set_limit_for_test(n + 2);
    CHECK(is_atom(atom_intern_cstr("limit_a")));
    CHECK(is_atom(atom_intern_cstr("limit_b")));
    CHECK(atom_intern_cstr("limit_c") == T_NONE);
    CHECK_EQ_INT(atom_count(), n + 2);
    /* Existing atoms still intern at the limit. */
    CHECK(atom_intern_cstr("limit_a") == atom_lookup("limit_a", 7));
    CHECK(atom_intern_cstr("ok") == ATOM_ok);
    CHECK(atom_lookup("limit_c", 7) == T_NONE);
    atom_set_limit_for_test(ATOM_LIMIT);
    CHECK(is_atom(atom_intern_cstr("limit_c")));
}

/* ---- concurrency: threads intern overlapping name sets ---- */
#define NTHREADS 8
#define PER_THREAD 4000

typedef struct Job {
    int id;
    Term got[PER_THREAD];
    int bad_lookups;
} Job;

static void *intern_worker(void *arg) {
    Job *j = arg;
    char buf[32];
    for (int i = 0; i < PER_THREAD; i++) {
        /* Half the names are shared by all threads, half are private. */
        int k = (i % 2) ? snprintf(buf, sizeof buf, "conc_shared_%d", i)
                        : snprintf(buf, sizeof buf, "conc_t%d_%d", j->id, i);
        j->got[i] = atom_intern(buf, (size_t)k);
        size_t len;
        const char *nm = atom_name(j->got[i], &len);
        if (!nm || len != (size_t)k || memcmp(nm, buf, len) != 0) j->bad_lookups++;
        if (atom_lookup(buf, (size_t)k) != j->got[i]) j->bad_lookups++;
    }
    return NULL;
}

static void test_concurrent(void) {
    static Job jobs[NTHREADS];
    pthread_t th[NTHREADS];
    uint32_t n0 = atom_count();
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i].id = i;
        pthread_create(&th[i], NULL, intern_worker, &jobs[i]);
    }
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    int bad = 0, disagree = 0;
    for (int i = 0; i < NTHREADS; i++) {
        bad += jobs[i].bad_lookups;
        for (int k = 1; k < PER_THREAD; k += 2)
            if (jobs[i].got[k] != jobs[0].got[k]) disagree++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(disagree, 0);
    /* Each shared name was interned once, each private name once. */
    CHECK_EQ_INT(atom_count() - n0, PER_THREAD / 2 + NTHREADS * PER_THREAD / 2);
}

int main(void) {
    atom_init();
    RUN(test_predefined);
    RUN(test_intern_lookup);
    RUN(test_length_limit);
    RUN(test_count_limit);
    RUN(test_user_reserve);
    RUN(test_concurrent);
    return unit_summary();
}
