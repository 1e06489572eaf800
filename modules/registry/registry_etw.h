/*
 * modules/registry/registry_etw.h - who wrote a registry change: a real-time ETW session with
 * Microsoft-Windows-Kernel-Registry (shared session code: modules/etw/etw_session.c), Windows only.
 *
 * The RegNotifyChangeKeyValue watcher (registry_win32.c) stays the record of *what* changed: it
 * reads every value in full and diffs snapshots, on Windows and under Wine alike. ETW adds *who*:
 * each successful CreateKey (new key), DeleteKey, SetValueKey and DeleteValueKey under a watched key
 * is decoded (reg_etw_decode.c), its key object resolved to a name (reg_etw_names.c) and logged with
 * the writing process. When the diff reports a change, reg_etw_writer finds the matching write in
 * that log, waiting for ETW's delivery (its buffers are flushed every second) until a deadline.
 */
#ifndef WEE_REGISTRY_ETW_H
#define WEE_REGISTRY_ETW_H
#include <stdint.h>
#include "reg_etw_names.h"
#include "registry_backend.h"

struct _EVENT_RECORD;   /* <evntcons.h> */

/* How long a change the diff found may wait for its ETW record (FlushTimer is 1 s). */
#define REG_ETW_WAIT_MS 1500
/* Key objects whose names are remembered (reg_key_names). */
#define REG_ETW_NAMES_MAX 16384

typedef struct reg_etw reg_etw;

/* Starts the session for the source's watched keys (short form, "HKCU\Software\Foo"). NULL when ETW
 * is refused (not elevated, Wine, ...): the reason is logged once as a warning and the source works
 * without writers. */
reg_etw *reg_etw_start(const wee_host_api *host, const char *source_id, const char *const *keys, size_t nkeys);
void reg_etw_stop(reg_etw *e);

/* The same tracking without a session, fed by hand: for tests/unit/test_registry_etw.c on Windows.
 * reg_etw_feed is what the session's callback does with each EVENT_RECORD. */
reg_etw *reg_etw_new(const char *const *keys, size_t nkeys);
void reg_etw_feed(reg_etw *e, const struct _EVENT_RECORD *r);
void reg_etw_free(reg_etw *e);

/* The writer of one change found by the diff (key in the events' short form, value NULL for key
 * changes): a write made at since_ms or later (when the diff's previous snapshot began), waiting
 * until deadline_ms for its record (both plat_monotonic_ns / 1e6). 1 and *who filled, or 0 when no
 * matching write was seen. */
int reg_etw_writer(reg_etw *e, reg_change_kind kind, const char *key, const char *value, uint64_t since_ms,
                   uint64_t deadline_ms, reg_writer *who);

#endif
