#include "platform/platform.h"
#include "wee/errors.h"
#include "utf.h"
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <string.h>

unsigned plat_cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors ? (unsigned)si.dwNumberOfProcessors : 1u;
}

void plat_hostname(char *buf, size_t size)
{
    if (!buf || size == 0) return;
    wchar_t w[256];
    DWORD n = (DWORD)(sizeof w / sizeof w[0]);
    if (GetComputerNameExW(ComputerNameDnsHostname, w, &n) && n > 0) {
        if (win_wide_to_utf8_buf(w, buf, size) >= 0) return;
    }
    n = (DWORD)(sizeof w / sizeof w[0]);
    if (GetComputerNameW(w, &n) && win_wide_to_utf8_buf(w, buf, size) >= 0) return;
    snprintf(buf, size, "localhost");
}

int plat_exe_path(char *buf, size_t size)
{
    if (!buf || size == 0) return WEE_EINVAL;
    wchar_t w[MAX_PATH * 4];
    DWORD n = GetModuleFileNameW(NULL, w, (DWORD)(sizeof w / sizeof w[0]));
    if (n == 0 || n >= sizeof w / sizeof w[0]) return WEE_EFAILED;
    if (win_wide_to_utf8_buf(w, buf, size) < 0) return WEE_EINVAL;
    return 0;
}

int plat_exe_dir(char *buf, size_t size)
{
    if (!buf || size == 0) return WEE_EINVAL;
    char path[MAX_PATH * 4 * 3]; /* UTF-8 of the longest wide path plat_exe_path takes */
    int rc = plat_exe_path(path, sizeof path);
    if (rc != 0) return rc;
    char *slash = NULL;
    for (char *p = path; *p; p++)
        if (*p == '\\' || *p == '/') slash = p;
    if (!slash) return WEE_EFAILED;
    *slash = '\0';
    if (strlen(path) >= size) return WEE_EINVAL;
    memcpy(buf, path, strlen(path) + 1);
    return 0;
}

int plat_home_dir(char *buf, size_t size)
{
    if (!buf || size == 0) return WEE_EINVAL;
    wchar_t w[MAX_PATH * 4];
    DWORD n = GetEnvironmentVariableW(L"USERPROFILE", w, (DWORD)(sizeof w / sizeof w[0]));
    if (n == 0) return WEE_ENOTFOUND;
    if (n >= sizeof w / sizeof w[0]) return WEE_EINVAL;
    return win_wide_to_utf8_buf(w, buf, size) < 0 ? WEE_EINVAL : 0;
}

uint64_t plat_getpid(void) { return (uint64_t)GetCurrentProcessId(); }

const char *plat_path_sep(void) { return "\\"; }

int plat_is_wine(void)
{
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    return nt && GetProcAddress(nt, "wine_get_version") != NULL;
}

size_t plat_peak_rss_kb(void)
{
    PROCESS_MEMORY_COUNTERS pmc;
    memset(&pmc, 0, sizeof pmc);
    if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc)) return 0;
    return (size_t)(pmc.PeakWorkingSetSize / 1024);
}

size_t plat_current_rss_kb(void)
{
    PROCESS_MEMORY_COUNTERS pmc;
    memset(&pmc, 0, sizeof pmc);
    if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc)) return 0;
    return (size_t)(pmc.WorkingSetSize / 1024);
}
