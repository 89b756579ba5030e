/* unit.h — a tiny C unit-test harness shared by every tests/unit/test_*.c.
 *
 * Usage:
 *
 *     #include "unit.h"
 *     static void test_something(void) {
 *         CHECK(1 + 1 == 2);
 *         CHECK_EQ_INT(small_val(make_small(5)), 5);
 *         CHECK_EQ_STR(name, "ok");
 *     }
 *     int main(void) {
 *         RUN(test_something);
 *         return unit_summary();
 *     }
 *
 * Every CHECK counts one assertion; a failing one prints
 * `file:line: CHECK failed: expr` (with both values for the _EQ forms) to
 * stderr and the run goes on. unit_summary() prints the check counts, then
 * `N passed, M failed` counting test functions (RUN), and returns the exit
 * status: 0 only when nothing failed AND at least one check
 * ran (a test file that asserts nothing fails, so it cannot pass vacuously).
 *
 * REQUIRE(cond) is CHECK that also returns from the current test function on
 * failure (use it before dereferencing something the check guards).
 *
 * Invariant: the counters are file-static, so each test executable (one per
 * test_*.c) has its own. Not thread-safe: call CHECK from the main thread
 * only (collect results from worker threads and check them after joining).
 */
#ifndef ACT_UNIT_H
#define ACT_UNIT_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <inttypes.h>

static unsigned long unit_passed_, unit_failed_;       /* checks */
static unsigned long unit_tests_passed_, unit_tests_failed_; /* RUN()s */
static const char *unit_current_ = "(none)";

static inline void unit_fail_(const char *file, int line) {
    unit_failed_++;
    fprintf(stderr, "%s:%d: [%s] ", file, line, unit_current_);
}

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) unit_passed_++;                                            \
        else { unit_fail_(__FILE__, __LINE__);                               \
               fprintf(stderr, "CHECK failed: %s\n", #cond); }               \
    } while (0)

#define REQUIRE(cond)                                                        \
    do {                                                                     \
        if (cond) unit_passed_++;                                            \
        else { unit_fail_(__FILE__, __LINE__);                               \
               fprintf(stderr, "REQUIRE failed: %s\n", #cond); return; }     \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long ua_ = (long long)(a), ub_ = (long long)(b);                \
        if (ua_ == ub_) unit_passed_++;                                      \
        else { unit_fail_(__FILE__, __LINE__);                               \
               fprintf(stderr, "CHECK_EQ_INT failed: %s == %s (%lld vs %lld)\n", \
                       #a, #b, ua_, ub_); }                                  \
    } while (0)

#define CHECK_EQ_UINT(a, b)                                                  \
    do {                                                                     \
        unsigned long long ua_ = (unsigned long long)(a),                    \
                           ub_ = (unsigned long long)(b);                    \
        if (ua_ == ub_) unit_passed_++;                                      \
        else { unit_fail_(__FILE__, __LINE__);                               \
               fprintf(stderr, "CHECK_EQ_UINT failed: %s == %s (%#llx vs %#llx)\n", \
                       #a, #b, ua_, ub_); }                                  \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                   \
    do {                                                                     \
        const char *sa_ = (a), *sb_ = (b);                                   \
        if (sa_ && sb_ && strcmp(sa_, sb_) == 0) unit_passed_++;             \
        else { unit_fail_(__FILE__, __LINE__);                               \
               fprintf(stderr, "CHECK_EQ_STR failed: %s == %s (\"%s\" vs \"%s\")\n", \
                       #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); } \
    } while (0)

/* Compare n bytes. */
#define CHECK_EQ_MEM(a, b, n)                                                \
    do {                                                                     \
        if (memcmp((a), (b), (n)) == 0) unit_passed_++;                      \
        else { unit_fail_(__FILE__, __LINE__);                               \
               fprintf(stderr, "CHECK_EQ_MEM failed: %s == %s (%zu bytes)\n", \
                       #a, #b, (size_t)(n)); }                               \
    } while (0)

/* Run one test function, naming it in failure messages. */
#define RUN(fn)                                                              \
    do {                                                                     \
        unit_current_ = #fn;                                                 \
        unsigned long f0_ = unit_failed_;                                    \
        fn();                                                                \
        if (unit_failed_ != f0_) {                                           \
            unit_tests_failed_++;                                            \
            fprintf(stderr, "FAIL %s\n", #fn);                               \
        } else unit_tests_passed_++;                                         \
        unit_current_ = "(none)";                                            \
    } while (0)

/* Print the checks, then the summary line, which counts test functions (a
 * check failing outside any RUN counts as one more failed test); return the
 * process exit status. */
static inline int unit_summary(void) {
    printf("checks: %lu passed, %lu failed\n", unit_passed_, unit_failed_);
    unsigned long failed = unit_tests_failed_;
    if (unit_failed_ && !unit_tests_failed_) failed = 1;
    printf("%lu passed, %lu failed\n", unit_tests_passed_, failed);
    if (unit_passed_ + unit_failed_ == 0) {
        fprintf(stderr, "no checks ran\n");
        return 1;
    }
    return unit_failed_ ? 1 : 0;
}

#endif
