/* inspect.h — turning terms into text: inspect, to_string, float text, and
 * the process-wide output writer.
 *
 * Implemented in: inspect.c (inspect, the pretty printer), chardata.c
 * (StrBuf, chardata, to_string), float_fmt.c (float text), io.c (the
 * output writer, IO and Kernel printing natives), string.c (String and
 * Atom natives), unicode.c (UTF-8, case mapping).
 *
 * Everything here follows Elixir 1.14 byte for byte (elixir is the oracle),
 * with the documented Act deviation that a list of integers always prints as
 * a list (no charlists) unless `charlists: :as_charlists` is asked for.
 */
#ifndef ACT_INSPECT_H
#define ACT_INSPECT_H
#include <stdarg.h>
#include <stdio.h>
#include "term.h"
#include "process.h"

/* ---- StrBuf: a growable byte buffer -----------------------------------
 * Invariant: data[0..len) are the bytes written so far; data is NUL
 * terminated at data[len] whenever data != NULL (so it can be used as a C
 * string when it holds no NUL); cap is the allocated size (> len). A zeroed
 * StrBuf ({0}) is a valid empty buffer. Allocation failure aborts. */
typedef struct StrBuf {
    char *data;
    size_t len, cap;
} StrBuf;

void strbuf_init(StrBuf *b);
void strbuf_free(StrBuf *b);
void strbuf_reserve(StrBuf *b, size_t extra);
void strbuf_put(StrBuf *b, const void *bytes, size_t n);
void strbuf_puts(StrBuf *b, const char *s);
void strbuf_putc(StrBuf *b, char c);
void strbuf_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends code point cp (0..0x10FFFF) encoded as UTF-8. */
void strbuf_put_utf8(StrBuf *b, uint32_t cp);
/* The buffer's bytes as a binary on p's heap (the buffer is unchanged). */
Term strbuf_to_binary(Process *p, const StrBuf *b);

/* ---- inspect ----------------------------------------------------------- */
/* The Inspect.Opts Act supports. A negative number means :infinity. */
typedef struct InspectOpts {
    long limit;           /* items shown per list/tuple/map/binary (50) */
    long printable_limit; /* characters shown of a string (4096) */
    long width;           /* line width when pretty (80) */
    bool pretty;          /* wrap lines (IO.inspect sets it) */
    int charlists;        /* 0 :as_lists (Act's default), 1 :infer,
                             2 :as_charlists */
    bool no_structs;      /* structs: false (print structs as maps) */
    int base;             /* integers: 10 (0 means 10), 2, 8 or 16 */
    int binaries;         /* 0 :infer, 1 :as_strings, 2 :as_binaries */
} InspectOpts;

/* inspect/1: limit 50, printable_limit 4096, width 80, not pretty. */
extern const InspectOpts inspect_default_opts;
/* IO.inspect/1: as inspect/1 but pretty. */
extern const InspectOpts inspect_pretty_opts;

/* Appends Kernel.inspect(t, opts) to b. Never fails, never raises. Uses no
 * C recursion proportional to the term's depth (an explicit work stack). */
void inspect_to_buf(StrBuf *b, Term t, const InspectOpts *o);
/* The same as a binary on p's heap. */
Term inspect_term(Process *p, Term t, const InspectOpts *o);
/* Reads an Elixir inspect option list ([limit: 3, pretty: true, ...]) into
 * *o, which the caller pre-fills with defaults. Unknown options are
 * ignored, as Elixir does. Returns false (without raising) when opts is not
 * a proper list of {atom, value} pairs or a value has the wrong type. */
bool inspect_parse_opts(Term opts, InspectOpts *o);

/* Struct field order. Elixir prints a struct's fields in defstruct order,
 * but Act's maps are key-ordered, so whoever creates a module with a
 * defstruct/defexception (codegen, or the loader) registers the declared
 * order here: fields[0..n) are atoms, in declaration order (__struct__ and
 * __exception__ may be included; they are never printed). Registering again
 * replaces the order (hot code loading). Thread-safe.
 * Registering is optional: for a module nobody registered, inspect recovers
 * the order once from the module's generated __struct__/0 (its MAP_NEW key
 * order) and caches it; failing that, fields print in key order. */
void inspect_register_struct(Term module, size_t n, const Term *fields);

/* Writes an atom as Elixir's inspect does (`:ok`, `:"a b"`, `Foo.Bar`,
 * `nil`). */
void inspect_atom_to_buf(StrBuf *b, Term atom);
/* Writes an integer (small or bignum) in decimal. */
void inspect_integer_to_buf(StrBuf *b, Term i);

/* ---- to_string (String.Chars) ------------------------------------------ */
/* String.Chars.to_string(t): binaries as-is, atoms by name (nil -> "",
 * Elixir.Foo -> "Elixir.Foo", as Elixir), integers, floats (shortest form,
 * 2500.0 -> "2.5e3"), lists as chardata. For tuples, maps, pids, refs, funs
 * raises Protocol.UndefinedError; for bad chardata ArgumentError or
 * UnicodeConversionError, exactly as Elixir. Returns T_NONE after raising. */
Term term_to_string(Process *p, Term t);
/* Appends to_string(t) to b. Returns false without raising and without a
 * usable result when t is not convertible; term_to_string raises then. */
bool term_to_string_buf(StrBuf *b, Term t);
/* Appends chardata (binaries, code points, nested lists, binary tails) to b.
 * Returns 0 on success, 1 if the data is not chardata (ArgumentError in
 * Elixir), 2 on an invalid code point (UnicodeConversionError); *bad gets the
 * offending code point term then. */
int chardata_to_buf(StrBuf *b, Term t, Term *bad);

/* ---- floats (float_fmt.c) ------------------------------------------------ */
/* Enough for any double in either rendering, NUL included. */
#define FLOAT_BUF_SIZE 32
/* to_string / interpolation / :erlang.float_to_binary(F, [:short]):
 * "2.5e3", "0.1", "1.0e16", "-0.0". NUL-terminated; returns the length. */
size_t float_to_shortest(double d, char *buf);
/* inspect / IO.inspect (io_lib_format:fwrite_g): "2500.0", "1.0e16",
 * "1.0e-5". NUL-terminated; returns the length. */
size_t float_to_inspect(double d, char *buf);
/* The shortest round-trip digits of |d| (no trailing zeros, NUL-terminated,
 * at most 17 + 1 bytes) with |d| = 0.digits * 10^place; returns the number
 * of digits. 0.0 gives "0", place 1. */
int float_shortest_digits(double d, char *digits, int *place);

/* ---- the output writer (io.c) --------------------------------------------
 * All program output goes through these: stdout is buffered, stderr is not.
 * Each call writes its bytes as one unit under one process-wide lock, so
 * lines written by concurrent processes (a later milestone) never
 * interleave inside a call. io_flush is called at exit and before reading
 * stdin. */
typedef enum { IO_STDOUT = 1, IO_STDERR = 2 } IoStream;
void io_write(IoStream s, const void *bytes, size_t n);
/* Writes bytes then "\n" as one unit. */
void io_write_line(IoStream s, const void *bytes, size_t n);
void io_flush(void);
/* Appends Logger's line prefix "\nHH:MM:SS.mmm [level] " (local time). */
void io_log_header(StrBuf *b, const char *level);
/* Flush stdout and end the OS process with `status` at once (System.halt):
 * the writer's lock is kept, so no other thread's output follows. */
_Noreturn void io_exit(int status);
/* Reads one line from stdin (newline included) into b, after flushing
 * stdout. False at end of file with nothing read. */
bool io_read_line(StrBuf *b);
/* The prompt of the IO.gets now waiting for input (n == 0: none): stdout
 * output that ends a line is followed by it again (io.c). */
void io_set_prompt(const void *bytes, size_t n);
/* The same for the REPL's line editor (vm/repl.c), whose prompt is the
 * edited line: other output first erases it, then redraws it. */
void io_set_prompt_line(const void *bytes, size_t n);
/* Read up to count UTF-8 characters from stdin (false: nothing read). */
bool io_read_chars(StrBuf *b, size_t count);

#endif
