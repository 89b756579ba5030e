/* io.c — the output writer, and the IO and Kernel printing natives
 * (IO.puts/write/inspect/gets/read/getn/binwrite/warn, Kernel.inspect,
 * Kernel.to_string). Declared in inspect.h (writer) and natives.def.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include "inspect.h"
#include "stdin.h"
#include "runtime.h"
#include "heap.h"
#include "atom.h"
#include "native.h"

static Term fc(Process *p) { return native_raise(p, ATOM_error, ATOM_function_clause); }

/* ======================================================================
 * The output writer
 *
 * Invariants:
 *  - out_buf[0..out_len) are stdout bytes accepted but not yet written;
 *    they are written before any stderr write, before reading stdin, when the
 *    buffer would overflow, at exit (atexit) and on io_flush.
 *  - Every io_write call appends its bytes while holding out_lock, so one
 *    call (one IO.puts line) is never split by another thread's output.
 *    Stderr writes take the same lock (they flush stdout first), so the two
 *    streams keep their relative order.
 *  - When stdout is a terminal the buffer is flushed after every call, so an
 *    interactive program's prompts appear at once.
 * ====================================================================== */

#define OUT_CAP (64 * 1024)
static char out_buf[OUT_CAP];
static size_t out_len;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t out_once = PTHREAD_ONCE_INIT;
static bool out_tty;
/* The prompt of an IO.gets waiting for input (out_lock), or len 0. Like
 * the BEAM's group leader, output from other processes while it waits is
 * followed by the prompt again, so it stays the last thing shown. */
static char *prompt;
static size_t prompt_len;
/* The REPL's line editor (vm/repl.c) sets a prompt that is the edited line
 * itself (io_set_prompt_line): output that arrives while it is shown (at_prompt)
 * first erases that line, so the text appears above the line being typed,
 * which the reprompt then redraws. */
static bool prompt_clears, at_prompt;

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return; /* closed pipe etc.: output is lost, the program goes on */
        }
        s += w;
        n -= (size_t)w;
    }
}

/* Caller holds out_lock. */
static void flush_locked(void)
{
    if (out_len) write_all(1, out_buf, out_len);
    out_len = 0;
}

/* At exit another thread may still hold the lock (a scheduler blocked in
 * write(2) on a full pipe): wait a bounded time rather than hang the exit. */
static void at_exit_flush(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += 1;
    if (pthread_mutex_timedlock(&out_lock, &t) != 0) return;
    flush_locked();
    pthread_mutex_unlock(&out_lock);
}

static void out_setup(void)
{
    out_tty = isatty(1);
    atexit(at_exit_flush);
}

static void append_locked(IoStream s, const void *bytes, size_t n)
{
    if (s == IO_STDERR) {
        flush_locked();
        write_all(2, bytes, n);
        return;
    }
    if (out_len + n > OUT_CAP) {
        flush_locked();
        if (n > OUT_CAP) {
            write_all(1, bytes, n);
            return;
        }
    }
    memcpy(out_buf + out_len, bytes, n);
    out_len += n;
}

/* Output that ends a line while an IO.gets waits: show its prompt again. */
static void reprompt_locked(IoStream s, const void *bytes, size_t n)
{
    bool nl = n && ((const char *)bytes)[n - 1] == '\n';
    if (prompt_clears) {
        if (prompt_len && nl) append_locked(IO_STDOUT, prompt, prompt_len);
        at_prompt = prompt_len && nl;
        if (at_prompt) flush_locked();
        return;
    }
    if (prompt_len && s == IO_STDOUT && nl)
        append_locked(IO_STDOUT, prompt, prompt_len);
}

/* Before output: erase the REPL's edited line if it is shown. */
static void unprompt_locked(void)
{
    if (prompt_clears && at_prompt) append_locked(IO_STDOUT, "\r\x1b[K", 4);
    at_prompt = false;
}

void io_set_prompt_line(const void *bytes, size_t n)
{
    io_set_prompt(bytes, n);
    pthread_mutex_lock(&out_lock);
    prompt_clears = n > 0;
    at_prompt = n > 0;
    pthread_mutex_unlock(&out_lock);
}

void io_set_prompt(const void *bytes, size_t n)
{
    pthread_once(&out_once, out_setup);
    pthread_mutex_lock(&out_lock);
    free(prompt);
    prompt = NULL;
    prompt_len = 0;
    if (n && (prompt = malloc(n))) {
        memcpy(prompt, bytes, n);
        prompt_len = n;
    }
    pthread_mutex_unlock(&out_lock);
}

void io_write(IoStream s, const void *bytes, size_t n)
{
    pthread_once(&out_once, out_setup);
    pthread_mutex_lock(&out_lock);
    unprompt_locked();
    append_locked(s, bytes, n);
    reprompt_locked(s, bytes, n);
    if (out_tty) flush_locked();
    pthread_mutex_unlock(&out_lock);
}

void io_write_line(IoStream s, const void *bytes, size_t n)
{
    pthread_once(&out_once, out_setup);
    pthread_mutex_lock(&out_lock);
    unprompt_locked();
    if (s == IO_STDERR) {
        /* one write(2) so the line stays whole */
        flush_locked();
        char *tmp = malloc(n + 1);
        if (tmp) {
            memcpy(tmp, bytes, n);
            tmp[n] = '\n';
            write_all(2, tmp, n + 1);
            free(tmp);
        } else {
            write_all(2, bytes, n);
            write_all(2, "\n", 1);
        }
    } else {
        if (out_len + n + 1 > OUT_CAP) flush_locked();
        append_locked(s, bytes, n);
        append_locked(s, "\n", 1);
        reprompt_locked(s, "\n", 1);
    }
    if (s == IO_STDERR && prompt_clears) reprompt_locked(s, "\n", 1);
    if (out_tty) flush_locked();
    pthread_mutex_unlock(&out_lock);
}

void io_flush(void)
{
    pthread_mutex_lock(&out_lock);
    flush_locked();
    pthread_mutex_unlock(&out_lock);
}

_Noreturn void io_exit(int status)
{
    pthread_mutex_lock(&out_lock);
    flush_locked();
    fflush(NULL);
    _exit(status);
}

bool io_read_line(StrBuf *b)
{
    io_flush();
    /* stdin is read only here, by one process at a time (the caller
     * serialises IO.gets); byte-at-a-time read keeps no hidden buffer that
     * could swallow input meant for a later reader. */
    bool any = false;
    for (;;) {
        char c;
        ssize_t r = read(0, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        any = true;
        strbuf_putc(b, c);
        if (c == '\n') break;
    }
    return any;
}

/* Reads up to `count` UTF-8 characters (an invalid byte counts as one). */
bool io_read_chars(StrBuf *b, size_t count)
{
    io_flush();
    bool any = false;
    size_t need = 0; /* continuation bytes still expected */
    while (count > 0 || need > 0) {
        uint8_t c;
        ssize_t r = read(0, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        any = true;
        strbuf_putc(b, (char)c);
        if (need > 0 && (c & 0xC0) == 0x80) {
            need--;
            continue;
        }
        need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        count--;
    }
    return any;
}

/* Device argument of IO functions. */
static bool get_device(Term t, IoStream *s)
{
    if (!is_atom(t)) return false;
    size_t n;
    const char *name = atom_name(t, &n);
    if ((n == 5 && !memcmp(name, "stdio", 5)) || (n == 11 && !memcmp(name, "standard_io", 11))) {
        *s = IO_STDOUT;
        return true;
    }
    if ((n == 6 && !memcmp(name, "stderr", 6)) || (n == 14 && !memcmp(name, "standard_error", 14))) {
        *s = IO_STDERR;
        return true;
    }
    return false;
}

/* ======================================================================
 * Kernel: inspect, to_string
 * ====================================================================== */

Term io_nat_kernel_inspect1(Process *p, Term *args)
{
    return inspect_term(p, args[0], &inspect_default_opts);
}

Term io_nat_kernel_inspect2(Process *p, Term *args)
{
    InspectOpts o = inspect_default_opts;
    if (!is_list(args[1])) return fc(p);
    if (!inspect_parse_opts(args[1], &o)) return native_badarg(p);
    return inspect_term(p, args[0], &o);
}

Term io_nat_kernel_to_string(Process *p, Term *args) { return term_to_string(p, args[0]); }

/* ======================================================================
 * IO
 * ====================================================================== */

/* IO.puts/IO.write text: chardata is written as is (bad chardata is
 * :io.put_chars's ArgumentError), anything else through String.Chars
 * (Protocol.UndefinedError for tuples, maps ...). */
static bool out_text(Process *p, Term t, StrBuf *b)
{
    if (is_list(t)) {
        Term bad;
        if (chardata_to_buf(b, t, &bad) == 0) return true;
        native_raise_msg(p, "Elixir.ArgumentError",
                         "errors were found at the given arguments:\n\n"
                         "  * 2nd argument: not valid character data (an iodata term)\n");
        return false;
    }
    if (term_to_string_buf(b, t)) return true;
    term_to_string(p, t); /* raises the right error */
    return false;
}

static Term do_write(Process *p, IoStream s, Term data, bool newline)
{
    StrBuf b = { 0 };
    if (!out_text(p, data, &b)) {
        strbuf_free(&b);
        return T_NONE;
    }
    if (newline) io_write_line(s, b.data ? b.data : "", b.len);
    else io_write(s, b.data ? b.data : "", b.len);
    strbuf_free(&b);
    return ATOM_ok;
}

Term io_nat_puts1(Process *p, Term *args) { return do_write(p, IO_STDOUT, args[0], true); }
Term io_nat_write1(Process *p, Term *args) { return do_write(p, IO_STDOUT, args[0], false); }

Term io_nat_puts2(Process *p, Term *args)
{
    IoStream s;
    if (!get_device(args[0], &s)) return native_badarg(p);
    return do_write(p, s, args[1], true);
}

Term io_nat_write2(Process *p, Term *args)
{
    IoStream s;
    if (!get_device(args[0], &s)) return native_badarg(p);
    return do_write(p, s, args[1], false);
}

/* IO.inspect(device, item, opts): "label: " prefix, formatted at
 * opts.width whatever :pretty says (as Elixir's IO.inspect). */
static Term do_inspect(Process *p, IoStream s, Term item, Term opts)
{
    if (!is_list(opts)) return fc(p);
    InspectOpts o = inspect_pretty_opts;
    if (!inspect_parse_opts(opts, &o)) return native_badarg(p);
    o.pretty = true;
    StrBuf b = { 0 };
    for (Term l = opts; is_cons(l); l = CDR(l)) {
        Term kv = CAR(l);
        if (tuple_elems(kv)[0] == atom_intern_cstr("label")) {
            if (!out_text(p, tuple_elems(kv)[1], &b)) {
                strbuf_free(&b);
                return T_NONE;
            }
            strbuf_puts(&b, ": ");
            break;
        }
    }
    inspect_to_buf(&b, item, &o);
    io_write_line(s, b.data, b.len);
    strbuf_free(&b);
    return item;
}

Term io_nat_inspect1(Process *p, Term *args) { return do_inspect(p, IO_STDOUT, args[0], T_NIL); }
Term io_nat_inspect2(Process *p, Term *args) { return do_inspect(p, IO_STDOUT, args[0], args[1]); }

Term io_nat_inspect3(Process *p, Term *args)
{
    IoStream s;
    if (!get_device(args[0], &s)) return native_badarg(p);
    return do_inspect(p, s, args[1], args[2]);
}

/* Reading stdin: with a runtime, the stdin thread reads (stdin.c) and the
 * caller waits for its answer in IO.__await_input__/1, a receive, so only
 * this process blocks; without one (unit tests) the read happens here. */
static Term read_input(Process *p, StdinHow how, size_t count) {
    if (runtime_active()) {
        uint64_t ref = heap_new_ref_id();
        if (!stdin_request(p, how, count, ref)) return ATOM_eof;
        Term args = make_list(p, 1, (Term[]){ make_ref_id(p, ref) });
        return native_trap_apply(p, ATOM_Elixir_IO, ATOM___await_input__, args);
    }
    StrBuf b = { 0 };
    Term r = stdin_read_now(how, count, &b) ? strbuf_to_binary(p, &b) : ATOM_eof;
    strbuf_free(&b);
    return r;
}

static Term do_gets(Process *p, Term prompt)
{
    StrBuf b = { 0 };
    if (!out_text(p, prompt, &b)) {
        strbuf_free(&b);
        return T_NONE;
    }
    if (b.len) io_write(IO_STDOUT, b.data, b.len);
    if (runtime_active()) io_set_prompt(b.data, b.len);
    strbuf_free(&b);
    io_flush();
    return read_input(p, STDIN_LINE, 0);
}

Term io_nat_gets1(Process *p, Term *args) { return do_gets(p, args[0]); }

Term io_nat_gets2(Process *p, Term *args)
{
    IoStream s;
    if (!get_device(args[0], &s)) return native_badarg(p);
    return do_gets(p, args[1]);
}

/* IO.read(device \\ :stdio, :line | :eof | :all | count) */
static Term do_read(Process *p, Term how)
{
    io_flush();
    if (how == atom_intern_cstr("line")) return read_input(p, STDIN_LINE, 0);
    if (how == atom_intern_cstr("eof")) return read_input(p, STDIN_EOF, 0);
    if (how == atom_intern_cstr("all")) return read_input(p, STDIN_ALL, 0);
    if (is_small(how) && small_val(how) >= 0) return read_input(p, STDIN_CHARS, (size_t)small_val(how));
    return native_badarg(p);
}

Term io_nat_read1(Process *p, Term *args) { return do_read(p, args[0]); }

Term io_nat_read2(Process *p, Term *args)
{
    IoStream s;
    if (!get_device(args[0], &s)) return native_badarg(p);
    return do_read(p, args[1]);
}

/* iodata (binaries and bytes 0..255, nested, binary tails) into b; false
 * if it is not iodata. Uses a work stack, not recursion. */
static bool iodata_to_buf(StrBuf *b, Term t)
{
    Term *stack = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (;;) {
        if (is_binary(t)) {
            size_t len;
            const uint8_t *bytes = binary_bytes(t, &len);
            strbuf_put(b, bytes, len);
            t = T_NIL;
        } else if (is_cons(t)) {
            Term h = CAR(t);
            if (is_small(h) && small_val(h) >= 0 && small_val(h) <= 255) {
                strbuf_putc(b, (char)small_val(h));
                t = CDR(t);
            } else if (is_binary(h) || is_list(h)) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    stack = realloc(stack, cap * sizeof(Term));
                    if (!stack) abort();
                }
                stack[n++] = CDR(t);
                t = h;
            } else {
                ok = false;
                break;
            }
        } else if (is_nil(t)) {
            if (n == 0) break;
            t = stack[--n];
        } else {
            ok = false;
            break;
        }
    }
    free(stack);
    return ok;
}

static Term do_binwrite(Process *p, IoStream s, Term data)
{
    StrBuf b = { 0 };
    if (!iodata_to_buf(&b, data)) {
        strbuf_free(&b);
        return native_badarg(p);
    }
    io_write(s, b.data ? b.data : "", b.len);
    strbuf_free(&b);
    return ATOM_ok;
}

Term io_nat_binwrite1(Process *p, Term *args) { return do_binwrite(p, IO_STDOUT, args[0]); }

Term io_nat_binwrite2(Process *p, Term *args)
{
    IoStream s;
    if (!get_device(args[0], &s)) return native_badarg(p);
    return do_binwrite(p, s, args[1]);
}

/* IO.warn(message[, stacktrace]): "warning: message" on stderr. (Elixir
 * also prints the caller's location; Act prints the message only.) */
static Term do_warn(Process *p, Term msg)
{
    StrBuf b = { 0 };
    strbuf_puts(&b, "warning: ");
    if (!out_text(p, msg, &b)) {
        strbuf_free(&b);
        return T_NONE;
    }
    strbuf_putc(&b, '\n');
    io_write_line(IO_STDERR, b.data, b.len);
    strbuf_free(&b);
    return ATOM_ok;
}

Term io_nat_warn1(Process *p, Term *args) { return do_warn(p, args[0]); }
Term io_nat_warn2(Process *p, Term *args) { return do_warn(p, args[0]); }

/* Logger's console line, Elixir 1.14's default format:
 * "\nHH:MM:SS.mmm [level] " (local time), then the message and "\n". Act
 * writes it on stderr (Elixir's console backend uses stdout: a documented
 * deviation), as one write, so reports never interleave with other lines. */
void io_log_header(StrBuf *b, const char *level)
{
    struct timespec ts;
    struct tm tm;
    char head[64];
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    snprintf(head, sizeof head, "\n%02d:%02d:%02d.%03ld [%s] ", tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec / 1000000, level);
    strbuf_puts(b, head);
}

/* Logger.__log__(level, chardata): the native under Logger.error/1 etc. */
Term io_nat_log2(Process *p, Term *args)
{
    if (!is_atom(args[0])) return native_badarg(p);
    size_t n;
    const char *lv = atom_name(args[0], &n);
    char level[16];
    if (n >= sizeof level) return native_badarg(p);
    memcpy(level, lv, n);
    level[n] = 0;
    StrBuf b = { 0 };
    io_log_header(&b, level);
    if (!out_text(p, args[1], &b)) {
        strbuf_free(&b);
        return T_NONE;
    }
    strbuf_putc(&b, '\n');
    io_write(IO_STDERR, b.data, b.len);
    strbuf_free(&b);
    return ATOM_ok;
}

/* IO.getn(prompt, count): up to count characters from stdin, :eof at end. */
static Term do_getn(Process *p, Term prompt, Term count)
{
    if (!is_small(count) || small_val(count) < 0) return fc(p);
    StrBuf b = { 0 };
    if (!out_text(p, prompt, &b)) {
        strbuf_free(&b);
        return T_NONE;
    }
    if (b.len) io_write(IO_STDOUT, b.data, b.len);
    b.len = 0;
    SInt want = small_val(count);
    bool any = io_read_chars(&b, (size_t)want);
    Term r = any || want == 0 ? strbuf_to_binary(p, &b) : atom_intern_cstr("eof");
    strbuf_free(&b);
    return r;
}

Term io_nat_getn1(Process *p, Term *args) { return do_getn(p, args[0], make_small(1)); }
Term io_nat_getn2(Process *p, Term *args)
{
    if (is_atom(args[0]) && is_small(args[1])) {
        IoStream s;
        if (get_device(args[0], &s)) return do_getn(p, make_binary(p, "", 0), args[1]);
    }
    return do_getn(p, args[0], args[1]);
}

/* IO.chardata_to_string/1, IO.iodata_to_binary/1 */
Term io_nat_chardata_to_string(Process *p, Term *args)
{
    if (is_binary(args[0])) return args[0];
    if (!is_list(args[0])) return fc(p);
    return term_to_string(p, args[0]);
}
