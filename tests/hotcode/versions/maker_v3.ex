# Version v3 of Maker (tests/hotcode/old_fun_badfun_after_purge.act loads it).
defmodule Maker do
  def make(tag), do: fn -> {tag, :v3} end
end
