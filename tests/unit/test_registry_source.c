/*
 * registry source: the real module file (modules/registry.dll) driven through the real host table,
 * with changes made in-process by RegSetValueExW / RegCreateKeyExW / RegDeleteTreeW on a fresh key
 * under HKCU\Software. Windows only (under Wine in CI); elsewhere the module is not built and the
 * tests are skipped.
 * - data text of REG_MULTI_SZ (joined with "\n"), REG_QWORD, REG_EXPAND_SZ (not expanded), REG_BINARY
 *   and non-ASCII names/data (UTF-8);
 * - recursive false: a direct subkey created -> key_created, a value inside it -> nothing;
 * - a key three levels below a missing parent appears -> key_created + value_set;
 * - option errors from source_create: a bad root (named, valid roots listed), too many keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#ifdef _WIN32
#include <windows.h>
#include <cjson/cJSON.h>
#include "event.h"
#include "host_api.h"
#include "options.h"
#include "platform/platform.h"
#include "wee/wee.h"

typedef struct rec { char type[40]; char key[512]; char value[128]; char data[256]; char data_type[40]; } rec;
typedef struct sink { plat_mutex lock; rec items[256]; size_t n; } sink;

static void copy_field(char *dst, size_t size, const wee_event *ev, const char *name)
{
    const char *v = event_get_string(ev, name);
    snprintf(dst, size, "%s", v ? v : "");
}

static int sink_emit(struct wee_source *src, wee_event *ev)
{
    sink *k = src->emit_ctx;
    plat_mutex_lock(&k->lock);
    if (k->n < 256) {
        rec *r = &k->items[k->n++];
        snprintf(r->type, sizeof r->type, "%s", ev->type);
        copy_field(r->key, sizeof r->key, ev, "key");
        copy_field(r->value, sizeof r->value, ev, "value");
        copy_field(r->data, sizeof r->data, ev, "data");
        copy_field(r->data_type, sizeof r->data_type, ev, "data_type");
    }
    plat_mutex_unlock(&k->lock);
    event_unref(ev);
    return 0;
}

/* Index of the first event matching type/key/value (NULL = any) at or after `from`; -1 if none. */
static long find(sink *k, size_t from, const char *type, const char *key, const char *value)
{
    long hit = -1;
    plat_mutex_lock(&k->lock);
    for (size_t i = from; i < k->n && hit < 0; i++) {
        rec *r = &k->items[i];
        if (!strcmp(r->type, type) && (!key || !strcmp(r->key, key)) && (!value || !strcmp(r->value, value))) hit = (long)i;
    }
    plat_mutex_unlock(&k->lock);
    return hit;
}

static long wait_for(sink *k, const char *type, const char *key, const char *value)
{
    uint64_t end = plat_monotonic_ns() + 20000000000ull;
    long i;
    while ((i = find(k, 0, type, key, value)) < 0 && plat_monotonic_ns() < end) plat_sleep_ms(10);
    if (i < 0) {
        fprintf(stderr, "no %s key=%s value=%s; got %zu event(s):\n", type, key, value ? value : "*", k->n);
        for (size_t j = 0; j < k->n; j++)
            fprintf(stderr, "  %s %s [%s]=%s (%s)\n", k->items[j].type, k->items[j].key, k->items[j].value,
                    k->items[j].data, k->items[j].data_type);
        fail();
    }
    return i;
}

typedef struct fixture {
    void *lib;
    const wee_module_desc *m;
    options_tree *tree;
    void *inst;
    struct wee_source src;
    sink k;
} fixture;

static void load(fixture *f)
{
    memset(f, 0, sizeof *f);
    char path[1200], err[512] = "", exe[1024];
    plat_exe_dir(exe, sizeof exe);
    snprintf(path, sizeof path, "%s\\..\\modules\\registry.dll", exe);
    f->lib = plat_dl_open(path, err, sizeof err);
    if (!f->lib) fail_msg("%s", err);
    f->m = ((wee_module_entry_fn)plat_dl_sym(f->lib, WEE_ENTRY_SYMBOL))();
    plat_mutex_init(&f->k.lock);
    f->src.id = "reg";
    f->src.emit = sink_emit;
    f->src.emit_ctx = &f->k;
}

/* source_create with the given options; returns its result and the error text in err. */
static int create(fixture *f, const char *json, char *err, size_t err_size)
{
    cJSON *o = cJSON_Parse(json);
    assert_non_null(o);
    diag_list d = DIAG_INIT;
    f->tree = options_build(f->m->options, o, "sources[0]", NULL, 0, &d);
    cJSON_Delete(o);
    if (!f->tree) { diag_print(&d, "t", stderr); fail(); }
    diag_free(&d);
    return f->m->source_create(host_api_get(), &f->src, options_static_view(f->tree), &f->inst, err, err_size);
}

static void start(fixture *f, const char *json)
{
    char err[512] = "";
    load(f);
    if (create(f, json, err, sizeof err) != 0) fail_msg("create: %s", err);
    if (f->m->source_start(f->inst, err, sizeof err) != 0) fail_msg("start: %s", err);
}

static void finish(fixture *f)
{
    if (f->inst) { f->m->source_stop(f->inst); f->m->source_destroy(f->inst); }
    options_tree_free(f->tree);
    plat_dl_close(f->lib);
}

static char base_sub[128];    /* Software\WeeUnit<pid>_<n> below HKCU */

static void new_base(const char *tag)
{
    snprintf(base_sub, sizeof base_sub, "Software\\WeeUnit%llu_%s", (unsigned long long)plat_getpid(), tag);
    RegDeleteTreeA(HKEY_CURRENT_USER, base_sub);
}

static HKEY make_key(const char *rel)
{
    char p[256];
    snprintf(p, sizeof p, "%s%s%s", base_sub, *rel ? "\\" : "", rel);
    HKEY h = NULL;
    assert_int_equal(RegCreateKeyExA(HKEY_CURRENT_USER, p, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &h, NULL), ERROR_SUCCESS);
    return h;
}

static void keys_json(char *out, size_t size, const char *rel, const char *extra)
{
    char key[256];
    snprintf(key, sizeof key, "HKCU\\%s%s%s", base_sub, *rel ? "\\" : "", rel);
    cJSON *s = cJSON_CreateString(key);
    char *j = cJSON_PrintUnformatted(s);
    snprintf(out, size, "{\"keys\": [%s]%s}", j, extra);
    free(j);
    cJSON_Delete(s);
}

static void test_data_types(void **st)
{
    (void)st;
    new_base("types");
    HKEY h = make_key("");
    char json[512], key[256];
    keys_json(json, sizeof json, "", "");
    snprintf(key, sizeof key, "HKCU\\%s", base_sub);
    fixture f;
    start(&f, json);
    const wchar_t multi[] = L"one\0two\0";   /* + the literal's own NUL: the list's final NUL */
    assert_int_equal(RegSetValueExW(h, L"Multi", 0, REG_MULTI_SZ, (const BYTE *)multi, sizeof multi), ERROR_SUCCESS);
    unsigned long long q = 5000000000ull;
    assert_int_equal(RegSetValueExW(h, L"Big", 0, REG_QWORD, (const BYTE *)&q, sizeof q), ERROR_SUCCESS);
    const wchar_t exp[] = L"%SystemRoot%\\x";
    assert_int_equal(RegSetValueExW(h, L"Exp", 0, REG_EXPAND_SZ, (const BYTE *)exp, sizeof exp), ERROR_SUCCESS);
    const BYTE bin[3] = { 0x00, 0x7f, 0xff };
    assert_int_equal(RegSetValueExW(h, L"Bin", 0, REG_BINARY, bin, sizeof bin), ERROR_SUCCESS);
    const wchar_t uni[] = L"caf\x00e9 \x65e5";
    assert_int_equal(RegSetValueExW(h, L"N\x00e4me", 0, REG_SZ, (const BYTE *)uni, sizeof uni), ERROR_SUCCESS);
    rec *r;
    r = &f.k.items[wait_for(&f.k, "registry.value_set", key, "Multi")];
    assert_string_equal(r->data, "one\ntwo");
    assert_string_equal(r->data_type, "REG_MULTI_SZ");
    r = &f.k.items[wait_for(&f.k, "registry.value_set", key, "Big")];
    assert_string_equal(r->data, "5000000000");
    assert_string_equal(r->data_type, "REG_QWORD");
    r = &f.k.items[wait_for(&f.k, "registry.value_set", key, "Exp")];
    assert_string_equal(r->data, "%SystemRoot%\\x");
    assert_string_equal(r->data_type, "REG_EXPAND_SZ");
    r = &f.k.items[wait_for(&f.k, "registry.value_set", key, "Bin")];
    assert_string_equal(r->data, "007fff");
    r = &f.k.items[wait_for(&f.k, "registry.value_set", key, "N\xc3\xa4me")];
    assert_string_equal(r->data, "caf\xc3\xa9 \xe6\x97\xa5");
    finish(&f);
    RegCloseKey(h);
    RegDeleteTreeA(HKEY_CURRENT_USER, base_sub);
}

static void test_not_recursive(void **st)
{
    (void)st;
    new_base("flat");
    HKEY h = make_key("");
    char json[512], key[256], subkey[300];
    keys_json(json, sizeof json, "", ", \"recursive\": false");
    snprintf(key, sizeof key, "HKCU\\%s", base_sub);
    snprintf(subkey, sizeof subkey, "%s\\Child", key);
    fixture f;
    start(&f, json);
    HKEY c = make_key("Child");
    wait_for(&f.k, "registry.key_created", subkey, NULL);
    assert_int_equal(RegSetValueExA(c, "Deep", 0, REG_SZ, (const BYTE *)"x", 2), ERROR_SUCCESS);
    /* a later change to the key itself: once it is seen, the earlier one inside Child was not reported */
    assert_int_equal(RegSetValueExA(h, "Top", 0, REG_SZ, (const BYTE *)"y", 2), ERROR_SUCCESS);
    wait_for(&f.k, "registry.value_set", key, "Top");
    assert_int_equal(find(&f.k, 0, "registry.value_set", NULL, "Deep"), -1);
    RegCloseKey(c);
    assert_int_equal(RegDeleteTreeA(h, "Child"), ERROR_SUCCESS);
    wait_for(&f.k, "registry.key_deleted", subkey, NULL);
    finish(&f);
    RegCloseKey(h);
    RegDeleteTreeA(HKEY_CURRENT_USER, base_sub);
}

static void test_missing_key_appears(void **st)
{
    (void)st;
    new_base("late");
    char json[512], key[256];
    keys_json(json, sizeof json, "A\\B\\C", ", \"recursive\": true");
    snprintf(key, sizeof key, "HKCU\\%s\\A\\B\\C", base_sub);
    fixture f;
    start(&f, json);                           /* neither the base nor A\B\C exists */
    HKEY a = make_key("A");                    /* one level at a time: the ancestor watch moves down */
    RegCloseKey(a);
    HKEY c = make_key("A\\B\\C");
    assert_int_equal(RegSetValueExA(c, "V", 0, REG_DWORD, (const BYTE *)"\x07\0\0\0", 4), ERROR_SUCCESS);
    wait_for(&f.k, "registry.key_created", key, NULL);
    rec *r = &f.k.items[wait_for(&f.k, "registry.value_set", key, "V")];
    assert_string_equal(r->data, "7");
    assert_string_equal(r->data_type, "REG_DWORD");
    assert_int_equal(find(&f.k, 0, "registry.key_created", NULL, NULL), find(&f.k, 0, "registry.key_created", key, NULL));
    RegCloseKey(c);
    finish(&f);
    RegDeleteTreeA(HKEY_CURRENT_USER, base_sub);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Prints (does not assert) the time from RegSetValueExW to the event on a recursive watch over
 * `nkeys` subkeys: each signal re-reads the whole subtree, so this is one snapshot + diff. */
static void measure_latency(int nkeys)
{
    char tag[32];
    snprintf(tag, sizeof tag, "lat%d", nkeys);
    new_base(tag);
    HKEY h = make_key("");
    char name[32];
    for (int i = 0; i < nkeys; i++) {
        snprintf(name, sizeof name, "k%04d", i);
        HKEY c = make_key(name);
        RegSetValueExA(c, "v", 0, REG_SZ, (const BYTE *)"x", 2);
        RegCloseKey(c);
    }
    char json[512], key[256];
    keys_json(json, sizeof json, "", ", \"recursive\": true");
    snprintf(key, sizeof key, "HKCU\\%s", base_sub);
    fixture f;
    start(&f, json);
    enum { N = 30 };
    uint64_t lat[N];
    for (int i = 0; i < N; i++) {
        char val[32];
        snprintf(val, sizeof val, "L%d", i);
        uint64_t t0 = plat_monotonic_ns();
        assert_int_equal(RegSetValueExA(h, val, 0, REG_SZ, (const BYTE *)"y", 2), ERROR_SUCCESS);
        while (find(&f.k, 0, "registry.value_set", key, val) < 0) plat_sleep_ms(1);
        lat[i] = plat_monotonic_ns() - t0;
    }
    qsort(lat, N, sizeof lat[0], cmp_u64);
    fprintf(stderr, "registry latency, recursive watch over %d keys: median %.2f ms, max %.2f ms (%d changes)\n",
            nkeys + 1, (double)lat[N / 2] / 1e6, (double)lat[N - 1] / 1e6, N);
    finish(&f);
    RegCloseKey(h);
    RegDeleteTreeA(HKEY_CURRENT_USER, base_sub);
}

static void test_latency_figure(void **st)
{
    (void)st;
    measure_latency(0);
    measure_latency(1000);
}

static void test_option_errors(void **st)
{
    (void)st;
    char err[512] = "";
    fixture f;
    load(&f);
    assert_int_equal(create(&f, "{\"keys\": [\"HKCU\\\\Software\", \"HKEY_LOCAL_MACHIN\\\\Software\"]}", err, sizeof err), WEE_ECONFIG);
    assert_non_null(strstr(err, "keys[1]: \"HKEY_LOCAL_MACHIN\\Software\" does not start with a known root"));
    assert_non_null(strstr(err, "HKU (HKEY_USERS)"));
    options_tree_free(f.tree);
    f.tree = NULL;
    /* the same key in both forms and another case */
    assert_int_equal(create(&f, "{\"keys\": [\"HKCU\\\\Software\\\\Dup\", \"HKEY_CURRENT_USER\\\\software\\\\DUP\\\\\"]}",
                            err, sizeof err), WEE_ECONFIG);
    assert_non_null(strstr(err, "keys[1]: HKCU\\software\\DUP is already watched by keys[0]"));
    options_tree_free(f.tree);
    f.tree = NULL;
    char many[4096] = "{\"keys\": [";
    for (int i = 0; i < 32; i++) {
        char one[64];
        snprintf(one, sizeof one, "%s\"HKCU\\\\Software\\\\K%d\"", i ? "," : "", i);
        strcat(many, one);
    }
    strcat(many, "]}");
    assert_int_equal(create(&f, many, err, sizeof err), WEE_ECONFIG);
    assert_non_null(strstr(err, "keys: 32 keys, at most 31 per source"));
    finish(&f);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_types),
        cmocka_unit_test(test_not_recursive),
        cmocka_unit_test(test_missing_key_appears),
        cmocka_unit_test(test_option_errors),
        cmocka_unit_test(test_latency_figure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
static void test_registry_is_windows_only(void **st)
{
    (void)st;
    skip();   /* no registry here: the module is built on Windows only */
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_registry_is_windows_only) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
