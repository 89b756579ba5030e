/* test_inspect.c — inspect (inspect.c): every term kind, limits, the pretty
 * printer at several widths, to_string and chardata.
 *
 * The table below was produced by elixir 1.14 itself: each case is an Elixir
 * literal; a small parser here builds the same term on an Act heap, and the
 * expected outputs are what `inspect(term, opts)` printed under elixir for
 * five option sets (with charlists: :as_lists, Act's documented default).
 */
#include "unit.h"
#include "inspect.h"
#include "heap.h"
#include "atom.h"
#include "map.h"
#include "bignum.h"
#include <stdlib.h>

static Process *p;
#include "term_parse.h"

static const struct { const char *expr; const char *out[5]; } cases[] = {
    { "1", { "1", "1", "1", "1", "1" } },
    { "-42", { "-42", "-42", "-42", "-42", "-42" } },
    { "0", { "0", "0", "0", "0", "0" } },
    { "123456789012345678901234567890", { "123456789012345678901234567890", "123456789012345678901234567890", "123456789012345678901234567890", "123456789012345678901234567890", "123456789012345678901234567890" } },
    { "-123456789012345678901234567890", { "-123456789012345678901234567890", "-123456789012345678901234567890", "-123456789012345678901234567890", "-123456789012345678901234567890", "-123456789012345678901234567890" } },
    { "1.5", { "1.5", "1.5", "1.5", "1.5", "1.5" } },
    { "2500.0", { "2500.0", "2500.0", "2500.0", "2500.0", "2500.0" } },
    { "-0.0", { "-0.0", "-0.0", "-0.0", "-0.0", "-0.0" } },
    { "1.0e-5", { "1.0e-5", "1.0e-5", "1.0e-5", "1.0e-5", "1.0e-5" } },
    { "1.0e16", { "1.0e16", "1.0e16", "1.0e16", "1.0e16", "1.0e16" } },
    { ":ok", { ":ok", ":ok", ":ok", ":ok", ":ok" } },
    { ":\"two words\"", { ":\"two words\"", ":\"two words\"", ":\"two words\"", ":\"two words\"", ":\"two words\"" } },
    { ":foo?", { ":foo?", ":foo?", ":foo?", ":foo?", ":foo?" } },
    { ":foo!", { ":foo!", ":foo!", ":foo!", ":foo!", ":foo!" } },
    { ":\"foo??\"", { ":\"foo??\"", ":\"foo??\"", ":\"foo??\"", ":\"foo??\"", ":\"foo??\"" } },
    { ":+", { ":+", ":+", ":+", ":+", ":+" } },
    { ":\"foo-bar\"", { ":\"foo-bar\"", ":\"foo-bar\"", ":\"foo-bar\"", ":\"foo-bar\"", ":\"foo-bar\"" } },
    { ":\"::\"", { ":\"::\"", ":\"::\"", ":\"::\"", ":\"::\"", ":\"::\"" } },
    { ":\"\\\\\"", { ":\"\\\\\"", ":\"\\\\\"", ":\"\\\\\"", ":\"\\\\\"", ":\"\\\\\"" } },
    { ":\"=>\"", { ":\"=>\"", ":\"=>\"", ":\"=>\"", ":\"=>\"", ":\"=>\"" } },
    { ":..", { ":..", ":..", ":..", ":..", ":.." } },
    { ":%{}", { ":%{}", ":%{}", ":%{}", ":%{}", ":%{}" } },
    { ":{}", { ":{}", ":{}", ":{}", ":{}", ":{}" } },
    { ":<<>>", { ":<<>>", ":<<>>", ":<<>>", ":<<>>", ":<<>>" } },
    { ":Foo", { ":Foo", ":Foo", ":Foo", ":Foo", ":Foo" } },
    { ":\"Elixir.foo\"", { ":\"Elixir.foo\"", ":\"Elixir.foo\"", ":\"Elixir.foo\"", ":\"Elixir.foo\"", ":\"Elixir.foo\"" } },
    { ":\"\"", { ":\"\"", ":\"\"", ":\"\"", ":\"\"", ":\"\"" } },
    { "nil", { "nil", "nil", "nil", "nil", "nil" } },
    { "true", { "true", "true", "true", "true", "true" } },
    { "false", { "false", "false", "false", "false", "false" } },
    { "Foo.Bar", { "Foo.Bar", "Foo.Bar", "Foo.Bar", "Foo.Bar", "Foo.Bar" } },
    { "Elixir", { "Elixir", "Elixir", "Elixir", "Elixir", "Elixir" } },
    { ":\303\274n\303\257code", { ":\303\274n\303\257code", ":\303\274n\303\257code", ":\303\274n\303\257code", ":\303\274n\303\257code", ":\303\274n\303\257code" } },
    { ":\"@foo\"", { ":\"@foo\"", ":\"@foo\"", ":\"@foo\"", ":\"@foo\"", ":\"@foo\"" } },
    { ":foo@bar", { ":foo@bar", ":foo@bar", ":foo@bar", ":foo@bar", ":foo@bar" } },
    { "\"text\"", { "\"text\"", "\"text\"", "\"text\"", "\"text\"", "\"text\"" } },
    { "\"\"", { "\"\"", "\"\"", "\"\"", "\"\"", "\"\"" } },
    { "\"a\\nb\"", { "\"a\\nb\"", "\"a\\nb\"", "\"a\\nb\"", "\"a\\nb\"", "\"a\\nb\"" } },
    { "\"tab\\there\"", { "\"tab\\there\"", "\"tab\\there\"", "\"tab\\there\"", "\"tab\\there\"", "\"tab\\there\"" } },
    { "\"quote \\\" and \\\\ backslash\"", { "\"quote \\\" and \\\\ backslash\"", "\"quote \\\" and \\\\ backslash\"", "\"quote \\\" and \\\\ backslash\"", "\"quote \\\" and \\\\ backslash\"", "\"quote \\\" an\" <> ..." } },
    { "\"\\e[31m\"", { "\"\\e[31m\"", "\"\\e[31m\"", "\"\\e[31m\"", "\"\\e[31m\"", "\"\\e[31m\"" } },
    { "\"interp \\#{x} #\"", { "\"interp \\#{x} #\"", "\"interp \\#{x} #\"", "\"interp \\#{x} #\"", "\"interp \\#{x} #\"", "\"interp \\#{x}\" <> ..." } },
    { "\"h\303\251llo w\303\266rld\"", { "\"h\303\251llo w\303\266rld\"", "\"h\303\251llo w\303\266rld\"", "\"h\303\251llo w\303\266rld\"", "\"h\303\251llo w\303\266rld\"", "\"h\303\251llo w\303\266rl\" <> ..." } },
    { "\"\\u00A0nbsp\"", { "\"\302\240nbsp\"", "\"\302\240nbsp\"", "\"\302\240nbsp\"", "\"\302\240nbsp\"", "\"\302\240nbsp\"" } },
    { "<<0>>", { "<<0>>", "<<0>>", "<<0>>", "<<0>>", "<<0>>" } },
    { "<<1, 2, 3>>", { "<<1, 2, 3>>", "<<1, 2, 3>>", "<<1, 2, 3>>", "<<1, 2, 3>>", "<<1, 2, 3>>" } },
    { "<<255, 1>>", { "<<255, 1>>", "<<255, 1>>", "<<255, 1>>", "<<255, 1>>", "<<255, 1>>" } },
    { "<<>>", { "\"\"", "\"\"", "\"\"", "\"\"", "\"\"" } },
    { "\"a\\u0000b\"", { "<<97, 0, 98>>", "<<97, 0, 98>>", "<<97, 0, 98>>", "<<97, 0, 98>>", "<<97, 0, 98>>" } },
    { "\"\\u007F\"", { "\"\\d\"", "\"\\d\"", "\"\\d\"", "\"\\d\"", "\"\\d\"" } },
    { "\"\\uFEFF\"", { "\"\\uFEFF\"", "\"\\uFEFF\"", "\"\\uFEFF\"", "\"\\uFEFF\"", "\"\\uFEFF\"" } },
    { "\"\\u0085\"", { "<<194, 133>>", "<<194, 133>>", "<<194, 133>>", "<<194, 133>>", "<<194, 133>>" } },
    { "[]", { "[]", "[]", "[]", "[]", "[]" } },
    { "[1, 2, 3]", { "[1, 2, 3]", "[1, 2, 3]", "[1, 2, 3]", "[1, 2, 3]", "[1, 2, 3]" } },
    { "[1 | 2]", { "[1 | 2]", "[1 | 2]", "[1 | 2]", "[1 | 2]", "[1 | 2]" } },
    { "[1, 2 | 3]", { "[1, 2 | 3]", "[1, 2 | 3]", "[1, 2 | 3]", "[1, 2 | 3]", "[1, 2 | 3]" } },
    { "[[1, 2] | [3]]", { "[[1, 2], 3]", "[[1, 2], 3]", "[[1, 2], 3]", "[[1, 2], 3]", "[[1, 2], 3]" } },
    { "[a: 1, b: 2]", { "[a: 1, b: 2]", "[a: 1, b: 2]", "[a: 1, b: 2]", "[a: 1, b: 2]", "[a: 1, b: 2]" } },
    { "[a: 1, b: [c: 2]]", { "[a: 1, b: [c: 2]]", "[a: 1, b: [c: 2]]", "[a: 1, b: [c: 2]]", "[a: 1, b: [c: 2]]", "[a: 1, b: [c: 2]]" } },
    { "[\"a b\": 1, c?: 2]", { "[\"a b\": 1, c?: 2]", "[\"a b\": 1, c?: 2]", "[\"a b\": 1, c?: 2]", "[\"a b\": 1, c?: 2]", "[\"a b\": 1, c?: 2]" } },
    { "[{:\"Elixir.Foo\", 1}]", { "[{Foo, 1}]", "[{Foo, 1}]", "[{Foo, 1}]", "[{Foo, 1}]", "[{Foo, 1}]" } },
    { "[{Foo, 1}]", { "[{Foo, 1}]", "[{Foo, 1}]", "[{Foo, 1}]", "[{Foo, 1}]", "[{Foo, 1}]" } },
    { "[{:a, 1}, 2]", { "[{:a, 1}, 2]", "[{:a, 1}, 2]", "[{:a, 1}, 2]", "[{:a, 1}, 2]", "[{:a, 1}, 2]" } },
    { "[{:a, 1, 2}]", { "[{:a, 1, 2}]", "[{:a, 1, 2}]", "[{:a, 1, 2}]", "[{:a, 1, ...}]", "[{:a, 1, 2}]" } },
    { "[nil: 1, true: 2]", { "[nil: 1, true: 2]", "[nil: 1, true: 2]", "[nil: 1, true: 2]", "[nil: 1, true: 2]", "[nil: 1, true: 2]" } },
    { "[104, 105]", { "[104, 105]", "[104, 105]", "[104, 105]", "[104, 105]", "[104, 105]" } },
    { "{}", { "{}", "{}", "{}", "{}", "{}" } },
    { "{1}", { "{1}", "{1}", "{1}", "{1}", "{1}" } },
    { "{:ok, [1, 2]}", { "{:ok, [1, 2]}", "{:ok, [1, 2]}", "{:ok, [1, 2]}", "{:ok, [1, ...]}", "{:ok, [1, 2]}" } },
    { "{:error, \"boom\", %{a: 1}}", { "{:error, \"boom\", %{a: 1}}", "{:error, \"boom\", %{a: 1}}", "{:error, \"boom\", %{a: 1}}", "{:error, \"boom\", %{...}}", "{:error, \"boom\",\n %{a: 1}}" } },
    { "%{}", { "%{}", "%{}", "%{}", "%{}", "%{}" } },
    { "%{a: 1, b: 2}", { "%{a: 1, b: 2}", "%{a: 1, b: 2}", "%{a: 1, b: 2}", "%{a: 1, b: 2}", "%{a: 1, b: 2}" } },
    { "%{1 => 2, \"a\" => :b}", { "%{1 => 2, \"a\" => :b}", "%{1 => 2, \"a\" => :b}", "%{1 => 2, \"a\" => :b}", "%{1 => 2, \"a\" => :b}", "%{1 => 2, \"a\" => :b}" } },
    { "%{1 => 2, :a => 1}", { "%{1 => 2, :a => 1}", "%{1 => 2, :a => 1}", "%{1 => 2, :a => 1}", "%{1 => 2, :a => 1}", "%{1 => 2, :a => 1}" } },
    { "%{\"x\" => [1, 2], {1, 2} => nil}", { "%{{1, 2} => nil, \"x\" => [1, 2]}", "%{{1, 2} => nil, \"x\" => [1, 2]}", "%{\n  {1, 2} => nil,\n  \"x\" => [1, 2]\n}", "%{{1, 2} => nil, \"x\" => [1, ...]}", "%{\n  {1, 2} => nil,\n  \"x\" => [1, 2]\n}" } },
    { "%{Foo => 1}", { "%{Foo => 1}", "%{Foo => 1}", "%{Foo => 1}", "%{Foo => 1}", "%{Foo => 1}" } },
    { "%{nil => 1}", { "%{nil: 1}", "%{nil: 1}", "%{nil: 1}", "%{nil: 1}", "%{nil: 1}" } },
    { "%{a: %{b: %{c: 1}}}", { "%{a: %{b: %{c: 1}}}", "%{a: %{b: %{c: 1}}}", "%{a: %{b: %{c: 1}}}", "%{a: %{b: %{c: 1}}}", "%{a: %{b: %{c: 1}}}" } },
    { "%RuntimeError{message: \"boom\"}", { "%RuntimeError{message: \"boom\"}", "%RuntimeError{message: \"boom\"}", "%RuntimeError{message: \"boom\"}", "%RuntimeError{message: \"boom\"}", "%RuntimeError{\n  message: \"boom\"\n}" } },
    { "%ArgumentError{message: \"bad\\nthing\"}", { "%ArgumentError{message: \"bad\\nthing\"}", "%ArgumentError{message: \"bad\\nthing\"}", "%ArgumentError{\n  message: \"bad\\nthing\"\n}", "%ArgumentError{message: \"bad\\nthing\"}", "%ArgumentError{\n  message: \"bad\\nthing\"\n}" } },
    { "1..10", { "1..10", "1..10", "1..10", "1..10", "1..10" } },
    { "1..10//2", { "1..10//2", "1..10//2", "1..10//2", "1..10//2", "1..10//2" } },
    { "10..1//-1", { "10..1//-1", "10..1//-1", "10..1//-1", "10..1//-1", "10..1//-1" } },
    { "-5..-1", { "-5..-1", "-5..-1", "-5..-1", "-5..-1", "-5..-1" } },
    { "0..0", { "0..0", "0..0", "0..0", "0..0", "0..0" } },
    { "[1.0, 2.5e-8, 1.0e100]", { "[1.0, 2.5e-8, 1.0e100]", "[1.0, 2.5e-8, 1.0e100]", "[1.0, 2.5e-8, 1.0e100]", "[1.0, 2.5e-8, 1.0e100]", "[1.0, 2.5e-8,\n 1.0e100]" } },
    { "{[], {}, %{}, \"\"}", { "{[], {}, %{}, \"\"}", "{[], {}, %{}, \"\"}", "{[], {}, %{}, \"\"}", "{[], {}, %{}, ...}", "{[], {}, %{}, \"\"}" } },
    { "[[[[[[[[[[1]]]]]]]]]]", { "[[[[[[[[[[1]]]]]]]]]]", "[[[[[[[[[[1]]]]]]]]]]", "[[[[[[[[[[1]]]]]]]]]]", "[[[[...]]]]", "[[[[[[...]]]]]]" } },
    { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40]", { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40]", "[1, 2, 3, 4, 5, 6, 7, 8, 9,\n 10, 11, 12, 13, 14, 15, 16,\n 17, 18, 19, 20, 21, 22, 23,\n 24, 25, 26, 27, 28, 29, 30,\n 31, 32, 33, 34, 35, 36, 37,\n 38, 39, 40]", "[1, 2, 3, ...]", "[1, 2, 3, 4, 5, ...]" } },
    { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49]", { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,\n 43, 44, 45, 46, 47, 48, 49]", "[1, 2, 3, 4, 5, 6, 7, 8, 9,\n 10, 11, 12, 13, 14, 15, 16,\n 17, 18, 19, 20, 21, 22, 23,\n 24, 25, 26, 27, 28, 29, 30,\n 31, 32, 33, 34, 35, 36, 37,\n 38, 39, 40, 41, 42, 43, 44,\n 45, 46, 47, 48, 49]", "[1, 2, 3, ...]", "[1, 2, 3, 4, 5, ...]" } },
    { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50]", { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,\n 43, 44, 45, 46, 47, 48, 49, 50]", "[1, 2, 3, 4, 5, 6, 7, 8, 9,\n 10, 11, 12, 13, 14, 15, 16,\n 17, 18, 19, 20, 21, 22, 23,\n 24, 25, 26, 27, 28, 29, 30,\n 31, 32, 33, 34, 35, 36, 37,\n 38, 39, 40, 41, 42, 43, 44,\n 45, 46, 47, 48, 49, 50]", "[1, 2, 3, ...]", "[1, 2, 3, 4, 5, ...]" } },
    { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51]", { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, ...]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,\n 43, 44, 45, 46, 47, 48, 49, 50, ...]", "[1, 2, 3, 4, 5, 6, 7, 8, 9,\n 10, 11, 12, 13, 14, 15, 16,\n 17, 18, 19, 20, 21, 22, 23,\n 24, 25, 26, 27, 28, 29, 30,\n 31, 32, 33, 34, 35, 36, 37,\n 38, 39, 40, 41, 42, 43, 44,\n 45, 46, 47, 48, 49, 50, ...]", "[1, 2, 3, ...]", "[1, 2, 3, 4, 5, ...]" } },
    { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120]", { "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, ...]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,\n 43, 44, 45, 46, 47, 48, 49, 50, ...]", "[1, 2, 3, 4, 5, 6, 7, 8, 9,\n 10, 11, 12, 13, 14, 15, 16,\n 17, 18, 19, 20, 21, 22, 23,\n 24, 25, 26, 27, 28, 29, 30,\n 31, 32, 33, 34, 35, 36, 37,\n 38, 39, 40, 41, 42, 43, 44,\n 45, 46, 47, 48, 49, 50, ...]", "[1, 2, 3, ...]", "[1, 2, 3, 4, 5, ...]" } },
    { "{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59}", { "{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, ...}", "{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\n 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,\n 43, 44, 45, 46, 47, 48, 49, 50, ...}", "{1, 2, 3, 4, 5, 6, 7, 8, 9,\n 10, 11, 12, 13, 14, 15, 16,\n 17, 18, 19, 20, 21, 22, 23,\n 24, 25, 26, 27, 28, 29, 30,\n 31, 32, 33, 34, 35, 36, 37,\n 38, 39, 40, 41, 42, 43, 44,\n 45, 46, 47, 48, 49, 50, ...}", "{1, 2, 3, ...}", "{1, 2, 3, 4, 5, ...}" } },
    { "%{k1: 1000, k2: 2000, k3: 3000, k4: 4000, k5: 5000, k6: 6000, k7: 7000, k8: 8000, k9: 9000, k10: 10000, k11: 11000, k12: 12000}", { "%{k1: 1000, k10: 10000, k11: 11000, k12: 12000, k2: 2000, k3: 3000, k4: 4000, k5: 5000, k6: 6000, k7: 7000, k8: 8000, k9: 9000}", "%{\n  k1: 1000,\n  k10: 10000,\n  k11: 11000,\n  k12: 12000,\n  k2: 2000,\n  k3: 3000,\n  k4: 4000,\n  k5: 5000,\n  k6: 6000,\n  k7: 7000,\n  k8: 8000,\n  k9: 9000\n}", "%{\n  k1: 1000,\n  k10: 10000,\n  k11: 11000,\n  k12: 12000,\n  k2: 2000,\n  k3: 3000,\n  k4: 4000,\n  k5: 5000,\n  k6: 6000,\n  k7: 7000,\n  k8: 8000,\n  k9: 9000\n}", "%{k1: 1000, k10: 10000, k11: 11000, ...}", "%{\n  k1: 1000,\n  k10: 10000,\n  k11: 11000,\n  k12: 12000,\n  k2: 2000,\n  ...\n}" } },
    { "[{1, \"s1\"}, {2, \"s2\"}, {3, \"s3\"}, {4, \"s4\"}, {5, \"s5\"}, {6, \"s6\"}, {7, \"s7\"}, {8, \"s8\"}, {9, \"s9\"}, {10, \"s10\"}, {11, \"s11\"}, {12, \"s12\"}, {13, \"s13\"}, {14, \"s14\"}, {15, \"s15\"}, {16, \"s16\"}, {17, \"s17\"}, {18, \"s18\"}, {19, \"s19\"}, {20, \"s20\"}, {21, \"s21\"}, {22, \"s22\"}, {23, \"s23\"}, {24, \"s24\"}, {25, \"s25\"}, {26, \"s26\"}, {27, \"s27\"}, {28, \"s28\"}, {29, \"s29\"}, {30, \"s30\"}]", { "[{1, \"s1\"}, {2, \"s2\"}, {3, \"s3\"}, {4, \"s4\"}, {5, \"s5\"}, {6, \"s6\"}, {7, \"s7\"}, {8, \"s8\"}, {9, \"s9\"}, {10, \"s10\"}, {11, \"s11\"}, {12, \"s12\"}, {13, \"s13\"}, {14, \"s14\"}, {15, \"s15\"}, {16, \"s16\"}, {17, \"s17\"}, {18, \"s18\"}, {19, \"s19\"}, {20, \"s20\"}, {21, \"s21\"}, {22, \"s22\"}, {23, \"s23\"}, {24, \"s24\"}, {25, \"s25\"}, {26, \"s26\"}, {27, \"s27\"}, {28, \"s28\"}, {29, \"s29\"}, {30, \"s30\"}]", "[\n  {1, \"s1\"},\n  {2, \"s2\"},\n  {3, \"s3\"},\n  {4, \"s4\"},\n  {5, \"s5\"},\n  {6, \"s6\"},\n  {7, \"s7\"},\n  {8, \"s8\"},\n  {9, \"s9\"},\n  {10, \"s10\"},\n  {11, \"s11\"},\n  {12, \"s12\"},\n  {13, \"s13\"},\n  {14, \"s14\"},\n  {15, \"s15\"},\n  {16, \"s16\"},\n  {17, \"s17\"},\n  {18, \"s18\"},\n  {19, \"s19\"},\n  {20, \"s20\"},\n  {21, \"s21\"},\n  {22, \"s22\"},\n  {23, \"s23\"},\n  {24, \"s24\"},\n  {25, \"s25\"},\n  {26, \"s26\"},\n  {27, \"s27\"},\n  {28, \"s28\"},\n  {29, \"s29\"},\n  {30, \"s30\"}\n]", "[\n  {1, \"s1\"},\n  {2, \"s2\"},\n  {3, \"s3\"},\n  {4, \"s4\"},\n  {5, \"s5\"},\n  {6, \"s6\"},\n  {7, \"s7\"},\n  {8, \"s8\"},\n  {9, \"s9\"},\n  {10, \"s10\"},\n  {11, \"s11\"},\n  {12, \"s12\"},\n  {13, \"s13\"},\n  {14, \"s14\"},\n  {15, \"s15\"},\n  {16, \"s16\"},\n  {17, \"s17\"},\n  {18, \"s18\"},\n  {19, \"s19\"},\n  {20, \"s20\"},\n  {21, \"s21\"},\n  {22, \"s22\"},\n  {23, \"s23\"},\n  {24, \"s24\"},\n  {25, \"s25\"},\n  {26, \"s26\"},\n  {27, \"s27\"},\n  {28, \"s28\"},\n  {29, \"s29\"},\n  {30, \"s30\"}\n]", "[{1, \"s1\"}, {2, ...}, {...}, ...]", "[\n  {1, \"s1\"},\n  {2, \"s2\"},\n  {3, \"s3\"},\n  {4, ...},\n  {...},\n  ...\n]" } },
    { "[[1, 2, \"xxxxxxxxxxxxxxxxxxxx\"], [2, 4, \"xxxxxxxxxxxxxxxxxxxx\"], [3, 6, \"xxxxxxxxxxxxxxxxxxxx\"], [4, 8, \"xxxxxxxxxxxxxxxxxxxx\"], [5, 10, \"xxxxxxxxxxxxxxxxxxxx\"]]", { "[[1, 2, \"xxxxxxxxxxxxxxxxxxxx\"], [2, 4, \"xxxxxxxxxxxxxxxxxxxx\"], [3, 6, \"xxxxxxxxxxxxxxxxxxxx\"], [4, 8, \"xxxxxxxxxxxxxxxxxxxx\"], [5, 10, \"xxxxxxxxxxxxxxxxxxxx\"]]", "[\n  [1, 2, \"xxxxxxxxxxxxxxxxxxxx\"],\n  [2, 4, \"xxxxxxxxxxxxxxxxxxxx\"],\n  [3, 6, \"xxxxxxxxxxxxxxxxxxxx\"],\n  [4, 8, \"xxxxxxxxxxxxxxxxxxxx\"],\n  [5, 10, \"xxxxxxxxxxxxxxxxxxxx\"]\n]", "[\n  [1, 2,\n   \"xxxxxxxxxxxxxxxxxxxx\"],\n  [2, 4,\n   \"xxxxxxxxxxxxxxxxxxxx\"],\n  [3, 6,\n   \"xxxxxxxxxxxxxxxxxxxx\"],\n  [4, 8,\n   \"xxxxxxxxxxxxxxxxxxxx\"],\n  [5, 10,\n   \"xxxxxxxxxxxxxxxxxxxx\"]\n]", "[[1, 2, ...], [2, ...], [...], ...]", "[\n  [1, 2,\n   \"xxxxxxxxxx\" <> ...],\n  [2, 4,\n   \"xxxxxxxxxx\" <> ...],\n  [3, 6, ...],\n  [4, ...],\n  [...]\n]" } },
    { "%{a: %{b: %{c: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]}}}", { "%{a: %{b: %{c: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]}}}", "%{\n  a: %{\n    b: %{\n      c: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,\n       21, 22, 23, 24, 25, 26, 27, 28, 29, 30]\n    }\n  }\n}", "%{\n  a: %{\n    b: %{\n      c: [1, 2, 3, 4, 5, 6, 7,\n       8, 9, 10, 11, 12, 13,\n       14, 15, 16, 17, 18, 19,\n       20, 21, 22, 23, 24, 25,\n       26, 27, 28, 29, 30]\n    }\n  }\n}", "%{a: %{b: %{c: [...]}}}", "%{\n  a: %{\n    b: %{\n      c: [1, 2, ...]\n    }\n  }\n}" } },
    { "{%{k1: 1000, k2: 2000, k3: 3000, k4: 4000, k5: 5000, k6: 6000, k7: 7000, k8: 8000, k9: 9000, k10: 10000, k11: 11000, k12: 12000}, [1, 2, 3], \"hello world this is a long string\", :atom_value_here, 123456789}", { "{%{k1: 1000, k10: 10000, k11: 11000, k12: 12000, k2: 2000, k3: 3000, k4: 4000, k5: 5000, k6: 6000, k7: 7000, k8: 8000, k9: 9000}, [1, 2, 3], \"hello world this is a long string\", :atom_value_here, 123456789}", "{%{\n   k1: 1000,\n   k10: 10000,\n   k11: 11000,\n   k12: 12000,\n   k2: 2000,\n   k3: 3000,\n   k4: 4000,\n   k5: 5000,\n   k6: 6000,\n   k7: 7000,\n   k8: 8000,\n   k9: 9000\n }, [1, 2, 3], \"hello world this is a long string\", :atom_value_here, 123456789}", "{%{\n   k1: 1000,\n   k10: 10000,\n   k11: 11000,\n   k12: 12000,\n   k2: 2000,\n   k3: 3000,\n   k4: 4000,\n   k5: 5000,\n   k6: 6000,\n   k7: 7000,\n   k8: 8000,\n   k9: 9000\n }, [1, 2, 3],\n \"hello world this is a long string\",\n :atom_value_here, 123456789}", "{%{k1: 1000, k10: 10000, ...}, [1, ...], \"hello world this is a long string\", ...}", "{%{\n   k1: 1000,\n   k10: 10000,\n   k11: 11000,\n   k12: 12000,\n   ...\n }, [1, 2, 3],\n \"hello worl\" <> ...,\n :atom_value_here,\n 123456789}" } },
    { "[\"word1\", \"word2\", \"word3\", \"word4\", \"word5\", \"word6\", \"word7\", \"word8\", \"word9\", \"word10\", \"word11\", \"word12\", \"word13\", \"word14\", \"word15\", \"word16\", \"word17\", \"word18\", \"word19\", \"word20\", \"word21\", \"word22\", \"word23\", \"word24\", \"word25\", \"word26\", \"word27\", \"word28\", \"word29\"]", { "[\"word1\", \"word2\", \"word3\", \"word4\", \"word5\", \"word6\", \"word7\", \"word8\", \"word9\", \"word10\", \"word11\", \"word12\", \"word13\", \"word14\", \"word15\", \"word16\", \"word17\", \"word18\", \"word19\", \"word20\", \"word21\", \"word22\", \"word23\", \"word24\", \"word25\", \"word26\", \"word27\", \"word28\", \"word29\"]", "[\"word1\", \"word2\", \"word3\", \"word4\", \"word5\", \"word6\", \"word7\", \"word8\",\n \"word9\", \"word10\", \"word11\", \"word12\", \"word13\", \"word14\", \"word15\", \"word16\",\n \"word17\", \"word18\", \"word19\", \"word20\", \"word21\", \"word22\", \"word23\", \"word24\",\n \"word25\", \"word26\", \"word27\", \"word28\", \"word29\"]", "[\"word1\", \"word2\", \"word3\",\n \"word4\", \"word5\", \"word6\",\n \"word7\", \"word8\", \"word9\",\n \"word10\", \"word11\", \"word12\",\n \"word13\", \"word14\", \"word15\",\n \"word16\", \"word17\", \"word18\",\n \"word19\", \"word20\", \"word21\",\n \"word22\", \"word23\", \"word24\",\n \"word25\", \"word26\", \"word27\",\n \"word28\", \"word29\"]", "[\"word1\", \"word2\", \"word3\", ...]", "[\"word1\", \"word2\",\n \"word3\", \"word4\",\n \"word5\", ...]" } },
    { "%{\"key 1\" => [0], \"key 2\" => [0, 1], \"key 3\" => [0, 1, 2], \"key 4\" => [0, 1, 2, 3], \"key 5\" => [0, 1, 2, 3, 4], \"key 6\" => [0, 1, 2, 3, 4, 5], \"key 7\" => [0, 1, 2, 3, 4, 5, 6], \"key 8\" => [0, 1, 2, 3, 4, 5, 6, 7], \"key 9\" => [0, 1, 2, 3, 4, 5, 6, 7, 8], \"key 10\" => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], \"key 11\" => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}", { "%{\"key 1\" => [0], \"key 10\" => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], \"key 11\" => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], \"key 2\" => [0, 1], \"key 3\" => [0, 1, 2], \"key 4\" => [0, 1, 2, 3], \"key 5\" => [0, 1, 2, 3, 4], \"key 6\" => [0, 1, 2, 3, 4, 5], \"key 7\" => [0, 1, 2, 3, 4, 5, 6], \"key 8\" => [0, 1, 2, 3, 4, 5, 6, 7], \"key 9\" => [0, 1, 2, 3, 4, 5, 6, 7, 8]}", "%{\n  \"key 1\" => [0],\n  \"key 10\" => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],\n  \"key 11\" => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],\n  \"key 2\" => [0, 1],\n  \"key 3\" => [0, 1, 2],\n  \"key 4\" => [0, 1, 2, 3],\n  \"key 5\" => [0, 1, 2, 3, 4],\n  \"key 6\" => [0, 1, 2, 3, 4, 5],\n  \"key 7\" => [0, 1, 2, 3, 4, 5, 6],\n  \"key 8\" => [0, 1, 2, 3, 4, 5, 6, 7],\n  \"key 9\" => [0, 1, 2, 3, 4, 5, 6, 7, 8]\n}", "%{\n  \"key 1\" => [0],\n  \"key 10\" => [0, 1, 2, 3, 4,\n   5, 6, 7, 8, 9],\n  \"key 11\" => [0, 1, 2, 3, 4,\n   5, 6, 7, 8, 9, 10],\n  \"key 2\" => [0, 1],\n  \"key 3\" => [0, 1, 2],\n  \"key 4\" => [0, 1, 2, 3],\n  \"key 5\" => [0, 1, 2, 3, 4],\n  \"key 6\" => [0, 1, 2, 3, 4,\n   5],\n  \"key 7\" => [0, 1, 2, 3, 4,\n   5, 6],\n  \"key 8\" => [0, 1, 2, 3, 4,\n   5, 6, 7],\n  \"key 9\" => [0, 1, 2, 3, 4,\n   5, 6, 7, 8]\n}", "%{\"key 1\" => [0], \"key 10\" => [0, ...], \"key 11\" => [...], ...}", "%{\n  \"key 1\" => [0],\n  \"key 10\" => [0, 1,\n   2, ...],\n  \"key 11\" => [0, 1,\n   ...],\n  \"key 2\" => [0,\n   ...],\n  \"key 3\" => [...],\n  ...\n}" } },
    { "[%{id: 1, name: \"user 1\", tags: [:a, :b]}, %{id: 2, name: \"user 2\", tags: [:a, :b]}, %{id: 3, name: \"user 3\", tags: [:a, :b]}]", { "[%{id: 1, name: \"user 1\", tags: [:a, :b]}, %{id: 2, name: \"user 2\", tags: [:a, :b]}, %{id: 3, name: \"user 3\", tags: [:a, :b]}]", "[\n  %{id: 1, name: \"user 1\", tags: [:a, :b]},\n  %{id: 2, name: \"user 2\", tags: [:a, :b]},\n  %{id: 3, name: \"user 3\", tags: [:a, :b]}\n]", "[\n  %{\n    id: 1,\n    name: \"user 1\",\n    tags: [:a, :b]\n  },\n  %{\n    id: 2,\n    name: \"user 2\",\n    tags: [:a, :b]\n  },\n  %{\n    id: 3,\n    name: \"user 3\",\n    tags: [:a, :b]\n  }\n]", "[%{id: 1, name: \"user 1\", ...}, %{id: 2, ...}, %{...}]", "[\n  %{\n    id: 1,\n    name: \"user 1\",\n    tags: [:a, ...]\n  },\n  %{\n    id: 2,\n    name: \"user 2\",\n    tags: [...]\n  },\n  %{\n    id: 3,\n    name: \"user 3\",\n    ...\n  }\n]" } },
    { "{:ok, [{:item, 1, 1.5}, {:item, 2, 2.5}, {:item, 3, 3.5}, {:item, 4, 4.5}, {:item, 5, 5.5}, {:item, 6, 6.5}, {:item, 7, 7.5}, {:item, 8, 8.5}, {:item, 9, 9.5}, {:item, 10, 10.5}, {:item, 11, 11.5}]}", { "{:ok, [{:item, 1, 1.5}, {:item, 2, 2.5}, {:item, 3, 3.5}, {:item, 4, 4.5}, {:item, 5, 5.5}, {:item, 6, 6.5}, {:item, 7, 7.5}, {:item, 8, 8.5}, {:item, 9, 9.5}, {:item, 10, 10.5}, {:item, 11, 11.5}]}", "{:ok,\n [\n   {:item, 1, 1.5},\n   {:item, 2, 2.5},\n   {:item, 3, 3.5},\n   {:item, 4, 4.5},\n   {:item, 5, 5.5},\n   {:item, 6, 6.5},\n   {:item, 7, 7.5},\n   {:item, 8, 8.5},\n   {:item, 9, 9.5},\n   {:item, 10, 10.5},\n   {:item, 11, 11.5}\n ]}", "{:ok,\n [\n   {:item, 1, 1.5},\n   {:item, 2, 2.5},\n   {:item, 3, 3.5},\n   {:item, 4, 4.5},\n   {:item, 5, 5.5},\n   {:item, 6, 6.5},\n   {:item, 7, 7.5},\n   {:item, 8, 8.5},\n   {:item, 9, 9.5},\n   {:item, 10, 10.5},\n   {:item, 11, 11.5}\n ]}", "{:ok, [{...}, ...]}", "{:ok,\n [\n   {:item, 1, ...},\n   {:item, ...},\n   {...},\n   ...\n ]}" } },
    { "\"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\"", { "\"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\"", "\"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\"", "\"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\"", "\"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\"", "\"abcdefghij\" <> ..." } },
    { "[\"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\"]", { "[\"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\"]", "[\"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\",\n \"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\",\n \"abcdefghijabcdefghijabcdefghij\"]", "[\"abcdefghijabcdefghijabcdefghij\",\n \"abcdefghijabcdefghijabcdefghij\",\n \"abcdefghijabcdefghijabcdefghij\",\n \"abcdefghijabcdefghijabcdefghij\",\n \"abcdefghijabcdefghijabcdefghij\"]", "[\"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\", \"abcdefghijabcdefghijabcdefghij\", ...]", "[\"abcdefghij\" <> ...,\n \"abcdefghij\" <> ...,\n \"abcdefghij\" <> ...,\n \"abcdefghij\" <> ...,\n \"abcdefghij\" <> ...]" } },
    { "<<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69>>", { "<<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, ...>>", "<<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,\n  22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,\n  41, 42, 43, 44, 45, 46, 47, 48, 49, ...>>", "<<0, 1, 2, 3, 4, 5, 6, 7, 8,\n  9, 10, 11, 12, 13, 14, 15,\n  16, 17, 18, 19, 20, 21, 22,\n  23, 24, 25, 26, 27, 28, 29,\n  30, 31, 32, 33, 34, 35, 36,\n  37, 38, 39, 40, 41, 42, 43,\n  44, 45, 46, 47, 48, 49,\n  ...>>", "<<0, 1, 2, ...>>", "<<0, 1, 2, 3, 4,\n  ...>>" } },
    { "[a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35], b: {1, 2}, c: %{d: \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"}]", { "[a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35], b: {1, 2}, c: %{d: \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"}]", "[\n  a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,\n   22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35],\n  b: {1, 2},\n  c: %{d: \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"}\n]", "[\n  a: [1, 2, 3, 4, 5, 6, 7, 8,\n   9, 10, 11, 12, 13, 14, 15,\n   16, 17, 18, 19, 20, 21, 22,\n   23, 24, 25, 26, 27, 28, 29,\n   30, 31, 32, 33, 34, 35],\n  b: {1, 2},\n  c: %{\n    d: \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"\n  }\n]", "[a: [1, 2, ...], b: {1, ...}, c: %{...}]", "[\n  a: [1, 2, 3, 4,\n   ...],\n  b: {1, 2},\n  c: %{\n    d: \"eeeeeeeeee\" <> ...\n  }\n]" } },
    { "[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30] | :tail]", { "[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30] | :tail]", "[\n  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,\n   22, 23, 24, 25, 26, 27, 28, 29, 30] |\n  :tail\n]", "[\n  [1, 2, 3, 4, 5, 6, 7, 8, 9,\n   10, 11, 12, 13, 14, 15, 16,\n   17, 18, 19, 20, 21, 22, 23,\n   24, 25, 26, 27, 28, 29,\n   30] |\n  :tail\n]", "[[1, 2, ...] | :tail]", "[\n  [1, 2, 3, 4, ...] |\n  :tail\n]" } },
    { "{\"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\"}", { "{\"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\"}", "{\"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\",\n \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\"}", "{\"xxxxxxxxxxxxxxx\",\n \"xxxxxxxxxxxxxxx\",\n \"xxxxxxxxxxxxxxx\",\n \"xxxxxxxxxxxxxxx\",\n \"xxxxxxxxxxxxxxx\",\n \"xxxxxxxxxxxxxxx\",\n \"xxxxxxxxxxxxxxx\",\n \"xxxxxxxxxxxxxxx\"}", "{\"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", \"xxxxxxxxxxxxxxx\", ...}", "{\"xxxxxxxxxx\" <> ...,\n \"xxxxxxxxxx\" <> ...,\n \"xxxxxxxxxx\" <> ...,\n \"xxxxxxxxxx\" <> ...,\n \"xxxxxxxxxx\" <> ...,\n ...}" } },
    { "[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]]", { "[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, ...]]", "[\n  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,\n   22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,\n   41, 42, 43, 44, 45, 46, 47, 48, ...]\n]", "[\n  [0, 1, 2, 3, 4, 5, 6, 7, 8,\n   9, 10, 11, 12, 13, 14, 15,\n   16, 17, 18, 19, 20, 21, 22,\n   23, 24, 25, 26, 27, 28, 29,\n   30, 31, 32, 33, 34, 35, 36,\n   37, 38, 39, 40, 41, 42, 43,\n   44, 45, 46, 47, 48, ...]\n]", "[[0, 1, ...]]", "[[0, 1, 2, 3, ...]]" } },
    { "%RuntimeError{message: \"long message long message long message long message long message long message long message long message \"}", { "%RuntimeError{message: \"long message long message long message long message long message long message long message long message \"}", "%RuntimeError{\n  message: \"long message long message long message long message long message long message long message long message \"\n}", "%RuntimeError{\n  message: \"long message long message long message long message long message long message long message long message \"\n}", "%RuntimeError{message: \"long message long message long message long message long message long message long message long message \"}", "%RuntimeError{\n  message: \"long messa\" <> ...\n}" } },
};

static const InspectOpts optsets[5] = {
    { 50, 4096, 80, false, 0 },
    { 50, 4096, 80, true, 0 },
    { 50, 4096, 30, true, 0 },
    { 3, 4096, 80, false, 0 },
    { 5, 10, 20, true, 0 },
};

/* ---- tests ------------------------------------------------------------------- */

static void test_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Term t = term_of(cases[i].expr);
        CHECK(parse_ok);
        if (!parse_ok) fprintf(stderr, "  cannot parse: %s\n", cases[i].expr);
        for (int k = 0; k < 5; k++) {
            StrBuf b = { 0 };
            inspect_to_buf(&b, t, &optsets[k]);
            CHECK_EQ_STR(b.data, cases[i].out[k]);
            if (!b.data || strcmp(b.data, cases[i].out[k]))
                fprintf(stderr, "  case %zu opts %d: %s\n", i, k, cases[i].expr);
            strbuf_free(&b);
        }
    }
}

static void test_binary_result(void)
{
    Term t = term_of("{:ok, [1, 2]}");
    Term s = inspect_term(p, t, &inspect_default_opts);
    REQUIRE(is_binary(s));
    size_t n;
    const uint8_t *bytes = binary_bytes(s, &n);
    CHECK_EQ_INT(n, 13);
    CHECK(memcmp(bytes, "{:ok, [1, 2]}", 13) == 0);
}

static void test_deep_nesting(void)
{
    /* 200000 nested lists: no C recursion, no crash */
    Term t = make_small(7);
    for (int i = 0; i < 200000; i++) t = make_cons_cell(p, t, T_NIL);
    InspectOpts o = inspect_default_opts;
    o.limit = -1;
    StrBuf b = { 0 };
    inspect_to_buf(&b, t, &o);
    CHECK_EQ_INT(b.len, 400001);
    CHECK(b.data[200000] == '7' && b.data[0] == '[' && b.data[b.len - 1] == ']');
    strbuf_free(&b);
}

static void test_opts_parsing(void)
{
    InspectOpts o = inspect_default_opts;
    Term opts = term_of("[limit: 3, pretty: true, width: 10, charlists: :as_charlists]");
    CHECK(inspect_parse_opts(opts, &o));
    CHECK_EQ_INT(o.limit, 3);
    CHECK(o.pretty);
    CHECK_EQ_INT(o.width, 10);
    CHECK_EQ_INT(o.charlists, 2);
    CHECK(inspect_parse_opts(term_of("[limit: :infinity]"), &o));
    CHECK_EQ_INT(o.limit, -1);
    CHECK(!inspect_parse_opts(term_of("[limit: :bad]"), &o));
    CHECK(!inspect_parse_opts(term_of("[1]"), &o));
    CHECK(!inspect_parse_opts(term_of("[pretty: 1]"), &o));
    CHECK(inspect_parse_opts(term_of("[label: \"x\", structs: false]"), &o));
    CHECK(o.no_structs);
    o.pretty = false;
    StrBuf b = { 0 };
    inspect_to_buf(&b, term_of("[1..2, %RuntimeError{message: \"m\"}]"), &o);
    CHECK_EQ_STR(b.data, "[%{__struct__: Range, first: 1, last: 2, step: 1}, %{__exception__: true, __struct__: RuntimeError, message: \"m\"}]");
    strbuf_free(&b);
}

static void test_charlists(void)
{
    InspectOpts o = inspect_default_opts;
    o.charlists = 1; /* :infer, Elixir's default */
    StrBuf b = { 0 };
    inspect_to_buf(&b, term_of("[104, 105]"), &o);
    CHECK_EQ_STR(b.data, "'hi'");
    b.len = 0;
    inspect_to_buf(&b, term_of("[104, 0]"), &o);
    CHECK_EQ_STR(b.data, "[104, 0]");
    b.len = 0;
    o.charlists = 2;
    inspect_to_buf(&b, term_of("[39, 10]"), &o);
    CHECK_EQ_STR(b.data, "'\\'\\n'");
    strbuf_free(&b);
}

static const char *to_s(const char *expr)
{
    static StrBuf b;
    b.len = 0;
    strbuf_reserve(&b, 0);
    b.data[0] = 0;
    if (!term_to_string_buf(&b, term_of(expr))) return "(error)";
    return b.data;
}

static void test_to_string(void)
{
    CHECK_EQ_STR(to_s("\"abc\""), "abc");
    CHECK_EQ_STR(to_s("nil"), "");
    CHECK_EQ_STR(to_s("true"), "true");
    CHECK_EQ_STR(to_s(":foo"), "foo");
    CHECK_EQ_STR(to_s("Foo.Bar"), "Elixir.Foo.Bar");
    CHECK_EQ_STR(to_s("2500.0"), "2.5e3");
    CHECK_EQ_STR(to_s("0.1"), "0.1");
    CHECK_EQ_STR(to_s("-12"), "-12");
    CHECK_EQ_STR(to_s("123456789012345678901234567890"), "123456789012345678901234567890");
    CHECK_EQ_STR(to_s("[104, \"ey\", [33]]"), "hey!");
    CHECK_EQ_STR(to_s("[]"), "");
    CHECK_EQ_STR(to_s("[233]"), "\xc3\xa9");
    CHECK_EQ_STR(to_s("[\"a\" | \"b\"]"), "ab");
    CHECK_EQ_STR(to_s("{1, 2}"), "(error)");
    CHECK_EQ_STR(to_s("[1, {2}]"), "(error)");
    CHECK_EQ_STR(to_s("[-1]"), "(error)");
    CHECK_EQ_STR(to_s("%{a: 1}"), "(error)");
}

/* Raising: the exception is the Elixir exception struct; returns
 * inspect of it (the struct's fields are what Elixir builds). */
static const char *raised(const char *expr)
{
    static StrBuf b;
    b.len = 0;
    strbuf_reserve(&b, 0);
    b.data[0] = 0;
    p->exc_reason = T_NIL;
    Term r = term_to_string(p, term_of(expr));
    if (r != T_NONE || !is_map(p->exc_reason)) return "(no raise)";
    InspectOpts o = inspect_default_opts;
    o.no_structs = true; /* show __exception__ too */
    inspect_to_buf(&b, p->exc_reason, &o);
    return b.data;
}

static void test_to_string_errors(void)
{
    CHECK_EQ_STR(raised("{1, 2}"), "%{__exception__: true, __struct__: Protocol.UndefinedError, "
                                   "description: \"\", protocol: String.Chars, value: {1, 2}}");
    CHECK_EQ_STR(raised("%{a: 1}"), "%{__exception__: true, __struct__: Protocol.UndefinedError, "
                                    "description: \"\", protocol: String.Chars, value: %{a: 1}}");
    CHECK_EQ_STR(raised("[-1]"), "%{__exception__: true, __struct__: UnicodeConversionError, encoded: \"\", "
                                 "message: \"invalid code point -1\"}");
    const char *m = raised("[1, {2}]");
    CHECK(strstr(m, "__struct__: ArgumentError") != NULL);
    CHECK(strstr(m, "got:\\n\\n[1, {2}]\\n\"") != NULL);
}

static void test_chardata(void)
{
    StrBuf b = { 0 };
    Term bad = T_NONE;
    CHECK_EQ_INT(chardata_to_buf(&b, term_of("[\"ab\", [99, [\"d\"]], 128512]"), &bad), 0);
    CHECK_EQ_STR(b.data, "abcd\xf0\x9f\x98\x80");
    b.len = 0;
    CHECK_EQ_INT(chardata_to_buf(&b, term_of("[1114112]"), &bad), 2);
    CHECK(bad == make_small(0x110000));
    CHECK_EQ_INT(chardata_to_buf(&b, term_of("[:a]"), &bad), 1);
    strbuf_free(&b);
}

static void test_struct_order(void)
{
    Term user = atom_intern_cstr("Elixir.User");
    Term fields[4] = { atom_intern_cstr("name"), atom_intern_cstr("age"), atom_intern_cstr("zeta"),
                       atom_intern_cstr("alpha") };
    StrBuf b = { 0 };
    /* unregistered: key order */
    inspect_to_buf(&b, term_of("%User{name: \"a\", age: 3, zeta: 1, alpha: 2}"), &inspect_default_opts);
    CHECK_EQ_STR(b.data, "%User{age: 3, alpha: 2, name: \"a\", zeta: 1}");
    inspect_register_struct(user, 4, fields);
    b.len = 0;
    /* registered: declared order, as elixir prints it */
    inspect_to_buf(&b, term_of("%User{name: \"a\", age: 3, zeta: 1, alpha: 2}"), &inspect_default_opts);
    CHECK_EQ_STR(b.data, "%User{name: \"a\", age: 3, zeta: 1, alpha: 2}");
    b.len = 0;
    /* keys differ from the declaration: a plain map */
    inspect_to_buf(&b, term_of("%User{name: \"a\"}"), &inspect_default_opts);
    CHECK_EQ_STR(b.data, "%{__struct__: User, name: \"a\"}");
    /* many registrations (table growth) keep earlier ones */
    for (int i = 0; i < 200; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "Elixir.S%d", i);
        Term f1 = atom_intern_cstr("b"), f2 = atom_intern_cstr("a");
        Term fs[2] = { f1, f2 };
        inspect_register_struct(atom_intern_cstr(nm), 2, fs);
    }
    b.len = 0;
    inspect_to_buf(&b, term_of("[%User{name: 1, age: 2, zeta: 3, alpha: 4}, %S150{a: 1, b: 2}]"), &inspect_default_opts);
    CHECK_EQ_STR(b.data, "[%User{name: 1, age: 2, zeta: 3, alpha: 4}, %S150{b: 2, a: 1}]");
    strbuf_free(&b);
}

static void test_strbuf(void)
{
    StrBuf b = { 0 };
    for (int i = 0; i < 1000; i++) strbuf_printf(&b, "%d,", i);
    CHECK_EQ_INT(b.len, 3890);
    CHECK(memcmp(b.data + b.len - 4, "999,", 4) == 0);
    strbuf_put_utf8(&b, 0x20AC);
    CHECK(memcmp(b.data + b.len - 3, "\xe2\x82\xac", 3) == 0);
    CHECK_EQ_INT(b.data[b.len], 0);
    strbuf_free(&b);
    CHECK(b.data == NULL && b.len == 0);
}

int main(void)
{
    atom_init();
    p = calloc(1, sizeof(Process));
    heap_init(p, 1 << 16);
    RUN(test_table);
    RUN(test_binary_result);
    RUN(test_deep_nesting);
    RUN(test_opts_parsing);
    RUN(test_charlists);
    RUN(test_to_string);
    RUN(test_to_string_errors);
    RUN(test_chardata);
    RUN(test_struct_order);
    RUN(test_strbuf);
    return unit_summary();
}
