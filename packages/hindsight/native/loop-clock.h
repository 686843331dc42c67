/* The event loop's time records in a flight recorder ring (loop-clock.c). */
#ifndef HINDSIGHT_LOOP_CLOCK_H
#define HINDSIGHT_LOOP_CLOCK_H
#include <node_api.h>

napi_value stamp_loop_waits(napi_env env, napi_callback_info info);

#endif
