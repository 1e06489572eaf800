/*
 * modules/process/process_etw_decode.c - hand decoding of Kernel-Process ProcessStart/ProcessStop.
 *
 * Layouts: the provider's manifest (Microsoft-Windows-Kernel-Process templates ProcessStartArgs and
 * ProcessStopArgs), as dumped per event version by OTRF/OSSEM
 * (data_dictionaries/windows/etw-providers/Microsoft-Windows-Kernel-Process/events/event-1*.md, event-2*.md)
 * and repnz/etw-providers-docs (Manifests-Win10-17134/Microsoft-Windows-Kernel-Process.xml).
 * ETW payloads are packed (no alignment padding) and little-endian. UnicodeString is NUL-terminated
 * UTF-16LE, AnsiString NUL-terminated bytes, SID a plain SID (8 + 4 * SubAuthorityCount bytes).
 *
 * ProcessStart (id 1)
 *   v0: ProcessID u32, CreateTime FILETIME, ParentProcessID u32, SessionID u32, ImageName
 *   v1, v2: ProcessID u32, CreateTime, ParentProcessID u32, SessionID u32, Flags u32, ImageName
 *       (v2 appends ImageChecksum, TimeDateStamp, PackageFullName, PackageRelativeAppId)
 *   v3: ProcessID u32, ProcessSequenceNumber u64, CreateTime, ParentProcessID u32,
 *       ParentProcessSequenceNumber u64, SessionID u32, Flags u32, ProcessTokenElevationType u32,
 *       ProcessTokenIsElevated u32, MandatoryLabel SID, ImageName, (v2's tail)
 * ProcessStop (id 2)
 *   v0: ProcessID u32, CreateTime, ExitTime, ExitCode u32, TokenElevationType u32, HandleCount u32,
 *       CommitCharge u64, CommitPeak u64, ImageName AnsiString
 *   v1: v0 up to CommitPeak, CPUCycleCount u64, ReadOperationCount u32, WriteOperationCount u32,
 *       ReadTransferKiloBytes u32, WriteTransferKiloBytes u32, HardFaultCount u32, ImageName AnsiString
 *   v2: v1 with ProcessSequenceNumber u64 after ProcessID
 * Later versions only append fields, so they are read with the newest layout known here.
 */
#include "process_etw_decode.h"
#include <stdio.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static size_t put_utf8(uint32_t cp, char *out, size_t at, size_t size)
{
    char b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) { b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
    else { b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4; }
    if (at + n >= size) return at;   /* no room: stop at a whole character */
    memcpy(out + at, b, n);
    return at + n;
}

size_t etw_utf16le_to_utf8(const uint8_t *src, size_t max_bytes, char *out, size_t out_size)
{
    size_t i = 0, o = 0;
    int full = 0;   /* a character did not fit: write nothing more, so the text is a prefix (no gap) */
    if (!out_size) return 0;
    while (i + 1 < max_bytes) {
        uint32_t u = (uint32_t)src[i] | (uint32_t)src[i + 1] << 8;
        i += 2;
        if (u == 0) { out[o] = '\0'; return i; }
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < max_bytes) {
            uint32_t lo = (uint32_t)src[i] | (uint32_t)src[i + 1] << 8;
            if (lo >= 0xDC00 && lo <= 0xDFFF) { u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00); i += 2; }
            else u = 0xFFFD;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
        }
        if (!full) {
            size_t next = put_utf8(u, out, o, out_size);
            full = next == o;
            o = next;
        }
    }
    out[o] = '\0';
    return i;
}

static void copy_ansi(const uint8_t *src, size_t max_bytes, char *out, size_t out_size)
{
    size_t n = 0;
    while (n < max_bytes && src[n] && n + 1 < out_size) { out[n] = (char)src[n]; n++; }
    out[n] = '\0';
}

int etw_decode_process_start(unsigned version, const void *data, size_t size, etw_process_start *out)
{
    const uint8_t *p = data;
    size_t image_at;
    memset(out, 0, sizeof *out);
    if (version >= 3) {
        if (size < 50) return -1;
        out->pid = rd32(p);
        out->create_time = rd64(p + 12);
        out->ppid = rd32(p + 20);
        out->session_id = rd32(p + 32);
        size_t sid = 8 + 4 * (size_t)p[49];   /* MandatoryLabel at 48: Revision, SubAuthorityCount, ... */
        image_at = 48 + sid;
    } else {
        image_at = version == 0 ? 20 : 24;
        if (size < image_at) return -1;
        out->pid = rd32(p);
        out->create_time = rd64(p + 4);
        out->ppid = rd32(p + 12);
        out->session_id = rd32(p + 16);
    }
    if (size < image_at) return -1;
    etw_utf16le_to_utf8(p + image_at, size - image_at, out->image, sizeof out->image);
    return 0;
}

int etw_decode_process_stop(unsigned version, const void *data, size_t size, etw_process_stop *out)
{
    const uint8_t *p = data;
    size_t seq = version >= 2 ? 8 : 0;          /* ProcessSequenceNumber after ProcessID */
    size_t image_at = version == 0 ? 48 : 76 + seq;
    memset(out, 0, sizeof *out);
    if (size < image_at) return -1;
    out->pid = rd32(p);
    out->create_time = rd64(p + 4 + seq);
    out->exit_time = rd64(p + 12 + seq);
    out->exit_code = rd32(p + 20 + seq);
    copy_ansi(p + image_at, size - image_at, out->image, sizeof out->image);
    return 0;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

void etw_nt_to_dos_path(const char *nt, const char *const map[][2], size_t map_count, char *out, size_t size)
{
    if (!size) return;
    for (size_t i = 0; i < map_count; i++) {
        const char *dev = map[i][0];
        size_t n = strlen(dev), k = 0;
        while (k < n && nt[k] && lower((unsigned char)nt[k]) == lower((unsigned char)dev[k])) k++;
        if (n == 0 || k != n || (nt[n] != '\\' && nt[n] != '\0')) continue;
        int w = snprintf(out, size, "%s%s", map[i][1], nt + n);
        (void)w;
        return;
    }
    snprintf(out, size, "%s", nt);
}
