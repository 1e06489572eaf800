/*
 * field_traits: the registry of what modules declare about their events' fields (ABI 1.3). Traits of a
 * field two modules declare are the union; removing a module takes its declarations (and its
 * normaliser) away; normalisers run in load order and may need more room than the text; aliases name
 * the field; an entry from an older, shorter wee_field_spec reads its missing members as 0/NULL; a
 * table whose struct_size cannot reach `name` ends there.
 */
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "field_traits.h"

/* Grows the text far past the host's first buffer (strlen + 64) to force the second call. */
static size_t long_prefix(const char *text, char *out, size_t size)
{
    char prefix[200];
    memset(prefix, 'x', sizeof prefix - 1);
    prefix[sizeof prefix - 1] = '\0';
    int n = snprintf(out, size, "%s%s", prefix, text);
    return n < 0 ? 0 : (size_t)n;
}

static size_t upper_first(const char *text, char *out, size_t size)
{
    int n = snprintf(out, size, "%s", text);
    if (size > 1 && out[0] >= 'a' && out[0] <= 'z') out[0] = (char)(out[0] - 32);
    return n < 0 ? 0 : (size_t)n;
}

static const wee_field_spec mod_a[] = {
    WEE_FIELD(.name = "where", .traits = WEE_FIELD_PATH, .normalise = upper_first, .alias = "WHERE_ALIAS"),
    WEE_FIELD(.name = "who"),
    WEE_FIELD_END
};
static const wee_field_spec mod_b[] = {
    WEE_FIELD(.name = "where", .traits = WEE_FIELD_CASELESS_ON_WINDOWS, .normalise = long_prefix),
    WEE_FIELD_END
};

static void test_union_remove_normalise_alias(void **state)
{
    (void)state;
    assert_int_equal(field_traits_of("where"), 0);
    assert_int_equal(field_traits_add("a", mod_a), 0);
    assert_int_equal(field_traits_of("where"), WEE_FIELD_PATH);
    assert_int_equal(field_traits_add("b", mod_b), 0);
    assert_int_equal(field_traits_of("where"), WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS);
    assert_int_equal(field_traits_of("who"), 0);
    assert_true(field_traits_is_path("where"));
    assert_false(field_traits_is_path("who"));
#ifdef _WIN32
    assert_true(field_traits_caseless(field_traits_of("where")));
#else
    assert_false(field_traits_caseless(field_traits_of("where")));
#endif

    int oom = 1;
    char *n = field_traits_normalise("where", "abc", &oom);   /* a's, then b's (load order) */
    assert_non_null(n);
    assert_int_equal(oom, 0);
    assert_int_equal(strlen(n), 199 + 3);
    assert_string_equal(n + 199, "Abc");
    free(n);
    assert_null(field_traits_normalise("who", "abc", &oom));  /* no normaliser: use the text as is */
    assert_int_equal(oom, 0);

    char name[32];
    assert_true(field_traits_alias("WHERE_ALIAS", name, sizeof name));
    assert_string_equal(name, "where");
    assert_false(field_traits_alias("WHERE_ALIAS", name, 3));  /* does not fit: not found */
    assert_false(field_traits_alias("NOPE", name, sizeof name));

    field_traits_remove("a");
    assert_int_equal(field_traits_of("where"), WEE_FIELD_CASELESS_ON_WINDOWS);
    assert_false(field_traits_alias("WHERE_ALIAS", name, sizeof name));
    n = field_traits_normalise("where", "abc", &oom);
    assert_non_null(n);
    assert_string_equal(n + 199, "abc");                    /* a's normaliser is gone with a */
    free(n);
    assert_false(field_traits_is_path("where"));            /* the path trait was a's */
    field_traits_remove("b");
    assert_int_equal(field_traits_of("where"), 0);
    assert_null(field_traits_normalise("where", "abc", &oom));
}

/* What a module built against a shorter wee_field_spec hands over: name and traits only. */
typedef struct short_spec { uint32_t struct_size; const char *name; uint32_t traits; } short_spec;

static void test_older_and_broken_tables(void **state)
{
    (void)state;
    static const short_spec older[] = {
        { sizeof(short_spec), "old_path_field", WEE_FIELD_PATH },
        { sizeof(short_spec), "old_plain", 0 },
        { sizeof(short_spec), NULL, 0 },
    };
    assert_int_equal(field_traits_add("old", (const wee_field_spec *)(const void *)older), 0);
    assert_int_equal(field_traits_of("old_path_field"), WEE_FIELD_PATH);
    int oom = 0;
    assert_null(field_traits_normalise("old_path_field", "x", &oom));  /* no normalise member: none */
    char name[32];
    assert_false(field_traits_alias("old_plain", name, sizeof name));
    field_traits_remove("old");

    /* struct_size 0 would never step: the table ends there instead of looping. */
    static const wee_field_spec broken[] = { { .struct_size = 0, .name = "never", .traits = WEE_FIELD_PATH } };
    assert_int_equal(field_traits_add("broken", broken), 0);
    assert_int_equal(field_traits_of("never"), 0);
    field_traits_remove("broken");
    assert_int_equal(field_traits_add("none", NULL), 0);
}

static const wee_field_spec mod_subject[] = {
    WEE_FIELD(.name = "path", .traits = WEE_FIELD_PATH | WEE_FIELD_SUBJECT),
    WEE_FIELD(.name = "dir", .traits = WEE_FIELD_PATH),
    WEE_FIELD(.name = "key", .traits = WEE_FIELD_SUBJECT),
    WEE_FIELD_END
};
static const wee_field_spec mod_subject2[] = {
    WEE_FIELD(.name = "key", .traits = WEE_FIELD_SUBJECT),
    WEE_FIELD(.name = "dir", .traits = WEE_FIELD_SUBJECT),
    WEE_FIELD_END
};

/* field_traits_names_with: every name field_traits_of gives one of the traits, once each, in
 * declaration order; a removed module's names go with it. */
static void test_names_with(void **state)
{
    (void)state;
    char **names = field_traits_names_with(WEE_FIELD_SUBJECT);
    assert_non_null(names);
    assert_null(names[0]);
    free(names);
    assert_int_equal(field_traits_add("s1", mod_subject), 0);
    assert_int_equal(field_traits_add("s2", mod_subject2), 0);
    names = field_traits_names_with(WEE_FIELD_SUBJECT);
    assert_non_null(names);
    assert_string_equal(names[0], "path");
    assert_string_equal(names[1], "key");
    assert_string_equal(names[2], "dir");
    assert_null(names[3]);
    for (size_t i = 0; names[i]; i++) assert_true(field_traits_of(names[i]) & WEE_FIELD_SUBJECT);
    free(names);
    field_traits_remove("s2");
    names = field_traits_names_with(WEE_FIELD_SUBJECT);
    assert_non_null(names);
    assert_string_equal(names[0], "path");
    assert_string_equal(names[1], "key");
    assert_null(names[2]);
    free(names);
    field_traits_remove("s1");
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_union_remove_normalise_alias),
        cmocka_unit_test(test_older_and_broken_tables),
        cmocka_unit_test(test_names_with),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
