/* keyset.h — a small open-addressing hash table keyed by a 64-bit word,
 * with two term payloads: a process's links (key: the linked pid) and its
 * monitors (key: the reference id; payload: the other pid and the name the
 * monitor was made with).
 *
 * Invariants:
 *  - cap is 0 (nothing allocated: most processes never link or monitor)
 *    or a power of two >= 4; slots hold KEYSET_EMPTY, KEYSET_TOMB or a key,
 *    and `used` (keys + tombstones) stays <= 3/4 of cap, so every probe
 *    sequence ends at an empty slot.
 *  - Keys are never KEYSET_EMPTY (0) or KEYSET_TOMB (all ones): pid terms
 *    carry a non-zero tag and reference ids start at 1.
 *  - Add, find and remove are O(1) expected, so a process linked to or
 *    monitored by 100k others exits, unlinks and demonitors in linear time
 *    overall. Not thread-safe: the owning process's lock guards it
 *    (process.h).
 */
#ifndef ACT_KEYSET_H
#define ACT_KEYSET_H
#include <stdbool.h>
#include <stdint.h>
#include "term.h"

#define KEYSET_EMPTY ((uint64_t)0)
#define KEYSET_TOMB (~(uint64_t)0)

typedef struct KeyEntry {
    uint64_t key;
    Term a, b;          /* payload */
} KeyEntry;

typedef struct KeySet {
    KeyEntry *e;
    uint32_t n;         /* keys */
    uint32_t used;      /* keys + tombstones */
    uint32_t cap;
} KeySet;

/* Add key with its payload; false (nothing changed) if key is present or
 * is one of the two reserved values. Find and remove miss those. */
bool keyset_add(KeySet *s, uint64_t key, Term a, Term b);
/* The entry of key, or NULL. */
KeyEntry *keyset_find(const KeySet *s, uint64_t key);
/* Remove key; its entry is copied to *out (if out). False if absent. */
bool keyset_remove(KeySet *s, uint64_t key, KeyEntry *out);
/* Next entry at or after *i (start at 0), or NULL at the end. */
KeyEntry *keyset_next(const KeySet *s, uint32_t *i);
/* Free the table (the set becomes empty). */
void keyset_free(KeySet *s);
#endif
