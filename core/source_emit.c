/* core/source_emit.c - how a source's event enters the engine: the common fields stamped, the
 * engine-origin mark taken over, counted, handed to the source's sink (see host_api.h). */
#include "host_api.h"
#include <stdatomic.h>
#include <string.h>
#include "engine_origin.h"
#include "event.h"
#include "log.h"
#include "platform/platform.h"
#include "wee/errors.h"

static atomic_ullong g_seq;
static char g_hostname[256];

void host_api_stamp(wee_event *ev, const char *source_id)
{
    char ts[40];
    if (!g_hostname[0]) plat_hostname(g_hostname, sizeof g_hostname);
    plat_format_rfc3339(plat_wall_time_ms(), ts, sizeof ts);
    event_set_string(ev, "source", source_id ? source_id : "");
    event_set_string(ev, "time", ts);
    event_set_int(ev, "seq", (int64_t)(atomic_fetch_add(&g_seq, 1) + 1));
    event_set_string(ev, "host", g_hostname);
    event_set_string(ev, "type", ev->type);
    engine_origin_adopt(ev); /* modules before ABI 1.3, host emit input: the field as written */
}

int source_api_emit(wee_source *src, wee_event *ev)
{
    if (!ev) return WEE_EINVAL;
    if (!src || !src->emit) { event_unref(ev); return WEE_EINVAL; }
    host_api_stamp(ev, src->id);
    atomic_fetch_add(&src->emitted, 1);
    return src->emit(src, ev);
}

const char *source_api_id(const wee_source *src) { return src ? src->id : NULL; }

void source_api_report_lost(wee_source *src, uint64_t count, const char *reason)
{
    if (!src) return;
    atomic_fetch_add(&src->lost, count);
    log_write(WEE_LOG_WARN, src->id, "source lost %llu event(s): %s", (unsigned long long)count,
              reason ? reason : "unknown reason");
}

