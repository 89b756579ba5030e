/* registry.h — registered process names (Process.register and friends).
 *
 * One table for the VM: name atom -> pid, guarded by one mutex (names change
 * rarely; lookups are a hash probe under the lock). Invariants: a name maps
 * to at most one pid and a pid has at most one name; p->reg_name mirrors the
 * table and is written only under the registry's lock. A process's name is
 * removed when it exits (registry_drop, before it leaves the process
 * table), so a name never maps to a dead pid for longer than that exit.
 */
#ifndef ACT_REGISTRY_H
#define ACT_REGISTRY_H
#include "process.h"

typedef enum {
    REG_OK,
    REG_NAME_TAKEN,     /* the name is registered already */
    REG_HAS_NAME,       /* the process has a name already */
    REG_DEAD,           /* the process is not alive */
} RegStatus;

/* Register q, whose pid is `pid`, under name (REG_DEAD if q is exiting).
 * The pid comes from the caller: a newborn's q->pid may not be set yet
 * when another process finds it in the table. */
RegStatus registry_register(Term name, Process *q, Term pid);
/* Remove name; false if it was not registered. */
bool registry_unregister(Term name);
/* The pid registered as name, or T_NONE. */
Term registry_whereis(Term name);
/* q's registered name, or ATOM_nil. */
Term registry_name_of(Process *q);
/* Remove q's name (if any), at q's exit. */
void registry_drop(Process *q);
/* The registered names, as a list built on p's heap. */
Term registry_names(Process *p);
/* Free the table (VM shutdown). */
void registry_free(void);
#endif
