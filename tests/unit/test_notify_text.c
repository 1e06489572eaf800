/* notify_text_clean: what event text becomes before it reaches D-Bus (which aborts the process on
 * invalid UTF-8) or the Windows shell: valid UTF-8, no control characters, markup escaped on request,
 * cut on a character boundary. */
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "notify_text.h"

#define FFFD "\xEF\xBF\xBD"

static void expect(const char *in, size_t max, int markup, const char *want)
{
    char *got = notify_text_clean(in, max, markup);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_valid_text_passes(void **s)
{
    (void)s;
    expect("", 100, 0, "");
    expect(NULL, 100, 0, "");
    expect("Z\xC3\xBCrich \xE2\x98\x95 \xF0\x9F\x8E\xB5 line\n\ttab", 100, 0,
           "Z\xC3\xBCrich \xE2\x98\x95 \xF0\x9F\x8E\xB5 line\n\ttab");
    expect("<b>a & b</b>", 100, 0, "<b>a & b</b>");
}

static void test_invalid_utf8_becomes_replacement(void **s)
{
    (void)s;
    expect("a\xFF" "b", 100, 0, "a" FFFD "b");                       /* never a lead byte */
    expect("\xC0\xAF", 100, 0, FFFD FFFD);                           /* overlong '/' */
    expect("\xE0\x80\xAF", 100, 0, FFFD FFFD FFFD);                   /* overlong, 3 bytes */
    expect("\xED\xA0\x80", 100, 0, FFFD FFFD FFFD);                   /* UTF-16 surrogate */
    expect("\xF4\x90\x80\x80", 100, 0, FFFD FFFD FFFD FFFD);          /* past U+10FFFF */
    expect("x\xE2\x98", 100, 0, "x" FFFD FFFD);                       /* cut short at the end */
    expect("\x80" "ok", 100, 0, FFFD "ok");                           /* stray continuation */
}

static void test_controls_become_spaces(void **s)
{
    (void)s;
    expect("a\x1b[31mb\x07\x7f" "c\r", 100, 0, "a [31mb  c ");
}

static void test_markup_escaped_on_request(void **s)
{
    (void)s;
    expect("<i>a & b</i> \"q\" 'x'", 100, 1, "&lt;i&gt;a &amp; b&lt;/i&gt; \"q\" 'x'");
}

static void test_cut_on_whole_characters(void **s)
{
    (void)s;
    expect("abcdef", 3, 0, "abc");
    expect("a\xE2\x98\x95" "b", 3, 0, "a");           /* the 3-byte character does not fit whole */
    expect("a\xE2\x98\x95" "b", 4, 0, "a\xE2\x98\x95");
    expect("a&b", 4, 1, "a");                          /* "&amp;" is not split either */
    expect("a\xFF", 3, 0, "a");                        /* nor is the replacement */
    expect("abc", 0, 0, "");
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_text_passes),
        cmocka_unit_test(test_invalid_utf8_becomes_replacement),
        cmocka_unit_test(test_controls_become_spaces),
        cmocka_unit_test(test_markup_escaped_on_request),
        cmocka_unit_test(test_cut_on_whole_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
