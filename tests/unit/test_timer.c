/*
 * timer source: schedule arithmetic (pure), and the real module file driven through the host table:
 * interval ticks arrive with increasing counts, immediate fires at start, bad options are refused.
 */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "event.h"
#include "host_api.h"
#include "options.h"
#include "platform/platform.h"
#include "timer_schedule.h"
#include "wee/wee.h"

static void test_parse_time(void **s)
{
    (void)s;
    assert_int_equal(timer_parse_time("00:00"), 0);
    assert_int_equal(timer_parse_time("08:30"), 8 * 3600 + 30 * 60);
    assert_int_equal(timer_parse_time("23:59:59"), 86399);
    assert_int_equal(timer_parse_time("24:00"), -1);
    assert_int_equal(timer_parse_time("8:30"), -1);
    assert_int_equal(timer_parse_time("08:60"), -1);
    assert_int_equal(timer_parse_time("08:30:"), -1);
    assert_int_equal(timer_parse_time("08:30:00:00"), -1);
    assert_int_equal(timer_parse_weekday("Mon"), 1);
    assert_int_equal(timer_parse_weekday("saturday"), 6);
    assert_int_equal(timer_parse_weekday("mo"), -1);
    assert_int_equal(timer_parse_weekday("funday"), -1);
}

static void test_next_moment(void **s)
{
    (void)s;
    timer_schedule sc = { { 8 * 3600, 17 * 3600 }, 2, 0x7f };
    assert_int_equal(timer_seconds_until_next(&sc, 1, 7 * 3600), 3600);           /* later today */
    assert_int_equal(timer_seconds_until_next(&sc, 1, 8 * 3600), 9 * 3600);       /* strictly after */
    assert_int_equal(timer_seconds_until_next(&sc, 1, 18 * 3600), 14 * 3600);     /* tomorrow 08:00 */
    sc.weekdays = 1u << 1;                                                        /* Mondays only */
    assert_int_equal(timer_seconds_until_next(&sc, 5, 18 * 3600), 86400L * 3 - 10 * 3600); /* Fri 18:00 -> Mon 08:00 */
    sc.weekdays = 0;
    assert_int_equal(timer_seconds_until_next(&sc, 1, 0), -1);
}

/* --- the real module --- */
typedef struct sink { plat_mutex lock; int n; int64_t counts[64]; char name[32]; } sink;

static int sink_emit(struct wee_source *src, wee_event *ev)
{
    sink *k = src->emit_ctx;
    plat_mutex_lock(&k->lock);
    if (k->n < 64) k->counts[k->n++] = event_get_int(ev, "count", -1);
    snprintf(k->name, sizeof k->name, "%s", event_get_string(ev, "name") ? event_get_string(ev, "name") : "");
    plat_mutex_unlock(&k->lock);
    event_unref(ev);
    return 0;
}

static const wee_module_desc *load_timer(void **lib)
{
    char path[1024];
    snprintf(path, sizeof path, "%s%smodules%stimer%s", WEE_BINARY_DIR, plat_path_sep(), plat_path_sep(), plat_dl_suffix());
    char err[256];
    *lib = plat_dl_open(path, err, sizeof err);
    if (!*lib) fail_msg("%s", err);
    wee_module_entry_fn entry = (wee_module_entry_fn)plat_dl_sym(*lib, WEE_ENTRY_SYMBOL);
    assert_non_null(entry);
    return entry();
}

static int create_with(const wee_module_desc *m, const char *json, struct wee_source *src, void **inst,
                       options_tree **tree, char *err, size_t n)
{
    cJSON *o = cJSON_Parse(json);
    diag_list d = DIAG_INIT;
    *tree = options_build(m->options, o, "sources[0]", NULL, 0, &d);
    cJSON_Delete(o);
    if (!*tree) { diag_print(&d, "t.json", stderr); diag_free(&d); return -100; }
    diag_free(&d);
    return m->source_create(host_api_get(), src, options_static_view(*tree), inst, err, n);
}

static void test_interval_ticks(void **s)
{
    (void)s;
    void *lib;
    const wee_module_desc *m = load_timer(&lib);
    sink k; memset(&k, 0, sizeof k); plat_mutex_init(&k.lock);
    struct wee_source src; memset(&src, 0, sizeof src);
    src.id = "heartbeat"; src.emit = sink_emit; src.emit_ctx = &k;
    void *inst; options_tree *tree; char err[256] = "";
    assert_int_equal(create_with(m, "{\"interval_ms\": 40, \"immediate\": true}", &src, &inst, &tree, err, sizeof err), 0);
    assert_int_equal(m->source_start(inst, err, sizeof err), 0);
    uint64_t until = plat_monotonic_ns() + 5000000000ull;
    for (;;) {
        plat_mutex_lock(&k.lock); int n = k.n; plat_mutex_unlock(&k.lock);
        if (n >= 4 || plat_monotonic_ns() > until) break;
        plat_sleep_ms(10);
    }
    m->source_stop(inst);
    int n_at_stop = k.n;
    plat_sleep_ms(120);
    assert_int_equal(k.n, n_at_stop);           /* nothing after stop */
    assert_true(k.n >= 4);
    for (int i = 0; i < k.n; i++) assert_int_equal(k.counts[i], i + 1);
    assert_string_equal(k.name, "heartbeat");   /* name defaults to the source id */
    m->source_destroy(inst);
    options_tree_free(tree);
    plat_dl_close(lib);
}

static void test_bad_options_refused(void **s)
{
    (void)s;
    void *lib;
    const wee_module_desc *m = load_timer(&lib);
    struct wee_source src; memset(&src, 0, sizeof src);
    src.id = "t";
    void *inst; options_tree *tree; char err[256] = "";
    assert_int_not_equal(create_with(m, "{}", &src, &inst, &tree, err, sizeof err), 0);
    assert_non_null(strstr(err, "interval_ms"));
    options_tree_free(tree);
    err[0] = '\0';
    assert_int_not_equal(create_with(m, "{\"at\": [\"25:00\"]}", &src, &inst, &tree, err, sizeof err), 0);
    assert_non_null(strstr(err, "at[0]"));
    options_tree_free(tree);
    err[0] = '\0';
    assert_int_not_equal(create_with(m, "{\"at\": [\"08:00\"], \"weekdays\": [\"someday\"]}", &src, &inst, &tree, err, sizeof err), 0);
    assert_non_null(strstr(err, "weekdays[0]"));
    options_tree_free(tree);
    plat_dl_close(lib);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_next_moment),
        cmocka_unit_test(test_interval_ticks),
        cmocka_unit_test(test_bad_options_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
