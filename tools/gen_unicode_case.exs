# Regenerates vm/unicode_case.h from Elixir's own case mapping (the oracle):
#   elixir tools/gen_unicode_case.exs > vm/unicode_case.h
# Every code point in the ranges below whose upcase, downcase or capitalize
# differs from itself gets a case_map row; a mapping to several code points is
# 0 there and spelled out, as UTF-8, in case_special.
defmodule GenCase do
  def ranges, do: [0x80..0xD7FF, 0xE000..0xFFFD, 0x10000..0x1FFFF]

  def single(s) do
    case String.to_charlist(s) do
      [c] -> c
      _ -> 0
    end
  end

  def hex(0), do: "0"
  def hex(n), do: "0x" <> Integer.to_string(n, 16)

  def c_string(s) do
    body =
      s
      |> :binary.bin_to_list()
      |> Enum.map(fn
        b when b in ?a..?z or b in ?A..?Z or b in ?0..?9 -> <<b>>
        b -> "\\" <> String.pad_leading(Integer.to_string(b, 8), 3, "0")
      end)
      |> Enum.join()

    "\"" <> body <> "\""
  end

  def run do
    rows =
      for r <- ranges(), cp <- r,
          s = <<cp::utf8>>,
          {u, l, t} = {String.upcase(s), String.downcase(s), String.capitalize(s)},
          u != s or l != s or t != s,
          do: {cp, u, l, t}

    IO.puts("""
    /* unicode_case.h — case mapping data, generated from elixir 1.14 (Unicode
     * 14) by running String.upcase/downcase/capitalize on every code point in
     * U+0080..U+D7FF, U+E000..U+FFFD, U+10000..U+1FFFF and keeping those that
     * change. Only included by unicode.c. Regenerate rather than edit.
     *
     * case_map: sorted by cp; upper/lower/title are the single code point the
     * mapping gives, or 0 when it gives several (then case_special has the
     * UTF-8 texts of all three mappings for that cp, also sorted by cp).
     */
    typedef struct CaseMap { uint32_t cp, upper, lower, title; } CaseMap;
    static const CaseMap case_map[] = {\
    """)

    for {cp, u, l, t} <- rows do
      IO.puts("    { #{hex(cp)}, #{hex(single(u))}, #{hex(single(l))}, #{hex(single(t))} },")
    end

    IO.puts("};\n")
    IO.puts("static const struct { uint32_t cp; const char *upper, *lower, *title; } case_special[] = {")

    for {cp, u, l, t} <- rows, single(u) == 0 or single(l) == 0 or single(t) == 0 do
      IO.puts("    { #{hex(cp)}, #{c_string(u)}, #{c_string(l)}, #{c_string(t)} },")
    end

    IO.puts("};")
  end
end

GenCase.run()
