/* test_keyset.c — the hash set behind links and monitors (vm/keyset.c). */
#include "unit.h"
#include "keyset.h"
#include <stdlib.h>

static void test_basic(void) {
    KeySet s = { 0 };
    CHECK(keyset_find(&s, 5) == NULL);
    CHECK(keyset_add(&s, 5, 10, 20));
    CHECK(!keyset_add(&s, 5, 11, 21));            /* present: unchanged */
    KeyEntry *e = keyset_find(&s, 5);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->a, 10);
    CHECK_EQ_INT(e->b, 20);
    KeyEntry out;
    CHECK(keyset_remove(&s, 5, &out));
    CHECK_EQ_INT(out.a, 10);
    CHECK(!keyset_remove(&s, 5, NULL));
    CHECK_EQ_INT(s.n, 0);
    CHECK(s.e == NULL);                           /* empty again: memory gone */
}

static void test_reserved_keys(void) {
    KeySet s = { 0 };
    CHECK(keyset_add(&s, 7, 1, 1));
    CHECK(!keyset_add(&s, KEYSET_EMPTY, 1, 1));
    CHECK(!keyset_add(&s, KEYSET_TOMB, 1, 1));
    CHECK(keyset_find(&s, KEYSET_EMPTY) == NULL); /* never matches a free slot */
    CHECK(!keyset_remove(&s, KEYSET_EMPTY, NULL));
    CHECK(!keyset_remove(&s, KEYSET_TOMB, NULL));
    CHECK_EQ_INT(s.n, 1);
    keyset_free(&s);
}

static void test_many_and_iteration(void) {
    enum { N = 100000 };
    KeySet s = { 0 };
    for (uint64_t k = 1; k <= N; k++) CHECK(k % 1000 || keyset_add(&s, k * 64 + 12, (Term)k, 0));
    for (uint64_t k = 1; k <= N; k++) if (k % 1000) keyset_add(&s, k * 64 + 12, (Term)k, 0);
    CHECK_EQ_INT(s.n, N);
    CHECK(s.used * 4 <= s.cap * 3);
    uint64_t sum = 0, count = 0;
    uint32_t i = 0;
    for (KeyEntry *e; (e = keyset_next(&s, &i));) {
        sum += e->a;
        count++;
    }
    CHECK_EQ_INT(count, N);
    CHECK(sum == (uint64_t)N * (N + 1) / 2);
    int bad = 0;
    for (uint64_t k = 1; k <= N; k += 2) bad += !keyset_remove(&s, k * 64 + 12, NULL);
    for (uint64_t k = 2; k <= N; k += 2) bad += keyset_find(&s, k * 64 + 12) == NULL;
    for (uint64_t k = 1; k <= N; k += 2) bad += keyset_find(&s, k * 64 + 12) != NULL;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(s.n, N / 2);
    keyset_free(&s);
}

static void test_churn_stays_small(void) {
    /* A monitor made and dropped a million times (a server called in a
     * loop): tombstones are purged, the table does not grow. */
    KeySet s = { 0 };
    CHECK(keyset_add(&s, 1, 0, 0));
    uint32_t max_cap = 0;
    for (uint64_t k = 2; k < 1000000; k++) {
        keyset_add(&s, k, 0, 0);
        keyset_remove(&s, k, NULL);
        if (s.cap > max_cap) max_cap = s.cap;
    }
    CHECK(max_cap <= 16);
    CHECK_EQ_INT(s.n, 1);
    CHECK(keyset_find(&s, 1) != NULL);
    keyset_free(&s);
}

int main(void) {
    RUN(test_basic);
    RUN(test_reserved_keys);
    RUN(test_many_and_iteration);
    RUN(test_churn_stays_small);
    return unit_summary();
}
