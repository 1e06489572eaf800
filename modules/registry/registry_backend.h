/*
 * modules/registry/registry_backend.h - the seam between the module's portable part (options,
 * turning snapshot changes into events: registry.c) and the Windows watcher (registry_win32.c).
 * The backend runs one thread, keeps one snapshot per watched key and hands each old/new pair to
 * reg_source_changes(), which diffs them and emits the events.
 */
#ifndef WEE_REGISTRY_BACKEND_H
#define WEE_REGISTRY_BACKEND_H
#include <stddef.h>
#include <stdint.h>
#include "reg_path.h"
#include "reg_snapshot.h"
#include "wee/wee.h"

/* Bounds of one watched key's snapshot (its subtree when recursive). */
#define REG_WATCH_MAX_KEYS 10000
#define REG_WATCH_MAX_VALUES 100000
/* Two wait handles per watched key (the key, its parent) plus the stop event; MAXIMUM_WAIT_OBJECTS is 64. */
#define REG_MAX_WATCHES 31

typedef struct reg_source reg_source;
typedef struct reg_etw reg_etw;   /* registry_etw.h: who wrote a change, when ETW is available */

const wee_host_api *reg_source_host(const reg_source *s);
wee_source *reg_source_wee_source(const reg_source *s);
size_t reg_source_watch_count(const reg_source *s);
const char *reg_source_watch_path(const reg_source *s, size_t i);  /* "HKCU\Software\Foo" */
reg_root reg_source_watch_root(const reg_source *s, size_t i);
int reg_source_recursive(const reg_source *s);
/* Emits one event per difference between old and now for watch i (backend thread). With etw (may be
 * NULL), each event also carries its writer when ETW saw the write (made at old_ms or later: when
 * reading old began), waiting for its record until deadline_ms (both plat_monotonic_ns / 1e6). */
void reg_source_changes(reg_source *s, size_t i, const reg_snapshot *old, const reg_snapshot *now, reg_etw *etw,
                        uint64_t old_ms, uint64_t deadline_ms);
/* 1 when mode is "auto" (ETW writers wanted), 0 for "notify". */
int reg_source_wants_etw(const reg_source *s);

typedef struct reg_backend reg_backend;
/* Opens and arms every watch and takes the first snapshots before returning (so a change made right
 * after start is reported); on failure returns a WEE_E* code with one line in err. */
int reg_backend_start(reg_source *s, reg_backend **out, char *err, size_t err_size);
void reg_backend_stop(reg_backend *b);
#endif
