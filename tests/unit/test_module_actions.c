/*
 * test_module_actions - the real `log` and `exec` module files, loaded with plat_dl_open and driven
 * through the real host table, real option validation and real action calls (templates rendered).
 *
 * The exec cases run this very executable as the child (`--child ...`, see child_main), so the same
 * assertions hold on Linux and on Windows/Wine; a few extra cases use POSIX tools where the point is a
 * POSIX behaviour (process-group kill of grandchildren, /usr/bin/env).
 * Needs the targets mod_log and mod_exec built first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "module_fields.h"
#include "action_call.h"
#include "event.h"
#include "event_batch.h"
#include "host_api.h"
#include "options.h"
#include "platform/platform.h"
#include "util/diag.h"
#include "wee/wee.h"

#ifdef _WIN32
#define EXE_SUFFIX ".exe"
#define NL "\r\n" /* the child's stdout is in text mode */
#else
#define EXE_SUFFIX ""
#define NL "\n"
#endif

static char g_self[1100];       /* this executable, run as the exec child */
static char g_module_dir[1100];

/* --- the child side: tiny, shell-free, identical on every OS --- */
static int child_main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[2], "print") == 0) { fputs(argv[3], stdout); return 0; }
    if (argc == 4 && strcmp(argv[2], "env") == 0) {
        const char *v = getenv(argv[3]);
        fputs(v ? v : "", stdout);
        return v ? 0 : 1;
    }
    if (argc == 5 && strcmp(argv[2], "exit") == 0) { printf("%s\n", argv[4]); return atoi(argv[3]); }
    if (argc == 4 && strcmp(argv[2], "sleep") == 0) { plat_sleep_ms(atol(argv[3])); return 0; }
    if (argc >= 3 && strcmp(argv[2], "argc") == 0) { printf("%d", argc - 3); return 0; } /* arguments after it */
    if (argc == 5 && strcmp(argv[2], "late") == 0) { /* sleep, then create the file */
        plat_sleep_ms(atol(argv[3]));
        FILE *f = fopen(argv[4], "wb");
        return f && fclose(f) == 0 ? 0 : 1;
    }
    return 64;
}

/* --- loading a module and driving one action instance --- */
typedef struct action_fixture {
    void *lib;
    const wee_module_desc *desc;
    cJSON *json;
    options_tree *tree;
    void *instance;
    int create_rc;
    char err[512];
} action_fixture;

static const wee_module_desc *load_module(const char *name, void **lib)
{
    char path[1300], err[256];
    snprintf(path, sizeof path, "%s%s%s%s", g_module_dir, plat_path_sep(), name, plat_dl_suffix());
    *lib = plat_dl_open(path, err, sizeof err);
    if (!*lib) fail_msg("cannot load %s: %s (build the target mod_%s first)", path, err, name);
    wee_module_entry_fn entry = (wee_module_entry_fn)plat_dl_sym(*lib, WEE_ENTRY_SYMBOL);
    assert_non_null(entry);
    const wee_module_desc *d = entry();
    assert_non_null(d);
    assert_int_equal(d->abi_version, WEE_ABI_VERSION);
    assert_string_equal(d->name, name);
    assert_int_equal(d->kind, WEE_MODULE_ACTION);
    return d;
}

/* Takes ownership of `opts` (the action's config object, without the "action" key). */
static void fixture_open(action_fixture *f, const char *module, cJSON *opts)
{
    static const char *const own_keys[] = { "action", "on_error", NULL };
    diag_list d = DIAG_INIT;
    memset(f, 0, sizeof *f);
    f->desc = load_module(module, &f->lib);
    f->json = opts;
    f->tree = options_build(f->desc->options, opts, "rules[0].do[0]", own_keys, 1, &d);
    if (!f->tree) {
        diag_print(&d, "test", stderr);
        diag_free(&d);
        fail_msg("options rejected for module %s", module);
    }
    diag_free(&d);
    f->create_rc = f->desc->action_create(host_api_get(), options_static_view(f->tree), &f->instance, f->err,
                                          sizeof f->err);
}

static void fixture_close(action_fixture *f)
{
    if (f->create_rc == 0) f->desc->action_destroy(f->instance);
    options_tree_free(f->tree);
    cJSON_Delete(f->json);
    plat_dl_close(f->lib);
}

/* One action_run for `ev`; published results land in `results`, the failure text in `error`. */
static int fixture_run(action_fixture *f, const wee_event *ev, wee_event *results, char *error, size_t size)
{
    struct wee_action_call call;
    assert_int_equal(f->create_rc, 0);
    action_call_init(&call, f->tree, ev, results, f->desc->name, "test-rule", 0);
    int rc = f->desc->action_run(f->instance, &call);
    snprintf(error, size, "%s", strbuf_cstr(&call.error));
    action_call_finish(&call);
    return rc;
}

static wee_event *file_event(const char *path, const char *name)
{
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", path);
    event_set_string(ev, "name", name);
    event_set_bool(ev, "is_dir", 0);
    host_api_stamp(ev, "downloads");
    return ev;
}

static cJSON *string_list(const char *const *items)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; items[i]; i++) cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

/* --- log --- */
static cJSON *log_opts(const char *message, const char *file, const char *format)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", message);
    cJSON_AddStringToObject(o, "target", "file");
    cJSON_AddStringToObject(o, "file", file);
    if (format) cJSON_AddStringToObject(o, "format", format);
    return o;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++) n += *text == '\n';
    return n;
}

static void test_log_text_to_file(void **state)
{
    char *dir = test_make_temp_dir("log_text"), *file = test_path_join(dir, "actions.log"), error[256];
    action_fixture f;
    cJSON *o = log_opts("saw {{path}} ({{type}})", file, NULL);
    cJSON_AddStringToObject(o, "level", "warn");
    fixture_open(&f, "log", o);
    assert_int_equal(f.create_rc, 0);

    wee_event *ev1 = file_event("/in/a b.txt", "a b.txt"), *ev2 = file_event("/in/evil\nINFO forged", "x");
    wee_event *results = event_new("results");
    assert_int_equal(fixture_run(&f, ev1, results, error, sizeof error), 0);
    assert_int_equal(fixture_run(&f, ev2, results, error, sizeof error), 0);
    fixture_close(&f);

    char *text = test_read_file(file);
    assert_non_null(text);
    /* A newline in event data must not start a second record. */
    assert_int_equal(count_lines(text), 2);
    assert_true(strncmp(text, "20", 2) == 0 && text[10] == 'T');
    assert_non_null(strstr(text, "Z WARN [test-rule] saw /in/a b.txt (file.created)\n"));
    assert_non_null(strstr(text, "Z WARN [test-rule] saw /in/evil\\nINFO forged (file.created)\n"));
    free(text);
    event_free(ev1); event_free(ev2); event_free(results);
    test_remove_tree(dir);
    free(file); free(dir);
}

static void test_log_json_to_file(void **state)
{
    char *dir = test_make_temp_dir("log_json"), *file = test_path_join(dir, "actions.jsonl"), error[256];
    action_fixture f;
    fixture_open(&f, "log", log_opts("got \"{{name}}\"", file, "json"));
    wee_event *ev = file_event("C:\\in\\r\xc3\xa9sum\xc3\xa9.pdf", "r\xc3\xa9sum\xc3\xa9.pdf");
    event_set_int(ev, "size", 1234567890123LL);
    wee_event *results = event_new("results");
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    fixture_close(&f);

    char *text = test_read_file(file);
    assert_non_null(text);
    assert_int_equal(count_lines(text), 1);
    cJSON *line = cJSON_Parse(text);
    assert_non_null(line);
    assert_string_equal(cJSON_GetObjectItem(line, "level")->valuestring, "info");
    assert_string_equal(cJSON_GetObjectItem(line, "rule")->valuestring, "test-rule");
    assert_string_equal(cJSON_GetObjectItem(line, "message")->valuestring, "got \"r\xc3\xa9sum\xc3\xa9.pdf\"");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(line, "time")));
    cJSON *e = cJSON_GetObjectItem(line, "event");
    assert_non_null(e);
    assert_string_equal(cJSON_GetObjectItem(e, "type")->valuestring, "file.created");
    assert_string_equal(cJSON_GetObjectItem(e, "path")->valuestring, "C:\\in\\r\xc3\xa9sum\xc3\xa9.pdf");
    assert_string_equal(cJSON_GetObjectItem(e, "source")->valuestring, "downloads");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(e, "is_dir")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(e, "seq")));
    assert_non_null(strstr(text, "\"size\":1234567890123"));
    cJSON_Delete(line);
    free(text);
    event_free(ev); event_free(results);
    test_remove_tree(dir);
    free(file); free(dir);
}

/* Creating the action touches nothing (host validate creates actions); the first line creates the
 * missing folders and the file. */
static void test_log_creates_missing_folders_at_first_write(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("log_mkdir"), *sub = test_path_join(dir, "a"), *sub2 = test_path_join(sub, "b");
    char *file = test_path_join(sub2, "actions.log"), error[256];
    action_fixture f;
    fixture_open(&f, "log", log_opts("line {{name}}", file, NULL));
    assert_int_equal(f.create_rc, 0);
    assert_false(plat_path_exists(sub));
    wee_event *ev = file_event("/in/x.txt", "x.txt"), *results = event_new("results");
    assert_int_equal(fixture_run(&f, ev, results, error, sizeof error), 0);
    fixture_close(&f);
    char *text = test_read_file(file);
    assert_non_null(text);
    assert_non_null(strstr(text, "line x.txt\n"));
    free(text);
    event_free(ev); event_free(results);
    test_remove_tree(dir);
    free(file); free(sub2); free(sub); free(dir);
}

static void test_log_unopenable_file_fails_create(void **state)
{
    /* A parent that is a file can never hold the log: refused at create (so by validate and at start). */
    char *dir = test_make_temp_dir("log_bad"), *afile = test_path_join(dir, "afile");
    assert_int_equal(test_write_file(afile, "x"), 0);
    char *file = test_path_join(afile, "actions.log");
    action_fixture f;
    fixture_open(&f, "log", log_opts("x", file, NULL));
    assert_int_not_equal(f.create_rc, 0);
    assert_non_null(strstr(f.err, file)); /* names the path ... */
    assert_non_null(strstr(f.err, "afile is a file, not a folder"));  /* ... and why */
    fixture_close(&f);
    /* So can a folder. */
    fixture_open(&f, "log", log_opts("x", dir, NULL));
    assert_int_not_equal(f.create_rc, 0);
    assert_non_null(strstr(f.err, "it is a directory"));
    fixture_close(&f);
    free(afile);

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", "x");
    cJSON_AddStringToObject(o, "target", "file");
    fixture_open(&f, "log", o);
    assert_int_not_equal(f.create_rc, 0);
    assert_non_null(strstr(f.err, "'file'"));
    fixture_close(&f);
    test_remove_tree(dir);
    free(file); free(dir);
}

#define LOG_THREADS 4
#define LOG_LINES_PER_THREAD 200
typedef struct log_worker { action_fixture *f; const wee_event *ev; int failures; } log_worker;

static void log_worker_main(void *arg)
{
    log_worker *w = arg;
    char error[256];
    wee_event *results = event_new("results");
    for (int i = 0; i < LOG_LINES_PER_THREAD; i++)
        if (fixture_run(w->f, w->ev, results, error, sizeof error) != 0) w->failures++;
    event_free(results);
}

static void test_log_concurrent_lines_stay_whole(void **state)
{
    char *dir = test_make_temp_dir("log_mt"), *file = test_path_join(dir, "mt.log");
    action_fixture f;
    fixture_open(&f, "log", log_opts("{{name}}", file, NULL));
    char long_name[600];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    wee_event *ev = file_event("/in/x", long_name);
    plat_thread threads[LOG_THREADS];
    log_worker workers[LOG_THREADS];
    for (int i = 0; i < LOG_THREADS; i++) {
        workers[i] = (log_worker){ &f, ev, 0 };
        assert_int_equal(plat_thread_start(&threads[i], log_worker_main, &workers[i]), 0);
    }
    for (int i = 0; i < LOG_THREADS; i++) plat_thread_join(&threads[i]);
    fixture_close(&f);
    for (int i = 0; i < LOG_THREADS; i++) assert_int_equal(workers[i].failures, 0);

    char *text = test_read_file(file);
    assert_non_null(text);
    assert_int_equal(count_lines(text), LOG_THREADS * LOG_LINES_PER_THREAD);
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        char *msg = strstr(line, "[test-rule] ");
        assert_true(msg && msg < end);
        msg += strlen("[test-rule] ");
        assert_int_equal((size_t)(end - msg), strlen(long_name));
        line = end + 1;
    }
    free(text);
    event_free(ev);
    test_remove_tree(dir);
    free(file); free(dir);
}

/* Two log actions on one file with max_size_mb 1 / keep 1, four threads: 800 lines of ~1.5 KB (more
 * than 1 MiB, less than 2) -> exactly file and file.1, file.1 within the limit, all 800 lines whole. */
static void test_log_rotates_shared_file_by_size(void **state)
{
    char *dir = test_make_temp_dir("log_rot"), *file = test_path_join(dir, "rot.log");
    size_t n = strlen(file) + 3;
    char *file1 = malloc(n), *file2 = malloc(n);
    snprintf(file1, n, "%s.1", file);
    snprintf(file2, n, "%s.2", file);
    action_fixture f[2];
    for (int i = 0; i < 2; i++) {
        cJSON *o = log_opts("{{name}}", file, NULL);
        cJSON_AddNumberToObject(o, "max_size_mb", 1);
        cJSON_AddNumberToObject(o, "keep", 1);
        fixture_open(&f[i], "log", o);
        assert_int_equal(f[i].create_rc, 0);
    }
    char long_name[1500];
    memset(long_name, 'r', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    wee_event *ev = file_event("/in/x", long_name);
    plat_thread threads[LOG_THREADS];
    log_worker workers[LOG_THREADS];
    for (int i = 0; i < LOG_THREADS; i++) {
        workers[i] = (log_worker){ &f[i % 2], ev, 0 };
        assert_int_equal(plat_thread_start(&threads[i], log_worker_main, &workers[i]), 0);
    }
    for (int i = 0; i < LOG_THREADS; i++) plat_thread_join(&threads[i]);
    fixture_close(&f[0]);
    fixture_close(&f[1]);
    for (int i = 0; i < LOG_THREADS; i++) assert_int_equal(workers[i].failures, 0);

    assert_false(plat_path_exists(file2));
    char *newest = test_read_file(file), *older = test_read_file(file1);
    assert_non_null(newest);
    assert_non_null(older);
    assert_true(strlen(older) <= 1024 * 1024);
    assert_true(strlen(newest) > 0);
    assert_int_equal(count_lines(newest) + count_lines(older), LOG_THREADS * LOG_LINES_PER_THREAD);
    char *texts[2] = { older, newest };
    for (int t = 0; t < 2; t++) {
        for (char *line = texts[t]; *line;) {
            char *end = strchr(line, '\n');
            assert_non_null(end);
            char *msg = strstr(line, "[test-rule] ");
            assert_true(msg && msg < end);
            assert_int_equal((size_t)(end - msg - strlen("[test-rule] ")), strlen(long_name));
            line = end + 1;
        }
    }
    free(newest); free(older);
    event_free(ev);
    test_remove_tree(dir);
    free(file1); free(file2); free(file); free(dir);
}

/* --- exec --- */
static cJSON *exec_opts(const char *command, const char *const *args)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "command", command);
    if (args) cJSON_AddItemToObject(o, "args", string_list(args));
    return o;
}

/* Runs exec once with `opts` for `ev`; returns the action's result, fills results and error. */
static int exec_once(cJSON *opts, const wee_event *ev, wee_event *results, char *error, size_t size)
{
    action_fixture f;
    fixture_open(&f, "exec", opts);
    assert_int_equal(f.create_rc, 0);
    int rc = fixture_run(&f, ev, results, error, size);
    fixture_close(&f);
    return rc;
}

static void test_exec_exit_code_and_stdout(void **state)
{
    char error[512];
    wee_event *ev = file_event("/in/a.txt", "a.txt"), *results = event_new("results");
    const char *ok_args[] = { "--child", "print", "fine {{name}}", NULL };
    assert_int_equal(exec_once(exec_opts(g_self, ok_args), ev, results, error, sizeof error), 0);
    assert_int_equal(event_get_int(results, "exec.exit_code", -99), 0);
    assert_string_equal(event_get_string(results, "exec.stdout"), "fine a.txt");
    assert_true(event_get_bool(results, "exec.ok", 0));
    assert_false(event_get_bool(results, "exec.timed_out", 1));

    const char *fail_args[] = { "--child", "exit", "3", "partial", NULL };
    int rc = exec_once(exec_opts(g_self, fail_args), ev, results, error, sizeof error);
    assert_true(rc < 0);
    assert_int_equal(event_get_int(results, "exec.exit_code", -99), 3);
    /* One trailing newline goes, as with $(...) in a shell; exec.stdout_raw keeps it. */
    assert_string_equal(event_get_string(results, "exec.stdout"), "partial");
    assert_string_equal(event_get_string(results, "exec.stdout_raw"), "partial" NL);
    assert_false(event_get_bool(results, "exec.ok", 1));
    assert_non_null(strstr(error, "exited with code 3"));

    const char *two_args[] = { "--child", "print", "x\n\n", NULL };
    assert_int_equal(exec_once(exec_opts(g_self, two_args), ev, results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "exec.stdout"), "x" NL);
    assert_string_equal(event_get_string(results, "exec.stdout_raw"), "x" NL NL);

    cJSON *capped = exec_opts(g_self, (const char *[]){ "--child", "print", "abcdefghij", NULL });
    cJSON_AddNumberToObject(capped, "capture_bytes", 4);
    assert_int_equal(exec_once(capped, ev, results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "exec.stdout"), "abcd");
    event_free(ev); event_free(results);
}

#define HOSTILE_NAME "a b;$(touch x)'\"&.txt"

static void test_exec_hostile_name_reaches_argv_byte_for_byte(void **state)
{
    char error[512];
    char *dir = test_make_temp_dir("exec_hostile"), *canary = test_path_join(dir, "x");
    wee_event *ev = file_event(HOSTILE_NAME, HOSTILE_NAME), *results = event_new("results");
    cJSON *o = exec_opts(g_self, (const char *[]){ "--child", "print", "{{path}}", NULL });
    cJSON_AddStringToObject(o, "cwd", dir);
    assert_int_equal(exec_once(o, ev, results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "exec.stdout"), HOSTILE_NAME);
#ifndef _WIN32
    o = exec_opts("/usr/bin/printf", (const char *[]){ "%s", "{{path}}", NULL });
    cJSON_AddStringToObject(o, "cwd", dir);
    assert_int_equal(exec_once(o, ev, results, error, sizeof error), 0);
    assert_string_equal(event_get_string(results, "exec.stdout"), HOSTILE_NAME);
#endif
    assert_false(plat_path_exists(canary)); /* no shell ever saw the name */
    event_free(ev); event_free(results);
    test_remove_tree(dir);
    free(canary); free(dir);
}

/* Value of `name` in the child's environment ("" and rc 1 when unset). */
static int child_env(const wee_event *ev, const char *name, int inherit, cJSON *env_map, char *out, size_t size)
{
    char error[512];
    wee_event *results = event_new("results");
    cJSON *o = exec_opts(g_self, (const char *[]){ "--child", "env", name, NULL });
    cJSON_AddBoolToObject(o, "inherit_event_env", inherit);
    if (env_map) cJSON_AddItemToObject(o, "env", env_map);
    int rc = exec_once(o, ev, results, error, sizeof error);
    snprintf(out, size, "%s", event_get_string(results, "exec.stdout"));
    event_free(results);
    return rc;
}

static void test_exec_event_in_environment(void **state)
{
    char out[512];
    wee_event *ev = file_event("/in/report 1.txt", "report 1.txt");
    event_set_int(ev, "http.status", 204);
    assert_int_equal(child_env(ev, "WEE_EVENT_PATH", 1, NULL, out, sizeof out), 0);
    assert_string_equal(out, "/in/report 1.txt");
    assert_int_equal(child_env(ev, "WEE_EVENT_HTTP_STATUS", 1, NULL, out, sizeof out), 0);
    assert_string_equal(out, "204");
    assert_int_equal(child_env(ev, "EVENT_PATH", 1, NULL, out, sizeof out), 0);
    assert_string_equal(out, "/in/report 1.txt");
    assert_int_equal(child_env(ev, "EVENT_TYPE", 1, NULL, out, sizeof out), 0);
    assert_string_equal(out, "file.created");
    assert_int_equal(child_env(ev, "EVENT_SOURCE", 1, NULL, out, sizeof out), 0);
    assert_string_equal(out, "downloads");
    assert_int_equal(child_env(ev, "WEE_ENGINE_CHILD", 1, NULL, out, sizeof out), 0);
    assert_string_equal(out, "1");

    cJSON *env = cJSON_CreateObject();
    cJSON_AddStringToObject(env, "MY_FILE", "name={{name}}");
    assert_int_equal(child_env(ev, "MY_FILE", 1, env, out, sizeof out), 0);
    assert_string_equal(out, "name=report 1.txt");

    /* inherit_event_env false: no event variables, but still marked as the engine's child */
    assert_true(child_env(ev, "WEE_EVENT_PATH", 0, NULL, out, sizeof out) < 0);
    assert_string_equal(out, "");
    assert_int_equal(child_env(ev, "WEE_ENGINE_CHILD", 0, NULL, out, sizeof out), 0);
    assert_string_equal(out, "1");
#ifndef _WIN32
    char error[512];
    wee_event *results = event_new("results");
    assert_int_equal(exec_once(exec_opts("/usr/bin/env", NULL), ev, results, error, sizeof error), 0);
    const char *listing = event_get_string(results, "exec.stdout");
    assert_non_null(strstr(listing, "\nWEE_EVENT_PATH=/in/report 1.txt\n"));
    assert_non_null(strstr(listing, "\nEVENT_PATH=/in/report 1.txt\n"));
    event_free(results);
#endif
    event_free(ev);
}

/* A batch of 1500 files with long names: one argument per file ({{batch.each.path}}), and the event in
 * the environment without the batch's lists, which alone would pass Linux's 128 KB limit for one
 * variable ("Argument list too long"). On Windows the command line (32,767 characters) is the limit:
 * 150 files there. */
static void test_exec_batch_event_fits(void **state)
{
#ifdef _WIN32
    enum { N = 150 };
#else
    enum { N = 1500 };
#endif
    char error[512];
    wee_event **members = malloc(N * sizeof *members);
    assert_non_null(members);
    for (int i = 0; i < N; i++) {
        char name[200], path[240];
        snprintf(name, sizeof name, "%04d-a-rather-long-file-name-so-that-the-batch-lists-grow-past-the-limit-%096d.txt", i, 0);
        snprintf(path, sizeof path, "/in/%s", name);
        members[i] = file_event(path, name);
    }
    wee_event *batch = event_batch_new(members, N), *results = event_new("results");
    assert_non_null(batch);
    assert_true(strlen(event_get_string(batch, "batch.paths")) > 128 * 1024 || N < 1500);
    cJSON *o = exec_opts(g_self, (const char *[]){ "--child", "argc", "{{batch.each.path}}", NULL });
    assert_int_equal(exec_once(o, batch, results, error, sizeof error), 0);
    char want[16];
    snprintf(want, sizeof want, "%d", N);
    assert_string_equal(event_get_string(results, "exec.stdout"), want);
    char out[64];
    assert_int_equal(child_env(batch, "WEE_EVENT_BATCH_COUNT", 1, NULL, out, sizeof out), 0);
    assert_string_equal(out, want);
    assert_true(child_env(batch, "WEE_EVENT_BATCH_PATHS", 1, NULL, out, sizeof out) < 0);
    event_free(batch); event_free(results);
}

static void test_exec_timeout_kills(void **state)
{
    char error[512];
    wee_event *ev = file_event("/in/a.txt", "a.txt"), *results = event_new("results");
    cJSON *o = exec_opts(g_self, (const char *[]){ "--child", "sleep", "10000", NULL });
    cJSON_AddNumberToObject(o, "timeout_ms", 200);
    uint64_t t0 = plat_monotonic_ns();
    int rc = exec_once(o, ev, results, error, sizeof error);
    uint64_t elapsed_ms = (plat_monotonic_ns() - t0) / 1000000u;
    assert_true(rc < 0);
    assert_true(elapsed_ms < 5000);
    assert_true(event_get_bool(results, "exec.timed_out", 0));
    assert_false(event_get_bool(results, "exec.ok", 1));
    assert_non_null(strstr(error, "timed out after 200 ms"));
    /* Without timeout_ms a child is still bounded (issue 11 item 11): 60 s, not forever. */
    action_fixture f;
    fixture_open(&f, "exec", exec_opts(g_self, NULL));
    assert_int_equal(options_int(options_static_view(f.tree), "timeout_ms"), 60000);
    fixture_close(&f);
#ifndef _WIN32
    /* The shell's `sleep` is a grandchild holding stdout open: only a process-group kill ends it. */
    o = exec_opts("/bin/sh", (const char *[]){ "-c", "sleep 10; echo late", NULL });
    cJSON_AddNumberToObject(o, "timeout_ms", 200);
    t0 = plat_monotonic_ns();
    rc = exec_once(o, ev, results, error, sizeof error);
    elapsed_ms = (plat_monotonic_ns() - t0) / 1000000u;
    assert_true(rc < 0);
    assert_true(elapsed_ms < 5000);
    assert_true(event_get_bool(results, "exec.timed_out", 0));
#endif
    event_free(ev); event_free(results);
}

static void test_exec_missing_command_fails_with_reason(void **state)
{
    char error[512];
    char *dir = test_make_temp_dir("exec_missing"), *missing = test_path_join(dir, "no-such-program" EXE_SUFFIX);
    wee_event *ev = file_event("/in/a.txt", "a.txt"), *results = event_new("results");
    int rc = exec_once(exec_opts(missing, NULL), ev, results, error, sizeof error);
    assert_true(rc < 0);
    assert_non_null(strstr(error, "no-such-program"));
    assert_false(event_get_bool(results, "exec.ok", 1));
    event_free(ev); event_free(results);
    test_remove_tree(dir);
    free(missing); free(dir);
}

static cJSON *detached_opts(const char *ms, const char *file, int kill_on_stop)
{
    cJSON *o = exec_opts(g_self, (const char *[]){ "--child", "late", ms, file, NULL });
    cJSON_AddBoolToObject(o, "detach", 1);
    cJSON_AddBoolToObject(o, "kill_on_stop", kill_on_stop);
    cJSON_AddNumberToObject(o, "max_detached", 1);
    return o;
}

/* Issue 11 item 11: a detached program holds no worker, is capped per action, and at engine stop
 * (module_shutdown) is killed only when kill_on_stop asks for it. */
static void test_exec_detached(void **state)
{
    (void)state;
    void *lib;
    const wee_module_desc *d = load_module("exec", &lib);
    char err[128], error[512];
    assert_int_equal(d->module_init(host_api_get(), err, sizeof err), 0);
    char *dir = test_make_temp_dir("exec_detach");
    char *killed = test_path_join(dir, "killed"), *kept = test_path_join(dir, "kept");
    wee_event *ev = file_event("/in/a.txt", "a.txt"), *results = event_new("results");

    action_fixture fa, fb;
    fixture_open(&fa, "exec", detached_opts("5000", killed, 1));
    fixture_open(&fb, "exec", detached_opts("1000", kept, 0));
    uint64_t t0 = plat_monotonic_ns();
    assert_int_equal(fixture_run(&fa, ev, results, error, sizeof error), 0);
    /* Back long before the 5 s child ends. */
    assert_true(plat_monotonic_ns() - t0 < 4000000000ull);
    assert_true(event_get_int(results, "exec.pid", -1) > 0);
    assert_true(event_get_bool(results, "exec.detached", 0));
    assert_true(event_get_bool(results, "exec.ok", 0));
    /* max_detached 1: the same action cannot start a second one while the first runs. */
    assert_int_equal(fixture_run(&fa, ev, results, error, sizeof error), WEE_EFULL);
    assert_non_null(strstr(error, "max_detached"));
    assert_false(event_get_bool(results, "exec.ok", 1));
    assert_int_equal(fixture_run(&fb, ev, results, error, sizeof error), 0);

    /* A reload drops the instances: their programs go on. Then the engine stops. */
    fixture_close(&fa);
    fixture_close(&fb);
    d->module_shutdown();
    assert_true(test_wait_for_file(kept, 20000));          /* left running: it finished its work */
    uint64_t waited_ms = (plat_monotonic_ns() - t0) / 1000000u;
    if (waited_ms < 6500) plat_sleep_ms((int64_t)(6500 - waited_ms));
    assert_false(plat_path_exists(killed));                 /* killed at stop: never got there */

    plat_dl_close(lib);
    event_free(ev); event_free(results);
    test_remove_tree(dir);
    free(killed); free(kept); free(dir);
}

int main(int argc, char **argv)
{
    /* Child mode first: as the exec child this program must print exactly what it was asked to. */
    if (argc >= 2 && strcmp(argv[1], "--child") == 0) return child_main(argc, argv);
    test_init();
    module_fields_load(); /* batch.paths lists the subject field the file source declares */
    char exe_dir[1024];
    if (plat_exe_dir(exe_dir, sizeof exe_dir) != 0) {
        fprintf(stderr, "cannot find this executable's folder\n");
        return 1;
    }
    snprintf(g_self, sizeof g_self, "%s%stest_module_actions%s", exe_dir, plat_path_sep(), EXE_SUFFIX);
    /* Tests live in <build>/tests, modules in <build>/modules; relative to the executable so the same
     * holds under Wine, where the build's Unix path is not a Windows one. */
    snprintf(g_module_dir, sizeof g_module_dir, "%s%s..%smodules", exe_dir, plat_path_sep(), plat_path_sep());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_text_to_file),
        cmocka_unit_test(test_log_json_to_file),
        cmocka_unit_test(test_log_unopenable_file_fails_create),
        cmocka_unit_test(test_log_creates_missing_folders_at_first_write),
        cmocka_unit_test(test_log_concurrent_lines_stay_whole),
        cmocka_unit_test(test_log_rotates_shared_file_by_size),
        cmocka_unit_test(test_exec_exit_code_and_stdout),
        cmocka_unit_test(test_exec_hostile_name_reaches_argv_byte_for_byte),
        cmocka_unit_test(test_exec_event_in_environment),
        cmocka_unit_test(test_exec_batch_event_fits),
        cmocka_unit_test(test_exec_timeout_kills),
        cmocka_unit_test(test_exec_missing_command_fails_with_reason),
        cmocka_unit_test(test_exec_detached),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    module_fields_unload();
    return rc;
}
