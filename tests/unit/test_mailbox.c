/* test_mailbox.c — the MPSC mailbox: FIFO order, selective-receive save
 * position semantics, O(1) removal, message copying and ownership hand-over
 * (fragments, refc binaries), the sleep/wake protocol, and a concurrent
 * stress test (producers x sequence-numbered messages, one selective
 * consumer that sleeps and is woken) meant to run under TSan and ASan. */
#include "unit.h"
#include "mailbox.h"
#include "heap.h"
#include "gc.h"
#include "binary.h"
#include "atom.h"
#include "native.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

/* binary.c calls these; the real ones live in native.c. */
Term native_raise(Process *p, Term cls, Term reason) {
    p->exc_class = cls;
    p->exc_reason = reason;
    return T_NONE;
}
Term native_badarg(Process *p) { return native_raise(p, ATOM_error, ATOM_badarg); }
/* as native.c's for one argument, but raising the message's struct, which these tests read */
Term native_badarg_lines(Process *p, const char *lines) {
    char m[320];
    snprintf(m, sizeof m, "errors were found at the given arguments:\n\n%s", lines);
    return native_raise_msg(p, "Elixir.ArgumentError", m);
}
Term native_raise_msg(Process *p, const char *module, const char *msg) {
    (void)module;
    return native_raise(p, ATOM_error, make_cstring(p, msg));
}

static void proc_init(Process *p) {
    memset(p, 0, sizeof *p);
    heap_init(p, 0);
    p->dict = T_NIL;
    p->exc_class = p->exc_reason = p->exc_trace = T_NIL;
}

/* Receive everything, oldest first, into out[]; returns the count. */
static size_t drain(Mailbox *mb, Process *p, Term *out, size_t cap) {
    size_t n = 0;
    mailbox_take_new(mb);
    mailbox_reset(mb);
    while (mailbox_peek(mb) && n < cap) out[n++] = mailbox_remove(mb, p);
    return n;
}

/* ---- single-threaded semantics ------------------------------------------- */

static void test_fifo(void) {
    Mailbox mb;
    mailbox_init(&mb);
    Process p;
    proc_init(&p);
    CHECK_EQ_INT(mailbox_take_new(&mb), 0);
    CHECK(mailbox_peek(&mb) == NULL);
    for (int i = 0; i < 100; i++) mailbox_send(&mb, make_small(i));
    CHECK_EQ_INT(mailbox_len(&mb), 0); /* not taken yet */
    CHECK_EQ_INT(mailbox_take_new(&mb), 100);
    CHECK_EQ_INT(mailbox_len(&mb), 100);
    Term got[200];
    size_t n = drain(&mb, &p, got, 200);
    CHECK_EQ_INT(n, 100);
    for (size_t i = 0; i < n; i++) CHECK_EQ_INT(small_val(got[i]), (long long)i);
    CHECK_EQ_INT(mailbox_len(&mb), 0);
    /* Interleaved pushes and takes keep order. */
    mailbox_send(&mb, make_small(1));
    mailbox_take_new(&mb);
    mailbox_send(&mb, make_small(2));
    mailbox_send(&mb, make_small(3));
    n = drain(&mb, &p, got, 200);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(small_val(got[0]), 1);
    CHECK_EQ_INT(small_val(got[2]), 3);
    mailbox_destroy(&mb);
    heap_free(&p);
}

static void test_selective(void) {
    Mailbox mb;
    mailbox_init(&mb);
    Process p;
    proc_init(&p);
    for (int i = 1; i <= 5; i++) mailbox_send(&mb, make_small(i));
    mailbox_take_new(&mb);
    /* A receive that wants 4: rejects 1, 2, 3. */
    mailbox_reset(&mb);
    int scanned = 0;
    while (mailbox_peek(&mb) && small_val(mailbox_peek(&mb)->term) != 4) {
        scanned++;
        mailbox_advance(&mb);
    }
    CHECK_EQ_INT(scanned, 3);
    REQUIRE(mailbox_peek(&mb) != NULL);
    CHECK_EQ_INT(small_val(mailbox_remove(&mb, &p)), 4); /* remove in the middle */
    CHECK_EQ_INT(mailbox_len(&mb), 4);
    CHECK_EQ_INT(small_val(mailbox_peek(&mb)->term), 5); /* save now at 5 */
    /* A receive that wants 7: rejects 5, reaches the end, new ones arrive:
     * scanning resumes at the new message, not at 1. */
    mailbox_reset(&mb);
    while (mailbox_peek(&mb)) mailbox_advance(&mb);
    mailbox_send(&mb, make_small(6));
    mailbox_send(&mb, make_small(7));
    CHECK_EQ_INT(mailbox_take_new(&mb), 2);
    REQUIRE(mailbox_peek(&mb) != NULL);
    CHECK_EQ_INT(small_val(mailbox_peek(&mb)->term), 6);
    mailbox_advance(&mb);
    REQUIRE(mailbox_peek(&mb) != NULL);
    CHECK_EQ_INT(small_val(mailbox_remove(&mb, &p)), 7); /* remove the last */
    CHECK(mailbox_peek(&mb) == NULL);
    /* Appending after removing the last one still works. */
    mailbox_send(&mb, make_small(8));
    mailbox_take_new(&mb);
    REQUIRE(mailbox_peek(&mb) != NULL);
    CHECK_EQ_INT(small_val(mailbox_peek(&mb)->term), 8);
    /* Reset: the oldest first; remove the first. */
    mailbox_reset(&mb);
    CHECK_EQ_INT(small_val(mailbox_remove(&mb, &p)), 1);
    Term got[10];
    size_t n = drain(&mb, &p, got, 10);
    long want[] = {2, 3, 5, 6, 8};
    CHECK_EQ_INT(n, 5);
    for (size_t i = 0; i < n && i < 5; i++) CHECK_EQ_INT(small_val(got[i]), want[i]);
    mailbox_destroy(&mb);
    heap_free(&p);
}

/* Boxed messages are deep copies living in a fragment the receiver adopts. */
static void test_copy_and_adopt(void) {
    Mailbox mb;
    mailbox_init(&mb);
    Process s, r;
    proc_init(&s);
    proc_init(&r);
    long blobs0 = binary_blob_count();
    uint8_t big[200];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)i;
    Term bin = make_binary(&s, big, sizeof big); /* REFCBIN */
    Term elems[3] = {make_float(&s, 2.5), bin, make_list(&s, 2, (Term[]){make_small(1), bin})};
    Term t = make_tuple(&s, 3, elems);
    mailbox_send(&mb, t);
    CHECK_EQ_INT(binary_blob_count(), blobs0 + 1); /* shared, not copied */
    heap_free(&s); /* the message owns its copy */
    mailbox_take_new(&mb);
    Term m = mailbox_remove(&mb, &r);
    REQUIRE(is_tuple(m) && tuple_arity(m) == 3);
    CHECK(float_val(tuple_elems(m)[0]) == 2.5);
    size_t len;
    const uint8_t *bytes = binary_bytes(tuple_elems(m)[1], &len);
    CHECK_EQ_INT(len, sizeof big);
    CHECK_EQ_MEM(bytes, big, sizeof big);
    CHECK(r.frags != NULL);
    CHECK(r.off_heap != NULL);
    CHECK_EQ_INT(gc_verify_heap(&r), 0);
    /* A collection keeps the message (as a root) and frees the fragment. */
    r.stack = calloc(4, sizeof(Term));
    r.stack_cap = 4;
    r.stack[0] = m;
    r.stack_top = 1;
    gc_collect(&r, 0, NULL, 0);
    CHECK(r.frags == NULL);
    m = r.stack[0];
    bytes = binary_bytes(tuple_elems(m)[1], &len);
    CHECK_EQ_MEM(bytes, big, sizeof big);
    CHECK_EQ_INT(binary_blob_count(), blobs0 + 1);
    r.stack_top = 0;
    gc_collect(&r, 0, NULL, 0);
    CHECK_EQ_INT(binary_blob_count(), blobs0); /* the last reference died */
    free(r.stack);
    heap_free(&r);
    mailbox_destroy(&mb);
}

/* Destroying a mailbox frees pending messages (taken or not) and their blobs. */
static void test_destroy_pending(void) {
    Mailbox mb;
    mailbox_init(&mb);
    Process s;
    proc_init(&s);
    long blobs0 = binary_blob_count();
    uint8_t big[100] = {0};
    for (int i = 0; i < 10; i++) {
        Term bin = make_binary(&s, big, sizeof big);
        mailbox_send(&mb, make_tuple2(&s, make_small(i), bin));
        mailbox_send(&mb, ATOM_ok);
    }
    mailbox_take_new(&mb);
    for (int i = 0; i < 3; i++) mailbox_send(&mb, make_binary(&s, big, sizeof big));
    heap_free(&s);
    CHECK_EQ_INT(binary_blob_count(), blobs0 + 13);
    mailbox_destroy(&mb);
    CHECK_EQ_INT(binary_blob_count(), blobs0);
    CHECK_EQ_INT(mailbox_len(&mb), 0);
}

static void test_sleep_wake(void) {
    Mailbox mb;
    mailbox_init(&mb);
    CHECK(!mailbox_is_asleep(&mb));
    CHECK(!mailbox_wake(&mb)); /* not asleep: nothing to wake */
    CHECK(mailbox_sleep(&mb));
    CHECK(mailbox_is_asleep(&mb));
    CHECK(mailbox_push(&mb, mailbox_msg_new(make_small(1)))); /* wakes */
    CHECK(!mailbox_is_asleep(&mb));
    CHECK(!mailbox_push(&mb, mailbox_msg_new(make_small(2)))); /* already awake */
    CHECK(!mailbox_sleep(&mb)); /* messages pending */
    CHECK_EQ_INT(mailbox_take_new(&mb), 2);
    CHECK(mailbox_sleep(&mb)); /* rejected messages don't keep it awake */
    CHECK(mailbox_wake(&mb));  /* a timeout wins */
    CHECK(!mailbox_wake(&mb));
    CHECK(!mailbox_push(&mb, mailbox_msg_new(make_small(3)))); /* ...so the push does not */
    CHECK_EQ_INT(mailbox_take_new(&mb), 1);
    CHECK_EQ_INT(mailbox_len(&mb), 3);
    mailbox_destroy(&mb);
}

/* ---- concurrent stress ----------------------------------------------------
 * NPROD producers each send NMSG tuples {producer, seq} (every 512th carries
 * a refc binary). The consumer receives selectively: it wants the next
 * message of producer `want` (or any), rejects the others, and sleeps
 * when nothing matches. A push or the waker thread that wins the wake-up
 * posts a semaphore. Lost messages, reordering, lost wake-ups (deadlock) or
 * double wake-ups (semaphore left over) fail the test. */

#define NPROD 4
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define NMSG 5000 /* sanitizers are 5-20x slower */
#else
#define NMSG 12000
#endif

typedef struct Shared {
    Mailbox mb;
    sem_t wake;
    _Atomic long wakes;       /* wake-ups won by pushes or the waker */
    _Atomic int done;
} Shared;

typedef struct Producer {
    Shared *sh;
    int id;
    int nmsg;
    bool trickle; /* pause between messages, so that the consumer sleeps */
} Producer;

static void *producer_main(void *arg) {
    Producer *pr = arg;
    Process p;
    proc_init(&p);
    uint8_t big[128];
    memset(big, pr->id, sizeof big);
    for (int i = 0; i < pr->nmsg; i++) {
        if (pr->trickle) nanosleep(&(struct timespec){0, 20000}, NULL);
        Term t = i % 512 == 0 ? make_tuple3(&p, make_small(pr->id), make_small(i), make_binary(&p, big, sizeof big))
                              : make_tuple2(&p, make_small(pr->id), make_small(i));
        if (mailbox_send(&pr->sh->mb, t)) {
            atomic_fetch_add(&pr->sh->wakes, 1);
            sem_post(&pr->sh->wake);
        }
        if (i % 1024 == 1023) { /* drop garbage */
            heap_free(&p);
            heap_init(&p, 0);
        }
    }
    heap_free(&p);
    return NULL;
}

/* Plays a receive timeout: wakes the consumer now and then. */
static void *waker_main(void *arg) {
    Shared *sh = arg;
    while (!atomic_load(&sh->done)) {
        if (mailbox_wake(&sh->mb)) {
            atomic_fetch_add(&sh->wakes, 1);
            sem_post(&sh->wake);
        }
        nanosleep(&(struct timespec){0, 50000}, NULL);
    }
    return NULL;
}

static void stress(int nmsg, bool trickle) {
    Shared *sh = calloc(1, sizeof *sh);
    mailbox_init(&sh->mb);
    sem_init(&sh->wake, 0, 0);
    long blobs0 = binary_blob_count();
    Process r;
    proc_init(&r);
    pthread_t th[NPROD], waker;
    Producer pr[NPROD];
    for (int i = 0; i < NPROD; i++) {
        pr[i] = (Producer){sh, i, nmsg, trickle};
        pthread_create(&th[i], NULL, producer_main, &pr[i]);
    }
    pthread_create(&waker, NULL, waker_main, sh);
    long next[NPROD] = {0};
    long bad = 0, sleeps = 0, total = 0, bins = 0, rescans = 0;
    int want = 0;
    while (total < (long)NPROD * nmsg) {
        while (want >= 0 && next[want] == nmsg) want = (want + 1) % NPROD;
        /* receive {^want, seq} */
        Term got = T_NONE;
        mailbox_take_new(&sh->mb);
        for (;;) {
            Message *m = mailbox_peek(&sh->mb);
            if (m) {
                Term t = m->term;
                if (!is_tuple(t) || tuple_arity(t) < 2) { bad++; mailbox_advance(&sh->mb); continue; }
                long id = small_val(tuple_elems(t)[0]);
                if (id < 0 || id >= NPROD) bad++;
                if (want < 0 && id >= 0 && id < NPROD) want = (int)id;
                if (id == want) {
                    got = mailbox_remove(&sh->mb, &r);
                    break;
                }
                mailbox_advance(&sh->mb);
                continue;
            }
            if (mailbox_take_new(&sh->mb)) continue; /* resumes at the new ones */
            if (mailbox_sleep(&sh->mb)) {
                sleeps++;
                sem_wait(&sh->wake);
            } else {
                sched_yield(); /* a push is half done */
            }
        }
        mailbox_reset(&sh->mb);
        long seq = small_val(tuple_elems(got)[1]);
        if (seq != next[want]) bad++;
        next[want] = seq + 1;
        if (tuple_arity(got) == 3) {
            size_t len;
            const uint8_t *b = binary_bytes(tuple_elems(got)[2], &len);
            if (len != 128 || b[0] != want || b[127] != want) bad++;
            bins++;
        }
        total++;
        /* Mostly the oldest message's sender (-1: any), every 8th time the
         * next producer's: keeps scans short but exercises the save position. */
        want = total % 8 ? -1 : (want + 1) % NPROD;
        if (total % 2048 == 0) {
            rescans += mailbox_len(&sh->mb);
            heap_free(&r); /* drops the adopted fragments and their blobs */
            heap_init(&r, 0);
        }
    }
    for (int i = 0; i < NPROD; i++) pthread_join(th[i], NULL);
    atomic_store(&sh->done, 1);
    pthread_join(waker, NULL);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(total, (long)NPROD * nmsg);
    for (int i = 0; i < NPROD; i++) CHECK_EQ_INT(next[i], nmsg);
    CHECK_EQ_INT(bins, NPROD * ((nmsg + 511) / 512));
    if (trickle) CHECK(sleeps > 0);
    /* Every sleep was ended by exactly one wake-up. */
    int left;
    sem_getvalue(&sh->wake, &left);
    CHECK_EQ_INT(left, 0);
    CHECK_EQ_INT(atomic_load(&sh->wakes), sleeps);
    CHECK(!mailbox_is_asleep(&sh->mb));
    CHECK_EQ_INT(mailbox_take_new(&sh->mb), 0);
    CHECK_EQ_INT(mailbox_len(&sh->mb), 0);
    heap_free(&r);
    mailbox_destroy(&sh->mb);
    CHECK_EQ_INT(binary_blob_count(), blobs0);
    sem_destroy(&sh->wake);
    free(sh);
    printf("stress%s: %ld messages, %ld sleeps, %ld pending at checkpoints\n", trickle ? " (trickle)" : "", total, sleeps, rescans);
}

static void test_stress_burst(void) { stress(NMSG, false); }
static void test_stress_trickle(void) { stress(NMSG / 10, true); }

int main(void) {
    atom_init();
    RUN(test_fifo);
    RUN(test_selective);
    RUN(test_copy_and_adopt);
    RUN(test_destroy_pending);
    RUN(test_sleep_wake);
    RUN(test_stress_burst);
    RUN(test_stress_trickle);
    return unit_summary();
}
