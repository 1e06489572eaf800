/*
 * modules/timer - timer.tick events at a fixed interval (interval_ms) and/or at daily local times
 * (at: ["08:30", "17:00:00"], optionally only on some weekdays).
 * One thread per source sleeping on a condition variable, so stop is immediate and no polling happens.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "timer_schedule.h"
#include "wee/wee.h"

typedef struct timer_source {
    const wee_host_api *host;
    wee_source *src;
    char *name;
    int64_t interval_ms;
    int immediate;
    timer_schedule sched;
    int has_sched;
    plat_thread thread;
    plat_mutex lock;
    plat_cond wake;
    int stop, running;
    int64_t count;
} timer_source;

typedef struct timer_settings {
    int64_t interval_ms;   /* 0: not given */
    wee_opt_list at;
    wee_opt_list weekdays; /* any case, short or long names: timer_parse_weekday, not a fixed choice list */
    const char *name;
    int immediate;
} timer_settings;

static const wee_option_spec options[] = {
    WEE_OPTION(.name = "interval_ms", .type = WEE_OPT_INT, .min = 1, .max = WEE_DURATION_MS_MAX,
               .description = "fire every N milliseconds (measured on the monotonic clock)",
               WEE_BIND(timer_settings, interval_ms)),
    WEE_OPTION(.name = "at", .type = WEE_OPT_STRING_LIST,
               .description = "daily local times \"HH:MM\" or \"HH:MM:SS\"", WEE_BIND(timer_settings, at)),
    WEE_OPTION(.name = "weekdays", .type = WEE_OPT_STRING_LIST,
               .description = "with at: only on these days (mon, tue, ... or monday, ...); default every day",
               WEE_BIND(timer_settings, weekdays)),
    WEE_OPTION(.name = "name", .type = WEE_OPT_STRING,
               .description = "value of the event's name field (default: the source id)", WEE_BIND(timer_settings, name)),
    WEE_OPTION(.name = "immediate", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "also fire once right after start", WEE_BIND(timer_settings, immediate)),
    WEE_OPTION_END
};

static char *dup_str(const wee_host_api *h, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = h->alloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static void fire(timer_source *t)
{
    const wee_host_api *h = t->host;
    wee_event *ev = h->event_new("timer.tick");
    if (!ev) return;
    h->event_set_string(ev, "name", t->name);
    h->event_set_int(ev, "count", ++t->count);
    h->emit(t->src, ev);
}

/* Milliseconds until the next daily "at" moment, or -1. */
static int64_t next_at_ms(timer_source *t)
{
    int64_t now = plat_wall_time_ms();
    int hh, mm, ss, wd;
    if (!t->has_sched || plat_local_time(now, &hh, &mm, &ss, &wd) != 0) return -1;
    long secs = timer_seconds_until_next(&t->sched, wd, hh * 3600 + mm * 60 + ss);
    if (secs < 0) return -1;
    return secs * 1000 - (now % 1000);
}

static void timer_thread(void *arg)
{
    timer_source *t = arg;
    uint64_t next_interval = t->interval_ms > 0 ? plat_monotonic_ns() + (uint64_t)t->interval_ms * 1000000u : 0;
    if (t->immediate) fire(t);
    plat_mutex_lock(&t->lock);
    while (!t->stop) {
        uint64_t now = plat_monotonic_ns();
        int64_t wait_ms = 3600000;
        if (next_interval) wait_ms = next_interval > now ? (int64_t)((next_interval - now) / 1000000u) : 0;
        int64_t at_ms = next_at_ms(t);
        int at_due = at_ms >= 0 && at_ms <= wait_ms;
        if (at_due) wait_ms = at_ms;
        if (wait_ms > 0 && plat_cond_timedwait(&t->wake, &t->lock, wait_ms) == 0) continue; /* woken: re-check */
        if (t->stop) break;
        now = plat_monotonic_ns();
        plat_mutex_unlock(&t->lock);
        if (next_interval && now >= next_interval) {
            fire(t);
            /* Skip missed periods instead of bursting after a stall (sleep, blocked queue). */
            while (next_interval <= now) next_interval += (uint64_t)t->interval_ms * 1000000u;
        } else if (at_due) {
            fire(t);
            plat_sleep_ms(1000); /* leave the scheduled second so it fires once */
        }
        plat_mutex_lock(&t->lock);
    }
    plat_mutex_unlock(&t->lock);
}

static int tsrc_create(const wee_host_api *h, wee_source *src, const wee_options *o, void **inst, char *err, size_t n)
{
    timer_source *t = h->alloc(sizeof *t);
    if (!t) return WEE_ENOMEM;
    memset(t, 0, sizeof *t);
    t->host = h;
    t->src = src;
    timer_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(h, o, options, &set);
    t->interval_ms = set.interval_ms;
    t->immediate = set.immediate;
    t->name = dup_str(h, set.name ? set.name : h->source_id(src));
    t->sched.weekdays = 0x7f;
    size_t at_count = set.at.count, wd_count = set.weekdays.count;
    if (!t->interval_ms && !at_count) {
        snprintf(err, n, "give \"interval_ms\" or \"at\" (or both); the timer would never fire");
        goto fail;
    }
    if (at_count > TIMER_MAX_AT) { snprintf(err, n, "at: at most %d times", TIMER_MAX_AT); goto fail; }
    for (size_t i = 0; i < at_count; i++) {
        const char *s = wee_list_at(&set.at, i);
        int v = timer_parse_time(s);
        if (v < 0) { snprintf(err, n, "at[%zu]: expected \"HH:MM\" or \"HH:MM:SS\" (24-hour), got \"%s\"", i, s); goto fail; }
        size_t j = t->sched.at_count++;
        while (j > 0 && t->sched.at[j - 1] > v) { t->sched.at[j] = t->sched.at[j - 1]; j--; }
        t->sched.at[j] = v;
    }
    if (wd_count) {
        if (!at_count) { snprintf(err, n, "weekdays only applies to \"at\" times; add \"at\""); goto fail; }
        t->sched.weekdays = 0;
        for (size_t i = 0; i < wd_count; i++) {
            const char *s = wee_list_at(&set.weekdays, i);
            int d = timer_parse_weekday(s);
            if (d < 0) { snprintf(err, n, "weekdays[%zu]: expected mon, tue, wed, thu, fri, sat or sun, got \"%s\"", i, s); goto fail; }
            t->sched.weekdays |= 1u << d;
        }
    }
    t->has_sched = at_count > 0;
    plat_mutex_init(&t->lock);
    plat_cond_init(&t->wake);
    *inst = t;
    return 0;
fail:
    h->free(t->name);
    h->free(t);
    return WEE_ECONFIG;
}

static int tsrc_start(void *inst, char *err, size_t n)
{
    timer_source *t = inst;
    if (plat_thread_start(&t->thread, timer_thread, t) != 0) { snprintf(err, n, "cannot start the timer thread"); return WEE_EFAILED; }
    t->running = 1;
    return 0;
}

static void tsrc_stop(void *inst)
{
    timer_source *t = inst;
    if (!t->running) return;
    plat_mutex_lock(&t->lock);
    t->stop = 1;
    plat_cond_signal(&t->wake);
    plat_mutex_unlock(&t->lock);
    plat_thread_join(&t->thread);
    t->running = 0;
}

static void tsrc_destroy(void *inst)
{
    timer_source *t = inst;
    tsrc_stop(t);
    plat_cond_destroy(&t->wake);
    plat_mutex_destroy(&t->lock);
    t->host->free(t->name);
    t->host->free(t);
}

static const char *const event_types[] = { "timer.tick", NULL };

/* "name" compares case-insensitively on Windows as it did before fields were declared (ABI 1.3), when
 * the host treated every "name" field as a file name. */
static const wee_field_spec event_fields[] = {
    WEE_FIELD(.name = "name", .traits = WEE_FIELD_CASELESS_ON_WINDOWS, .description = "the timer's name"),
    WEE_FIELD(.name = "count", .description = "ticks so far, from 1"),
    WEE_FIELD_END
};

static const wee_module_desc descriptor = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = "timer",
    .version = "1.0.0",
    .description = "timer.tick events every interval_ms and/or at daily local times",
    .kind = WEE_MODULE_SOURCE,
    .options = options,
    .source_create = tsrc_create,
    .source_start = tsrc_start,
    .source_stop = tsrc_stop,
    .source_destroy = tsrc_destroy,
    .event_types = event_types,
    .fields = event_fields,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &descriptor; }
