/* bif_code.c — code loading natives: compile, load, delete, purge, and the
 * checks a purge needs. stdlib/code.act builds Code.load_file/compile_file/
 * compile_string and :code.load_binary/purge/soft_purge/delete on top of
 * them, as code_server does on the BEAM.
 *
 * The version table and its invariants are in module.c ("Hot code
 * loading"); docs/architecture.md has the whole design. In short: a purge is
 *   :erts_internal.purge_module(mod, :prepare)    old version -> MOD_PURGING
 *   ask every process :erlang.check_process_code  (a signal it answers itself)
 *   kill those that answer true, wait for their DOWN
 *   :erts_internal.purge_module(mod, :complete)   unlink, free after a grace period
 * (or :abort, back to MOD_OLD, for a soft purge that found users).
 */
#include "module.h"
#include "atom.h"
#include "heap.h"
#include "binary.h"
#include "native.h"
#include "runtime.h"
#include "inspect.h"
#include "compiler.h"
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The process_info item of a check_process_code request. */
static Term check_item(void) { return atom_intern_cstr("$check_process_code"); }

/* A NUL-terminated copy of binary t, or NULL if t is not a binary. */
static char *cstr_of(Term t, size_t *len) {
    if (!is_binary(t)) return NULL;
    size_t n;
    const uint8_t *b = binary_bytes(t, &n);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, b, n);
    s[n] = '\0';
    if (len) *len = n;
    return s;
}

static Term charlist_of(Process *p, const char *s) {
    size_t n = strlen(s);
    Term l = T_NIL;
    for (size_t i = n; i-- > 0;) l = make_cons_cell(p, make_small((unsigned char)s[i]), l);
    return l;
}

/* A fresh name for the top-level code of a loaded file: its module runs
 * once, in the loading process, and must not replace act_script (the
 * running program's own top-level code). */
static Term script_name(void) {
    static _Atomic unsigned long counter;
    char name[64];
    snprintf(name, sizeof name, "act_script_%lu", atomic_fetch_add(&counter, 1) + 1);
    return atom_intern_cstr(name);
}

/* {[{mod, serialized}], script module | nil} of res; registers the script. */
static Term compiled(Process *p, CompileResult *res) {
    Term list = T_NIL;
    for (size_t i = res->nmodules; i-- > 0;) {
        ByteBuf buf = { 0 };
        if (!module_serialize(res->modules[i], &buf)) {
            free(buf.data);
            return native_raise_msg(p, "Elixir.CompileError", "module could not be serialized");
        }
        Term bin = make_binary(p, buf.data, buf.len);
        free(buf.data);
        list = make_cons_cell(p, make_tuple2(p, res->modules[i]->name, bin), list);
    }
    Term script = ATOM_nil;
    if (res->script) {
        res->script->name = script_name();
        module_register(res->script);
        script = res->script->name;
        res->script = NULL;
    }
    return make_tuple2(p, list, script);
}

static Term compile_text(Process *p, const char *file, const char *src, size_t len) {
    CompileResult res = { 0 };
    Diag d = { 0 };
    if (!compile_source(file, src, len, &res, &d)) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s:%d: %s", d.file ? d.file : file, d.line, d.msg);
        return native_raise_msg(p, "Elixir.CompileError", msg);
    }
    Term r = compiled(p, &res);
    compile_result_free(&res);
    return r;
}

/* :act_code.compile(source, file) -> {[{mod, binary}], script | nil}. */
Term code_nat_compile(Process *p, Term *args) {
    size_t len;
    char *src = cstr_of(args[0], &len), *file = cstr_of(args[1], NULL);
    Term r = src && file ? compile_text(p, file, src, len) : native_badarg(p);
    free(src);
    free(file);
    return r;
}

/* :act_code.compile_file(path) -> as compile/2; Code.LoadError if unreadable. */
Term code_nat_compile_file(Process *p, Term *args) {
    char *path = cstr_of(args[0], NULL);
    if (!path) return native_badarg(p);
    FILE *f = fopen(path, "rb");
    if (!f) {
        char msg[4200];
        snprintf(msg, sizeof msg, "could not load %s. Reason: %s", path, errno == ENOENT ? "enoent" : strerror(errno));
        free(path);
        return native_raise_msg(p, "Elixir.Code.LoadError", msg);
    }
    size_t cap = 1 << 16, n = 0;
    char *src = malloc(cap);
    while (src) {
        n += fread(src + n, 1, cap - n, f);
        if (n < cap) break;
        char *bigger = realloc(src, cap * 2);
        if (!bigger) { free(src); src = NULL; break; }
        src = bigger;
        cap *= 2;
    }
    fclose(f);
    Term r = src ? compile_text(p, path, src, n) : native_raise_msg(p, "Elixir.Code.LoadError", "out of memory");
    free(src);
    free(path);
    return r;
}

/* :erlang.load_module(mod, binary) -> {:module, mod} | {:error, :badfile |
 * :not_purged}: the binary becomes the current version, the current one
 * becomes old. */
Term code_nat_load_module(Process *p, Term *args) {
    if (!is_atom(args[0]) || !is_binary(args[1])) return native_badarg(p);
    size_t n;
    const uint8_t *b = binary_bytes(args[1], &n);
    char err[256];
    Module *m = module_load(b, n, err, sizeof err);
    if (!m || m->name != args[0]) {
        module_free(m);
        return make_tuple2(p, ATOM_error, atom_intern_cstr("badfile"));
    }
    if (!module_try_register(m)) {
        module_free(m);
        return make_tuple2(p, ATOM_error, atom_intern_cstr("not_purged"));
    }
    return make_tuple2(p, ATOM_module, args[0]);
}

Term code_nat_check_old_code(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg(p);
    return make_bool((module_versions(args[0]) & 2) != 0);
}

/* :erlang.delete_module(mod) -> true | :undefined; badarg if an old version
 * is still there. */
Term code_nat_delete_module(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg(p);
    unsigned v = module_versions(args[0]);
    if (v & 2) return native_badarg(p);
    if (!(v & 1)) return ATOM_undefined;
    return module_delete(args[0]) ? ATOM_true : native_badarg(p);
}

/* :erts_internal.purge_module(mod, :prepare | :complete | :abort). */
Term code_nat_purge_module(Process *p, Term *args) {
    Term mod = args[0], op = args[1];
    if (!is_atom(mod)) return native_badarg(p);
    if (op == atom_intern_cstr("prepare")) return make_bool(module_purge_begin(mod));
    if (op == atom_intern_cstr("complete")) {
        module_purge_finish(mod, runtime_retire);
        return ATOM_true;
    }
    if (op == atom_intern_cstr("abort")) {
        module_purge_abort(mod);
        return ATOM_true;
    }
    return native_badarg(p);
}

/* The process_info item {:"$check_process_code", mod}, answered by p for
 * itself (its own SIG_INFO handler or a call about self()). */
Term code_info_item(Process *p, Term item) {
    if (!is_tuple(item) || tuple_arity(item) != 2 || tuple_elems(item)[0] != check_item()) return T_NONE;
    return make_bool(module_process_uses_old(p, tuple_elems(item)[1]));
}

/* :erlang.check_process_code(pid, mod): whether pid runs (has a frame of)
 * a version of mod that is not the current one (funs do not count). Another
 * process answers for itself: trap to :code.__check_remote__/2 (stdlib/code.act). */
Term code_nat_check_process_code(Process *p, Term *args) {
    if (!is_pid(args[0])) return native_badarg_at(p, 1, "not a pid");
    if (!is_atom(args[1])) return native_badarg_at(p, 2, "not an atom");
    if (args[0] == p->pid) return make_bool(module_process_uses_old(p, args[1]));
    Term a = make_list(p, 2, args);
    return native_trap_apply(p, atom_intern_cstr("code"), atom_intern_cstr("__check_remote__"), a);
}

/* :code.is_loaded(mod) -> {:file, charlist} | {:file, :preloaded} | false.
 * The embedded stdlib counts as loaded (it is, lazily). */
Term code_nat_is_loaded(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg(p);
    if (!module_available(args[0])) return ATOM_false;
    Module *m = module_find(args[0]);
    Term file = m && m->file ? charlist_of(p, m->file) : atom_intern_cstr("preloaded");
    return make_tuple2(p, atom_intern_cstr("file"), file);
}

typedef struct Collect { Process *p; Term list; } Collect;

static void collect_one(Module *m, void *arg) {
    Collect *c = arg;
    size_t n;
    const char *name = atom_name(m->name, &n);
    if (n >= 10 && !memcmp(name, "act_script", 10)) return; /* top-level code, not a module */
    Term file = m->file ? charlist_of(c->p, m->file) : atom_intern_cstr("preloaded");
    c->list = make_cons_cell(c->p, make_tuple2(c->p, m->name, file), c->list);
}

/* :code.all_loaded() -> [{mod, file}] of the current versions loaded so far. */
Term code_nat_all_loaded(Process *p, Term *args) {
    (void)args;
    Collect c = { p, T_NIL };
    module_each_current(collect_one, &c);
    return c.list;
}
