# Version v2 of Worker (tests/hotcode/ load it).
defmodule Worker do
  def start, do: spawn(fn -> loop() end)
  def version, do: :v2

  def after_upgrade(from) do
    send(from, {:upgraded, :v2})
    loop()
  end

  defp loop do
    receive do
      {:which, from} ->
        send(from, {:version, :v2})
        loop()

      {:upgrade, from} ->
        __MODULE__.after_upgrade(from)
    end
  end
end
