/*
 * modules/timer/timer_schedule.h - parsing and evaluating daily schedules ("at" times + weekdays).
 * Pure functions, no OS calls, so they are unit-tested directly.
 */
#ifndef WEE_TIMER_SCHEDULE_H
#define WEE_TIMER_SCHEDULE_H
#include <stddef.h>

#define TIMER_MAX_AT 64

typedef struct timer_schedule {
    int at[TIMER_MAX_AT];   /* seconds after local midnight, sorted */
    size_t at_count;
    unsigned weekdays;      /* bit d set = weekday d allowed (0 = Sunday); 0x7f = every day */
} timer_schedule;

/* "HH:MM" or "HH:MM:SS" -> seconds after midnight; -1 if malformed. */
int timer_parse_time(const char *text);
/* "sun".."sat" or "sunday".."saturday" (case-insensitive) -> 0..6; -1 if unknown. */
int timer_parse_weekday(const char *text);
/* Seconds from (weekday, second-of-day) to the next scheduled moment strictly after it; -1 if none. */
long timer_seconds_until_next(const timer_schedule *s, int weekday, int second_of_day);
#endif
