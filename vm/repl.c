/* repl.c — the C half of the REPL (see repl.h and docs/architecture.md,
 * "## REPL").
 *
 * Threads. The REPL server (IEx, the main process) asks for an expression
 * with :act_repl.read/1; one reader thread reads lines until the text is
 * complete (the real parser decides: "missing terminator" and "unexpected end
 * of file" mean "more to come") and answers with the message
 * {:"$repl_input", ref, text | :eof}, so no scheduler ever blocks on input.
 * On a terminal the lines come from libedit (el_gets), whose character
 * reader (read_char) also watches a wake pipe; elsewhere from plain read(2).
 *
 * Ctrl-C. On a terminal repl_init blocks SIGINT (and SIGWINCH) in every
 * thread and one thread waits for them with sigwait, so no code runs in a
 * signal handler.
 * While a line is being edited, Ctrl-C abandons it (the wake pipe makes
 * read_char fail); otherwise the REPL server gets {:"$repl_interrupt"} and
 * kills its evaluator.
 *
 * Invariants:
 *  - `lock` guards the request slot, the completion variables and `server`.
 *  - Only the reader thread touches the EditLine and its History.
 *  - The reader and Ctrl-C threads use the runtime (runtime_push) only
 *    while registered online with the process table and holding push_lock,
 *    and never after repl_stop (main calls it before runtime_shutdown), as
 *    stdin.c does.
 */
#include "repl.h"
#include "runtime.h"
#include "ptab.h"
#include "heap.h"
#include "atom.h"
#include "module.h"
#include "native.h"
#include "inspect.h"
#include "binary.h"
#include "compiler.h"
#include "parser.h"
#include "stdin.h"
#include <histedit.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool tty;                 /* stdin is a terminal: libedit, Ctrl-C */
static bool reader_started;
static bool pending;             /* a read request waits in req_* */
static Term req_pid;
static uint64_t req_ref;
static long req_counter;
static Term server = T_NONE;     /* the last reader, told about Ctrl-C */
static _Atomic bool editing;     /* the reader is inside el_gets */
static _Atomic bool interrupted; /* Ctrl-C while editing */
static _Atomic bool resized;     /* SIGWINCH since libedit last looked */
static int wake_pipe[2] = { -1, -1 };
static char **vars;              /* bound variable names, for completion */
static size_t nvars;

/* ---- messages to the REPL server ----------------------------------------- */

/* Send msg, built by `build` on a scratch heap, to pid from a thread that is
 * not a scheduler (the reader, the Ctrl-C thread: each has its own
 * process-table registration). */
/* push_lock guards `stopped` and every use of the runtime by these threads
 * (as stdin.c's lock): repl_stop sets `stopped` under it, so once it
 * returns no REPL thread is inside the process table that
 * runtime_shutdown is about to free. */
static pthread_mutex_t push_lock = PTHREAD_MUTEX_INITIALIZER;
static bool stopped;

static void push_from_thread(Term pid, Term (*build)(Process *, void *), void *arg) {
    static _Thread_local int tid = -1;
    pthread_mutex_lock(&push_lock);
    if (stopped || !runtime_active()) goto out;
    if (tid < 0) {
        tid = ptab_thread_register(runtime.ptab);
        if (tid < 0) goto out;
        ptab_thread_offline(runtime.ptab, tid);
    }
    Process *scratch = process_new(256);
    Message *m = mailbox_msg_new(build(scratch, arg));
    ptab_thread_online(runtime.ptab, tid);
    runtime_push(pid, m);
    ptab_thread_offline(runtime.ptab, tid);
    process_free(scratch);
out:
    pthread_mutex_unlock(&push_lock);
}

void repl_stop(void) {
    pthread_mutex_lock(&push_lock);
    stopped = true;
    pthread_mutex_unlock(&push_lock);
}

typedef struct Answer { uint64_t ref; StrBuf *text; } Answer;

static Term build_answer(Process *s, void *arg) {
    Answer *a = arg;
    Term data = a->text ? strbuf_to_binary(s, a->text) : atom_intern_cstr("eof");
    return make_tuple3(s, atom_intern_cstr("$repl_input"), make_ref_id(s, a->ref), data);
}

static Term build_interrupt(Process *s, void *arg) {
    (void)arg;
    Term t = atom_intern_cstr("$repl_interrupt");
    return make_tuple(s, 1, &t);
}

/* ---- Ctrl-C ---------------------------------------------------------------- */

static void *sigint_thread(void *arg) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGWINCH);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0) continue;
        if (sig == SIGWINCH) {
            /* libedit learns the new width before its next character */
            atomic_store(&resized, true);
            char c = 2;
            if (atomic_load(&editing) && write(wake_pipe[1], &c, 1) < 0) { /* polled anyway */ }
            continue;
        }
        if (atomic_load(&editing)) {
            atomic_store(&interrupted, true);
            char c = 1;
            if (write(wake_pipe[1], &c, 1) < 0) { /* the reader polls anyway */ }
            continue;
        }
        pthread_mutex_lock(&lock);
        Term pid = server;
        pthread_mutex_unlock(&lock);
        if (pid != T_NONE) push_from_thread(pid, build_interrupt, arg);
    }
    return NULL;
}

void repl_init(void) {
    tty = isatty(0) && isatty(1);
    if (!tty) return;
    setlocale(LC_CTYPE, "");
    if (pipe(wake_pipe) != 0) return;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, sigint_thread, NULL) == 0) pthread_detach(t);
}

/* ---- completeness ------------------------------------------------------------ */

/* Whether src ends inside an open construct: the parser's error is one
 * that more input could fix. */
static bool incomplete(const char *src, size_t len) {
    AstArena *a = ast_arena_new();
    Diag d = { 0 };
    Node *prog = parse_program(a, "iex", src, len, &d);
    ast_arena_free(a);
    if (prog || !d.set) return false;
    return !strncmp(d.msg, "missing terminator", 18) || !strncmp(d.msg, "missing interpolation terminator", 32) ||
           !strcmp(d.msg, "unexpected end of file");
}

static bool blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
    return true;
}

/* ---- line editing ------------------------------------------------------------- */

static EditLine *el;
static History *hist;
static bool interrupted_empty; /* Ctrl-C came on an empty line */
static char hist_path[4096];
static char prompt_buf[64];

static char *el_prompt(EditLine *e) { (void)e; return prompt_buf; }

/* What io.c redraws after other output: the prompt and the edited line. */
static void publish_line(void) {
    const LineInfo *li = el_line(el);
    StrBuf b = { 0 };
    strbuf_puts(&b, prompt_buf);
    if (li) strbuf_put(&b, li->buffer, (size_t)(li->lastchar - li->buffer));
    io_set_prompt_line(b.data, b.len);
    strbuf_free(&b);
}

/* libedit's character reader: one UTF-8 character from stdin, or -1 when
 * Ctrl-C arrives (the wake pipe). */
static int read_char(EditLine *e, wchar_t *wc) {
    static mbstate_t mb;
    publish_line();
    for (;;) {
        if (atomic_exchange(&resized, false)) el_resize(e);
        struct pollfd fds[2] = { { 0, POLLIN, 0 }, { wake_pipe[0], POLLIN, 0 } };
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (fds[1].revents) {
            char c;
            if (read(wake_pipe[0], &c, 1) < 0) { /* drained below anyway */ }
            if (atomic_load(&interrupted)) {
                const LineInfo *li = el_line(e);
                interrupted_empty = li && li->lastchar == li->buffer;
                return -1;
            }
            continue;
        }
        char c;
        ssize_t r = read(0, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        /* libedit prints the prompt before it leaves cooked mode: a Ctrl-D
         * typed in between reaches us as the NUL that stands for EOF in
         * the tty's line buffer. On an empty line it is still EOF. */
        const LineInfo *li = el_line(e);
        if (c == 0 && li && li->lastchar == li->buffer) return 0;
        size_t k = mbrtowc(wc, &c, 1, &mb);
        if (k == (size_t)-2) continue;
        if (k == (size_t)-1) {
            memset(&mb, 0, sizeof mb);
            *wc = (wchar_t)(unsigned char)c;
        }
        return 1;
    }
}

static unsigned char complete(EditLine *e, int ch);

static void editor_init(void) {
    el = el_init("act", stdin, stdout, stderr);
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, el_prompt);
    el_set(el, EL_GETCFN, read_char);
    hist = history_init();
    HistEvent ev;
    history(hist, &ev, H_SETSIZE, 1000);
    history(hist, &ev, H_SETUNIQUE, 1);
    const char *home = getenv("HOME");
    if (home && *home) {
        snprintf(hist_path, sizeof hist_path, "%s/.act_history", home);
        history(hist, &ev, H_LOAD, hist_path);
    }
    el_set(el, EL_HIST, history, hist);
    el_set(el, EL_ADDFN, "act-complete", "complete a name", complete);
    el_set(el, EL_BIND, "^I", "act-complete", NULL);
    el_source(el, NULL); /* ~/.editrc, as other libedit programs */
}

static void remember(const char *line, size_t n) {
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (!n || blank(line, n)) return;
    char *s = strndup(line, n);
    HistEvent ev;
    history(hist, &ev, H_ENTER, s);
    if (hist_path[0]) history(hist, &ev, H_SAVE, hist_path);
    free(s);
}

typedef enum { GOT_LINE, GOT_EOF, GOT_INTERRUPT } Got;

static Got get_line(StrBuf *acc, bool first) {
    if (!tty) {
        size_t before = acc->len;
        if (io_read_line(acc)) {
            if (acc->len > before && acc->data[acc->len - 1] != '\n') strbuf_putc(acc, '\n');
            return GOT_LINE;
        }
        return GOT_EOF;
    }
    if (!el) editor_init();
    snprintf(prompt_buf, sizeof prompt_buf, first ? "act(%ld)> " : "...(%ld)> ", req_counter);
    io_flush();
    atomic_store(&interrupted, false);
    atomic_store(&editing, true);
    int n = 0;
    const char *line = el_gets(el, &n);
    atomic_store(&editing, false);
    io_set_prompt_line(NULL, 0);
    if (atomic_load(&interrupted)) {
        atomic_store(&interrupted, false);
        fputs("\n", stdout);
        fflush(stdout);
        return GOT_INTERRUPT;
    }
    if (!line || n <= 0) {
        fputs("\n", stdout);
        fflush(stdout);
        return GOT_EOF;
    }
    remember(line, (size_t)n);
    strbuf_put(acc, line, (size_t)n);
    if (line[n - 1] != '\n') strbuf_putc(acc, '\n');
    return GOT_LINE;
}

/* Read one complete expression (*eof: end of input, or leave). */
static void read_expression(StrBuf *acc, bool *eof) {
    static bool last_break; /* the previous line ended in Ctrl-C on an empty prompt */
    bool first = true;
    *eof = false;
    for (;;) {
        Got g = get_line(acc, first);
        if (g == GOT_INTERRUPT) {
            /* as in IEx (and node), Ctrl-C twice at an empty prompt leaves */
            bool empty = first && interrupted_empty;
            if (empty && last_break) {
                *eof = true;
                return;
            }
            last_break = empty;
            if (empty) fputs("(To exit, press Ctrl+C again or Ctrl+D)\n", stdout);
            acc->len = 0;
            first = true;
            continue;
        }
        last_break = false;
        if (g == GOT_EOF) {
            *eof = blank(acc->data, acc->len);
            return;
        }
        if (blank(acc->data, acc->len)) {
            acc->len = 0;
            continue;
        }
        if (!incomplete(acc->data, acc->len)) return;
        first = false;
    }
}

static void *reader(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (!pending) pthread_cond_wait(&wake, &lock);
        pending = false;
        Term pid = req_pid;
        Answer a = { req_ref, NULL };
        pthread_mutex_unlock(&lock);
        StrBuf acc = { 0 };
        bool eof;
        read_expression(&acc, &eof);
        a.text = eof ? NULL : &acc;
        push_from_thread(pid, build_answer, &a);
        strbuf_free(&acc);
    }
    return NULL;
}

/* ---- tab completion ----------------------------------------------------------- */

typedef struct Names { char **v; size_t n, cap; } Names;

static void names_add(Names *ns, const char *s, size_t len) {
    for (size_t i = 0; i < ns->n; i++)
        if (strlen(ns->v[i]) == len && !memcmp(ns->v[i], s, len)) return;
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 64;
        ns->v = realloc(ns->v, ns->cap * sizeof *ns->v);
    }
    ns->v[ns->n++] = strndup(s, len);
}

static void names_free(Names *ns) {
    for (size_t i = 0; i < ns->n; i++) free(ns->v[i]);
    free(ns->v);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '?' || c == '!' || c == ':';
}

/* The exported functions of module atom mod (bytecode and natives), as
 * "name" strings with a prefix; each once. */
static void module_functions(Term mod, const char *prefix, Names *out) {
    size_t plen = strlen(prefix), mlen;
    const char *mname = atom_name(mod, &mlen);
    Module *m = module_find(mod);
    for (uint32_t i = 0; m && i < m->nfuncs; i++) {
        size_t n;
        const char *f = atom_name(m->funcs[i].name, &n);
        if (m->funcs[i].exported && n >= plen && !memcmp(f, prefix, plen) && strncmp(f, "__", 2))
            names_add(out, f, n);
    }
    for (size_t i = 0; i < native_count; i++) {
        const NativeDef *d = &native_table[i];
        if (strlen(d->module) == mlen && !memcmp(d->module, mname, mlen) && !strncmp(d->name, prefix, plen))
            names_add(out, d->name, strlen(d->name));
    }
}

/* Module names starting with prefix: aliases ("Enum", "Foo.Bar") or, for
 * a prefix starting with ':', Erlang-style ones (":ets"). */
static void module_names(const char *prefix, Names *out) {
    bool erl = prefix[0] == ':';
    const char *want = prefix + erl;
    size_t plen = strlen(want);
    uint32_t n = atom_count();
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *s = atom_name(make_atom(i), &len);
        bool elixir = len >= 7 && !memcmp(s, "Elixir.", 7);
        size_t skip = elixir ? 7 : 0;
        if (elixir == erl || len - skip < plen || memcmp(s + skip, want, plen)) continue;
        if (!module_available(make_atom(i))) continue;
        if (erl) {
            char buf[300];
            snprintf(buf, sizeof buf, ":%.*s", (int)len, s);
            names_add(out, buf, strlen(buf));
            continue;
        }
        /* complete one segment at a time: Foo.B -> Foo.Bar, not Foo.Bar.Baz */
        const char *dot = memchr(s + 7 + plen, '.', len - 7 - plen);
        names_add(out, s + 7, dot ? (size_t)(dot - s - 7) : len - 7);
    }
}

static const char *helpers[] = { "c", "clear", "exports", "flush", "h", "i", "pid", "processes", "r", "v", NULL };

static void local_names(const char *prefix, Names *out) {
    size_t plen = strlen(prefix);
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nvars; i++)
        if (!strncmp(vars[i], prefix, plen)) names_add(out, vars[i], strlen(vars[i]));
    pthread_mutex_unlock(&lock);
    for (const char **h = helpers; *h; h++)
        if (!strncmp(*h, prefix, plen)) names_add(out, *h, strlen(*h));
    module_functions(ATOM_Elixir_Kernel, prefix, out);
}

/* Tab: complete the word before the cursor; when several names fit and
 * they share nothing more, list them under the line. */
static unsigned char complete(EditLine *e, int ch) {
    (void)ch;
    const LineInfo *li = el_line(e);
    const char *end = li->cursor, *start = end;
    while (start > li->buffer && is_word_char(start[-1])) start--;
    char word[256];
    size_t wlen = (size_t)(end - start);
    if (wlen >= sizeof word) return CC_ERROR;
    memcpy(word, start, wlen);
    word[wlen] = '\0';
    Names ns = { 0 };
    const char *stem = word; /* the part being completed */
    char *dot = strrchr(word, '.');
    if (dot && word[0] >= 'A' && word[0] <= 'Z' && !(dot[1] >= 'A' && dot[1] <= 'Z')) {
        char mod[300];
        snprintf(mod, sizeof mod, "Elixir.%.*s", (int)(dot - word), word);
        module_functions(atom_intern_cstr(mod), dot + 1, &ns);
        stem = dot + 1;
    } else if (dot && word[0] == ':') {
        *dot = '\0';
        module_functions(atom_intern_cstr(word + 1), dot + 1, &ns);
        stem = dot + 1;
    } else if ((word[0] >= 'A' && word[0] <= 'Z') || word[0] == ':') {
        module_names(word, &ns);
    } else {
        local_names(word, &ns);
    }
    unsigned char ret = CC_REFRESH_BEEP;
    if (ns.n) {
        qsort(ns.v, ns.n, sizeof *ns.v, cmp_str);
        size_t common = strlen(ns.v[0]);
        for (size_t i = 1; i < ns.n; i++) {
            size_t k = 0;
            while (k < common && ns.v[i][k] == ns.v[0][k]) k++;
            common = k;
        }
        size_t have = strlen(stem);
        if (common > have) {
            char ins[256];
            snprintf(ins, sizeof ins, "%.*s", (int)(common - have), ns.v[0] + have);
            el_insertstr(e, ins);
            ret = CC_REFRESH;
        } else if (ns.n > 1) {
            fputs("\n", stdout);
            for (size_t i = 0; i < ns.n; i++) fprintf(stdout, "%s%s", ns.v[i], i + 1 < ns.n ? "    " : "\n");
            ret = CC_REDISPLAY;
        }
    }
    names_free(&ns);
    return ret;
}

/* ---- natives: reading ------------------------------------------------------------ */

static Term str_arg(Term t, const char **s, size_t *n) {
    if (!is_binary(t)) return T_NONE;
    *s = (const char *)binary_bytes(t, n);
    return t;
}

/* :act_repl.read(counter) -> ref; the text arrives as {:"$repl_input", ref, text | :eof}. */
Term repl_nat_read(Process *p, Term *args) {
    if (!is_small(args[0])) return native_badarg(p);
    uint64_t id = heap_new_ref_id();
    Term ref = make_ref_id(p, id);
    pthread_mutex_lock(&lock);
    req_pid = p->pid;
    server = p->pid;
    req_ref = id;
    req_counter = (long)small_val(args[0]);
    pending = true;
    bool start = !reader_started;
    reader_started = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    if (start) {
        pthread_t t;
        if (pthread_create(&t, NULL, reader, NULL) == 0) pthread_detach(t);
    }
    return ref;
}

/* :act_repl.start() -> :ok: the caller is the REPL server, which Ctrl-C
 * outside line editing tells to interrupt its evaluator. */
Term repl_nat_start(Process *p, Term *args) {
    (void)args;
    pthread_mutex_lock(&lock);
    server = p->pid;
    pthread_mutex_unlock(&lock);
    return ATOM_ok;
}

/* :act_repl.cancel_input(pid) -> :ok: drop the IO.gets/IO.read requests of
 * a dead evaluator, so that its reader does not take the next line. */
Term repl_nat_cancel_input(Process *p, Term *args) {
    if (!is_pid(args[0])) return native_badarg(p);
    stdin_cancel(args[0]);
    return ATOM_ok;
}

/* :act_repl.interactive() -> whether stdin and stdout are a terminal. */
Term repl_nat_interactive(Process *p, Term *args) {
    (void)p; (void)args;
    return (isatty(0) && isatty(1)) ? ATOM_true : ATOM_false;
}

/* :act_repl.width() -> the terminal's columns ($COLUMNS, else 80). */
Term repl_nat_width(Process *p, Term *args) {
    (void)p; (void)args;
    struct winsize ws;
    if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return make_small(ws.ws_col);
    const char *c = getenv("COLUMNS");
    long n = c ? atol(c) : 0;
    return make_small(n > 0 && n < 10000 ? n : 80);
}

/* :act_repl.set_vars([atom]) -> :ok: the bound variables, for completion. */
Term repl_nat_set_vars(Process *p, Term *args) {
    size_t n = 0;
    for (Term l = args[0]; is_cons(l); l = CDR(l)) {
        if (!is_atom(CAR(l))) return native_badarg(p);
        n++;
    }
    char **v = calloc(n ? n : 1, sizeof *v);
    size_t i = 0;
    for (Term l = args[0]; is_cons(l); l = CDR(l)) {
        size_t len;
        const char *s = atom_name(CAR(l), &len);
        v[i++] = strndup(s, len);
    }
    pthread_mutex_lock(&lock);
    char **old = vars;
    size_t nold = nvars;
    vars = v;
    nvars = n;
    pthread_mutex_unlock(&lock);
    for (size_t k = 0; k < nold; k++) free(old[k]);
    free(old);
    return ATOM_ok;
}

/* ---- natives: colours --------------------------------------------------------------- */

#define C_RESET "\x1b[0m"
#define C_NUM "\x1b[33m"
#define C_ATOM "\x1b[36m"
#define C_STR "\x1b[32m"
#define C_LIT "\x1b[35m"

static bool ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '?' ||
           c == '!' || c == '@' || (unsigned char)c >= 0x80;
}

static size_t scan_quoted(const char *s, size_t i, size_t n, char q) {
    for (i++; i < n && s[i] != q; i++)
        if (s[i] == '\\') i++;
    return i < n ? i + 1 : n;
}

static void colored(StrBuf *b, const char *color, const char *s, size_t n) {
    strbuf_puts(b, color);
    strbuf_put(b, s, n);
    strbuf_puts(b, C_RESET);
}

/* Colour inspect's output as IEx's default :syntax_colors do: numbers
 * yellow, atoms (and keyword keys, aliases) cyan, strings green, nil and
 * booleans magenta. */
static void colorize(StrBuf *b, const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        size_t j = i;
        if (c == '"') {
            j = scan_quoted(s, i, n, '"');
            colored(b, C_STR, s + i, j - i);
        } else if (c == '#' && i + 1 < n && s[i + 1] >= 'A' && s[i + 1] <= 'Z') {
            /* #PID<0.1.0>, #Function<...>, #Reference<...>: as is */
            j = i + 1;
            while (j < n && s[j] != '<' && ident_char(s[j])) j++;
            if (j < n && s[j] == '<') {
                int depth = 0;
                for (; j < n; j++) {
                    if (s[j] == '<') depth++;
                    if (s[j] == '>' && --depth == 0) { j++; break; }
                }
            }
            strbuf_put(b, s + i, j - i);
        } else if (c == ':' && i + 1 < n && s[i + 1] == '"') {
            j = scan_quoted(s, i + 1, n, '"');
            colored(b, C_ATOM, s + i, j - i);
        } else if (c == ':' && i + 1 < n && (ident_char(s[i + 1]) || strchr("+-*/=<>!&|.^~\\", s[i + 1])) &&
                   !(i > 0 && s[i - 1] == ':')) {
            j = i + 1;
            if (ident_char(s[j])) while (j < n && (ident_char(s[j]) || s[j] == '.')) j++;
            else while (j < n && strchr("+-*/=<>!&|.^~\\", s[j])) j++;
            colored(b, C_ATOM, s + i, j - i);
        } else if ((c >= '0' && c <= '9') ||
                   (c == '-' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9' &&
                    (i == 0 || strchr("[({, ", s[i - 1]) || (i > 1 && s[i - 1] == '.' && s[i - 2] == '.')))) {
            j = i + 1;
            while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '_' ||
                             (s[j] == '.' && j + 1 < n && s[j + 1] >= '0' && s[j + 1] <= '9') ||
                             ((s[j] == 'e') && j + 1 < n) ||
                             ((s[j] == '-' || s[j] == '+') && s[j - 1] == 'e')))
                j++;
            colored(b, C_NUM, s + i, j - i);
        } else if (ident_char(c) && !(i > 0 && ident_char(s[i - 1]))) {
            while (j < n && (ident_char(s[j]) || (s[j] == '.' && j + 1 < n && s[j + 1] >= 'A' && s[j + 1] <= 'Z')))
                j++;
            size_t len = j - i;
            if (j < n && s[j] == ':' && (j + 1 == n || s[j + 1] == ' ')) {
                colored(b, C_ATOM, s + i, len + 1); /* keyword key */
                j++;
            } else if ((len == 3 && !memcmp(s + i, "nil", 3)) || (len == 4 && !memcmp(s + i, "true", 4)) ||
                       (len == 5 && !memcmp(s + i, "false", 5))) {
                colored(b, C_LIT, s + i, len);
            } else if (c >= 'A' && c <= 'Z' && !(i > 0 && s[i - 1] == '%')) {
                colored(b, C_ATOM, s + i, len);
            } else {
                strbuf_put(b, s + i, len);
            }
        } else {
            j = i + 1;
            strbuf_put(b, s + i, 1);
        }
        i = j;
    }
}

/* :act_repl.colorize(text) -> text with ANSI colours. */
Term repl_nat_colorize(Process *p, Term *args) {
    const char *s;
    size_t n;
    if (str_arg(args[0], &s, &n) == T_NONE) return native_badarg(p);
    StrBuf b = { 0 };
    colorize(&b, s, n);
    Term r = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return r;
}

/* ---- natives: modules ---------------------------------------------------------------- */

static Module *module_arg(Term t) { return is_atom(t) ? module_find(t) : NULL; }

/* :act_repl.docs(mod) -> [{name | nil, arity, text}] or nil if no such module. */
Term repl_nat_docs(Process *p, Term *args) {
    Module *m = module_arg(args[0]);
    if (!m) return ATOM_nil;
    Term l = T_NIL;
    for (uint32_t i = m->ndocs; i-- > 0;) {
        const DocEntry *d = &m->docs[i];
        Term t = make_tuple3(p, d->name, make_small(d->arity), make_cstring(p, d->text ? d->text : ""));
        l = make_cons_cell(p, t, l);
    }
    return l;
}

/* :act_repl.exports(mod) -> [{name, arity}] of its bytecode and native
 * functions (unsorted, maybe repeated), or nil if there is no such module. */
Term repl_nat_exports(Process *p, Term *args) {
    if (!is_atom(args[0])) return native_badarg(p);
    Module *m = module_arg(args[0]);
    Term l = T_NIL;
    for (uint32_t i = 0; m && i < m->nfuncs; i++)
        if (m->funcs[i].exported)
            l = make_cons_cell(p, make_tuple2(p, m->funcs[i].name, make_small(m->funcs[i].arity)), l);
    size_t mlen;
    const char *mname = atom_name(args[0], &mlen);
    bool any = m != NULL;
    for (size_t i = 0; i < native_count; i++) {
        const NativeDef *d = &native_table[i];
        if (strlen(d->module) != mlen || memcmp(d->module, mname, mlen)) continue;
        any = true;
        l = make_cons_cell(p, make_tuple2(p, atom_intern_cstr(d->name), make_small(d->arity)), l);
    }
    return any ? l : ATOM_nil;
}

/* :act_repl.module_file(mod) -> the source file it was compiled from, or nil. */
Term repl_nat_module_file(Process *p, Term *args) {
    Module *m = module_arg(args[0]);
    return m && m->file ? make_cstring(p, m->file) : ATOM_nil;
}

/* :act_repl.module_binary(mod) -> its serialized bytecode (IEx shows the
 * BEAM file after a defmodule), or nil. */
Term repl_nat_module_binary(Process *p, Term *args) {
    Module *m = module_arg(args[0]);
    ByteBuf bb = { 0 };
    if (!m || !module_serialize(m, &bb)) { free(bb.data); return ATOM_nil; }
    Term r = make_binary(p, bb.data, bb.len);
    free(bb.data);
    return r;
}

/* :act_repl.pid(n) -> #PID<0.n.0>. */
Term repl_nat_pid(Process *p, Term *args) {
    if (!is_small(args[0]) || small_val(args[0]) < 0) return native_badarg(p);
    return make_pid((uint64_t)small_val(args[0]));
}

/* ---- natives: compiling ----------------------------------------------------------------- */

/* {:error, kind, message} for a diagnostic: "iex:3: msg" (with the column
 * for a syntax error). */
static Term diag_error(Process *p, const Diag *d, bool syntax) {
    StrBuf b = { 0 };
    /* the prompt's module is the shell's business, not the user's */
    char *own = strstr(d->msg, "(expected :act_repl_eval_");
    if (own) strcpy(own, "(there is no such import)");
    if (syntax) strbuf_printf(&b, "%s:%d:%d: %s", d->file ? d->file : "iex", d->line, d->col, d->msg);
    else strbuf_printf(&b, "%s:%d: %s", d->file ? d->file : "iex", d->line, d->msg);
    Term msg = strbuf_to_binary(p, &b);
    strbuf_free(&b);
    return make_tuple3(p, ATOM_error, atom_intern_cstr(syntax ? "Elixir.SyntaxError" : "Elixir.CompileError"), msg);
}

/* Register freshly compiled modules: like Code.compile_file/1
 * (vm/bif_code.c), module_register makes each the current version, an
 * existing one becoming old. */
static void register_all(CompileResult *res) {
    for (size_t k = 0; k < res->nmodules; k++) module_register(res->modules[k]);
    free(res->modules);
    res->modules = NULL;
    res->nmodules = 0;
}

static bool compile_text(const char *file, const char *src, size_t len, CompileResult *res, Diag *d) {
    *res = (CompileResult){ 0 };
    return compile_source(file, src, len, res, d);
}

/* The byte offset where top-level expression e starts: its leftmost token,
 * or the opening parentheses before it. */
static void min_pos(const Node *n, int *line, int *col) {
    if (!n) return;
    if (n->line > 0 && (n->line < *line || (n->line == *line && n->col < *col))) {
        *line = n->line;
        *col = n->col;
    }
    for (size_t i = 0; i < n->nkids; i++) min_pos(n->kids[i], line, col);
    min_pos(n->tail, line, col);
    min_pos(n->update, line, col);
}

static size_t expr_start(const Node *e, const char *src, size_t len, size_t floor) {
    int line = 1 << 30, col = 1 << 30;
    min_pos(e, &line, &col);
    size_t off = 0;
    for (int l = 1; l < line && off < len; off++)
        if (src[off] == '\n') l++;
    off += (size_t)(col - 1);
    if (off > len) off = len;
    while (off > floor && (src[off - 1] == '(' || src[off - 1] == ' ' || src[off - 1] == '\t')) off--;
    return off;
}

static bool is_defmodule(const Node *e) {
    return e->kind == N_CALL && e->name && !strcmp(e->name, "defmodule") && e->nkids >= 1;
}

/* Variables a pattern binds. */
static void pattern_vars(const Node *n, Names *out) {
    if (!n) return;
    switch (n->kind) {
    case N_VAR:
        if (n->name[0] != '_') names_add(out, n->name, strlen(n->name));
        return;
    case N_UNOP:
        if (n->name && !strcmp(n->name, "^")) return;
        break;
    case N_BINOP:
        if (n->name && !strcmp(n->name, "::")) { pattern_vars(n->kids[0], out); return; }
        break;
    case N_MAP:
        for (size_t i = 0; i < n->nkids; i++)
            if (n->kids[i]->kind == N_TUPLE && n->kids[i]->nkids == 2) pattern_vars(n->kids[i]->kids[1], out);
        return;
    case N_CALL: case N_REMOTE: case N_DOTCALL: case N_FN: case N_ATTR:
        return;
    default:
        break;
    }
    for (size_t i = 0; i < n->nkids; i++) pattern_vars(n->kids[i], out);
    pattern_vars(n->tail, out);
}

/* Variables a top-level expression binds: the patterns of `p = e` (and of
 * `p = q = e`); Elixir 1.14 leaks no binding out of if/case/fn bodies. */
static void expr_vars(const Node *e, Names *out) {
    while (e && e->kind == N_BINOP && e->name && !strcmp(e->name, "=") && e->nkids == 2) {
        pattern_vars(e->kids[0], out);
        e = e->kids[1];
    }
}

/* Overwrite src[a, b) with spaces, keeping newlines (line numbers stay). */
static void blank_out(char *s, size_t a, size_t b) {
    for (size_t i = a; i < b; i++)
        if (s[i] != '\n') s[i] = ' ';
}

static const char helper_defs[] =
    "  defp v(), do: IEx.Helpers.v()\n"
    "  defp v(n), do: IEx.Helpers.v(n)\n"
    "  defp c(f), do: IEx.Helpers.c(f)\n"
    "  defp r(m), do: IEx.Helpers.r(m)\n"
    "  defp i(t), do: IEx.Helpers.i(t)\n"
    "  defp exports(m), do: IEx.Helpers.exports(m)\n"
    "  defp pid(s), do: IEx.Helpers.pid(s)\n"
    "  defp pid(a, b, c), do: IEx.Helpers.pid(a, b, c)\n"
    "  defp processes(), do: IEx.Helpers.processes()\n"
    "  defp flush(), do: IEx.Helpers.flush()\n"
    "  defp clear(), do: IEx.Helpers.clear()\n"
    "  defp h(), do: IEx.Helpers.h()\n";

static _Atomic long eval_seq;

static void put_atom_lit(StrBuf *b, Term a) {
    size_t n;
    const char *s = atom_name(a, &n);
    strbuf_puts(b, ":\"");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\' || s[i] == '#') strbuf_putc(b, '\\');
        strbuf_putc(b, s[i]);
    }
    strbuf_putc(b, '"');
}

/* The value IEx shows for a defmodule: {:module, Name, <<>>, {:last_fun, arity}}. */
static void module_value(StrBuf *b, const CompileResult *res, const Node *e) {
    Module *m = NULL;
    const Node *alias = e->kids[0];
    if (alias->kind == N_ALIAS) {
        char name[300];
        snprintf(name, sizeof name, "Elixir.%s", alias->name);
        Term a = atom_intern_cstr(name);
        for (size_t k = 0; k < res->nmodules; k++)
            if (res->modules[k]->name == a) m = res->modules[k];
    } else if (alias->kind == N_ATOM) {
        Term a = atom_intern_cstr(alias->name);
        for (size_t k = 0; k < res->nmodules; k++)
            if (res->modules[k]->name == a) m = res->modules[k];
    }
    if (!m) { strbuf_puts(b, "nil"); return; }
    strbuf_puts(b, "{:module, ");
    put_atom_lit(b, m->name);
    strbuf_puts(b, ", :act_repl.module_binary(");
    put_atom_lit(b, m->name);
    strbuf_puts(b, "), ");
    const Function *last = NULL;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->funcs[i].exported && strncmp(atom_name(m->funcs[i].name, NULL), "__", 2)) last = &m->funcs[i];
    if (last) {
        strbuf_puts(b, "{");
        put_atom_lit(b, last->name);
        strbuf_printf(b, ", %u}}", last->arity);
    } else {
        strbuf_puts(b, "nil}");
    }
}

/* :act_repl.compile(text, [name], counter) -> {:ok, mod, [name]} | {:error, kind, msg}.
 * The text's defmodules are compiled and registered first; the other
 * top-level expressions become mod.run([values of the names]), returning
 * {value, [{name, value}]} for the names bound afterwards (see
 * docs/architecture.md, "## REPL"). Both compilations keep the text's line
 * numbers. */
Term repl_nat_compile(Process *p, Term *args) {
    const char *src;
    size_t len;
    if (str_arg(args[0], &src, &len) == T_NONE || !is_list(args[1])) return native_badarg(p);
    Names names = { 0 };
    for (Term l = args[1]; is_cons(l); l = CDR(l)) {
        if (!is_atom(CAR(l))) { names_free(&names); return native_badarg(p); }
        size_t n;
        const char *s = atom_name(CAR(l), &n);
        names_add(&names, s, n);
    }
    size_t nold = names.n;
    AstArena *arena = ast_arena_new();
    Diag d = { 0 };
    Node *prog = parse_program(arena, "iex", src, len, &d);
    Term result;
    StrBuf out = { 0 };
    char *defs = NULL;
    CompileResult dres = { 0 }, eres = { 0 };
    if (!prog) { result = diag_error(p, &d, true); goto done; }
    size_t n = prog->nkids;
    size_t *start = calloc(n + 1, sizeof *start);
    bool any_def = false, any_expr = false;
    for (size_t i = 0; i < n; i++) {
        start[i] = expr_start(prog->kids[i], src, len, i ? start[i - 1] : 0);
        if (is_defmodule(prog->kids[i])) any_def = true;
        else { any_expr = true; expr_vars(prog->kids[i], &names); }
    }
    start[n] = len;
    if (any_def) {
        defs = malloc(len + 1);
        memcpy(defs, src, len);
        for (size_t i = 0; i < n; i++)
            if (!is_defmodule(prog->kids[i])) blank_out(defs, start[i], start[i + 1]);
        blank_out(defs, 0, n ? start[0] : len);
        if (!compile_text("iex", defs, len, &dres, &d)) { free(start); result = diag_error(p, &d, false); goto done; }
    }
    /* the evaluation module: header on the text's first line */
    long seq = atomic_fetch_add(&eval_seq, 1);
    strbuf_printf(&out, "defmodule :act_repl_eval_%ld do def run([", seq);
    for (size_t i = 0; i < nold; i++) strbuf_printf(&out, "%s%s", i ? ", " : "", names.v[i]);
    strbuf_puts(&out, "]) do ");
    bool last_def = n && is_defmodule(prog->kids[n - 1]);
    for (size_t i = 0; i < n; i++) {
        size_t a = start[i], b = start[i + 1];
        if (i == 0) a = 0;
        if (is_defmodule(prog->kids[i])) {
            char *tmp = strndup(src + a, b - a);
            blank_out(tmp, 0, b - a);
            strbuf_puts(&out, tmp);
            free(tmp);
            continue;
        }
        if (i == n - 1) {
            strbuf_put(&out, src + a, start[i] - a);
            strbuf_puts(&out, "__act_v = ");
            strbuf_put(&out, src + start[i], b - start[i]);
        } else {
            strbuf_put(&out, src + a, b - a);
        }
    }
    free(start);
    strbuf_puts(&out, "\n");
    if (last_def) {
        strbuf_puts(&out, "__act_v = ");
        module_value(&out, &dres, prog->kids[n - 1]);
        strbuf_puts(&out, "\n");
    } else if (!any_expr) {
        strbuf_puts(&out, "__act_v = nil\n");
    }
    strbuf_puts(&out, "{__act_v, [");
    for (size_t i = 0; i < names.n; i++) strbuf_printf(&out, "%s{:%s, %s}", i ? ", " : "", names.v[i], names.v[i]);
    strbuf_puts(&out, "]}\nend\n");
    strbuf_puts(&out, helper_defs);
    strbuf_puts(&out, "end\n");
    if (any_def) register_all(&dres);
    if (!compile_text("iex", out.data, out.len, &eres, &d)) { result = diag_error(p, &d, false); goto done; }
    Term mod = eres.nmodules ? eres.modules[0]->name : ATOM_nil;
    register_all(&eres);
    module_free(eres.script);
    eres.script = NULL;
    Term nl = T_NIL;
    for (size_t i = names.n; i-- > 0;) nl = make_cons_cell(p, atom_intern_cstr(names.v[i]), nl);
    result = make_tuple3(p, ATOM_ok, mod, nl);
done:
    if (dres.modules) compile_result_free(&dres);
    else module_free(dres.script);
    if (eres.modules) compile_result_free(&eres);
    free(defs);
    strbuf_free(&out);
    names_free(&names);
    ast_arena_free(arena);
    return result;
}
