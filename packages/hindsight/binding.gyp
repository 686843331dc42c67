{
  "targets": [
    {
      "target_name": "hindsight_shared_memory",
      "sources": ["native/shared_memory.c"],
      "cflags": ["-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
