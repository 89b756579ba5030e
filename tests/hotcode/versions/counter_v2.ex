# Version 2 of Counter (tests/hotcode/server_upgrade.act loads it).
defmodule Counter do
  def start, do: spawn(fn -> __MODULE__.loop(0) end)

  def loop(n) do
    receive do
      {:bump, from} ->
        send(from, {:count, :v2, n + 1})
        __MODULE__.loop(n + 1)
    end
  end
end
