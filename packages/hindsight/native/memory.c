/*
 * The memory Node cannot ask for itself: two functions, N-API only (the
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
 * allocate(bytes[, resident]) -> a zeroed ArrayBuffer of anonymous memory
 * backed by huge pages where the kernel has them (transparent huge pages,
 * MADV_HUGEPAGE), its first `resident` bytes (default all) faulted in ahead.
 *
 * The decoder fills columns of hundreds of megabytes once; backed 4 KiB at a
 * time, every page is a fault on first touch, and on virtual machines such a
 * fault can cost 10 us: more than decoding the 500 events the page holds.
 * Kernels whose transparent huge pages are "madvise" (the default of Debian
 * and Ubuntu) give huge pages only to memory that asks, hence this function.
 * A helper thread faults its pages in ahead of the decoder (see Allocation).
 *
 * Node has no mmap, hence this addon. It is deliberately tiny: N-API only, so
 * one build works across Node versions, and no syscalls beyond
 * open/fstat/ftruncate/mmap/munmap/madvise and a thread per allocation.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
   * growth before mapping. */
  if (st.st_size < (off_t)bytes && ftruncate(fd, (off_t)bytes) != 0) {
    throw_errno(env, "ftruncate", path, errno);
    close(fd);
    goto done;
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

#define HUGE_PAGE ((size_t)2 << 20)

/*
 * An allocate()d mapping, and the thread that makes its pages resident ahead
 * of the decoder. On a virtual machine the first touch of a page can cost as
 * much as the work done in it (the host backs guest memory lazily: 1.6 ms a
 * huge page was measured on one), so a helper thread takes those faults on
 * another core while the decoder computes; JVMs pre-touch their heaps in
 * parallel for the same reason. MADV_POPULATE_WRITE faults pages in without
 * writing them, so the decoder's writes are never raced; where the kernel
 * lacks it (before Linux 5.14), an atomic add of zero to a byte of each page
 * does the same: it writes back what it reads, atomically.
 */
typedef struct {
  char *data;
  size_t length;
  /* The bytes its user will write, from the start: the helper faults in those only (a column grown
   * by doubling may never fill its second half, which then stays out of memory as before). */
  size_t resident;
  pthread_t thread;
  bool started;
  int stop; /* set when V8 frees the buffer: the helper stops at its next step */
} Allocation;

#define SMALL_PAGE ((size_t)4096)

static void *populate(void *arg) {
  Allocation *a = arg;
  bool advise = true;
  for (size_t at = 0; at < a->resident && !__atomic_load_n(&a->stop, __ATOMIC_RELAXED); at += HUGE_PAGE) {
    size_t step = a->resident - at < HUGE_PAGE ? a->resident - at : HUGE_PAGE;
    if (advise) {
      if (madvise(a->data + at, step, MADV_POPULATE_WRITE) == 0) continue;
      /* Out of memory, say: the decoder's own writes will meet it, not the helper. */
      if (errno != EINVAL) break;
      advise = false;
    }
    for (size_t p = 0; p < step; p += SMALL_PAGE) __atomic_fetch_add(a->data + at + p, 0, __ATOMIC_RELAXED);
  }
  return NULL;
}

/* Runs when V8 frees an allocate()d ArrayBuffer: the helper is stopped, the
 * mapping goes, and V8 is told that the memory it counted is free. */
static void release(napi_env env, void *data, void *hint) {
  (void)data;
  Allocation *a = hint;
  if (a->started) {
    __atomic_store_n(&a->stop, 1, __ATOMIC_RELAXED);
    pthread_join(a->thread, NULL);
  }
  munmap(a->data, a->length);
  int64_t ignored;
  napi_adjust_external_memory(env, -(int64_t)a->length, &ignored);
  free(a);
}

/* A mapping of `length` bytes (a multiple of HUGE_PAGE) that starts on a huge
 * page boundary: over-mapped by one huge page, the ends cut off. */
static void *map_aligned(size_t length) {
  char *raw = mmap(NULL, length + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return NULL;
  char *start = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
  if (start > raw) munmap(raw, (size_t)(start - raw));
  size_t tail = (size_t)(raw + length + HUGE_PAGE - (start + length));
  if (tail > 0) munmap(start + length, tail);
  return start;
}

static napi_value allocate(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  napi_valuetype type;
  double requested;
  if (argc < 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_number ||
      napi_get_value_double(env, argv[0], &requested) != napi_ok || !(requested >= 1) ||
      requested != (double)(int64_t)requested || requested > 9007199254740991.0) {
    napi_throw_range_error(env, NULL, "allocate(bytes): bytes must be a whole number of bytes, at least 1");
    return NULL;
  }
  size_t bytes = (size_t)requested;
  size_t length = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  /* The optional second argument: the bytes that will be written (all of them when left out). */
  double resident = (double)bytes;
  if (argc >= 2 && (napi_typeof(env, argv[1], &type) != napi_ok || type != napi_number ||
                    napi_get_value_double(env, argv[1], &resident) != napi_ok || !(resident >= 0))) {
    napi_throw_range_error(env, NULL, "allocate(bytes, resident): resident must be a number of bytes");
    return NULL;
  }
  void *data = map_aligned(length);
  if (data == NULL) {
    char message[256];
    snprintf(message, sizeof message, "allocate(bytes): mapping %zu bytes failed: %s", length, strerror(errno));
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  /* Advice only: a kernel without transparent huge pages backs it 4 KiB at a time. */
  madvise(data, length, MADV_HUGEPAGE);
  Allocation *a = calloc(1, sizeof *a);
  napi_value result;
  if (a == NULL || napi_create_external_arraybuffer(env, data, bytes, release, a, &result) != napi_ok) {
    munmap(data, length);
    free(a);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "allocate(bytes): this Node.js cannot wrap a mapping in an ArrayBuffer");
    return NULL;
  }
  a->data = data;
  a->length = length;
  a->resident = resident < (double)length ? (size_t)resident : length;
  /* Without the helper the decoder takes the faults itself: slower, never wrong. */
  a->started = a->resident > 0 && pthread_create(&a->thread, NULL, populate, a) == 0;
  /* V8 counts it, so that the garbage collector frees it as it would an ArrayBuffer of its own. */
  int64_t ignored;
  napi_adjust_external_memory(env, (int64_t)length, &ignored);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "map", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "allocate", NAPI_AUTO_LENGTH, allocate, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "allocate", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "stampLoopWaits", NAPI_AUTO_LENGTH, stamp_loop_waits, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "stampLoopWaits", fn) != napi_ok) return NULL;
  return exports;
}
