/* test_hotcode.c — the module version table (vm/module.c, "Hot code
 * loading") at the C level: current and old versions, not_purged, import
 * cache invalidation, purge (begin / abort / finish), delete, the frame
 * check behind check_process_code, and lock-free readers racing loads.
 * Modules are compiled from source (compiler/compiler.h); no scheduler
 * runs, so a purge's free is immediate (module_purge_finish with no defer). */
#include "unit.h"
#include "../../vm/module.h"
#include "../../vm/interp.h"
#include "../../vm/atom.h"
#include "../../compiler/compiler.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

static Term A(const char *s) { return atom_intern_cstr(s); }

/* The one module `src` defines (the caller owns it until registered). */
static Module *compile1(const char *src) {
    CompileResult r = { 0 };
    Diag d = { 0 };
    if (!compile_source("t.act", src, strlen(src), &r, &d) || r.nmodules != 1) {
        fprintf(stderr, "compile failed: %s\n", d.msg);
        abort();
    }
    Module *m = r.modules[0];
    r.nmodules = 0;
    free(r.modules);
    r.modules = NULL;
    compile_result_free(&r);
    return m;
}

static Module *version_of(const char *mod, int v) {
    char src[256];
    snprintf(src, sizeof src, "defmodule %s do\n  def f, do: %d\nend\n", mod, v);
    return compile1(src);
}

/* A process whose only frame runs m (enough for module_process_uses_old). */
static bool runs_old(Module *m, Term name) {
    Frame fr = { .mod = m, .fn = m ? &m->funcs[0] : NULL };
    Process p;
    memset(&p, 0, sizeof p);
    p.frames = &fr;
    p.nframes = 1;
    return module_process_uses_old(&p, name);
}

static int import_index(const Module *m, Term mod, Term name) {
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].module == mod && m->imports[i].name == name) return (int)i;
    return -1;
}

static void test_versions_and_purge(void) {
    Term M = A("Elixir.HotA"), f = A("f");
    Module *v1 = version_of("HotA", 1), *v2 = version_of("HotA", 2), *v3 = version_of("HotA", 3);
    CHECK_EQ_INT(module_versions(M), 0);
    CHECK(module_try_register(v1));
    CHECK(module_find_loaded(M) == v1);
    CHECK_EQ_INT(module_versions(M), 1);
    CHECK(!module_purge_begin(M)); /* nothing old to purge */

    /* A caller whose import of HotA.f/0 is cached to v1. */
    Module *c = compile1("defmodule HotCaller do\n  def g, do: HotA.f()\nend\n");
    module_register(c);
    int i = import_index(c, M, f);
    REQUIRE(i >= 0);
    const ExportRef *r1 = module_resolve_ref(M, f, 0);
    REQUIRE(r1 && r1->module == v1);
    module_cache_import(c, (uint32_t)i, r1);
    CHECK(atomic_load(&c->import_ref[i]) == r1);

    /* v2: v1 becomes old, the cached import is cleared, remote calls reach v2. */
    CHECK(module_try_register(v2));
    CHECK_EQ_INT(module_versions(M), 3);
    CHECK(module_find_loaded(M) == v2);
    CHECK_EQ_INT(atomic_load(&v1->state), MOD_OLD);
    CHECK(atomic_load(&c->import_ref[i]) == NULL);
    CHECK(module_resolve_ref(M, f, 0)->module == v2);
    /* A resolution of v1 that raced the load is not cached again. */
    module_cache_import(c, (uint32_t)i, r1);
    CHECK(atomic_load(&c->import_ref[i]) == NULL);

    /* v3 needs v1 purged first (erlang:load_module's not_purged). */
    CHECK(!module_try_register(v3));
    CHECK(runs_old(v1, M));
    CHECK(!runs_old(v2, M));
    CHECK(!runs_old(c, M));

    /* A soft purge that finds users backs out. */
    CHECK(module_purge_begin(M));
    CHECK_EQ_INT(atomic_load(&v1->state), MOD_PURGING);
    module_purge_abort(M);
    CHECK_EQ_INT(atomic_load(&v1->state), MOD_OLD);

    /* The purge: v1's code goes, its header, names and lambdas stay. */
    CHECK(module_purge_begin(M));
    module_purge_finish(M, NULL);
    CHECK_EQ_INT(atomic_load(&v1->state), MOD_PURGED);
    CHECK(v1->funcs[0].code == NULL);
    CHECK(v1->funcs[0].name == f);
    CHECK_EQ_INT(module_versions(M), 1);
    module_purge_finish(M, NULL); /* nothing marked: no effect */
    CHECK(module_find_loaded(M) == v2);

    CHECK(module_try_register(v3));
    CHECK(module_find_loaded(M) == v3);

    /* delete: no current version any more, remote calls are undefined. */
    CHECK(!module_delete(M)); /* v2 is still old */
    CHECK(module_purge_begin(M));
    module_purge_finish(M, NULL);
    CHECK(module_delete(M));
    CHECK(module_find_loaded(M) == NULL);
    CHECK(module_resolve_ref(M, f, 0) == NULL);
    CHECK_EQ_INT(module_versions(M), 2);
    CHECK(runs_old(v3, M)); /* a deleted version is old code */
    CHECK(!module_delete(M));
}

/* module_register (the REPL's and the script's path) never fails: an old
 * version still there is dropped from the table, not freed. */
static void test_register_drops_old(void) {
    Term M = A("Elixir.HotB");
    Module *v[3];
    for (int k = 0; k < 3; k++) {
        v[k] = version_of("HotB", k + 1);
        module_register(v[k]);
    }
    CHECK(module_find_loaded(M) == v[2]);
    CHECK_EQ_INT(module_versions(M), 3);
    CHECK_EQ_INT(atomic_load(&v[0]->state), MOD_OLD);
    CHECK(v[0]->funcs[0].code != NULL);
}

/* Readers resolving HotC.f/0 lock-free while versions are loaded and
 * purged: the name never looks missing and a reader never goes back to an
 * older version. */
#define NLOADS 200
static Module *cversions[NLOADS];
static atomic_bool stop;

static int version_index(const Module *m) {
    for (int k = 0; k < NLOADS; k++)
        if (cversions[k] == m) return k;
    return -1;
}

static void *reader(void *arg) {
    long *bad = arg;
    Term M = A("Elixir.HotC"), f = A("f");
    int last = 0;
    while (!atomic_load(&stop)) {
        const ExportRef *r = module_resolve_ref(M, f, 0);
        int k = r ? version_index(r->module) : -1;
        if (k < last) (*bad)++;
        else last = k;
    }
    return NULL;
}

static void test_readers_race_loads(void) {
    Term M = A("Elixir.HotC");
    for (int k = 0; k < NLOADS; k++) cversions[k] = version_of("HotC", k);
    module_register(cversions[0]);
    pthread_t th[3];
    long bad[3] = { 0 };
    for (int t = 0; t < 3; t++) pthread_create(&th[t], NULL, reader, &bad[t]);
    for (int k = 1; k < NLOADS; k++) {
        if (module_purge_begin(M)) module_purge_finish(M, NULL);
        CHECK(module_try_register(cversions[k]));
    }
    atomic_store(&stop, true);
    for (int t = 0; t < 3; t++) pthread_join(th[t], NULL);
    for (int t = 0; t < 3; t++) CHECK_EQ_INT(bad[t], 0);
    CHECK(module_find_loaded(M) == cversions[NLOADS - 1]);
}

int main(void) {
    atom_init();
    module_table_init();
    RUN(test_versions_and_purge);
    RUN(test_register_drops_old);
    RUN(test_readers_race_loads);
    module_table_free();
    return unit_summary();
}
