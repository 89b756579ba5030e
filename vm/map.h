/* map.h — persistent (immutable) maps.
 *
 * A map is one of two boxed representations, chosen by its size alone:
 *
 *  FLAT (BOX_MAP_FLAT), 0..MAP_FLAT_MAX keys:
 *      header(BOX_MAP_FLAT, 1 + 2n) | small n | keys[n] | values[n]
 *    keys are strictly increasing in exact order (term_compare_exact, the
 *    BEAM's map key order: all integers before all floats), so a flat map
 *    iterates and prints in key order and equal maps are word-for-word equal
 *    modulo their boxed sub-terms.
 *
 *  HAMT (BOX_MAP_HAMT), more than MAP_FLAT_MAX keys: a CHAMP trie (compressed
 *  hash-array mapped prefix tree) over the 64-bit term_hash of the keys,
 *  32-way (5 hash bits per level, least significant bits first). Every node,
 *  the root included, is one boxed object:
 *      header(BOX_MAP_HAMT, 3 + 2*nd + nc)
 *      [0] small: number of keys in this subtree (the root's is map_size)
 *      [1] small: datamap  (bit i set: slot i holds a key/value pair inline)
 *      [2] small: nodemap  (bit i set: slot i holds a child node)
 *      [3 .. 3+2nd)       key, value pairs, in increasing slot order
 *      [3+2nd .. +nc)      child nodes (BOX_MAP_HAMT), in increasing slot order
 *    with nd = popcount(datamap), nc = popcount(nodemap), datamap & nodemap = 0.
 *    A collision node (only below the last hash level, where two keys have
 *    the same full 64-bit hash) has datamap = nodemap = 0 and holds its
 *    `count` pairs unordered.
 *  Invariants: every child node holds at least 2 keys (a lone key is stored
 *  inline in its parent), so the trie of a key set is unique, up to the
 *  order inside collision nodes. No key appears twice (keys are distinct
 *  under term_eqx).
 *
 * GC: every word after a map's header is a term or a small (the bitmaps and
 * counts are smalls), so the generic "copy 1 + arity words, scan them" rule of
 * the collector covers both representations.
 *
 * Order: a HAMT map iterates in key order too (map_iter sorts its entries).
 * The BEAM iterates large maps in its internal hash order, which Act cannot
 * reproduce; see docs/language.md, Deviations.
 *
 * Nothing here mutates an existing map; updates copy the changed path. All
 * functions taking `map` require is_map(map) unless they say otherwise.
 */
#ifndef ACT_MAP_H
#define ACT_MAP_H
#include "term.h"
#include "process.h"

#define MAP_FLAT_MAX 32

/* Number of keys. */
size_t map_size(Term map);
/* The value of key, or T_NONE when absent. Never allocates. */
Term map_get(Term map, Term key);
/* Pointer to the word holding key's value inside the map, or NULL. */
const Term *map_lookup_ref(Term map, Term key);
/* map with key => val (replacing any old value; an existing key keeps its
 * original term). Returns map itself when nothing changes. */
Term map_put(Process *p, Term map, Term key, Term val);
/* map without key (map itself if key is absent). */
Term map_remove(Process *p, Term map, Term key);
/* The empty map. */
Term map_new(Process *p);
/* A map of the n pairs kv[0], kv[1] (key, value), kv[2], kv[3] ...; when a
 * key repeats, the first occurrence's key term and the last value win (the
 * BEAM's rule). kv is not modified. Used by the MAP_NEW opcode. */
Term map_from_pairs(Process *p, size_t n, const Term *kv);
/* %{map | k1 => v1, ...}: every key must already exist. On failure raises
 * error {badmap, map} (map is not a map) or {badkey, K} and returns T_NONE.
 * Used by the MAP_UPDATE opcode. ({badkey, K} without the map, as the BEAM:
 * Elixir then reports "key :b not found", not "... not found in: %{...}".) */
Term map_update(Process *p, Term map, size_t n, const Term *kv);
/* Every pair of b put into a (b's values win). */
Term map_merge(Process *p, Term a, Term b);

/* Lists in key order: [{k, v}, ...], [k, ...], [v, ...]. */
Term map_to_list(Process *p, Term map);
Term map_keys(Process *p, Term map);
Term map_values(Process *p, Term map);
/* A map of a proper list of {k, v} tuples (later keys win); T_NONE without
 * raising when the list is improper or holds a non-pair (callers raise). */
Term map_from_list(Process *p, Term list);

/* Iteration in key order.
 *
 *     MapIter it; Term k, v;
 *     map_iter_init(&it, m);
 *     while (map_iter_next(&it, &k, &v)) ...;
 *     map_iter_done(&it);
 *
 * The map must stay reachable and no GC may run until map_iter_done (which
 * frees the C-heap buffer a HAMT iteration uses). */
typedef struct MapIter {
    const Term *keys, *vals; /* parallel arrays, n entries each */
    size_t i, n;
    Term *buf;               /* C-heap buffer owned by the iterator, or NULL;
                                when set it holds keys[0..n) then vals[0..n)
                                (keys == buf, vals == buf + n), and a caller
                                may take it over (set buf = NULL, free it) */
} MapIter;
void map_iter_init(MapIter *it, Term map);
/* The same, in an unspecified order (no sort: for order-blind work such as
 * equality, hashing and copying). */
void map_iter_init_unordered(MapIter *it, Term map);
bool map_iter_next(MapIter *it, Term *key, Term *val);
void map_iter_done(MapIter *it);

/* Testing hook: hashes used by HAMTs are masked with this value. A test may
 * set it (before building any map) to force hash collisions; never changed
 * by the VM itself. */
extern uint64_t map_hash_mask;
#endif
