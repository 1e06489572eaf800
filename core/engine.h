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
void engine_stop(engine *e);   /* stops, drains and frees */
dispatcher *engine_dispatcher(engine *e);
size_t engine_running_sources(const engine *e);
/* Emits a synthetic engine.* event (source "engine"). */
void engine_emit_lifecycle(engine *e, const char *type, const char *reason);
#endif
