/* bif_sort.c — :lists.sort/1 (and so Enum.sort/1) exactly as OTP 25 sorts.
 *
 * OTP's lists:sort/1 is a natural merge sort whose result is NOT stable for
 * terms that compare equal but differ (1 and 1.0, {1, 2} and {1, 2.0}):
 * lists:sort([3, 1.0, 2, 1]) is [1, 1.0, 2, 3]. Act must print what Elixir
 * prints, so this file reproduces OTP's algorithm step for step (lists.erl:
 * sort/1, sort_1, split_1, split_1_1, split_2, split_2_1, mergel, rmergel,
 * merge3_*, rmerge3_*, merge2_*, rmerge2_*), as loops over C arrays instead
 * of recursive functions over cons cells: no C recursion, no garbage on the
 * process heap.
 *
 * Representation: an Erlang list is an RL, a C array read from the END: its
 * head is a[n - 1]. Prepending [X | L] is a push, taking the head a pop, and
 * lists:reverse(T, Acc) pushes T's elements onto Acc in head order. A list of
 * lists is an RLL, an array of RLs, also headed at its end. Every RL is owned
 * by exactly one holder and freed when consumed.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bif_data.h"
#include "heap.h"
#include "termops.h"

typedef struct RL { Term *a; size_t n, cap; } RL;
typedef struct RLL { RL *a; size_t n, cap; } RLL;

static void *xrealloc(void *p, size_t bytes) {
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q) { fprintf(stderr, "act: out of memory (sort)\n"); abort(); }
    return q;
}

static void push(RL *l, Term x) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->a = xrealloc(l->a, l->cap * sizeof *l->a);
    }
    l->a[l->n++] = x;
}
static inline Term pop(RL *l) { return l->a[--l->n]; }
static inline bool empty(const RL *l) { return l->n == 0; }
static void rl_free(RL *l) { free(l->a); *l = (RL){0}; }

static void lpush(RLL *ls, RL l) {
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 8;
        ls->a = xrealloc(ls->a, ls->cap * sizeof *ls->a);
    }
    ls->a[ls->n++] = l;
}
static inline RL lpop(RLL *ls) { return ls->a[--ls->n]; }

/* lists:reverse(L, []) */
static RL reversed(RL l) {
    for (size_t i = 0, j = l.n; i + 1 < j; i++, j--) {
        Term t = l.a[i]; l.a[i] = l.a[j - 1]; l.a[j - 1] = t;
    }
    return l;
}

/* lists:reverse(T, M): T's elements pushed onto M in head order */
static void append_reversed(RL *m, RL *t) {
    while (!empty(t)) push(m, pop(t));
}

/* Comparisons see the key of each element: the element itself for sort/1,
 * element(key, E) for keysort(key, L) (key >= 1; elements were checked to be
 * tuples that large). */
typedef struct Ctx { size_t key; } Ctx;

static inline Term key_of(const Ctx *c, Term t) { return c->key ? tuple_elems(t)[c->key - 1] : t; }
static inline bool le(const Ctx *c, Term a, Term b) { return term_compare(key_of(c, a), key_of(c, b)) <= 0; }
static inline bool lt(const Ctx *c, Term a, Term b) { return term_compare(key_of(c, a), key_of(c, b)) < 0; }
static inline bool eq(Term a, Term b) { return term_compare(a, b) == 0; }

/* ---- two-way merges ---------------------------------------------------- */

/* merge2_1(T1, H2, T2, M) (state 1) or merge2_2(T1, HdM, T2, M, H1) (state 2,
 * h2 = HdM). Consumes t1, t2 and returns the merged list (built on m). */
static RL merge2(const Ctx *c, RL *t1, Term h2, RL *t2, RL m, int state, Term h1) {
    Term hdm = h2;
    for (;;) {
        if (state == 1) {            /* merge2_1(T1, H2, T2, M) */
            if (empty(t1)) { push(&m, h2); append_reversed(&m, t2); return m; }
            h1 = pop(t1);
            if (le(c, h1, h2)) { push(&m, h1); continue; }
            hdm = h2; state = 2;     /* merge2_2(T1, H2, T2, M, H1) */
        } else {                     /* merge2_2(T1, HdM, T2, M, H1) */
            if (empty(t2)) { push(&m, hdm); push(&m, h1); append_reversed(&m, t1); return m; }
            Term x = pop(t2);
            push(&m, hdm);
            if (le(c, h1, x)) { push(&m, h1); h2 = x; state = 1; }
            else hdm = x;
        }
    }
}

/* rmerge2_1(T1, H2, T2, M) (state 1) or rmerge2_2(T1, HdM, T2, M, H1)
 * (state 2, h2 = HdM). */
static RL rmerge2(const Ctx *c, RL *t1, Term h2, RL *t2, RL m, int state, Term h1) {
    Term hdm = h2;
    for (;;) {
        if (state == 1) {            /* rmerge2_1(T1, H2, T2, M) */
            if (empty(t1)) { push(&m, h2); append_reversed(&m, t2); return m; }
            h1 = pop(t1);
            if (le(c, h1, h2)) { hdm = h2; state = 2; }
            else push(&m, h1);
        } else {                     /* rmerge2_2(T1, HdM, T2, M, H1) */
            if (empty(t2)) { push(&m, hdm); push(&m, h1); append_reversed(&m, t1); return m; }
            Term x = pop(t2);
            push(&m, hdm);
            if (le(c, h1, x)) hdm = x;
            else { push(&m, h1); h2 = x; state = 1; }
        }
    }
}

/* ---- three-way merges -------------------------------------------------- */

/* merge3_1(T1, [], H2, T2, H3, T3): consumes t1, t2, t3. */
static RL merge3(const Ctx *c, RL *t1, Term h2, RL *t2, Term h3, RL *t3) {
    RL m = {0};
    Term h1 = 0;
m3_1:   /* merge3_1(T1, M, H2, T2, H3, T3) */
    if (!empty(t1)) {
        h1 = pop(t1);
        if (le(c, h1, h2)) goto m3_12;
        goto m3_21;
    }
    if (le(c, h2, h3)) { push(&m, h2); return merge2(c, t2, h3, t3, m, 1, 0); }
    return merge2(c, t2, h3, t3, m, 2, h2);
m3_2:   /* merge3_2(T1, H1, M, T2, H3, T3) */
    if (!empty(t2)) {
        h2 = pop(t2);
        if (le(c, h1, h2)) goto m3_12;
        goto m3_21;
    }
    if (le(c, h1, h3)) { push(&m, h1); return merge2(c, t1, h3, t3, m, 1, 0); }
    return merge2(c, t1, h3, t3, m, 2, h1);
m3_12:  /* merge3_12(T1, H1, H2, T2, H3, T3, M) */
    if (le(c, h1, h3)) { push(&m, h1); goto m3_1; }
    push(&m, h3);
    for (;;) {  /* merge3_12_3(T1, H1, H2, T2, M, T3) */
        if (empty(t3)) { push(&m, h1); return merge2(c, t1, h2, t2, m, 1, 0); }
        h3 = pop(t3);
        if (le(c, h1, h3)) { push(&m, h1); goto m3_1; }
        push(&m, h3);
    }
m3_21:  /* merge3_21(T1, H1, H2, T2, H3, T3, M) */
    if (le(c, h2, h3)) { push(&m, h2); goto m3_2; }
    push(&m, h3);
    for (;;) {  /* merge3_21_3(T1, H1, H2, T2, M, T3) */
        if (empty(t3)) return merge2(c, t1, h2, t2, m, 2, h1);
        h3 = pop(t3);
        if (le(c, h2, h3)) { push(&m, h2); goto m3_2; }
        push(&m, h3);
    }
}

/* rmerge3_1(T1, [], H2, T2, H3, T3) */
static RL rmerge3(const Ctx *c, RL *t1, Term h2, RL *t2, Term h3, RL *t3) {
    RL m = {0};
    Term h1 = 0;
r3_1:   /* rmerge3_1(T1, M, H2, T2, H3, T3) */
    if (!empty(t1)) {
        h1 = pop(t1);
        if (le(c, h1, h2)) goto r3_12;
        goto r3_21;
    }
    if (le(c, h2, h3)) return rmerge2(c, t2, h3, t3, m, 2, h2);
    push(&m, h2);
    return rmerge2(c, t2, h3, t3, m, 1, 0);
r3_2:   /* rmerge3_2(T1, H1, M, T2, H3, T3) */
    if (!empty(t2)) {
        h2 = pop(t2);
        if (le(c, h1, h2)) goto r3_12;
        goto r3_21;
    }
    if (le(c, h1, h3)) return rmerge2(c, t1, h3, t3, m, 2, h1);
    push(&m, h1);
    return rmerge2(c, t1, h3, t3, m, 1, 0);
r3_12:  /* rmerge3_12(T1, H1, H2, T2, H3, T3, M) */
    if (!le(c, h2, h3)) { push(&m, h2); goto r3_2; }
    push(&m, h3);
    for (;;) {  /* rmerge3_12_3(T1, H1, H2, T2, M, T3) */
        if (empty(t3)) return rmerge2(c, t1, h2, t2, m, 2, h1);
        h3 = pop(t3);
        if (!le(c, h2, h3)) { push(&m, h2); goto r3_2; }
        push(&m, h3);
    }
r3_21:  /* rmerge3_21(T1, H1, H2, T2, H3, T3, M) */
    if (!le(c, h1, h3)) { push(&m, h1); goto r3_1; }
    push(&m, h3);
    for (;;) {  /* rmerge3_21_3(T1, H1, H2, T2, M, T3) */
        if (empty(t3)) { push(&m, h1); return rmerge2(c, t1, h2, t2, m, 1, 0); }
        h3 = pop(t3);
        if (!le(c, h1, h3)) { push(&m, h1); goto r3_1; }
        push(&m, h3);
    }
}

/* ---- merging the runs: sort/1 ------------------------------------------ */

/* mergel(Ls, []) when rev is false, rmergel(Ls, []) when true. Consumes ls. */
static RL merge_runs(const Ctx *c, RLL ls, bool rev) {
    RLL acc = {0};
    for (;;) {
        if (!rev) {  /* mergel(Ls, Acc) */
            if (ls.n >= 1 && empty(&ls.a[ls.n - 1])) {        /* [[] | L] */
                RL e = lpop(&ls);
                rl_free(&e);
                continue;
            }
            if (ls.n >= 3 && !empty(&ls.a[ls.n - 2]) && !empty(&ls.a[ls.n - 3])) {
                RL t1 = lpop(&ls), l2 = lpop(&ls), l3 = lpop(&ls);
                Term h2 = pop(&l2), h3 = pop(&l3);
                lpush(&acc, merge3(c, &t1, h2, &l2, h3, &l3));
                rl_free(&t1); rl_free(&l2); rl_free(&l3);
                continue;
            }
            if (ls.n == 2 && !empty(&ls.a[0])) {              /* [T1, [H2 | T2]] */
                RL t1 = lpop(&ls), l2 = lpop(&ls);
                Term h2 = pop(&l2);
                lpush(&acc, merge2(c, &t1, h2, &l2, (RL){0}, 1, 0));
                rl_free(&t1); rl_free(&l2);
                free(ls.a);
                ls = acc; acc = (RLL){0}; rev = true;
                continue;
            }
            if (ls.n == 1) {
                RL l = lpop(&ls);
                if (acc.n == 0) { free(ls.a); free(acc.a); return l; }
                lpush(&acc, reversed(l));
                free(ls.a);
                ls = acc; acc = (RLL){0}; rev = true;
                continue;
            }
            if (ls.n == 0) {
                free(ls.a);
                if (acc.n == 0) { free(acc.a); return (RL){0}; }
                ls = acc; acc = (RLL){0}; rev = true;
                continue;
            }
            if (empty(&ls.a[ls.n - 2])) {                     /* [A, [] | L] */
                rl_free(&ls.a[ls.n - 2]);
                ls.a[ls.n - 2] = ls.a[ls.n - 1];
                ls.n--;
                continue;
            }
            /* [A, B, [] | L] */
            rl_free(&ls.a[ls.n - 3]);
            ls.a[ls.n - 3] = ls.a[ls.n - 2];
            ls.a[ls.n - 2] = ls.a[ls.n - 1];
            ls.n--;
        } else {     /* rmergel(Ls, Acc) */
            if (ls.n >= 3 && !empty(&ls.a[ls.n - 1]) && !empty(&ls.a[ls.n - 2])) {
                RL l3 = lpop(&ls), l2 = lpop(&ls), t1 = lpop(&ls);
                Term h3 = pop(&l3), h2 = pop(&l2);
                lpush(&acc, rmerge3(c, &t1, h2, &l2, h3, &l3));
                rl_free(&t1); rl_free(&l2); rl_free(&l3);
                continue;
            }
            if (ls.n == 2 && !empty(&ls.a[1])) {              /* [[H2 | T2], T1] */
                RL l2 = lpop(&ls), t1 = lpop(&ls);
                Term h2 = pop(&l2);
                lpush(&acc, rmerge2(c, &t1, h2, &l2, (RL){0}, 1, 0));
                rl_free(&t1); rl_free(&l2);
            } else if (ls.n == 1) {
                lpush(&acc, reversed(lpop(&ls)));
            } else if (ls.n != 0) {
                /* cannot happen: runs and merge results are never empty */
                fprintf(stderr, "act: internal error in lists:sort\n");
                abort();
            }
            free(ls.a);
            ls = acc; acc = (RLL){0}; rev = false;
        }
    }
}

/* ---- merging the runs: keysort/2 ------------------------------------------
 * keymergel(I, Ls, Acc, O) when rev is false, rkeymergel when true; O is the
 * direction of the runs (desc: the split ended in a descending run). Runs
 * are never empty here. */
static RL keymerge_runs(const Ctx *c, RLL ls, bool rev, bool desc) {
    RLL acc = {0};
    for (;;) {
        /* 3-way: asc [T1, [H2|T2], [H3|T3] | L] for keymergel and desc for
         * rkeymergel; the mirrored pattern [[H3|T3], [H2|T2], T1 | L] else */
        bool t1_first = rev == desc;
        if (ls.n >= 3) {
            RL t1, l2, l3;
            if (t1_first) { t1 = lpop(&ls); l2 = lpop(&ls); l3 = lpop(&ls); }
            else { l3 = lpop(&ls); l2 = lpop(&ls); t1 = lpop(&ls); }
            Term h2 = pop(&l2), h3 = pop(&l3);
            lpush(&acc, rev ? rmerge3(c, &t1, h2, &l2, h3, &l3) : merge3(c, &t1, h2, &l2, h3, &l3));
            rl_free(&t1); rl_free(&l2); rl_free(&l3);
            continue;
        }
        if (ls.n == 2) {
            RL t1, l2;
            if (t1_first) { t1 = lpop(&ls); l2 = lpop(&ls); }
            else { l2 = lpop(&ls); t1 = lpop(&ls); }
            Term h2 = pop(&l2);
            lpush(&acc, rev ? rmerge2(c, &t1, h2, &l2, (RL){0}, 1, 0) : merge2(c, &t1, h2, &l2, (RL){0}, 1, 0));
            rl_free(&t1); rl_free(&l2);
            continue;
        }
        if (ls.n == 1) {
            RL l = lpop(&ls);
            if (!rev && acc.n == 0) { free(ls.a); free(acc.a); return l; }
            lpush(&acc, reversed(l));
        }
        free(ls.a);
        ls = acc; acc = (RLL){0}; rev = !rev;
    }
}

/* ---- splitting the input into runs ------------------------------------ */

/* Input cursor: the remaining elements in[i..n). */
typedef struct In { const Term *in; size_t i, n; } In;

/* [Y, X | R] pushed on rs; r is left empty */
static void close_run(RLL *rs, RL *r, Term x, Term y) {
    push(r, x);
    push(r, y);
    lpush(rs, *r);
    *r = (RL){0};
}

/* split_1 / split_1_1 (ascending) when desc is false, split_2 / split_2_1
 * (descending) when true; keysplit_* when c->key. The descending runs of
 * keysort take only strictly smaller keys (which keeps it closer to stable). */
static RL split(const Ctx *c, In in, Term x, Term y, RL r, bool desc) {
    RLL rs = {0};
    Term s = 0;
    bool has_s = false;          /* in split_*_1, with S pending */
    bool strict = c->key != 0;
    for (;;) {
        if (in.i == in.n) {
            close_run(&rs, &r, x, y);
            if (has_s) { RL one = {0}; push(&one, s); lpush(&rs, one); }
            /* split_1 -> rmergel, split_2 -> mergel */
            return c->key ? keymerge_runs(c, rs, !desc, desc) : merge_runs(c, rs, !desc);
        }
        Term z = in.in[in.i++];
        /* asc: Z >= Y, Z >= X; desc: Z =< Y, Z =< X (keysort: Z < Y, Z < X) */
        bool beyond_y = desc ? (strict ? lt(c, z, y) : le(c, z, y)) : le(c, y, z);
        bool beyond_x = desc ? (strict ? lt(c, z, x) : le(c, z, x)) : le(c, x, z);
        if (beyond_y) { push(&r, x); x = y; y = z; continue; }
        if (beyond_x) { push(&r, x); x = z; continue; }
        if (!has_s) {
            if (empty(&r)) { push(&r, z); continue; }
            s = z; has_s = true;
            continue;
        }
        /* split_1_1: S =< Z -> split_1(S, Z, ...); split_2_1: S > Z -> split_2(S, Z, ...) */
        bool s_first = desc ? lt(c, z, s) : le(c, s, z);
        close_run(&rs, &r, x, y);
        if (s_first) { x = s; y = z; } else { x = z; y = s; }
        has_s = false;
    }
}

/* lists:sort(L) or lists:keysort(c->key, L) of the elements e[0..n) of a
 * proper list, as OTP orders them. */
static RL otp_sort(const Ctx *c, const Term *e, size_t n) {
    RL out = {0};
    if (n < 2) { for (size_t i = n; i-- > 0;) push(&out, e[i]); return out; }
    Term x = e[0], y = e[1];
    In in = {e, 2, n};
    if (le(c, x, y)) {
        if (n == 2) { push(&out, y); push(&out, x); return out; }
        if (n == 3) {
            Term z = e[2];
            /* [X, Y, Z], [X, Z, Y] or [Z, X, Y], pushed tail first */
            if (le(c, y, z)) { push(&out, z); push(&out, y); push(&out, x); }
            else if (le(c, x, z)) { push(&out, y); push(&out, z); push(&out, x); }
            else { push(&out, y); push(&out, x); push(&out, z); }
            return out;
        }
        if (eq(x, y)) {
            /* sort_1(Y, L, [X]) / keysort_1: equal (==) whole elements */
            RL r = {0};
            push(&r, x);
            x = y;
            for (;;) {
                if (in.i == in.n) {
                    /* lists:reverse(R, [X]) */
                    push(&out, x);
                    for (size_t i = r.n; i-- > 0;) push(&out, r.a[i]);
                    rl_free(&r);
                    return out;
                }
                Term z = in.in[in.i++];
                if (eq(x, z)) { push(&r, x); x = z; continue; }
                /* sort_1: X < Z ascending; keysort_1: key(X) =< key(Z) */
                bool asc = c->key ? le(c, x, z) : lt(c, x, z);
                return split(c, in, x, z, r, !asc);
            }
        }
        return split(c, in, x, y, (RL){0}, false);
    }
    if (n == 2) { push(&out, x); push(&out, y); return out; }
    if (n == 3) {
        Term z = e[2];
        /* [Y, X, Z], [Y, Z, X] or [Z, Y, X] */
        if (le(c, x, z)) { push(&out, z); push(&out, x); push(&out, y); }
        else if (le(c, y, z)) { push(&out, x); push(&out, z); push(&out, y); }
        else { push(&out, x); push(&out, y); push(&out, z); }
        return out;
    }
    return split(c, in, x, y, (RL){0}, true);
}

static Term sort_list(Process *p, Term list, size_t key) {
    long n = bif_list_length(list);
    if (n < 0) return T_NONE;
    Term *e = bif_list_to_array(list, (size_t)n);
    if (key) {
        for (long i = 0; i < n; i++)
            if (!is_tuple(e[i]) || tuple_arity(e[i]) < key) { free(e); return T_NONE; }
    }
    if (n < 2) { free(e); return list; }
    Ctx c = {key};
    RL r = otp_sort(&c, e, (size_t)n);
    free(e);
    /* the list reads from r.a[r.n - 1] down to r.a[0] */
    Term out = T_NIL;
    if (r.n) {
        Term *w = heap_alloc(p, 2 * r.n);
        for (size_t i = 0; i < r.n; i++) {
            w[2 * i] = r.a[r.n - 1 - i];
            w[2 * i + 1] = i + 1 < r.n ? make_cons(w + 2 * (i + 1)) : T_NIL;
        }
        out = make_cons(w);
    }
    rl_free(&r);
    return out;
}

Term bif_lists_sort(Process *p, Term list) { return sort_list(p, list, 0); }
Term bif_lists_keysort(Process *p, size_t pos, Term list) { return sort_list(p, list, pos); }
