#include "host_api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "action_call.h"
#include "event.h"
#include "log.h"
#include "options.h"
#include "platform/platform.h"
#include "template.h"
#include "wee/errors.h"

/* Chain depth past which an event raised by an action is refused: rules that emit what they react to
 * would otherwise loop forever. */
#define MAX_EMIT_DEPTH 8

static atomic_ullong g_seq;
static unsigned g_worker_count = 1;
static char g_hostname[256];

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
}

/* --- files the engine itself wrote: a small ring of (path, time), checked for file.* events --- */
#define WRITES_RING 64
#define WRITES_WINDOW_NS 2000000000ull
typedef struct recent_write { char path[512]; uint64_t at_ns; } recent_write;
static recent_write g_writes[WRITES_RING];
static size_t g_writes_next;
static atomic_ullong g_last_write_ns; /* lets emit skip the lock when nothing was written lately */
static plat_mutex g_writes_lock;
static atomic_int g_writes_ready;
static atomic_flag g_writes_claimed = ATOMIC_FLAG_INIT;

static void writes_lock_init(void)
{
    /* The host calls this first from its main thread, but tests call host_api_get from several
     * threads at once (ThreadSanitizer saw two inits race): one caller claims the init, the others see
     * g_writes_ready still 0 and skip noting writes until it is set. */
    if (!atomic_load(&g_writes_ready) && !atomic_flag_test_and_set(&g_writes_claimed)) {
        plat_mutex_init(&g_writes_lock);
        atomic_store(&g_writes_ready, 1);
    }
}

static void api_note_engine_write(const char *path)
{
    if (!path || !path[0] || !atomic_load(&g_writes_ready)) return;
    uint64_t now = plat_monotonic_ns();
    plat_mutex_lock(&g_writes_lock);
    size_t last = (g_writes_next + WRITES_RING - 1) % WRITES_RING;
    if (strcmp(g_writes[last].path, path) == 0) {
        g_writes[last].at_ns = now; /* the same file again (a log line after a log line) */
    } else {
        snprintf(g_writes[g_writes_next].path, sizeof g_writes[0].path, "%s", path);
        g_writes[g_writes_next].at_ns = now;
        g_writes_next = (g_writes_next + 1) % WRITES_RING;
    }
    plat_mutex_unlock(&g_writes_lock);
    atomic_store(&g_last_write_ns, now);
}

static int same_path(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '\\' ? '/' : *a, y = *b == '\\' ? '/' : *b;
#ifdef _WIN32
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
#endif
        if (x != y) return 0;
        if (!x) return 1;
    }
}

static const char *last_name(const char *p)
{
    const char *b = p;
    for (; *p; p++) if (*p == '/' || *p == '\\') b = p + 1;
    return b;
}

static int written_by_engine(const char *path)
{
    uint64_t now = plat_monotonic_ns();
    if (!path || !atomic_load(&g_writes_ready) || now - atomic_load(&g_last_write_ns) > WRITES_WINDOW_NS) return 0;
    char real[1024];
    int have_real = -1;
    int hit = 0;
    plat_mutex_lock(&g_writes_lock);
    for (size_t i = 0; i < WRITES_RING && !hit; i++) {
        const recent_write *w = &g_writes[i];
        if (!w->path[0] || now - w->at_ns > WRITES_WINDOW_NS) continue;
        if (same_path(w->path, path)) { hit = 1; break; }
        /* The source may name the file through another spelling (a symlinked folder): compare real paths.
         * Only worth resolving (several system calls) when the file names agree: a file source reports
         * the name it was written under. */
        if (!same_path(last_name(w->path), last_name(path))) continue;
        if (have_real < 0) have_real = plat_realpath(path, real, sizeof real) == 0;
        if (have_real && same_path(w->path, real)) hit = 1;
    }
    plat_mutex_unlock(&g_writes_lock);
    return hit;
}

static int api_emit(wee_source *src, wee_event *ev)
{
    if (!ev) return WEE_EINVAL;
    if (!src || !src->emit) { event_unref(ev); return WEE_EINVAL; }
    if (strncmp(ev->type, "file.", 5) == 0 && written_by_engine(event_get_string(ev, "path")))
        event_set_bool(ev, "by_engine", 1);
    host_api_stamp(ev, src->id);
    atomic_fetch_add(&src->emitted, 1);
    return src->emit(src, ev);
}

static const char *api_source_id(const wee_source *src) { return src ? src->id : NULL; }

static void api_report_lost(wee_source *src, uint64_t count, const char *reason)
{
    if (!src) return;
    atomic_fetch_add(&src->lost, count);
    log_write(WEE_LOG_WARN, src->id, "source lost %llu event(s): %s", (unsigned long long)count,
              reason ? reason : "unknown reason");
}

/* --- action calls --- */
static const wee_event *api_call_event(const wee_action_call *c) { return c->event; }
static const wee_options *api_call_params(const wee_action_call *c) { return c->params; }
static const wee_event *api_call_results(const wee_action_call *c) { return c->results; }
static const char *api_call_rule_name(const wee_action_call *c) { return c->rule_name; }
static unsigned api_call_worker_index(const wee_action_call *c) { return c->worker_index; }
static unsigned api_worker_count(void) { return g_worker_count; }

static void publish_name(const wee_action_call *c, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s.%s", c->module_name ? c->module_name : "action", name);
}

static int api_publish_string(wee_action_call *c, const char *name, const char *value)
{
    char key[128];
    if (!c->results || !name) return WEE_EINVAL;
    publish_name(c, name, key, sizeof key);
    return event_set_string(c->results, key, value);
}

static int api_publish_int(wee_action_call *c, const char *name, int64_t value)
{
    char key[128];
    if (!c->results || !name) return WEE_EINVAL;
    publish_name(c, name, key, sizeof key);
    return event_set_int(c->results, key, value);
}

static int api_publish_bool(wee_action_call *c, const char *name, int value)
{
    char key[128];
    if (!c->results || !name) return WEE_EINVAL;
    publish_name(c, name, key, sizeof key);
    return event_set_bool(c->results, key, value);
}

static void api_call_set_error(wee_action_call *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_reset(&c->error);
    strbuf_vprintf(&c->error, fmt, ap);
    va_end(ap);
}

static int api_call_emit(wee_action_call *c, wee_event *ev)
{
    if (!ev) return WEE_EINVAL;
    if (!c->emit) { event_unref(ev); return WEE_EUNSUPPORTED; }
    int depth = c->event ? c->event->depth + 1 : 1;
    if (depth > MAX_EMIT_DEPTH) {
        log_write(WEE_LOG_WARN, c->module_name, "rule '%s': event '%s' refused: emit chain deeper than %d "
                  "(a rule is probably reacting to its own events)", c->rule_name, ev->type, MAX_EMIT_DEPTH);
        event_unref(ev);
        return WEE_EINVAL;
    }
    ev->depth = depth;
    event_set_bool(ev, "by_engine", 1);
    host_api_stamp(ev, c->rule_name);
    return c->emit(c->emit_ctx, ev);
}

void action_call_init(struct wee_action_call *call, const void *params_tree, const wee_event *event,
                      wee_event *results, const char *module_name, const char *rule_name, unsigned worker)
{
    memset(call, 0, sizeof *call);
    call->event = event;
    call->results = results;
    call->module_name = module_name;
    call->rule_name = rule_name;
    call->worker_index = worker;
    if (params_tree) {
        render_ctx ctx = { event, results };
        call->params = options_view_render((const options_tree *)params_tree, &ctx);
    }
}

void action_call_finish(struct wee_action_call *call)
{
    if (call->params) options_view_free(call->params);
    call->params = NULL;
    strbuf_free(&call->error);
}

/* --- network policy: engine.http_enabled / http_allow of the running config --- */
static plat_mutex g_net_lock;
static int g_net_lock_ready;
static int g_net_enabled;
static char **g_net_allow;
static size_t g_net_allow_count;

void host_api_set_net_policy(int enabled, char *const *allow, size_t count)
{
    if (!g_net_lock_ready) { plat_mutex_init(&g_net_lock); g_net_lock_ready = 1; }
    char **copy = count ? calloc(count, sizeof *copy) : NULL;
    size_t n = 0;
    for (size_t i = 0; copy && i < count; i++)
        if ((copy[n] = str_dup(allow[i])) != NULL) n++;
    plat_mutex_lock(&g_net_lock);
    char **old = g_net_allow;
    size_t old_count = g_net_allow_count;
    g_net_enabled = enabled;
    g_net_allow = copy;
    g_net_allow_count = n;
    plat_mutex_unlock(&g_net_lock);
    for (size_t i = 0; i < old_count; i++) free(old[i]);
    free(old);
}

/* The host part of scheme://[user@]host[:port]/..., lower-cased; IPv6 literals keep no brackets. */
static int url_host(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *end = p + strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < end; q++) if (*q == '@') at = q;
    if (at) p = at + 1;
    const char *stop;
    if (*p == '[') { p++; stop = memchr(p, ']', (size_t)(end - p)); if (!stop) return -1; }
    else { stop = memchr(p, ':', (size_t)(end - p)); if (!stop) stop = end; }
    size_t n = (size_t)(stop - p);
    if (n == 0 || n >= size) return -1;
    for (size_t i = 0; i < n; i++) out[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
    out[n] = '\0';
    return 0;
}

/* "example.com" matches itself; "*.example.com" matches any name below it. Case-insensitive. */
static int host_allowed(const char *host, const char *pattern)
{
    size_t hl = strlen(host), pl = strlen(pattern);
    if (pl > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *tail = pattern + 1; /* ".example.com" */
        size_t tl = pl - 1;
        if (hl <= tl) return 0;
        for (size_t i = 0; i < tl; i++) {
            char a = host[hl - tl + i], b = tail[i];
            if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
            if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
            if (a != b) return 0;
        }
        return 1;
    }
    if (hl != pl) return 0;
    for (size_t i = 0; i < hl; i++) {
        char a = host[i], b = pattern[i];
        if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
        if (a != b) return 0;
    }
    return 1;
}

static int api_net_check(const char *url, char *err, size_t err_size)
{
    char host[256];
    if (!url || url_host(url, host, sizeof host) != 0) {
        if (err && err_size) snprintf(err, err_size, "cannot tell the host of URL \"%s\"", url ? url : "(null)");
        return WEE_EINVAL;
    }
    if (!g_net_lock_ready) {
        if (err && err_size) snprintf(err, err_size, "network requests are off; set \"engine\": {\"http_enabled\": true}");
        return WEE_EPERM;
    }
    int rc = 0;
    plat_mutex_lock(&g_net_lock);
    if (!g_net_enabled) {
        rc = WEE_EPERM;
        if (err && err_size) snprintf(err, err_size, "network requests are off; set \"engine\": {\"http_enabled\": true}");
    } else if (g_net_allow_count) {
        rc = WEE_EPERM;
        for (size_t i = 0; i < g_net_allow_count; i++)
            if (host_allowed(host, g_net_allow[i])) { rc = 0; break; }
        if (rc && err && err_size)
            snprintf(err, err_size, "host \"%s\" is not in engine.http_allow; add it there to allow requests to it", host);
    }
    plat_mutex_unlock(&g_net_lock);
    return rc;
}

void action_call_set_worker_count(unsigned n) { g_worker_count = n ? n : 1; }
unsigned action_call_worker_count(void) { return g_worker_count; }

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
    .emit = api_emit,
    .source_id = api_source_id,
    .report_lost = api_report_lost,
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
    .call_event = api_call_event,
    .call_params = api_call_params,
    .call_results = api_call_results,
    .call_publish_string = api_publish_string,
    .call_publish_int = api_publish_int,
    .call_publish_bool = api_publish_bool,
    .call_rule_name = api_call_rule_name,
    .call_worker_index = api_call_worker_index,
    .worker_count = api_worker_count,
    .call_set_error = api_call_set_error,
    .call_emit = api_call_emit,
    .net_check = api_net_check,
    .note_engine_write = api_note_engine_write,
    .opt_object_count = options_object_count,
    .opt_object_at = options_object_at,
};

const wee_host_api *host_api_get(void)
{
    writes_lock_init();
    return &g_api;
}
