/*
 * stampLoopWaits(ring) -> undefined
 *
 * The flight recorder's ring (src/recorder/ring-layout.ts, format 3) gets a time record from the event
 * loop itself, just before the loop waits for I/O (libuv's prepare phase), whenever events were
 * written since the last time record. The probes then need not read the clock where traced code
 * stops running: the time it stopped is bounded by the next time record, either the next start of
 * traced code (which reads the clock) or this one. A loop turn that ran traced code costs one clock
 * read here rather than one per stop.
 *
 * The loop runs on the thread that writes the ring, between two runs of its JavaScript, so the
 * record is written as the writer would (slots, then the count that publishes them) with no race.
 * The header's layout is ring-layout.ts's: the two change together.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <stdint.h>
#include <stdlib.h>

#include "loop-clock.h"

/* Header words (ring-layout.ts): capacity in slots, slots written, wrapped flag, records written, the
 * count after the last time record, the clock when the ring started (uv_hrtime(), as
 * process.hrtime() gives it: seconds and nanoseconds), and the loop's turns: 1 once stamped, one
 * more before each wait (the writer reads the clock where an await resumes only if it changed). */
enum { H_MAGIC = 0, H_VERSION = 1, H_CAPACITY = 2, H_COUNT = 3, H_WRAPPED = 4, H_RECORDS = 9, H_TIME_AT = 11, H_T0_S = 12, H_T0_NS = 13, H_WAITS = 14, HEADER_WORDS = 16 };
#define MAGIC 0x31525348u
#define VERSION 3u
#define SITE_BITS 28
#define SITE_MASK ((1u << SITE_BITS) - 1)
/* A time record's two slots: 15 << 28 | ns >> 28, then 12 << 28 | ns & SITE_MASK. */
#define TIME 15u
#define TIME_LOW 12u

typedef struct {
  uv_prepare_t prepare;
  uint32_t *words;
  napi_env env;
  /* The ring's ArrayBuffer, kept alive (its mapping with it) while the loop writes into it. */
  napi_ref ring;
  napi_async_cleanup_hook_handle cleanup;
} Stamp;

static void stamp(uv_prepare_t *handle) {
  Stamp *s = handle->data;
  uint32_t *w = s->words;
  w[H_WAITS] = w[H_WAITS] + 1 == 0 ? 1 : w[H_WAITS] + 1; /* never 0 again: 0 says "not stamped" */
  uint32_t n = w[H_COUNT];
  if (n == w[H_TIME_AT]) return; /* nothing written since the last record: an idle loop leaves the ring alone */
  uint64_t ns = uv_hrtime() - ((uint64_t)w[H_T0_S] * 1000000000u + w[H_T0_NS]);
  uint32_t mask = w[H_CAPACITY] - 1;
  w[HEADER_WORDS + (n & mask)] = TIME << SITE_BITS | ((uint32_t)(ns >> SITE_BITS) & SITE_MASK);
  w[HEADER_WORDS + ((n + 1) & mask)] = TIME_LOW << SITE_BITS | ((uint32_t)ns & SITE_MASK);
  uint32_t next = n + 2;
  w[H_COUNT] = next;
  w[H_RECORDS] += 2;
  w[H_TIME_AT] = next;
  if (next > mask + 1) w[H_WRAPPED] = 1;
}

static void closed(uv_handle_t *handle) {
  Stamp *s = handle->data;
  napi_remove_async_cleanup_hook(s->cleanup);
  free(s);
}

/* The thread's environment is going away (a worker ending, the process exiting): stop, and let
 * Node wait for the handle to close before it closes the loop. */
static void stop(napi_async_cleanup_hook_handle cleanup, void *arg) {
  Stamp *s = arg;
  s->cleanup = cleanup;
  uv_prepare_stop(&s->prepare);
  napi_delete_reference(s->env, s->ring);
  uv_close((uv_handle_t *)&s->prepare, closed);
}

napi_value stamp_loop_waits(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  bool is_buffer = false;
  void *data = NULL;
  size_t length = 0;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok || length < HEADER_WORDS * 4 ||
      ((uint32_t *)data)[H_MAGIC] != MAGIC || ((uint32_t *)data)[H_VERSION] != VERSION) {
    napi_throw_type_error(env, NULL, "stampLoopWaits(ring): ring must be the ArrayBuffer of a started ring (format 3)");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  Stamp *s = calloc(1, sizeof *s);
  if (s == NULL) {
    napi_throw_error(env, NULL, "stampLoopWaits(ring): out of memory");
    return NULL;
  }
  s->words = data;
  s->env = env;
  s->prepare.data = s;
  if (napi_create_reference(env, argv[0], 1, &s->ring) != napi_ok || uv_prepare_init(loop, &s->prepare) != 0) {
    if (s->ring) napi_delete_reference(env, s->ring);
    free(s);
    napi_throw_error(env, NULL, "stampLoopWaits(ring): cannot watch this thread's event loop");
    return NULL;
  }
  s->words[H_WAITS] = 1;
  uv_prepare_start(&s->prepare, stamp);
  uv_unref((uv_handle_t *)&s->prepare); /* it never keeps the program alive */
  napi_add_async_cleanup_hook(env, stop, s, NULL);
  return NULL;
}
