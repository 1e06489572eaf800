/*
 * modules/process/process_etw_decode.h - the payloads of Microsoft-Windows-Kernel-Process
 * {22FB2CD6-0E7B-422B-A0C7-2FAD1FD0E716} ProcessStart (id 1) and ProcessStop (id 2), decoded by hand:
 * TDH is not available everywhere (Wine's tdh.dll kills the process), and the layouts are fixed per
 * event version. Pure functions on bytes, so they are unit-tested on every OS.
 */
#ifndef WEE_PROCESS_ETW_DECODE_H
#define WEE_PROCESS_ETW_DECODE_H
#include <stddef.h>
#include <stdint.h>

#define ETW_KP_EVENT_PROCESS_START 1
#define ETW_KP_EVENT_PROCESS_STOP 2

typedef struct etw_process_start {
    uint32_t pid, ppid, session_id;
    uint64_t create_time;          /* FILETIME */
    char image[1024];              /* UTF-8, as the kernel wrote it: "\Device\HarddiskVolume3\...\x.exe" */
} etw_process_start;

typedef struct etw_process_stop {
    uint32_t pid, exit_code;
    uint64_t create_time, exit_time;
    char image[256];               /* the kernel's short image name (at most 15 characters), ANSI */
} etw_process_stop;

/* 0, or -1 when the payload is shorter than its version's layout says. */
int etw_decode_process_start(unsigned version, const void *data, size_t size, etw_process_start *out);
int etw_decode_process_stop(unsigned version, const void *data, size_t size, etw_process_stop *out);

/* etw_utf16le_to_utf8 and the byte readers: the shared modules/etw/etw_text.h. */
#include "etw_text.h"

/* Rewrites an NT path by the first matching device prefix of map ({"\Device\HarddiskVolume3", "C:"}),
 * compared case-insensitively and only at a path boundary. Unmatched paths are copied unchanged. */
void etw_nt_to_dos_path(const char *nt, const char *const map[][2], size_t map_count, char *out, size_t size);
#endif
