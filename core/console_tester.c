/* console_tester.c - POST /api/test, the console's event tester: the events given run through the
 * running rule set as `host test` runs them (rule_test.h), optionally with the actions. */
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "action_call.h"
#include "console_api.h"
#include "engine_control.h"
#include "event.h"
#include "log.h"
#include "platform/platform.h"
#include "rule_test.h"

#define TEST_MAX_EVENTS 100   /* a sequence to explain is a handful of events; this bounds the work */

/* One test at a time: its actions run with the worker index kept for the tester (rule_test.h). A
 * flag rather than a mutex: nothing to initialise, and a second request just waits its turn. */
static atomic_flag testing = ATOMIC_FLAG_INIT;

/* body: {"event": {...} or [{...}, ...], "run": false}. Answers {"ok": true, "run", "matched", "failed",
 * "events": [report, ...]} (rule_test_event's reports), or 400 {"ok": false, "text"} naming what is
 * wrong and where ("event[2]: ..."). */
void console_api_test(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    strbuf body = STRBUF_INIT;
    int bad = console_read_body(c, ri, &body, NULL);
    cJSON *req = bad ? NULL : cJSON_Parse(strbuf_cstr(&body));
    strbuf_free(&body);
    if (bad) return;
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(req, "event");
    const cJSON *run_item = cJSON_GetObjectItemCaseSensitive(req, "run");
    int many = cJSON_IsArray(events), count = many ? cJSON_GetArraySize(events) : 1;
    const char *why = !cJSON_IsObject(req) ? "the body is not a JSON object: send {\"event\": {\"type\": ...}, \"run\": false}"
                      : !many && !cJSON_IsObject(events) ? "\"event\" must be an event object or an array of them"
                      : count < 1 || count > TEST_MAX_EVENTS ? "\"event\" must hold 1 to 100 events"
                      : run_item && !cJSON_IsBool(run_item) ? "\"run\" must be true or false" : NULL;
    if (why) {
        console_reply_outcome(c, 400, 0, why);
        cJSON_Delete(req);
        return;
    }
    int run = cJSON_IsTrue(run_item), matched = 0, failed = 0;
    while (atomic_flag_test_and_set(&testing)) plat_sleep_ms(10);
    struct rule_set *rules = engine_rules(cx->e);
    rule_test *t = rule_test_new(rules, action_call_worker_count() - 1);
    if (rules) rule_set_unref(rules);
    cJSON *answer = cJSON_CreateObject(), *reports = cJSON_AddArrayToObject(answer, "events");
    const cJSON *item = many ? events->child : events;
    char err[512] = "";
    for (int n = 0; t && reports && item && !err[0]; n++, item = many ? item->next : NULL) {
        char msg[256];
        wee_event *ev = event_from_cjson(item, msg, sizeof msg);
        if (!ev) {
            if (many) snprintf(err, sizeof err, "event[%d]: %s", n, msg);
            else snprintf(err, sizeof err, "event: %s", msg);
            break;
        }
        cJSON *report = rule_test_event(t, ev, run);
        event_unref(ev);
        if (!report) { snprintf(err, sizeof err, "out of memory"); break; }
        matched += cJSON_GetObjectItemCaseSensitive(report, "matched")->valueint;
        failed += cJSON_GetObjectItemCaseSensitive(report, "failed")->valueint;
        cJSON_AddItemToArray(reports, report);
    }
    rule_test_free(t);
    atomic_flag_clear(&testing);
    cJSON_Delete(req);
    if (!t || !reports || err[0]) {
        console_reply_outcome(c, err[0] && strcmp(err, "out of memory") != 0 ? 400 : 503, 0, err[0] ? err : "out of memory");
        cJSON_Delete(answer);
        return;
    }
    if (run) log_write(WEE_LOG_INFO, "console", "event tester ran the actions of %d matched rule(s)", matched);
    cJSON_AddBoolToObject(answer, "ok", 1);
    cJSON_AddBoolToObject(answer, "run", run);
    cJSON_AddNumberToObject(answer, "matched", matched);
    cJSON_AddNumberToObject(answer, "failed", failed);
    console_reply_cjson(c, 200, answer);
}
