/* module.c — the global module table and export resolution.
 *
 * The table maps a module's name atom to its current Module. It is indexed
 * by atom index through lazily allocated chunks of MODTAB_CHUNK slots, so a
 * lookup is two loads and no lock:
 *  - a chunk, once published (release store), is never moved or freed;
 *  - a slot holds the current version of a module (or NULL); replacing it
 *    (hot code loading) leaves the old Module alive for running code.
 * Writers (module_register) serialise on one mutex.
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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MODTAB_CHUNK 1024
/* Bumped by every module_register (see the resolution cache below). */
static _Atomic uint32_t table_gen = 1;
static _Atomic(Module *) *chunks[ATOM_LIMIT / MODTAB_CHUNK];
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

static NativeFn native_find(Term mod, Term name, uint32_t arity) {
    if (!nslots) return NULL;
    for (size_t i = native_hash(mod, name, arity) & nmask;; i = (i + 1) & nmask) {
        NativeSlot *s = &nslots[i];
        if (!s->fn) return NULL;
        if (s->mod == mod && s->name == name && s->arity == arity) return s->fn;
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
        nslots[i] = (NativeSlot){ mod, name, d->arity, d->fn };
    }
}

/* ---- the module table ---------------------------------------------------- */

void module_register(Module *m) {
    uint32_t ix = atom_index(m->name);
#ifdef ACT_DUMP_BYTECODE
    disasm_module(m, stderr); /* -Ddump_bytecode=true: every module as it loads */
#endif
    if (!m->import_cache) {
        size_t n = m->nimports ? m->nimports : 1;
        m->import_cache = calloc(n, sizeof(ExportRef));
        m->import_ready = calloc(n, sizeof(uint8_t));
        if (!m->import_cache || !m->import_ready) { fprintf(stderr, "act: out of memory (import cache)\n"); abort(); }
    }
    pthread_mutex_lock(&table_lock);
    if (nall_mods == all_mods_cap) {
        size_t cap = all_mods_cap ? all_mods_cap * 2 : 64;
        Module **bigger = realloc(all_mods, cap * sizeof *bigger);
        if (!bigger) { fprintf(stderr, "act: out of memory (module table)\n"); abort(); }
        all_mods = bigger;
        all_mods_cap = cap;
    }
    all_mods[nall_mods++] = m;
    _Atomic(Module *) *chunk = chunks[ix / MODTAB_CHUNK];
    if (!chunk) {
        chunk = calloc(MODTAB_CHUNK, sizeof *chunk);
        if (!chunk) { fprintf(stderr, "act: out of memory (module table)\n"); abort(); }
        __atomic_store_n(&chunks[ix / MODTAB_CHUNK], chunk, __ATOMIC_RELEASE);
    }
    chunk[ix % MODTAB_CHUNK] = m;
    __atomic_add_fetch(&table_gen, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&table_lock);
}

static Module *(*autoload)(Term name);

void module_cache_import(Module *m, uint32_t i, const ExportRef *ref) {
    pthread_mutex_lock(&table_lock);
    if (!atomic_load_explicit(&m->import_ready[i], memory_order_relaxed)) {
        m->import_cache[i] = *ref;
        /* release: pairs with the interpreter's acquire load of the flag,
         * so a reader that sees it set sees the whole ExportRef. */
        atomic_store_explicit(&m->import_ready[i], 1, memory_order_release);
    }
    pthread_mutex_unlock(&table_lock);
}

void module_table_free(void) {
    pthread_mutex_lock(&table_lock);
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        free((void *)chunks[i]);
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
    if (!is_atom(name)) return NULL;
    uint32_t ix = atom_index(name);
    if (ix >= ATOM_LIMIT) return NULL;
    _Atomic(Module *) *chunk = __atomic_load_n(&chunks[ix / MODTAB_CHUNK], __ATOMIC_ACQUIRE);
    return chunk ? chunk[ix % MODTAB_CHUNK] : NULL;
}

Module *module_find(Term name) {
    Module *m = module_find_loaded(name);
    if (!m && autoload && is_atom(name)) m = autoload(name);
    return m;
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
    ExportRef ref;
} ResolveEntry;
#define RESOLVE_CACHE_SIZE 512
static _Thread_local ResolveEntry rcache[RESOLVE_CACHE_SIZE];

static bool resolve_uncached(Term mod, Term name, uint32_t arity, ExportRef *out);

bool module_resolve(Term mod, Term name, uint32_t arity, ExportRef *out) {
    if (!is_atom(mod) || !is_atom(name)) return false;
    ResolveEntry *e = &rcache[native_hash(mod, name, arity) & (RESOLVE_CACHE_SIZE - 1)];
    uint32_t gen = __atomic_load_n(&table_gen, __ATOMIC_ACQUIRE);
    if (e->gen == gen && e->mod == mod && e->name == name && e->arity == arity) {
        *out = e->ref;
        return true;
    }
    if (!resolve_uncached(mod, name, arity, out)) return false;
    *e = (ResolveEntry){ mod, name, arity, gen, *out };
    return true;
}

static bool resolve_uncached(Term mod, Term name, uint32_t arity, ExportRef *out) {
    NativeFn nf = native_find(mod, name, arity);
    if (nf) {
        *out = (ExportRef){ .module = NULL, .func = 0, .native = nf };
        return true;
    }
    Module *m = module_find(mod);
    if (!m) return false;
    int i = module_func_index(m, name, arity);
    if (i < 0 || !m->funcs[i].exported) return false;
    *out = (ExportRef){ .module = m, .func = (uint32_t)i, .native = NULL };
    return true;
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
