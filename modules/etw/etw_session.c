/*
 * modules/etw/etw_session.c - see etw_session.h.
 */
#include "etw_session.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "platform/platform.h"

static EVENT_TRACE_PROPERTIES *new_props(const wchar_t *name)
{
    size_t size = sizeof(EVENT_TRACE_PROPERTIES) + (wcslen(name) + 1) * sizeof(wchar_t);
    EVENT_TRACE_PROPERTIES *p = calloc(1, size);
    if (!p) return NULL;
    p->Wnode.BufferSize = (ULONG)size;
    p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
    p->Wnode.ClientContext = 1;                    /* QueryPerformanceCounter timestamps */
    p->LogFileMode = EVENT_TRACE_REAL_TIME_MODE;
    p->FlushTimer = 1;                             /* deliver within a second even when quiet */
    p->LoggerNameOffset = sizeof(EVENT_TRACE_PROPERTIES);
    return p;
}

void etw_session_stop(etw_session *s)
{
    EVENT_TRACE_PROPERTIES *p = new_props(s->name);
    if (p) { ControlTraceW(0, s->name, p, EVENT_TRACE_CONTROL_STOP); free(p); }
}

int etw_session_open(etw_session *s, const wchar_t *name, const GUID *provider, const char *provider_name,
                     UCHAR level, ULONGLONG keywords, PEVENT_RECORD_CALLBACK cb, void *ctx, char *why,
                     size_t why_size)
{
    const char *wine = plat_is_wine() ? " (ETW is not implemented by Wine)" : "";
    memset(s, 0, sizeof *s);
    wcsncpy(s->name, name, sizeof s->name / sizeof s->name[0] - 1);
    s->props = new_props(s->name);
    if (!s->props) { snprintf(why, why_size, "out of memory"); return -1; }
    etw_session_stop(s);   /* a stale session of the same name (a crashed engine) */
    ULONG rc = StartTraceW(&s->session, s->name, s->props);
    if (rc != ERROR_SUCCESS) {
        snprintf(why, why_size, "StartTraceW error %lu%s", rc,
                 rc == ERROR_ACCESS_DENIED ? " (run elevated: ETW needs Administrator)" : wine);
        free(s->props);
        s->props = NULL;
        return -1;
    }
    rc = EnableTraceEx2(s->session, provider, EVENT_CONTROL_CODE_ENABLE_PROVIDER, level, keywords, 0, 0, NULL);
    if (rc != ERROR_SUCCESS) {
        snprintf(why, why_size, "EnableTraceEx2(%s) error %lu%s", provider_name, rc, wine);
        etw_session_stop(s);
        free(s->props);
        s->props = NULL;
        return -1;
    }
    EVENT_TRACE_LOGFILEW lf;
    memset(&lf, 0, sizeof lf);
    lf.LoggerName = s->name;
    lf.ProcessTraceMode = PROCESS_TRACE_MODE_REAL_TIME | PROCESS_TRACE_MODE_EVENT_RECORD;
    lf.EventRecordCallback = cb;
    lf.Context = ctx;
    s->consumer = OpenTraceW(&lf);
    if (s->consumer == INVALID_PROCESSTRACE_HANDLE) {
        DWORD e = GetLastError();
        snprintf(why, why_size, "OpenTraceW error %lu%s", e,
                 e == ERROR_ACCESS_DENIED && !*wine ? " (run elevated: ETW needs Administrator)" : wine);
        s->consumer = 0;
        etw_session_stop(s);
        free(s->props);
        s->props = NULL;
        return -1;
    }
    s->open = 1;
    return 0;
}

ULONG etw_session_process(etw_session *s)
{
    TRACEHANDLE consumer = s->consumer;
    return ProcessTrace(&consumer, 1, NULL, NULL);
}

uint64_t etw_session_take_lost(etw_session *s)
{
    EVENT_TRACE_PROPERTIES *p = new_props(s->name);
    uint64_t fresh = 0;
    if (!p) return 0;
    if (ControlTraceW(0, s->name, p, EVENT_TRACE_CONTROL_QUERY) == ERROR_SUCCESS) {
        uint64_t lost = (uint64_t)p->EventsLost + p->RealTimeBuffersLost;
        if (lost > s->lost_reported) {
            fresh = lost - s->lost_reported;
            s->lost_reported = lost;
        }
    }
    free(p);
    return fresh;
}

void etw_session_close(etw_session *s)
{
    if (s->consumer) CloseTrace(s->consumer);
    s->consumer = 0;
    free(s->props);
    s->props = NULL;
    s->open = 0;
}
