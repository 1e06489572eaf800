/*
 * modules/registry - registry.key_created / key_deleted / value_set / value_deleted for watched keys.
 * Portable part: options, key parsing (reg_path.h) and turning snapshot differences (reg_snapshot.h)
 * into events with the value data in text form (reg_data.h). The Windows watcher is
 * registry_win32.c (RegNotifyChangeKeyValue + snapshots); in mode auto, registry_etw.c adds the
 * writing process from ETW when Windows allows it. The module is built on Windows only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "reg_data.h"
#include "reg_fields.h"
#include "registry_backend.h"
#include "registry_etw.h"
#include "wee/wee.h"

#define KEY_TEXT_MAX 2048

typedef struct reg_watch_conf {
    reg_root root;
    char path[KEY_TEXT_MAX];   /* short normalized form */
} reg_watch_conf;

struct reg_source {
    const wee_host_api *host;
    wee_source *src;
    reg_watch_conf *watches;
    size_t nwatches;
    int recursive;
    int want_etw;
    reg_backend *backend;
};

typedef struct reg_settings {
    wee_opt_list keys;
    int recursive;
    int mode; /* index in the choices: 0 auto, 1 notify */
} reg_settings;

static const wee_option_spec options[] = {
    WEE_OPTION(.name = "keys", .type = WEE_OPT_STRING_LIST, .required = 1,
               .description = "keys to watch, e.g. HKCU\\Software\\Foo or HKEY_LOCAL_MACHINE\\Software\\Foo (roots: HKCU, HKLM, HKU, HKCR, HKCC)",
               WEE_BIND(reg_settings, keys)),
    WEE_OPTION(.name = "recursive", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "also report changes in subkeys, at any depth", WEE_BIND(reg_settings, recursive)),
    WEE_OPTION(.name = "mode", .type = WEE_OPT_STRING, .default_value = "\"auto\"", .choices = "auto|notify",
               .description = "auto: RegNotifyChangeKeyValue + snapshot diff, plus the writer (pid, process, exe) from an ETW Kernel-Registry session when elevated; notify: without ETW",
               WEE_BIND_INDEX(reg_settings, mode)),
    WEE_OPTION_END
};

const wee_host_api *reg_source_host(const reg_source *s) { return s->host; }
wee_source *reg_source_wee_source(const reg_source *s) { return s->src; }
int reg_source_wants_etw(const reg_source *s) { return s->want_etw; }
size_t reg_source_watch_count(const reg_source *s) { return s->nwatches; }
const char *reg_source_watch_path(const reg_source *s, size_t i) { return s->watches[i].path; }
reg_root reg_source_watch_root(const reg_source *s, size_t i) { return s->watches[i].root; }
int reg_source_recursive(const reg_source *s) { return s->recursive; }

typedef struct emit_ctx { reg_source *s; const char *base; reg_etw *etw; uint64_t since_ms, deadline_ms; } emit_ctx;

static void emit_change(void *arg, reg_change_kind kind, const char *rel, const reg_value *v)
{
    emit_ctx *c = arg;
    const wee_host_api *h = c->s->host;
    static const char *const types[] = { NULL, "registry.key_created", "registry.key_deleted",
                                         "registry.value_set", "registry.value_deleted" };
    wee_event *ev = h->event_new(types[kind]);
    if (!ev) return;
    char key[KEY_TEXT_MAX * 2];
    if (*rel) snprintf(key, sizeof key, "%s\\%s", c->base, rel);
    else snprintf(key, sizeof key, "%s", c->base);
    h->event_set_string(ev, "key", key);
    if (v) {
        char text[REG_DATA_TEXT_BUF], tname[32];
        reg_data_format(v->type, v->data, v->kept, v->kept < v->size, text);
        h->event_set_string(ev, "value", v->name[0] ? v->name : "(default)");
        h->event_set_string(ev, "data", text);
        h->event_set_string(ev, "data_type", reg_type_name(v->type, tname, sizeof tname));
    }
    reg_writer who;
    if (c->etw && reg_etw_writer(c->etw, kind, key, v ? v->name : NULL, c->since_ms, c->deadline_ms, &who)) {
        h->event_set_int(ev, "pid", who.pid);
        h->event_set_string(ev, "process", who.process);
        h->event_set_string(ev, "exe", who.exe);
        h->origin_mark(ev, who.by_engine);   /* the self-loop guard skips the engine's own writes */
    }
    h->emit(c->s->src, ev);
}

void reg_source_changes(reg_source *s, size_t i, const reg_snapshot *old, const reg_snapshot *now, reg_etw *etw,
                        uint64_t old_ms, uint64_t deadline_ms)
{
    emit_ctx c = { s, s->watches[i].path, etw, old_ms, deadline_ms };
    reg_snapshot_diff(old, now, emit_change, &c);
}

static void source_free(reg_source *s)
{
    if (!s) return;
    s->host->free(s->watches);
    s->host->free(s);
}

static int reg_create(const wee_host_api *host, wee_source *src, const wee_options *opts, void **instance,
                      char *err, size_t err_size)
{
    reg_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, opts, options, &set);
    size_t n = set.keys.count;
    if (n == 0) { snprintf(err, err_size, "keys: list at least one key, e.g. [\"HKCU\\\\Software\\\\Example\"]"); return WEE_ECONFIG; }
    if (n > REG_MAX_WATCHES) {
        snprintf(err, err_size, "keys: %zu keys, at most %d per source (two wait handles each); split them across sources",
                 n, REG_MAX_WATCHES);
        return WEE_ECONFIG;
    }
    reg_source *s = host->alloc(sizeof *s);
    if (!s) return WEE_ENOMEM;
    memset(s, 0, sizeof *s);
    s->host = host;
    s->src = src;
    s->recursive = set.recursive;
    s->watches = host->alloc(n * sizeof *s->watches);
    if (!s->watches) { host->free(s); return WEE_ENOMEM; }
    s->nwatches = n;
    for (size_t i = 0; i < n; i++) {
        char where[32];
        snprintf(where, sizeof where, "keys[%zu]", i);
        if (reg_path_parse(wee_list_at(&set.keys, i), where, &s->watches[i].root, s->watches[i].path,
                           sizeof s->watches[i].path, err, err_size) != 0) {
            source_free(s);
            return WEE_ECONFIG;
        }
        for (size_t j = 0; j < i; j++)
            if (reg_path_compare(s->watches[j].path, s->watches[i].path) == 0) {
                snprintf(err, err_size, "keys[%zu]: %s is already watched by keys[%zu]; list each key once", i,
                         s->watches[i].path, j);
                source_free(s);
                return WEE_ECONFIG;
            }
    }
    s->want_etw = set.mode <= 0; /* auto (or the choice absent) */
    *instance = s;
    return 0;
}

static int reg_start(void *inst, char *err, size_t err_size)
{
    reg_source *s = inst;
    if (s->backend) return 0;
    return reg_backend_start(s, &s->backend, err, err_size);
}

static void reg_stop(void *inst)
{
    reg_source *s = inst;
    if (!s->backend) return;
    reg_backend_stop(s->backend);
    s->backend = NULL;
}

static void reg_destroy(void *inst)
{
    reg_stop(inst);
    source_free(inst);
}

static const char *const event_types[] = { "registry.key_created", "registry.key_deleted", "registry.value_set",
                                           "registry.value_deleted", NULL };

static const wee_module_desc descriptor = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = "registry",
    .version = "1.0.0",
    .description = "registry key and value changes under watched keys (RegNotifyChangeKeyValue + snapshot diff)",
    .kind = WEE_MODULE_SOURCE,
    .options = options,
    .source_create = reg_create,
    .source_start = reg_start,
    .source_stop = reg_stop,
    .source_destroy = reg_destroy,
    .event_types = event_types,
    .fields = reg_event_fields,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &descriptor; }
