# Version v2 of Maker (tests/hotcode/old_fun_badfun_after_purge.act loads it).
defmodule Maker do
  def make(tag), do: fn -> {tag, :v2} end
end
