/* test_parser.c — front-end tests: AST dumps of snippets (the expected texts
 * were checked against Elixir 1.14's own parser, Code.string_to_quoted, with
 * a converter to this dump format), error positions and messages, the
 * diagnostic format, every bench program and seed program, and fuzzing
 * (random bytes, token soup, truncations and mutations of real programs).
 *
 * Usage: test_parser [BENCH_DIR [SEEDS_DIR]] (defaults: /work/shared/...).
 * Run it under -Db_sanitize=address,undefined to make the fuzzing count. */
#include "unit.h"
#include "parser.h"
#include "lexer.h"
#include <stdlib.h>
#include <dirent.h>

/* ===================================================================== */
/* Helpers                                                               */
/* ===================================================================== */

/* Parse src; return its dump (top-level expressions one per line, malloc'd)
 * or NULL with *d set. */
static char *dump_src(const char *src, size_t len, Diag *d) {
    AstArena *a = ast_arena_new();
    memset(d, 0, sizeof *d);
    Node *p = parse_program(a, "t.act", src, len, d);
    char *buf = NULL;
    size_t blen = 0;
    if (p) {
        FILE *f = open_memstream(&buf, &blen);
        for (size_t i = 0; i < p->nkids; i++) {
            if (i) fputc('\n', f);
            ast_dump(p->kids[i], f);
        }
        fclose(f);
    }
    ast_arena_free(a);
    return buf;
}

static char *diag_text(const Diag *d, const char *src) {
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    diag_print(d, src, strlen(src), f);
    fclose(f);
    return buf;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

/* A parse of arbitrary input must either succeed cleanly or report one error
 * with a sane position; printing the diagnostic must not crash either. */
static void check_total(const char *src, size_t len) {
    AstArena *a = ast_arena_new();
    Diag d = {0};
    Node *p = parse_program(a, "fuzz.act", src, len, &d);
    if (p) {
        CHECK(!d.set && p->kind == N_BLOCK);
        char *buf = NULL;
        size_t blen = 0;
        FILE *f = open_memstream(&buf, &blen);
        ast_dump(p, f);
        fclose(f);
        free(buf);
    } else {
        CHECK(d.set && d.line >= 1 && d.col >= 1);
        char *buf = NULL;
        size_t blen = 0;
        FILE *f = open_memstream(&buf, &blen);
        diag_print(&d, src, len, f);
        fclose(f);
        CHECK(blen > 0);
        free(buf);
    }
    ast_arena_free(a);
}

/* ===================================================================== */
/* Snippets: source => dump                                              */
/* ===================================================================== */

static const struct { const char *src, *dump; } DUMPS[] = {
    {"1 + 2 * 3",
     "(+ 1 (* 2 3))"},
    {"2 ** 3 ** 2",
     "(** (** 2 3) 2)"},
    {"-2 ** 2",
     "(** -2 2)"},
    {"a - -1",
     "(- a -1)"},
    {"a ++ b ++ c",
     "(++ a (++ b c))"},
    {"\"a\" <> \"b\" <> c",
     "(<> \"a\" (<> \"b\" c))"},
    {"1..10//2",
     "(..// 1 10 2)"},
    {"x not in [1, 2]",
     "(not in x [1, 2])"},
    {"a |> f(b) |> g()",
     "(|> (|> a (call f b)) (call g))"},
    {"a < b and c >= d or e",
     "(or (and (< a b) (>= c d)) e)"},
    {"a === b && c !== d || e",
     "(|| (&& (=== a b) (!== c d)) e)"},
    {"not a == b",
     "(== (not a) b)"},
    {"^x = y",
     "(= (^ x) y)"},
    {"a = b = c",
     "(= a (= b c))"},
    {"x = 1 + 2 == 3",
     "(= x (== (+ 1 2) 3))"},
    {"-x.y",
     "(- (field x y))"},
    {"x\n"
     "|> Enum.map(fn y -> y end)\n"
     "|> Enum.sum()",
     "(|> (|> x (remote Enum map (fn (-> [y] y)))) (remote Enum sum))"},
    {"a +\n"
     "  b",
     "(+ a b)"},
    {"0xFF + 0b101 + 0o17 + 1_000_000",
     "(+ (+ (+ 255 5) 15) 1000000)"},
    {"123456789012345678901234567890",
     "123456789012345678901234567890"},
    {"-9223372036854775808",
     "-9223372036854775808"},
    {"0xFFFF_FFFF_FFFF_FFFF_FF",
     "4722366482869645213695"},
    {"[1.5, 1.0e-5, 2.5e3, -0.5]",
     "[1.5000000000000000e+00, 1.0000000000000001e-05, 2.5000000000000000e+03, -5.0000000000000000e-01]"},
    {"[:ok, :\"two words\", :+, :==, :ok?, true, false, nil]",
     "[:ok, :\"two words\", :\"+\", :\"==\", :ok?, true, false, nil]"},
    {"\"abc\\n\\t\\r\\\\\\\"\\#{x}\\e\\0\"",
     "\"abc\\n\\t\\r\\\\\\\"\\#{x}\\e\\0\""},
    {"\"\\x41\\u00e9\\u{1F600}\"",
     "\"Aé😀\""},
    {"\"a#{x}b#{y + 1}c\"",
     "(interp \"a\" x \"b\" (+ y 1) \"c\")"},
    {"\"#{\"nested #{inner}\"} and #{m[:a]}\"",
     "(interp (interp \"nested \" inner) \" and \" (access m :a))"},
    {"'héllo'",
     "[104, 233, 108, 108, 111]"},
    {"[?a, ?\\n, ?\\\\, ?é, ?\\s]",
     "[97, 10, 92, 233, 32]"},
    {"Foo.Bar.Baz",
     "Foo.Bar.Baz"},
    {"__MODULE__.f(1)",
     "(remote __MODULE__ f 1)"},
    {"x = \"\"\"\n"
     "    in x #{1 + 2}\n"
     "      two\n"
     "    end\n"
     "    \"\"\"",
     "(= x (interp \"in x \" (+ 1 2) \"\\n  two\\nend\\n\"))"},
    {"f(x, a: 1, b: 2)",
     "(call f x [a: 1, b: 2])"},
    {"Mod.Sub.fun(1, 2)",
     "(remote Mod.Sub fun 1 2)"},
    {":ets.new(:t, [:set])",
     "(remote :ets new :t [:set])"},
    {"f.(x, y)",
     "(dotcall f x y)"},
    {"m.a.b",
     "(field (field m a) b)"},
    {"m[:k][:j]",
     "(access (access m :k) :j)"},
    {"foo().bar",
     "(field (call foo) bar)"},
    {"Mod.fun",
     "(field Mod fun)"},
    {"raise ArgumentError, \"msg\"",
     "(call-np raise ArgumentError \"msg\")"},
    {"IO.puts \"hi\"",
     "(remote IO puts \"hi\")"},
    {"@impl true",
     "(@ impl true)"},
    {"@doc \"\"\"\n"
     "Docs.\n"
     "\"\"\"",
     "(@ doc \"Docs.\\n\")"},
    {"@x[:k]",
     "(access (@ x) :k)"},
    {"{Registry, keys: :unique, name: R}",
     "{Registry, [keys: :unique, name: R]}"},
    {"[1, 2, a: 3]",
     "[1, 2, {:a, 3}]"},
    {"[\"a b\": 1, c: 2]",
     "[\"a b\": 1, c: 2]"},
    {"%{\"k\" => 1, a: 2}",
     "%{\"k\" => 1, :a => 2}"},
    {"%{m | \"k\" => 2, b: 3}",
     "%{m | \"k\" => 2, :b => 3}"},
    {"%Foo.Bar{a: 1}",
     "%Foo.Bar{:a => 1}"},
    {"%__MODULE__{x: 1}",
     "%__MODULE__{:x => 1}"},
    {"<<x::8, rest::binary>>",
     "<<(:: x 8), (:: rest binary)>>"},
    {"[a, b | t]",
     "[a, b | t]"},
    {"{}",
     "{}"},
    {"&Mod.fun/2",
     "(& (/ (field Mod fun) 2))"},
    {"&f/1",
     "(& (/ f 1))"},
    {"&(&1 + &2)",
     "(& (+ &1 &2))"},
    {"&{&1, &2}",
     "(& {&1, &2})"},
    {"&[&1]",
     "(& [&1])"},
    {"& &1.name",
     "(& (field &1 name))"},
    {"Enum.map(list, &(&1 * 2))",
     "(remote Enum map list (& (* &1 2)))"},
    {"foo bar, baz",
     "(call-np foo bar baz)"},
    {"defmodule Bank.Account do\n"
     "  @fee 2\n"
     "  defstruct name: nil, n: 0\n"
     "\n"
     "  def new(owner, balance \\\\ 0), do: %{owner: owner, balance: balance}\n"
     "\n"
     "  def withdraw(%{balance: b} = acc, amount) when amount > 0 and amount <= b do\n"
     "    {:ok, %{acc | balance: b - amount - @fee}}\n"
     "  end\n"
     "\n"
     "  defp helper(x), do: x\n"
     "  def get_state do\n"
     "    :state\n"
     "  end\n"
     "end",
     "(call-np defmodule Bank.Account [do: (block (@ fee 2) (call-np defstruct [name: nil, n: 0]) (call-np def (call new owner (\\\\ balance 0)) [do: %{:owner => owner, :balance => balance}]) (call-np def (when (call withdraw (= %{:balance => b} acc) amount) (and (> amount 0) (<= amount b))) [do: {:ok, %{acc | :balance => (- (- b amount) (@ fee))}}]) (call-np defp (call helper x) [do: x]) (call-np def get_state [do: :state]))])"},
    {"if c do a else b end",
     "(call-np if c [do: a, else: b])"},
    {"if c, do: a, else: b",
     "(call-np if c [do: a, else: b])"},
    {"if foo(x) do\n"
     "  1\n"
     "  2\n"
     "end",
     "(call-np if (call foo x) [do: (block 1 2)])"},
    {"case x do\n"
     "  {:ok, v} when v > 0 -> v\n"
     "  {:error, _} = e ->\n"
     "    IO.puts(\"err\")\n"
     "    e\n"
     "  _ -> nil\n"
     "end",
     "(call-np case x [do: (stab (-> (when [{:ok, v}] (> v 0)) v) (-> [(= {:error, _} e)] (block (remote IO puts \"err\") e)) (-> [_] nil))])"},
    {"cond do\n"
     "  x > 1 -> :a\n"
     "  true -> :b\n"
     "end",
     "(call-np cond [do: (stab (-> [(> x 1)] :a) (-> [true] :b))])"},
    {"with {:ok, a} <- f(),\n"
     "     {:ok, b} <- g(a) do\n"
     "  a + b\n"
     "else\n"
     "  err -> err\n"
     "end",
     "(call-np with (<- {:ok, a} (call f)) (<- {:ok, b} (call g a)) [do: (+ a b), else: (stab (-> [err] err))])"},
    {"for x <- list, y <- 1..3, x > y, into: %{}, do: {x, y}",
     "(call-np for (<- x list) (<- y (.. 1 3)) (> x y) [into: %{}, do: {x, y}])"},
    {"try do\n"
     "  raise \"x\"\n"
     "rescue\n"
     "  e in ArgumentError -> e\n"
     "catch\n"
     "  :exit, r -> r\n"
     "after\n"
     "  IO.puts(\"done\")\n"
     "end",
     "(call-np try [do: (call-np raise \"x\"), rescue: (stab (-> [(in e ArgumentError)] e)), catch: (stab (-> [:exit, r] r)), after: (remote IO puts \"done\")])"},
    {"receive do\n"
     "  {:msg, x} -> x\n"
     "after\n"
     "  1000 -> :timeout\n"
     "end",
     "(call-np receive [do: (stab (-> [{:msg, x}] x)), after: (stab (-> [1000] :timeout))])"},
    {"receive(do: (x -> x))",
     "(call receive [do: (stab (-> [x] x))])"},
    {"fn {:ok, v} -> v; _ -> nil end",
     "(fn (-> [{:ok, v}] v) (-> [_] nil))"},
    {"fn -> :ok end",
     "(fn (-> [] :ok))"},
    {"fn a, b when a > b -> a end",
     "(fn (-> (when [a, b] (> a b)) a))"},
    {"if x do\n"
     "end",
     "(call-np if x [do: (block)])"},
    {"a; b; c",
     "a\n"
     "b\n"
     "c"},
    {"z = [\n"
     "  1,\n"
     "  2,\n"
     "]",
     "(= z [1, 2])"},
    {"spawn(fn ->\n"
     "  receive do\n"
     "    :ok -> :ok\n"
     "  end\n"
     "end)",
     "(call spawn (fn (-> [] (call-np receive [do: (stab (-> [:ok] :ok))]))))"},
    {"fn (a, b) when a > b -> a end",
     "(fn (-> (when [a, b] (> a b)) a))"},
    {"fn () -> 1 end",
     "(fn (-> [] 1))"},
    {"f = fn\n"
     "  (0) -> :zero\n"
     "  (n) when n > 0 -> :pos\n"
     "end",
     "(= f (fn (-> [0] :zero) (-> (when [n] (> n 0)) :pos)))"},
    {":\"a#{x}b\"",
     "(remote :erlang binary_to_atom (interp \"a\" x \"b\") :utf8)"},
    {"[&Kernel.+/2, &+/2, &-/1, &and/2]",
     "[(& (/ (field Kernel +) 2)), (& (/ + 2)), (& (/ - 1)), (& (/ and 2))]"},
    {":erlang.++([1], [2])",
     "(remote :erlang ++ [1] [2])"},
    {"!x in y",
     "(! (in x y))"},
    {"!x + 1 in y",
     "(in (+ (! x) 1) y)"},
    {"x = -1..-5//-1",
     "(= x (..// -1 -5 -1))"},
    {"a .. b .. c",
     "(.. a (.. b c))"},
    {"if x, do: raise \"boom\", else: 1",
     "(call-np if x [do: (call-np raise \"boom\" [else: 1])])"},
    {"[if a, b do\n"
     "  1\n"
     "end]",
     "[(call-np if a b [do: 1])]"},
    {"f(g g 1, 2)",
     "(call f (call-np g (call-np g 1 2)))"},
    {"if foo x, y do 1 end",
     "(call-np if (call-np foo x y) [do: 1])"},
    {"x = foo bar do 1 end",
     "(= x (call-np foo bar [do: 1]))"},
    {"if -x do 1 end",
     "(call-np if (- x) [do: 1])"},
    {"y = a!=b",
     "(= y (= a! b))"},
    {"x.y do\n"
     "  1\n"
     "end",
     "(remote x y [do: 1])"},
    {"f.(1) do\n"
     "  2\n"
     "end",
     "(dotcall f 1 [do: 2])"},
    {"%{v | a: if c, do: receive do\n"
     "  1 -> 2\n"
     "end}",
     "%{v | :a => (call-np if c [do: receive] [do: (stab (-> [1] 2))])}"},
    {"1.foo",
     "(field 1 foo)"},
    {"'''\n"
     "  charlist heredoc\n"
     "  '''",
     "[99, 104, 97, 114, 108, 105, 115, 116, 32, 104, 101, 114, 101, 100, 111, 99, 10]"},
    {"\"a\\\n"
     "b\"",
     "\"ab\""},
    /* several guards nest to the right: {:when, [x, {:when, [g1, g2]}]} */
    {"def f(x) when a when b, do: 1",
     "(call-np def (when (call f x) (when a b)) [do: 1])"},
    {"fn x when g1 when g2 -> 1 end",
     "(fn (-> (when [x] (when g1 g2)) 1))"},
    {"fn x, y when a when b -> 1 end",
     "(fn (-> (when [x, y] (when a b)) 1))"},
    {"fn (x, y) when a when b -> 1 end",
     "(fn (-> (when [x, y] (when a b)) 1))"},
    {"case 1 do\n  x when a when b when c -> 1\nend",
     "(call-np case 1 [do: (stab (-> (when [x] (when a (when b c))) 1))])"},
    /* glued sign after a name: a call (Elixir's ambiguous_op) */
    {"n -1 + 2",
     "(call-np n (+ -1 2))"},
    {"f(n -x)",
     "(call f (call-np n (- x)))"},
    {"n +1\nm -\"s\"\nk -?a\nj -@a\ni -Foo",
     "(call-np n (+ 1))\n(call-np m (- \"s\"))\n(call-np k (- 97))\n(call-np j (- (@ a)))\n(call-np i (- Foo))"},
    {"[n -[1], n -%{}, n -<<1>>, n -{1}, n --1]",
     "[(- n [1]), (- n %{}), (- n <<1>>), (- n {1}), (-- n 1)]"},
    {"@x -1",
     "(@ x -1)"},
    {"a.b -1",
     "(remote a b -1)"},
    {"a.b x",
     "(remote a b x)"},
    {"a.b [1]",
     "(remote a b [1])"},
    /* Unicode atoms and variables (UAX #31), `@` in atoms */
    {":é",
     ":é"},
    {"[:日本, :Élixir, :aé@b, :a·b, :_é, :é?, :ω!]",
     "[:日本, :Élixir, :aé@b, :a·b, :_é, :é?, :ω!]"},
    {"olá = 1; olá + é1",
     "(= olá 1)\n(+ olá é1)"},
    {"[Élixir: 1, Éa?: 2]",
     "[Élixir: 1, Éa?: 2]"},
    {"[é: 1, ñ_x: 2]",
     "[é: 1, ñ_x: 2]"},
    {"x.é(1)",
     "(remote x é 1)"},
    {"é do\n  1\nend",
     "(call-np é [do: 1])"},
};

static void test_dumps(void) {
    for (size_t i = 0; i < sizeof DUMPS / sizeof DUMPS[0]; i++) {
        Diag d;
        char *out = dump_src(DUMPS[i].src, strlen(DUMPS[i].src), &d);
        if (!out) fprintf(stderr, "parse error in snippet %zu: %d:%d: %s\n", i, d.line, d.col, d.msg);
        CHECK_EQ_STR(out, DUMPS[i].dump);
        free(out);
    }
}

/* Trees whose shape the dump cannot show: positions, flags, lengths. */
static void test_nodes(void) {
    AstArena *a = ast_arena_new();
    Diag d = {0};
    const char *src = "x =\n  foo(1, k: 2)\nIO.puts \"a\\0b\"\nbar 1\n";
    Node *p = parse_program(a, "t.act", src, strlen(src), &d);
    REQUIRE(p && p->nkids == 3);
    Node *m = p->kids[0];
    CHECK_EQ_INT(m->kind, N_BINOP);
    CHECK_EQ_INT(m->line, 1);
    CHECK_EQ_INT(m->col, 1);
    Node *call = m->kids[1];
    CHECK_EQ_INT(call->kind, N_CALL);
    CHECK_EQ_INT(call->line, 2);
    CHECK_EQ_INT(call->col, 3);
    CHECK(call->flags & NF_PARENS);
    REQUIRE(call->nkids == 2);
    CHECK(call->kids[1]->flags & NF_KW);
    Node *v = ast_kw_get(call->kids[1], "k");
    REQUIRE(v != NULL);
    CHECK_EQ_INT(v->ival, 2);
    CHECK(ast_kw_get(call->kids[1], "nope") == NULL);
    Node *r = p->kids[1];
    CHECK_EQ_INT(r->kind, N_REMOTE);
    REQUIRE(r->nkids == 2);
    CHECK_EQ_INT(r->kids[1]->kind, N_STRING);
    CHECK_EQ_INT(r->kids[1]->len, 3);
    CHECK_EQ_MEM(r->kids[1]->str, "a\0b", 3);
    CHECK(!(p->kids[2]->flags & NF_PARENS));
    ast_arena_free(a);

    /* `n -1` (space before the sign, none after) is Elixir's ambiguous_op
     * call n(-1); `n - 1`, `n-1`, `n -(1)`, `n -:a` subtract. */
    a = ast_arena_new();
    memset(&d, 0, sizeof d);
    src = "n -1\nraise -1\nn - 1\nn-1\nn -(1)\nn -:a\nn -1, 2\nn +x";
    p = parse_program(a, "t.act", src, strlen(src), &d);
    REQUIRE(p && p->nkids == 8);
    CHECK_EQ_INT(p->kids[0]->kind, N_CALL);
    CHECK_EQ_STR(p->kids[0]->name, "n");
    CHECK(!(p->kids[0]->flags & NF_PARENS));
    CHECK(p->kids[0]->flags & NF_AMBIGUOUS_OP);
    REQUIRE(p->kids[0]->nkids == 1);
    CHECK_EQ_INT(p->kids[0]->kids[0]->ival, -1);
    CHECK_EQ_INT(p->kids[1]->kind, N_CALL);
    REQUIRE(p->kids[1]->nkids == 1);
    CHECK_EQ_INT(p->kids[1]->kids[0]->ival, -1);
    for (int i = 2; i <= 5; i++) {
        CHECK_EQ_INT(p->kids[i]->kind, N_BINOP);
        CHECK_EQ_STR(p->kids[i]->name, "-");
    }
    CHECK_EQ_INT(p->kids[6]->kind, N_CALL); /* two arguments: not ambiguous */
    CHECK_EQ_INT(p->kids[6]->nkids, 2);
    CHECK(!(p->kids[6]->flags & NF_AMBIGUOUS_OP));
    CHECK(p->kids[7]->flags & NF_AMBIGUOUS_OP);
    ast_arena_free(a);

    /* bigint text, and keyword key flags */
    a = ast_arena_new();
    memset(&d, 0, sizeof d);
    src = "0x1_0000_0000_0000_0000\n[\"a b\": 1]";
    p = parse_program(a, "t.act", src, strlen(src), &d);
    REQUIRE(p && p->nkids == 2);
    CHECK(p->kids[0]->flags & NF_BIGINT);
    CHECK_EQ_STR(p->kids[0]->name, "18446744073709551616");
    REQUIRE(p->kids[1]->nkids == 1);
    CHECK(p->kids[1]->kids[0]->kids[0]->flags & NF_QUOTED_ATOM_KEY);
    CHECK_EQ_STR(p->kids[1]->kids[0]->kids[0]->name, "a b");
    ast_arena_free(a);
}

/* ===================================================================== */
/* Errors: position and message                                          */
/* ===================================================================== */

static const struct { const char *src; int line, col; const char *msg; } ERRORS[] = {
    {"defmodule A do\n  def f do\n    1\n  end\n", 5, 1, "missing terminator: end (for \"do\" starting at line 1)"},
    {"f(1, 2", 1, 7, "missing terminator: ) (for \"(\" starting at line 1)"},
    {"x = [1, 2", 1, 10, "missing terminator: ] (for \"[\" starting at line 1)"},
    {"%{a: 1", 1, 7, "missing terminator: } (for \"{\" starting at line 1)"},
    {"foo(\n  1,\n  2\n", 4, 1, "missing terminator: ) (for \"(\" starting at line 1)"},
    {"if x do\n  1\nelse\n", 4, 1, "missing terminator: end (for \"do\" starting at line 1)"},
    {"x = fn y ->\n y\n", 3, 1, "missing terminator: end (for \"fn\" starting at line 1)"},
    {"x = )", 1, 5, "unexpected token: )"},
    {"1 + * 2", 1, 5, "unexpected token: *"},
    {"[1, 2,, 3]", 1, 7, "unexpected token: ,"},
    {"x -> y", 1, 3, "unexpected token: ->"},
    {"end", 1, 1, "unexpected reserved word: end"},
    {"x = 1 +", 1, 8, "unexpected end of file"},
    {"x = {1, 2]", 1, 10, "unexpected token: ]. The \"{\" at line 1 is missing terminator \"}\""},
    {"f(a: 1, 2)", 1, 7, "unexpected expression after keyword list. Keyword lists must always come as the last argument"},
    {"[a: 1, 2]", 1, 6, "unexpected expression after keyword list. Keyword lists must always come last in lists and maps"},
    {"[1, 2, 3\nIO.inspect(list)\n", 3, 1, "missing terminator: ] (for \"[\" starting at line 1)"},
    {"def a do\n  a + )\nend", 2, 7, "unexpected token: ). The \"do\" at line 1 is missing terminator \"end\""},
    {"x = (1\nend", 2, 1, "unexpected reserved word: end. The \"(\" at line 1 is missing terminator \")\""},
    {"\"#{(}\"", 1, 5, "unexpected token: }. The \"(\" at line 1 is missing terminator \")\""},
    {"<<1, 2", 1, 7, "missing terminator: >> (for \"<<\" starting at line 1)"},
    {"[foo 1, 2]", 1, 7, "unexpected comma. Parentheses are required to solve ambiguity inside containers"},
    {"f(a, b c, d)", 1, 9, "unexpected comma. Parentheses are required to solve ambiguity in nested calls"},
    {"with a <- b, c <- if x, do: y, else: z do\n  1\nend", 1, 23,
     "unexpected comma. Parentheses are required to solve ambiguity in nested calls"},
    {"if x do 1 end.y", 1, 14, "unexpected token: ."},
    {"case x do\n  if a do 1 end -> 2\nend", 2, 17, "unexpected token: ->"},
    {"x = ~w(a b)", 1, 5, "sigils are not supported in Act"},
    {"\"abc", 1, 5, "missing terminator: \" (for string starting at line 1)"},
    {"x = \"abc\n\ny = 1\n", 4, 1, "missing terminator: \" (for string starting at line 1)"},
    {"x = 'abc", 1, 9, "missing terminator: ' (for string starting at line 1)"},
    {"\"\"\"\nabc\n", 3, 1, "missing terminator: \"\"\" (for heredoc starting at line 1)"},
    {"12abc", 1, 1, "invalid character \"a\" after number 12"},
    {"0x", 1, 1, "invalid number: missing digits after 0x"},
    {"fn x end", 1, 1, "expected anonymous functions to be defined with -> inside: 'fn'"},
    {"x = 1\n  y = $", 2, 7, "unexpected character \"$\""},
    {"\"\\u{110000}\"", 1, 2, "invalid or reserved Unicode code point \\u{110000}"},
    {"\"a#{1 + }\"", 1, 9, "unexpected token: }"},
    {"case x do\n  1 -> :a\n  2\n  3 4\nend", 4, 5, "unexpected token: 4"},
    {"if x do\n  y\n  a -> b\nend", 3, 5, "unexpected token: ->"},
    {"%Foo", 1, 5, "unexpected end of file"},
    {"@ x", 1, 3, "unexpected token: x"},
    {"IO.inspect(:Elixir.Foo.Bar)", 1, 20, "atom cannot be followed by an alias. If the '.' was meant to be "
     "part of the atom's name, the atom name must be quoted. Syntax error before: '.'"},
    {"x = true.Foo", 1, 10, "atom cannot be followed by an alias. If the '.' was meant to be "
     "part of the atom's name, the atom name must be quoted. Syntax error before: '.'"},
    {"IO.inspect(\xc3\x89lixir)", 1, 12, "unexpected token: \"\xc3\x89\" (column 12, code point U+00C9)"},
    {"x = :\xc3\x89\xe2\x82\xac", 1, 8, "unexpected token: \"\xe2\x82\xac\" (column 8, code point U+20AC)"},
    {"x = :\xef\xbd\x81", 1, 5, "unexpected character \":\""},
    /* invalid UTF-8 anywhere, even in a comment, rejects the file */
    {"x = a\xcc\x81\xcc", 1, 8, "unexpected character \"\\xCC\""},
    {"# \xc3\xa9\n  \"\xff\" # 012345678", 2, 4, "unexpected character \"\\xFF\""},
    {"# \xc0\xaf overlong", 1, 3, "unexpected character \"\\xC0\""},
    {"\"\xed\xa0\x80\"", 1, 2, "unexpected character \"\\xED\""},
};

static void test_errors(void) {
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) {
        Diag d;
        char *out = dump_src(ERRORS[i].src, strlen(ERRORS[i].src), &d);
        if (out) fprintf(stderr, "error case %zu parsed: %s\n", i, out);
        CHECK(out == NULL);
        free(out);
        CHECK(d.set);
        if (d.line != ERRORS[i].line || d.col != ERRORS[i].col)
            fprintf(stderr, "error case %zu: %s\n", i, ERRORS[i].src);
        CHECK_EQ_INT(d.line, ERRORS[i].line);
        CHECK_EQ_INT(d.col, ERRORS[i].col);
        CHECK_EQ_STR(d.msg, ERRORS[i].msg);
    }
}

static void test_diag_print(void) {
    Diag d = {0};
    diag_set(&d, "f.act", 2, 5, "unexpected token: %s", ")");
    diag_set(&d, "f.act", 9, 9, "ignored: %d", 1); /* only the first error counts */
    char *s = diag_text(&d, "a = 1\nb = )\nc\n");
    CHECK_EQ_STR(s, "f.act:2:5: unexpected token: )\n    b = )\n        ^\n");
    free(s);
    /* tabs in the line are copied so the caret lines up */
    Diag t = {0};
    diag_set(&t, "f.act", 1, 3, "m");
    s = diag_text(&t, "\t\tx");
    CHECK_EQ_STR(s, "f.act:1:3: m\n    \t\tx\n    \t\t^\n");
    free(s);
    /* an error past the last line prints no source line */
    Diag e = {0};
    diag_set(&e, "f.act", 3, 1, "unexpected end of file");
    s = diag_text(&e, "a\nb\n");
    CHECK_EQ_STR(s, "f.act:3:1: unexpected end of file\n");
    free(s);
}

/* ===================================================================== */
/* Real programs                                                         */
/* ===================================================================== */

static const char *bench_dir = "/work/shared/bench";
static const char *seeds_dir = "/work/shared/seeds";

static void test_bench(void) {
    DIR *dir = opendir(bench_dir);
    if (!dir) { printf("test_bench: %s absent, skipped\n", bench_dir); return; }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dir))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".act")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", bench_dir, e->d_name);
        size_t len;
        char *src = read_file(path, &len);
        REQUIRE(src != NULL);
        Diag d;
        char *out = dump_src(src, len, &d);
        if (!out) fprintf(stderr, "%s:%d:%d: %s\n", path, d.line, d.col, d.msg);
        CHECK(out != NULL);
        n++;
        /* every prefix and a sample of mutations must be handled cleanly */
        for (size_t k = 0; k < len; k++) check_total(src, k);
        unsigned seed = 7;
        for (int m = 0; m < 300 && len > 0; m++) {
            char *c = malloc(len + 1);
            memcpy(c, src, len + 1);
            for (int j = 0; j < 3; j++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % len;
                static const char pool[] = "()[]{}%<>\"'#\\:;,.|&@?-+=\n do end fn ->x1";
                c[at] = pool[(seed >> 16) % (sizeof pool - 1)];
            }
            check_total(c, len);
            free(c);
        }
        free(out);
        free(src);
    }
    closedir(dir);
    CHECK(n > 0);
}

/* Every ```elixir block of the seed texts parses, except blocks that use
 * `...` as a placeholder (Elixir rejects those too). */
static void test_seeds(void) {
    DIR *dir = opendir(seeds_dir);
    if (!dir) { printf("test_seeds: %s absent, skipped\n", seeds_dir); return; }
    struct dirent *e;
    int blocks = 0;
    while ((e = readdir(dir))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", seeds_dir, e->d_name);
        size_t len;
        char *src = read_file(path, &len);
        REQUIRE(src != NULL);
        const char *p = src;
        while ((p = strstr(p, "```elixir\n"))) {
            p += 10;
            const char *end = strstr(p, "```");
            if (!end) break;
            size_t n = (size_t)(end - p);
            char *code = strndup(p, n);
            bool placeholder = strstr(code, "...") != NULL;
            Diag d;
            char *out = dump_src(code, n, &d);
            if (!placeholder) {
                if (!out) fprintf(stderr, "%s block %d: %d:%d: %s\n", path, blocks, d.line, d.col, d.msg);
                CHECK(out != NULL);
            }
            blocks++;
            free(out);
            free(code);
            p = end + 3;
        }
        free(src);
    }
    closedir(dir);
    CHECK(blocks > 0);
}

/* ===================================================================== */
/* Fuzzing                                                               */
/* ===================================================================== */

static void test_fuzz_bytes(void) {
    unsigned seed = 12345;
    char buf[512];
    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)(i % 97) * 5;
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            buf[k] = (char)(seed >> 16);
            /* half the inputs ASCII only: random high bytes are almost never
             * valid UTF-8, and such a file is rejected before tokenizing */
            if (i % 2) buf[k] &= 0x7F;
        }
        check_total(buf, n);
    }
}

static void test_fuzz_tokens(void) {
    static const char *const vocab[] = {
        "(", ")", "[", "]", "{", "}", "%{", "%", "<<", ">>", ",", ";", "\n", ".", "|", "->", "<-",
        "=>", "=", "+", "-", "*", "/", "**", "..", "//", "<>", "++", "|>", "==", "&&", "!", "^",
        "&", "&1", "@", "::", "\\\\", "when", "in", "not", "and", "do", "end", "fn", "else",
        "after", "rescue", "catch", "if", "case", "def", "x", "y", "Foo", "Foo.Bar", ":ok",
        "a:", "\"s\"", "\"#{", "}\"", "'c'", "?a", "1", "2.5", "0x1F", "nil", "true",
        "__MODULE__", " ", "\"\"\"\n", "#", "\\", ".(",
    };
    size_t nv = sizeof vocab / sizeof vocab[0];
    unsigned seed = 99;
    char buf[2048];
    for (int i = 0; i < 30000; i++) {
        size_t len = 0;
        int ntok = i % 40;
        for (int k = 0; k < ntok; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *t = vocab[(seed >> 16) % nv];
            size_t tl = strlen(t);
            if (len + tl + 1 >= sizeof buf) break;
            memcpy(buf + len, t, tl);
            len += tl;
            if ((seed >> 8) & 1) buf[len++] = ' ';
        }
        check_total(buf, len);
    }
    /* deep nesting must give an error, not a stack overflow */
    size_t n = 100000;
    char *deep = malloc(n);
    for (size_t k = 0; k < n; k++) deep[k] = "([{"[k % 3];
    check_total(deep, n);
    for (size_t k = 0; k < n; k++) deep[k] = (k % 2) ? '-' : '!';
    check_total(deep, n);
    for (size_t k = 0; k + 3 < n; k += 3) memcpy(deep + k, "\"#{", 3);
    check_total(deep, n - n % 3);
    free(deep);
}

static void test_fuzz_snippets(void) {
    for (size_t i = 0; i < sizeof DUMPS / sizeof DUMPS[0]; i++) {
        size_t len = strlen(DUMPS[i].src);
        for (size_t k = 0; k <= len; k++) check_total(DUMPS[i].src, k);
    }
}

int main(int argc, char **argv) {
    if (argc > 1) bench_dir = argv[1];
    if (argc > 2) seeds_dir = argv[2];
    RUN(test_dumps);
    RUN(test_nodes);
    RUN(test_errors);
    RUN(test_diag_print);
    RUN(test_bench);
    RUN(test_seeds);
    RUN(test_fuzz_bytes);
    RUN(test_fuzz_tokens);
    RUN(test_fuzz_snippets);
    return unit_summary();
}
