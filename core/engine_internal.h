/*
 * core/engine_internal.h - the engine's state, shared by engine.c (start/stop), engine_reload.c,
 * metrics.c and config_watch.c. Not for other units: they use engine.h / engine_control.h.
 *
 * Locking: reload_lock serialises reloads (control channel, SIGHUP, file watcher). lock guards the
 * cfg pointer and the running-source list for readers (metrics, status) and is held only briefly.
 * A running source owns its id and options, so it outlives the config it came from when a reload
 * keeps it.
 */
#ifndef WEE_ENGINE_INTERNAL_H
#define WEE_ENGINE_INTERNAL_H
#include <stdatomic.h>
#include "engine.h"
#include "host_api.h"
#include "platform/platform.h"

typedef struct running_source {
    struct wee_source src;       /* src.id points at id */
    char *id;
    const loaded_module *module;
    options_tree *options;       /* moved out of the config */
    char *fingerprint;
    void *instance;
} running_source;

typedef struct config_watch config_watch;

struct engine {
    plat_mutex reload_lock;
    plat_mutex lock;
    const module_registry *reg;
    config *cfg;
    dispatcher *disp;
    running_source **sources;
    size_t source_count;
    uint64_t started_ns;
    atomic_ullong reloads_ok, reloads_failed, source_failures;
    config_watch *watch;
};

/* Creates and starts a source from sc (moving sc->options into it); NULL if create or start failed
 * (logged with the file and JSON path, counted in source_failures). */
running_source *engine_source_start(engine *e, const char *file, source_config *sc);
/* Stops and destroys a running source and frees it. */
void engine_source_stop(running_source *rs);
/* Applies the run-time parts of new engine settings (log, network policy); warns about the parts
 * that need a restart. Returns 0, or -1 with a reason in err (then nothing was applied). */
int engine_apply_settings(engine *e, const engine_config *old, const engine_config *neu, char *err, size_t size);

/* config_watch.c: reloads when the config file (or a file it depends on) changes. */
config_watch *config_watch_start(engine *e);
void config_watch_stop(config_watch *w);
#endif
