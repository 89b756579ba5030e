/* process.c — creating and destroying processes.
 *
 * A process starts with an empty heap, an empty register stack, an empty
 * mailbox and no frames; interp_setup_* gives it something to run. The
 * runtime (runtime.c) replaces the provisional pid with its process-table
 * pid when it spawns the process; processes made without a runtime (unit
 * tests) keep the provisional one, from a counter.
 */
#include "process.h"
#include "heap.h"
#include "atom.h"
#include "interp.h"
#include "mailbox.h"
#include <stdio.h>
#include <stdlib.h>

/* First pid serial: the BEAM's first user process is around <0.80.0>. */
static _Atomic uint64_t next_pid = 80;

Process *process_new(size_t heap_words) {
    Process *p = calloc(1, sizeof(Process));
    if (!p) {
        fprintf(stderr, "act: out of memory (process)\n");
        abort();
    }
    heap_init(p, heap_words);
    p->exc_class = p->exc_reason = p->exc_trace = T_NIL;
    p->dict = T_NIL;
    p->trap_mod = p->trap_fun = p->trap_args = T_NONE;
    p->pid = make_pid(next_pid++);
    p->exit_from = T_NIL;
    p->exit_reason = T_NIL;
    p->reg_name = ATOM_nil;
    p->after_ms = -1;
    mailbox_init(&p->mbox);
    atomic_flag_clear(&p->lock);
    atomic_init(&p->timed_out, false);
    return p;
}

void process_free(Process *p) {
    if (!p) return;
    heap_free(p);
    free(p->stack);
    free(p->frames);
    free(p->handlers);
    mailbox_destroy(&p->mbox);
    keyset_free(&p->links);
    keyset_free(&p->mon_by);
    keyset_free(&p->mon_of);
    free(p);
}
