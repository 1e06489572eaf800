/*
 * core/util/double_int.h - a JSON number (a double) as an int64_t, only when it is integral and fits:
 * casting 1e400 or 2^70 to int64_t is undefined behaviour, so every conversion goes through here.
 * Pure; safe from any thread.
 */
#ifndef WEE_DOUBLE_INT_H
#define WEE_DOUBLE_INT_H
#include <stdint.h>

/* 1 and *out set when v is integral and fits an int64_t; else 0 (*out untouched). */
int double_to_int64(double v, int64_t *out);
#endif
