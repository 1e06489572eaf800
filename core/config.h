/*
 * core/config.h - the JSON config: parse, validate every key (unknown keys are errors), compile.
 *
 * Shape:
 * { "version": 1,
 *   "engine": { "workers": 0, "queue_capacity": 4096, "overflow": "block|drop_oldest|drop_newest",
 *               "http_enabled": false, "http_allow": ["host", ...],
 *               "log": { "level": "info", "file": null, "format": "text|json", "max_size_mb": 0, "keep": 5 },
 *               "control": { "enabled": true, "path": null }, "metrics": { "listen": "127.0.0.1:9464" } },
 *   "modules": { "<module name>": { ...that module's module-wide options (ABI 1.2) } },
 *   "sources": [ { "id": "downloads", "module": "file", "enabled": true, ...module options } ],
 *   "rules": [ { "name": "...", "enabled": true,
 *                "when": { "event": "file.created" | "file.*", "source": "downloads",
 *                          "match": {...}, "all": [...], "any": [...], "not": {...} },
 *                "do": [ { "action": "log", "on_error": "stop|continue", ...module options } ],
 *                "throttle_ms": 0, "debounce_ms": 0, "concurrency": 0|1, "allow_engine_events": false } ] }
 * Every error goes to the diag list with its JSON path; loading continues to collect them all.
 * Ownership: config_load returns a config the caller frees with config_free (which drops its reference to
 * the rule set; action instances live as long as the rule set).
 */
#ifndef WEE_CONFIG_H
#define WEE_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include "loader.h"
#include "options.h"
#include "rules.h"
#include "util/diag.h"

typedef enum { OVERFLOW_BLOCK = 0, OVERFLOW_DROP_OLDEST = 1, OVERFLOW_DROP_NEWEST = 2 } overflow_policy;

typedef struct engine_config {
    unsigned workers;            /* 0 in the file -> number of cores */
    size_t queue_capacity;
    overflow_policy overflow;
    int http_enabled;
    char **http_allow;
    size_t http_allow_count;
    int log_level;               /* wee_log_level */
    char *log_file;              /* NULL: stderr */
    int log_json;
    uint64_t log_max_bytes;      /* log.max_size_mb in bytes; 0: the file never rotates */
    unsigned log_keep;           /* log.keep: rotated files kept (file.1 .. file.keep), default 5 */
    int control_enabled;         /* default 1 */
    char *control_path;          /* NULL: the per-user default (platform/ipc.h) */
    char *metrics_listen;        /* NULL: no metrics endpoint; else a loopback "host:port" */
    int64_t stop_grace_ms;       /* how long a stop waits for a running action before giving up on it */
    char *console_listen;        /* NULL: no web console; else a loopback "host:port" */
} engine_config;

typedef struct source_config {
    char *id;
    const loaded_module *module;
    options_tree *options;
    char *options_fingerprint;   /* canonical JSON of the source object: unchanged -> keep running on reload */
    char *json_path;             /* "sources[0]" */
    char *start_error;           /* why it is not running: its last start failed (engine_sources.c); NULL
                                  * otherwise. Written and read under the engine's lock. */
} source_config;

/* A rule file included into the config (config_include.h): where its items sit in the merged arrays. */
typedef struct config_include {
    char *file;                  /* as resolved: relative names are taken from the config file's folder */
    int console;                 /* the web console's own file (engine.console.rules_file) */
    int exists;                  /* 0: the console's file, not written yet */
    size_t source_start, source_count, rule_start, rule_count;
} config_include;
typedef struct config_includes { config_include *items; size_t count; } config_includes;

typedef struct config {
    char *file;
    engine_config engine;
    source_config *sources;
    size_t source_count;
    rule_set *rules;
    /* Modules that accepted this config's module-wide settings (module_configure), to be told when it
     * starts running (config_activate_modules). Pointers into the registry. */
    const loaded_module **configured;
    size_t configured_count;
    /* The files named by "include" and the console's rule file, in load order (config_include.h). */
    config_includes includes;
} config;

/* create_actions: call action_create for each action (the running host and `host validate` do; a failed
 * create is an error at that action's JSON path). */
config *config_load_file(const char *path, const module_registry *reg, const wee_host_api *api,
                         int create_actions, diag_list *d);
config *config_load_text(const char *text, const char *file_name, const module_registry *reg,
                         const wee_host_api *api, int create_actions, diag_list *d);
/* As config_load_file, but the included file include_file (as resolved) reads as include_text
 * whether or not it exists: the web console checks a rule file this way before writing it. */
config *config_load_file_with(const char *path, const char *include_file, const char *include_text,
                              const module_registry *reg, const wee_host_api *api, int create_actions, diag_list *d);
void config_free(config *c);
/* The config is now the running one: module_activate for each module it configured. */
void config_activate_modules(const config *c);
/* The distinct module names the config's sources, actions and configured modules use (pointers into
 * the registry's copies); returns how many were written (at most max). */
size_t config_module_names(const config *c, const char **out, size_t max);
/* Closes the modules the config (its sources, actions and configured modules) does not use and nothing
 * else holds (loader_unload_unused): some pull in large libraries (libcurl and its TLS stack cost ~8 MB
 * resident). A config that needs one later opens it again. The caller serialises registry changes. */
void config_unload_unused_modules(const config *c, module_registry *reg);
#endif
