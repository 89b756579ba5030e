/* resource.h — resources: C objects owned by Act terms (the BEAM's NIF
 * resources), released when the last term referring to them dies.
 *
 * A resource is an off-heap blob (Binary, heap.h) whose data[] holds a
 * ResourceHead and then the object; Binary.destroy runs the type's destroy
 * function when the last reference goes. A resource term is a boxed
 * RESOURCE object (term.h): [1] a unique id (for ==, ordering, hashing and
 * printing as #Reference<...>), [2] the blob, [3] the next entry of the
 * process's off-heap list. Words [2] and [3] mirror a REFCBIN's, so the life
 * cycle is exactly a refc binary's, with no code of its own:
 *  - every RESOURCE object holds one reference and is on its heap's
 *    off-heap list (or a message's / an ETS object's chain);
 *  - the GC relinks survivors and drops the reference of dead ones (gc.c);
 *  - copying into a message or ETS takes a new reference (gc_copy_term,
 *    gc_copy_to_block); freeing the message, the ETS object or the process
 *    drops it (binary_decref).
 * Resources are never literals and are not binaries (is_binary is false).
 *
 * Invariant: the object does not move while any reference is held, so C
 * code holding a reference (a dirty job, vm/dirty.h) may use it without the
 * process that made it. destroy runs on whichever thread drops the last
 * reference: it must not touch a process heap.
 */
#ifndef ACT_RESOURCE_H
#define ACT_RESOURCE_H
#include "heap.h"

typedef struct ResourceType {
    const char *name;               /* for debugging */
    void (*destroy)(void *obj);     /* may be NULL */
} ResourceType;

/* A new resource of `size` zeroed bytes; *blob receives it with one
 * reference, which the caller owns (hand it to resource_term, or drop it
 * with binary_decref). Returns the object. */
void *resource_new(const ResourceType *type, size_t size, Binary **blob);
/* A RESOURCE term on p's heap for blob, with a new reference of its own
 * (the caller keeps its reference). */
Term resource_term(Process *p, Binary *blob);
/* Build a RESOURCE term in caller memory words[RESOURCE_WORDS] (for a term
 * that is only copied, e.g. into a message: mailbox_msg_new); it borrows
 * the caller's reference and must not outlive it. */
#define RESOURCE_WORDS 4
Term resource_term_in(Term *words, Binary *blob);
/* The object of a resource term of this type, or NULL (not a resource, or
 * of another type). *blob (if non-NULL) receives its blob. */
void *resource_get(Term t, const ResourceType *type, Binary **blob);
/* The object of a blob made by resource_new. */
void *resource_obj(Binary *blob);
/* Resources alive in the VM (for tests). */
long resource_count(void);
#endif
