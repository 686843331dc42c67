/*
 * flushRing(ring) -> undefined
 *
 * The recorded program writes its events into the ring's stage, a few KiB that stay in the CPU's
 * cache; here they go to their places in the ring, a cache line at a time, with non-temporal
 * stores: written straight to memory, they neither read the ring's old lines in nor push the
 * program's own data out of the cache, as the program's stores into a 64 MiB ring did.
 * (ring-layout.ts has the format; the header words are ring-stage.h's.)
 */
#define NAPI_VERSION 8
#include "ring-stage.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* One cache line (LINE_SLOTS slots) from the stage to the ring. */
static inline void copy_line(uint32_t *to, const uint32_t *from) {
#if defined(__SSE2__)
  if (((uintptr_t)to & 15) == 0) {
    for (unsigned k = 0; k < LINE_SLOTS; k += 4) _mm_stream_si128((__m128i *)(to + k), _mm_loadu_si128((const __m128i *)(from + k)));
    return;
  }
#endif
  memcpy(to, from, LINE_SLOTS * 4);
}

void ring_flush(uint32_t *w) {
  uint32_t capacity = w[H_CAPACITY];
  uint32_t mask = capacity - 1, stage_mask = stage_slots(capacity) - 1;
  uint32_t *ring = w + HEADER_WORDS, *stage = ring + capacity;
  uint32_t f = w[H_FLUSHED], to = w[H_COUNT] & ~(LINE_SLOTS - 1);
  /* a ring flushed by a plain copy before (not here) may stop mid-line */
  for (; f != to && (f & (LINE_SLOTS - 1)) != 0; f++) ring[f & mask] = stage[f & stage_mask];
  /* a line never straddles the end of the ring or of the stage: both are multiples of it */
  for (; f != to; f += LINE_SLOTS) copy_line(ring + (f & mask), stage + (f & stage_mask));
#if defined(__SSE2__)
  _mm_sfence(); /* the lines are in memory before the count that says so */
#endif
  w[H_FLUSHED] = to;
}

napi_value flush_ring(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  size_t length = 0;
  bool is_buffer = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer || napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok ||
      length < HEADER_WORDS * 4 || ((uint32_t *)data)[H_MAGIC] != MAGIC || ((uint32_t *)data)[H_VERSION] != VERSION ||
      length < (HEADER_WORDS + (uint64_t)((uint32_t *)data)[H_CAPACITY] + stage_slots(((uint32_t *)data)[H_CAPACITY])) * 4) {
    napi_throw_type_error(env, NULL, "flushRing(ring): ring must be the ArrayBuffer of a started ring (format 4)");
    return NULL;
  }
  ring_flush(data);
  return NULL;
}
