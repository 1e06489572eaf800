#include "platform/platform.h"
#include "wee/errors.h"
#include <errno.h>
#include <stdio.h>
#include <time.h>

uint64_t plat_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t plat_wall_time_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void plat_sleep_ms(int64_t ms)
{
    if (ms <= 0) return;
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    /* A signal handler elsewhere must not cut the sleep short: resume with what is left. */
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Seconds and milliseconds rounded towards minus infinity, so times before 1970 print correctly. */
static void split_ms(int64_t epoch_ms, time_t *sec, int *ms)
{
    int64_t s = epoch_ms / 1000, r = epoch_ms % 1000;
    if (r < 0) {
        r += 1000;
        s--;
    }
    *sec = (time_t)s;
    *ms = (int)r;
}

void plat_format_rfc3339(int64_t epoch_ms, char *buf, size_t size)
{
    if (!buf || size == 0) return;
    time_t sec;
    int ms;
    split_ms(epoch_ms, &sec, &ms);
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

int plat_local_time(int64_t epoch_ms, int *hour, int *minute, int *second, int *weekday)
{
    time_t sec;
    int ms;
    split_ms(epoch_ms, &sec, &ms);
    struct tm tm;
    /* localtime_r need not read TZ again on every call; tzset makes a changed TZ count. */
    tzset();
    if (!localtime_r(&sec, &tm)) return WEE_EINVAL;
    if (hour) *hour = tm.tm_hour;
    if (minute) *minute = tm.tm_min;
    if (second) *second = tm.tm_sec;
    if (weekday) *weekday = tm.tm_wday;
    return 0;
}
