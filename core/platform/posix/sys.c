#include "platform/platform.h"
#include "wee/errors.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned plat_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

void plat_hostname(char *buf, size_t size)
{
    if (!buf || size == 0) return;
    if (gethostname(buf, size) != 0) snprintf(buf, size, "localhost");
    buf[size - 1] = '\0'; /* gethostname need not terminate a truncated name */
}

int plat_exe_path(char *buf, size_t size)
{
    if (!buf || size == 0) return WEE_EINVAL;
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0 || (size_t)n >= size - 1) return n <= 0 ? WEE_EIO : WEE_EINVAL;
    buf[n] = '\0';
    return 0;
}

int plat_exe_dir(char *buf, size_t size)
{
    if (!buf || size == 0) return WEE_EINVAL;
    char path[4096];
    if (plat_exe_path(path, sizeof path) != 0) return WEE_EIO;
    char *slash = strrchr(path, '/');
    if (!slash) return WEE_EIO;
    if (slash == path) slash++; /* the executable sits in "/" itself */
    *slash = '\0';
    if (strlen(path) >= size) return WEE_EINVAL;
    memcpy(buf, path, strlen(path) + 1);
    return 0;
}

int plat_home_dir(char *buf, size_t size)
{
    const char *home = getenv("HOME");
    if (!buf || size == 0) return WEE_EINVAL;
    if (!home || !*home) return WEE_ENOTFOUND;
    if (strlen(home) >= size) return WEE_EINVAL;
    memcpy(buf, home, strlen(home) + 1);
    return 0;
}

uint64_t plat_getpid(void) { return (uint64_t)getpid(); }
const char *plat_path_sep(void) { return "/"; }
int plat_is_wine(void) { return 0; }

/* Reads one "Key:   1234 kB" line of /proc/self/status. */
static size_t status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    size_t klen = strlen(key), kb = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            kb = (size_t)strtoull(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

size_t plat_peak_rss_kb(void) { return status_kb("VmHWM"); }
size_t plat_current_rss_kb(void) { return status_kb("VmRSS"); }
