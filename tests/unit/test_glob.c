/* glob: wildcards, ** segments, classes, escapes, case folding, either separator, hostile patterns. */
#include <string.h>
#include "test_support.h"
#include "platform/platform.h"
#include "util/glob.h"

#define P GLOB_PATH
#define M(p, t, f) assert_true(glob_match((p), (t), (f)))
#define N(p, t, f) assert_false(glob_match((p), (t), (f)))

static void test_star_and_question(void **s)
{
    (void)s;
    M("*.exe", "setup.exe", 0); N("*.exe", "setup.exe.txt", 0);
    M("*", "", 0); M("", "", 0); N("", "a", 0);
    M("?at", "cat", 0); N("?at", "at", 0);
    M("a*b*c", "aXXbYYc", 0); N("a*b*c", "aXXbYY", 0);
    M("file.*", "file.created", 0); N("file.*", "window.created", 0);
    M("*.exe", "dir/sub/a.exe", 0);      /* without GLOB_PATH '*' crosses '/' */
    N("*.exe", "dir/sub/a.exe", P);      /* with it, it does not */
}

static void test_double_star(void **s)
{
    (void)s;
    M("a/**/c", "a/c", P); M("a/**/c", "a/b/c", P); M("a/**/c", "a/b/x/c", P); N("a/**/c", "a/b/x/d", P);
    M("a/**", "a/b/c", P); M("a/**", "a", P);
    M("**/x.csv", "x.csv", P); M("**/x.csv", "d/e/x.csv", P); M("**.csv", "d/e/x.csv", P);
    M("**/a/**/b/**/c", "x/a/y/b/z/c", P);
    M("/home/*/Downloads/**/rep*3.csv", "/home/user/Downloads/2026/q1/report3.csv", P);
    N("/home/*/Downloads/**/rep*3.csv", "/home/user/Downloads/2026/q1/report4.csv", P);
    N("/home/*/Downloads/*.csv", "/home/user/x/Downloads/a.csv", P);
}

static void test_classes_and_escapes(void **s)
{
    (void)s;
    M("[ch]at", "hat", 0); N("[ch]at", "bat", 0);
    M("[a-c]x", "bx", 0); N("[a-c]x", "dx", 0);
    N("[!c]at", "cat", 0); M("[!c]at", "bat", 0); M("[^c]at", "bat", 0);
    M("[abc", "[abc", 0);                /* unclosed class is literal */
    M("\\*x", "*x", 0); N("\\*x", "ax", 0);
    N("a[/]b", "a/b", P);                /* a class never matches a separator in path mode */
}

static void test_case_and_separators(void **s)
{
    (void)s;
    N("*.exe", "SETUP.EXE", 0);
    M("*.exe", "SETUP.EXE", GLOB_CASEFOLD);
    M("C:\\Users\\*\\*.exe", "c:/users/me/a.EXE", P | GLOB_PATHSEP_ANY | GLOB_CASEFOLD);
    M("C:/Users/**/*.msi", "C:\\Users\\me\\Downloads\\x.msi", P | GLOB_PATHSEP_ANY);
    assert_true(glob_is_literal("file.created"));
    assert_false(glob_is_literal("file.*"));
}

/* '?' and classes take one character: a whole UTF-8 sequence, or one byte that is not valid UTF-8
 * (POSIX file names may hold any byte). */
static void test_utf8_and_invalid_bytes(void **s)
{
    (void)s;
    M("?.sh", "\xc3\xa9.sh", P); N("??.sh", "\xc3\xa9.sh", P);      /* é is one character */
    M("?.sh", "\xff.sh", P); M("*.sh", "\xff.sh", P); M("*.sh", "a\xff\xfe" "b.sh", P);
    M("??.sh", "\xff\xfe.sh", P);                                      /* two invalid bytes: two characters */
    M("[!a].sh", "\xe2\x82\xac.sh", P);                                /* € */
    M("[\xe2\x82\xac$].sh", "\xe2\x82\xac.sh", 0); N("[\xe2\x82\xac$].sh", "\xe2\x82\xad.sh", 0);
    M("[\xc3\xa0-\xc3\xbf]x", "\xc3\xa9x", 0); N("[a-z]x", "\xc3\xa9x", 0);
    N("[\xc3\xa0-\xc3\xbf]x", "\xffx", 0);                               /* an invalid byte is in no range */
    M("*?x", "\xc3\xa9x", 0); N("*??x", "\xc3\xa9x", 0);                  /* a star never splits a character */
    M("a/*/b", "a/\xc3\xa9\xff/b", P); M("a/**/b", "a/\xff/\xc3\xa9/b", P);
    M("\xed\xa0\x80?", "\xed\xa0\x80\xff", 0);                            /* a surrogate is three invalid bytes */
    N("?", "\xed\xa0\x80", 0); N("?", "\xc0\xaf", 0);                     /* surrogate, overlong '/' */
}

static void test_hostile_patterns_are_fast(void **s)
{
    (void)s;
    char text[4096];
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    uint64_t t0 = plat_monotonic_ns();
    N("*a*a*a*a*a*a*a*a*a*a*b", text, 0);
    N("**a**a**a**a**a**a**b", text, P);
    /* polynomial, not exponential: an exponential matcher would not finish at all on 4 KB */
    assert_true(plat_monotonic_ns() - t0 < 30ull * 1000000000ull);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_star_and_question),
        cmocka_unit_test(test_double_star),
        cmocka_unit_test(test_classes_and_escapes),
        cmocka_unit_test(test_case_and_separators),
        cmocka_unit_test(test_utf8_and_invalid_bytes),
        cmocka_unit_test(test_hostile_patterns_are_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
