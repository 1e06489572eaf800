/*
 * core/engine_control.h - what the outside world may ask of a running engine: reload its config,
 * inject an event, report its figures. Used by the control channel (host reload/status/emit), the
 * metrics endpoint and SIGHUP.
 *
 * Threads: every function here may be called from any thread while the engine runs (between
 * engine_start and engine_stop), concurrently with each other.
 * Ownership: strbufs are the caller's; engine_inject takes the event whatever it returns.
 */
#ifndef WEE_ENGINE_CONTROL_H
#define WEE_ENGINE_CONTROL_H
#include "engine.h"
#include "util/strbuf.h"
#include "wee/event.h"

/* Re-reads the config file the engine was started with, validates and compiles it, and swaps it in:
 * in-flight events finish on the old rule set, unchanged sources keep running, changed ones restart.
 * Returns 0 on success (report: one line saying what changed). On failure the old config keeps
 * running and report holds every error with its file and JSON path; returns WEE_ECONFIG. */
int engine_reload(engine *e, strbuf *report);
/* What to tell whoever asked for that reload: the report, or when it could not be built (out of
 * memory) "reloaded" or rc's meaning. */
const char *engine_reload_text(const strbuf *report, int rc);

/* An event from outside the engine (`host emit`): stamped with source "control" and submitted.
 * Returns 0, WEE_EFULL (dropped, counted) or WEE_ESTOPPED. */
int engine_inject(engine *e, wee_event *ev);

/* The engine's figures in the Prometheus text exposition format (version 0.0.4), metric names
 * prefixed "wee_". Appends to out. */
void engine_metrics_text(engine *e, strbuf *out);

/* The same figures laid out for a person (`host status`). Appends to out. */
void engine_status_text(engine *e, strbuf *out);

/* The same figures as one JSON object for the web console (status_json.c): uptime, event counts,
 * queue fill, per-source and per-rule counts, reloads and the last action failures. Appends to out. */
void engine_status_json(engine *e, strbuf *out);

/* The engine's live view of dispatch (event_tap.h) for the web console; NULL if none could be made. */
struct event_tap *engine_tap(engine *e);
/* --- the web console's Event tester and Sources/modules pages (engine_inspect.c) --- */
struct rule_set;
/* The rule set running now, with a reference the caller drops (rule_set_unref); NULL with no rules. */
struct rule_set *engine_rules(engine *e);
/* Every configured source as a JSON array of {"id", "module", "path" (its JSON path), "state":
 * "running" | "not running", "reason" (why not: its last start's error), "emitted", "lost"}. Appends to out. */
void engine_sources_json(engine *e, strbuf *out);
/* Starts source id again with its configured options: a running one is stopped first (a module that
 * lost its handle), one whose start failed is tried again (a folder created since). 0 (report says
 * "restarted" or "started"), WEE_ENOTFOUND (no such source), WEE_ENOMEM (left as it was), or
 * WEE_EFAILED (it did not start: it stays stopped until restarted or reloaded; report says why). A
 * restarted source keeps its counts and its place in the list. Serialised with reloads. */
int engine_source_restart(engine *e, const char *id, strbuf *report);
/* The modules as a JSON array of {"name", "version", "kind", "abi", "path", "description", "loaded"};
 * with describe, that one module as an object with its option tables too ("options", "action_options",
 * "module_options": [{"name", "type", "default", "required", "description", "range", "choices",
 * "fields"}]), what `host modules --describe` prints. A module the config does not use is opened to
 * describe it and closed again. 0, or WEE_ENOTFOUND. Appends to out. */
int engine_modules_json(engine *e, const char *describe, strbuf *out);
/* Events processed since the engine started (the dashboard's rate history samples it). */
uint64_t engine_processed_count(engine *e);
#endif
