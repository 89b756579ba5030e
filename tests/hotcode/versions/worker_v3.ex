# Version v3 of Worker (tests/hotcode/ load it).
defmodule Worker do
  def start, do: spawn(fn -> loop() end)
  def version, do: :v3

  def after_upgrade(from) do
    send(from, {:upgraded, :v3})
    loop()
  end

  defp loop do
    receive do
      {:which, from} ->
        send(from, {:version, :v3})
        loop()

      {:upgrade, from} ->
        __MODULE__.after_upgrade(from)
    end
  end
end
