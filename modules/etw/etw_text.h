/*
 * modules/etw/etw_text.h - reading ETW event payloads by hand (no TDH: Wine's tdh.dll kills the
 * process, and the layouts are fixed per event version). Payloads are packed, little-endian;
 * win:UnicodeString is NUL-terminated UTF-16LE. Portable, so the decoders built on it are
 * unit-tested on every OS. Every reader takes the bytes left, never trusting the payload.
 */
#ifndef WEE_ETW_TEXT_H
#define WEE_ETW_TEXT_H
#include <stddef.h>
#include <stdint.h>

static inline uint16_t etw_rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t etw_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t etw_rd64(const uint8_t *p) { return (uint64_t)etw_rd32(p) | (uint64_t)etw_rd32(p + 4) << 32; }

/* UTF-16LE up to a NUL or max_bytes -> UTF-8 (truncated to fit, unpaired surrogates become U+FFFD).
 * Returns the bytes of input consumed, including the terminating NUL when there is one. */
size_t etw_utf16le_to_utf8(const uint8_t *src, size_t max_bytes, char *out, size_t out_size);

#endif
