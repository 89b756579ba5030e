/* ptab.h — the process table: pid <-> process, lock-free lookup, and the
 * deferred freeing that makes lock-free lookup safe.
 *
 * Pids. The table has 2^bits slots. A pid value (pid_val of a pid term,
 * term.h: 58 bits) is serial * 2^bits + index: the low `bits` bits are the
 * slot, the rest the slot's serial, which grows by one each time the slot is
 * reused (wrapping at 2^58). Elixir shows `#PID<0.N.0>` with N = the pid
 * value, so N grows like the BEAM's: slots are handed out in index order
 * until every slot has been used once, then freed slots are reused
 * oldest-freed first (FIFO), so a slot is reused as late as possible.
 *
 * Invariants:
 *  - A slot is free or holds one (pid, obj) pair; `pid` is stored as
 *    value + 1 (0: free). A pid value is handed out at most once per 2^58 /
 *    2^bits reuses of its slot, so a stale pid does not reach the new
 *    process in that slot: ptab_lookup returns NULL for it.
 *  - Insert and remove serialise on a mutex (spawn and exit are rarer than
 *    lookups); ptab_lookup and ptab_next take no lock.
 *  - The table never dereferences or frees an obj: it stores opaque
 *    pointers (the interpreter stores Process *).
 *
 * Lifetime (why a lock-free reader never touches a freed process): quiescent
 * state based reclamation, like the BEAM's thread progress. Each thread
 * that looks up pids registers (ptab_thread_register) and calls
 * ptab_quiescent at points where it holds no pointer obtained from
 * ptab_lookup/ptab_next (a scheduler: between two time slices). A thread
 * that blocks for long goes offline (ptab_thread_offline / _online) so as not
 * to hold the others back. Exiting a process: ptab_remove (no new reader can
 * find it), then ptab_retire(obj, free_fn): free_fn runs, on the retiring
 * thread, once every online registered thread has passed a quiescent point
 * twice since (epoch + 2), so every reader that could have found obj is gone.
 * Threads that never look up pids need not register.
 */
#ifndef ACT_PTAB_H
#define ACT_PTAB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct PTab PTab;

#define PTAB_MIN_BITS 4
#define PTAB_MAX_BITS 27    /* 134M processes, the BEAM's limit */
#define PTAB_MAX_THREADS 256
#define PTAB_FULL UINT64_MAX /* ptab_insert: no free slot (system_limit) */

/* A table of 2^bits slots (clamped to [PTAB_MIN_BITS, PTAB_MAX_BITS]).
 * Slots are committed lazily (calloc), so a big table costs little until
 * used. Aborts only on out of memory. */
PTab *ptab_new(unsigned bits);
/* Free the table (not the objects, nor pending retired ones: call
 * ptab_thread_unregister first on every thread, or accept the leak). */
void ptab_destroy(PTab *t);

/* Publish obj (non-NULL) under a new pid; returns its pid value, or
 * PTAB_FULL. Make obj ready before: readers may find it at once. */
uint64_t ptab_insert(PTab *t, void *obj);
/* The obj of a live pid, or NULL (stale, never issued, or out of range).
 * Lock-free; the result stays valid until the caller's next quiescent point. */
void *ptab_lookup(const PTab *t, uint64_t pid);
/* Unpublish pid; false if it was not live. The caller still owns obj and
 * must retire it (not free it) if any other thread may look pids up. */
bool ptab_remove(PTab *t, uint64_t pid);
/* Live entries (exact while no insert/remove runs concurrently). */
size_t ptab_count(const PTab *t);
size_t ptab_capacity(const PTab *t);
/* The slot of a pid (for tests and stats). */
size_t ptab_index(const PTab *t, uint64_t pid);

/* Iteration (Process.list): start with *cursor = 0; each call returns the
 * next live entry, in slot order, or false at the end. Entries inserted or
 * removed meanwhile may or may not be seen; each entry is seen at most once.
 * Lock-free; same lifetime rule as ptab_lookup. */
bool ptab_next(const PTab *t, size_t *cursor, uint64_t *pid, void **obj);

/* ---- deferred freeing (see "Lifetime" above) ----------------------------- */
/* Register the calling thread (online); returns its id, or -1 when
 * PTAB_MAX_THREADS are registered. */
int ptab_thread_register(PTab *t);
/* Unregister the calling thread and run ALL its pending frees at once: call
 * it only when no other thread can hold a pointer from the table (VM stop,
 * every scheduler parked). */
void ptab_thread_unregister(PTab *t, int tid);
/* The thread holds no pointer obtained from the table. Also runs the
 * thread's pending frees whose grace period has passed. */
void ptab_quiescent(PTab *t, int tid);
void ptab_thread_offline(PTab *t, int tid);
void ptab_thread_online(PTab *t, int tid);
/* Free obj with free_fn(obj) once no reader can hold it. obj must already be
 * unreachable through the table (ptab_remove). */
void ptab_retire(PTab *t, int tid, void *obj, void (*free_fn)(void *));
/* Objects retired by thread tid and not yet freed. */
size_t ptab_pending(const PTab *t, int tid);

#endif
