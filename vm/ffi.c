/* ffi.c — the FFI module's natives (contract: act_ffi.h; guide: docs/ffi.md).
 *
 * Invariants:
 *  - Every check happens in the native, before anything is handed to C:
 *    a bad argument raises ArgumentError naming the argument and the
 *    reason, and nothing of it reaches libffi.
 *  - A call job (FfiJob) owns copies of its arguments (strings are malloc'd
 *    NUL-terminated copies) and one reference to the function (which holds
 *    its library open) and to every buffer passed, so the C call never sees
 *    freed memory, whatever the calling process does meanwhile.
 *  - Buffers are only read and written within [0, size).
 */
#include "act_ffi.h"
#include "resource.h"
#include "dirty.h"
#include "binary.h"
#include "bignum.h"
#include "bif_data.h"
#include "native.h"
#include "runtime.h"
#include "atom.h"
#include "gc.h"
#include "inspect.h"

#include <dlfcn.h>
#include <ffi.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define FFI_MAX_ARGS 16

/* ---- types ----------------------------------------------------------- */

enum { K_VOID, K_SIGNED, K_UNSIGNED, K_FLOAT, K_DOUBLE, K_POINTER, K_STRING };

static const struct TypeInfo {
    const char *name;
    int kind;
    unsigned size;          /* bytes of the C type */
    ffi_type *ft;
} types[FT__COUNT] = {
    [FT_VOID] = { "void", K_VOID, 0, &ffi_type_void },
    [FT_INT8] = { "int8", K_SIGNED, 1, &ffi_type_sint8 },
    [FT_UINT8] = { "uint8", K_UNSIGNED, 1, &ffi_type_uint8 },
    [FT_INT16] = { "int16", K_SIGNED, 2, &ffi_type_sint16 },
    [FT_UINT16] = { "uint16", K_UNSIGNED, 2, &ffi_type_uint16 },
    [FT_INT32] = { "int32", K_SIGNED, 4, &ffi_type_sint32 },
    [FT_UINT32] = { "uint32", K_UNSIGNED, 4, &ffi_type_uint32 },
    [FT_INT64] = { "int64", K_SIGNED, 8, &ffi_type_sint64 },
    [FT_UINT64] = { "uint64", K_UNSIGNED, 8, &ffi_type_uint64 },
    [FT_INT] = { "int", K_SIGNED, sizeof(int), &ffi_type_sint },
    [FT_UINT] = { "uint", K_UNSIGNED, sizeof(unsigned), &ffi_type_uint },
    [FT_LONG] = { "long", K_SIGNED, sizeof(long), &ffi_type_slong },
    [FT_ULONG] = { "ulong", K_UNSIGNED, sizeof(unsigned long), &ffi_type_ulong },
    [FT_SIZE_T] = { "size_t", K_UNSIGNED, sizeof(size_t), sizeof(size_t) == 8 ? &ffi_type_uint64 : &ffi_type_uint32 },
    [FT_FLOAT] = { "float", K_FLOAT, sizeof(float), &ffi_type_float },
    [FT_DOUBLE] = { "double", K_DOUBLE, sizeof(double), &ffi_type_double },
    [FT_POINTER] = { "pointer", K_POINTER, sizeof(void *), &ffi_type_pointer },
    [FT_STRING] = { "string", K_STRING, sizeof(char *), &ffi_type_pointer },
};

static Term type_atoms[FT__COUNT];
static Term atom_nan, atom_neg_infinity;
static pthread_once_t atoms_once = PTHREAD_ONCE_INIT;

static void intern_atoms(void) {
    for (int i = 0; i < FT__COUNT; i++) type_atoms[i] = atom_intern_cstr(types[i].name);
    atom_nan = atom_intern_cstr("nan");
    atom_neg_infinity = atom_intern_cstr("neg_infinity");
}

int ffi_type_of(Term a) {
    pthread_once(&atoms_once, intern_atoms);
    for (int i = 0; i < FT__COUNT; i++)
        if (type_atoms[i] == a) return i;
    return -1;
}

const char *ffi_type_name(FfiType t) { return types[t].name; }

/* A C variadic argument is promoted (C11 6.5.2.2): float to double, types
 * narrower than int to int. */
static FfiType promoted(FfiType t) {
    const struct TypeInfo *ti = &types[t];
    if (ti->kind == K_FLOAT) return FT_DOUBLE;
    if ((ti->kind == K_SIGNED || ti->kind == K_UNSIGNED) && ti->size < sizeof(int)) return FT_INT;
    return t;
}

/* ---- resources --------------------------------------------------------- */

typedef struct FfiLib { void *handle; } FfiLib;
typedef struct FfiFn {
    Binary *lib;            /* one reference: the library stays open */
    void *sym;
    ffi_cif cif;
    unsigned nfixed, nargs; /* nargs - nfixed variadic arguments */
    FfiType ret;
    FfiType args[FFI_MAX_ARGS];
    ffi_type *atypes[FFI_MAX_ARGS];
    char name[48];          /* for messages (truncated) */
} FfiFn;
typedef struct FfiBuf { size_t size; uint8_t *mem; } FfiBuf;
typedef struct FfiPtr { void *ptr; } FfiPtr;

static void lib_destroy(void *o) { dlclose(((FfiLib *)o)->handle); }
static void fn_destroy(void *o) {
    FfiFn *fn = o;
    if (fn->lib) binary_decref(fn->lib); /* NULL when libffi refused the signature */
}
static void buf_destroy(void *o) { free(((FfiBuf *)o)->mem); }

static const ResourceType lib_type = { "FFI library", lib_destroy };
static const ResourceType fn_type = { "FFI function", fn_destroy };
static const ResourceType buf_type = { "FFI buffer", buf_destroy };
static const ResourceType ptr_type = { "FFI pointer", NULL };

uint8_t *ffi_buffer(Term t, size_t *size) {
    FfiBuf *b = resource_get(t, &buf_type, NULL);
    if (!b) return NULL;
    *size = b->size;
    return b->mem;
}

/* ---- conversions --------------------------------------------------------- */

static bool term_i64(Term t, int64_t *v) {
    if (is_small(t)) return *v = small_val(t), true;
    return is_bignum(t) && bignum_to_int64(t, v);
}

static bool term_u64(Term t, uint64_t *v) {
    if (is_small(t)) return small_val(t) >= 0 && (*v = (uint64_t)small_val(t), true);
    return is_bignum(t) && bignum_to_uint64(t, v);
}

static const char *int_from_term(const struct TypeInfo *ti, Term t, FfiValue *out) {
    if (!is_integer(t)) return "not an integer";
    unsigned bits = 8 * ti->size;
    if (ti->kind == K_SIGNED) {
        int64_t v;
        if (!term_i64(t, &v)) return "out of range";
        if (bits < 64 && (v < -((int64_t)1 << (bits - 1)) || v >= ((int64_t)1 << (bits - 1))))
            return "out of range";
        switch (ti->size) {
        case 1: out->i8 = (int8_t)v; break;
        case 2: out->i16 = (int16_t)v; break;
        case 4: out->i32 = (int32_t)v; break;
        default: out->i64 = v; break;
        }
    } else {
        uint64_t v;
        if (!term_u64(t, &v)) return "out of range";
        if (bits < 64 && v >> bits) return "out of range";
        switch (ti->size) {
        case 1: out->u8 = (uint8_t)v; break;
        case 2: out->u16 = (uint16_t)v; break;
        case 4: out->u32 = (uint32_t)v; break;
        default: out->u64 = v; break;
        }
    }
    return NULL;
}

static const char *float_from_term(int kind, Term t, double *d) {
    if (is_float(t)) *d = float_val(t);
    else if (is_small(t)) *d = (double)small_val(t);
    else if (!is_bignum(t)) return "not a number";
    else if (!bignum_to_double(t, d)) return "out of range";
    /* A double rounds to a finite float below FLT_MAX + half its last
     * unit (C rounds 3.4028235e38, FLT_MAX's usual spelling, to FLT_MAX). */
    if (kind == K_FLOAT && fabs(*d) >= 0x1.ffffffp+127) return "out of range";
    return NULL;
}

const char *ffi_from_term(FfiType ty, Term t, FfiValue *out, Binary **hold) {
    const struct TypeInfo *ti = &types[ty];
    *hold = NULL;
    out->widest = 0;
    switch (ti->kind) {
    case K_SIGNED:
    case K_UNSIGNED:
        return int_from_term(ti, t, out);
    case K_FLOAT:
    case K_DOUBLE: {
        double d;
        const char *why = float_from_term(ti->kind, t, &d);
        if (why) return why;
        if (ti->kind == K_FLOAT) out->f = (float)d;
        else out->d = d;
        return NULL;
    }
    case K_STRING: {
        size_t len;
        const uint8_t *s = binary_bytes(t, &len);
        if (!s) return "not a binary";
        if (memchr(s, 0, len)) return "contains a NUL byte";
        char *c = malloc(len + 1);
        if (!c) heap_out_of_memory("FFI string", len + 1);
        memcpy(c, s, len);
        c[len] = 0;
        out->ptr = c;
        return NULL;
    }
    case K_POINTER: {
        if (t == ATOM_nil) return out->ptr = NULL, NULL;
        FfiBuf *b = resource_get(t, &buf_type, hold);
        if (b) return out->ptr = b->mem, NULL;
        FfiPtr *q = resource_get(t, &ptr_type, hold);
        if (q) return out->ptr = q->ptr, NULL;
        return "not an FFI.alloc buffer, a pointer or nil";
    }
    default:
        return "has no C value";
    }
}

/* An integer term in words[0..2). */
static Term int_term(int64_t v, bool is_unsigned, Term *words) {
    uint64_t mag;
    bool neg = !is_unsigned && v < 0;
    if (is_unsigned ? (uint64_t)v <= (uint64_t)SMALL_MAX : small_fits(v)) return make_small(v);
    mag = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    words[0] = make_header(neg ? BOX_BIG_NEG : BOX_BIG_POS, 1);
    words[1] = (Term)mag;
    return make_boxed(words);
}

static Term float_term(double d, Term *words) {
    pthread_once(&atoms_once, intern_atoms);
    if (isnan(d)) return atom_nan; /* Act floats, like the BEAM's, are finite */
    if (isinf(d)) return d > 0 ? ATOM_infinity : atom_neg_infinity;
    words[0] = make_header(BOX_FLOAT, 1);
    memcpy(words + 1, &d, sizeof d);
    return make_boxed(words);
}

static Term string_term(const char *s, Term *words, Binary **blob) {
    size_t len = strlen(s);
    if (len <= HEAPBIN_MAX) {
        size_t w = WORDS_FOR_BYTES(len);
        words[0] = make_header(BOX_HEAPBIN, 1 + w);
        words[1] = len;
        if (w) words[1 + w] = 0;
        memcpy(words + 2, s, len);
        return make_boxed(words);
    }
    Binary *b = binary_blob_new(len);
    memcpy(b->data, s, len);
    *blob = b;
    words[0] = make_header(BOX_REFCBIN, 3);
    words[1] = len;
    words[2] = (Term)b;
    words[3] = 0;
    return make_boxed(words);
}

Term ffi_to_term(FfiType ty, const FfiValue *v, Term *words, Binary **blob) {
    const struct TypeInfo *ti = &types[ty];
    *blob = NULL;
    /* libffi widens integer returns narrower than ffi_arg to a whole ffi_arg;
     * the low bytes hold the value (cast to the C type). */
    ffi_arg r = (ffi_arg)v->widest;
    switch (ti->kind) {
    case K_VOID:
        return ATOM_ok;
    case K_SIGNED: {
        int64_t x = ti->size == 1 ? (int8_t)r : ti->size == 2 ? (int16_t)r : ti->size == 4 ? (int32_t)r : (int64_t)r;
        return int_term(x, false, words);
    }
    case K_UNSIGNED: {
        uint64_t x = ti->size == 1 ? (uint8_t)r : ti->size == 2 ? (uint16_t)r : ti->size == 4 ? (uint32_t)r : (uint64_t)r;
        return int_term((int64_t)x, true, words);
    }
    case K_FLOAT:
        return float_term(v->f, words);
    case K_DOUBLE:
        return float_term(v->d, words);
    case K_STRING:
        return v->ptr ? string_term(v->ptr, words, blob) : ATOM_nil;
    case K_POINTER: {
        if (!v->ptr) return ATOM_nil;
        FfiPtr *q = resource_new(&ptr_type, sizeof(FfiPtr), blob);
        q->ptr = v->ptr;
        return resource_term_in(words, *blob);
    }
    }
    return ATOM_nil;
}

/* ---- errors ------------------------------------------------------------ */

static Term arg_error(Process *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static Term arg_error(Process *p, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return native_raise_msg(p, "Elixir.ArgumentError", msg);
}

/* arg_error with ": VALUE" appended: value inspected, cut short (a long
 * binary or list shows its first elements). */
static Term arg_error_showing(Process *p, Term value, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static Term arg_error_showing(Process *p, Term value, const char *fmt, ...) {
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    StrBuf shown = { 0 };
    InspectOpts o = inspect_default_opts;
    o.limit = 5;
    o.printable_limit = 40;
    inspect_to_buf(&shown, value, &o);
    arg_error(p, "%s: %.*s", msg, (int)(shown.len < 90 ? shown.len : 90), shown.data);
    strbuf_free(&shown);
    return T_NONE;
}

static Term error_tuple(Process *p, const char *why) {
    return make_tuple2(p, ATOM_error, make_cstring(p, why ? why : "unknown error"));
}

/* ---- FFI.open, FFI.function ------------------------------------------------ */

Term ffi_nat_open(Process *p, Term *args) {
    char path[4096];
    size_t len;
    const uint8_t *s = binary_bytes(args[0], &len);
    if (!s) return arg_error(p, "FFI.open: the library name is not a binary");
    if (len >= sizeof path || memchr(s, 0, len))
        return arg_error(p, "FFI.open: the library name is too long or contains a NUL byte");
    memcpy(path, s, len);
    path[len] = 0;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return error_tuple(p, dlerror());
    Binary *blob;
    FfiLib *l = resource_new(&lib_type, sizeof(FfiLib), &blob);
    l->handle = h;
    Term t = resource_term(p, blob);
    binary_decref(blob); /* the term's reference is the only one */
    return make_tuple2(p, ATOM_ok, t);
}

/* Parse a list of argument type atoms into fn->args[fn->nargs..]. */
static Term parse_types(Process *p, FfiFn *fn, Term list, bool variadic) {
    if (bif_list_length(list) < 0)
        return arg_error(p, "FFI.function: the %s types are not a list", variadic ? "variadic" : "argument");
    for (; is_cons(list); list = CDR(list)) {
        int t = ffi_type_of(CAR(list));
        unsigned i = fn->nargs + 1;
        if (t < 0 || t == FT_VOID)
            return arg_error(p, "FFI.function: argument %u of %s: %s", i, fn->name,
                             t == FT_VOID ? ":void is only a return type" : "not a type (see docs/ffi.md)");
        if (fn->nargs == FFI_MAX_ARGS)
            return arg_error(p, "FFI.function: %s: more than %d arguments", fn->name, FFI_MAX_ARGS);
        fn->args[fn->nargs] = variadic ? promoted(t) : (FfiType)t;
        fn->atypes[fn->nargs] = types[fn->args[fn->nargs]].ft;
        fn->nargs++;
    }
    return ATOM_ok;
}

/* The variadic types in opts (a keyword list with only :variadic), or []. */
static Term variadic_opt(Process *p, Term opts) {
    Term v = T_NIL;
    if (bif_list_length(opts) < 0) return arg_error(p, "FFI.function: options are not a keyword list");
    for (; is_cons(opts); opts = CDR(opts)) {
        Term o = CAR(opts);
        if (!is_tuple(o) || tuple_arity(o) != 2 || tuple_elems(o)[0] != ATOM_variadic)
            return arg_error(p, "FFI.function: the only option is variadic: [types]");
        v = tuple_elems(o)[1];
    }
    return v;
}

static Term make_function(Process *p, Term lib, Term name, Term argtypes, Term ret, Term variadic) {
    Binary *lib_blob;
    FfiLib *l = resource_get(lib, &lib_type, &lib_blob);
    if (!l) return arg_error(p, "FFI.function: 1st argument is not a library from FFI.open");
    size_t len;
    const uint8_t *s = binary_bytes(name, &len);
    if (!s || len == 0 || len >= 256 || memchr(s, 0, len))
        return arg_error(p, "FFI.function: 2nd argument is not a symbol name (a binary)");
    int rt = ffi_type_of(ret);
    if (rt < 0) return arg_error(p, "FFI.function: the return type is not a type (see docs/ffi.md)");
    FfiFn tmp = { .ret = rt };
    snprintf(tmp.name, sizeof tmp.name, "%.*s", (int)len, (const char *)s);
    if (parse_types(p, &tmp, argtypes, false) == T_NONE) return T_NONE;
    tmp.nfixed = tmp.nargs;
    if (parse_types(p, &tmp, variadic, true) == T_NONE) return T_NONE;
    char sym[256];
    memcpy(sym, s, len);
    sym[len] = 0;
    dlerror();
    tmp.sym = dlsym(l->handle, sym);
    if (!tmp.sym) return error_tuple(p, dlerror());

    Binary *blob;
    FfiFn *fn = resource_new(&fn_type, sizeof(FfiFn), &blob);
    *fn = tmp;
    ffi_status st = variadic == T_NIL
        ? ffi_prep_cif(&fn->cif, FFI_DEFAULT_ABI, fn->nargs, types[rt].ft, fn->atypes)
        : ffi_prep_cif_var(&fn->cif, FFI_DEFAULT_ABI, fn->nfixed, fn->nargs, types[rt].ft, fn->atypes);
    if (st != FFI_OK) {
        binary_decref(blob); /* fn->lib is not set yet: nothing else to drop */
        return arg_error(p, "FFI.function: %s: libffi cannot call this signature", fn->name);
    }
    binary_incref(lib_blob);
    fn->lib = lib_blob;
    Term t = resource_term(p, blob);
    binary_decref(blob);
    return make_tuple2(p, ATOM_ok, t);
}

Term ffi_nat_function4(Process *p, Term *args) {
    return make_function(p, args[0], args[1], args[2], args[3], T_NIL);
}

Term ffi_nat_function5(Process *p, Term *args) {
    Term v = variadic_opt(p, args[4]);
    if (v == T_NONE) return T_NONE;
    return make_function(p, args[0], args[1], args[2], args[3], v);
}

/* ---- FFI.call -------------------------------------------------------------- */

typedef struct FfiJob {
    DirtyJob base;
    Binary *fn_blob;                /* one reference */
    FfiFn *fn;
    FfiValue vals[FFI_MAX_ARGS];
    void *avals[FFI_MAX_ARGS];
    Binary *holds[FFI_MAX_ARGS];    /* buffers passed: one reference each */
    FfiValue ret;
    Binary *ret_blob;               /* a returned string or pointer */
} FfiJob;

static void job_release(DirtyJob *d) {
    FfiJob *j = (FfiJob *)d;
    for (unsigned i = 0; i < j->fn->nargs; i++) {
        if (j->fn->args[i] == FT_STRING) free(j->vals[i].ptr);
        if (j->holds[i]) binary_decref(j->holds[i]);
    }
    if (j->ret_blob) binary_decref(j->ret_blob);
    binary_decref(j->fn_blob);
    free(j);
}

static Term job_run(DirtyJob *d, Term *words) {
    FfiJob *j = (FfiJob *)d;
    ffi_call(&j->fn->cif, FFI_FN(j->fn->sym), &j->ret, j->avals);
    return ffi_to_term(j->fn->ret, &j->ret, words, &j->ret_blob);
}

_Static_assert(FFI_RET_WORDS <= DIRTY_REPLY_WORDS, "a reply must fit");

static const char *ordinal_suffix(unsigned n) {
    if (n % 100 >= 11 && n % 100 <= 13) return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* A job for fn with the arguments in list (converted and checked), or
 * NULL after raising. */
static FfiJob *prepare(Process *p, FfiFn *fn, Binary *fn_blob, Term list) {
    long n = bif_list_length(list);
    if (n < 0) {
        arg_error(p, "FFI.call: 2nd argument is not a list of arguments");
        return NULL;
    }
    if ((unsigned long)n != fn->nargs) {
        arg_error(p, "FFI.call: %s takes %u argument%s, got %ld", fn->name, fn->nargs,
                  fn->nargs == 1 ? "" : "s", n);
        return NULL;
    }
    FfiJob *j = calloc(1, sizeof *j);
    if (!j) heap_out_of_memory("FFI call", sizeof *j);
    binary_incref(fn_blob);
    j->fn_blob = fn_blob;
    j->fn = fn;
    for (unsigned i = 0; i < fn->nargs; i++, list = CDR(list)) {
        const char *why = ffi_from_term(fn->args[i], CAR(list), &j->vals[i], &j->holds[i]);
        if (why) {
            j->holds[i] = NULL;
            job_release(&j->base);
            arg_error_showing(p, CAR(list), "FFI.call: %u%s argument of %s (:%s): %s", i + 1,
                              ordinal_suffix(i + 1), fn->name, types[fn->args[i]].name, why);
            return NULL;
        }
        if (j->holds[i]) binary_incref(j->holds[i]);
        j->avals[i] = &j->vals[i];
    }
    j->base.run = job_run;
    j->base.release = job_release;
    return j;
}

/* Run j here, on the caller's thread: no runtime (unit tests), or the VM is
 * halting. */
static Term call_in_place(Process *p, FfiJob *j) {
    Term words[DIRTY_REPLY_WORDS];
    Term r = gc_copy_term(p, job_run(&j->base, words));
    job_release(&j->base);
    return r;
}

Term ffi_nat_call(Process *p, Term *args) {
    Binary *fn_blob;
    FfiFn *fn = resource_get(args[0], &fn_type, &fn_blob);
    if (!fn) return arg_error(p, "FFI.call: 1st argument is not a function from FFI.function");
    FfiJob *j = prepare(p, fn, fn_blob, args[1]);
    if (!j) return T_NONE;
    /* What the program printed so far reaches fd 1 before anything C
     * writes there (Act buffers stdout when it is not a terminal). */
    io_flush();
    if (!runtime_active()) return call_in_place(p, j);
    uint64_t ref = heap_new_ref_id();
    j->base.pid = p->pid;
    j->base.ref = ref;
    /* Once submitted, j belongs to the pool (it may be freed already). */
    if (!dirty_submit(&j->base)) return call_in_place(p, j);
    Term a = make_list(p, 1, (Term[]){ make_ref_id(p, ref) });
    return native_trap_apply(p, ATOM_Elixir_FFI, ATOM___await__, a);
}

/* ---- buffers ---------------------------------------------------------------- */

/* A non-negative integer t in *v; else false after raising (what: "the
 * offset"). A bignum too big for 64 bits is out of range, not "not an
 * integer". */
static bool size_arg(Process *p, const char *fname, const char *what, Term t, uint64_t *v) {
    if (!is_integer(t) || (is_small(t) ? small_val(t) < 0 : bignum_is_neg(t)))
        return arg_error(p, "%s: %s is not a non-negative integer", fname, what), false;
    if (!term_u64(t, v)) return arg_error(p, "%s: %s is out of range", fname, what), false;
    return true;
}

/* Largest buffer FFI.alloc makes (a bigger request is surely a mistake). */
#define FFI_ALLOC_MAX ((uint64_t)1 << 40)

Term ffi_nat_alloc(Process *p, Term *args) {
    uint64_t size;
    if (!size_arg(p, "FFI.alloc", "the size", args[0], &size)) return T_NONE;
    if (size > FFI_ALLOC_MAX) return arg_error(p, "FFI.alloc: %llu bytes is too big", (unsigned long long)size);
    uint8_t *mem = calloc(1, size ? size : 1);
    if (!mem) return arg_error(p, "FFI.alloc: cannot allocate %llu bytes", (unsigned long long)size);
    Binary *blob;
    FfiBuf *b = resource_new(&buf_type, sizeof(FfiBuf), &blob);
    b->size = size;
    b->mem = mem;
    /* Buffers count towards the binary budget, so that a process dropping
     * many of them collects and frees them soon (binary_new_refc does the
     * same). */
    if (size >= p->bin_budget) {
        p->bin_budget = 0;
        p->gc_wanted = true;
    } else {
        p->bin_budget -= size;
    }
    Term t = resource_term(p, blob);
    binary_decref(blob);
    return t;
}

Term ffi_nat_size(Process *p, Term *args) {
    size_t size;
    if (!ffi_buffer(args[0], &size)) return arg_error(p, "FFI.size: not an FFI.alloc buffer");
    return make_uint(p, size);
}

/* Check [off, off + len) against buf; the buffer's memory, or NULL after
 * raising (fname: "FFI.read"). */
static uint8_t *buffer_range(Process *p, const char *fname, Term buf, Term off, uint64_t len) {
    size_t size;
    uint8_t *mem = ffi_buffer(buf, &size);
    uint64_t o;
    if (!mem) return arg_error(p, "%s: 1st argument is not an FFI.alloc buffer", fname), NULL;
    if (!size_arg(p, fname, "the offset", off, &o)) return NULL;
    if (o > size || len > size - o) {
        if (len > UINT64_MAX - o) /* o + len does not fit: name the parts */
            return arg_error(p, "%s: %llu bytes at offset %llu are outside the %zu-byte buffer", fname,
                             (unsigned long long)len, (unsigned long long)o, size), NULL;
        return arg_error(p, "%s: bytes %llu..%llu are outside the %zu-byte buffer", fname,
                         (unsigned long long)o, (unsigned long long)(o + len), size), NULL;
    }
    return mem + o;
}

/* The type a typed FFI.read/FFI.write names (t an atom), or -1 after
 * raising: a value type, not :void or :string (a string's memory would not
 * be Act's to track). */
static int value_type(Process *p, const char *fname, Term t) {
    int ty = ffi_type_of(t);
    if (ty < 0 || ty == FT_VOID || ty == FT_STRING)
        return arg_error_showing(p, t, "%s: not a value type (an integer or float type or :pointer)", fname), -1;
    return ty;
}

/* FFI.read(buf, offset, type): the C value of type ty stored at offset,
 * in the machine's byte order. */
static Term read_value(Process *p, Term buf, Term off, Term type) {
    int ty = value_type(p, "FFI.read", type);
    if (ty < 0) return T_NONE;
    unsigned size = types[ty].size;
    uint8_t *at = buffer_range(p, "FFI.read", buf, off, size);
    if (!at) return T_NONE;
    FfiValue v = { 0 };
    switch (types[ty].kind) {
    case K_SIGNED:
    case K_UNSIGNED: { /* ffi_to_term reads integers from `widest`, cast down */
        uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64;
        switch (size) {
        case 1: memcpy(&u8, at, 1); v.widest = u8; break;
        case 2: memcpy(&u16, at, 2); v.widest = u16; break;
        case 4: memcpy(&u32, at, 4); v.widest = u32; break;
        default: memcpy(&u64, at, 8); v.widest = u64; break;
        }
        break;
    }
    default: /* float, double, pointer: the union member at offset 0 */
        memcpy(&v, at, size);
    }
    Term words[FFI_RET_WORDS];
    Binary *blob;
    Term r = gc_copy_term(p, ffi_to_term(ty, &v, words, &blob));
    if (blob) binary_decref(blob);
    return r;
}

static Term do_read(Process *p, Term buf, Term off, Term len) {
    uint64_t n;
    if (is_atom(len)) return read_value(p, buf, off, len);
    if (!size_arg(p, "FFI.read", "the length", len, &n)) return T_NONE;
    uint8_t *at = buffer_range(p, "FFI.read", buf, off, n);
    return at ? make_binary(p, at, n) : T_NONE;
}

static Term do_write(Process *p, Term buf, Term off, Term bin) {
    size_t n;
    const uint8_t *s = binary_bytes(bin, &n);
    if (!s) return arg_error(p, "FFI.write: the data is not a binary");
    uint8_t *at = buffer_range(p, "FFI.write", buf, off, n);
    if (!at) return T_NONE;
    if (n) memcpy(at, s, n);
    return ATOM_ok;
}

Term ffi_nat_read2(Process *p, Term *args) { return do_read(p, args[0], make_small(0), args[1]); }
Term ffi_nat_read3(Process *p, Term *args) { return do_read(p, args[0], args[1], args[2]); }
Term ffi_nat_write2(Process *p, Term *args) { return do_write(p, args[0], make_small(0), args[1]); }
Term ffi_nat_write3(Process *p, Term *args) { return do_write(p, args[0], args[1], args[2]); }

/* FFI.write(buf, offset, type, value): value stored as a C value of the
 * type, checked as an FFI.call argument is. A pointer stored this way is
 * not a reference: the buffer or C memory it points to must stay alive
 * while C may use it. */
Term ffi_nat_write4(Process *p, Term *args) {
    int ty = value_type(p, "FFI.write", args[2]);
    if (ty < 0) return T_NONE;
    uint8_t *at = buffer_range(p, "FFI.write", args[0], args[1], types[ty].size);
    if (!at) return T_NONE;
    FfiValue v;
    Binary *hold;
    const char *why = ffi_from_term(ty, args[3], &v, &hold);
    if (why) return arg_error_showing(p, args[3], "FFI.write: the value (:%s): %s", types[ty].name, why);
    memcpy(at, &v, types[ty].size); /* every member sits at offset 0 */
    return ATOM_ok;
}
