/* ets_match.c — match specifications for ets:select/match and friends.
 *
 * A spec is a list of clauses {Head, Guards, Body}. Matching an object:
 * Head is matched against it, binding the variables :"$N" (:_ matches
 * anything); then every guard must evaluate to true; then each body
 * expression is evaluated and the last one is the clause's result.
 *
 * Invariants:
 *  - The spec is interpreted in place, never copied: it is a term of the
 *    caller (a native's argument), which no GC can move while the native
 *    runs. ets_ms_check has validated it before any object is matched, so
 *    the evaluator may assume its shape (known functions, right arities,
 *    variables bound by the head).
 *  - While the head and the guards run, bindings point into the stored
 *    object (table memory, read under the table's lock). A body copies a
 *    variable onto the caller's heap when it uses it, so a result shares
 *    nothing with the table.
 *  - Head patterns are matched with C recursion over tuple and map nesting
 *    only (lists iterate); ets_ms_check refuses nesting deeper than
 *    MAX_DEPTH, so the C stack stays bounded.
 */
#include "ets.h"
#include "termops.h"
#include "arith.h"
#include "atom.h"
#include "heap.h"
#include "gc.h"
#include "map.h"
#include "bif_data.h"
#include "binary.h"
#include "native.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 1000
#define MAX_VARS 100000

/* ======================================================================
 * Variables
 * ====================================================================== */

enum { V_NONE = -1, V_ANY = -2, V_OBJ = -3, V_ALL = -4 };

/* The variable an atom stands for: $N (N >= 0), :_, :"$_", :"$$", or
 * V_NONE (a plain atom). */
static long var_of(Term a) {
    if (!is_atom(a)) return V_NONE;
    size_t len;
    const char *s = atom_name(a, &len);
    if (len == 1 && s[0] == '_') return V_ANY;
    if (len < 2 || s[0] != '$') return V_NONE;
    if (len == 2 && s[1] == '_') return V_OBJ;
    if (len == 2 && s[1] == '$') return V_ALL;
    long n = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || n > MAX_VARS) return V_NONE;
        n = n * 10 + (s[i] - '0');
    }
    return n < MAX_VARS ? n : V_NONE;
}

/* ======================================================================
 * Guard functions
 * ====================================================================== */

enum {
    F_IS_ATOM, F_IS_FLOAT, F_IS_INTEGER, F_IS_LIST, F_IS_NUMBER, F_IS_PID, F_IS_PORT, F_IS_REF,
    F_IS_TUPLE, F_IS_MAP, F_IS_BINARY, F_IS_FUNCTION, F_IS_RECORD,
    F_GT, F_LT, F_GE, F_LE, F_EQ, F_EXEQ, F_NE, F_EXNE,
    F_ANDALSO, F_ORELSE, F_AND, F_OR, F_XOR, F_NOT,
    F_ADD, F_SUB, F_MUL, F_DIV, F_REM, F_FDIV, F_NEG, F_PLUS,
    F_ABS, F_ELEMENT, F_HD, F_TL, F_LENGTH, F_MAP_GET, F_IS_MAP_KEY, F_MAP_SIZE,
    F_BAND, F_BOR, F_BXOR, F_BSL, F_BSR, F_BNOT, F_ROUND, F_TRUNC, F_FLOAT, F_SIZE, F_BYTE_SIZE,
    F_BIT_SIZE, F_BINARY_PART, F_NODE0, F_NODE1,
    F_SELF, F_CONST,
    F__COUNT
};

/* OTP 25's guard functions for ETS (ERTS User's Guide, "Match
 * Specifications in Erlang"); arity -1: any number (>= 1) of arguments. */
static const struct { const char *name; int arity; } FUNS[F__COUNT] = {
    [F_IS_ATOM] = { "is_atom", 1 }, [F_IS_FLOAT] = { "is_float", 1 }, [F_IS_INTEGER] = { "is_integer", 1 },
    [F_IS_LIST] = { "is_list", 1 }, [F_IS_NUMBER] = { "is_number", 1 }, [F_IS_PID] = { "is_pid", 1 },
    [F_IS_PORT] = { "is_port", 1 }, [F_IS_REF] = { "is_reference", 1 }, [F_IS_TUPLE] = { "is_tuple", 1 },
    [F_IS_MAP] = { "is_map", 1 }, [F_IS_BINARY] = { "is_binary", 1 }, [F_IS_FUNCTION] = { "is_function", 1 },
    [F_IS_RECORD] = { "is_record", 3 },
    [F_GT] = { ">", 2 }, [F_LT] = { "<", 2 }, [F_GE] = { ">=", 2 }, [F_LE] = { "=<", 2 },
    [F_EQ] = { "==", 2 }, [F_EXEQ] = { "=:=", 2 }, [F_NE] = { "/=", 2 }, [F_EXNE] = { "=/=", 2 },
    [F_ANDALSO] = { "andalso", -1 }, [F_ORELSE] = { "orelse", -1 }, [F_AND] = { "and", -1 },
    [F_OR] = { "or", -1 }, [F_XOR] = { "xor", 2 }, [F_NOT] = { "not", 1 },
    [F_ADD] = { "+", 2 }, [F_SUB] = { "-", 2 }, [F_MUL] = { "*", 2 }, [F_DIV] = { "div", 2 },
    [F_REM] = { "rem", 2 }, [F_FDIV] = { "/", 2 }, [F_NEG] = { "-", 1 }, [F_PLUS] = { "+", 1 },
    [F_ABS] = { "abs", 1 }, [F_ELEMENT] = { "element", 2 }, [F_HD] = { "hd", 1 }, [F_TL] = { "tl", 1 },
    [F_LENGTH] = { "length", 1 }, [F_MAP_GET] = { "map_get", 2 }, [F_IS_MAP_KEY] = { "is_map_key", 2 },
    [F_MAP_SIZE] = { "map_size", 1 }, [F_SELF] = { "self", 0 },
    [F_BAND] = { "band", 2 }, [F_BOR] = { "bor", 2 }, [F_BXOR] = { "bxor", 2 }, [F_BSL] = { "bsl", 2 },
    [F_BSR] = { "bsr", 2 }, [F_BNOT] = { "bnot", 1 }, [F_ROUND] = { "round", 1 }, [F_TRUNC] = { "trunc", 1 },
    [F_FLOAT] = { "float", 1 }, [F_SIZE] = { "size", 1 }, [F_BYTE_SIZE] = { "byte_size", 1 },
    [F_BIT_SIZE] = { "bit_size", 1 }, [F_BINARY_PART] = { "binary_part", 3 }, [F_NODE0] = { "node", 0 },
    [F_NODE1] = { "node", 1 },
    [F_CONST] = { "const", 1 },
};
static Term fun_atoms[F__COUNT];
static pthread_once_t funs_once = PTHREAD_ONCE_INIT;

static void funs_init(void) {
    for (int i = 0; i < F__COUNT; i++) fun_atoms[i] = atom_intern_cstr(FUNS[i].name);
}

/* The function of a call tuple {name, args...}, or -1. */
static int fun_of(Term e) {
    size_t n = tuple_arity(e);
    Term name = tuple_elems(e)[0];
    if (!is_atom(name)) return -1;
    for (int i = 0; i < F__COUNT; i++) {
        if (fun_atoms[i] != name) continue;
        int a = FUNS[i].arity;
        if (a == (int)n - 1 || (a < 0 && n >= 2)) return i;
    }
    return -1;
}

/* ======================================================================
 * Validation
 * ====================================================================== */

typedef struct Check {
    unsigned nvars;         /* highest head variable + 1 */
    bool *bound;            /* per variable: bound by the current head */
    size_t cap;
} Check;

static bool mark_head(Check *c, Term pat, int depth) {
    if (depth > MAX_DEPTH) return false;
    for (;;) {
        if (is_atom(pat)) {
            long v = var_of(pat);
            if (v == V_OBJ || v == V_ALL) return false;
            if (v >= 0) {
                if ((size_t)v >= c->cap) {
                    size_t cap = (size_t)v + 16;
                    bool *nb = realloc(c->bound, cap);
                    if (!nb) return false;
                    memset(nb + c->cap, 0, cap - c->cap);
                    c->bound = nb, c->cap = cap;
                }
                c->bound[v] = true;
                if ((unsigned)v + 1 > c->nvars) c->nvars = (unsigned)v + 1;
            }
            return true;
        }
        if (is_cons(pat)) {
            if (!mark_head(c, CAR(pat), depth + 1)) return false;
            pat = CDR(pat);
            continue;
        }
        if (is_tuple(pat)) {
            for (size_t i = 0; i < tuple_arity(pat); i++)
                if (!mark_head(c, tuple_elems(pat)[i], depth + 1)) return false;
            return true;
        }
        if (is_map(pat)) {
            MapIter it;
            Term k, v;
            bool ok = true;
            map_iter_init_unordered(&it, pat);
            while (ok && map_iter_next(&it, &k, &v)) ok = mark_head(c, v, depth + 1);
            map_iter_done(&it);
            return ok;
        }
        return true;
    }
}

static bool check_expr(const Check *c, Term e, int depth) {
    if (depth > MAX_DEPTH) return false;
    if (is_atom(e)) {
        long v = var_of(e);
        return v < 0 || ((size_t)v < c->cap && c->bound[v]);
    }
    if (is_cons(e)) {
        for (; is_cons(e); e = CDR(e))
            if (!check_expr(c, CAR(e), depth + 1)) return false;
        return is_nil(e) || check_expr(c, e, depth + 1);
    }
    if (is_map(e)) {                        /* values are expressions */
        MapIter it;
        Term k, v;
        bool ok = true;
        map_iter_init_unordered(&it, e);
        while (ok && map_iter_next(&it, &k, &v)) ok = check_expr(c, v, depth + 1);
        map_iter_done(&it);
        return ok;
    }
    if (!is_tuple(e)) return true;
    size_t n = tuple_arity(e);
    if (n == 0) return false;
    const Term *el = tuple_elems(e);
    if (n == 1 && is_tuple(el[0])) {        /* {{...}}: tuple construction */
        for (size_t i = 0; i < tuple_arity(el[0]); i++)
            if (!check_expr(c, tuple_elems(el[0])[i], depth + 1)) return false;
        return true;
    }
    int f = fun_of(e);
    if (f < 0) return false;
    if (f == F_CONST) return true;
    for (size_t i = 1; i < n; i++)
        if (!check_expr(c, el[i], depth + 1)) return false;
    return true;
}

static bool check_clause(Check *c, Term cl) {
    if (!is_tuple(cl) || tuple_arity(cl) != 3) return false;
    Term head = tuple_elems(cl)[0], guards = tuple_elems(cl)[1], body = tuple_elems(cl)[2];
    if (c->bound) memset(c->bound, 0, c->cap);
    if (!mark_head(c, head, 0)) return false;
    for (; is_cons(guards); guards = CDR(guards))
        if (!check_expr(c, CAR(guards), 0)) return false;
    if (!is_nil(guards) || !is_cons(body)) return false;
    for (; is_cons(body); body = CDR(body))
        if (!check_expr(c, CAR(body), 0)) return false;
    return is_nil(body);
}

bool ets_ms_check(Term spec, EtsMs *ms) {
    pthread_once(&funs_once, funs_init);
    Check c = { 0, NULL, 0 };
    size_t n = 0;
    bool ok = true;
    Term l = spec;
    for (; ok && is_cons(l); l = CDR(l), n++) ok = check_clause(&c, CAR(l));
    free(c.bound);
    if (!ok || !is_nil(l)) return false;
    ms->spec = spec;
    ms->nclauses = n;
    ms->nvars = c.nvars;
    return true;
}

/* Does t contain no variable (nor :_)? */
static bool ground(Term t) {
    for (;;) {
        if (is_atom(t)) return var_of(t) == V_NONE;
        if (is_cons(t)) {
            if (!ground(CAR(t))) return false;
            t = CDR(t);
            continue;
        }
        if (is_tuple(t)) {
            for (size_t i = 0; i < tuple_arity(t); i++)
                if (!ground(tuple_elems(t)[i])) return false;
            return true;
        }
        if (is_map(t)) {
            MapIter it;
            Term k, v;
            bool ok = true;
            map_iter_init_unordered(&it, t);
            while (ok && map_iter_next(&it, &k, &v)) ok = ground(v);
            map_iter_done(&it);
            return ok;
        }
        return true;
    }
}

Term ets_ms_bound_key(const EtsMs *ms, unsigned keypos) {
    Term key = T_NONE;
    for (Term l = ms->spec; is_cons(l); l = CDR(l)) {
        Term head = tuple_elems(CAR(l))[0];
        if (!is_tuple(head) || tuple_arity(head) < keypos) return T_NONE;
        Term k = tuple_elems(head)[keypos - 1];
        if (!ground(k) || (key != T_NONE && !term_eqx(k, key))) return T_NONE;
        key = k;
    }
    return key;
}

/* ======================================================================
 * Matching
 * ====================================================================== */

static bool match(Term pat, Term t, Term *vars) {
    for (;;) {
        if (is_atom(pat)) {
            long v = var_of(pat);
            if (v == V_ANY) return true;
            if (v < 0) return pat == t;
            if (vars[v] == T_NONE) {
                vars[v] = t;
                return true;
            }
            return term_eqx(vars[v], t);
        }
        if (is_cons(pat)) {
            if (!is_cons(t) || !match(CAR(pat), CAR(t), vars)) return false;
            pat = CDR(pat), t = CDR(t);
            continue;
        }
        if (is_tuple(pat)) {
            size_t n = tuple_arity(pat);
            if (!is_tuple(t) || tuple_arity(t) != n) return false;
            for (size_t i = 0; i < n; i++)
                if (!match(tuple_elems(pat)[i], tuple_elems(t)[i], vars)) return false;
            return true;
        }
        if (is_map(pat)) {
            if (!is_map(t)) return false;
            MapIter it;
            Term k, v;
            bool ok = true;
            map_iter_init_unordered(&it, pat);
            while (ok && map_iter_next(&it, &k, &v)) {
                Term tv = map_get(t, k);
                ok = tv != T_NONE && match(v, tv, vars);
            }
            map_iter_done(&it);
            return ok;
        }
        return term_eqx(pat, t);
    }
}

/* ======================================================================
 * Evaluation
 * ====================================================================== */

typedef struct Ctx {
    Process *p;
    Term obj;
    Term *vars;
    unsigned nvars;
    bool body;              /* variables are copied to the heap when used */
} Ctx;

static Term eval(Ctx *c, Term e);

static Term boolean(bool b) { return b ? ATOM_true : ATOM_false; }
static Term copy_if_body(Ctx *c, Term t) {
    return c->body && !is_small(t) && !is_atom(t) ? gc_copy_term(c->p, t) : t;
}

static Term all_vars(Ctx *c) {
    Term l = T_NIL;
    for (unsigned i = c->nvars; i-- > 0;)
        if (c->vars[i] != T_NONE) l = make_cons_cell(c->p, copy_if_body(c, c->vars[i]), l);
    return l;
}

static Term eval_list(Ctx *c, Term e) {
    size_t n = 0;
    for (Term l = e; is_cons(l); l = CDR(l)) n++;
    Term *cells = heap_alloc(c->p, n ? 2 * n : 1);
    Term l = e;
    for (size_t i = 0; i < n; i++, l = CDR(l)) {
        Term v = eval(c, CAR(l));
        if (v == T_NONE) return T_NONE;
        cells[2 * i] = v;
        cells[2 * i + 1] = i + 1 < n ? make_cons(cells + 2 * i + 2) : T_NIL;
    }
    Term tail = is_nil(l) ? T_NIL : eval(c, l);
    if (tail == T_NONE) return T_NONE;
    if (n == 0) return tail;
    cells[2 * n - 1] = tail;
    return make_cons(cells);
}

/* A map expression: its values evaluated (keys are literals). */
static Term eval_map(Ctx *c, Term m) {
    size_t n = map_size(m), i = 0;
    Term *kv = malloc((n ? 2 * n : 1) * sizeof(Term));
    if (!kv) return T_NONE;
    MapIter it;
    Term k, v;
    map_iter_init_unordered(&it, m);
    while (map_iter_next(&it, &k, &v)) {
        if ((v = eval(c, v)) == T_NONE) break;
        kv[2 * i] = k, kv[2 * i + 1] = v, i++;
    }
    map_iter_done(&it);
    Term r = i == n ? map_from_pairs(c->p, n, kv) : T_NONE;
    free(kv);
    return r;
}

static Term eval_tuple(Ctx *c, Term tup) {
    size_t n = tuple_arity(tup);
    Term r = make_tuple(c->p, n, NULL);
    for (size_t i = 0; i < n; i++) {
        Term v = eval(c, tuple_elems(tup)[i]);
        if (v == T_NONE) return T_NONE;
        tuple_elems(r)[i] = v;
    }
    return r;
}

/* andalso, orelse, and, or: the first `stop` value decides. */
static Term eval_logic(Ctx *c, const Term *args, size_t n, Term stop, bool lazy) {
    Term result = stop == ATOM_false ? ATOM_true : ATOM_false;
    for (size_t i = 0; i < n; i++) {
        Term v = eval(c, args[i]);
        if (v != ATOM_true && v != ATOM_false) return T_NONE;
        if (v == stop) {
            result = stop;
            if (lazy) return result;
        }
    }
    return result;
}

static Term eval_call(Ctx *c, Term e) {
    int f = fun_of(e);
    const Term *args = tuple_elems(e) + 1;
    size_t n = tuple_arity(e) - 1;
    if (f == F_CONST) return args[0];
    if (f == F_ANDALSO) return eval_logic(c, args, n, ATOM_false, true);
    if (f == F_ORELSE) return eval_logic(c, args, n, ATOM_true, true);
    if (f == F_AND) return eval_logic(c, args, n, ATOM_false, false);
    if (f == F_OR) return eval_logic(c, args, n, ATOM_true, false);
    if (f == F_SELF) return c->p->pid;
    if (f == F_NODE0) return ATOM_nonode_nohost;
    Term a = eval(c, args[0]);
    if (a == T_NONE) return T_NONE;
    Term b = T_NONE, x = T_NONE;
    if (n >= 2 && (b = eval(c, args[1])) == T_NONE) return T_NONE;
    if (n == 3 && (x = eval(c, args[2])) == T_NONE) return T_NONE;
    Process *p = c->p;
    switch (f) {
    case F_IS_ATOM: return boolean(is_atom(a));
    case F_IS_FLOAT: return boolean(is_float(a));
    case F_IS_INTEGER: return boolean(is_integer(a));
    case F_IS_LIST: return boolean(is_list(a));
    case F_IS_NUMBER: return boolean(is_number(a));
    case F_IS_PID: return boolean(is_pid(a));
    case F_IS_PORT: return ATOM_false;
    case F_IS_REF: return boolean(is_ref(a));
    case F_IS_TUPLE: return boolean(is_tuple(a));
    case F_IS_MAP: return boolean(is_map(a));
    case F_IS_BINARY: return boolean(is_binary(a));
    case F_IS_FUNCTION: return boolean(is_fun(a));
    case F_IS_RECORD:
        if (!is_atom(b) || !is_small(x)) return T_NONE;
        return boolean(is_tuple(a) && (SInt)tuple_arity(a) == small_val(x) && tuple_arity(a) > 0 && tuple_elems(a)[0] == b);
    case F_GT: return boolean(term_compare(a, b) > 0);
    case F_LT: return boolean(term_compare(a, b) < 0);
    case F_GE: return boolean(term_compare(a, b) >= 0);
    case F_LE: return boolean(term_compare(a, b) <= 0);
    case F_EQ: return boolean(term_eq(a, b));
    case F_NE: return boolean(!term_eq(a, b));
    case F_EXEQ: return boolean(term_eqx(a, b));
    case F_EXNE: return boolean(!term_eqx(a, b));
    case F_XOR:
        if ((a != ATOM_true && a != ATOM_false) || (b != ATOM_true && b != ATOM_false)) return T_NONE;
        return boolean(a != b);
    case F_NOT:
        if (a != ATOM_true && a != ATOM_false) return T_NONE;
        return boolean(a == ATOM_false);
    case F_ADD: return arith_add(p, a, b);
    case F_SUB: return arith_sub(p, a, b);
    case F_MUL: return arith_mul(p, a, b);
    case F_DIV: return is_integer(a) && is_integer(b) ? arith_idiv(p, a, b) : T_NONE;
    case F_REM: return is_integer(a) && is_integer(b) ? arith_rem(p, a, b) : T_NONE;
    case F_FDIV: return arith_fdiv(p, a, b);
    case F_NEG: return is_number(a) ? arith_neg(p, a) : T_NONE;
    case F_PLUS: return is_number(a) ? a : T_NONE;
    case F_ABS: return is_number(a) ? arith_abs(p, a) : T_NONE;
    case F_ELEMENT:
        if (!is_small(a) || !is_tuple(b) || small_val(a) < 1 || (size_t)small_val(a) > tuple_arity(b)) return T_NONE;
        return tuple_elems(b)[small_val(a) - 1];
    case F_HD: return is_cons(a) ? CAR(a) : T_NONE;
    case F_TL: return is_cons(a) ? CDR(a) : T_NONE;
    case F_LENGTH: {
        long len = bif_list_length(a);
        return len < 0 ? T_NONE : make_small(len);
    }
    case F_MAP_GET: return is_map(b) ? map_get(b, a) : T_NONE;
    case F_IS_MAP_KEY: return is_map(b) ? boolean(map_get(b, a) != T_NONE) : T_NONE;
    case F_MAP_SIZE: return is_map(a) ? make_small((SInt)map_size(a)) : T_NONE;
    case F_BAND: case F_BOR: case F_BXOR: case F_BSL: case F_BSR:
        if (!is_integer(a) || !is_integer(b)) return T_NONE;
        return (f == F_BAND ? arith_nat_band : f == F_BOR ? arith_nat_bor : f == F_BXOR ? arith_nat_bxor
                : f == F_BSL ? arith_nat_bsl : arith_nat_bsr)(p, (Term[]){ a, b });
    case F_BNOT: return is_integer(a) ? arith_nat_bnot(p, &a) : T_NONE;
    case F_ROUND: return is_number(a) ? arith_nat_round(p, &a) : T_NONE;
    case F_TRUNC: return is_number(a) ? arith_nat_trunc(p, &a) : T_NONE;
    case F_FLOAT: return is_number(a) ? arith_nat_float(p, &a) : T_NONE;
    case F_SIZE:
        if (is_tuple(a)) return make_small((SInt)tuple_arity(a));
        return is_binary(a) ? make_small(binary_size(a)) : T_NONE;
    case F_BYTE_SIZE: return is_binary(a) ? make_small(binary_size(a)) : T_NONE;
    case F_BIT_SIZE: return is_binary(a) ? make_small(8 * binary_size(a)) : T_NONE;
    case F_BINARY_PART: {
        if (!is_binary(a) || !is_small(b) || !is_small(x)) return T_NONE;
        SInt start = small_val(b), len = small_val(x), size = binary_size(a);
        if (len < 0) start += len, len = -len;
        if (start < 0 || start + len > size) return T_NONE;
        return binary_nat_part(p, (Term[]){ a, b, x });
    }
    case F_NODE1: return ATOM_nonode_nohost;
    }
    return T_NONE;
}

/* The value of e, or T_NONE when it fails (a guard then fails). */
static Term eval(Ctx *c, Term e) {
    if (is_atom(e)) {
        long v = var_of(e);
        if (v >= 0) return copy_if_body(c, c->vars[v]);
        if (v == V_OBJ) return copy_if_body(c, c->obj);
        if (v == V_ALL) return all_vars(c);
        return e;
    }
    if (is_cons(e)) return eval_list(c, e);
    if (is_map(e)) return eval_map(c, e);
    if (!is_tuple(e)) return e;
    if (tuple_arity(e) == 1 && is_tuple(tuple_elems(e)[0])) return eval_tuple(c, tuple_elems(e)[0]);
    return eval_call(c, e);
}

static int run_clause(Ctx *c, Term cl, Term *result) {
    for (unsigned i = 0; i < c->nvars; i++) c->vars[i] = T_NONE;
    if (!match(tuple_elems(cl)[0], c->obj, c->vars)) return 0;
    c->body = false;
    for (Term g = tuple_elems(cl)[1]; is_cons(g); g = CDR(g))
        if (eval(c, CAR(g)) != ATOM_true) return 0;
    c->body = true;
    Term r = T_NONE;
    for (Term b = tuple_elems(cl)[2]; is_cons(b); b = CDR(b)) {
        r = eval(c, CAR(b));
        if (r == T_NONE) {
            r = ATOM_EXIT;
            break;
        }
    }
    *result = r;
    return 1;
}

int ets_ms_run(Process *p, const EtsMs *ms, Term obj, Term *result) {
    Term local[32];
    Term *vars = ms->nvars <= 32 ? local : malloc(ms->nvars * sizeof(Term));
    if (!vars) return 0;
    Ctx c = { p, obj, vars, ms->nvars, false };
    int r = 0;
    for (Term l = ms->spec; !r && is_cons(l); l = CDR(l)) r = run_clause(&c, CAR(l), result);
    if (vars != local) free(vars);
    return r;
}
