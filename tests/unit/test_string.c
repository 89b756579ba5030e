/* test_string.c — the String, Atom, IO and Kernel natives of string.c,
 * called through the native table exactly as the interpreter calls them.
 *
 * Each case is an Elixir call whose expected result (inspect of the value,
 * or "!Exception" when it raises) was printed by elixir 1.14 on the same
 * text; the arguments are built with term_parse.h.
 */
#include "unit.h"
#include "native.h"
#include <stdlib.h>

static Process *p;
#include "term_parse.h"

static const struct { const char *call, *expect; } cases[] = {
    { "String.length(\"h\303\251llo\")", "5" },
    { "String.length(\"\")", "0" },
    { "String.length(<<255, 97>>)", "2" },
    { "String.upcase(\"hello w\303\266rld \303\237\")", "\"HELLO W\303\226RLD SS\"" },
    { "String.upcase(\"\303\277 \302\265 \304\261 \305\277 \307\206\")", "\"\305\270 \316\234 I S \307\204\"" },
    { "String.downcase(\"H\303\211LLO \316\243\316\221\316\243 \320\237\320\240\320\230\320\222\320\225\320\242 \305\270\")", "\"h\303\251llo \317\203\316\261\317\203 \320\277\321\200\320\270\320\262\320\265\321\202 \303\277\"" },
    { "String.downcase(\"\303\200\303\211\303\216\303\225\303\234\")", "\"\303\240\303\251\303\256\303\265\303\274\"" },
    { "String.upcase(\"stra\303\237e\", :ascii)", "\"STRA\303\237E\"" },
    { "String.downcase(\"\303\200B\", :ascii)", "\"\303\200b\"" },
    { "String.capitalize(\"hELLO wORLD\")", "\"Hello world\"" },
    { "String.capitalize(\"\303\251lan\")", "\"\303\211lan\"" },
    { "String.capitalize(\"\307\206emal\")", "\"\307\205emal\"" },
    { "String.capitalize(\"\")", "\"\"" },
    { "String.capitalize(\"\303\237a\")", "\"Ssa\"" },
    { "String.upcase(\"\320\277\321\200\320\270\320\262\320\265\321\202 \320\274\320\270\321\200\")", "\"\320\237\320\240\320\230\320\222\320\225\320\242 \320\234\320\230\320\240\"" },
    { "String.upcase(\"\316\261\316\262\316\263 \316\254\316\255\316\256\316\257\")", "\"\316\221\316\222\316\223 \316\206\316\210\316\211\316\212\"" },
    { "String.downcase(\"\304\200\304\202\304\204\304\206 \305\212 \305\275\")", "\"\304\201\304\203\304\205\304\207 \305\213 \305\276\"" },
    { "String.trim(\"  hi  \")", "\"hi\"" },
    { "String.trim(\"\\n\\t hi \\u00A0\\u2003\")", "\"hi\"" },
    { "String.trim(\"\")", "\"\"" },
    { "String.trim(\"   \")", "\"\"" },
    { "String.trim_leading(\"  hi  \")", "\"hi  \"" },
    { "String.trim_trailing(\"  hi  \")", "\"  hi\"" },
    { "String.trim(\"xxaxx\", \"x\")", "\"a\"" },
    { "String.trim_leading(\"ababc\", \"ab\")", "\"c\"" },
    { "String.trim_trailing(\"abcbc\", \"bc\")", "\"a\"" },
    { "String.split(\" a  b c  \")", "[\"a\", \"b\", \"c\"]" },
    { "String.split(\"a\\u00A0b\\u2007c d\\u2003e\\u0085f\")", "[\"a\302\240b\342\200\207c\", \"d\", \"e\", \"f\"]" },
    { "String.split(\"\")", "[]" },
    { "String.split(\"a,b,,c,\", \",\")", "[\"a\", \"b\", \"\", \"c\", \"\"]" },
    { "String.split(\"a,b,,c,\", \",\", trim: true)", "[\"a\", \"b\", \"c\"]" },
    { "String.split(\"a,b,c\", \",\", parts: 2)", "[\"a\", \"b,c\"]" },
    { "String.split(\",a,,b,c\", \",\", parts: 2, trim: true)", "[\"a\", \",b,c\"]" },
    { "String.split(\",a,,b,c\", \",\", parts: 3)", "[\"\", \"a\", \",b,c\"]" },
    { "String.split(\" a b \", \" \", parts: 2, trim: true)", "[\"a\", \"b \"]" },
    { "String.split(\"abc\", \"\")", "[\"\", \"a\", \"b\", \"c\", \"\"]" },
    { "String.split(\"abc\", \"\", trim: true)", "[\"a\", \"b\", \"c\"]" },
    { "String.split(\"abc\", \"\", parts: 3)", "[\"\", \"a\", \"bc\"]" },
    { "String.split(\"\", \",\")", "[\"\"]" },
    { "String.split(\"\", \",\", trim: true)", "[]" },
    { "String.split(\"a-b_c\", [\"-\", \"_\"])", "[\"a\", \"b\", \"c\"]" },
    { "String.split(\"a b\", \" \", parts: 1)", "[\"a b\"]" },
    { "String.split(\"aXXbXc\", \"XX\")", "[\"a\", \"bXc\"]" },
    { "String.contains?(\"hello\", \"ell\")", "true" },
    { "String.contains?(\"hello\", \"\")", "true" },
    { "String.contains?(\"hello\", [\"x\", \"lo\"])", "true" },
    { "String.contains?(\"hello\", \"z\")", "false" },
    { "String.starts_with?(\"hello\", \"he\")", "true" },
    { "String.starts_with?(\"hello\", [\"x\", \"h\"])", "true" },
    { "String.starts_with?(\"hello\", \"\")", "true" },
    { "String.ends_with?(\"hello\", \"lo\")", "true" },
    { "String.ends_with?(\"hello\", \"hello!\")", "false" },
    { "String.replace(\"abcabc\", \"b\", \"X\")", "\"aXcaXc\"" },
    { "String.replace(\"aaa\", \"a\", \"b\", global: false)", "\"baa\"" },
    { "String.replace(\"abc\", \"\", \"-\")", "\"-a-b-c-\"" },
    { "String.replace(\"abc\", \"\", \"-\", global: false)", "\"-abc\"" },
    { "String.replace(\"abcabc\", [\"a\", \"bc\"], \"-\")", "\"----\"" },
    { "String.replace(\"abc\", \"z\", \"y\")", "\"abc\"" },
    { "String.replace(\"aaaa\", \"aa\", \"b\")", "\"bb\"" },
    { "String.replace_prefix(\"hello\", \"he\", \"HE\")", "\"HEllo\"" },
    { "String.replace_prefix(\"hello\", \"x\", \"HE\")", "\"hello\"" },
    { "String.replace_suffix(\"hello\", \"lo\", \"LO\")", "\"helLO\"" },
    { "String.replace_leading(\"aaab\", \"a\", \"x\")", "\"xxxb\"" },
    { "String.replace_trailing(\"baaa\", \"a\", \"xy\")", "\"bxyxyxy\"" },
    { "String.reverse(\"h\303\251llo\")", "\"oll\303\251h\"" },
    { "String.reverse(\"\")", "\"\"" },
    { "String.codepoints(\"h\303\251llo\")", "[\"h\", \"\303\251\", \"l\", \"l\", \"o\"]" },
    { "String.graphemes(\"abc\")", "[\"a\", \"b\", \"c\"]" },
    { "String.to_charlist(\"h\303\251llo\")", "[104, 233, 108, 108, 111]" },
    { "String.slice(\"hello\", 1, 3)", "\"ell\"" },
    { "String.slice(\"hello\", -10, 2)", "\"he\"" },
    { "String.slice(\"hello\", -3, 10)", "\"llo\"" },
    { "String.slice(\"hello\", 0, 0)", "\"\"" },
    { "String.slice(\"hello\", 5, 1)", "\"\"" },
    { "String.slice(\"hello\", 6, 1)", "\"\"" },
    { "String.slice(\"h\303\251llo\", 1, 2)", "\"\303\251l\"" },
    { "String.slice(\"hello\", 0..2)", "\"hel\"" },
    { "String.slice(\"hello\", -10..2)", "\"hel\"" },
    { "String.slice(\"hello\", 3..1//1)", "\"\"" },
    { "String.slice(\"hello\", 1..-1//1)", "\"ello\"" },
    { "String.slice(\"hello\", -2..-1)", "\"lo\"" },
    { "String.slice(\"hello\", 2..10)", "\"llo\"" },
    { "String.slice(\"hello\", 5..6)", "\"\"" },
    { "String.slice(\"hello\", 0..-1//2)", "\"hlo\"" },
    { "String.slice(\"hello\", 0..10//3)", "\"hl\"" },
    { "String.slice(\"hello\", -10..-8)", "\"\"" },
    { "String.slice(\"hello\", 4..2//-1)", "\"\"" },
    { "String.slice(\"hello\", -1..0)", "\"\"" },
    { "String.slice(\"\", 0..1)", "\"\"" },
    { "String.at(\"hello\", 1)", "\"e\"" },
    { "String.at(\"hello\", -1)", "\"o\"" },
    { "String.at(\"hello\", 9)", "nil" },
    { "String.at(\"hello\", -9)", "nil" },
    { "String.first(\"h\303\251llo\")", "\"h\"" },
    { "String.first(\"\")", "nil" },
    { "String.last(\"h\303\251llo\")", "\"o\"" },
    { "String.last(\"\")", "nil" },
    { "String.split_at(\"hello\", 2)", "{\"he\", \"llo\"}" },
    { "String.split_at(\"hello\", -2)", "{\"hel\", \"lo\"}" },
    { "String.split_at(\"hello\", 10)", "{\"hello\", \"\"}" },
    { "String.split_at(\"hello\", -10)", "{\"\", \"hello\"}" },
    { "String.next_codepoint(\"\303\251a\")", "{\"\303\251\", \"a\"}" },
    { "String.next_codepoint(\"\")", "nil" },
    { "String.pad_leading(\"abc\", 6)", "\"   abc\"" },
    { "String.pad_leading(\"abc\", 6, \"xy\")", "\"xyxabc\"" },
    { "String.pad_trailing(\"abc\", 8, \"xy\")", "\"abcxyxyx\"" },
    { "String.pad_leading(\"h\303\251llo\", 7)", "\"  h\303\251llo\"" },
    { "String.pad_leading(\"abc\", 2)", "\"abc\"" },
    { "String.pad_trailing(\"abc\", 5, \"\303\251\")", "\"abc\303\251\303\251\"" },
    { "String.duplicate(\"ab\", 3)", "\"ababab\"" },
    { "String.duplicate(\"ab\", 0)", "\"\"" },
    { "String.valid?(\"h\303\251llo\")", "true" },
    { "String.valid?(<<255>>)", "false" },
    { "String.printable?(\"abc\\n\")", "true" },
    { "String.printable?(<<1>>)", "false" },
    { "String.printable?(<<97, 98, 99, 1>>, 3)", "true" },
    { "String.to_atom(\"hello\")", ":hello" },
    { "String.to_existing_atom(\"ok\")", ":ok" },
    { "String.to_existing_atom(\"no_such_atom_here_42\")", "!ArgumentError" },
    { "String.upcase(1)", "!FunctionClauseError" },
    { "String.length(:a)", "!FunctionClauseError" },
    { "String.duplicate(\"a\", -1)", "!ArgumentError" },
    { "String.pad_leading(\"a\", 3, \"\")", "!FunctionClauseError" },
    { "String.slice(\"hello\", 2, -1)", "!FunctionClauseError" },
    { "String.slice(\"hello\", 3..1//-2)", "!ArgumentError" },
    { "String.split(\"abc\", 1)", "!ArgumentError" },
    { "Atom.to_string(:hello)", "\"hello\"" },
    { "Atom.to_string(Foo.Bar)", "\"Elixir.Foo.Bar\"" },
    { "Atom.to_string(nil)", "\"nil\"" },
    { "Atom.to_charlist(:abc)", "[97, 98, 99]" },
    { "Atom.to_string(\"x\")", "!ArgumentError" },
    { ":erlang.atom_to_binary(:hello)", "\"hello\"" },
    { ":erlang.binary_to_atom(\"abc\")", ":abc" },
    { ":erlang.atom_to_list(:ab)", "[97, 98]" },
    { ":erlang.list_to_atom([97, 98])", ":ab" },
    { ":erlang.binary_to_existing_atom(\"zzz_not_existing_q\")", "!ArgumentError" },
    { ":erlang.float_to_binary(2500.0, [:short])", "\"2.5e3\"" },
    { "Kernel.inspect([1, 2, 3], limit: 2)", "\"[1, 2, ...]\"" },
    { "Kernel.inspect(\"abc\")", "\"\\\"abc\\\"\"" },
    { "Kernel.to_string(2500.0)", "\"2.5e3\"" },
    { "Kernel.to_string(:abc)", "\"abc\"" },
    { "Kernel.to_string({1, 2})", "!Protocol.UndefinedError" },
    { "Kernel.to_string([104, \"i\"])", "\"hi\"" },
    { "IO.chardata_to_string([104, \"i\"])", "\"hi\"" },
};

static const NativeDef *find_native(const char *mod, const char *name, unsigned arity)
{
    for (size_t i = 0; i < native_count; i++)
        if (!strcmp(native_table[i].module, mod) && !strcmp(native_table[i].name, name) &&
            native_table[i].arity == arity)
            return &native_table[i];
    return NULL;
}

/* The Elixir exception a raised reason becomes (Exception.normalize). */
static const char *exception_name(Term reason)
{
    static char buf[128];
    if (reason == ATOM_function_clause) return "FunctionClauseError";
    if (reason == ATOM_badarg) return "ArgumentError";
    if (reason == ATOM_system_limit) return "SystemLimitError";
    if (is_map(reason)) {
        Term s = map_get(reason, ATOM___struct__);
        size_t n;
        const char *name = atom_name(s, &n);
        snprintf(buf, sizeof buf, "%.*s", (int)n - 7, name + 7);
        return buf;
    }
    return "?";
}

static void run_case(const char *call, const char *expect)
{
    /* Module.fun(args) */
    const char *paren = strchr(call, '(');
    const char *dot = paren;
    while (dot > call && *dot != '.') dot--;
    char mod[64], name[64];
    if (call[0] == ':') snprintf(mod, sizeof mod, "%.*s", (int)(dot - call - 1), call + 1);
    else snprintf(mod, sizeof mod, "Elixir.%.*s", (int)(dot - call), call);
    snprintf(name, sizeof name, "%.*s", (int)(paren - dot - 1), dot + 1);
    src = paren + 1;
    parse_ok = true;
    Term args[8], tail;
    size_t argc = parse_items(')', args, 8, &tail);
    CHECK(parse_ok);
    const NativeDef *nd = find_native(mod, name, (unsigned)argc);
    CHECK(nd != NULL);
    if (!nd) {
        fprintf(stderr, "  no native %s.%s/%zu\n", mod, name, argc);
        return;
    }
    p->exc_reason = T_NIL;
    Term r = nd->fn(p, args);
    StrBuf b = { 0 };
    if (r == T_NONE) {
        strbuf_putc(&b, '!');
        strbuf_puts(&b, exception_name(p->exc_reason));
    } else {
        inspect_to_buf(&b, r, &inspect_default_opts);
    }
    CHECK_EQ_STR(b.data, expect);
    if (strcmp(b.data, expect)) fprintf(stderr, "  in: %s\n", call);
    strbuf_free(&b);
}

static void test_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(cases[i].call, cases[i].expect);
}

static void test_long_atom(void)
{
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    Term arg = make_cstring(p, big);
    const NativeDef *nd = find_native("Elixir.String", "to_atom", 1);
    REQUIRE(nd != NULL);
    CHECK(nd->fn(p, &arg) == T_NONE);
    CHECK(p->exc_reason == ATOM_system_limit);
}

int main(void)
{
    atom_init();
    p = calloc(1, sizeof(Process));
    heap_init(p, 1 << 16);
    RUN(test_table);
    RUN(test_long_atom);
    return unit_summary();
}
