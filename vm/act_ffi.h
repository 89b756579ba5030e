/* act_ffi.h (not ffi.h: that is libffi's) — calling C functions in shared libraries through libffi (the FFI
 * module: docs/ffi.md).
 *
 * Libraries, functions and buffers are resources (resource.h): FFI.open
 * makes a library, FFI.function a function that holds its library open,
 * FFI.alloc a zeroed buffer. FFI.call converts and checks every argument
 * on the caller's scheduler (ArgumentError naming the argument), then runs
 * the call on the dirty pool (dirty.h) while the process waits in
 * FFI.__await__/1 (stdlib/ffi.act). Without a runtime (unit tests) the call
 * runs in place.
 *
 * The conversions are exported for the unit tests (tests/unit/test_ffi.c).
 */
#ifndef ACT_ACT_FFI_H
#define ACT_ACT_FFI_H
#include "heap.h"

typedef enum FfiType {
    FT_VOID, FT_INT8, FT_UINT8, FT_INT16, FT_UINT16, FT_INT32, FT_UINT32,
    FT_INT64, FT_UINT64, FT_INT, FT_UINT, FT_LONG, FT_ULONG, FT_SIZE_T,
    FT_FLOAT, FT_DOUBLE, FT_POINTER, FT_STRING, FT__COUNT
} FfiType;

/* One C value: an argument, or a return value (at least an ffi_arg wide, as
 * libffi wants for returns). */
typedef union FfiValue {
    int8_t i8; uint8_t u8; int16_t i16; uint16_t u16; int32_t i32; uint32_t u32;
    int64_t i64; uint64_t u64; float f; double d; void *ptr;
    unsigned long widest;
} FfiValue;

/* The type named by atom a, or -1. */
int ffi_type_of(Term a);
/* The atom text of a type ("int8"). */
const char *ffi_type_name(FfiType t);
/* Convert t to a C value of type ty (not FT_VOID). Returns NULL on success,
 * else why it does not fit ("not an integer", "out of range", ...).
 * FT_STRING: out->ptr is a malloc'd NUL-terminated copy the caller frees.
 * FT_POINTER: a buffer, an opaque pointer or nil; *hold receives the
 * resource blob the pointer lies in (NULL for nil), which the caller must
 * keep referenced (binary_incref) while C may use the pointer. */
const char *ffi_from_term(FfiType ty, Term t, FfiValue *out, Binary **hold);
/* The term for a C return value v of type ty, built in words[0..) (at most
 * FFI_RET_WORDS). A string or a non-NULL pointer is a new blob returned in
 * *blob with one reference, which the term borrows (the caller drops it
 * once the term has been copied). */
#define FFI_RET_WORDS (2 + HEAPBIN_MAX / 8)
Term ffi_to_term(FfiType ty, const FfiValue *v, Term *words, Binary **blob);
/* The memory and size of an FFI.alloc buffer term, or NULL. */
uint8_t *ffi_buffer(Term t, size_t *size);
#endif
