defmodule Target do
  def version, do: 1
end

IO.puts("target compiled")
