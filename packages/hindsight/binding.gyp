{
  "targets": [
    {
      "target_name": "hindsight_memory",
      "sources": ["native/memory.c", "native/loop-clock.c", "native/ring-stage.c"],
      "cflags": ["-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
