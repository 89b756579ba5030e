/* signals.h — links, monitors and exit signals between processes.
 *
 * Signals travel in the receiver's mailbox queue (mailbox.h), interleaved
 * with ordinary messages, so everything one process sends another (messages,
 * exit signals, DOWN notices) arrives in the order it was sent, as on the
 * BEAM. The receiver interprets a signal when it takes it off the outer
 * queue (signal_take): at the start of every time slice and whenever a
 * receive has tried every message it holds. So a process that never
 * receives still handles a kill within one slice.
 *
 * Every signal carries, in its own fragment, the message it would become:
 *   SIG_EXIT       {:EXIT, from, reason}        Process.exit(pid, reason)
 *   SIG_EXIT_LINK  {:EXIT, from, reason}        a linked process exited
 *   SIG_DOWN       {:DOWN, ref, :process, from, reason}
 *   SIG_INFO       the item spec of a Process.info(pid, spec) from another
 *                  process, answered with the message
 *                  {:"$process_info", ref, result} (the BEAM also answers
 *                  process_info of another process by signal: only the
 *                  owner may read its heap)
 * so turning one into a message needs no allocation on the receiver's heap
 * (messages in the mailbox never point into the heap: see process.h).
 *
 * Links and monitors are recorded in both processes at once by the process
 * that makes or breaks them (process.h lists the fields): a link or unlink
 * under both processes' locks, taken in pid order (the only place two
 * process locks are held together); a monitor under each lock in turn.
 * Invariants:
 *  - A process whose `exiting` flag is set gains no link and no monitor:
 *    link/monitor check the flag under the target's lock, and the exiting
 *    process sets it under the same lock before it reads its lists.
 *  - A SIG_EXIT_LINK from Y acts on X only while Y is still in X's links
 *    (X removes it then), so once unlink(Y) returns, Y's exit cannot affect
 *    X any more, even if Y's signal is already queued (the BEAM's promise).
 *  - A SIG_DOWN becomes a message only while its ref is still in the
 *    receiver's mon_of (removed then), so once demonitor(ref) returns no
 *    DOWN for ref is added to the mailbox; [:flush] removes one already
 *    there.
 *
 * How a signal acts on its receiver X (reason r, sender Y):
 *   SIG_EXIT, r == :kill            X exits with :killed (untrappable)
 *   X traps exits                   {:EXIT, Y, r} is delivered as a message
 *   r == :normal                    ignored (SIG_EXIT from X itself: X
 *                                   exits with :normal)
 *   otherwise                       X exits with r
 * "X exits" sets X->pending_exit; the run loop ends X at the next slice
 * boundary (runtime.c).
 */
#ifndef ACT_SIGNALS_H
#define ACT_SIGNALS_H
#include "process.h"

enum {
    SIG_EXIT = 1,
    SIG_EXIT_LINK = 2,
    SIG_DOWN = 3,
    SIG_INFO = 4,   /* Process.info request: term is the item spec */
};

/* Take everything that arrived into the inner list, interpreting signals.
 * Owner only. Returns how many messages were appended. */
size_t signal_take(Process *p);

/* Send Process.exit(to, reason) from p (reason on p's heap). */
void signal_send_exit(Process *p, Term to, Term reason);

/* Ask `to` for Process.info(to, spec) on behalf of p (see SIG_INFO). */
void signal_send_info_request(Process *p, Term to, Term spec, uint64_t ref);

/* Link p and `to`. Returns false when `to` is not alive (or exiting). */
bool signal_link(Process *p, Term to);
/* Remove the link between p and `to` (if any). */
void signal_unlink(Process *p, Term to);
/* Record a link between a fresh, not yet running child and its parent p
 * (spawn_link: the child cannot exit meanwhile). */
void signal_link_child(Process *p, Process *child);

/* p monitors `to` (a pid, or T_NONE for an unregistered name) under
 * reference id `ref`, made by registered name `name` (ATOM_nil: by pid);
 * when `to` is not alive a DOWN with reason :noproc is queued to p at once. */
void signal_monitor(Process *p, Term to, Term name, uint64_t ref);
/* Monitor a fresh, not yet running child (spawn_monitor). */
void signal_monitor_child(Process *p, Process *child, uint64_t ref);
/* Drop p's monitor `ref`; true if it was active. With flush, also remove a
 * {:DOWN, ref, ...} message already in the mailbox. */
bool signal_demonitor(Process *p, uint64_t ref, bool flush);

/* p exits with `reason` (on p's heap): mark it exiting, send SIG_EXIT_LINK
 * to every linked process and SIG_DOWN to every monitoring one, and drop
 * the monitors p holds. Owner only; call once. */
void signal_exit_process(Process *p, Term reason);

/* Snapshots for Process.info, built on `on`'s heap (read under q's lock).
 * monitors: {:process, pid | {name, node}} of the monitors q holds; by:
 * the pids monitoring q, leaving out the monitor with ref hide_ref (the
 * one a Process.info request from another process sets up). */
Term signal_links_list(Process *on, Process *q);
Term signal_monitors_list(Process *on, Process *q, bool by, uint64_t hide_ref);
#endif
