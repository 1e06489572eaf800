/*
 * core/engine_internal.h - the engine's state, shared by engine.c (start/stop), engine_sources.c,
 * engine_settings.c, engine_reload.c (which also owns the config file watch) and metrics.c. Not for other
 * units: they use engine.h / engine_control.h.
 *
 * Calls go one way: engine.c -> engine_reload.c -> engine_sources.c / engine_settings.c (engine.c uses
 * those two as well); file_watch.c calls back into engine_reload.c only through a function pointer.
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
#include "file_watch.h"
#include "platform/platform.h"

typedef struct running_source {
    struct wee_source src;       /* src.id points at id */
    char *id;
    const loaded_module *module;
    options_tree *options;       /* moved out of the config */
    char *fingerprint;
    void *instance;
} running_source;

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
    file_watch *watch;           /* the config file and the files it uses; NULL when not watched */
};

/* Creates and starts a source from sc (moving sc->options into it); NULL if create or start failed
 * (logged with the file and JSON path, counted in source_failures, the reason kept in sc->start_error
 * and sc->options left with sc for a later try). Takes the engine's lock only to record the reason. */
running_source *engine_source_start(engine *e, const char *file, source_config *sc);
/* Stops and destroys a running source and frees it. */
void engine_source_stop(running_source *rs);
/* Destroys an already stopped source and frees it. */
void engine_source_free(running_source *rs);
/* Applies the run-time parts of new engine settings (log, network policy); warns about the parts
 * that need a restart. Returns 0, or -1 with a reason in err (then nothing was applied). */
int engine_apply_settings(engine *e, const engine_config *old, const engine_config *neu, char *err, size_t size);

/* engine_reload.c: watching the config file and the files it uses (options flagged
 * WEE_OPTF_WATCHED_FILE, e.g. a Lua script); a change reloads. Every reload gives the watch the new
 * config's files. Stop before taking reload_lock for the engine's stop. */
void engine_watch_start(engine *e);
void engine_watch_stop(engine *e);
#endif
