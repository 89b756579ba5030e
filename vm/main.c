/* main.c — the `act` command line.
 *
 *   act FILE.act [ARGS...]     compile FILE, run its top-level code
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
    "       act disasm FILE.act\n"
    "\n"
    "Runs an Act program (a subset of Elixir 1.14): compiles every module of\n"
    "FILE.act, then evaluates its top-level expressions in the main process.\n"
    "System.argv() returns ARGS.\n"
    "\n"
    "Options:\n"
    "  -e EXPR           evaluate EXPR instead of a file\n"
    "  --schedulers N    number of scheduler threads (accepted; one runs for now)\n"
    "  --no-halt         keep running after the top-level code returns\n"
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
        if (!lazy[i].loaded) {
            lazy[i].loaded = true;
            m = load_image(i);
        }
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

/* ---- uncaught errors ----------------------------------------------------- */

/* Exit status for exit(reason) of the main process, or -1: print it. */
static int exit_status_for(Term reason) {
    if (reason == ATOM_normal || reason == ATOM_shutdown) return 0;
    if (is_tuple(reason) && tuple_arity(reason) == 2 && tuple_elems(reason)[0] == ATOM_shutdown) {
        Term n = tuple_elems(reason)[1];
        if (is_small(n)) return (int)(small_val(n) & 0xFF);
        return 0;
    }
    return -1;
}

/* "** (kind) <inspect reason>\n" into b: the fallback rendering. */
static void render_plain(StrBuf *b, Term cls, Term reason) {
    size_t n;
    const char *kind = atom_name(cls, &n);
    strbuf_puts(b, "** (");
    strbuf_put(b, kind, n);
    strbuf_puts(b, ") ");
    inspect_to_buf(b, reason, &inspect_default_opts);
    strbuf_putc(b, '\n');
}

/* Print the uncaught exception held in p's exception fields with the
 * stdlib's Exception.format/3, run in p itself. The plain rendering is made
 * first (on the C heap), because the formatter's run may collect the heap
 * and overwrite the exception fields. */
static void print_uncaught(Process *p) {
    StrBuf plain = { 0 };
    render_plain(&plain, p->exc_class, p->exc_reason);
    Term args = make_list(p, 3, (Term[]){ p->exc_class, p->exc_reason, p->exc_trace });
    if (interp_setup_apply(p, atom_intern_cstr("Elixir.Exception"), atom_intern_cstr("format"), args)
        && interp_run(p, 0) == RUN_DONE && is_binary(interp_result(p))) {
        size_t len;
        const uint8_t *bytes = binary_bytes(interp_result(p), &len);
        if (len > 0 && bytes[len - 1] == '\n') io_write(IO_STDERR, bytes, len);
        else io_write_line(IO_STDERR, bytes, len);
    } else {
        io_write(IO_STDERR, plain.data, plain.len);
    }
    strbuf_free(&plain);
}

/* Run the main process to its end; returns the exit status. */
static int run_main(Process *p) {
    for (;;) {
        RunStatus st = interp_run(p, 0);
        switch (st) {
        case RUN_DONE:
            return 0;
        case RUN_YIELD:
            continue;
        case RUN_WAIT: {
            /* No other process exists yet: only a timeout can wake it. */
            if (p->deadline < 0) {
                static const char msg[] = "act: deadlock: the main process waits for a message no process can send\n";
                io_flush();
                io_write(IO_STDERR, msg, sizeof msg - 1);
                return 1;
            }
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            int64_t left = p->deadline - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
            if (left > 0) {
                struct timespec ts = { .tv_sec = left / 1000000000, .tv_nsec = left % 1000000000 };
                while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
            }
            interp_timeout(p);
            continue;
        }
        case RUN_ERROR:
            if (p->exc_class == ATOM_exit) {
                int s = exit_status_for(p->exc_reason);
                if (s >= 0) return s;
            }
            io_flush(); /* what the program printed comes first */
            print_uncaught(p);
            return 1;
        }
    }
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
    const char *expr = NULL, *file = NULL;
    bool disasm = false;
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
        } else if (!strcmp(a, "--schedulers")) {
            if (i + 1 >= argc || atoi(argv[i + 1]) <= 0) {
                fputs("act: --schedulers needs a positive number\n", stderr);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--no-halt")) {
            /* Only meaningful with processes; the main process ends the run. */
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
    if (!expr && !file) {
        fputs(usage, stderr);
        return 2;
    }
    native_set_argv(argc - i, argv + i);

    const char *name = expr ? "nofile" : file;
    size_t len;
    char *src;
    if (expr) {
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
    if (res.script) {
        module_register(res.script);
        Process *p = process_new(GC_MIN_HEAP);
        interp_setup_apply(p, res.script->name, atom_intern_cstr("__script__"), T_NIL);
        status = run_main(p);
        process_free(p);
    }
    if (!expr) free(src);
    io_flush();
    fflush(stdout);
    vm_shutdown();
    return status;
}
