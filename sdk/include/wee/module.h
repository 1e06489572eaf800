/*
 * wee/module.h - the module descriptor and its one exported entry symbol.
 *
 * A module is a shared library (module.dll / module.so) exporting exactly one symbol:
 *
 *     WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void);
 *
 * Ownership and lifetime:
 *  - The descriptor, its strings and its option table are static in the module; the host copies
 *    min(struct_size, sizeof(wee_module_desc)) into a zeroed struct and never writes to them.
 *  - `instance` pointers are the module's own: created by *_create, freed by *_destroy. The host calls
 *    destroy exactly once for each successful create, and never calls anything on an instance after.
 *  - `err`/`err_size`: a buffer the host owns; on failure write one line saying what is wrong and what
 *    to do (the host adds the config file and JSON path).
 *
 * Threads:
 *  - source_start must return promptly; the source runs its own thread(s) and calls host->emit.
 *    source_stop blocks until those threads have stopped emitting.
 *  - action_run is called from any worker, possibly concurrently on the same instance: keep per-call
 *    state on the stack or per worker (host->call_worker_index).
 */
#ifndef WEE_MODULE_H
#define WEE_MODULE_H

#include "abi.h"
#include "event.h"
#include "options.h"
#include "host.h"
#include "fields.h"

/* From ABI 1.2 `kind` is a bit set: a module may be a source and an action at once (SOURCE | ACTION),
 * so both can share one resource (a network connection) inside one library. Modules built against
 * 1.0/1.1 must use exactly one kind. */
typedef enum wee_module_kind {
    WEE_MODULE_SOURCE = 1,
    WEE_MODULE_ACTION = 2,
    WEE_MODULE_SOURCE_ACTION = 3  /* ABI 1.2 */
} wee_module_kind;

/* ABI 1.2, module_report: one figure of a module-wide object (a connection), for `host status` and
 * the metrics endpoint. `object` names it ("broker:home"), `name` the figure ("connected", "queued").
 * `text` is an optional one-line state for people (NULL if none); value is what metrics export. */
typedef void (*wee_report_fn)(void *ctx, const char *object, const char *name, int64_t value, const char *text);

/* The action makes network requests: a config using it is refused unless engine.http_enabled is
 * true (the host says how to enable it). Modules that only sometimes use the network (lua's
 * http.request) leave this off and ask host->net_check per request instead. */
#define WEE_MODULE_FLAG_NETWORK 0x1u

typedef struct wee_module_desc {
    uint32_t struct_size;  /* sizeof(wee_module_desc) at the module's build time */
    uint32_t abi_version;  /* WEE_ABI_VERSION the module was built against */
    const char *name;      /* short lowercase name used in configs: "file", "exec" */
    const char *version;   /* the module's own version, "1.0.0" */
    const char *description;
    wee_module_kind kind;
    const wee_option_spec *options; /* ends with an entry whose name is NULL; may be NULL */

    /* Optional: once after load / once before unload. */
    int (*module_init)(const wee_host_api *host, char *err, size_t err_size);
    void (*module_shutdown)(void);

    /* Sources (kind has WEE_MODULE_SOURCE). */
    int (*source_create)(const wee_host_api *host, wee_source *src, const wee_options *opts,
                         void **instance, char *err, size_t err_size);
    int (*source_start)(void *instance, char *err, size_t err_size);
    void (*source_stop)(void *instance);
    void (*source_destroy)(void *instance);

    /* Actions (kind has WEE_MODULE_ACTION). opts are unrendered (templates as written). */
    int (*action_create)(const wee_host_api *host, const wee_options *opts, void **instance,
                         char *err, size_t err_size);
    /* Returns 0 on success; on failure a negative WEE_E* code, with call_set_error for the reason. */
    int (*action_run)(void *instance, wee_action_call *call);
    void (*action_destroy)(void *instance);

    /* Event types a source emits, NULL-terminated ("file.created", ...); for docs. May be NULL. */
    const char *const *event_types;
    /* --- ABI 1.1 --- */
    uint32_t flags;        /* WEE_MODULE_FLAG_* */
    /* --- ABI 1.2 (the host reads them only when struct_size covers them and abi_version >= 1.2) --- */
    /* kind == SOURCE|ACTION: `options` is the source's table, this the action's (NULL: no options). */
    const wee_option_spec *action_options;
    /* Module-wide settings, written once in the config under "modules": {"<name>": {...}} and validated
     * against this table (NULL: the module takes none). */
    const wee_option_spec *config_options;
    /* Called during every config load that uses the module (engine start, reload, `host validate`,
     * `host test`) with its "modules" section (defaults filled; an empty section when absent), before
     * that config's sources and actions are created. Check and record the settings; do not open
     * connections or files here (the config may never run). `config` is valid during the call only.
     * Returns 0, or a WEE_E* code with one line in err (the host adds the file and JSON path). */
    int (*module_configure)(const wee_host_api *host, const wee_options *config, char *err, size_t err_size);
    /* Called when the config last passed to module_configure becomes the running one (engine start;
     * a successful reload, after the sources it removes or changes have stopped), before its sources
     * start: now open what the instances need. May be NULL. */
    void (*module_activate)(void);
    /* Reports the module-wide objects' state (calls put once per figure); from any thread while the
     * module is loaded. May be NULL. */
    void (*module_report)(wee_report_fn put, void *ctx);
    /* --- ABI 1.3 (the host reads it only when struct_size covers it and abi_version >= 1.3) --- */
    /* The fields the module's events carry and their traits (fields.h); ends with a NULL name. NULL:
     * the host treats every field as plain text. */
    const wee_field_spec *fields;
    /* --- new fields go below this line only --- */
} wee_module_desc;

/* The smallest descriptor the host accepts: everything up to and including action_destroy. */
#define WEE_MODULE_DESC_MIN_SIZE \
    (offsetof(wee_module_desc, action_destroy) + sizeof(void (*)(void *)))

typedef const wee_module_desc *(*wee_module_entry_fn)(void);

#endif
