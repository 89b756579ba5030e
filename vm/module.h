/* module.h — a loaded module, its serialized form, and the global module table.
 *
 * A Module is produced either by the compiler (compiler/codegen.c builds it in
 * memory) or by the loader from its serialized form (vm/loader.c). Both paths
 * give the same structure, and module_serialize(module_load(x)) == x.
 *
 * Invariants:
 *  - A module is immutable once registered in the module table. Hot code
 *    loading (issue 5) replaces the table entry; the old Module stays alive
 *    while a process runs its code.
 *  - Literals live in the module's literal area (`lit`, a heap that is never
 *    collected) and are never written after loading. Process GCs do not copy
 *    them (heap.h).
 *  - Every jump target, register, literal, import, lambda and function index in
 *    `code` was checked by the verifier (or produced by codegen, which the
 *    tests cross-check by round-tripping through the serializer + verifier).
 *  - Function i of a module is the i-th in `funcs`; the exported functions are
 *    those with `exported` set. Lambdas are lifted into ordinary functions
 *    whose first `arity` registers are the arguments and whose next `nfree`
 *    registers are the captured variables.
 */
#ifndef ACT_MODULE_H
#define ACT_MODULE_H
#include "term.h"
#include "process.h"
#include "native.h"

typedef struct LineEntry {
    uint32_t pc;   /* first code word of the instruction */
    uint32_t line; /* source line */
} LineEntry;

typedef struct Function {
    Term name;            /* atom */
    uint32_t arity;
    uint32_t nregs;       /* registers the frame needs (>= arity + nfree) */
    uint32_t *code;
    uint32_t code_len;    /* in words */
    LineEntry *lines;     /* sorted by pc */
    uint32_t nlines;
    bool exported;        /* def (true) or defp / lambda (false) */
    /* Added by codegen: captured variables of a lifted lambda (0 for other
     * functions), equal to its FunEntry's nfree. As on the BEAM, a lambda's
     * stack-trace arity is arity + nfree ("anonymous fn/2 in M.f/1"). */
    uint32_t nfree;
} Function;

typedef struct Import {
    Term module, name;    /* atoms */
    uint32_t arity;
} Import;

typedef struct FunEntry {
    struct Module *module;
    uint32_t func;        /* index of the lifted function in module->funcs */
    uint32_t arity;       /* arguments the fun takes */
    uint32_t nfree;       /* captured variables */
    uint32_t index;       /* lambda index in the module (for printing) */
} FunEntry;

typedef struct DocEntry {
    Term name; uint32_t arity; /* name == ATOM_nil: the @moduledoc */
    const char *text;
} DocEntry;

typedef struct Module {
    Term name;            /* atom, e.g. 'Elixir.Bank.Account' */
    const char *file;     /* source file, for stack traces */
    Function *funcs;
    uint32_t nfuncs;
    Term *literals;
    uint32_t nliterals;
    Process *lit;         /* the literal area: a never-collected heap */
    Import *imports;
    uint32_t nimports;
    FunEntry *lambdas;
    uint32_t nlambdas;
    DocEntry *docs;
    uint32_t ndocs;
    /* Resolved import targets, filled lazily by the interpreter from any
     * scheduler thread: import_ref[i] is NULL or points at an immutable
     * ExportRef (an entry of the target module's `exports`, or of the native
     * table) whose module is current or was current until a load that is
     * still invalidating (module.c, "Hot code loading"). Stored with release
     * by module_cache_import under the table lock, cleared by a load that
     * replaces the target; readers load it with acquire. Allocated by
     * module_register. */
    _Atomic(const struct ExportRef *) *import_ref;
    /* exports[i] = { this module, i, NULL } for every function: what
     * import_ref entries point at (allocated by module_register). */
    struct ExportRef *exports;
    /* Its version state (MOD_*; module.c). Read relaxed by the interpreter
     * when calling a fun: a fun of a MOD_PURGING or MOD_PURGED version
     * raises badfun. */
    _Atomic uint8_t state;
} Module;

/* What a {module, name, arity} resolves to: bytecode or a native. */
typedef struct ExportRef {
    Module *module;       /* NULL for a native */
    uint32_t func;
    NativeFn native;
} ExportRef;

/* ---- serialized form (loader.c) ---------------------------------------
 * A serialized module is a byte string starting with the magic "ACTB", a
 * format version, then sections. module_load verifies everything and returns
 * NULL with a message in err (never crashes) on malformed input. */
#define MODULE_MAGIC "ACTB"
#define MODULE_VERSION 1
typedef struct ByteBuf { uint8_t *data; size_t len, cap; } ByteBuf;
bool module_serialize(const Module *m, ByteBuf *out);
Module *module_load(const uint8_t *bytes, size_t len, char *err, size_t errlen);
/* Verify an in-memory module (used by the loader and by codegen in debug
 * builds). Returns false with a message in err. */
bool module_verify(const Module *m, char *err, size_t errlen);
void module_free(Module *m);

/* ---- the module table (module.c) --------------------------------------
 * Each module name has a current and an old version (hot code loading, as on
 * the BEAM: see "Hot code loading" in docs/architecture.md). */
enum {
    MOD_CURRENT = 0, /* the version remote calls reach */
    MOD_OLD,         /* replaced (or deleted): only running frames and funs reach it */
    MOD_PURGING,     /* old, being purged: its funs raise badfun, processes in it are killed */
    MOD_PURGED,      /* code freed (header, funcs names, lambdas and literals stay) */
};
void module_table_init(void);
/* Register m as the current version of its module. If a current version
 * exists it becomes the old one; an old version already there is dropped
 * from the table but never freed before exit (no process is killed: use
 * module_try_register + purge for the BEAM's semantics). */
void module_register(Module *m);
/* Register m only if its module has no old version (else false: the
 * caller must purge first, erlang:load_module's not_purged). */
bool module_try_register(Module *m);
/* The version states of a name: bit 0 = has a current version, bit 1 = has
 * an old one. */
unsigned module_versions(Term name);
/* :code.delete: make the current version old (no current remains). false
 * if there is no current version or an old one exists. */
bool module_delete(Term name);
/* Purge, step 1: mark the old version MOD_PURGING (its funs raise badfun
 * from now on). false if there is no old version. */
bool module_purge_begin(Term name);
/* Purge, step 2, once no process runs the old version any more (those that
 * did are dead): unlink it from the table and hand its code to free_fn
 * (module_free_code, deferred by the caller past a grace period), or free
 * it at once when free_fn is NULL. Nothing happens if the old version is no
 * longer the one module_purge_begin marked. */
void module_purge_finish(Term name, void (*defer)(void *m, void (*fn)(void *)));
/* Undo module_purge_begin (a soft purge that found users): MOD_OLD again. */
void module_purge_abort(Term name);
/* Free the code of a purged version (obj is its Module). */
void module_free_code(void *m);
/* Whether process p (the caller: p's own frames) runs a version of `name`
 * that is not the current one: erlang:check_process_code. As on OTP 25,
 * funs of that version do not count. */
bool module_process_uses_old(const Process *p, Term name);
/* The process_info item {:"$check_process_code", mod} for p itself (bif_code.c;
 * proc_info_local answers it, so another process asks by SIG_INFO), or
 * T_NONE if item is not that. */
Term code_info_item(Process *p, Term item);
/* Call fn(m, arg) for every current module. */
void module_each_current(void (*fn)(Module *m, void *arg), void *arg);
Module *module_find(Term name);
/* module_find without autoloading: only modules already registered. */
Module *module_find_loaded(Term name);
/* Resolve {mod, name, arity} to bytecode or a native. false if undefined. */
bool module_resolve(Term mod, Term name, uint32_t arity, ExportRef *out);
/* The same, as a pointer to the immutable ExportRef (for import_ref). */
const ExportRef *module_resolve_ref(Term mod, Term name, uint32_t arity);
/* A function module_find calls when `name` is not registered, to load it on
 * demand (main.c registers one for the embedded stdlib); it returns the
 * registered module or NULL. Called without any table lock held. (Added
 * with module.c.) */
void module_set_autoload(Module *(*fn)(Term name));
/* True if mod is a registered module or names natives ("erlang"): what
 * Code.ensure_loaded?/1 answers. (Added with module.c.) */
bool module_available(Term mod);
/* Free every module ever registered (replaced versions too) and the table
 * itself, for a leak-free exit: call it last, when no process runs code any
 * more. module_table_init may be called again afterwards. (Added by the
 * robustness pass, for LeakSanitizer.) */
void module_table_free(void);
/* Publish the resolution of import i of m (see Module.import_ref); not
 * cached if ref's module is no longer current (a load raced with it). */
void module_cache_import(Module *m, uint32_t i, const ExportRef *ref);
/* Find the function index by name/arity in m, or -1. */
int module_func_index(const Module *m, Term name, uint32_t arity);
/* The source line of code offset pc in function f (0 if unknown). */
uint32_t function_line(const Function *f, uint32_t pc);
#endif
