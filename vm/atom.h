/* atom.h — the global atom table.
 *
 * Invariants:
 *  - An atom's index never changes and is never reused: atoms are not
 *    collected. Index i is valid iff i < the published count.
 *  - Readers (atom_name, atom_lookup) take no lock: entries are written fully
 *    before the count that publishes them is stored with release order, and
 *    readers load the count with acquire order.
 *  - Writers (atom_intern of a new name) serialise on one mutex.
 *  - The table holds at most ATOM_LIMIT atoms (documented in
 *    docs/architecture.md). Past it, atom_intern returns T_NONE and the caller
 *    raises a SystemLimitError; the VM never crashes on it.
 *  - Atoms named in atoms.def are interned first, in file order, so that
 *    ATOM_<id> is a compile-time constant.
 */
#ifndef ACT_ATOM_H
#define ACT_ATOM_H
#include "term.h"

#define ATOM_LIMIT (1u << 20)
#define ATOM_MAX_LEN 255

enum {
#define ATOM(id, text) ATOMIX_##id,
#include "atoms.def"
#undef ATOM
    ATOMIX__PREDEFINED
};
#define ATOM(id, text) static const Term ATOM_##id = make_atom(ATOMIX_##id);
#include "atoms.def"
#undef ATOM

void atom_init(void);
/* The atom for `name`, interning it if new. T_NONE if the table is full or
 * the name is longer than ATOM_MAX_LEN characters (UTF-8 code points, as in
 * Erlang; was "bytes" in the first draft of this contract: every name the old
 * rule accepted is still accepted). atom_init must run before any thread
 * other than the main one interns. */
Term atom_intern(const char *name, size_t len);
Term atom_intern_cstr(const char *name);
/* The same for atoms made from program data (String.to_atom/1 and friends):
 * these may fill the table only up to ATOM_LIMIT - ATOM_RESERVE. The rest is
 * kept for the VM itself (loading stdlib modules on first use, natives'
 * own atoms), so a program that exhausts the table still gets its
 * SystemLimitError raised, rescued and printed. */
#define ATOM_RESERVE (1u << 14)
Term atom_intern_user(const char *name, size_t len);
/* The atom for `name` if it exists, else T_NONE (String.to_existing_atom). */
Term atom_lookup(const char *name, size_t len);
const char *atom_name(Term atom, size_t *len);
uint32_t atom_count(void);
/* Tests only: make atom_intern fail (T_NONE) once n atoms exist
 * (n is clamped to ATOM_LIMIT; pass ATOM_LIMIT to restore). */
void atom_set_limit_for_test(uint32_t n);
/* Boolean atoms */
#define make_bool(b) ((b) ? ATOM_true : ATOM_false)
#define is_boolean(t) ((t) == ATOM_true || (t) == ATOM_false)
#endif
