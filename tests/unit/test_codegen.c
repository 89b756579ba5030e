/* test_codegen.c — the code generator: every construct compiles to modules
 * that verify; the shapes that matter for speed (tail calls, fused tests,
 * no wasted moves in fib); compile errors with positions; and execution of
 * compiled code on the interpreter, checking results. */
#include <stdlib.h>
#include "unit.h"
#include "compiler.h"
#include "module.h"
#include "heap.h"
#include "atom.h"
#include "opinfo.h"
#include "interp.h"
#include "map.h"

static bool compile(const char *src, CompileResult *r, Diag *d) {
    memset(d, 0, sizeof *d);
    return compile_source("t.act", src, strlen(src), r, d);
}

static bool all_verify(CompileResult *r) {
    char err[256];
    for (size_t i = 0; i <= r->nmodules; i++) {
        Module *m = i < r->nmodules ? r->modules[i] : r->script;
        if (!m) continue;
        if (!module_verify(m, err, sizeof err)) {
            fprintf(stderr, "verify: %s\n", err);
            return false;
        }
    }
    return true;
}

static const Function *find_fn(const Module *m, const char *name, uint32_t arity) {
    int i = module_func_index(m, atom_intern_cstr(name), arity);
    return i < 0 ? NULL : &m->funcs[i];
}

static int count_op(const Function *f, int op) {
    int n = 0;
    for (uint32_t pc = 0; pc < f->code_len; pc += op_info[f->code[pc]].size) n += (int)f->code[pc] == op;
    return n;
}

static const char *EVERYTHING =
    "defmodule A.B do\n"
    "  defstruct x: 1, y: nil\n"
    "  defmodule Inner do\n"
    "    def hi, do: :hi\n"
    "  end\n"
    "end\n"
    "defmodule Err do\n"
    "  defexception message: \"bad\"\n"
    "end\n"
    "defmodule All do\n"
    "  @c [1, 2]\n"
    "  def a(x) when x in @c or x in 5..7, do: :in\n"
    "  def a(%A.B{x: x} = s), do: {x, s}\n"
    "  def a(\"p\" <> r), do: r\n"
    "  def a([h, h | t]), do: {h, t}\n"
    "  def a(%{\"k\" => v}) when is_map(v) and map_size(v) > 0, do: v\n"
    "  def a(x), do: x\n"
    "  def b(x, y \\\\ 1, z \\\\ 2), do: x + y + z\n"
    "  def c(l) do\n"
    "    for x <- l, is_integer(x), {:ok, y} <- [{:ok, x}], into: %{}, do: {x, y}\n"
    "  end\n"
    "  def d(l), do: for(x <- l, reduce: 0, do: (acc -> acc + x))\n"
    "  def e(x) do\n"
    "    with {:ok, y} <- x, z = y + 1, true <- z > 1 do z else _ -> :no end\n"
    "  end\n"
    "  def f(x) do\n"
    "    try do\n"
    "      x.()\n"
    "    rescue\n"
    "      e in [ArgumentError, Err] -> {e, __STACKTRACE__}\n"
    "      Err -> :err\n"
    "    catch\n"
    "      :throw, v -> v\n"
    "      v -> v\n"
    "    else\n"
    "      r -> r\n"
    "    after\n"
    "      :done\n"
    "    end\n"
    "  end\n"
    "  def g(t) do\n"
    "    receive do\n"
    "      {:a, x} when x > 1 -> x\n"
    "      :b -> :b\n"
    "    after\n"
    "      t -> :timeout\n"
    "    end\n"
    "  end\n"
    "  def h(m, k), do: {m[k], m.k, %{m | k: 1}, &(&1 + &2), &h/2, &Enum.map/2, __MODULE__}\n"
    "  def i(x), do: \"#{x} and #{inspect(x)}\" <> \"!\"\n"
    "  def j(x), do: x |> a() |> b(2) |> Kernel.max(1)\n"
    "  def k(x) do\n    cond do x -> 1; true -> 2 end\n  end\n"
    "  def l(x, y), do: {x and y, x or y, x && y, x || y, !x, not x, x != y, x === y, x !== y}\n"
    "  def m(x), do: unless(x, do: 1, else: 2)\n"
    "  def n(f, x), do: apply(f, :g, [x]) + f.g(x)\n"
    "  def o(x), do: {-x, 1..x, 1..x//2, 10 ** 30, 1.5e3, :\"a b\", <<1, 2>>, 'ab'}\n"
    "  def p(x) do\n"
    "    y = x\n"
    "    f = fn\n"
    "      ^y -> :same\n"
    "      {z, _} when z > y -> fn -> z + y end\n"
    "      _ -> :other\n"
    "    end\n"
    "    f.(x)\n"
    "  end\n"
    "end\n"
    "x = All.a(1)\n"
    "IO.inspect(x)\n";

static void test_everything_verifies(void) {
    CompileResult r;
    Diag d;
    bool ok = compile(EVERYTHING, &r, &d);
    if (!ok) diag_print(&d, EVERYTHING, strlen(EVERYTHING), stderr);
    REQUIRE(ok);
    CHECK_EQ_UINT(r.nmodules, 4);
    CHECK(r.script != NULL);
    CHECK(all_verify(&r));
    size_t len;
    CHECK_EQ_STR(atom_name(r.modules[1]->name, &len), "Elixir.A.B.Inner");
    Module *all = r.modules[3];
    CHECK(find_fn(all, "b", 1) && find_fn(all, "b", 2) && find_fn(all, "b", 3));
    CHECK(find_fn(r.modules[0], "__struct__", 0) && find_fn(r.modules[0], "__struct__", 1));
    CHECK(find_fn(r.modules[2], "exception", 1) && find_fn(r.modules[2], "message", 1));
    const Function *g = find_fn(all, "g", 1);
    REQUIRE(g != NULL);
    CHECK_EQ_INT(count_op(g, OPC_LOOP_REC), 1);
    CHECK_EQ_INT(count_op(g, OPC_WAIT_TIMEOUT), 1);
    CHECK_EQ_INT(count_op(g, OPC_REMOVE_MSG), 2);
    const Function *f = find_fn(all, "f", 1);
    REQUIRE(f != NULL);
    CHECK_EQ_INT(count_op(f, OPC_TRY), 2);     /* rescue/catch + after */
    CHECK(count_op(f, OPC_RERAISE) == 2);
    compile_result_free(&r);
}

static void test_shapes(void) {
    const char *src =
        "defmodule Fib do\n"
        "  def fib(n) when n < 2, do: n\n"
        "  def fib(n), do: fib(n - 1) + fib(n - 2)\n"
        "  def loop(0, acc), do: acc\n"
        "  def loop(n, acc), do: loop(n - 1, acc + 1)\n"
        "  def ext(x), do: Enum.map(x, &inspect/1)\n"
        "  def cap(a, b), do: fn -> a + b end\n"
        "  def swap(a, b), do: {swap(b, a), a}\n"
        "end\n";
    CompileResult r;
    Diag d;
    REQUIRE(compile(src, &r, &d));
    CHECK(all_verify(&r));
    Module *m = r.modules[0];
    const Function *fib = find_fn(m, "fib", 1), *loop = find_fn(m, "loop", 2), *ext = find_fn(m, "ext", 1);
    REQUIRE(fib && loop && ext);
    CHECK_EQ_INT(count_op(fib, OPC_MOVE), 0);
    /* n < 2 compares with an immediate: no LOADI, no register form. */
    CHECK_EQ_INT(count_op(fib, OPC_TEST_LTI), 1);
    CHECK_EQ_INT(count_op(fib, OPC_TEST_LT), 0);
    CHECK_EQ_INT(count_op(fib, OPC_LOADI), 0);
    CHECK_EQ_INT(count_op(fib, OPC_CALL), 2);
    CHECK_EQ_INT(count_op(fib, OPC_ADDI), 2);
    CHECK_EQ_INT(count_op(loop, OPC_TCALL), 1);
    CHECK_EQ_INT(count_op(loop, OPC_CALL), 0);
    CHECK_EQ_INT(count_op(ext, OPC_TCALLX), 1);
    /* The two argument moves of swap's call are fused into one MOVE2. */
    const Function *sw = find_fn(m, "swap", 2);
    REQUIRE(sw);
    CHECK_EQ_INT(count_op(sw, OPC_MOVE2), 1);
    CHECK_EQ_INT(count_op(sw, OPC_MOVE), 1); /* the tuple's a, after the CALL */
    CHECK(fib->exported && fib->nregs == 3); /* R0 = n, R1/R2 = the two call windows */
    CHECK(fib->nlines > 0);
    /* The closure captures a and b. */
    REQUIRE(m->nlambdas == 1);
    CHECK_EQ_UINT(m->lambdas[0].nfree, 2);
    CHECK_EQ_UINT(m->lambdas[0].arity, 0);
    size_t len;
    CHECK_EQ_STR(atom_name(m->funcs[m->lambdas[0].func].name, &len), "-cap/2-fun-0-");
    CHECK_EQ_UINT(m->funcs[m->lambdas[0].func].nfree, 2);
    CHECK(!m->funcs[m->lambdas[0].func].exported);
    compile_result_free(&r);
}

static void expect_error(const char *src, int line, int col, const char *msg) {
    CompileResult r;
    Diag d;
    bool ok = compile(src, &r, &d);
    CHECK(!ok);
    if (ok) { compile_result_free(&r); return; }
    CHECK(d.set);
    CHECK_EQ_INT(d.line, line);
    if (col) CHECK_EQ_INT(d.col, col);
    if (!strstr(d.msg, msg)) fprintf(stderr, "message was: %s\n", d.msg);
    CHECK(strstr(d.msg, msg) != NULL);
}

static void test_errors(void) {
    expect_error("x = 1\ny + x\n", 2, 1, "undefined function y/0");
    expect_error("defmodule M do\n  def f(a), do: b\nend\n", 2, 17, "undefined function b/0");
    expect_error("x = 1\nz = ^x\n", 2, 5, "pin");
    expect_error("defmodule S do\n  defstruct a: 1\nend\n%S{b: 2}\n", 4, 0, "unknown key :b");
    expect_error("f = fn x -> x end\ng = fn -> _ end\n", 2, 0, "_");
    expect_error("case 1 do\n  f(x) -> x\nend\n", 2, 0, "inside a match");
    expect_error("defmodule M do\n  def f(x), do: x\n  defp f(x, y), do: x\n  defp f(x), do: x\nend\n", 4, 0, "already defined");
    expect_error("x = \"a\"\ny = x <> :b <> x\n", 2, 10, "expected binary argument in <> operator but got: :b");
    expect_error("x = \"a\"\ny = true <> x\n", 2, 5, "expected binary argument in <> operator but got: true");
}

/* ---- depth limits and long chains ---- */

/* "defmodule C do\n  def f(x) do\n    <head><op><item>...(n times)\n  end\nend\n" */
static char *chain_src(const char *head, const char *op, const char *item, size_t n) {
    size_t cap = 64 + strlen(head) + n * (strlen(op) + strlen(item));
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t k = (size_t)snprintf(s, cap, "defmodule C do\n  def f(x) do\n    %s", head);
    for (size_t i = 0; i < n; i++) k += (size_t)snprintf(s + k, cap - k, "%s%s", op, item);
    snprintf(s + k, cap - k, "\n  end\nend\n");
    return s;
}

static void test_long_chains(void) {
    /* 100k-term left-associative arithmetic compiles with a loop: one ADDI
     * per term and a constant number of registers. */
    char *src = chain_src("x", " + ", "1", 100000);
    REQUIRE(src);
    CompileResult r;
    Diag d;
    bool ok = compile(src, &r, &d);
    CHECK(ok);
    if (ok) {
        CHECK(all_verify(&r));
        const Function *f = find_fn(r.modules[0], "f", 1);
        REQUIRE(f);
        CHECK_EQ_INT(count_op(f, OPC_ADDI), 100000);
        CHECK(f->nregs <= 3);
        compile_result_free(&r);
    }
    free(src);
    /* Mixed operators and non-immediate operands. */
    src = chain_src("x", " - x * ", "2", 100000);
    REQUIRE(src);
    ok = compile(src, &r, &d);
    CHECK(ok);
    if (ok) {
        CHECK(all_verify(&r));
        const Function *f = find_fn(r.modules[0], "f", 1);
        REQUIRE(f);
        CHECK_EQ_INT(count_op(f, OPC_MUL), 100000);
        compile_result_free(&r);
    }
    free(src);
    /* Chains codegen must recurse on are a clean error, never a crash. */
    const char *deep[][3] = { { "x", " && ", "x" }, { "x", " || ", "x" }, { "x", " |> ", "abs()" },
                              { "x", " and ", "true" }, { "x", " in ", "[1]" } };
    for (size_t i = 0; i < sizeof deep / sizeof deep[0]; i++) {
        src = chain_src(deep[i][0], deep[i][1], deep[i][2], 100000);
        REQUIRE(src);
        expect_error(src, 3, 0, "expression nested too deeply");
        free(src);
    }
}

/* ---- undefined local functions (compile_kernel_has) ---- */

static bool stub_kernel_has(Term name, uint32_t arity) {
    return name == atom_intern_cstr("known") && arity == 1;
}

static void test_undefined_function(void) {
    const char *src = "defmodule M do\n  def f(x), do: known(x)\n  def g(x), do: foo(x)\nend\n";
    CompileResult r;
    Diag d;
    /* Without the hook (actc), unknown calls go to Kernel. */
    compile_kernel_has = NULL;
    CHECK(compile(src, &r, &d));
    compile_result_free(&r);
    compile_kernel_has = stub_kernel_has;
    expect_error(src, 3, 17, "undefined function foo/1 (expected M to define such a function or for it to be imported, but none are available)");
    expect_error("IO.puts(bar(1, 2))\n", 1, 9, "undefined function bar/2 (there is no such import)");
    /* Local definitions and Kernel's functions are fine; remote calls to
     * missing functions stay run-time errors. */
    CHECK(compile("defmodule M do\n  def f(x), do: known(g(x)) + N.nope(x)\n  defp g(x), do: x\nend\n", &r, &d));
    compile_result_free(&r);
    compile_kernel_has = NULL;
}

/* ---- execution ---- */

static const char *RUNSRC =
    "defmodule R do\n"
    "  def fib(n) when n < 2, do: n\n"
    "  def fib(n), do: fib(n - 1) + fib(n - 2)\n"
    "  def loop(0, acc), do: acc\n"
    "  def loop(n, acc), do: loop(n - 1, acc + 2)\n"
    "  def kind({:ok, v}) when v > 10, do: 1\n"
    "  def kind({:ok, _}), do: 2\n"
    "  def kind([a, a | _]), do: 3\n"
    "  def kind([_ | _]), do: 4\n"
    "  def kind(%{k: v}) when is_integer(v), do: 5\n"
    "  def kind(\"ab\" <> _), do: 6\n"
    "  def kind(x) when x in [:p, :q], do: 7\n"
    "  def kind(x) when hd(x) == 1, do: 8\n"
    "  def kind(_), do: 9\n"
    "  def clo(n) do\n"
    "    add = fn x -> x + n end\n"
    "    twice = fn f, x -> f.(f.(x)) end\n"
    "    twice.(add, 1)\n"
    "  end\n"
    "  def wth(x) do\n"
    "    with {:ok, a} <- x, b = a * 10, {:ok, c} <- {:ok, b + 1} do c else :err -> -1; _ -> -2 end\n"
    "  end\n"
    "  def thr(x) do\n"
    "    try do\n"
    "      if x > 0, do: throw(x * 2), else: x\n"
    "    catch\n"
    "      v -> v + 1\n"
    "    end\n"
    "  end\n"
    "  def cnd(x) do\n    cond do x < 0 -> -1; x == 0 -> 0; true -> 1 end\n  end\n"
    "  def dflt(a, b \\\\ 5), do: a * b\n"
    "  def rebind(x) do\n"
    "    x = x + 1\n"
    "    x = x * 2\n"
    "    case x do\n"
    "      x when x > 10 -> x\n"
    "      _ -> x - 1\n"
    "    end\n"
    "  end\n"
    "  def pin(x, y) do\n"
    "    case y do\n"
    "      ^x -> 1\n"
    "      _ -> 0\n"
    "    end\n"
    "  end\n"
    "  def logic(a, b), do: (a and b) || (not a && b == false)\n"
    "  def cap(x), do: (&(&1 * &2 + x)).(3, 4)\n"
    "  def rng(x) do\n"
    "    a..b = 1..x\n"
    "    c..d//s = 10..1\n"
    "    a + b + c + d + s\n"
    "  end\n"
    "  def lit(k), do: Map.get(%{a: 1, b: %{c: 2}}, k, 0)\n"
    "  def sub(m) do\n"
    "    case m do\n"
    "      %{b: %{}} -> 1\n"
    "      {%{}} -> 2\n"
    "      _ -> 3\n"
    "    end\n"
    "  end\n"
    "  def op, do: (&-/2).(10, 3)\n"
    "  defguard is_small(x) when is_integer(x) and x < 10\n"
    "  def grd(x) when is_small(x), do: 1\n"
    "  def grd(_), do: 0\n"
    "  def mt(x), do: match?({:ok, y} when y > 1, x)\n"
    "  defdelegate dlg(n), to: R, as: :fib\n"
    "  defmodule Sub do\n"
    "    defstruct v: 40\n"
    "    def v, do: %Sub{}.v + 2\n"
    "  end\n"
    "  def nest, do: Sub.v()\n"
    "end\n";

static Term run(const char *fun, Term args) {
    Process *p = process_new(1024);
    interp_setup_apply(p, atom_intern_cstr("Elixir.R"), atom_intern_cstr(fun), args);
    RunStatus st = interp_run(p, 0);
    Term res = st == RUN_DONE ? interp_result(p) : T_NONE;
    /* Only immediates are returned to the checks, so freeing is safe. */
    if (!is_small(res) && !is_atom(res)) res = T_NONE;
    process_free(p);
    return res;
}

static Term list1(Process *lp, Term a) { return make_cons_cell(lp, a, T_NIL); }
static Term list2(Process *lp, Term a, Term b) { return make_cons_cell(lp, a, list1(lp, b)); }

static void test_execution(void) {
    CompileResult r;
    Diag d;
    REQUIRE(compile(RUNSRC, &r, &d));
    REQUIRE(all_verify(&r));
    module_table_init();
    /* Load through the serializer, as the stdlib is. */
    REQUIRE(r.nmodules == 2);
    for (size_t i = 0; i < r.nmodules; i++) {
        ByteBuf b = {0};
        REQUIRE(module_serialize(r.modules[i], &b));
        char err[256];
        Module *m = module_load(b.data, b.len, err, sizeof err);
        free(b.data);
        REQUIRE(m != NULL);
        module_register(m);
    }
    Process *lp = process_new(4096); /* argument terms */
    Term ok = atom_intern_cstr("ok");

    CHECK(run("fib", list1(lp, make_small(20))) == make_small(6765));
    CHECK(run("loop", list2(lp, make_small(3000000), make_small(0))) == make_small(6000000));
    CHECK(run("kind", list1(lp, make_tuple2(lp, ok, make_small(11)))) == make_small(1));
    CHECK(run("kind", list1(lp, make_tuple2(lp, ok, make_small(1)))) == make_small(2));
    CHECK(run("kind", list1(lp, list2(lp, ok, ok))) == make_small(3));
    CHECK(run("kind", list1(lp, list2(lp, ok, T_NIL))) == make_small(4));
    CHECK(run("kind", list1(lp, make_cstring(lp, "abc"))) == make_small(6));
    CHECK(run("kind", list1(lp, make_cstring(lp, "xbc"))) == make_small(9));
    CHECK(run("kind", list1(lp, atom_intern_cstr("q"))) == make_small(7));
    CHECK(run("kind", list1(lp, atom_intern_cstr("r"))) == make_small(9));
    CHECK(run("kind", list1(lp, make_tuple2(lp, ok, ok))) == make_small(1)); /* atoms > numbers */
    CHECK(run("clo", list1(lp, make_small(10))) == make_small(21));
    CHECK(run("wth", list1(lp, make_tuple2(lp, ok, make_small(4)))) == make_small(41));
    CHECK(run("wth", list1(lp, atom_intern_cstr("err"))) == make_small(-1));
    CHECK(run("wth", list1(lp, make_small(3))) == make_small(-2));
    CHECK(run("thr", list1(lp, make_small(5))) == make_small(11));
    CHECK(run("thr", list1(lp, make_small(-5))) == make_small(-5));
    CHECK(run("cnd", list1(lp, make_small(-3))) == make_small(-1));
    CHECK(run("cnd", list1(lp, make_small(0))) == make_small(0));
    CHECK(run("cnd", list1(lp, make_small(9))) == make_small(1));
    CHECK(run("dflt", list1(lp, make_small(3))) == make_small(15));
    CHECK(run("dflt", list2(lp, make_small(3), make_small(2))) == make_small(6));
    CHECK(run("rebind", list1(lp, make_small(5))) == make_small(12));
    CHECK(run("rebind", list1(lp, make_small(1))) == make_small(3));
    CHECK(run("pin", list2(lp, make_small(1), make_small(1))) == make_small(1));
    CHECK(run("pin", list2(lp, make_small(1), make_small(2))) == make_small(0));
    CHECK(run("logic", list2(lp, ATOM_true, ATOM_true)) == ATOM_true);
    CHECK(run("logic", list2(lp, ATOM_false, ATOM_false)) == ATOM_true);
    CHECK(run("logic", list2(lp, ATOM_false, ATOM_true)) == ATOM_false);
    CHECK(run("cap", list1(lp, make_small(1))) == make_small(13));
    CHECK(run("rng", list1(lp, make_small(5))) == make_small(1 + 5 + 10 + 1 - 1));
    CHECK(run("op", T_NIL) == make_small(7));
    /* Literal maps nested in patterns still match as subsets. */
    Term okok = map_from_pairs(lp, 1, (Term[]){ ok, ok });
    Term kv[4] = { ok, ok, atom_intern_cstr("b"), okok };
    CHECK(run("sub", list1(lp, map_from_pairs(lp, 2, kv))) == make_small(1));
    CHECK(run("sub", list1(lp, make_tuple(lp, 1, (Term[]){ okok }))) == make_small(2));
    CHECK(run("sub", list1(lp, make_small(0))) == make_small(3));
    CHECK(run("grd", list1(lp, make_small(3))) == make_small(1));
    CHECK(run("grd", list1(lp, make_small(30))) == make_small(0));
    CHECK(run("grd", list1(lp, ok)) == make_small(0));
    CHECK(run("mt", list1(lp, make_tuple2(lp, ok, make_small(2)))) == ATOM_true);
    CHECK(run("mt", list1(lp, make_tuple2(lp, ok, make_small(1)))) == ATOM_false);
    CHECK(run("mt", list1(lp, ok)) == ATOM_false);
    CHECK(run("dlg", list1(lp, make_small(10))) == make_small(55));
    CHECK(run("nest", T_NIL) == make_small(42)); /* Sub is R.Sub inside R */
    /* Errors: no clause, bad match. */
    CHECK(run("fib", list1(lp, ok)) == T_NONE);
    CHECK(run("nope", T_NIL) == T_NONE);
    process_free(lp);
    compile_result_free(&r);
}

int main(void) {
    atom_init();
    RUN(test_everything_verifies);
    RUN(test_shapes);
    RUN(test_errors);
    RUN(test_long_chains);
    RUN(test_undefined_function);
    RUN(test_execution);
    return unit_summary();
}
