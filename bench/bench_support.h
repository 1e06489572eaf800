/* bench/bench_support.h - percentiles and an in-process action module that records latencies. */
#ifndef WEE_BENCH_SUPPORT_H
#define WEE_BENCH_SUPPORT_H
#include <stddef.h>
#include <stdint.h>
#include "loader.h"

/* Sorts v in place and returns the p-th percentile (0..100). */
uint64_t bench_percentile(uint64_t *v, size_t n, double p);
/* A registry entry for an action "probe" that records now - event field "t0" (monotonic ns) into a
 * preallocated array, and a "noop" action that does nothing. */
extern loaded_module bench_probe_module, bench_noop_module;
void bench_probe_reset(size_t capacity);
size_t bench_probe_samples(uint64_t **out);
#endif
