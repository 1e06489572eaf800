/*
 * registry source, portable part (runs natively and under Wine): key path parsing (both root forms,
 * bad roots named with the valid list), the text form of value data for every type with its bounds,
 * and the snapshot diff (created/deleted keys and values, changed data or type, case-insensitive
 * names, parent-before-child order, watched key appearing/disappearing, truncated snapshots).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "reg_data.h"
#include "reg_path.h"
#include "reg_snapshot.h"

/* ---- key paths ---- */
static void test_path_forms(void **s)
{
    (void)s;
    char out[256], err[512];
    reg_root r;
    assert_int_equal(reg_path_parse("HKEY_CURRENT_USER\\Software\\Foo", "keys[0]", &r, out, sizeof out, err, sizeof err), 0);
    assert_int_equal(r, REG_ROOT_HKCU);
    assert_string_equal(out, "HKCU\\Software\\Foo");
    assert_string_equal(reg_path_subkey(out), "Software\\Foo");
    assert_int_equal(reg_path_parse("hklm\\SOFTWARE\\\\Bar\\", "keys[1]", &r, out, sizeof out, err, sizeof err), 0);
    assert_int_equal(r, REG_ROOT_HKLM);
    assert_string_equal(out, "HKLM\\SOFTWARE\\Bar");
    assert_int_equal(reg_path_parse("HKEY_USERS", "k", &r, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "HKU");
    assert_string_equal(reg_path_subkey(out), "");
    assert_int_equal(reg_path_parse("HKCR\\.txt", "k", &r, out, sizeof out, err, sizeof err), 0);
    assert_int_equal(r, REG_ROOT_HKCR);
    assert_int_equal(reg_path_parse("HKEY_CURRENT_CONFIG\\System", "k", &r, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "HKCC\\System");
}

static void test_path_errors(void **s)
{
    (void)s;
    char out[64], err[512];
    reg_root r;
    assert_int_equal(reg_path_parse("HKXX\\Software", "keys[2]", &r, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "keys[2]"));
    assert_non_null(strstr(err, "\"HKXX\""));
    assert_non_null(strstr(err, "HKCU (HKEY_CURRENT_USER)"));
    assert_non_null(strstr(err, "HKCC (HKEY_CURRENT_CONFIG)"));
    assert_int_equal(reg_path_parse("Software\\Foo", "keys[0]", &r, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"Software\""));
    assert_int_equal(reg_path_parse("", "keys[3]", &r, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "keys[3]: empty key"));
    /* HKCUX is not HKCU */
    assert_int_equal(reg_path_parse("HKCUX\\A", "k", &r, out, sizeof out, err, sizeof err), -1);
    char longkey[200];
    memset(longkey, 'a', sizeof longkey);
    memcpy(longkey, "HKCU\\", 5);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(reg_path_parse(longkey, "keys[4]", &r, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "keys[4]: key"));
}

/* ---- data text ---- */
static const char *fmt(uint32_t type, const void *d, size_t n, int cut)
{
    static char out[REG_DATA_TEXT_BUF];
    reg_data_format(type, d, n, cut, out);
    return out;
}

static void test_data_text(void **s)
{
    (void)s;
    char tb[32];
    assert_string_equal(fmt(REGT_SZ, "hello\0", 6, 0), "hello");
    assert_string_equal(fmt(REGT_SZ, "no-nul", 6, 0), "no-nul");
    assert_string_equal(fmt(REGT_EXPAND_SZ, "%TEMP%\\x", 8, 0), "%TEMP%\\x");
    assert_string_equal(fmt(REGT_SZ, "", 0, 0), "");
    assert_string_equal(fmt(REGT_MULTI_SZ, "one\0two\0\0", 9, 0), "one\ntwo");
    assert_string_equal(fmt(REGT_MULTI_SZ, "one\0two", 7, 0), "one\ntwo");
    assert_string_equal(fmt(REGT_MULTI_SZ, "\0", 1, 0), "");
    const unsigned char dw[4] = { 0x2a, 0, 0, 0 }, dwmax[4] = { 0xff, 0xff, 0xff, 0xff };
    assert_string_equal(fmt(REGT_DWORD, dw, 4, 0), "42");
    assert_string_equal(fmt(REGT_DWORD, dwmax, 4, 0), "4294967295");
    const unsigned char be[4] = { 0, 0, 1, 0 };
    assert_string_equal(fmt(REGT_DWORD_BIG_ENDIAN, be, 4, 0), "256");
    const unsigned char qw[8] = { 0, 0, 0, 0, 1, 0, 0, 0 };
    assert_string_equal(fmt(REGT_QWORD, qw, 8, 0), "4294967296");
    const unsigned char qmax[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    assert_string_equal(fmt(REGT_QWORD, qmax, 8, 0), "18446744073709551615");
    assert_string_equal(fmt(REGT_DWORD, dw, 2, 0), "2a00");          /* wrong size: bytes as hex */
    const unsigned char bin[4] = { 0xde, 0xad, 0x00, 0x0f };
    assert_string_equal(fmt(REGT_BINARY, bin, 4, 0), "dead000f");
    assert_string_equal(fmt(REGT_NONE, bin, 0, 0), "");
    assert_string_equal(fmt(99, bin, 1, 0), "de");
    assert_string_equal(reg_type_name(REGT_SZ, tb, sizeof tb), "REG_SZ");
    assert_string_equal(reg_type_name(REGT_QWORD, tb, sizeof tb), "REG_QWORD");
    assert_string_equal(reg_type_name(REGT_MULTI_SZ, tb, sizeof tb), "REG_MULTI_SZ");
    assert_string_equal(reg_type_name(REGT_DWORD, tb, sizeof tb), "REG_DWORD");
    assert_string_equal(reg_type_name(REGT_BINARY, tb, sizeof tb), "REG_BINARY");
    assert_string_equal(reg_type_name(77, tb, sizeof tb), "REG_TYPE_77");
    assert_string_equal(fmt(REGT_SZ, "abc", 3, 1), "abc...");       /* only a prefix was kept */
}

static void test_data_bounds(void **s)
{
    (void)s;
    unsigned char big[3000];
    memset(big, 0xab, sizeof big);
    const char *t = fmt(REGT_BINARY, big, sizeof big, 0);
    assert_int_equal(strlen(t), REG_DATA_TEXT_MAX + 3);
    assert_string_equal(t + REG_DATA_TEXT_MAX, "...");
    assert_int_equal(t[0], 'a');
    /* A string of 2-byte UTF-8 characters is cut on a character boundary. */
    char u[2101];
    for (int i = 0; i < 2100; i += 2) { u[i] = (char)0xC3; u[i + 1] = (char)0xA9; }
    u[2100] = 'x';
    t = fmt(REGT_SZ, u, sizeof u, 0);
    size_t n = strlen(t) - 3;
    assert_true(n <= REG_DATA_TEXT_MAX);
    assert_int_equal(n % 2, 0);
    assert_string_equal(t + n, "...");
    /* Exactly at the bound: no marker. */
    memset(u, 'z', REG_DATA_TEXT_MAX);
    t = fmt(REGT_SZ, u, REG_DATA_TEXT_MAX, 0);
    assert_int_equal(strlen(t), REG_DATA_TEXT_MAX);
}

/* ---- snapshot diff ---- */
typedef struct change { reg_change_kind kind; char key[128]; char value[64]; char data[64]; uint32_t type; } change;
typedef struct changes { change items[64]; size_t n; } changes;

static void collect(void *ctx, reg_change_kind kind, const char *key, const reg_value *v)
{
    changes *c = ctx;
    assert_true(c->n < 64);
    change *x = &c->items[c->n++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    snprintf(x->key, sizeof x->key, "%s", key);
    if (v) {
        char text[REG_DATA_TEXT_BUF];
        reg_data_format(v->type, v->data, v->kept, v->kept < v->size, text);
        snprintf(x->value, sizeof x->value, "%s", v->name);
        snprintf(x->data, sizeof x->data, "%.63s", text);
        x->type = v->type;
    }
}

static void expect(const changes *c, size_t i, reg_change_kind kind, const char *key, const char *value, const char *data)
{
    assert_true(i < c->n);
    assert_int_equal(c->items[i].kind, kind);
    assert_string_equal(c->items[i].key, key);
    if (value) assert_string_equal(c->items[i].value, value);
    if (data) assert_string_equal(c->items[i].data, data);
}

static void sz(reg_snapshot *s, long k, const char *name, const char *text)
{
    assert_int_equal(reg_snapshot_add_value(s, (size_t)k, name, REGT_SZ, text, strlen(text) + 1), 0);
}

static void dword(reg_snapshot *s, long k, const char *name, uint32_t v)
{
    unsigned char d[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
    assert_int_equal(reg_snapshot_add_value(s, (size_t)k, name, REGT_DWORD, d, 4), 0);
}

static void test_diff_values(void **st)
{
    (void)st;
    reg_snapshot *a = reg_snapshot_new(100, 100), *b = reg_snapshot_new(100, 100);
    long ka = reg_snapshot_add_key(a, "");
    sz(a, ka, "Keep", "same");
    sz(a, ka, "Change", "old");
    sz(a, ka, "Gone", "bye");
    dword(a, ka, "Retyped", 7);
    sz(a, ka, "", "default-old");
    long kb = reg_snapshot_add_key(b, "");
    sz(b, kb, "New", "fresh");
    sz(b, kb, "change", "new");          /* names are case-insensitive: the same value */
    sz(b, kb, "Keep", "same");
    sz(b, kb, "Retyped", "7");
    sz(b, kb, "", "default-new");
    reg_snapshot_finish(a);
    reg_snapshot_finish(b);
    changes c = { .n = 0 };
    reg_snapshot_diff(a, b, collect, &c);
    assert_int_equal(c.n, 5);
    expect(&c, 0, REG_VALUE_SET, "", "", "default-new");
    expect(&c, 1, REG_VALUE_SET, "", "change", "new");
    expect(&c, 2, REG_VALUE_DELETED, "", "Gone", "bye");   /* the old data rides along */
    expect(&c, 3, REG_VALUE_SET, "", "New", "fresh");
    expect(&c, 4, REG_VALUE_SET, "", "Retyped", "7");
    assert_int_equal(c.items[4].type, REGT_SZ);
    /* Diffing a snapshot against an identical one reports nothing. */
    c.n = 0;
    reg_snapshot_diff(b, b, collect, &c);
    assert_int_equal(c.n, 0);
    reg_snapshot_free(a);
    reg_snapshot_free(b);
}

static void test_diff_keys_order(void **st)
{
    (void)st;
    reg_snapshot *a = reg_snapshot_new(100, 100), *b = reg_snapshot_new(100, 100);
    /* added out of order on purpose: finish sorts */
    long k;
    k = reg_snapshot_add_key(a, "Old\\Child"); sz(a, k, "x", "1");
    reg_snapshot_add_key(a, "");
    reg_snapshot_add_key(a, "Old");
    reg_snapshot_add_key(a, "Stay");
    reg_snapshot_add_key(b, "");
    reg_snapshot_add_key(b, "STAY");
    k = reg_snapshot_add_key(b, "New"); dword(b, k, "n", 42);
    k = reg_snapshot_add_key(b, "New\\Sub"); sz(b, k, "", "d");
    k = reg_snapshot_add_key(b, "New-Sibling");
    reg_snapshot_finish(a);
    reg_snapshot_finish(b);
    changes c = { .n = 0 };
    reg_snapshot_diff(a, b, collect, &c);
    assert_int_equal(c.n, 7);
    expect(&c, 0, REG_KEY_CREATED, "New", NULL, NULL);
    expect(&c, 1, REG_VALUE_SET, "New", "n", "42");
    expect(&c, 2, REG_KEY_CREATED, "New\\Sub", NULL, NULL);   /* subtree right after its parent */
    expect(&c, 3, REG_VALUE_SET, "New\\Sub", "", "d");
    expect(&c, 4, REG_KEY_CREATED, "New-Sibling", NULL, NULL);
    expect(&c, 5, REG_KEY_DELETED, "Old", NULL, NULL);
    expect(&c, 6, REG_KEY_DELETED, "Old\\Child", NULL, NULL); /* its value x is not reported alone */
    reg_snapshot_free(a);
    reg_snapshot_free(b);
}

static void test_diff_root_appears_and_goes(void **st)
{
    (void)st;
    reg_snapshot *none = reg_snapshot_new(10, 10), *some = reg_snapshot_new(10, 10);
    reg_snapshot_finish(none);
    long k = reg_snapshot_add_key(some, "");
    sz(some, k, "v", "1");
    reg_snapshot_add_key(some, "a");
    reg_snapshot_finish(some);
    assert_false(reg_snapshot_has_root(none));
    assert_true(reg_snapshot_has_root(some));
    changes c = { .n = 0 };
    reg_snapshot_diff(none, some, collect, &c);
    assert_int_equal(c.n, 3);
    expect(&c, 0, REG_KEY_CREATED, "", NULL, NULL);
    expect(&c, 1, REG_VALUE_SET, "", "v", "1");
    expect(&c, 2, REG_KEY_CREATED, "a", NULL, NULL);
    c.n = 0;
    reg_snapshot_diff(some, none, collect, &c);
    assert_int_equal(c.n, 2);
    expect(&c, 0, REG_KEY_DELETED, "", NULL, NULL);
    expect(&c, 1, REG_KEY_DELETED, "a", NULL, NULL);
    c.n = 0;
    reg_snapshot_diff(NULL, some, collect, &c);
    assert_int_equal(c.n, 3);
    reg_snapshot_free(none);
    reg_snapshot_free(some);
}

static void test_diff_large_value(void **st)
{
    (void)st;
    size_t n = REG_SNAPSHOT_KEEP + 100;
    unsigned char *d = malloc(n);
    memset(d, 1, n);
    reg_snapshot *a = reg_snapshot_new(10, 10), *b = reg_snapshot_new(10, 10);
    long ka = reg_snapshot_add_key(a, ""), kb = reg_snapshot_add_key(b, "");
    assert_int_equal(reg_snapshot_add_value(a, (size_t)ka, "blob", REGT_BINARY, d, n), 0);
    d[n - 1] = 2;   /* differs only past the kept prefix */
    assert_int_equal(reg_snapshot_add_value(b, (size_t)kb, "blob", REGT_BINARY, d, n), 0);
    reg_snapshot_finish(a);
    reg_snapshot_finish(b);
    assert_int_equal(a->keys[0].values[0].kept, REG_SNAPSHOT_KEEP);
    changes c = { .n = 0 };
    reg_snapshot_diff(a, b, collect, &c);
    assert_int_equal(c.n, 1);
    expect(&c, 0, REG_VALUE_SET, "", "blob", NULL);
    char text[REG_DATA_TEXT_BUF];
    const reg_value *v = &b->keys[0].values[0];
    reg_data_format(v->type, v->data, v->kept, v->kept < v->size, text);
    assert_string_equal(text + strlen(text) - 3, "...");
    free(d);
    reg_snapshot_free(a);
    reg_snapshot_free(b);
}

static void test_truncated_snapshots(void **st)
{
    (void)st;
    /* Key bound: the 4th key is refused and the snapshot marked truncated. */
    reg_snapshot *a = reg_snapshot_new(3, 100), *b = reg_snapshot_new(3, 100);
    assert_int_equal(reg_snapshot_add_key(a, ""), 0);
    assert_int_equal(reg_snapshot_add_key(a, "a"), 1);
    assert_int_equal(reg_snapshot_add_key(a, "b"), 2);
    assert_int_equal(reg_snapshot_add_key(a, "c"), -1);
    assert_true(a->truncated);
    /* b saw a new key "a0" that pushed "b" out of its bound: "b" is not reported deleted. */
    reg_snapshot_add_key(b, "");
    reg_snapshot_add_key(b, "a");
    reg_snapshot_add_key(b, "a0");
    assert_int_equal(reg_snapshot_add_key(b, "b"), -1);
    reg_snapshot_finish(a);
    reg_snapshot_finish(b);
    changes c = { .n = 0 };
    reg_snapshot_diff(a, b, collect, &c);
    assert_int_equal(c.n, 1);
    expect(&c, 0, REG_KEY_CREATED, "a0", NULL, NULL);
    reg_snapshot_free(a);
    reg_snapshot_free(b);

    /* Value bound: a subkey that cannot hold all its values is left out whole; the watched key keeps
     * what fit. */
    reg_snapshot *v = reg_snapshot_new(10, 3);
    long r = reg_snapshot_add_key(v, "");
    sz(v, r, "a", "1");
    sz(v, r, "b", "2");
    long k = reg_snapshot_add_key(v, "sub");
    sz(v, k, "c", "3");
    assert_int_equal(reg_snapshot_add_value(v, (size_t)k, "d", REGT_SZ, "4", 2), -1);
    assert_true(v->truncated);
    assert_int_equal(v->nkeys, 1);
    assert_int_equal(v->total_values, 2);
    assert_int_equal(reg_snapshot_add_key(v, "zzz"), -1);
    reg_snapshot_finish(v);
    assert_true(reg_snapshot_has_root(v));
    reg_snapshot_free(v);
}

static void test_path_compare(void **st)
{
    (void)st;
    assert_int_equal(reg_path_compare("Run", "run"), 0);
    assert_true(reg_path_compare("a\\b", "a-b") < 0);   /* a key's subtree before its siblings */
    assert_true(reg_path_compare("a", "a\\b") < 0);
    assert_true(reg_path_compare("", "a") < 0);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_forms),
        cmocka_unit_test(test_path_errors),
        cmocka_unit_test(test_data_text),
        cmocka_unit_test(test_data_bounds),
        cmocka_unit_test(test_diff_values),
        cmocka_unit_test(test_diff_keys_order),
        cmocka_unit_test(test_diff_root_appears_and_goes),
        cmocka_unit_test(test_diff_large_value),
        cmocka_unit_test(test_truncated_snapshots),
        cmocka_unit_test(test_path_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
