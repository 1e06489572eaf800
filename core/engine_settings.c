/*
 * core/engine_settings.c - applying the engine section of a config (log, network policy) at start and
 * on reload; the settings that only apply at the next start are named in a warning.
 */
#include <stdio.h>
#include <string.h>
#include "engine_internal.h"
#include "log.h"
#include "net_policy.h"
#include "util/rotating_file.h"
#include "wee/errors.h"

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int engine_apply_settings(engine *e, const engine_config *old, const engine_config *neu, char *err, size_t size)
{
    (void)e;
    log_set_rotation(neu->log_max_bytes, neu->log_keep); /* applies to the open file at once */
    if (old && (old->log_level != neu->log_level || old->log_json != neu->log_json ||
                (old->log_file == NULL) != (neu->log_file == NULL) ||
                (old->log_file && strcmp(old->log_file, neu->log_file) != 0))) {
        int rc = log_configure(neu->log_level, neu->log_file, neu->log_json);
        if (rc != 0) {
            char why[512];
            if (rotating_file_check(neu->log_file, why, sizeof why) == 0) snprintf(why, sizeof why, "%s", wee_strerror(rc));
            snprintf(err, size, "engine.log.file: cannot open \"%s\" for appending: %s", neu->log_file, why);
            return -1;
        }
    }
    net_policy_set(neu->http_enabled, neu->http_allow, neu->http_allow_count);
    if (old && (!same_text(old->control_path, neu->control_path) || old->control_enabled != neu->control_enabled ||
                !same_text(old->metrics_listen, neu->metrics_listen) || !same_text(old->console_listen, neu->console_listen)))
        log_write(WEE_LOG_WARN, "engine", "engine.control / engine.metrics / engine.console changed: these apply at "
                  "the next start; the running host keeps its control channel, metrics endpoint and console as they are");
    if (old && (old->workers != neu->workers || old->queue_capacity != neu->queue_capacity ||
                old->overflow != neu->overflow))
        log_write(WEE_LOG_WARN, "engine", "engine.workers / queue_capacity / overflow changed: these apply at the "
                  "next start; the running engine keeps %u worker(s) and a queue of %zu", old->workers,
                  old->queue_capacity);
    return 0;
}
