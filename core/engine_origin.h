/*
 * core/engine_origin.h - the one "caused by the engine" mechanism. An event the engine itself caused
 * (an action's emit, a file an action wrote, a process an action started) carries the host field
 * by_engine = true, and rules skip it unless they set "allow_engine_events": true, so a rule cannot
 * trigger itself in a loop.
 *
 * Modules reach it through the host table: origin_mark (ABI 1.3) marks an event, note_engine_write
 * (ABI 1.1) records a path the engine just wrote and origin_path_written (ABI 1.3) asks about one,
 * origin_process_* (ABI 1.3) keep the set of processes the engine started and their descendants.
 * Modules built before 1.3 set the field with event_set_bool; engine_origin_adopt turns that into the
 * mark where events enter the engine.
 * Threads: every function may be called from any thread.
 */
#ifndef WEE_ENGINE_ORIGIN_H
#define WEE_ENGINE_ORIGIN_H
#include <stdint.h>
#include "wee/event.h"

/* The host field that carries the mark. */
#define ENGINE_ORIGIN_FIELD "by_engine"

/* Marks ev as caused by the engine or not (field and flag). */
void engine_origin_mark(wee_event *ev, int by_engine);
/* Sets the flag when ev already carries the field as boolean true (modules before ABI 1.3, host emit
 * and host test input). */
void engine_origin_adopt(wee_event *ev);
/* Records that the engine wrote, moved or deleted `path` just now. */
void engine_origin_note_write(const char *path);
/* 1 when `path` (or the same file by its real path) was noted in the last two seconds. */
int engine_origin_path_written(const char *path);
/* Engine-owned processes (host->origin_process_*, see wee/host.h): a bounded set of pids whose owned
 * entries are never pushed out by others. An exited process is still answered for a few seconds (so
 * every process source reporting its exit agrees) unless its pid is reused first. */
int engine_origin_process_started(int64_t pid, int64_t ppid, uint32_t flags);
int engine_origin_process_owned(int64_t pid);
void engine_origin_process_ended(int64_t pid);
/* Forgets every process (tests). */
void engine_origin_process_reset(void);
/* Switches the mechanism on (before it, nothing is noted or answered); called by host_api_get before any
 * module runs. */
void engine_origin_init(void);
#endif
