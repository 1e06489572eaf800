#include "platform/platform.h"
#include "wee/errors.h"
#include <windows.h>
#include <stdio.h>

#define EPOCH_DIFF_100NS 116444736000000000ULL /* 1601-01-01 to 1970-01-01 */

uint64_t plat_monotonic_ns(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    uint64_t f = (uint64_t)freq.QuadPart, c = (uint64_t)now.QuadPart;
    return (c / f) * 1000000000ULL + (c % f) * 1000000000ULL / f;
}

typedef VOID(WINAPI *filetime_fn)(LPFILETIME);

/* GetSystemTimePreciseAsFileTime (Windows 8+) when present: GetSystemTimeAsFileTime can lag by a
 * whole timer tick (15.6 ms), which shows in event timestamps. Looked up at run time for Windows 7. */
static filetime_fn wall_clock(void)
{
    static filetime_fn fn;
    filetime_fn f = fn;
    if (!f) {
        HMODULE k = GetModuleHandleW(L"kernel32.dll");
        FARPROC p = k ? GetProcAddress(k, "GetSystemTimePreciseAsFileTime") : NULL;
        f = p ? (filetime_fn)(void (*)(void))p : GetSystemTimeAsFileTime;
        fn = f;
    }
    return f;
}

int64_t plat_wall_time_ms(void)
{
    FILETIME ft;
    wall_clock()(&ft);
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (int64_t)((t - EPOCH_DIFF_100NS) / 10000ULL);
}

void plat_sleep_ms(int64_t ms)
{
    if (ms < 0) ms = 0;
    while (ms > 0x7FFFFFFF) {
        Sleep(0x7FFFFFFF);
        ms -= 0x7FFFFFFF;
    }
    Sleep((DWORD)ms);
}

static FILETIME epoch_ms_to_filetime(int64_t epoch_ms)
{
    /* Signed: times before 1970 (down to 1601, FILETIME's origin) are valid too. */
    int64_t t100 = epoch_ms * 10000 + (int64_t)EPOCH_DIFF_100NS;
    uint64_t t = (uint64_t)(t100 < 0 ? 0 : t100);
    FILETIME ft;
    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)(t >> 32);
    return ft;
}

void plat_format_rfc3339(int64_t epoch_ms, char *buf, size_t size)
{
    if (!buf || size == 0) return;
    FILETIME ft = epoch_ms_to_filetime(epoch_ms);
    SYSTEMTIME st;
    if (!FileTimeToSystemTime(&ft, &st)) {
        snprintf(buf, size, "1970-01-01T00:00:00.000Z");
        return;
    }
    snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", st.wYear, st.wMonth, st.wDay, st.wHour,
             st.wMinute, st.wSecond, (unsigned)st.wMilliseconds);
}

int plat_local_time(int64_t epoch_ms, int *hour, int *minute, int *second, int *weekday)
{
    FILETIME ft = epoch_ms_to_filetime(epoch_ms);
    SYSTEMTIME utc, local;
    if (!FileTimeToSystemTime(&ft, &utc)) return WEE_EINVAL;
    if (!SystemTimeToTzSpecificLocalTime(NULL, &utc, &local)) return WEE_EFAILED;
    if (hour) *hour = local.wHour;
    if (minute) *minute = local.wMinute;
    if (second) *second = local.wSecond;
    if (weekday) *weekday = local.wDayOfWeek;
    return 0;
}
