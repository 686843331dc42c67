/*
 * The memory Node cannot ask for itself: one function, N-API only (the
 * module also exports loop-clock.c's stampLoopWaits).
 *
 * map(path, bytes) -> ArrayBuffer over a file mapped MAP_SHARED.
 *
 * The flight recorder keeps its ring buffer here so that it outlives the
 * process: stores into a shared file mapping land in the kernel's page cache,
 * which the kernel keeps (and eventually writes back) however the process
 * dies -- SIGKILL, abort(), a native crash. The supervising parent then maps
 * the same file and reads what was written, with no flush ever needed.
 *
 * The decoder's columns used to come from here too, in transparent huge pages
 * faulted in by a helper thread. On a virtual machine that reports its free
 * memory to the host (Firecracker's free page reporting, for one), a huge page
 * is carved from exactly the large free blocks the host has taken back, so
 * every one of its 512 pages faulted on the host: plain ArrayBuffers, whose
 * 4 KiB pages come from the guest's smaller free blocks and from what malloc
 * keeps, decoded twice as fast there (see docs/recording.md).
 *
 * Node has no mmap, hence this addon. It is deliberately tiny: N-API only, so
 * one build works across Node versions, and no syscalls beyond
 * open/fstat/ftruncate/mmap/munmap.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loop-clock.h"

/* Throws an Error naming the failed step, the path and the errno text, with
 * err.errno and err.syscall set like Node's own fs errors. A pending throw is
 * all a caller can do from here, so failures of the throw itself are ignored. */
static void throw_errno(napi_env env, const char *syscall, const char *path, int err) {
  char message[4096 + 256];
  snprintf(message, sizeof message, "%s '%s' for the flight recorder's shared memory failed: %s", syscall, path,
           strerror(err));
  napi_value msg, error, errno_value, syscall_value;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok) return;
  if (napi_create_error(env, NULL, msg, &error) != napi_ok) return;
  if (napi_create_int32(env, -err, &errno_value) == napi_ok) napi_set_named_property(env, error, "errno", errno_value);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) == napi_ok)
    napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
}

/* Grows the file to `bytes` with its blocks reserved where the system can
 * (Linux); elsewhere, or on a file system that cannot, sized only. 0 or an
 * errno value. */
static int grow(int fd, off_t bytes) {
#ifdef __linux__
  int err = posix_fallocate(fd, 0, bytes);
  if (err != EOPNOTSUPP && err != EINVAL) return err;
#endif
  return ftruncate(fd, bytes) == 0 ? 0 : errno;
}

/* Runs when V8 frees the ArrayBuffer. The mapping length travels in the hint
 * so that no allocation has to be tracked per mapping. */
static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;

  napi_valuetype type;
  if (argc < 2 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_string) {
    napi_throw_type_error(env, NULL, "map(path, bytes): path must be a string");
    return NULL;
  }
  size_t path_len;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &path_len) != napi_ok) return NULL;
  char *path = malloc(path_len + 1);
  if (path == NULL) {
    napi_throw_error(env, NULL, "map(path, bytes): out of memory");
    return NULL;
  }
  napi_value result = NULL;
  if (napi_get_value_string_utf8(env, argv[0], path, path_len + 1, &path_len) != napi_ok) goto done;
  /* An embedded NUL would make open() silently use a different, shorter path. */
  if (path_len == 0 || strlen(path) != path_len) {
    napi_throw_type_error(env, NULL, "map(path, bytes): path must be a non-empty string without NUL characters");
    goto done;
  }

  /* A double, so that sizes beyond 2^31 arrive intact; it must be a whole
   * number of bytes, at least one (mmap rejects 0), and fit in off_t. */
  double requested;
  if (napi_typeof(env, argv[1], &type) != napi_ok || type != napi_number ||
      napi_get_value_double(env, argv[1], &requested) != napi_ok || !(requested >= 1) ||
      requested != (double)(int64_t)requested || requested > 9007199254740991.0 ||
      (sizeof(off_t) < 8 && requested > 2147483647.0)) {
    napi_throw_range_error(env, NULL, "map(path, bytes): bytes must be a whole number of bytes, at least 1");
    goto done;
  }
  size_t bytes = (size_t)requested;

  /* 0600: the ring holds whatever the traced program was doing; it is no one
   * else's to read. O_CLOEXEC keeps children from inheriting the descriptor. */
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw_errno(env, "open", path, errno);
    goto done;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    throw_errno(env, "fstat", path, errno);
    close(fd);
    goto done;
  }
  /* Only ever grow the file: an existing ring of the right size is exactly
   * what a reader maps after a crash, so its content must survive; and a
   * larger file is not cut short by a reader asking for less. Touching a
   * mapped page beyond the end of the file would raise SIGBUS, hence the
   * growth before mapping; and so would a page the file system has no room
   * for (a small /dev/shm: Docker gives containers 64 MiB), hence the blocks
   * reserved as it grows, which says ENOSPC here instead. */
  if (st.st_size < (off_t)bytes) {
    int err = grow(fd, (off_t)bytes);
    if (err != 0) {
      throw_errno(env, "fallocate", path, err);
      close(fd);
      goto done;
    }
  }
  void *data = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int mmap_errno = errno;
  /* The mapping keeps its own reference to the file; the descriptor is not needed. */
  close(fd);
  if (data == MAP_FAILED) {
    throw_errno(env, "mmap", path, mmap_errno);
    goto done;
  }
  if (napi_create_external_arraybuffer(env, data, bytes, unmap, (void *)(uintptr_t)bytes, &result) != napi_ok) {
    munmap(data, bytes);
    result = NULL;
    /* Some runtimes (those with a V8 memory sandbox) refuse external buffers. */
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "map(path, bytes): this Node.js cannot wrap a mapping in an ArrayBuffer");
  }

done:
  free(path);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "map", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "stampLoopWaits", NAPI_AUTO_LENGTH, stamp_loop_waits, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "stampLoopWaits", fn) != napi_ok) return NULL;
  return exports;
}
