/* process.c — creating and destroying processes.
 *
 * A process starts with an empty heap, an empty register stack and no frames;
 * interp_setup_* gives it something to run. Pids are allocated from one
 * global counter and never reused within a run.
 */
#include "process.h"
#include "heap.h"
#include "atom.h"
#include "interp.h"
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
    p->deadline = -1;
    return p;
}

void process_free(Process *p) {
    if (!p) return;
    heap_free(p);
    free(p->stack);
    free(p->frames);
    free(p->handlers);
    free(p->mbox);
    free(p);
}
