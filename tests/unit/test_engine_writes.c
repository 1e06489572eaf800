/*
 * The self-loop guard behind by_engine: after host->note_engine_write(path), file events for that file
 * carry by_engine; events for other files do not, including ones in the same folder; and the file named
 * through another spelling of its folder (a symbolic link, POSIX) is still recognised. The real path is
 * only resolved when the file names agree, so other files cost no system call.
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

static int by_engine_for(const char *type, const char *path)
{
    const wee_host_api *h = host_api_get();
    struct wee_source src;
    memset(&src, 0, sizeof src);
    src.id = "w";
    src.emit = capture;
    wee_event *ev = h->event_new(type);
    h->event_set_string(ev, "path", path);
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
    assert_int_equal(by_engine_for("file.modified", out), 1);
    assert_int_equal(by_engine_for("file.modified", other), 0);
    assert_int_equal(by_engine_for("process.started", out), 0); /* only file events are checked */
#ifndef _WIN32
    /* The same file through a symlinked folder: resolved because the file name matches. */
    char linkdir[1100];
    snprintf(linkdir, sizeof linkdir, "%s-link", real);
    unlink(linkdir);
    assert_int_equal(symlink(real, linkdir), 0);
    char *via = test_path_join(linkdir, "out.log"), *via_other = test_path_join(linkdir, "other.log");
    assert_int_equal(by_engine_for("file.modified", via), 1);
    assert_int_equal(by_engine_for("file.created", via_other), 0);
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
