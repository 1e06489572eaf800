/* console_rate.c - the dashboard's rate history; see console_rate.h. */
#include "console_rate.h"
#include <stdint.h>
#include <stdlib.h>
#include "console_api.h"
#include "engine_control.h"
#include "platform/platform.h"

typedef struct sample { int64_t at_ms; uint64_t processed; } sample;

struct console_rate {
    engine *e;
    plat_thread thread;
    plat_mutex lock;
    plat_cond wake;
    int stopping;
    sample ring[RATE_SAMPLES];
    size_t next, count;
};

static void take(console_rate *r)
{
    sample s = { plat_wall_time_ms(), engine_processed_count(r->e) };
    plat_mutex_lock(&r->lock);
    r->ring[r->next] = s;
    r->next = (r->next + 1) % RATE_SAMPLES;
    if (r->count < RATE_SAMPLES) r->count++;
    plat_mutex_unlock(&r->lock);
}

static void run(void *arg)
{
    console_rate *r = arg;
    plat_mutex_lock(&r->lock);
    while (!r->stopping) {
        uint64_t until = plat_monotonic_ns() + (uint64_t)RATE_STEP_S * 1000000000u;
        while (!r->stopping) {
            uint64_t now = plat_monotonic_ns();
            if (now >= until) break;
            plat_cond_timedwait(&r->wake, &r->lock, (int64_t)((until - now) / 1000000u) + 1);
        }
        if (r->stopping) break;
        plat_mutex_unlock(&r->lock);
        take(r);
        plat_mutex_lock(&r->lock);
    }
    plat_mutex_unlock(&r->lock);
}

console_rate *console_rate_start(engine *e)
{
    console_rate *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->e = e;
    plat_mutex_init(&r->lock);
    plat_cond_init(&r->wake);
    take(r);
    if (plat_thread_start(&r->thread, run, r) != 0) {
        plat_cond_destroy(&r->wake);
        plat_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

void console_rate_stop(console_rate *r)
{
    if (!r) return;
    plat_mutex_lock(&r->lock);
    r->stopping = 1;
    plat_mutex_unlock(&r->lock);
    plat_cond_broadcast(&r->wake);
    plat_thread_join(&r->thread);
    plat_cond_destroy(&r->wake);
    plat_mutex_destroy(&r->lock);
    free(r);
}

void console_rate_json(console_rate *r, strbuf *out)
{
    strbuf_printf(out, "{\"step_s\":%d,\"samples\":[", RATE_STEP_S);
    plat_mutex_lock(&r->lock);
    for (size_t k = 0; k < r->count; k++) {
        const sample *s = &r->ring[(r->next + RATE_SAMPLES - r->count + k) % RATE_SAMPLES];
        strbuf_printf(out, "%s[%lld,%llu]", k ? "," : "", (long long)s->at_ms, (unsigned long long)s->processed);
    }
    plat_mutex_unlock(&r->lock);
    strbuf_puts(out, "]}");
}

void console_api_rate(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    (void)ri;
    console_rate *r = cx->rate;
    strbuf out = STRBUF_INIT;
    if (r) console_rate_json(r, &out);
    else strbuf_printf(&out, "{\"step_s\":%d,\"samples\":[]}", RATE_STEP_S);
    console_reply_strbuf(c, 200, &out);
    strbuf_free(&out);
}
