/*
 * core/engine.h - a running engine: the dispatcher, the running sources and the active config.
 *
 * Start order: dispatcher first (so the first emitted event has somewhere to go), then sources.
 * Stop order: sources first (no new events), then the dispatcher drains everything queued, then
 * sources are destroyed - so nothing emitted before stop is lost.
 * A source that fails to create or start is logged with its id and JSON path and skipped; the
 * engine keeps running with the others.
 * Ownership: engine_start takes ownership of cfg; the registry must outlive the engine.
 */
#ifndef WEE_ENGINE_H
#define WEE_ENGINE_H
#include "config.h"
#include "dispatcher.h"
#include "loader.h"

typedef struct engine engine;

engine *engine_start(config *cfg, const module_registry *reg);
/* Stops, drains and frees; 0. When an action is still running engine.stop_grace_ms after the stop
 * began (stuck in C: a Lua library call, a wait), it is reported (dispatcher_stop_within) and the
 * number of such workers returned: then nothing is freed, and the caller must end the process without
 * unloading modules (the stuck threads still run their code). */
unsigned engine_stop(engine *e);
/* Emits a synthetic engine.* event (source "engine"). */
void engine_emit_lifecycle(engine *e, const char *type, const char *reason);
#endif
