/* binary.c — binaries: off-heap blobs and their reference counts,
 * sub-binaries, concatenation, conversions, and the binary natives
 * (contract: binary.h; constructors: heap.c).
 *
 * Off-heap blobs (Binary, heap.h) invariants:
 *  - refc is the number of REFCBIN objects, on any heap or literal area,
 *    that point at the blob. A blob is freed exactly when refc drops to 0.
 *  - refc is atomic because, once processes exchange messages, REFCBINs on
 *    several heaps (run by different scheduler threads) share a blob.
 *    Increments are relaxed: whoever increments already holds a reference, so
 *    the blob cannot die meanwhile, and nothing is published by it.
 *    Decrements are acq_rel: the release half orders this holder's reads of
 *    the bytes before the decrement; the acquire half makes the thread that
 *    brings refc to 0 see all other holders' accesses before it frees. This
 *    is the scheme of Rust's Arc (which uses a release decrement plus an
 *    acquire fence only on the last one; acq_rel on every decrement is the
 *    simpler, equally correct form).
 *  - blob_count counts live blobs for leak tests (relaxed: a statistic).
 */
#include "binary.h"
#include "gc.h"
#include "native.h"
#include "atom.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static _Atomic long blob_count;

static Binary *blob_new(size_t used, size_t cap) {
    if (cap > SIZE_MAX - sizeof(Binary)) heap_out_of_memory("binary", SIZE_MAX);
    Binary *b = heap_xmalloc("binary", sizeof(Binary) + cap);
    atomic_init(&b->refc, 1);
    b->size = cap;
    b->used = used;
    atomic_init(&b->writer, NULL);
    b->destroy = NULL;
    atomic_fetch_add_explicit(&blob_count, 1, memory_order_relaxed);
    return b;
}

Binary *binary_blob_new(size_t size) { return blob_new(size, size); }

/* A REFCBIN handle for the first len bytes of b, owning one reference that
 * the caller hands over. */
static Term handle_new(Process *p, Binary *b, size_t len) {
    Term *h = heap_alloc(p, 4);
    h[0] = make_header(BOX_REFCBIN, 3);
    h[1] = len;
    h[2] = (Term)b;
    h[3] = (Term)p->off_heap;
    p->off_heap = h;
    return make_boxed(h);
}

Term binary_new_refc(Process *p, size_t len, size_t cap, uint8_t **out) {
    Binary *b = blob_new(len, cap);
    atomic_store_explicit(&b->writer, p, memory_order_relaxed);
    if (cap >= p->bin_budget) {
        p->bin_budget = 0;
        p->gc_wanted = true;
    } else {
        p->bin_budget -= cap;
    }
    *out = b->data;
    return handle_new(p, b, len);
}

void binary_incref(Binary *b) {
    /* relaxed: see the invariants above. */
    atomic_fetch_add_explicit(&b->refc, 1, memory_order_relaxed);
}

void binary_decref(Binary *b) {
    /* acq_rel: see the invariants above. */
    long old = atomic_fetch_sub_explicit(&b->refc, 1, memory_order_acq_rel);
    if (old == 1) {
        if (b->destroy) b->destroy(b); /* a resource (vm/resource.h) */
        atomic_fetch_sub_explicit(&blob_count, 1, memory_order_relaxed);
        free(b);
    } else if (old <= 0) {
        fprintf(stderr, "act: internal error: binary reference count underflow\n");
        abort();
    }
}

long binary_blob_count(void) { return atomic_load_explicit(&blob_count, memory_order_relaxed); }

/* ---- building and slicing --------------------------------------------- */

Term binary_concat(Process *p, size_t n, const Term *bins) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        long len = binary_size(bins[i]);
        if (len < 0) return native_badarg(p);
        if ((size_t)len > SIZE_MAX - total) return native_raise(p, ATOM_error, ATOM_system_limit);
        total += (size_t)len;
    }
    if (n >= 1 && (size_t)binary_size(bins[0]) == total) return bins[0]; /* the rest are empty */
    /* Allocation never moves terms, so the sources' bytes stay put while the
     * result is built (a source may even lie in the blob being appended to:
     * it is then within [0, used), and writes go after used). */
    size_t i = 0;
    uint8_t *dst;
    Term out;
    Term *h0 = n ? boxed_ptr(bins[0]) : NULL;
    if (n >= 2 && header_type(h0[0]) == BOX_REFCBIN) {
        Binary *b = (Binary *)h0[2];
        size_t len0 = h0[1];
        bool mine = atomic_load_explicit(&b->writer, memory_order_relaxed) == p;
        if (mine && b->used == len0 && total <= b->size) {
            binary_incref(b); /* the new handle's reference */
            b->used = total;
            out = handle_new(p, b, total);
            dst = b->data + len0;
            i = 1;
            goto copy;
        }
        if (mine && b->used == len0) {
            /* Appending to the end of a full blob: leave room to go on. */
            size_t cap = total <= SIZE_MAX / 2 ? 2 * total : total;
            out = binary_new_refc(p, total, cap, &dst);
            goto copy;
        }
    }
    out = make_binary_uninit(p, total, &dst);
copy:
    for (; i < n; i++) {
        size_t len;
        const uint8_t *src = binary_bytes(bins[i], &len);
        if (len) memcpy(dst, src, len);
        dst += len;
    }
    return out;
}

/* Slices this short are copied: a SUBBIN costs 4 words and pins its original. */
#define SUB_COPY_MAX 16

Term binary_sub(Process *p, Term bin, size_t off, size_t len) {
    long size = binary_size(bin);
    if (size < 0 || off > (size_t)size || len > (size_t)size - off) return native_badarg(p);
    if (off == 0 && len == (size_t)size) return bin;
    Term *b = boxed_ptr(bin);
    Term orig = bin;
    size_t orig_off = off;
    if (header_type(b[0]) == BOX_SUBBIN) { /* point at the original */
        orig = b[3];
        orig_off = b[2] + off;
    }
    if (len <= SUB_COPY_MAX || header_type(boxed_ptr(orig)[0]) == BOX_HEAPBIN) {
        size_t olen;
        const uint8_t *src = binary_bytes(orig, &olen);
        uint8_t *dst;
        Term out = make_binary_uninit(p, len, &dst); /* len <= HEAPBIN_MAX here */
        if (len) memcpy(dst, src + orig_off, len);
        return out;
    }
    Term *s = heap_alloc(p, 4);
    s[0] = make_header(BOX_SUBBIN, 3);
    s[1] = len;
    s[2] = orig_off;
    s[3] = orig;
    return make_boxed(s);
}

Term binary_to_list(Process *p, Term bin) {
    size_t len;
    const uint8_t *src = binary_bytes(bin, &len);
    if (!src) return native_badarg(p);
    if (len == 0) return T_NIL;
    Term *c = heap_alloc(p, 2 * len);
    for (size_t i = 0; i < len; i++) {
        c[2 * i] = make_small(src[i]);
        c[2 * i + 1] = i + 1 < len ? make_cons(c + 2 * (i + 1)) : T_NIL;
    }
    return make_cons(c);
}

Term binary_from_byte_list(Process *p, Term list) {
    size_t n = 0;
    Term l = list;
    for (; is_cons(l); l = CDR(l), n++) {
        Term h = CAR(l);
        if (!is_small(h) || small_val(h) < 0 || small_val(h) > 255) return native_badarg(p);
    }
    if (!is_nil(l)) return native_badarg(p);
    uint8_t *dst;
    Term out = make_binary_uninit(p, n, &dst);
    for (l = list; is_cons(l); l = CDR(l)) *dst++ = (uint8_t)small_val(CAR(l));
    return out;
}

/* ---- iolists ------------------------------------------------------------
 * An iolist is a binary, or a (possibly improper, binary-tailed) list of
 * bytes, binaries and iolists. Walked with an explicit stack of pending
 * tails on the C heap: nesting depth is bounded only by memory. */

typedef struct IoWalk {
    Term *stack;
    size_t n, cap;
} IoWalk;

static void io_push(IoWalk *w, Term t) {
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        Term *s = realloc(w->stack, w->cap * sizeof(Term));
        if (!s) heap_out_of_memory("iolist walk", w->cap * sizeof(Term));
        w->stack = s;
    }
    w->stack[w->n++] = t;
}

/* Walk `io`; if out != NULL copy the bytes there. Returns the byte size, or
 * SIZE_MAX if io is not an iolist. */
static size_t io_walk(Term io, uint8_t *out) {
    IoWalk w = {0};
    size_t total = 0;
    io_push(&w, io);
    while (w.n) {
        Term t = w.stack[--w.n];
        if (is_binary(t)) {
            size_t len;
            const uint8_t *b = binary_bytes(t, &len);
            if (out) memcpy(out + total, b, len);
            total += len;
        } else if (is_cons(t)) {
            Term h = CAR(t);
            io_push(&w, CDR(t)); /* tail after head */
            if (is_small(h)) {
                if (small_val(h) < 0 || small_val(h) > 255) goto bad;
                if (out) out[total] = (uint8_t)small_val(h);
                total++;
            } else if (is_binary(h) || is_list(h)) {
                io_push(&w, h);
            } else {
                goto bad;
            }
        } else if (!is_nil(t)) {
            goto bad;
        }
    }
    free(w.stack);
    return total;
bad:
    free(w.stack);
    return SIZE_MAX;
}

/* ---- natives -----------------------------------------------------------
 * Bad arguments raise the ArgumentError Elixir 1.14 shows for the Erlang
 * BIF (OTP 25's extended error info), one line per bad argument:
 * "errors were found at the given arguments:\n\n  * 1st argument: not a
 * binary\n". */

static Term arg_error(Process *p, const char *lines) { return native_badarg_lines(p, lines); }

Term binary_nat_byte_size(Process *p, Term *args) {
    long n = binary_size(args[0]);
    if (n < 0) return arg_error(p, "  * 1st argument: not a bitstring\n");
    return make_uint(p, (uint64_t)n);
}

/* Kernel.binary_part(bin, start, length) is :erlang.binary_part/3: length
 * may be negative, meaning the bytes before start. Type errors are all
 * reported; range errors only when the types are right, start first. */
Term binary_nat_part(Process *p, Term *args) {
    long size = binary_size(args[0]);
    char lines[200] = "";
    if (size < 0) strcat(lines, "  * 1st argument: not a binary\n");
    if (!is_integer(args[1])) strcat(lines, "  * 2nd argument: not an integer\n");
    if (!is_integer(args[2])) strcat(lines, "  * 3rd argument: not an integer\n");
    if (lines[0]) return arg_error(p, lines);
    /* A bignum is out of range whatever its sign. */
    if (!is_small(args[1]) || small_val(args[1]) < 0 || small_val(args[1]) > size)
        return arg_error(p, "  * 2nd argument: out of range\n");
    SInt start = small_val(args[1]);
    if (!is_small(args[2])) return arg_error(p, "  * 3rd argument: out of range\n");
    SInt len = small_val(args[2]);
    if (len < 0) {
        start += len;
        len = -len;
    }
    if (start < 0 || len > size - start) return arg_error(p, "  * 3rd argument: out of range\n");
    return binary_sub(p, args[0], (size_t)start, (size_t)len);
}

Term binary_nat_to_list(Process *p, Term *args) {
    if (!is_binary(args[0])) return arg_error(p, "  * 1st argument: not a binary\n");
    return binary_to_list(p, args[0]);
}

/* iolist_to_binary/1 and list_to_binary/1 differ only in accepting a bare
 * binary and in their error text. */
static Term iolist_to_binary(Process *p, Term io, const char *error) {
    size_t n = is_list(io) ? io_walk(io, NULL) : SIZE_MAX;
    if (n == SIZE_MAX) return arg_error(p, error);
    uint8_t *dst;
    Term out = make_binary_uninit(p, n, &dst);
    io_walk(io, dst);
    return out;
}

Term binary_nat_from_list(Process *p, Term *args) {
    return iolist_to_binary(p, args[0], "  * 1st argument: not an iolist term\n");
}

Term binary_nat_iolist_to_binary(Process *p, Term *args) {
    if (is_binary(args[0])) return args[0];
    return iolist_to_binary(p, args[0], "  * 1st argument: not an iodata term\n");
}

Term binary_nat_iolist_size(Process *p, Term *args) {
    Term io = args[0];
    size_t n = is_binary(io) || is_list(io) ? io_walk(io, NULL) : SIZE_MAX;
    if (n == SIZE_MAX) return arg_error(p, "  * 1st argument: not an iodata term\n");
    return make_uint(p, n);
}
