/* native.c — the native table, raise helpers, and the core natives:
 * exceptions (error/throw/exit), identity (self/make_ref/node), apply,
 * the process dictionary, System, and module introspection.
 *
 * The table is generated from natives.def (X-macro); module.c indexes it.
 * apply/2,3 cannot call guest code from C (native.h), so they trap: the
 * interpreter makes the call in their place.
 */
#define _GNU_SOURCE
#include "native.h"
#include "bif_data.h"
#include "runtime.h"
#include "atom.h"
#include "heap.h"
#include "map.h"
#include "module.h"
#include "termops.h"
#include "inspect.h"
#include "interp.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

const NativeDef native_table[] = {
#define NATIVE(fn, mod, name, arity) { mod, name, arity, fn },
#include "natives.def"
#undef NATIVE
};
const size_t native_count = sizeof native_table / sizeof native_table[0];

/* ---- raising -------------------------------------------------------------- */

Term native_raise(Process *p, Term cls, Term reason) {
    p->exc_class = cls;
    p->exc_reason = reason;
    p->exc_trace = T_NIL;
    return T_NONE;
}

Term native_raise_fc(Process *p, const char *mod, const char *fun, unsigned arity) {
    return native_raise_fc_args(p, mod, fun, make_small(arity));
}

Term native_raise_fc_args(Process *p, const char *mod, const char *fun, Term args) {
    native_raise(p, ATOM_error, ATOM_function_clause);
    Term top = make_tuple(p, 4, (Term[]){ atom_intern_cstr(mod), atom_intern_cstr(fun), args, T_NIL });
    p->exc_trace = make_cons_cell(p, top, T_NIL);
    return T_NONE;
}

Term native_badarg(Process *p) { return native_raise(p, ATOM_error, ATOM_badarg); }

Term native_badarg_at(Process *p, unsigned argno, const char *msg) {
    native_raise(p, ATOM_error, ATOM_badarg);
    /* {:"$error_info", argno, msg, nil}: completed by interp.c */
    Term marker = make_tuple(p, 4, (Term[]){ ATOM__error_info_marker, make_small(argno),
                                             make_cstring(p, msg), ATOM_nil });
    p->exc_trace = make_cons_cell(p, marker, T_NIL);
    return T_NONE;
}
/* :badarg with error info, as the BEAM raises it. `lines` is one or more
 * "  * Nth argument: what\n" lines; the error info holds one argument, so
 * several (int_to_binary with two bad arguments) raise the ArgumentError
 * with the whole text instead. */
Term native_badarg_lines(Process *p, const char *lines)
{
    unsigned argno;
    int used = 0;
    const char *nl = strchr(lines, '\n');
    if (nl && nl[1] == 0 && sscanf(lines, "  * %u%*2[a-z] argument: %n", &argno, &used) == 1 && used > 0) {
        char what[200];
        snprintf(what, sizeof what, "%.*s", (int)(nl - (lines + used)), lines + used);
        return native_badarg_at(p, argno, what);
    }
    char msg[256];
    snprintf(msg, sizeof msg, "errors were found at the given arguments:\n\n%s", lines);
    return native_raise_msg(p, "Elixir.ArgumentError", msg);
}

Term native_badarith(Process *p) { return native_raise(p, ATOM_error, ATOM_badarith); }

Term native_raise_msg(Process *p, const char *module, const char *msg) {
    Term mod = atom_intern_cstr(module);
    Term kv[6] = {
        ATOM___exception__, ATOM_true,
        ATOM___struct__, mod,
        ATOM_message, make_cstring(p, msg),
    };
    return native_raise(p, ATOM_error, map_from_pairs(p, 3, kv));
}

Term native_trap_apply(Process *p, Term mod, Term fun, Term args) {
    p->trap_mod = mod;
    p->trap_fun = fun;
    p->trap_args = args;
    return T_TRAP;
}

Term native_trap_fun(Process *p, Term fun, Term args) {
    return native_trap_apply(p, T_NONE, fun, args);
}

static bool is_proper_list(Term l) { return bif_list_length(l) >= 0; }

/* ---- exceptions ----------------------------------------------------------- */

Term core_error1(Process *p, Term *args) { return native_raise(p, ATOM_error, args[0]); }
/* error(Reason, Args): the arguments only decorate the BEAM's stack trace. */
Term core_error2(Process *p, Term *args) { return native_raise(p, ATOM_error, args[0]); }
Term core_throw(Process *p, Term *args) { return native_raise(p, ATOM_throw, args[0]); }
Term core_exit(Process *p, Term *args) { return native_raise(p, ATOM_exit, args[0]); }

/* erlang:raise(Class, Reason, Stacktrace): raise with the given stack trace
 * (reraise). A bad class or a stack trace that is not a list is badarg. */
Term core_raise3(Process *p, Term *args) {
    Term cls = args[0];
    if ((cls != ATOM_error && cls != ATOM_exit && cls != ATOM_throw) || !is_proper_list(args[2]))
        return native_badarg(p);
    native_raise(p, cls, args[1]);
    p->exc_trace = args[2];
    return T_NONE;
}

/* ---- identity ------------------------------------------------------------- */

Term core_self(Process *p, Term *args) { return p->pid; }
Term core_make_ref(Process *p, Term *args) { return make_ref(p); }
Term core_node(Process *p, Term *args) { return ATOM_nonode_nohost; }

/* ---- yielding (native.h) ---- */

Term native_yield(Process *p, Term result) {
    p->trap_args = result;
    return T_YIELD;
}

/* ---- apply ---------------------------------------------------------------- */

Term core_apply2(Process *p, Term *args) {
    if (!is_proper_list(args[1])) return native_badarg(p);
    return native_trap_fun(p, args[0], args[1]);
}

Term core_apply3(Process *p, Term *args) {
    if (!is_atom(args[0]) || !is_atom(args[1]) || !is_proper_list(args[2])) return native_badarg(p);
    return native_trap_apply(p, args[0], args[1], args[2]);
}

/* ---- process dictionary ------------------------------------------------------
 * p->dict is a proper list of {key, value} tuples with distinct keys (under
 * ===), most recently put first. */

static Term dict_find(Process *p, Term key) {
    for (Term l = p->dict; is_cons(l); l = CDR(l)) {
        Term *e = tuple_elems(CAR(l));
        if (e[0] == key || term_eqx(e[0], key)) return e[1];
    }
    return T_NONE;
}

/* p->dict without key's entry (shares the tail after it). */
static Term dict_without(Process *p, Term key) {
    size_t n = 0;
    Term l = p->dict;
    for (; is_cons(l); l = CDR(l), n++) {
        Term k = tuple_elems(CAR(l))[0];
        if (k == key || term_eqx(k, key)) break;
    }
    if (!is_cons(l)) return p->dict;
    Term rest = CDR(l);
    Term *before = malloc((n ? n : 1) * sizeof(Term));
    if (!before) abort();
    size_t i = 0;
    for (Term m = p->dict; i < n; m = CDR(m)) before[i++] = CAR(m);
    while (i > 0) rest = make_cons_cell(p, before[--i], rest);
    free(before);
    return rest;
}

Term core_dict_get0(Process *p, Term *args) { return p->dict; }

Term core_dict_get1(Process *p, Term *args) {
    Term v = dict_find(p, args[0]);
    return v == T_NONE ? ATOM_nil : v;
}

Term core_dict_get2(Process *p, Term *args) {
    Term v = dict_find(p, args[0]);
    return v == T_NONE ? args[1] : v;
}

Term core_dict_get_keys(Process *p, Term *args) {
    Term out = T_NIL;
    for (Term l = p->dict; is_cons(l); l = CDR(l)) out = make_cons_cell(p, tuple_elems(CAR(l))[0], out);
    return out;
}

Term core_dict_put(Process *p, Term *args) {
    Term old = dict_find(p, args[0]);
    Term rest = old == T_NONE ? p->dict : dict_without(p, args[0]);
    p->dict = make_cons_cell(p, make_tuple2(p, args[0], args[1]), rest);
    return old == T_NONE ? ATOM_nil : old;
}

Term core_dict_delete(Process *p, Term *args) {
    Term old = dict_find(p, args[0]);
    if (old == T_NONE) return ATOM_nil;
    p->dict = dict_without(p, args[0]);
    return old;
}

/* ---- System ----------------------------------------------------------------- */

static int sys_argc;
static char **sys_argv;

void native_set_argv(int argc, char **argv) {
    sys_argc = argc;
    sys_argv = argv;
}

Term core_argv(Process *p, Term *args) {
    Term l = T_NIL;
    for (int i = sys_argc; i-- > 0;) l = make_cons_cell(p, make_cstring(p, sys_argv[i]), l);
    return l;
}

/* System.halt: other schedulers may be running, so the VM ends at once
 * (io_exit) rather than through exit(3) and its handlers. */
Term core_halt0(Process *p, Term *args) { io_exit(0); }

Term core_halt1(Process *p, Term *args) {
    Term s = args[0];
    if (s == ATOM_abort) abort();
    if (!is_small(s) || small_val(s) < 0) return native_badarg(p);
    io_exit((int)(small_val(s) & 0xFF));
}

/* Parts per second of a time unit, or 0 if `unit` is not one. The native
 * unit is the nanosecond, as on the BEAM on Linux. */
static int64_t unit_pps(Term unit) {
    if (is_small(unit) && small_val(unit) > 0) return small_val(unit);
    if (!is_atom(unit)) return 0;
    if (unit == ATOM_second) return 1;
    if (unit == ATOM_millisecond) return 1000;
    if (unit == ATOM_microsecond) return 1000000;
    if (unit == ATOM_nanosecond || unit == ATOM_native) return 1000000000;
    size_t len;
    const char *s = atom_name(unit, &len);
    /* Deprecated plural names, still accepted by Elixir 1.14. */
    if (len == 7 && !memcmp(s, "seconds", 7)) return 1;
    if (len == 13 && !memcmp(s, "milli_seconds", 13)) return 1000;
    if (len == 13 && !memcmp(s, "micro_seconds", 13)) return 1000000;
    if (len == 12 && !memcmp(s, "nano_seconds", 12)) return 1000000000;
    return 0;
}

/* floor(v * to / from) without overflow for the ranges clocks produce. */
static int64_t convert_units(int64_t v, int64_t from, int64_t to) {
    __int128 x = (__int128)v * to;
    __int128 q = x / from;
    if ((x % from != 0) && ((x < 0) != (from < 0))) q--;
    return (int64_t)q;
}

static int64_t clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static Term time_in(Process *p, clockid_t id, Term unit) {
    int64_t pps = unit_pps(unit);
    if (!pps) return native_badarg(p);
    return make_int(p, convert_units(clock_ns(id), 1000000000, pps));
}

Term core_monotonic0(Process *p, Term *args) { return make_int(p, runtime_monotonic_ns()); }
Term core_monotonic1(Process *p, Term *args) {
    int64_t pps = unit_pps(args[0]);
    if (!pps) return native_badarg(p);
    return make_int(p, convert_units(runtime_monotonic_ns(), 1000000000, pps));
}
Term core_system_time0(Process *p, Term *args) { return make_int(p, clock_ns(CLOCK_REALTIME)); }
Term core_system_time1(Process *p, Term *args) { return time_in(p, CLOCK_REALTIME, args[0]); }

Term core_convert_time_unit(Process *p, Term *args) {
    int64_t from = unit_pps(args[1]), to = unit_pps(args[2]);
    if (!is_small(args[0]) || !from || !to) return native_badarg(p);
    return make_int(p, convert_units(small_val(args[0]), from, to));
}

Term core_schedulers_online(Process *p, Term *args) {
    if (runtime_active()) return make_small(sched_count(runtime.sched));
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return make_small(n > 0 ? n : 1);
}

Term core_get_env1(Process *p, Term *args) {
    size_t len;
    if (!is_binary(args[0])) return native_badarg(p);
    const uint8_t *b = binary_bytes(args[0], &len);
    if (memchr(b, 0, len)) return ATOM_nil;
    char *name = malloc(len + 1);
    if (!name) abort();
    memcpy(name, b, len);
    name[len] = 0;
    const char *v = getenv(name);
    free(name);
    return v ? make_cstring(p, v) : ATOM_nil;
}

Term core_get_env2(Process *p, Term *args) {
    Term v = core_get_env1(p, args);
    return v == ATOM_nil ? args[1] : v;
}

/* The versions of the Elixir and OTP this VM mirrors. */
Term core_version(Process *p, Term *args) { return make_cstring(p, "1.14.0"); }
Term core_otp_release(Process *p, Term *args) { return make_cstring(p, "25"); }

/* System.unique_integer/0,1: unique in this run; positive and increasing
 * whatever the options (a valid choice for every option list). */
static _Atomic int64_t unique_counter = 1;
Term core_unique_integer0(Process *p, Term *args) {
    return make_int(p, unique_counter++);
}
Term core_unique_integer1(Process *p, Term *args) {
    if (!is_proper_list(args[0])) return native_badarg(p);
    return make_int(p, unique_counter++);
}

/* ---- modules ---------------------------------------------------------------- */

Term core_function_exported(Process *p, Term *args) {
    ExportRef e;
    if (!is_atom(args[0]) || !is_atom(args[1]) || !is_small(args[2]) || small_val(args[2]) < 0)
        return native_badarg(p);
    return make_bool(module_resolve(args[0], args[1], (uint32_t)small_val(args[2]), &e));
}

Term core_module_loaded(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg(p);
    return make_bool(module_available(args[0]));
}

Term core_ensure_loaded(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg(p);
    if (module_available(args[0])) return make_tuple2(p, ATOM_module, args[0]);
    return make_tuple2(p, ATOM_error, ATOM_nofile);
}
