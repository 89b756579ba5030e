/* main.c — the `act` command line.
 *
 *   act                        the REPL (vm/repl.c, stdlib/iex.act)
 *   act -i FILE.act [ARGS...]  load FILE (modules and top-level code), then the REPL
 *   act FILE.act [ARGS...]     compile FILE, run its top-level code
 *   act --app MOD FILE.act     the same, after starting the application MOD
 *   act -e EXPR [ARGS...]      the same for the text EXPR (file name "nofile")
 *   act disasm FILE.act        print the bytecode of every module of FILE
 *   act --help | --version
 *
 * Start-up: intern the atoms of atoms.def and natives.def, load the embedded
 * stdlib images (already compiled and serialized at build time: no parsing),
 * compile the user's file, register its modules, then run
 * act_script.__script__/0 (the top-level expressions) in the main process.
 *
 * Exit status: 0 when the script returns (or exits with :normal, :shutdown or
 * {:shutdown, _}), n for exit({:shutdown, n}), 1 on an uncaught error (printed
 * to stderr by the stdlib's Exception.format/3, or by a plain C rendering if
 * that fails), 65 on a compile error.
 */
#include "config.h"
#include "atom.h"
#include "heap.h"
#include "interp.h"
#include "module.h"
#include "native.h"
#include "inspect.h"
#include "disasm.h"
#include "stdlib_image.h"
#include "compiler.h"
#include "gc.h"
#include "runtime.h"
#include "repl.h"
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_COMPILE_ERROR 65

static const char usage[] =
    "Usage: act [options] FILE.act [ARGS...]\n"
    "       act [options] -e EXPR [ARGS...]\n"
    "       act [options] [-i FILE.act]      the interactive REPL\n"
    "       act disasm FILE.act\n"
    "\n"
    "Runs an Act program (a subset of Elixir 1.14): compiles every module of\n"
    "FILE.act, then evaluates its top-level expressions in the main process.\n"
    "System.argv() returns ARGS.\n"
    "\n"
    "Options:\n"
    "  -e EXPR           evaluate EXPR instead of a file\n"
    "  -i FILE           load FILE, then start the REPL (`act` alone starts it\n"
    "                    with nothing loaded; h() there lists its helpers)\n"
    "  --schedulers N    number of scheduler threads (default: online cores)\n"
    "  --no-halt         keep running after the top-level code returns, until\n"
    "                    System.halt/1\n"
    "  --app MOD         start the application MOD (a module with start/2) as\n"
    "                    a permanent application, then run the top-level code\n"
    "                    and keep running until System.halt/1 or until the\n"
    "                    application stops (status 1)\n"
    "  --deterministic   one scheduler, a reproducible interleaving chosen by\n"
    "                    --seed N (default 1), timers on a virtual clock\n"
    "  --seed N          the seed of --deterministic\n"
    "  --help, -h        print this help\n"
    "  --version, -v     print the version\n"
    "\n"
    "Exit status: 0 on success, 1 on an uncaught error, 65 on a compile error.\n";

/* ---- the embedded stdlib, loaded on demand ------------------------------
 * At start-up only each image's module name is read, from the header that
 * loader.c writes ("ACTB", version, the atom table, then the module's atom
 * index); the image is loaded, verified and registered the first time the
 * module is looked up (module_set_autoload). An image whose header cannot be
 * read that way is loaded at once: a format change costs start-up time,
 * never correctness. When two images define the same module, the later one
 * wins, as if all were registered in order. */
typedef struct LazyImage {
    Term name;      /* module atom */
    bool loaded;
    Module *mod;    /* once loaded (lazy_lock) */
} LazyImage;
static LazyImage *lazy;
static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

static Module *load_image(size_t i) {
    char err[256];
    Module *m = module_load(act_stdlib_images[i], act_stdlib_sizes[i], err, sizeof err);
    if (!m) {
        fprintf(stderr, "act: corrupt embedded stdlib image %zu: %s\n", i, err);
        exit(70);
    }
    module_register(m);
    return m;
}

static bool peek_var(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t byte = *(*p)++;
        v |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) { *out = v; return true; }
    }
    return false;
}

/* The module atom named in an image's header, or T_NONE. */
static Term peek_module_name(const uint8_t *b, size_t len) {
    const uint8_t *p = b + 4, *end = b + len;
    uint64_t version, natoms, alen, ix;
    if (len < 4 || memcmp(b, MODULE_MAGIC, 4) != 0) return T_NONE;
    if (!peek_var(&p, end, &version) || version != MODULE_VERSION) return T_NONE;
    if (!peek_var(&p, end, &natoms) || natoms > len) return T_NONE;
    const uint8_t **names = malloc((natoms ? natoms : 1) * sizeof *names);
    size_t *lens = malloc((natoms ? natoms : 1) * sizeof *lens);
    Term name = T_NONE;
    if (!names || !lens) goto out;
    for (uint64_t i = 0; i < natoms; i++) {
        if (!peek_var(&p, end, &alen) || alen > (uint64_t)(end - p)) goto out;
        names[i] = p;
        lens[i] = (size_t)alen;
        p += alen;
    }
    if (peek_var(&p, end, &ix) && ix < natoms) name = atom_intern((const char *)names[ix], lens[ix]);
out:
    free(names);
    free(lens);
    return name;
}

static Module *autoload_stdlib(Term name) {
    Module *m = NULL;
    pthread_mutex_lock(&lazy_lock);
    for (size_t i = act_stdlib_count; i-- > 0;) {
        if (lazy[i].name != name) continue;
        /* Another scheduler may have loaded it while this one waited for
         * the lock: answer with that module, never with "undefined". */
        if (!lazy[i].loaded) {
            lazy[i].loaded = true;
            lazy[i].mod = load_image(i);
        }
        m = lazy[i].mod ? lazy[i].mod : module_find_loaded(name);
        break;
    }
    pthread_mutex_unlock(&lazy_lock);
    return m;
}

static void load_stdlib(void) {
    lazy = calloc(act_stdlib_count ? act_stdlib_count : 1, sizeof *lazy);
    if (!lazy) { fputs("act: out of memory\n", stderr); exit(70); }
    for (size_t i = 0; i < act_stdlib_count; i++) {
        lazy[i].name = peek_module_name(act_stdlib_images[i], act_stdlib_sizes[i]);
        if (lazy[i].name == T_NONE) {
            lazy[i].loaded = true;
            load_image(i);
        }
    }
    module_set_autoload(autoload_stdlib);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) { fclose(f); return NULL; }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); return NULL; }
    *len = n;
    return buf;
}

/* compile_kernel_has for the compiler: Kernel's exports, from the embedded
 * stdlib (registered here on first use). */
static bool kernel_has(Term name, uint32_t arity) {
    ExportRef ref;
    if (!lazy) load_stdlib();
    return module_resolve(ATOM_Elixir_Kernel, name, arity, &ref);
}

/* Compile src; print the diagnostic and exit 65 on error. */
static void compile_or_exit(const char *file, const char *src, size_t len, CompileResult *res) {
    Diag d = { 0 };
    if (!compile_source(file, src, len, res, &d)) {
        io_flush();
        diag_print(&d, src, len, stderr);
        exit(EXIT_COMPILE_ERROR);
    }
}

/* ---- --app -----------------------------------------------------------------
 * `act --app MOD FILE.act` runs act_app_main.main/0 in the main process
 * instead of the script: Application.__app_main__(MOD, script module or nil)
 * (stdlib/application.act) starts MOD as a permanent application, runs the
 * top-level code, and sleeps; the application controller halts the VM when
 * the application stops. The entry module is compiled from source here, so
 * MOD must be an alias (Foo.Bar) or an atom name (:foo). */
static bool app_name_ok(const char *m) {
    if (!*m) return false;
    for (const char *c = m + (*m == ':'); *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '.' || *c == '@')) return false;
    return true;
}

/* A one-function entry module compiled from `src` (--app, the REPL); the
 * module table owns it. */
static Module *register_entry(const char *what, const char *src) {
    CompileResult res = { 0 };
    compile_or_exit(what, src, strlen(src), &res);
    Module *m = res.modules[0];
    free(res.modules);
    module_register(m);
    return m;
}

static Module *compile_app_main(const char *app, bool has_script) {
    char src[512];
    snprintf(src, sizeof src,
             "defmodule :act_app_main do\n  def main, do: Application.__app_main__(%s, %s)\nend\n", app,
             has_script ? ":act_script" : "nil");
    return register_entry("--app", src);
}

/* ---- the REPL ----------------------------------------------------------------
 * `act` and `act -i FILE` run act_repl_main.main/0 in the main process:
 * IEx.__start__(script module or nil) (stdlib/iex.act) runs FILE's
 * top-level code in the evaluator, then reads and evaluates until end of
 * input or System.halt/0. */
static Module *compile_repl_main(bool has_script) {
    char src[256];
    snprintf(src, sizeof src, "defmodule :act_repl_main do\n  def main, do: IEx.__start__(%s)\nend\n",
             has_script ? ":act_script" : "nil");
    return register_entry("--repl", src);
}

/* ---- exit ----------------------------------------------------------------
 * Everything the VM allocated is freed before main returns, so that
 * LeakSanitizer reports only real leaks (it costs well under a millisecond:
 * only the modules actually loaded exist). The atom table stays: it is
 * reachable from atom.c's statics for the whole run. */
static void vm_shutdown(void) {
    module_table_free();
    free(lazy);
    lazy = NULL;
    heap_release_spare();
}

/* ---- entry --------------------------------------------------------------- */

int main(int argc, char **argv) {
    const char *expr = NULL, *file = NULL, *app = NULL;
    bool disasm = false, repl = false;
    RuntimeConfig rcfg = { .schedulers = 0, .seed = 1 };
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
#ifdef ACT_GC_STRESS
            /* tests/run.py reads this to apply its GC-stress policy. */
            printf("Act %s (Elixir 1.14 subset) gc-stress\n", ACT_VERSION);
#else
            printf("Act %s (Elixir 1.14 subset)\n", ACT_VERSION);
#endif
            return 0;
        } else if (!strcmp(a, "-e")) {
            if (i + 1 >= argc) { fputs("act: -e needs an expression\n", stderr); return 2; }
            expr = argv[++i];
            i++;
            break;
        } else if (!strcmp(a, "-i")) {
            if (i + 1 >= argc) { fputs("act: -i needs a file\n", stderr); return 2; }
            repl = true;
            file = argv[++i];
            i++;
            break;
        } else if (!strcmp(a, "--schedulers")) {
            if (i + 1 >= argc || atoi(argv[i + 1]) <= 0 || atoi(argv[i + 1]) > 1024) {
                fputs("act: --schedulers needs a number from 1 to 1024\n", stderr);
                return 2;
            }
            rcfg.schedulers = atoi(argv[++i]);
        } else if (!strcmp(a, "--no-halt")) {
            rcfg.no_halt = true;
        } else if (!strcmp(a, "--app")) {
            if (i + 1 >= argc || strlen(argv[i + 1]) > 200 || !app_name_ok(argv[i + 1])) {
                fputs("act: --app needs a module name (Foo.Bar or :foo)\n", stderr);
                return 2;
            }
            app = argv[++i];
        } else if (!strcmp(a, "--deterministic")) {
            rcfg.deterministic = true;
        } else if (!strcmp(a, "--seed")) {
            char *end = NULL;
            if (i + 1 >= argc) { fputs("act: --seed needs a number\n", stderr); return 2; }
            rcfg.seed = strtoull(argv[++i], &end, 10);
            if (!end || *end) { fputs("act: --seed needs a number\n", stderr); return 2; }
        } else if (!strcmp(a, "disasm") && !disasm && !file) {
            disasm = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "act: unknown option %s (see act --help)\n", a);
            return 2;
        } else {
            file = a;
            i++;
            break;
        }
    }
    if (!expr && !file && !disasm && !app) repl = true;
    if (!expr && !file && !repl) {
        fputs(usage, stderr);
        return 2;
    }
    native_set_argv(argc - i, argv + i);

    const char *name = expr ? "nofile" : file;
    size_t len;
    char *src;
    if (repl && !file) {
        len = 0;
        src = (char *)"";
        expr = src; /* nothing to free */
    } else if (expr) {
        len = strlen(expr);
        src = (char *)expr;
    } else {
        src = read_file(file, &len);
        if (!src) {
            fprintf(stderr, "act: cannot read %s: %s\n", file, strerror(errno));
            return 1;
        }
    }

    atom_init();
    module_table_init();

    CompileResult res = { 0 };
    compile_kernel_has = kernel_has;
    compile_or_exit(name, src, len, &res);
    if (disasm) {
        for (size_t k = 0; k < res.nmodules; k++) disasm_module(res.modules[k], stdout);
        if (res.script) disasm_module(res.script, stdout);
        for (size_t k = 0; k < res.nmodules; k++) module_free(res.modules[k]);
        free(res.modules);
        module_free(res.script);
        if (!expr) free(src);
        vm_shutdown();
        return 0;
    }

    if (!lazy) load_stdlib();
    /* The module table owns the modules from here on. */
    for (size_t k = 0; k < res.nmodules; k++) module_register(res.modules[k]);
    free(res.modules);
    int status = 0;
    if (res.script) module_register(res.script);
    /* The main process runs the REPL's or --app's entry module, else the
     * script's top-level code. */
    Term entry_mod = T_NONE, entry_fun = atom_intern_cstr("main");
    if (repl) {
        entry_mod = compile_repl_main(res.script != NULL)->name;
        repl_init();
    } else if (app) {
        entry_mod = compile_app_main(app, res.script != NULL)->name;
    } else if (res.script) {
        entry_mod = res.script->name;
        entry_fun = atom_intern_cstr("__script__");
    }
    if (entry_mod != T_NONE) {
        runtime_init(&rcfg);
        status = runtime_run_main(entry_mod, entry_fun);
        if (repl) repl_stop();
        runtime_shutdown();
    }
    if (!expr) free(src);
    io_flush();
    fflush(stdout);
    vm_shutdown();
    return status;
}
