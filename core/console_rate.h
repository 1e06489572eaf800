/*
 * core/console_rate.h - the dashboard's events-per-second history: the engine's processed count
 * sampled every RATE_STEP_S seconds for the last RATE_SAMPLES steps (5 minutes), so a dashboard opened
 * now draws the last minutes at once instead of starting empty. One thread that wakes every step while
 * the console runs; a fixed ring, nothing grows.
 * Threads: start/stop from the console's owner, rate_json from any HTTP thread.
 */
#ifndef WEE_CONSOLE_RATE_H
#define WEE_CONSOLE_RATE_H
#include "engine.h"
#include "util/strbuf.h"

#define RATE_STEP_S 5
#define RATE_SAMPLES 61   /* 60 steps of 5 s between them */

typedef struct console_rate console_rate;

/* NULL when no thread or memory could be had (the dashboard then samples by itself). */
console_rate *console_rate_start(engine *e);
void console_rate_stop(console_rate *r);
/* {"step_s": 5, "samples": [[unix ms, processed], ...]} oldest first. Appends to out. */
void console_rate_json(console_rate *r, strbuf *out);
#endif
