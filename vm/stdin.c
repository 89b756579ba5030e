/* stdin.c — reading standard input without blocking a scheduler.
 *
 * IO.gets and IO.read hand their request to one reader thread and wait in
 * an ordinary receive (IO.__await_input__/1, stdlib/io.act), so a process
 * blocked on input blocks nobody else, even with one scheduler. The reader
 * serves requests in arrival order, one at a time, and answers each with the
 * message {:"$input", ref, data} (data: a binary or :eof).
 *
 * Invariants:
 *  - `lock` guards the request queue, `stopped` and every use of the
 *    runtime by the reader thread; runtime_shutdown calls stdin_stop, which
 *    sets `stopped` under the lock, so the reader never touches a runtime
 *    that is being freed (it may still sit in read(2): it is detached and
 *    ends with the OS process).
 *  - The reader thread is registered with the process table and online
 *    only while it delivers an answer (ptab.h), so its blocking reads never
 *    hold back the freeing of dead processes.
 *  - stdin_cancel(pid) drops pid's requests: queued ones at once, the one
 *    being served (`current`) if no byte of its answer has been read yet
 *    (the reader waits for input with poll on stdin and `cancel_pipe`), so
 *    the REPL's interrupted IO.gets does not swallow the next line typed.
 *    (Added with the REPL, vm/repl.c.)
 */
#include "stdin.h"
#include "runtime.h"
#include "ptab.h"
#include "heap.h"
#include "gc.h"
#include "atom.h"
#include "inspect.h"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct Request {
    struct Request *next;
    Term pid;
    uint64_t ref;
    StdinHow how;
    size_t count;           /* STDIN_CHARS: characters to read */
} Request;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static Request *head, **tail = &head;
static bool started, stopped;
static Request *current;            /* being served, until input arrives */
static bool current_cancelled;
static int cancel_pipe[2] = { -1, -1 };

/* Wait until stdin has input (true) or the current request is cancelled
 * (false). */
static bool await_input(void) {
    for (;;) {
        struct pollfd fds[2] = { { 0, POLLIN, 0 }, { cancel_pipe[0], POLLIN, 0 } };
        int n = poll(fds, cancel_pipe[0] >= 0 ? 2 : 1, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || fds[0].revents) return true;
        char c;
        if (read(cancel_pipe[0], &c, 1) < 0) { /* drained anyway */ }
        pthread_mutex_lock(&lock);
        bool cancelled = current_cancelled;
        pthread_mutex_unlock(&lock);
        if (cancelled) return false;
    }
}

bool stdin_read_now(StdinHow how, size_t count, StrBuf *b) {
    switch (how) {
    case STDIN_LINE:
        return io_read_line(b);
    case STDIN_CHARS:
        return io_read_chars(b, count) || count == 0;
    case STDIN_EOF:
    case STDIN_ALL:
        while (io_read_line(b)) {}
        return b->len > 0 || how == STDIN_ALL;
    }
    return false;
}

/* Send {:"$input", ref, data} to r->pid (lock held, runtime alive). */
static void answer(int tid, const Request *r, StrBuf *b, bool got) {
    /* The answer is built on a scratch process's heap, then copied into
     * the message like any other. */
    Process *scratch = process_new(b->len / sizeof(Term) + 16);
    Term data = got ? strbuf_to_binary(scratch, b) : ATOM_eof;
    Term tup = make_tuple3(scratch, ATOM__input, make_ref_id(scratch, r->ref), data);
    Message *m = mailbox_msg_new(tup);
    ptab_thread_online(runtime.ptab, tid);
    runtime_push(r->pid, m);
    ptab_thread_offline(runtime.ptab, tid);
    process_free(scratch);
}

static void *reader(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    int tid = stopped ? -1 : ptab_thread_register(runtime.ptab);
    if (tid >= 0) ptab_thread_offline(runtime.ptab, tid);
    for (;;) {
        while (!head && !stopped) pthread_cond_wait(&more, &lock);
        if (stopped || tid < 0) break;
        Request *r = head;
        head = r->next;
        if (!head) tail = &head;
        current = r;
        current_cancelled = false;
        pthread_mutex_unlock(&lock);
        StrBuf b = { 0 };
        bool wanted = await_input();
        pthread_mutex_lock(&lock);
        current = NULL;
        wanted = wanted && !current_cancelled;
        pthread_mutex_unlock(&lock);
        bool got = wanted && stdin_read_now(r->how, r->count, &b);
        io_set_prompt(NULL, 0); /* answered: stop re-showing the prompt */
        pthread_mutex_lock(&lock);
        if (!stopped && wanted) answer(tid, r, &b, got);
        strbuf_free(&b);
        free(r);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

bool stdin_request(Process *p, StdinHow how, size_t count, uint64_t ref) {
    Request *r = malloc(sizeof *r);
    if (!r) heap_out_of_memory("input request", sizeof *r);
    *r = (Request){ NULL, p->pid, ref, how, count };
    pthread_mutex_lock(&lock);
    bool ok = !stopped;
    if (ok && !started) {
        pthread_t t;
        if (cancel_pipe[0] < 0 && pipe(cancel_pipe) != 0) cancel_pipe[0] = cancel_pipe[1] = -1;
        ok = pthread_create(&t, NULL, reader, NULL) == 0;
        if (ok) {
            pthread_detach(t);
            started = true;
        }
    }
    if (ok) {
        *tail = r;
        tail = &r->next;
        pthread_cond_signal(&more);
    }
    pthread_mutex_unlock(&lock);
    if (!ok) free(r);
    return ok;
}

void stdin_stop(void) {
    pthread_mutex_lock(&lock);
    stopped = true;
    while (head) {
        Request *r = head;
        head = r->next;
        free(r);
    }
    tail = &head;
    pthread_cond_broadcast(&more);
    pthread_mutex_unlock(&lock);
}

void stdin_cancel(Term pid) {
    pthread_mutex_lock(&lock);
    for (Request **rp = &head; *rp;) {
        Request *r = *rp;
        if (r->pid == pid) {
            *rp = r->next;
            free(r);
        } else {
            rp = &r->next;
        }
    }
    tail = &head;
    while (*tail) tail = &(*tail)->next;
    if (current && current->pid == pid && !current_cancelled) {
        current_cancelled = true;
        char c = 1;
        if (cancel_pipe[1] >= 0 && write(cancel_pipe[1], &c, 1) < 0) { /* the reader polls anyway */ }
    }
    pthread_mutex_unlock(&lock);
    io_set_prompt(NULL, 0); /* its IO.gets prompt, if any, is not wanted now */
}
