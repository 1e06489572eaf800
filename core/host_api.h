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
/* Stamps the common fields (source, time, seq, host) onto ev; used by emit and by synthetic events. */
void host_api_stamp(wee_event *ev, const char *source_id);
/* What host->net_check answers from: the running config's engine.http_enabled / http_allow (copied).
 * Set by the engine at start and on each reload. */
void host_api_set_net_policy(int enabled, char *const *allow, size_t count);
/* Action calls: see action_call.h */
#endif
