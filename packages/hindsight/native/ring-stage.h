/* The stage of a flight recorder ring (src/recorder/ring-layout.ts, format 4), copied into the ring. */
#ifndef HINDSIGHT_RING_STAGE_H
#define HINDSIGHT_RING_STAGE_H
#include <node_api.h>
#include <stdint.h>

/* Header words and layout (ring-layout.ts): the two change together. */
enum { H_MAGIC = 0, H_VERSION = 1, H_CAPACITY = 2, H_COUNT = 3, H_WRAPPED = 4, H_RECORDS = 9, H_TIME_AT = 11, H_T0_S = 12, H_T0_NS = 13, H_WAITS = 14, H_FLUSHED = 15, HEADER_WORDS = 16 };
#define MAGIC 0x31525348u
#define VERSION 4u
#define STAGE_SLOTS 4096u
#define LINE_SLOTS 16u

/* The stage's slots in a ring of `capacity` slots: STAGE_SLOTS, or the capacity when smaller. */
static inline uint32_t stage_slots(uint32_t capacity) { return capacity < STAGE_SLOTS ? capacity : STAGE_SLOTS; }

/* Copies the staged slots up to the last whole cache line written into their places in the ring. */
void ring_flush(uint32_t *words);

/* flushRing(ring) -> undefined: ring_flush on a started ring's ArrayBuffer. */
napi_value flush_ring(napi_env env, napi_callback_info info);

#endif
