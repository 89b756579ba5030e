/* term.h — the tagged-word representation of Act values.
 *
 * A Term is one machine word (64-bit only). The low bits say what it is:
 *
 *   ...xxxx1   small integer: value = (intptr_t)t >> 1, range [SMALL_MIN, SMALL_MAX]
 *   ...xxx10   cons cell: pointer | 2 to two words {head, tail}
 *   ...xx000   boxed: pointer to a header word followed by `arity` payload words
 *   ..000100   atom: index = t >> 6, into the global atom table (atom.c)
 *   ..001100   local pid: value = t >> 6 (see process.h for its fields)
 *   ..010100   special constants: T_NIL ([]), T_NONE (THE_NON_VALUE), ...
 *   ..011100   header word (only ever the first word of a boxed object)
 *
 * Invariants:
 *  - Integers that fit in a small are always small; a bignum is never
 *    in small range and never has a leading zero limb. So equal integers are
 *    structurally equal, and `===` on integers is word or limb compare.
 *  - The atom `nil` (ATOM_nil) and the empty list `[]` (T_NIL) are distinct.
 *  - T_NONE is never a value a program can see. It marks "no value": a native
 *    returns it to say "an exception is set in the process", and the GC uses it
 *    in the head of a forwarded cons cell.
 *  - Pointers inside terms point into: the owning process's heap, one of its
 *    heap fragments, or a literal area (module constants) that outlives them.
 *    Nothing on a heap points into another process's heap.
 *  - Boxed objects start with a header word: type in bits 6..10, arity (number
 *    of payload words that follow) in bits 11..63. The GC copies 1 + arity
 *    words, except for types whose payload holds raw words (see BOXED_RAW).
 */
#ifndef ACT_TERM_H
#define ACT_TERM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>

typedef uintptr_t Term;
typedef intptr_t SInt;

_Static_assert(sizeof(Term) == 8, "Act needs a 64-bit target");

/* ---- small integers ---------------------------------------------------- */
#define SMALL_BITS 63
#define SMALL_MAX ((SInt)(((uintptr_t)1 << (SMALL_BITS - 1)) - 1))
#define SMALL_MIN (-SMALL_MAX - 1)
#define is_small(t) (((t) & 1) != 0)
#define make_small(v) ((Term)(((uintptr_t)(SInt)(v) << 1) | 1))
#define small_val(t) ((SInt)(t) >> 1)
#define small_fits(v) ((v) >= SMALL_MIN && (v) <= SMALL_MAX)

/* ---- lists ------------------------------------------------------------- */
#define is_cons(t) (((t) & 3) == 2)
#define make_cons(p) ((Term)(p) | 2)
#define cons_ptr(t) ((Term *)((t) - 2))
#define CAR(t) (cons_ptr(t)[0])
#define CDR(t) (cons_ptr(t)[1])

/* ---- boxed ------------------------------------------------------------- */
#define is_boxed(t) (((t) & 7) == 0)
#define make_boxed(p) ((Term)(p))
#define boxed_ptr(t) ((Term *)(t))

/* ---- immediates -------------------------------------------------------- */
#define IMM_MASK 0x3F
#define IMM_ATOM 0x04
#define IMM_PID 0x0C
#define IMM_SPECIAL 0x14
#define IMM_HEADER 0x1C

#define is_atom(t) (((t) & IMM_MASK) == IMM_ATOM)
#define make_atom(i) ((Term)(((uintptr_t)(i) << 6) | IMM_ATOM))
#define atom_index(t) ((uint32_t)((t) >> 6))

#define is_pid(t) (((t) & IMM_MASK) == IMM_PID)
#define make_pid(v) ((Term)(((uintptr_t)(v) << 6) | IMM_PID))
#define pid_val(t) ((uint64_t)((t) >> 6))

#define T_NIL ((Term)((0u << 6) | IMM_SPECIAL))  /* [] */
#define T_NONE ((Term)((1u << 6) | IMM_SPECIAL)) /* no value / exception set */
#define is_nil(t) ((t) == T_NIL)
#define is_list(t) (is_cons(t) || is_nil(t))

/* ---- headers ----------------------------------------------------------- */
#define is_header(t) (((t) & IMM_MASK) == IMM_HEADER)
#define make_header(type, arity) ((Term)(((uintptr_t)(arity) << 11) | ((uintptr_t)(type) << 6) | IMM_HEADER))
#define header_type(h) ((unsigned)(((h) >> 6) & 0x1F))
#define header_arity(h) ((size_t)((h) >> 11))

/* Boxed object types. Payload layouts:
 *  TUPLE      elements[arity]
 *  BIG_POS/NEG  limbs[arity] (mp_limb_t, least significant first)      raw
 *  FLOAT      one double                                                raw
 *  HEAPBIN    word0 = byte size; bytes follow, padded to a word         raw
 *  REFCBIN    [0] = byte size, [1] = (Binary *) off-heap blob,
 *             [2] = (Term *) next REFCBIN in the process's off-heap list raw
 *  SUBBIN     [0] = byte size, [1] = byte offset, [2] = original binary
 *             (a HEAPBIN or REFCBIN term). Only [2] is a term.
 *  FUN        [0] = (const struct FunEntry *) code, free variables follow
 *             (word 0 raw, the rest terms)
 *  EXPORT     [0] = module atom, [1] = function atom, [2] = small arity
 *  REF        [0] = 64-bit id (raw)                                      raw
 *  MAP_FLAT   [0] = small count n, keys[n] sorted by map key order,
 *             values[n]
 *  MAP_HAMT   see map.h; [0] = small key count, [1] = datamap and
 *             [2] = nodemap (smalls), then entries (was: one bitmap; a
 *             CHAMP node needs two; every word is still a term or a small)
 *  RESOURCE   [0] = 64-bit id, [1] = (Binary *) blob holding the resource,
 *             [2] = next entry of the off-heap list: words [1] and [2] are
 *             laid out as a REFCBIN's, so the off-heap list and every walk
 *             of it serve both (vm/resource.h)                            raw
 */
enum {
    BOX_TUPLE = 0,
    BOX_BIG_POS,
    BOX_BIG_NEG,
    BOX_FLOAT,
    BOX_HEAPBIN,
    BOX_REFCBIN,
    BOX_SUBBIN,
    BOX_FUN,
    BOX_EXPORT,
    BOX_REF,
    BOX_MAP_FLAT,
    BOX_MAP_HAMT,
    BOX_RESOURCE,
    BOX__COUNT
};

static inline Term box_header(Term t) { return boxed_ptr(t)[0]; }
static inline unsigned box_type(Term t) { return header_type(box_header(t)); }
static inline bool is_box_of(Term t, unsigned type) { return is_boxed(t) && box_type(t) == type; }

#define is_tuple(t) is_box_of((t), BOX_TUPLE)
#define tuple_arity(t) header_arity(box_header(t))
#define tuple_elems(t) (boxed_ptr(t) + 1)

#define is_float(t) is_box_of((t), BOX_FLOAT)
static inline double float_val(Term t) { double d; memcpy(&d, boxed_ptr(t) + 1, sizeof d); return d; }

static inline bool is_bignum(Term t) {
    return is_boxed(t) && (box_type(t) == BOX_BIG_POS || box_type(t) == BOX_BIG_NEG);
}
#define is_integer(t) (is_small(t) || is_bignum(t))
#define is_number(t) (is_integer(t) || is_float(t))

static inline bool is_binary(Term t) {
    if (!is_boxed(t)) return false;
    unsigned ty = box_type(t);
    return ty == BOX_HEAPBIN || ty == BOX_REFCBIN || ty == BOX_SUBBIN;
}
static inline bool is_map(Term t) {
    return is_boxed(t) && (box_type(t) == BOX_MAP_FLAT || box_type(t) == BOX_MAP_HAMT);
}
static inline bool is_fun(Term t) {
    return is_boxed(t) && (box_type(t) == BOX_FUN || box_type(t) == BOX_EXPORT);
}
/* A resource (FFI buffer, library, function: vm/resource.h) is a reference,
 * as a NIF resource is on the BEAM: is_reference/1 holds, it prints as
 * #Reference<...>, and word [1] of both is a unique id (heap_new_ref_id), so
 * code that looks a reference's id up (timers, monitors, ETS tids) just
 * finds nothing for a resource. */
#define is_ref(t) (is_box_of((t), BOX_REF) || is_box_of((t), BOX_RESOURCE))

/* Words a boxed object occupies, header included. */
#define WORDS_FOR_BYTES(n) (((n) + sizeof(Term) - 1) / sizeof(Term))

#endif
