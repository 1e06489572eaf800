/* core/host_api.c - the wee_host_api table handed to modules: every entry points at the core unit that
 * implements it (events: event.c, sources: source_emit.c, action calls: action_call.c, network policy:
 * net_policy.c, engine origin: engine_origin.c, options: options_*.c). */
#include "host_api.h"
#include <stdarg.h>
#include <stdlib.h>
#include "action_call.h"
#include "engine_origin.h"
#include "event.h"
#include "log.h"
#include "net_policy.h"
#include "options.h"
#include "platform/platform.h"

static void *api_alloc(size_t n) { return malloc(n ? n : 1); }
static void *api_realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
static void api_free(void *p) { free(p); }

static void api_log(wee_log_level level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, module, fmt, ap);
    va_end(ap);
}

static const wee_host_api g_api = {
    .struct_size = sizeof(wee_host_api),
    .abi_version = WEE_ABI_VERSION,
    .alloc = api_alloc,
    .realloc = api_realloc,
    .free = api_free,
    .log = api_log,
    .vlog = log_vwrite,
    .log_enabled = log_enabled,
    .monotonic_ns = plat_monotonic_ns,
    .wall_time_ms = plat_wall_time_ms,
    .event_new = event_new,
    .event_free = event_free,
    .event_set_string = event_set_string,
    .event_set_int = event_set_int,
    .event_set_bool = event_set_bool,
    .event_type = event_type,
    .event_get_type = event_get_type,
    .event_get_string = event_get_string,
    .event_get_int = event_get_int,
    .event_get_bool = event_get_bool,
    .event_field_count = event_field_count,
    .event_field_name = event_field_name,
    .event_field_type = event_field_type,
    .event_field_string = event_field_string,
    .emit = source_api_emit,
    .source_id = source_api_id,
    .report_lost = source_api_report_lost,
    .opt_has = options_has,
    .opt_string = options_string,
    .opt_int = options_int,
    .opt_bool = options_bool,
    .opt_list_count = options_list_count,
    .opt_list_at = options_list_at,
    .opt_map_count = options_map_count,
    .opt_map_key = options_map_key,
    .opt_map_value = options_map_value,
    .opt_json = options_json,
    .call_event = action_call_event,
    .call_params = action_call_params,
    .call_results = action_call_results,
    .call_publish_string = action_call_publish_string,
    .call_publish_int = action_call_publish_int,
    .call_publish_bool = action_call_publish_bool,
    .call_rule_name = action_call_rule_name,
    .call_worker_index = action_call_worker_index,
    .worker_count = action_call_worker_count,
    .call_set_error = action_call_set_error,
    .call_emit = action_call_emit,
    .net_check = net_policy_check,
    .note_engine_write = engine_origin_note_write,
    .opt_object_count = options_object_count,
    .opt_object_at = options_object_at,
    /* --- ABI 1.3 --- */
    .origin_mark = engine_origin_mark,
    .origin_path_written = engine_origin_path_written,
    .origin_process_started = engine_origin_process_started,
    .origin_process_owned = engine_origin_process_owned,
    .origin_process_ended = engine_origin_process_ended,
};

const wee_host_api *host_api_get(void)
{
    engine_origin_init();
    return &g_api;
}
