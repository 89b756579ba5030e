/* module.c — the global module table and export resolution.
 *
 * The table maps a module's name atom to its current and old versions. It
 * is indexed by atom index through lazily allocated chunks of MODTAB_CHUNK
 * slots, so a lookup is two loads and no lock:
 *  - a chunk, once published (release store), is never moved or freed
 *    (until module_table_free at exit);
 *  - slot.cur holds the current version (or NULL), published with release
 *    and read with acquire; slot.old the old one (table_lock only).
 * Writers serialise on table_lock.
 *
 * Hot code loading (see docs/architecture.md, "Hot code loading"):
 *  - A Module is never freed while a frame or a callable fun can reach its
 *    code. Replacing the current version makes it old (MOD_OLD) and clears,
 *    under table_lock, every import_ref that points into it; cached imports
 *    are only ever set (module_cache_import, under table_lock) to a target
 *    whose module is still current, so once a load returns no import_ref
 *    leads to the old version, and module_resolve's per-thread cache is
 *    invalidated by table_gen. Only frames already in the old version (and
 *    funs made by it) keep running it.
 *  - A purge first marks the old version MOD_PURGING (fun calls into it then
 *    raise badfun), then the caller (stdlib/code.act) asks every process
 *    whether it still has a frame in it (module_process_uses_old, answered
 *    by the process itself), kills those that do and waits for their DOWN
 *    (funs of it do not count, as on OTP 25: they raise badfun when called);
 *    only then does module_purge_finish unlink it and free its code after a
 *    QSBR grace period. The Module header, its funcs array (names), lambdas
 *    and literal area stay until exit: funs and literal terms of it may
 *    still sit in heaps, messages and ETS tables.
 *
 * Natives shadow bytecode: module_resolve looks {module, name, arity} up in
 * the native table first (an open-addressing hash built once by
 * module_table_init from natives.def), so a stdlib module written in Act may
 * leave some of its functions to C.
 */
#include "module.h"
#include "atom.h"
#include "native.h"
#include "config.h"
#include "disasm.h"
#include "interp.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MODTAB_CHUNK 1024
/* Bumped by every module_register (see the resolution cache below). */
static _Atomic uint32_t table_gen = 1;
typedef struct ModSlot {
    _Atomic(Module *) cur; /* release store, acquire load */
    Module *old;           /* table_lock */
} ModSlot;
static ModSlot *chunks[ATOM_LIMIT / MODTAB_CHUNK];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
/* Every module ever registered, current or replaced, in registration order
 * (guarded by table_lock): the table owns them all, and module_table_free
 * frees them at exit. */
static Module **all_mods;
static size_t nall_mods, all_mods_cap;

/* ---- the native hash ---------------------------------------------------
 * Invariant: slots[i].fn == NULL marks an empty slot; every native_table
 * entry whose atoms could be interned is present exactly once (the first
 * entry wins if natives.def names a function twice). */
typedef struct NativeSlot {
    Term mod, name;
    uint32_t arity;
    NativeFn fn;
    ExportRef ref; /* { NULL, 0, fn }: what import_ref points at */
} NativeSlot;
static NativeSlot *nslots;
static size_t nmask; /* capacity - 1 (capacity is a power of two) */
/* The distinct module atoms of the native table. */
static Term *native_mods;
static size_t nnative_mods;

static inline size_t native_hash(Term mod, Term name, uint32_t arity) {
    uint64_t h = (uint64_t)atom_index(mod) * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)atom_index(name) * 0xC2B2AE3D27D4EB4Full + arity;
    h ^= h >> 29;
    return (size_t)h;
}

static const NativeSlot *native_find(Term mod, Term name, uint32_t arity) {
    if (!nslots) return NULL;
    for (size_t i = native_hash(mod, name, arity) & nmask;; i = (i + 1) & nmask) {
        NativeSlot *s = &nslots[i];
        if (!s->fn) return NULL;
        if (s->mod == mod && s->name == name && s->arity == arity) return s;
    }
}

void module_table_init(void) {
    if (nslots) return;
    size_t cap = 16;
    while (cap < native_count * 2) cap *= 2;
    nslots = calloc(cap, sizeof(NativeSlot));
    if (!nslots) { fprintf(stderr, "act: out of memory (native table)\n"); abort(); }
    nmask = cap - 1;
    native_mods = calloc(native_count + 1, sizeof(Term));
    if (!native_mods) { fprintf(stderr, "act: out of memory (native table)\n"); abort(); }
    for (size_t k = 0; k < native_count; k++) {
        const NativeDef *d = &native_table[k];
        Term mod = atom_intern_cstr(d->module), name = atom_intern_cstr(d->name);
        if (mod == T_NONE || name == T_NONE) continue;
        if (native_find(mod, name, d->arity)) continue;
        size_t j = 0;
        while (j < nnative_mods && native_mods[j] != mod) j++;
        if (j == nnative_mods) native_mods[nnative_mods++] = mod;
        size_t i = native_hash(mod, name, d->arity) & nmask;
        while (nslots[i].fn) i = (i + 1) & nmask;
        nslots[i] = (NativeSlot){ mod, name, d->arity, d->fn, { NULL, 0, d->fn } };
    }
}

/* ---- the module table ---------------------------------------------------- */

/* The slot of atom index ix, allocating its chunk (table_lock held). */
static ModSlot *slot_for(uint32_t ix) {
    ModSlot *chunk = chunks[ix / MODTAB_CHUNK];
    if (!chunk) {
        chunk = calloc(MODTAB_CHUNK, sizeof *chunk);
        if (!chunk) { fprintf(stderr, "act: out of memory (module table)\n"); abort(); }
        __atomic_store_n(&chunks[ix / MODTAB_CHUNK], chunk, __ATOMIC_RELEASE);
    }
    return &chunk[ix % MODTAB_CHUNK];
}

/* The slot of name if its chunk exists, else NULL (any thread). */
static ModSlot *slot_find(Term name) {
    if (!is_atom(name)) return NULL;
    uint32_t ix = atom_index(name);
    if (ix >= ATOM_LIMIT) return NULL;
    ModSlot *chunk = __atomic_load_n(&chunks[ix / MODTAB_CHUNK], __ATOMIC_ACQUIRE);
    return chunk ? &chunk[ix % MODTAB_CHUNK] : NULL;
}

static void oom(void) { fprintf(stderr, "act: out of memory (module table)\n"); abort(); }

/* The per-module arrays the table needs (before m is published). */
static void prepare(Module *m) {
#ifdef ACT_DUMP_BYTECODE
    disasm_module(m, stderr); /* -Ddump_bytecode=true: every module as it loads */
#endif
    if (!m->import_ref) {
        m->import_ref = calloc(m->nimports ? m->nimports : 1, sizeof *m->import_ref);
        if (!m->import_ref) oom();
    }
    if (!m->exports) {
        m->exports = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *m->exports);
        if (!m->exports) oom();
        for (uint32_t i = 0; i < m->nfuncs; i++) m->exports[i] = (ExportRef){ m, i, NULL };
    }
    atomic_store_explicit(&m->state, MOD_CURRENT, memory_order_relaxed);
}

/* Clear every cached import that leads into `gone` (table_lock held). A
 * reader that loaded such an entry just before still finds it valid: gone
 * stays alive as an old version. */
static void invalidate_imports_to(const Module *gone) {
    for (size_t k = 0; k < nall_mods; k++) {
        Module *m = all_mods[k];
        if (!m->import_ref) continue; /* purged */
        for (uint32_t i = 0; i < m->nimports; i++) {
            const ExportRef *r = atomic_load_explicit(&m->import_ref[i], memory_order_relaxed);
            if (r && r->module == gone) atomic_store_explicit(&m->import_ref[i], NULL, memory_order_relaxed);
        }
    }
}

/* Make the current version of slot s old and `next` (NULL: none) current
 * in one store, so that no reader ever finds the name missing in between
 * (table_lock held; s->old empty). Release: a reader that finds next sees
 * it fully built. */
static void replace_current(ModSlot *s, Module *next) {
    Module *cur = atomic_load_explicit(&s->cur, memory_order_relaxed);
    atomic_store_explicit(&cur->state, MOD_OLD, memory_order_relaxed);
    s->old = cur;
    atomic_store_explicit(&s->cur, next, memory_order_release);
    invalidate_imports_to(cur);
}

/* Publish m as current (table_lock held). */
static void install(ModSlot *s, Module *m) {
    if (nall_mods == all_mods_cap) {
        size_t cap = all_mods_cap ? all_mods_cap * 2 : 64;
        Module **bigger = realloc(all_mods, cap * sizeof *bigger);
        if (!bigger) oom();
        all_mods = bigger;
        all_mods_cap = cap;
    }
    all_mods[nall_mods++] = m;
    if (atomic_load_explicit(&s->cur, memory_order_relaxed)) {
        /* An old version still there is only dropped from the slot (never
         * freed before exit: frames may run it). */
        s->old = NULL;
        replace_current(s, m);
    } else {
        atomic_store_explicit(&s->cur, m, memory_order_release);
    }
    __atomic_add_fetch(&table_gen, 1, __ATOMIC_RELEASE);
}

void module_register(Module *m) {
    prepare(m);
    pthread_mutex_lock(&table_lock);
    install(slot_for(atom_index(m->name)), m);
    pthread_mutex_unlock(&table_lock);
}

bool module_try_register(Module *m) {
    prepare(m);
    pthread_mutex_lock(&table_lock);
    ModSlot *s = slot_for(atom_index(m->name));
    bool ok = s->old == NULL;
    if (ok) install(s, m);
    pthread_mutex_unlock(&table_lock);
    return ok;
}

unsigned module_versions(Term name) {
    pthread_mutex_lock(&table_lock);
    ModSlot *s = slot_find(name);
    unsigned v = s ? (atomic_load_explicit(&s->cur, memory_order_relaxed) ? 1u : 0u) | (s->old ? 2u : 0u) : 0u;
    pthread_mutex_unlock(&table_lock);
    return v;
}

bool module_delete(Term name) {
    pthread_mutex_lock(&table_lock);
    ModSlot *s = slot_find(name);
    bool ok = s && atomic_load_explicit(&s->cur, memory_order_relaxed) && !s->old;
    if (ok) {
        replace_current(s, NULL);
        __atomic_add_fetch(&table_gen, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&table_lock);
    return ok;
}

bool module_purge_begin(Term name) {
    pthread_mutex_lock(&table_lock);
    ModSlot *s = slot_find(name);
    bool ok = s && s->old;
    /* Relaxed: a process learns of it through the signal that asks it
     * about its frames (a synchronising push), before it answers. */
    if (ok) atomic_store_explicit(&s->old->state, MOD_PURGING, memory_order_relaxed);
    pthread_mutex_unlock(&table_lock);
    return ok;
}

void module_purge_finish(Term name, void (*defer)(void *m, void (*fn)(void *))) {
    pthread_mutex_lock(&table_lock);
    ModSlot *s = slot_find(name);
    Module *m = s ? s->old : NULL;
    if (m && atomic_load_explicit(&m->state, memory_order_relaxed) == MOD_PURGING) {
        s->old = NULL;
        atomic_store_explicit(&m->state, MOD_PURGED, memory_order_relaxed);
        __atomic_add_fetch(&table_gen, 1, __ATOMIC_RELEASE);
    } else {
        m = NULL;
    }
    pthread_mutex_unlock(&table_lock);
    if (!m) return;
    if (defer) defer(m, module_free_code);
    else module_free_code(m);
}

void module_purge_abort(Term name) {
    pthread_mutex_lock(&table_lock);
    ModSlot *s = slot_find(name);
    if (s && s->old && atomic_load_explicit(&s->old->state, memory_order_relaxed) == MOD_PURGING)
        atomic_store_explicit(&s->old->state, MOD_OLD, memory_order_relaxed);
    pthread_mutex_unlock(&table_lock);
}

void module_free_code(void *obj) {
    Module *m = obj;
    pthread_mutex_lock(&table_lock); /* invalidate_imports_to reads import_ref */
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        free(m->funcs[i].code);
        free(m->funcs[i].lines);
        m->funcs[i].code = NULL;
        m->funcs[i].lines = NULL;
        m->funcs[i].code_len = m->funcs[i].nlines = 0;
    }
    free((void *)m->import_ref);
    m->import_ref = NULL;
    pthread_mutex_unlock(&table_lock);
}

/* Frames only: as on OTP 25, funs of the old version do not count (calling
 * one after the purge raises badfun), nor do its literals (kept, module.c's
 * header comment). */
bool module_process_uses_old(const Process *p, Term name) {
    const Module *cur = module_find_loaded(name);
    for (size_t i = 0; i < p->nframes; i++) {
        const Module *m = p->frames[i].mod;
        if (m && m->name == name && m != cur) return true;
    }
    return false;
}

void module_each_current(void (*fn)(Module *m, void *arg), void *arg) {
    /* Snapshot under the lock, call without it (fn may allocate or look up). */
    pthread_mutex_lock(&table_lock);
    size_t n = 0;
    Module **cur = malloc((nall_mods ? nall_mods : 1) * sizeof *cur);
    for (size_t k = 0; cur && k < nall_mods; k++)
        if (atomic_load_explicit(&all_mods[k]->state, memory_order_relaxed) == MOD_CURRENT
            && module_find_loaded(all_mods[k]->name) == all_mods[k])
            cur[n++] = all_mods[k];
    pthread_mutex_unlock(&table_lock);
    for (size_t k = 0; k < n; k++) fn(cur[k], arg);
    free(cur);
}

static Module *(*autoload)(Term name);

void module_cache_import(Module *m, uint32_t i, const ExportRef *ref) {
    pthread_mutex_lock(&table_lock);
    /* Only a target that is still current: a load that replaced it has
     * already cleared the entries pointing into it, and must not find one
     * set again after it returns. */
    bool current = !ref->module || module_find_loaded(ref->module->name) == ref->module;
    if (current && m->import_ref && !atomic_load_explicit(&m->import_ref[i], memory_order_relaxed))
        /* release: pairs with the interpreter's acquire load. */
        atomic_store_explicit(&m->import_ref[i], ref, memory_order_release);
    pthread_mutex_unlock(&table_lock);
}

void module_table_free(void) {
    pthread_mutex_lock(&table_lock);
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        free(chunks[i]);
        chunks[i] = NULL;
    }
    for (size_t i = nall_mods; i-- > 0;) module_free(all_mods[i]);
    free(all_mods);
    all_mods = NULL;
    nall_mods = all_mods_cap = 0;
    __atomic_add_fetch(&table_gen, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&table_lock);
    free(nslots);
    nslots = NULL;
    free(native_mods);
    native_mods = NULL;
    nnative_mods = 0;
    autoload = NULL;
}

void module_set_autoload(Module *(*fn)(Term name)) { autoload = fn; }

Module *module_find_loaded(Term name) {
    ModSlot *s = slot_find(name);
    return s ? atomic_load_explicit(&s->cur, memory_order_acquire) : NULL;
}

Module *module_find(Term name) {
    Module *m = module_find_loaded(name);
    if (m || !autoload || !is_atom(name)) return m;
    /* The table's answer, not autoload's: a deleted stdlib module is not
     * brought back by a stale pointer the autoloader kept. */
    if (!autoload(name)) return NULL;
    return module_find_loaded(name);
}

bool module_available(Term mod) {
    if (module_find(mod)) return true;
    for (size_t j = 0; j < nnative_mods; j++)
        if (native_mods[j] == mod) return true;
    return false;
}

int module_func_index(const Module *m, Term name, uint32_t arity) {
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->funcs[i].name == name && m->funcs[i].arity == arity) return (int)i;
    return -1;
}

/* ---- resolution cache ------------------------------------------------------
 * Calls through fun values (&M.f/1) and apply/3 resolve at every call; a
 * small direct-mapped cache per thread makes that O(1). An entry is valid
 * while its `gen` equals table_gen, which module_register bumps (so a newly
 * loaded or replaced module is always seen). Only successful resolutions are
 * cached. Per thread, so that entries are never read while being written. */
typedef struct ResolveEntry {
    Term mod, name;
    uint32_t arity;
    uint32_t gen;
    const ExportRef *ref; /* only dereferenced while gen is current */
} ResolveEntry;
#define RESOLVE_CACHE_SIZE 512
static _Thread_local ResolveEntry rcache[RESOLVE_CACHE_SIZE];

static const ExportRef *resolve_uncached(Term mod, Term name, uint32_t arity);

const ExportRef *module_resolve_ref(Term mod, Term name, uint32_t arity) {
    if (!is_atom(mod) || !is_atom(name)) return NULL;
    ResolveEntry *e = &rcache[native_hash(mod, name, arity) & (RESOLVE_CACHE_SIZE - 1)];
    uint32_t gen = __atomic_load_n(&table_gen, __ATOMIC_ACQUIRE);
    if (e->gen == gen && e->mod == mod && e->name == name && e->arity == arity) return e->ref;
    const ExportRef *r = resolve_uncached(mod, name, arity);
    if (r) *e = (ResolveEntry){ mod, name, arity, gen, r };
    return r;
}

bool module_resolve(Term mod, Term name, uint32_t arity, ExportRef *out) {
    const ExportRef *r = module_resolve_ref(mod, name, arity);
    if (r) *out = *r;
    return r != NULL;
}

static const ExportRef *resolve_uncached(Term mod, Term name, uint32_t arity) {
    const NativeSlot *ns = native_find(mod, name, arity);
    if (ns) return &ns->ref;
    Module *m = module_find(mod);
    if (!m) return NULL;
    int i = module_func_index(m, name, arity);
    if (i < 0 || !m->funcs[i].exported) return NULL;
    return &m->exports[i];
}

uint32_t function_line(const Function *f, uint32_t pc) {
    /* The last entry whose pc is <= pc (lines is sorted by pc). */
    uint32_t lo = 0, hi = f->nlines;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->lines[mid].pc <= pc) lo = mid + 1;
        else hi = mid;
    }
    return lo ? f->lines[lo - 1].line : 0;
}
