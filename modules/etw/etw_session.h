/*
 * modules/etw/etw_session.h - one real-time ETW session of our own with one manifest provider,
 * shared by the process source (Microsoft-Windows-Kernel-Process) and the registry source
 * (Microsoft-Windows-Kernel-Registry). Windows only; linked as the static library wee_etw.
 *
 * Life: etw_session_open (StartTraceW after stopping a stale session of the same name left by a
 * crashed engine, EnableTraceEx2, OpenTraceW) -> etw_session_process on a thread of its own (blocks
 * in ProcessTrace, calling cb for each event with ctx as EVENT_RECORD.UserContext) ->
 * etw_session_stop from any thread (ProcessTrace returns) -> etw_session_close.
 * Needs an elevated process. Under Wine StartTraceW/EnableTraceEx2 are stubs that succeed, OpenTraceW
 * fails with error 5 and ProcessTrace with 120: callers fall back to their non-ETW path and log why.
 */
#ifndef WEE_ETW_SESSION_H
#define WEE_ETW_SESSION_H
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <evntcons.h>
#include <evntrace.h>
#include <stddef.h>
#include <stdint.h>

typedef struct etw_session {
    wchar_t name[128];
    EVENT_TRACE_PROPERTIES *props;
    TRACEHANDLE session, consumer;
    int open;
    uint64_t lost_reported;
} etw_session;

/* 0 once the session runs and its consumer is open; otherwise -1, nothing left running, and one
 * line in why naming the call that failed and its error ("OpenTraceW error 5 (ETW is not implemented
 * by Wine)", "StartTraceW error 5 (run elevated: ETW needs Administrator)"). */
int etw_session_open(etw_session *s, const wchar_t *name, const GUID *provider, const char *provider_name,
                     UCHAR level, ULONGLONG keywords, PEVENT_RECORD_CALLBACK cb, void *ctx, char *why,
                     size_t why_size);

/* Delivers events until the session stops; returns ProcessTrace's result (ERROR_SUCCESS after a stop). */
ULONG etw_session_process(etw_session *s);

/* Stops the session by name (safe from any thread, also when open failed half-way). */
void etw_session_stop(etw_session *s);

/* Events the session lost (EventsLost + RealTimeBuffersLost) since the previous call; 0 if unknown. */
uint64_t etw_session_take_lost(etw_session *s);

/* Closes the consumer and frees the properties; call after etw_session_process returned. */
void etw_session_close(etw_session *s);

#endif
