/*
 * core/util/hash.h - FNV-1a, the one string hash of the project: short keys, no allocation, a spread
 * good enough for open-addressing tables that stay at most half full.
 * Header-only, pure; safe from any thread.
 */
#ifndef WEE_HASH_H
#define WEE_HASH_H
#include <stddef.h>
#include <stdint.h>

#define FNV1A_SEED 1469598103934665603ull

static inline uint64_t fnv1a_step(uint64_t h, unsigned char byte) { return (h ^ byte) * 1099511628211ull; }

static inline uint64_t fnv1a_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = fnv1a_step(h, p[i]);
    return h;
}

static inline uint64_t fnv1a_str(const char *s)
{
    uint64_t h = FNV1A_SEED;
    for (; *s; s++) h = fnv1a_step(h, (unsigned char)*s);
    return h;
}
#endif
