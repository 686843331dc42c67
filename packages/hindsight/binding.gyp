{
  "targets": [
    {
      "target_name": "hindsight_memory",
      "sources": ["native/memory.c"],
      "cflags": ["-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
