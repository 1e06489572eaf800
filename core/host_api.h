/*
 * core/host_api.h - the wee_host_api table the host hands to modules, and the source handle behind it.
 *
 * struct wee_source is the host's record of one running source. `emit` is where its events go: the
 * dispatcher in the real host, a test's own function in tests that load modules directly.
 * Ownership: the table is static. A wee_source is owned by whoever created it (engine or test).
 */
#ifndef WEE_HOST_API_H
#define WEE_HOST_API_H
#include <stdatomic.h>
#include <stdint.h>
#include "wee/host.h"

struct wee_source {
    const char *id;              /* borrowed from the source's config */
    /* Receives ownership of ev. Adds nothing: host_api's emit stamps common fields first. */
    int (*emit)(struct wee_source *src, wee_event *ev);
    void *emit_ctx;
    atomic_ullong emitted;
    atomic_ullong lost;
};

const wee_host_api *host_api_get(void);
/* Stamps the common fields (source, time, seq, host) onto ev and takes over an engine-origin mark set
 * as a field (engine_origin_adopt); used by emit and by synthetic and injected events. source_emit.c */
void host_api_stamp(wee_event *ev, const char *source_id);
/* host->emit, source_id, report_lost (source_emit.c). */
int source_api_emit(wee_source *src, wee_event *ev);
const char *source_api_id(const wee_source *src);
void source_api_report_lost(wee_source *src, uint64_t count, const char *reason);
/* Action calls: action_call.h; network policy: net_policy.h; engine origin: engine_origin.h. */
#endif
