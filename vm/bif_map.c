/* bif_map.c — natives of the Map module and of :maps (those that take no
 * fun: Map.update/4, Map.filter/2 ... are written in Act, stdlib/).
 *
 * Non-maps raise {badmap, T} (BadMapError), missing keys of the `!`
 * functions {badkey, K, Map} (KeyError "key K not found in: Map"), as Elixir
 * 1.14 does. Results are built with map.h; nothing here mutates a map.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bif_data.h"
#include "native.h"
#include "heap.h"
#include "atom.h"
#include "map.h"
#include "termops.h"

#define NEED_MAP(t) do { if (!is_map(t)) return bif_badmap(p, (t)); } while (0)

/* Elixir raises Protocol.UndefinedError when a list of keys is something
 * that is not enumerable (the deprecated Enumerable path of take/drop/split). */
static Term not_a_key_list(Process *p, Term v) {
    if (is_list(v)) return native_badarg(p); /* improper list */
    Term kv[10] = {
        ATOM___exception__, ATOM_true,
        ATOM___struct__, ATOM_Elixir_Protocol_UndefinedError,
        ATOM_description, make_cstring(p, ""),
        ATOM_protocol, ATOM_Elixir_Enumerable,
        ATOM_value, v,
    };
    return native_raise(p, ATOM_error, map_from_pairs(p, 5, kv));
}

/* ---- construction ------------------------------------------------------ */

Term map_nat_new0(Process *p, Term *args) { return map_new(p); }

Term map_nat_new1(Process *p, Term *args) {
    Term e = args[0];
    if (is_list(e)) {
        Term m = map_from_list(p, e);
        return m != T_NONE ? m : native_badarg(p);
    }
    if (is_map(e) && map_get(e, ATOM___struct__) == T_NONE) return e;
    /* Any other enumerable (a range) is collected by Enum, which raises
     * Protocol.UndefinedError for what is not enumerable, as Elixir does. */
    return native_trap_apply(p, ATOM_Elixir_Enum, ATOM_into, make_list(p, 2, (Term[]){ e, map_new(p) }));
}

/* :maps.from_list/1 */
Term map_nat_from_list(Process *p, Term *args) {
    Term m = map_from_list(p, args[0]);
    return m != T_NONE ? m : native_badarg(p);
}

/* ---- lookup ------------------------------------------------------------ */

/* Map.get(map, key) / Map.get(map, key, default) */
Term map_nat_get2(Process *p, Term *args) {
    NEED_MAP(args[0]);
    Term v = map_get(args[0], args[1]);
    return v != T_NONE ? v : ATOM_nil;
}

Term map_nat_get3(Process *p, Term *args) {
    NEED_MAP(args[0]);
    Term v = map_get(args[0], args[1]);
    return v != T_NONE ? v : args[2];
}

Term map_nat_fetch(Process *p, Term *args) {
    NEED_MAP(args[0]);
    Term v = map_get(args[0], args[1]);
    return v != T_NONE ? make_tuple2(p, ATOM_ok, v) : ATOM_error;
}

/* Elixir's Map.fetch!/2 is :maps.get/2, whose error is {badkey, K}: the
 * exit reason of a process that dies of it shows that; Exception.normalize
 * finds the map in the stack trace. */
Term map_nat_fetch_bang(Process *p, Term *args) {
    NEED_MAP(args[0]);
    Term v = map_get(args[0], args[1]);
    return v != T_NONE ? v : native_raise(p, ATOM_error, make_tuple2(p, ATOM_badkey, args[1]));
}

Term map_nat_has_key(Process *p, Term *args) {
    NEED_MAP(args[0]);
    return make_bool(map_get(args[0], args[1]) != T_NONE);
}

/* :maps.get(key, map) / :maps.get(key, map, default) */
Term map_nat_erl_get2(Process *p, Term *args) {
    NEED_MAP(args[1]);
    Term v = map_get(args[1], args[0]);
    return v != T_NONE ? v : native_raise(p, ATOM_error, make_tuple2(p, ATOM_badkey, args[0]));
}

Term map_nat_erl_get3(Process *p, Term *args) {
    NEED_MAP(args[1]);
    Term v = map_get(args[1], args[0]);
    return v != T_NONE ? v : args[2];
}

/* :maps.find(key, map) */
Term map_nat_erl_find(Process *p, Term *args) {
    NEED_MAP(args[1]);
    Term v = map_get(args[1], args[0]);
    return v != T_NONE ? make_tuple2(p, ATOM_ok, v) : ATOM_error;
}

Term map_nat_erl_is_key(Process *p, Term *args) {
    NEED_MAP(args[1]);
    return make_bool(map_get(args[1], args[0]) != T_NONE);
}

/* ---- update ------------------------------------------------------------ */

Term map_nat_put(Process *p, Term *args) {
    NEED_MAP(args[0]);
    return map_put(p, args[0], args[1], args[2]);
}

/* :maps.put(key, value, map) */
Term map_nat_erl_put(Process *p, Term *args) {
    NEED_MAP(args[2]);
    return map_put(p, args[2], args[0], args[1]);
}

Term map_nat_put_new(Process *p, Term *args) {
    NEED_MAP(args[0]);
    if (map_get(args[0], args[1]) != T_NONE) return args[0];
    return map_put(p, args[0], args[1], args[2]);
}

Term map_nat_replace(Process *p, Term *args) {
    NEED_MAP(args[0]);
    if (map_get(args[0], args[1]) == T_NONE) return args[0];
    return map_put(p, args[0], args[1], args[2]);
}

Term map_nat_replace_bang(Process *p, Term *args) {
    NEED_MAP(args[0]);
    if (map_get(args[0], args[1]) == T_NONE) return bif_badkey(p, args[1], args[0]);
    return map_put(p, args[0], args[1], args[2]);
}

/* :maps.update(key, value, map): the key must exist */
Term map_nat_erl_update(Process *p, Term *args) {
    NEED_MAP(args[2]);
    if (map_get(args[2], args[0]) == T_NONE) return bif_badkey(p, args[0], args[2]);
    return map_put(p, args[2], args[0], args[1]);
}

Term map_nat_delete(Process *p, Term *args) {
    NEED_MAP(args[0]);
    return map_remove(p, args[0], args[1]);
}

/* :maps.remove(key, map) */
Term map_nat_erl_remove(Process *p, Term *args) {
    NEED_MAP(args[1]);
    return map_remove(p, args[1], args[0]);
}

Term map_nat_merge(Process *p, Term *args) {
    NEED_MAP(args[0]);
    NEED_MAP(args[1]);
    return map_merge(p, args[0], args[1]);
}

/* Map.pop(map, key[, default]) -> {value, map without key} */
static Term pop(Process *p, Term m, Term key, Term dflt) {
    NEED_MAP(m);
    Term v = map_get(m, key);
    if (v == T_NONE) return make_tuple2(p, dflt, m);
    return make_tuple2(p, v, map_remove(p, m, key));
}
Term map_nat_pop2(Process *p, Term *args) { return pop(p, args[0], args[1], ATOM_nil); }
Term map_nat_pop3(Process *p, Term *args) { return pop(p, args[0], args[1], args[2]); }

Term map_nat_pop_bang(Process *p, Term *args) {
    NEED_MAP(args[0]);
    Term v = map_get(args[0], args[1]);
    if (v == T_NONE) return bif_badkey(p, args[1], args[0]);
    return make_tuple2(p, v, map_remove(p, args[0], args[1]));
}

/* :maps.take(key, map) -> {value, map2} | error */
Term map_nat_erl_take(Process *p, Term *args) {
    NEED_MAP(args[1]);
    Term v = map_get(args[1], args[0]);
    if (v == T_NONE) return ATOM_error;
    return make_tuple2(p, v, map_remove(p, args[1], args[0]));
}

/* ---- several keys ---------------------------------------------------- */

/* The pairs of m whose keys are in the proper list keys. */
static Term take_keys(Process *p, Term m, Term keys) {
    Term out = map_new(p);
    for (Term l = keys; is_cons(l); l = CDR(l)) {
        Term v = map_get(m, CAR(l));
        if (v != T_NONE) out = map_put(p, out, CAR(l), v);
    }
    return out;
}

static Term drop_keys(Process *p, Term m, Term keys) {
    for (Term l = keys; is_cons(l); l = CDR(l)) m = map_remove(p, m, CAR(l));
    return m;
}

Term map_nat_take(Process *p, Term *args) {
    NEED_MAP(args[0]);
    if (bif_list_length(args[1]) < 0) return not_a_key_list(p, args[1]);
    return take_keys(p, args[0], args[1]);
}

Term map_nat_drop(Process *p, Term *args) {
    NEED_MAP(args[0]);
    if (bif_list_length(args[1]) < 0) return not_a_key_list(p, args[1]);
    return drop_keys(p, args[0], args[1]);
}

Term map_nat_split(Process *p, Term *args) {
    NEED_MAP(args[0]);
    if (bif_list_length(args[1]) < 0) return not_a_key_list(p, args[1]);
    Term taken = take_keys(p, args[0], args[1]);
    Term rest = drop_keys(p, args[0], args[1]);
    return make_tuple2(p, taken, rest);
}

/* :maps.with(keys, map) / :maps.without(keys, map) */
Term map_nat_erl_with(Process *p, Term *args) {
    NEED_MAP(args[1]);
    if (bif_list_length(args[0]) < 0) return native_badarg(p);
    return take_keys(p, args[1], args[0]);
}

Term map_nat_erl_without(Process *p, Term *args) {
    NEED_MAP(args[1]);
    if (bif_list_length(args[0]) < 0) return native_badarg(p);
    return drop_keys(p, args[1], args[0]);
}

/* ---- whole-map views --------------------------------------------------- */

Term map_nat_keys(Process *p, Term *args) {
    NEED_MAP(args[0]);
    return map_keys(p, args[0]);
}

Term map_nat_values(Process *p, Term *args) {
    NEED_MAP(args[0]);
    return map_values(p, args[0]);
}

Term map_nat_to_list(Process *p, Term *args) {
    NEED_MAP(args[0]);
    return map_to_list(p, args[0]);
}

Term map_nat_size(Process *p, Term *args) {
    NEED_MAP(args[0]);
    return make_small(map_size(args[0]));
}

Term map_nat_equal(Process *p, Term *args) {
    NEED_MAP(args[0]);
    NEED_MAP(args[1]);
    return make_bool(term_eqx(args[0], args[1]));
}

/* Map.from_struct(struct): the map without its :__struct__ key. (The form
 * taking a module name needs a call to Mod.__struct__/0 and is left to
 * Act code.) */
Term map_nat_from_struct(Process *p, Term *args) {
    if (!is_map(args[0])) return bif_fc(p, "Elixir.Map", "from_struct", 1);
    return map_remove(p, args[0], ATOM___struct__);
}

/* Map.from_keys(keys, value) and :maps.from_keys(keys, value) */
Term map_nat_from_keys(Process *p, Term *args) {
    long n = bif_list_length(args[0]);
    if (n < 0) return bif_arg_error(p, 1, "not a list");
    Term *kv = malloc((2 * (size_t)n + 1) * sizeof *kv);
    if (!kv) { fprintf(stderr, "act: out of memory\n"); abort(); }
    Term l = args[0];
    for (long i = 0; i < n; i++, l = CDR(l)) { kv[2 * i] = CAR(l); kv[2 * i + 1] = args[1]; }
    Term m = map_from_pairs(p, (size_t)n, kv);
    free(kv);
    return m;
}
