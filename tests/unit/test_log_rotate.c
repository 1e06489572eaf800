/* rotating_file: size-based rotation with KEEP old files; no record lost (until the oldest file is
 * dropped by design), none split across files, concurrent writers, an existing file's size counted,
 * keep 0, shared opens of one path. The same test runs under Wine (MoveFileExW, FILE_SHARE_DELETE). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "platform/platform.h"
#include "util/rotating_file.h"
#ifdef _WIN32
#include <direct.h>
static int make_dir(const char *path) { return _mkdir(path); } /* ASCII temp paths only */
#else
#include <sys/stat.h>
static int make_dir(const char *path) { return mkdir(path, 0700); }
#endif

#define LINE_LEN 32            /* every test line is exactly this long, '\n' included */

static char *numbered(const char *path, unsigned i)
{
    size_t n = strlen(path) + 12;
    char *s = malloc(n);
    snprintf(s, n, "%s.%u", path, i);
    return s;
}

static void make_line(char *buf, unsigned writer, unsigned seq)
{
    /* "w01 s000123 " + padding + '\n' = LINE_LEN bytes */
    int n = snprintf(buf, LINE_LEN + 1, "w%02u s%06u ", writer, seq);
    memset(buf + n, 'x', (size_t)(LINE_LEN - 1 - n));
    buf[LINE_LEN - 1] = '\n';
    buf[LINE_LEN] = '\0';
}

typedef struct seen {
    unsigned writers, per_writer;
    unsigned char *hits;       /* writers * per_writer counters */
    unsigned lines;
} seen;

/* Reads one file: every line must be a whole, well-formed test line; returns its line count. */
static unsigned scan_file(const char *path, seen *s, size_t max_bytes)
{
    char *text = test_read_file(path);
    assert_non_null(text);
    size_t len = strlen(text);
    if (max_bytes) assert_true(len <= max_bytes);
    assert_true(len % LINE_LEN == 0);
    unsigned count = 0;
    for (size_t off = 0; off < len; off += LINE_LEN, count++) {
        unsigned w, q;
        char expect[LINE_LEN + 1];
        assert_int_equal(sscanf(text + off, "w%2u s%6u ", &w, &q), 2);
        assert_true(w < s->writers && q < s->per_writer);
        make_line(expect, w, q);
        assert_memory_equal(text + off, expect, LINE_LEN);
        s->hits[w * s->per_writer + q]++;
    }
    s->lines += count;
    free(text);
    return count;
}

typedef struct writer_arg {
    rotating_file *rf;
    unsigned id, count;
    int failures;
} writer_arg;

static void writer_main(void *p)
{
    writer_arg *a = p;
    char line[LINE_LEN + 1];
    for (unsigned i = 0; i < a->count; i++) {
        make_line(line, a->id, i);
        if (rotating_file_write(a->rf, line, LINE_LEN) != 0) a->failures++;
    }
}

static void count_files(const char *path, unsigned keep_plus_more, unsigned *present)
{
    *present = plat_path_exists(path) ? 1 : 0;
    for (unsigned i = 1; i <= keep_plus_more; i++) {
        char *p = numbered(path, i);
        if (plat_path_exists(p)) (*present)++;
        free(p);
    }
}

/* Exactly (keep + 1) * lines_per_file lines: every line survives, each file full, oldest in .keep. */
static void test_fills_keep_plus_one_files_without_loss(void **st)
{
    (void)st;
    char *dir = test_make_temp_dir("rot_fill");
    char *path = test_path_join(dir, "app.log");
    const unsigned keep = 3, per_file = 10;
    int err = 0;
    rotating_file *rf = rotating_file_open(path, LINE_LEN * per_file, keep, &err);
    assert_non_null(rf);
    char line[LINE_LEN + 1];
    for (unsigned i = 0; i < (keep + 1) * per_file; i++) {
        make_line(line, 0, i);
        assert_int_equal(rotating_file_write(rf, line, LINE_LEN), 0);
    }
    rotating_file_close(rf);
    unsigned present;
    count_files(path, keep + 2, &present);
    assert_int_equal(present, keep + 1);
    seen s = { 1, (keep + 1) * per_file, calloc((keep + 1) * per_file, 1), 0 };
    /* path.keep holds the oldest lines, path the newest */
    for (unsigned i = keep; i >= 1; i--) {
        char *p = numbered(path, i);
        char *text = test_read_file(p);
        unsigned first;
        assert_int_equal(sscanf(text, "w00 s%6u", &first), 1);
        assert_int_equal(first, (keep - i) * per_file);
        free(text);
        assert_int_equal(scan_file(p, &s, LINE_LEN * per_file), per_file);
        free(p);
    }
    assert_int_equal(scan_file(path, &s, LINE_LEN * per_file), per_file);
    for (unsigned i = 0; i < s.per_writer; i++) assert_int_equal(s.hits[i], 1);
    free(s.hits);
    test_remove_tree(dir);
    free(path);
    free(dir);
}

/* 8 threads x 2000 lines through one object (and a second open of the same path sharing it):
 * exactly keep + 1 files; every surviving line whole; per writer, the survivors are exactly the
 * newest lines it wrote, each once (dropped lines are only ever the oldest ones). */
static void test_concurrent_writers(void **st)
{
    (void)st;
    char *dir = test_make_temp_dir("rot_conc");
    char *path = test_path_join(dir, "conc.log");
    enum { WRITERS = 8, PER_WRITER = 2000 };
    const unsigned keep = 4, per_file = 100;
    int err = 0;
    rotating_file *a = rotating_file_open(path, LINE_LEN * per_file, keep, &err);
    rotating_file *b = rotating_file_open(path, LINE_LEN * per_file, keep, &err);
    assert_non_null(a);
    assert_ptr_equal(a, b); /* one lock for both: they cannot rotate over each other */
    plat_thread t[WRITERS];
    writer_arg args[WRITERS];
    for (unsigned i = 0; i < WRITERS; i++) {
        args[i] = (writer_arg){ i % 2 ? a : b, i, PER_WRITER, 0 };
        assert_int_equal(plat_thread_start(&t[i], writer_main, &args[i]), 0);
    }
    for (unsigned i = 0; i < WRITERS; i++) plat_thread_join(&t[i]);
    for (unsigned i = 0; i < WRITERS; i++) assert_int_equal(args[i].failures, 0);
    assert_int_equal(rotating_file_take_rotate_error(a), 0);
    rotating_file_close(b);
    rotating_file_close(a);

    unsigned present;
    count_files(path, keep + 3, &present);
    assert_int_equal(present, keep + 1);
    seen s = { WRITERS, PER_WRITER, calloc(WRITERS * PER_WRITER, 1), 0 };
    for (unsigned i = 1; i <= keep; i++) {
        char *p = numbered(path, i);
        assert_int_equal(scan_file(p, &s, LINE_LEN * per_file), per_file); /* rotated files are full */
        free(p);
    }
    unsigned newest = scan_file(path, &s, LINE_LEN * per_file);
    assert_true(newest >= 1 && newest <= per_file);
    /* Total written = 16000 lines = 160 files' worth; the newest file holds the last `newest`. */
    assert_int_equal(newest, (WRITERS * PER_WRITER) % per_file ? (WRITERS * PER_WRITER) % per_file : per_file);
    assert_int_equal(s.lines, keep * per_file + newest);
    for (unsigned w = 0; w < WRITERS; w++) {
        int surviving = 0;
        for (unsigned q = 0; q < PER_WRITER; q++) {
            unsigned char h = s.hits[w * PER_WRITER + q];
            assert_true(h <= 1);
            if (h) surviving = 1;
            else assert_false(surviving); /* a gap after a survivor would be a lost line */
        }
        /* A writer that finished early may have had all its lines dropped with the oldest files. */
        if (surviving) assert_int_equal(s.hits[w * PER_WRITER + PER_WRITER - 1], 1);
    }
    free(s.hits);
    test_remove_tree(dir);
    free(path);
    free(dir);
}

/* A file that is already at the limit rotates on the first write; a record larger than the limit
 * gets a file of its own; keep 0 starts afresh without numbered files. */
static void test_existing_size_big_record_and_keep_zero(void **st)
{
    (void)st;
    char *dir = test_make_temp_dir("rot_edge");
    char *path = test_path_join(dir, "edge.log");
    assert_int_equal(test_write_file(path, "0123456789012345678\n"), 0); /* 20 bytes */
    int err = 0;
    rotating_file *rf = rotating_file_open(path, 20, 2, &err);
    assert_non_null(rf);
    assert_int_equal(rotating_file_write(rf, "new\n", 4), 0);
    char *p1 = numbered(path, 1), *p2 = numbered(path, 2), *p3 = numbered(path, 3);
    char *t = test_read_file(p1);
    assert_string_equal(t, "0123456789012345678\n");
    free(t);
    const char big[] = "this record is longer than twenty bytes\n";
    assert_int_equal(rotating_file_write(rf, big, sizeof big - 1), 0);
    assert_int_equal(rotating_file_write(rf, "tail\n", 5), 0);
    t = test_read_file(path); assert_string_equal(t, "tail\n"); free(t);
    t = test_read_file(p1); assert_string_equal(t, big); free(t);
    t = test_read_file(p2); assert_string_equal(t, "new\n"); free(t);
    assert_false(plat_path_exists(p3));

    rotating_file_set_limits(rf, 8, 0);
    assert_int_equal(rotating_file_write(rf, "abcd\n", 5), 0); /* 5 + 5 > 8: fresh file, no .1 shift */
    t = test_read_file(path); assert_string_equal(t, "abcd\n"); free(t);
    t = test_read_file(p1); assert_string_equal(t, big); free(t);
    rotating_file_close(rf);

    /* max 0: never rotates */
    rf = rotating_file_open(path, 0, 5, &err);
    for (int i = 0; i < 50; i++) assert_int_equal(rotating_file_write(rf, "0123456789\n", 11), 0);
    rotating_file_close(rf);
    t = test_read_file(path);
    assert_int_equal(strlen(t), 5 + 50 * 11);
    free(t);
    free(p1); free(p2); free(p3);
    test_remove_tree(dir);
    free(path);
    free(dir);
}

/* keep 0 with a second writer of the same file (here another object for the same file, as the host
 * log and a log action module each have; or another process): starting afresh must empty the file
 * in place - deleting it sent the other writer's lines into a deleted file. */
static void test_keep_zero_keeps_other_writers_lines(void **st)
{
    (void)st;
    char *dir = test_make_temp_dir("rot_keep0");
    char *path = test_path_join(dir, "shared.log");
    char *dot = test_path_join(dir, ".");
    char *alias = test_path_join(dot, "shared.log");   /* same file, another string: another object */
    int err = 0;
    rotating_file *a = rotating_file_open(path, 64, 0, &err), *b = rotating_file_open(alias, 0, 0, &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a != b);
    const char line[] = "0123456789012345678901234567890123456789\n"; /* 41 bytes */
    assert_int_equal(rotating_file_write(a, line, sizeof line - 1), 0);
    assert_int_equal(rotating_file_write(a, line, sizeof line - 1), 0); /* 82 > 64: starts afresh */
    assert_int_equal(rotating_file_take_rotate_error(a), 0);
    assert_int_equal(rotating_file_write(b, "from b\n", 7), 0);
    assert_int_equal(rotating_file_write(a, "from a\n", 7), 0);
    char *t = test_read_file(path);
    assert_non_null(t);
    assert_string_equal(t, "0123456789012345678901234567890123456789\nfrom b\nfrom a\n");
    free(t);
    char *p1 = numbered(path, 1);
    assert_false(plat_path_exists(p1));
    free(p1);
    rotating_file_close(a);
    rotating_file_close(b);
    test_remove_tree(dir);
    free(alias); free(dot); free(path); free(dir);
}

#ifndef _WIN32
#include <signal.h>
#include <sys/resource.h>
/* A record cut short by the file size limit (as by a full disk) must not have the next record glued
 * onto it: the next write starts with the missing newline. */
static void test_torn_record_is_not_glued_to_the_next(void **st)
{
    (void)st;
    char *dir = test_make_temp_dir("rot_torn");
    char *path = test_path_join(dir, "torn.log");
    int err = 0;
    rotating_file *rf = rotating_file_open(path, 0, 1, &err);
    assert_non_null(rf);
    assert_int_equal(rotating_file_write(rf, "first line\n", 11), 0);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 16;                                  /* 5 more bytes fit */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = rotating_file_write(rf, "second line\n", 12);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_true(rc != 0);                               /* reported, not hidden */
    assert_int_equal(rotating_file_write(rf, "third line\n", 11), 0);
    rotating_file_close(rf);
    char *t = test_read_file(path);
    assert_non_null(t);
    assert_string_equal(t, "first line\nsecon\nthird line\n");
    free(t);
    test_remove_tree(dir);
    free(path); free(dir);
}
#endif

/* A rotation that cannot rename (here path.1 is a non-empty folder; on Windows typically a reader
 * without delete sharing) keeps every line in the current file, is reported once for the whole run
 * of failures, and succeeds on a write once the obstacle is gone and the retry second has passed. */
static void test_failed_rotation_keeps_lines_and_retries(void **st)
{
    (void)st;
    char *dir = test_make_temp_dir("rot_fail");
    char *path = test_path_join(dir, "f.log");
    char *blocker = numbered(path, 1);
    char *inside = test_path_join(blocker, "x");
    assert_int_equal(make_dir(blocker), 0);
    assert_int_equal(test_write_file(inside, "x"), 0);
    int err = 0;
    rotating_file *rf = rotating_file_open(path, 10, 1, &err);
    assert_non_null(rf);
    assert_int_equal(rotating_file_write(rf, "aaaaaaaa\n", 9), 0);
    assert_int_equal(rotating_file_write(rf, "bbbbbbbb\n", 9), 0); /* would rotate: the rename fails */
    assert_true(rotating_file_take_rotate_error(rf) < 0);
    assert_int_equal(rotating_file_write(rf, "cccccccc\n", 9), 0); /* within the retry second: no attempt */
    assert_int_equal(rotating_file_take_rotate_error(rf), 0);
    char *t = test_read_file(path);
    assert_string_equal(t, "aaaaaaaa\nbbbbbbbb\ncccccccc\n");
    free(t);
    test_remove_tree(blocker);
    plat_sleep_ms(1100);
    assert_int_equal(rotating_file_write(rf, "dddddddd\n", 9), 0);
    assert_int_equal(rotating_file_take_rotate_error(rf), 0);
    rotating_file_close(rf);
    t = test_read_file(blocker);
    assert_string_equal(t, "aaaaaaaa\nbbbbbbbb\ncccccccc\n");
    free(t);
    t = test_read_file(path);
    assert_string_equal(t, "dddddddd\n");
    free(t);
    test_remove_tree(dir);
    free(inside); free(blocker); free(path); free(dir);
}

static void test_open_errors(void **st)
{
    (void)st;
    char *dir = test_make_temp_dir("rot_err");
    char *afile = test_path_join(dir, "afile");
    assert_int_equal(test_write_file(afile, "x"), 0);
    char *path = test_path_join(afile, "x.log"), why[512];
    int err = 0;
    assert_null(rotating_file_open(path, 100, 1, &err));     /* a parent that is a file */
    assert_true(err < 0);
    assert_true(rotating_file_check(path, why, sizeof why) < 0);
    assert_non_null(strstr(why, "afile is a file, not a folder"));
    assert_true(rotating_file_check(dir, why, sizeof why) < 0);
    assert_string_equal(why, "it is a directory; name a file in it");
    assert_null(rotating_file_open("", 100, 1, &err));
    assert_int_equal(err, -1);

    /* Missing folders: checked without creating anything, created by the open (deferred: by the
     * first write). */
    char *missing = test_path_join(dir, "no-such-dir"), *deeper = test_path_join(missing, "sub");
    char *inside = test_path_join(deeper, "x.log");
    assert_int_equal(rotating_file_check(inside, why, sizeof why), 0);
    assert_false(plat_path_exists(missing));
    rotating_file *rf = rotating_file_open_deferred(inside, 0, 1, &err);
    assert_non_null(rf);
    assert_false(plat_path_exists(missing));
    assert_int_equal(rotating_file_write(rf, "one\n", 4), 0);
    rotating_file_close(rf);
    char *text = test_read_file(inside);
    assert_string_equal(text, "one\n");
    free(text);
    test_remove_tree(missing);
    rf = rotating_file_open(inside, 0, 1, &err);
    assert_non_null(rf);
    assert_true(plat_path_is_dir(deeper));
    rotating_file_close(rf);
    test_remove_tree(dir);
    free(inside); free(deeper); free(missing);
    free(path);
    free(afile);
    free(dir);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fills_keep_plus_one_files_without_loss),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_existing_size_big_record_and_keep_zero),
        cmocka_unit_test(test_failed_rotation_keeps_lines_and_retries),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_keep_zero_keeps_other_writers_lines),
#ifndef _WIN32
        cmocka_unit_test(test_torn_record_is_not_glued_to_the_next),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
