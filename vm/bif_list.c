/* bif_list.c — natives for lists: ++ and --, :lists (sort, reverse, key
 * functions, seq, ...), and the List and Keyword functions that take no fun
 * (the others are written in Act, stdlib/).
 *
 * Lists of any length are handled without C recursion: elements are copied
 * into C-heap arrays (TermVec) and lists are rebuilt from them, so a native
 * never grows the C stack with the list. Deep lists (flatten) use an explicit
 * stack of pending tails.
 *
 * Equality follows the Erlang function each native mirrors: key functions
 * (keyfind, keydelete, ...) compare keys with ==, while member, delete and --
 * use exact equality (===).
 */
#include <stdio.h>
#include <stdlib.h>
#include "bif_data.h"
#include "native.h"
#include "heap.h"
#include "atom.h"
#include "map.h"
#include "termops.h"
#include "arith.h"
#include "inspect.h"

/* The function a failed clause match is reported in: Elixir names the
 * public function (with its full arity, default arguments included) or the
 * Erlang one (:lists.seq/2). */
typedef struct Mfa { const char *mod, *fun; unsigned arity; } Mfa;
#define MFA(mod, fun, ar) (&(const Mfa){(mod), (fun), (ar)})
#define FC(m) bif_fc(p, (m)->mod, (m)->fun, (m)->arity)
#define LISTS(fun, ar) MFA("lists", fun, ar)
#define LIST(fun, ar) MFA("Elixir.List", fun, ar)
#define KW(fun, ar) MFA("Elixir.Keyword", fun, ar)

/* ======================================================================
 * TermVec: a growable C-heap array of terms
 * ====================================================================== */

/* Invariant: a[0..n) are the elements; cap >= n. Terms held here are only
 * valid until the next GC, which cannot happen inside a native. */
typedef struct TermVec {
    Term *a;
    size_t n, cap;
} TermVec;

static void tv_push(TermVec *v, Term t) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->a = realloc(v->a, v->cap * sizeof *v->a);
        if (!v->a) { fprintf(stderr, "act: out of memory\n"); abort(); }
    }
    v->a[v->n++] = t;
}

static void tv_free(TermVec *v) { free(v->a); v->a = NULL; v->n = v->cap = 0; }

/* The elements of a proper list; false (v empty) if it is not one. */
static bool tv_from_list(TermVec *v, Term l) {
    for (; is_cons(l); l = CDR(l)) tv_push(v, CAR(l));
    if (l == T_NIL) return true;
    tv_free(v);
    return false;
}

static Term tv_to_list(Process *p, const TermVec *v, Term tail) {
    return bif_list_with_tail(p, v->n, v->a, tail);
}

/* Index of an exact (===) occurrence of x in a proper list, or -1. */
static long index_exact(Term l, Term x) {
    for (long i = 0; is_cons(l); l = CDR(l), i++)
        if (term_eqx(CAR(l), x)) return i;
    return -1;
}

/* A copy of the first n cells of list l, ending in tail. */
static Term copy_prefix(Process *p, Term l, size_t n, Term tail) {
    if (n == 0) return tail;
    Term *w = heap_alloc(p, 2 * n);
    for (size_t i = 0; i < n; i++, l = CDR(l)) {
        w[2 * i] = CAR(l);
        w[2 * i + 1] = i + 1 < n ? make_cons(w + 2 * (i + 1)) : tail;
    }
    return make_cons(w);
}

/* ======================================================================
 * ++ and --
 * ====================================================================== */

Term list_nat_append(Process *p, Term *args) {
    long n = bif_list_length(args[0]);
    if (n < 0) return native_badarg(p);
    return copy_prefix(p, args[0], (size_t)n, args[1]);
}

/* A multiset of terms under ===: open addressing on term_hash. */
typedef struct Bag {
    struct BagSlot { Term t; long count; uint64_t h; } *s;
    size_t mask;
} Bag;

static void bag_init(Bag *b, size_t n) {
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    b->s = calloc(cap, sizeof *b->s);
    if (!b->s) { fprintf(stderr, "act: out of memory\n"); abort(); }
    b->mask = cap - 1;
}

/* The slot holding t, or the empty slot where it would go. */
static struct BagSlot *bag_slot(Bag *b, Term t, uint64_t h) {
    for (size_t i = h & b->mask;; i = (i + 1) & b->mask) {
        struct BagSlot *s = &b->s[i];
        if (s->t == 0) return s; /* empty: 0 is never a term */
        if (s->h == h && term_eqx(s->t, t)) return s;
    }
}

Term list_nat_subtract(Process *p, Term *args) {
    long nl = bif_list_length(args[0]), nr = bif_list_length(args[1]);
    if (nl < 0 || nr < 0) return native_badarg(p);
    if (nr == 0 || nl == 0) return args[0];
    TermVec out = {0};
    if (nr <= 8) {
        /* few to remove: strike each one's first occurrence */
        TermVec l = {0};
        tv_from_list(&l, args[0]);
        bool *gone = calloc((size_t)nl, 1);
        if (!gone) { fprintf(stderr, "act: out of memory\n"); abort(); }
        for (Term r = args[1]; is_cons(r); r = CDR(r))
            for (size_t i = 0; i < l.n; i++)
                if (!gone[i] && term_eqx(l.a[i], CAR(r))) { gone[i] = true; break; }
        for (size_t i = 0; i < l.n; i++) if (!gone[i]) tv_push(&out, l.a[i]);
        free(gone);
        tv_free(&l);
    } else {
        /* walking the left list, an element is dropped while its count in
         * the right list lasts: the first occurrences go, as in Erlang */
        Bag b;
        bag_init(&b, (size_t)nr);
        for (Term r = args[1]; is_cons(r); r = CDR(r)) {
            uint64_t h = term_hash(CAR(r));
            struct BagSlot *s = bag_slot(&b, CAR(r), h);
            if (s->t == 0) { s->t = CAR(r); s->h = h; }
            s->count++;
        }
        for (Term l = args[0]; is_cons(l); l = CDR(l)) {
            struct BagSlot *s = bag_slot(&b, CAR(l), term_hash(CAR(l)));
            if (s->count > 0) s->count--;
            else tv_push(&out, CAR(l));
        }
        free(b.s);
    }
    Term r = tv_to_list(p, &out, T_NIL);
    tv_free(&out);
    return r;
}

/* ======================================================================
 * :lists
 * ====================================================================== */

Term list_nat_reverse1(Process *p, Term *args) {
    Term r = T_NIL, l = args[0];
    for (; is_cons(l); l = CDR(l)) r = make_cons_cell(p, CAR(l), r);
    if (l != T_NIL) return bif_arg_error(p, 1, "not a list");
    return r;
}

Term list_nat_reverse2(Process *p, Term *args) {
    Term r = args[1], l = args[0];
    for (; is_cons(l); l = CDR(l)) r = make_cons_cell(p, CAR(l), r);
    if (l != T_NIL) return bif_arg_error(p, 1, "not a list");
    return r;
}

/* :queue.in/2 (the rest of :queue is stdlib/queue.act; `in` is an
 * operator in Act's grammar, so this one function is native). A queue is
 * {rear, front}; one item alone in the rear moves to the front, as OTP's
 * queue does, so queues print the same on both VMs. */
Term list_nat_queue_in(Process *p, Term *args) {
    Term q = args[1];
    if (!is_tuple(q) || tuple_arity(q) != 2 || bif_list_length(tuple_elems(q)[0]) < 0 ||
        bif_list_length(tuple_elems(q)[1]) < 0)
        return native_raise_fc_args(p, "queue", "in", make_list(p, 2, (Term[]){ args[0], q }));
    Term r = tuple_elems(q)[0], f = tuple_elems(q)[1];
    if (f == T_NIL && is_cons(r) && CDR(r) == T_NIL) return make_tuple2(p, make_cons_cell(p, args[0], T_NIL), r);
    return make_tuple2(p, make_cons_cell(p, args[0], r), f);
}

static Term sorted_list(Process *p, Term list, bool unique, const Mfa *m) {
    TermVec v = {0};
    if (!tv_from_list(&v, list)) return FC(m);
    term_sort_records(v.a, v.n, 1, false);
    if (unique && v.n > 1) {
        size_t m = 1;
        for (size_t i = 1; i < v.n; i++)
            if (term_compare(v.a[m - 1], v.a[i]) != 0) v.a[m++] = v.a[i];
        v.n = m;
    }
    Term r = tv_to_list(p, &v, T_NIL);
    tv_free(&v);
    return r;
}

Term list_nat_sort(Process *p, Term *args) {
    Term r = bif_lists_sort(p, args[0]);
    return r != T_NONE ? r : FC(LISTS("sort", 1));
}
Term list_nat_usort(Process *p, Term *args) { return sorted_list(p, args[0], true, LISTS("usort", 1)); }

Term list_nat_member(Process *p, Term *args) {
    long n = bif_list_length(args[1]);
    if (n < 0) return bif_arg_error(p, 2, "not a list");
    return make_bool(index_exact(args[1], args[0]) >= 0);
}

/* :lists.append(list_of_lists) */
Term list_nat_append1(Process *p, Term *args) {
    TermVec ls = {0};
    if (!tv_from_list(&ls, args[0])) return FC(LISTS("append", 1));
    Term r = ls.n ? ls.a[ls.n - 1] : T_NIL;
    for (size_t i = ls.n - (ls.n ? 1 : 0); i-- > 0;) {
        long n = bif_list_length(ls.a[i]);
        if (n < 0) { tv_free(&ls); return native_badarg(p); }
        r = copy_prefix(p, ls.a[i], (size_t)n, r);
    }
    tv_free(&ls);
    return r;
}

/* :lists.delete(elem, list): without the first exact occurrence. */
static Term delete_first(Process *p, Term list, Term x) {
    long i = index_exact(list, x);
    if (i < 0) return list;
    Term l = list;
    for (long k = 0; k < i; k++) l = CDR(l);
    return copy_prefix(p, list, (size_t)i, CDR(l));
}

Term list_nat_delete(Process *p, Term *args) {
    if (bif_list_length(args[1]) < 0) return FC(LISTS("delete", 2));
    return delete_first(p, args[1], args[0]);
}

/* :lists.nth(n, list), 1-based */
Term list_nat_nth(Process *p, Term *args) {
    if (!is_small(args[0]) || small_val(args[0]) < 1) return FC(LISTS("nth", 2));
    Term l = args[1];
    for (SInt i = small_val(args[0]); i > 1 && is_cons(l); i--) l = CDR(l);
    if (!is_cons(l)) return FC(LISTS("nth", 2));
    return CAR(l);
}

Term list_nat_nthtail(Process *p, Term *args) {
    if (!is_small(args[0]) || small_val(args[0]) < 0) return FC(LISTS("nthtail", 2));
    Term l = args[1];
    for (SInt i = small_val(args[0]); i > 0; i--) {
        if (!is_cons(l)) return FC(LISTS("nthtail", 2));
        l = CDR(l);
    }
    return l;
}

Term list_nat_last(Process *p, Term *args) {
    Term l = args[0];
    if (!is_cons(l)) return FC(LISTS("last", 1));
    while (is_cons(CDR(l))) l = CDR(l);
    if (CDR(l) != T_NIL) return FC(LISTS("last", 1));
    return CAR(l);
}

/* Deep flatten of list, ending in tail. */
static Term flatten(Process *p, Term list, Term tail, const Mfa *m) {
    TermVec out = {0}, pending = {0};
    Term cur = list;
    for (;;) {
        while (is_cons(cur)) {
            Term h = CAR(cur);
            cur = CDR(cur);
            if (is_list(h)) { tv_push(&pending, cur); cur = h; }
            else tv_push(&out, h);
        }
        if (cur != T_NIL) { tv_free(&out); tv_free(&pending); return FC(m); }
        if (pending.n == 0) break;
        cur = pending.a[--pending.n];
    }
    Term r = tv_to_list(p, &out, tail);
    tv_free(&out);
    tv_free(&pending);
    return r;
}

Term list_nat_flatten1(Process *p, Term *args) { return flatten(p, args[0], T_NIL, LISTS("flatten", 1)); }
Term list_nat_flatten2(Process *p, Term *args) { return flatten(p, args[0], args[1], LISTS("flatten", 2)); }

/* The length of a sequence, guarded so that a huge one raises instead of
 * exhausting memory. */
#define SEQ_MAX ((SInt)1 << 28)

static Term seq(Process *p, Term from, Term to, Term incr, const Mfa *m) {
    if (!is_small(from) || !is_small(to) || !is_small(incr)) return FC(m);
    SInt f = small_val(from), t = small_val(to), s = small_val(incr);
    SInt n;
    if (s > 0 && f - s <= t) n = (t - f) / s + 1;
    else if (s < 0 && f - s >= t) n = (f - t) / -s + 1;
    else if (s == 0 && f == t) n = 1;
    else return FC(m);
    if (n > SEQ_MAX) return native_raise(p, ATOM_error, ATOM_system_limit);
    Term r = T_NIL;
    for (SInt i = n; i-- > 0;) r = make_cons_cell(p, make_small(f + i * s), r);
    return r;
}

Term list_nat_seq2(Process *p, Term *args) { return seq(p, args[0], args[1], make_small(1), LISTS("seq", 2)); }
Term list_nat_seq3(Process *p, Term *args) { return seq(p, args[0], args[1], args[2], LISTS("seq", 3)); }

static Term duplicate(Process *p, Term n, Term x, const Mfa *m) {
    if (!is_small(n) || small_val(n) < 0) return FC(m);
    if (small_val(n) > SEQ_MAX) return native_raise(p, ATOM_error, ATOM_system_limit);
    Term r = T_NIL;
    for (SInt i = small_val(n); i > 0; i--) r = make_cons_cell(p, x, r);
    return r;
}

Term list_nat_duplicate(Process *p, Term *args) { return duplicate(p, args[0], args[1], LISTS("duplicate", 2)); }

/* :lists.sublist(list, len) and sublist(list, start, len) (start 1-based) */
static Term sublist(Process *p, Term l, SInt start, Term len, const Mfa *m) {
    if (!is_small(len) || small_val(len) < 0 || start < 1) return FC(m);
    for (SInt i = 1; i < start; i++) {
        if (!is_cons(l)) return FC(m);
        l = CDR(l);
    }
    size_t n = 0;
    Term c = l;
    while (n < (size_t)small_val(len) && is_cons(c)) { n++; c = CDR(c); }
    return copy_prefix(p, l, n, T_NIL);
}

Term list_nat_sublist2(Process *p, Term *args) { return sublist(p, args[0], 1, args[1], LISTS("sublist", 2)); }
Term list_nat_sublist3(Process *p, Term *args) {
    if (!is_small(args[1])) return FC(LISTS("sublist", 3));
    return sublist(p, args[0], small_val(args[1]), args[2], LISTS("sublist", 3));
}

/* :lists.split(n, list) -> {first n, rest}; badarg when n > length */
Term list_nat_split(Process *p, Term *args) {
    if (!is_small(args[0]) || small_val(args[0]) < 0) return native_badarg(p);
    SInt n = small_val(args[0]);
    Term l = args[1];
    for (SInt i = 0; i < n; i++) {
        if (!is_cons(l)) return native_badarg(p);
        l = CDR(l);
    }
    return make_tuple2(p, copy_prefix(p, args[1], (size_t)n, T_NIL), l);
}

Term list_nat_zip(Process *p, Term *args) {
    long na = bif_list_length(args[0]), nb = bif_list_length(args[1]);
    if (na < 0 || nb < 0 || na != nb) return FC(LISTS("zip", 2));
    TermVec v = {0};
    for (Term a = args[0], b = args[1]; is_cons(a); a = CDR(a), b = CDR(b))
        tv_push(&v, make_tuple2(p, CAR(a), CAR(b)));
    Term r = tv_to_list(p, &v, T_NIL);
    tv_free(&v);
    return r;
}

Term list_nat_sum(Process *p, Term *args) {
    if (bif_list_length(args[0]) < 0) return FC(LISTS("sum", 1));
    Term acc = make_small(0);
    for (Term l = args[0]; is_cons(l); l = CDR(l))
        if ((acc = arith_add(p, acc, CAR(l))) == T_NONE) return T_NONE;
    return acc;
}

/* :lists.max/min: the first of the greatest (least) elements */
static Term extreme(Process *p, Term l, int sign) {
    if (!is_cons(l) || bif_list_length(l) < 0) return FC(LISTS(sign > 0 ? "max" : "min", 1));
    Term best = CAR(l);
    for (l = CDR(l); is_cons(l); l = CDR(l))
        if (term_compare(CAR(l), best) * sign > 0) best = CAR(l);
    return best;
}
Term list_nat_max(Process *p, Term *args) { return extreme(p, args[0], 1); }
Term list_nat_min(Process *p, Term *args) { return extreme(p, args[0], -1); }

/* :lists.prefix(prefix, list) and suffix(suffix, list), exact */
Term list_nat_prefix(Process *p, Term *args) {
    Term a = args[0], b = args[1];
    for (; is_cons(a) && is_cons(b); a = CDR(a), b = CDR(b))
        if (!term_eqx(CAR(a), CAR(b))) return ATOM_false;
    return make_bool(a == T_NIL);
}

Term list_nat_suffix(Process *p, Term *args) {
    long na = bif_list_length(args[0]), nb = bif_list_length(args[1]);
    if (na < 0 || nb < 0) return FC(LISTS("suffix", 2));
    if (na > nb) return ATOM_false;
    Term b = args[1];
    for (long i = 0; i < nb - na; i++) b = CDR(b);
    return make_bool(term_eqx(b, args[0]));
}

/* ---- key functions: tuples whose pos-th element == key ------------------ */

/* pos (1-based) of a key function, or 0 after raising badarg. */
static size_t key_pos(Process *p, Term pos) {
    if (!is_small(pos) || small_val(pos) < 1) { native_badarg(p); return 0; }
    return (size_t)small_val(pos);
}

static inline bool key_match(Term e, Term key, size_t pos) {
    return is_tuple(e) && tuple_arity(e) >= pos && term_eq(tuple_elems(e)[pos - 1], key);
}

/* Index of the first matching tuple, or -1. */
static long key_index(Term l, Term key, size_t pos) {
    for (long i = 0; is_cons(l); l = CDR(l), i++)
        if (key_match(CAR(l), key, pos)) return i;
    return -1;
}

/* list with element i replaced by x (x == T_NONE: removed) */
static Term replace_index(Process *p, Term list, long i, Term x) {
    Term l = list;
    for (long k = 0; k < i; k++) l = CDR(l);
    Term rest = CDR(l);
    if (x != T_NONE) rest = make_cons_cell(p, x, rest);
    return copy_prefix(p, list, (size_t)i, rest);
}

static Term nth_cell(Term l, long i) {
    while (i-- > 0) l = CDR(l);
    return CAR(l);
}

/* :lists.keyfind(key, pos, list) -> tuple | false */
Term list_nat_keyfind(Process *p, Term *args) {
    size_t pos = key_pos(p, args[1]);
    if (!pos) return T_NONE;
    if (bif_list_length(args[2]) < 0) return native_badarg(p);
    long i = key_index(args[2], args[0], pos);
    return i < 0 ? ATOM_false : nth_cell(args[2], i);
}

Term list_nat_keymember(Process *p, Term *args) {
    size_t pos = key_pos(p, args[1]);
    if (!pos) return T_NONE;
    if (bif_list_length(args[2]) < 0) return native_badarg(p);
    return make_bool(key_index(args[2], args[0], pos) >= 0);
}

Term list_nat_keydelete(Process *p, Term *args) {
    size_t pos = key_pos(p, args[1]);
    if (!pos) return T_NONE;
    if (bif_list_length(args[2]) < 0) return FC(LISTS("keydelete", 3));
    long i = key_index(args[2], args[0], pos);
    return i < 0 ? args[2] : replace_index(p, args[2], i, T_NONE);
}

/* :lists.keyreplace(key, pos, list, new) */
Term list_nat_keyreplace(Process *p, Term *args) {
    size_t pos = key_pos(p, args[1]);
    if (!pos) return T_NONE;
    if (bif_list_length(args[2]) < 0 || !is_tuple(args[3])) return FC(LISTS("keyreplace", 4));
    long i = key_index(args[2], args[0], pos);
    return i < 0 ? args[2] : replace_index(p, args[2], i, args[3]);
}

/* :lists.keystore(key, pos, list, new): replace, or append at the end */
Term list_nat_keystore(Process *p, Term *args) {
    size_t pos = key_pos(p, args[1]);
    if (!pos) return T_NONE;
    long n = bif_list_length(args[2]);
    if (n < 0 || !is_tuple(args[3])) return FC(LISTS("keystore", 4));
    long i = key_index(args[2], args[0], pos);
    if (i >= 0) return replace_index(p, args[2], i, args[3]);
    return copy_prefix(p, args[2], (size_t)n, make_cons_cell(p, args[3], T_NIL));
}

/* :lists.keytake(key, pos, list) -> {value, tuple, rest} | false */
Term list_nat_keytake(Process *p, Term *args) {
    size_t pos = key_pos(p, args[1]);
    if (!pos) return T_NONE;
    if (bif_list_length(args[2]) < 0) return FC(LISTS("keytake", 3));
    long i = key_index(args[2], args[0], pos);
    if (i < 0) return ATOM_false;
    Term t = nth_cell(args[2], i);
    return make_tuple3(p, ATOM_value, t, replace_index(p, args[2], i, T_NONE));
}

/* :lists.keysort as OTP orders equal keys (bif_sort.c). */
static Term keysort(Process *p, Term list, size_t pos, const Mfa *m) {
    if (bif_list_length(list) < 0) return FC(m);
    Term r = bif_lists_keysort(p, pos, list);
    return r != T_NONE ? r : native_badarg(p);
}

Term list_nat_keysort(Process *p, Term *args) {
    size_t pos = key_pos(p, args[0]);
    return pos ? keysort(p, args[1], pos, LISTS("keysort", 2)) : T_NONE;
}

/* ======================================================================
 * List (Elixir argument order, 0-based positions)
 * ====================================================================== */

/* t must be a list, else no clause of List.fun/arity matches */
#define NEED_LIST(t, fun, ar) do { if (!is_list(t)) return FC(LIST(fun, ar)); } while (0)

/* An Elixir 0-based position as a 1-based Erlang one, or 0 if not an
 * integer >= 0. */
static Term erl_pos(Term i) {
    return is_small(i) && small_val(i) >= 0 && small_val(i) < SMALL_MAX ? make_small(small_val(i) + 1)
                                                                          : make_small(0);
}

/* List.fun(l, dflt) matched no clause: first/1 and last/1 are the /2 with
 * the default nil, reported with both arguments. */
static Term fc_with_default(Process *p, const char *fun, Term l, Term dflt) {
    return native_raise_fc_args(p, "Elixir.List", fun, make_list(p, 2, (Term[]){ l, dflt }));
}

static Term first_or(Process *p, Term l, Term dflt) {
    if (!is_list(l)) return fc_with_default(p, "first", l, dflt);
    return is_cons(l) ? CAR(l) : dflt;
}
Term list_nat_first1(Process *p, Term *args) { return first_or(p, args[0], ATOM_nil); }
Term list_nat_first2(Process *p, Term *args) { return first_or(p, args[0], args[1]); }

/* Elixir's last/2 walks the list in a case on {list, default}: what is not
 * a list (or an improper tail) is a CaseClauseError on that pair. */
static Term last_or(Process *p, Term l, Term dflt) {
    if (l == T_NIL) return dflt;
    if (is_cons(l)) {
        while (is_cons(CDR(l))) l = CDR(l);
        if (CDR(l) == T_NIL) return CAR(l);
        l = CDR(l);
    }
    return native_raise(p, ATOM_error, make_tuple2(p, ATOM_case_clause, make_tuple2(p, l, dflt)));
}
Term list_nat_last1(Process *p, Term *args) { return last_or(p, args[0], ATOM_nil); }
Term list_nat_last2(Process *p, Term *args) { return last_or(p, args[0], args[1]); }

Term list_nat_ex_flatten1(Process *p, Term *args) {
    NEED_LIST(args[0], "flatten", 1);
    return flatten(p, args[0], T_NIL, LISTS("flatten", 1));
}
Term list_nat_ex_flatten2(Process *p, Term *args) {
    NEED_LIST(args[0], "flatten", 2);
    NEED_LIST(args[1], "flatten", 2);
    return flatten(p, args[0], args[1], LISTS("flatten", 2));
}

/* List.keyfind(list, key, pos[, default]) */
static Term ex_keyfind(Process *p, Term *args, Term dflt) {
    Term pos = erl_pos(args[2]);
    if (pos == make_small(0) || !is_list(args[0])) return FC(LIST("keyfind", 4));
    if (bif_list_length(args[0]) < 0) return bif_arg_error(p, 3, "not a list");
    long i = key_index(args[0], args[1], (size_t)small_val(pos));
    return i < 0 ? dflt : nth_cell(args[0], i);
}
Term list_nat_ex_keyfind3(Process *p, Term *args) { return ex_keyfind(p, args, ATOM_nil); }
Term list_nat_ex_keyfind4(Process *p, Term *args) { return ex_keyfind(p, args, args[3]); }

/* Calls an :lists key native with Elixir's (list, key, pos, ...) order. */
static Term ex_key(Process *p, Term *args, Term extra, Term (*fn)(Process *, Term *), const Mfa *m) {
    Term pos = erl_pos(args[2]);
    if (pos == make_small(0) || !is_list(args[0])) return FC(m);
    Term a[4] = {args[1], pos, args[0], extra};
    return fn(p, a);
}

Term list_nat_ex_keymember(Process *p, Term *args) {
    return ex_key(p, args, T_NIL, list_nat_keymember, LIST("keymember?", 3));
}
Term list_nat_ex_keydelete(Process *p, Term *args) {
    return ex_key(p, args, T_NIL, list_nat_keydelete, LIST("keydelete", 3));
}
Term list_nat_ex_keyreplace(Process *p, Term *args) {
    return ex_key(p, args, args[3], list_nat_keyreplace, LIST("keyreplace", 4));
}
Term list_nat_ex_keystore(Process *p, Term *args) {
    return ex_key(p, args, args[3], list_nat_keystore, LIST("keystore", 4));
}

/* List.keytake(list, key, pos) -> {tuple, rest} | nil */
Term list_nat_ex_keytake(Process *p, Term *args) {
    Term r = ex_key(p, args, T_NIL, list_nat_keytake, LIST("keytake", 3));
    if (r == T_NONE) return r;
    if (r == ATOM_false) return ATOM_nil;
    return make_tuple2(p, tuple_elems(r)[1], tuple_elems(r)[2]);
}

Term list_nat_ex_keysort(Process *p, Term *args) {
    Term pos = erl_pos(args[1]);
    if (pos == make_small(0) || !is_list(args[0])) return FC(LIST("keysort", 3));
    return keysort(p, args[0], (size_t)small_val(pos), LISTS("keysort", 2));
}

/* List.delete(list, elem) */
Term list_nat_ex_delete(Process *p, Term *args) {
    if (bif_list_length(args[0]) < 0) return FC(LISTS("delete", 2));
    return delete_first(p, args[0], args[1]);
}

/* List.duplicate(elem, n) */
Term list_nat_ex_duplicate(Process *p, Term *args) {
    return duplicate(p, args[1], args[0], LISTS("duplicate", 2));
}

Term list_nat_wrap(Process *p, Term *args) {
    Term t = args[0];
    if (is_list(t)) return t;
    if (t == ATOM_nil) return T_NIL;
    return make_cons_cell(p, t, T_NIL);
}

/* Normalizes an index for insert_at (where -1 means after the last) or the
 * other positional functions; returns false when out of range. */
static bool norm_index(Term i, long n, bool insert, long *out) {
    if (!is_small(i)) return false;
    SInt k = small_val(i);
    if (k < 0) {
        k += n + (insert ? 1 : 0);
        if (k < 0) { if (!insert) return false; k = 0; }
    }
    if (k > n) k = n;
    *out = (long)k;
    return insert || k < n;
}

Term list_nat_insert_at(Process *p, Term *args) {
    long n = bif_list_length(args[0]), k;
    if (n < 0 || !is_small(args[1])) return FC(LIST("insert_at", 3));
    norm_index(args[1], n, true, &k);
    Term l = args[0];
    for (long i = 0; i < k; i++) l = CDR(l);
    return copy_prefix(p, args[0], (size_t)k, make_cons_cell(p, args[2], l));
}

Term list_nat_delete_at(Process *p, Term *args) {
    long n = bif_list_length(args[0]), k;
    if (n < 0 || !is_small(args[1])) return FC(LIST("delete_at", 2));
    if (!norm_index(args[1], n, false, &k)) return args[0];
    return replace_index(p, args[0], k, T_NONE);
}

Term list_nat_replace_at(Process *p, Term *args) {
    long n = bif_list_length(args[0]), k;
    if (n < 0 || !is_small(args[1])) return FC(LIST("replace_at", 3));
    if (!norm_index(args[1], n, false, &k)) return args[0];
    return replace_index(p, args[0], k, args[2]);
}

/* List.pop_at(list, index[, default]) -> {elem, rest} */
static Term pop_at(Process *p, Term *args, Term dflt) {
    long n = bif_list_length(args[0]), k;
    if (n < 0 || !is_small(args[1])) return FC(LIST("pop_at", 3));
    if (!norm_index(args[1], n, false, &k)) return make_tuple2(p, dflt, args[0]);
    return make_tuple2(p, nth_cell(args[0], k), replace_index(p, args[0], k, T_NONE));
}
Term list_nat_pop_at2(Process *p, Term *args) { return pop_at(p, args, ATOM_nil); }
Term list_nat_pop_at3(Process *p, Term *args) { return pop_at(p, args, args[2]); }

/* List.zip(list_of_lists): tuples, as long as the shortest list */
Term list_nat_ex_zip(Process *p, Term *args) {
    TermVec ls = {0}, out = {0};
    if (!tv_from_list(&ls, args[0])) return FC(LIST("zip", 1));
    if (ls.n == 0) { tv_free(&ls); return T_NIL; }
    for (;;) {
        for (size_t i = 0; i < ls.n; i++) {
            if (!is_cons(ls.a[i])) {
                if (!is_list(ls.a[i])) { tv_free(&ls); tv_free(&out); return FC(LIST("zip", 1)); }
                goto done;
            }
        }
        Term t = make_tuple(p, ls.n, NULL);
        for (size_t i = 0; i < ls.n; i++) {
            tuple_elems(t)[i] = CAR(ls.a[i]);
            ls.a[i] = CDR(ls.a[i]);
        }
        tv_push(&out, t);
    }
done:;
    Term r = tv_to_list(p, &out, T_NIL);
    tv_free(&ls);
    tv_free(&out);
    return r;
}

Term list_nat_to_tuple(Process *p, Term *args) {
    long n = bif_list_length(args[0]);
    if (n < 0) return bif_arg_error(p, 1, "not a list");
    Term t = make_tuple(p, (size_t)n, NULL);
    Term l = args[0];
    for (long i = 0; i < n; i++, l = CDR(l)) tuple_elems(t)[i] = CAR(l);
    return t;
}

Term list_nat_starts_with(Process *p, Term *args) {
    NEED_LIST(args[0], "starts_with?", 2);
    NEED_LIST(args[1], "starts_with?", 2);
    return list_nat_prefix(p, (Term[]){args[1], args[0]});
}

Term list_nat_improper(Process *p, Term *args) {
    NEED_LIST(args[0], "improper?", 1);
    return make_bool(bif_list_length(args[0]) < 0);
}

/* List.to_string(chardata) */
Term list_nat_to_string(Process *p, Term *args) {
    NEED_LIST(args[0], "to_string", 1);
    return term_to_string(p, args[0]);
}

/* ======================================================================
 * Keyword
 * ====================================================================== */

static inline bool is_kv(Term e) { return is_tuple(e) && tuple_arity(e) == 2; }
static inline Term kv_key(Term e) { return tuple_elems(e)[0]; }
static inline Term kv_val(Term e) { return tuple_elems(e)[1]; }

/* kw must be a proper list and key an atom, else no clause of
 * Keyword.fun/arity matches */
#define NEED_KW(kw, key, fun, ar) \
    do { if (!is_list(kw) || !is_atom(key) || bif_list_length(kw) < 0) return FC(KW(fun, ar)); } while (0)

/* The first {key, v} entry, or T_NONE. */
static Term kw_find(Term kw, Term key) {
    for (; is_cons(kw); kw = CDR(kw))
        if (is_kv(CAR(kw)) && kv_key(CAR(kw)) == key) return CAR(kw);
    return T_NONE;
}

/* kw without any {key, _} entries (key == T_NONE: keys in the list `keys`),
 * or, with keep, only those entries. */
static Term kw_filter(Process *p, Term kw, Term key, Term keys, bool keep) {
    TermVec v = {0};
    bool changed = false;
    for (Term l = kw; is_cons(l); l = CDR(l)) {
        Term e = CAR(l);
        bool hit = is_kv(e) && (key != T_NONE ? kv_key(e) == key : index_exact(keys, kv_key(e)) >= 0);
        if (hit == keep) tv_push(&v, e);
        else changed = true;
    }
    Term r = changed ? tv_to_list(p, &v, T_NIL) : kw;
    tv_free(&v);
    return r;
}

Term kw_nat_new0(Process *p, Term *args) { return T_NIL; }

/* Keyword.new(pairs): each key once, with its last value, in the order of
 * the last occurrences. */
Term kw_nat_new1(Process *p, Term *args) {
    TermVec v = {0}, out = {0};
    if (!tv_from_list(&v, args[0])) return FC(KW("new", 1));
    for (size_t i = 0; i < v.n; i++)
        if (!is_kv(v.a[i]) || !is_atom(kv_key(v.a[i]))) { tv_free(&v); return FC(KW("new", 1)); }
    for (size_t i = 0; i < v.n; i++) {
        bool later = false;
        for (size_t j = i + 1; j < v.n && !later; j++) later = kv_key(v.a[j]) == kv_key(v.a[i]);
        if (!later) tv_push(&out, v.a[i]);
    }
    Term r = tv_to_list(p, &out, T_NIL);
    tv_free(&v);
    tv_free(&out);
    return r;
}

Term kw_nat_get2(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "get", 3);
    Term e = kw_find(args[0], args[1]);
    return e != T_NONE ? kv_val(e) : ATOM_nil;
}

Term kw_nat_get3(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "get", 3);
    Term e = kw_find(args[0], args[1]);
    return e != T_NONE ? kv_val(e) : args[2];
}

Term kw_nat_fetch(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "fetch", 2);
    Term e = kw_find(args[0], args[1]);
    return e != T_NONE ? make_tuple2(p, ATOM_ok, kv_val(e)) : ATOM_error;
}

Term kw_nat_fetch_bang(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "fetch!", 2);
    Term e = kw_find(args[0], args[1]);
    return e != T_NONE ? kv_val(e) : bif_badkey(p, args[1], args[0]);
}

Term kw_nat_has_key(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "has_key?", 2);
    return make_bool(kw_find(args[0], args[1]) != T_NONE);
}

Term kw_nat_get_values(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "get_values", 2);
    TermVec v = {0};
    for (Term l = args[0]; is_cons(l); l = CDR(l))
        if (is_kv(CAR(l)) && kv_key(CAR(l)) == args[1]) tv_push(&v, kv_val(CAR(l)));
    Term r = tv_to_list(p, &v, T_NIL);
    tv_free(&v);
    return r;
}

/* Keyword.keys/values: every entry must be {atom, value} */
static Term kw_column(Process *p, Term kw, int col) {
    TermVec v = {0};
    if (!tv_from_list(&v, kw)) return FC(KW(col == 0 ? "keys" : "values", 1));
    for (size_t i = 0; i < v.n; i++) {
        Term e = v.a[i];
        if (!is_kv(e) || !is_atom(kv_key(e))) {
            StrBuf b = {0};
            strbuf_puts(&b, "expected a keyword list, but an entry in the list is not a two-element "
                            "tuple with an atom as its first element, got: ");
            inspect_to_buf(&b, e, &inspect_default_opts);
            native_raise_msg(p, "Elixir.ArgumentError", b.data);
            strbuf_free(&b);
            tv_free(&v);
            return T_NONE;
        }
        v.a[i] = col == 0 ? kv_key(e) : kv_val(e);
    }
    Term r = tv_to_list(p, &v, T_NIL);
    tv_free(&v);
    return r;
}
Term kw_nat_keys(Process *p, Term *args) { return kw_column(p, args[0], 0); }
Term kw_nat_values(Process *p, Term *args) { return kw_column(p, args[0], 1); }

Term kw_nat_delete(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "delete", 2);
    return kw_filter(p, args[0], args[1], T_NIL, false);
}

Term kw_nat_put(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "put", 3);
    Term rest = kw_filter(p, args[0], args[1], T_NIL, false);
    return make_cons_cell(p, make_tuple2(p, args[1], args[2]), rest);
}

Term kw_nat_put_new(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "put_new", 3);
    if (kw_find(args[0], args[1]) != T_NONE) return args[0];
    return make_cons_cell(p, make_tuple2(p, args[1], args[2]), args[0]);
}

/* Keyword.pop(kw, key[, default]) -> {first value or default, kw without key} */
static Term kw_pop(Process *p, Term kw, Term key, Term dflt, bool bang) {
    NEED_KW(kw, key, bang ? "pop!" : "pop", bang ? 2 : 3);
    Term e = kw_find(kw, key);
    if (e == T_NONE) return bang ? bif_badkey(p, key, kw) : make_tuple2(p, dflt, kw);
    return make_tuple2(p, kv_val(e), kw_filter(p, kw, key, T_NIL, false));
}
Term kw_nat_pop2(Process *p, Term *args) { return kw_pop(p, args[0], args[1], ATOM_nil, false); }
Term kw_nat_pop3(Process *p, Term *args) { return kw_pop(p, args[0], args[1], args[2], false); }
Term kw_nat_pop_bang(Process *p, Term *args) { return kw_pop(p, args[0], args[1], T_NIL, true); }

/* Index of the first {key, _} entry, or -1. */
static long kw_index(Term kw, Term key) {
    for (long i = 0; is_cons(kw); kw = CDR(kw), i++)
        if (is_kv(CAR(kw)) && kv_key(CAR(kw)) == key) return i;
    return -1;
}

static Term kw_pop_first(Process *p, Term kw, Term key, Term dflt) {
    NEED_KW(kw, key, "pop_first", 3);
    long i = kw_index(kw, key);
    if (i < 0) return make_tuple2(p, dflt, kw);
    return make_tuple2(p, kv_val(nth_cell(kw, i)), replace_index(p, kw, i, T_NONE));
}
Term kw_nat_pop_first2(Process *p, Term *args) { return kw_pop_first(p, args[0], args[1], ATOM_nil); }
Term kw_nat_pop_first3(Process *p, Term *args) { return kw_pop_first(p, args[0], args[1], args[2]); }

Term kw_nat_delete_first(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "delete_first", 2);
    long i = kw_index(args[0], args[1]);
    return i < 0 ? args[0] : replace_index(p, args[0], i, T_NONE);
}

/* Keyword.replace(kw, key, value): the first entry gets the value, later
 * ones go; replace! raises KeyError when there is none. */
static Term kw_replace(Process *p, Term kw, Term key, Term val, bool bang) {
    NEED_KW(kw, key, bang ? "replace!" : "replace", 3);
    long i = kw_index(kw, key);
    if (i < 0) return bang ? bif_badkey(p, key, kw) : kw;
    Term rest = kw;
    for (long k = 0; k <= i; k++) rest = CDR(rest);
    rest = kw_filter(p, rest, key, T_NIL, false);
    return copy_prefix(p, kw, (size_t)i, make_cons_cell(p, make_tuple2(p, key, val), rest));
}
Term kw_nat_replace(Process *p, Term *args) { return kw_replace(p, args[0], args[1], args[2], false); }
Term kw_nat_replace_bang(Process *p, Term *args) { return kw_replace(p, args[0], args[1], args[2], true); }

static bool proper(Term l) { return bif_list_length(l) >= 0; }

Term kw_nat_take(Process *p, Term *args) {
    if (!proper(args[0]) || !proper(args[1])) return FC(KW("take", 2));
    return kw_filter(p, args[0], T_NONE, args[1], true);
}

Term kw_nat_drop(Process *p, Term *args) {
    if (!proper(args[0]) || !proper(args[1])) return FC(KW("drop", 2));
    return kw_filter(p, args[0], T_NONE, args[1], false);
}

Term kw_nat_split(Process *p, Term *args) {
    if (!proper(args[0]) || !proper(args[1])) return FC(KW("split", 2));
    Term taken = kw_filter(p, args[0], T_NONE, args[1], true);
    Term rest = kw_filter(p, args[0], T_NONE, args[1], false);
    return make_tuple2(p, taken, rest);
}

static bool is_keyword(Term l) {
    for (; is_cons(l); l = CDR(l))
        if (!is_kv(CAR(l)) || !is_atom(kv_key(CAR(l)))) return false;
    return l == T_NIL;
}

Term kw_nat_is_keyword(Process *p, Term *args) { return make_bool(is_keyword(args[0])); }

/* Keyword.merge(kw1, kw2): kw1 without kw2's keys, then kw2 */
Term kw_nat_merge(Process *p, Term *args) {
    for (int i = 0; i < 2; i++) {
        if (!is_list(args[i])) return FC(KW("merge", 2));
        if (!is_keyword(args[i])) {
            StrBuf b = {0};
            strbuf_printf(&b, "expected a keyword list as the %s argument, got: ", i ? "second" : "first");
            inspect_to_buf(&b, args[i], &inspect_default_opts);
            native_raise_msg(p, "Elixir.ArgumentError", b.data);
            strbuf_free(&b);
            return T_NONE;
        }
    }
    if (args[1] == T_NIL) return args[0];
    TermVec keys = {0};
    for (Term l = args[1]; is_cons(l); l = CDR(l)) tv_push(&keys, kv_key(CAR(l)));
    TermVec v = {0};
    for (Term l = args[0]; is_cons(l); l = CDR(l)) {
        bool dup = false;
        for (size_t i = 0; i < keys.n && !dup; i++) dup = keys.a[i] == kv_key(CAR(l));
        if (!dup) tv_push(&v, CAR(l));
    }
    Term r = tv_to_list(p, &v, args[1]);
    tv_free(&keys);
    tv_free(&v);
    return r;
}

Term kw_nat_to_list(Process *p, Term *args) {
    if (!is_list(args[0])) return FC(KW("to_list", 1));
    return args[0];
}

/* Keyword.equal?(a, b): the same entries in any order */
Term kw_nat_equal(Process *p, Term *args) {
    if (!proper(args[0]) || !proper(args[1])) return FC(KW("equal?", 2));
    Term a = sorted_list(p, args[0], false, KW("equal?", 2));
    Term b = sorted_list(p, args[1], false, KW("equal?", 2));
    return make_bool(term_eq(a, b));
}

/* Keyword.from_keys(keys, value) */
Term kw_nat_from_keys(Process *p, Term *args) {
    TermVec v = {0};
    if (!tv_from_list(&v, args[0])) return FC(KW("from_keys", 2));
    for (size_t i = 0; i < v.n; i++) v.a[i] = make_tuple2(p, v.a[i], args[1]);
    Term r = tv_to_list(p, &v, T_NIL);
    tv_free(&v);
    return r;
}

/* Keyword.pop_values(kw, key) -> {all values of key, kw without key} */
Term kw_nat_pop_values(Process *p, Term *args) {
    NEED_KW(args[0], args[1], "pop_values", 2);
    TermVec vals = {0};
    for (Term l = args[0]; is_cons(l); l = CDR(l))
        if (is_kv(CAR(l)) && kv_key(CAR(l)) == args[1]) tv_push(&vals, kv_val(CAR(l)));
    Term vs = tv_to_list(p, &vals, T_NIL);
    tv_free(&vals);
    return make_tuple2(p, vs, kw_filter(p, args[0], args[1], T_NIL, false));
}
