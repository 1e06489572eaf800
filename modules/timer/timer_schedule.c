#include "timer_schedule.h"
#include <ctype.h>
#include <string.h>

int timer_parse_time(const char *t)
{
    int h = 0, m = 0, s = 0, n = 0;
    for (int part = 0; part < 3; part++) {
        if (!isdigit((unsigned char)t[0]) || !isdigit((unsigned char)t[1])) return -1;
        int v = (t[0] - '0') * 10 + (t[1] - '0');
        if (part == 0) h = v; else if (part == 1) m = v; else s = v;
        n++;
        t += 2;
        if (*t == '\0') break;
        if (*t != ':' || part == 2) return -1;
        t++;
    }
    if (n < 2 || h > 23 || m > 59 || s > 59) return -1;
    return h * 3600 + m * 60 + s;
}

int timer_parse_weekday(const char *text)
{
    static const char *const names[] = { "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday" };
    char low[16];
    size_t n = strlen(text);
    if (n < 3 || n >= sizeof low) return -1;
    for (size_t i = 0; i <= n; i++) low[i] = (char)tolower((unsigned char)text[i]);
    for (int d = 0; d < 7; d++)
        if ((n == 3 && strncmp(low, names[d], 3) == 0) || strcmp(low, names[d]) == 0) return d;
    return -1;
}

long timer_seconds_until_next(const timer_schedule *s, int weekday, int sod)
{
    if (!s->at_count || !(s->weekdays & 0x7f)) return -1;
    /* Look ahead up to 8 days: today after now, then each following day from midnight. */
    for (int day = 0; day < 8; day++) {
        int wd = (weekday + day) % 7;
        if (!(s->weekdays & (1u << wd))) continue;
        for (size_t i = 0; i < s->at_count; i++) {
            if (day == 0 && s->at[i] <= sod) continue;
            return (long)day * 86400L + s->at[i] - sod;
        }
    }
    return -1;
}
