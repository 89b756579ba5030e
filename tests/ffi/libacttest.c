/* libacttest.c — the FFI tests' C library (the tests in tests/ffi/ load it through
 * $ACT_FFI_TESTLIB). Each function does one simple, checkable thing with
 * one of the FFI types: echo it, negate it, report its extremes, or mix
 * several in one call, so a conversion bug in either direction shows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <float.h>
#include <unistd.h>

/* Integers negate modulo 2^bits (through unsigned: no overflow), so the
 * minimum of a signed type is its own negation. */
#define ECHO(name, type) \
    type act_echo_##name(type x) { return x; } \
    type act_neg_##name(type x) { return (type)(0ull - (unsigned long long)x); }
#define ECHO_FLOAT(name, type) \
    type act_echo_##name(type x) { return x; } \
    type act_neg_##name(type x) { return -x; }
ECHO(int8, int8_t)
ECHO(uint8, uint8_t)
ECHO(int16, int16_t)
ECHO(uint16, uint16_t)
ECHO(int32, int32_t)
ECHO(uint32, uint32_t)
ECHO(int64, int64_t)
ECHO(uint64, uint64_t)
ECHO(int, int)
ECHO(uint, unsigned)
ECHO(long, long)
ECHO(ulong, unsigned long)
ECHO(size_t, size_t)
ECHO_FLOAT(float, float)
ECHO_FLOAT(double, double)

/* The extremes, computed in C (so the test does not trust Act's idea of
 * them). */
int8_t act_min_int8(void) { return INT8_MIN; }
uint8_t act_max_uint8(void) { return UINT8_MAX; }
int16_t act_min_int16(void) { return INT16_MIN; }
uint16_t act_max_uint16(void) { return UINT16_MAX; }
int32_t act_min_int32(void) { return INT32_MIN; }
uint32_t act_max_uint32(void) { return UINT32_MAX; }
int64_t act_min_int64(void) { return INT64_MIN; }
int64_t act_max_int64(void) { return INT64_MAX; }
uint64_t act_max_uint64(void) { return UINT64_MAX; }
size_t act_max_size_t(void) { return SIZE_MAX; }
float act_max_float(void) { return FLT_MAX; }
double act_max_double(void) { return DBL_MAX; }
double act_min_double(void) { return DBL_MIN; }

/* Arguments of many types in one call: each lands in its own slot. */
double act_mix(int8_t a, uint16_t b, int32_t c, int64_t d, float e, double f, uint8_t g) {
    return (double)a + (double)b + (double)c + (double)d + (double)e + f + (double)g;
}

/* Strings in and out. */
size_t act_strlen(const char *s) { return strlen(s); }
const char *act_hello(void) { return "hello from C"; }
const char *act_long(void) {
    return "a string longer than sixty-four bytes, so it is not a heap binary in Act";
}
const char *act_null_string(void) { return NULL; }
int act_is_null(const void *p) { return p == NULL; }
void *act_ptr_self(void *p) { return p; }

/* Buffers: C writes into memory Act allocated. */
void act_fill(uint8_t *buf, size_t n, uint8_t v) { memset(buf, v, n); }
uint32_t act_sum_bytes(const uint8_t *buf, size_t n) {
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++) s += buf[i];
    return s;
}

/* Opaque pointers: a C object Act only passes back. */
typedef struct Counter { long value; } Counter;
Counter *act_counter_new(long start) {
    Counter *c = malloc(sizeof *c);
    if (c) c->value = start;
    return c;
}
long act_counter_bump(Counter *c) { return ++c->value; }
void act_counter_free(Counter *c) { free(c); }

/* void returns, observed through a side effect. */
static int pokes;
void act_poke(void) { pokes++; }
int act_pokes(void) { return pokes; }

/* Variadic: n longs, or n doubles (a float argument arrives promoted). */
long act_sum_longs(int n, ...) {
    va_list ap;
    long s = 0;
    va_start(ap, n);
    while (n-- > 0) s += va_arg(ap, long);
    va_end(ap);
    return s;
}
double act_sum_doubles(int n, ...) {
    va_list ap;
    double s = 0;
    va_start(ap, n);
    while (n-- > 0) s += va_arg(ap, double);
    va_end(ap);
    return s;
}
int act_sum_ints(int n, ...) {
    va_list ap;
    int s = 0;
    va_start(ap, n);
    while (n-- > 0) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

/* Blocks the calling thread. */
int act_sleep_ms(int ms) { return usleep((useconds_t)ms * 1000); }
