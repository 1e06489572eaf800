#include <stdio.h>
#include <stdlib.h>
#include "arg_check.h"
#include "cli.h"
#include "config.h"
#include "event.h"
#include "host_api.h"
#include "platform/platform.h"
#include "rule_test.h"
#include <cjson/cJSON.h>
#include "util/rotating_file.h"

int cli_validate(const module_registry *reg, const char *file)
{
    diag_list d = DIAG_INIT;
    config *c = config_load_file(file, reg, host_api_get(), 1, &d);
    if (!c) {
        diag_print(&d, file, stderr);
        fprintf(stderr, "%s: %zu error(s); nothing was started\n", file, d.count);
        diag_free(&d);
        return 1;
    }
    /* What the run opens before anything starts: the host's own log file (created with its folders
     * at start, so only what would stop that is an error; nothing is created here). */
    char why[512];
    if (c->engine.log_file && rotating_file_check(c->engine.log_file, why, sizeof why) != 0) {
        fprintf(stderr, "%s: engine.log.file: cannot write \"%s\": %s\n%s: 1 error(s); nothing was started\n", file,
                c->engine.log_file, why, file);
        config_free(c);
        diag_free(&d);
        return 1;
    }
    size_t warnings = arg_check_warn(c, file, stderr);
    printf("%s: OK (%zu source(s), %zu rule(s)%s)\n", file, c->source_count, c->rules ? rule_set_count(c->rules) : (size_t)0,
           warnings ? "; see the warnings" : "");
    config_free(c);
    diag_free(&d);
    return 0;
}

int cli_test(const module_registry *reg, const char *config_file, const char *event_file, int run)
{
    diag_list d = DIAG_INIT;
    config *c = config_load_file(config_file, reg, host_api_get(), 1, &d);
    if (!c) {
        diag_print(&d, config_file, stderr);
        diag_free(&d);
        return 1;
    }
    diag_free(&d);
    char *text = NULL;
    size_t len = 0;
    if (plat_read_file(event_file, &text, &len) != 0) {
        fprintf(stderr, "%s: cannot read the event file\n", event_file);
        config_free(c);
        return 1;
    }
    /* One event object, or an array of them run in order (how a sequence or threshold is explained). */
    cJSON *doc = cJSON_Parse(text);
    size_t count = cJSON_IsArray(doc) ? (size_t)cJSON_GetArraySize(doc) : 1;
    int matched = 0, failed = 0, bad = 0;
    rule_test *t = rule_test_new(c->rules, 0);
    if (!t) { fprintf(stderr, "host test: out of memory\n"); bad = 1; }
    if (run) config_activate_modules(c); /* actions really run: modules open what they need */
    const cJSON *item = cJSON_IsArray(doc) ? doc->child : NULL;
    for (size_t n = 0; n < count && !bad; n++, item = item ? item->next : NULL) {
        char err[256];
        wee_event *ev = item ? event_from_cjson(item, err, sizeof err) : event_from_json(text, err, sizeof err);
        if (!ev) {
            if (count > 1) fprintf(stderr, "%s: [%zu]: %s\n", event_file, n, err);
            else fprintf(stderr, "%s: %s\n", event_file, err);
            bad = 1;
            break;
        }
        if (count > 1) printf("--- event [%zu] %s\n", n, ev->type);
        cJSON *report = rule_test_event(t, ev, run);
        event_unref(ev);
        if (!report) { bad = 1; break; }
        rule_test_print(report, stdout);
        matched += cJSON_GetObjectItemCaseSensitive(report, "matched")->valueint;
        failed += cJSON_GetObjectItemCaseSensitive(report, "failed")->valueint;
        cJSON_Delete(report);
    }
    free(text);
    cJSON_Delete(doc);
    rule_test_free(t);
    if (bad) {
        config_free(c);
        return 1;
    }
    printf("%d rule(s) matched%s\n", matched, run ? "" : " (actions not run; add --run to run them)");
    config_free(c);
    return failed ? 2 : 0;
}
