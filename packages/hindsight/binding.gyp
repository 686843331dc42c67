{
  "targets": [
    {
      "target_name": "hindsight_memory",
      "sources": ["native/memory.c", "native/loop-clock.c"],
      "cflags": ["-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
