/*
 * The self-loop guard behind by_engine (engine origin, ABI 1.3): after host->note_engine_write(path),
 * host->origin_path_written says yes for that file and no for other files, including ones in the same
 * folder; the file named through another spelling of its folder (a symbolic link, POSIX) is still
 * recognised (the real path is only resolved when the file names agree, so other files cost no system
 * call). A source that marks its event with host->origin_mark (as the file module does for such a
 * path) delivers it with by_engine set; one built before ABI 1.3 that sets the field itself too; the
 * host marks nothing on its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "event.h"
#include "host_api.h"
#include "platform/platform.h"
#include "wee/wee.h"
#ifndef _WIN32
#include <unistd.h>
#endif

static int g_last_by_engine = -1;

static int capture(struct wee_source *src, wee_event *ev)
{
    (void)src;
    g_last_by_engine = ev->by_engine;
    event_unref(ev);
    return 0;
}

typedef enum { MARK_NONE, MARK_ORIGIN, MARK_FIELD } mark_kind;

/* Emits an event for path as a source does; MARK_ORIGIN: marked with origin_mark when the host says the
 * engine wrote the path (the file module's way); MARK_FIELD: by_engine set as a field (modules before 1.3). */
static int emitted_by_engine(const char *type, const char *path, mark_kind mark)
{
    const wee_host_api *h = host_api_get();
    struct wee_source src;
    memset(&src, 0, sizeof src);
    src.id = "w";
    src.emit = capture;
    wee_event *ev = h->event_new(type);
    h->event_set_string(ev, "path", path);
    if (mark == MARK_ORIGIN && h->origin_path_written(path)) h->origin_mark(ev, 1);
    if (mark == MARK_FIELD) h->event_set_bool(ev, "by_engine", h->origin_path_written(path));
    g_last_by_engine = -1;
    assert_int_equal(h->emit(&src, ev), 0);
    return g_last_by_engine;
}

static void test_own_write_marked_others_not(void **s)
{
    (void)s;
    char *tmp = test_make_temp_dir("engwrites"), real[1024];
    assert_int_equal(plat_realpath(tmp, real, sizeof real), 0);
    char *out = test_path_join(real, "out.log"), *other = test_path_join(real, "other.log");
    assert_int_equal(test_write_file(out, "x"), 0);
    host_api_get()->note_engine_write(out);
    const wee_host_api *h = host_api_get();
    assert_true(h->origin_path_written(out));
    assert_false(h->origin_path_written(other));
    assert_int_equal(emitted_by_engine("file.modified", out, MARK_ORIGIN), 1);
    assert_int_equal(emitted_by_engine("file.modified", other, MARK_ORIGIN), 0);
    assert_int_equal(emitted_by_engine("file.modified", out, MARK_FIELD), 1);
    assert_int_equal(emitted_by_engine("file.modified", other, MARK_FIELD), 0);
    assert_int_equal(emitted_by_engine("file.modified", out, MARK_NONE), 0); /* the source decides */
#ifndef _WIN32
    /* The same file through a symlinked folder: resolved because the file name matches. */
    char linkdir[1100];
    snprintf(linkdir, sizeof linkdir, "%s-link", real);
    unlink(linkdir);
    assert_int_equal(symlink(real, linkdir), 0);
    char *via = test_path_join(linkdir, "out.log"), *via_other = test_path_join(linkdir, "other.log");
    assert_int_equal(emitted_by_engine("file.modified", via, MARK_ORIGIN), 1);
    assert_int_equal(emitted_by_engine("file.created", via_other, MARK_ORIGIN), 0);
    unlink(linkdir);
    free(via); free(via_other);
#endif
    test_remove_tree(tmp);
    free(out); free(other); free(tmp);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_write_marked_others_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
