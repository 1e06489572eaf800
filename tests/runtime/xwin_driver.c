/*
 * xwin_driver - an X11 client for the window source's runtime test (Linux, under Xvfb).
 *
 *   xwin_driver <events.log> <title> <class> [lifecycle|edge|seeded]
 *
 * lifecycle (default): creates a top-level window with WM_CLASS, _NET_WM_NAME (UTF-8), WM_NAME and
 *   _NET_WM_PID, maps it, activates it, renames it and destroys it.
 * edge: an override-redirect window titled "<title> popup" is mapped (a popup: must give no event);
 *   then a window is mapped without a title (no event with include_untitled false) and only then titled
 *   "<title> late" (now window.created); then both are destroyed.
 * seeded: maps "<title>" and creates <events.log>.mapped, waits for <events.log>.go (the engine has
 *   started meanwhile), renames it to "<title> renamed" and destroys it: a window that existed before the
 *   source started gets title_changed and destroyed, never created.
 * Before each next step it waits until the engine's log file shows the previous step's event, so a step
 * is never taken before the source has seen the last one.
 *
 * Activation: Xvfb runs no window manager, so nobody maintains _NET_ACTIVE_WINDOW. The driver sets it on
 * the root window itself, which is exactly what an EWMH window manager does when it activates a window.
 *
 * Prints "id=0x<window> pid=<pid>" on stdout. Exit 0 when all four events were seen; 10 + step when the
 * log never showed a step's event (20 s per step); 2 when the X server cannot be reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xcb/xcb.h>

static xcb_atom_t intern(xcb_connection_t *c, const char *name)
{
    xcb_intern_atom_reply_t *r = xcb_intern_atom_reply(c, xcb_intern_atom(c, 0, (uint16_t)strlen(name), name), NULL);
    xcb_atom_t a = r ? r->atom : XCB_ATOM_NONE;
    free(r);
    return a;
}

static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static int wait_for(const char *log, const char *type, const char *title)
{
    char needle[1200];
    snprintf(needle, sizeof needle, "%s|%s|", type, title);
    for (int i = 0; i < 2000; i++) {
        if (file_has(log, needle)) return 1;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "xwin_driver: no \"%s\" in %s after 20 s\n", needle, log);
    return 0;
}

static void set_title(xcb_connection_t *c, xcb_window_t win, xcb_atom_t net_wm_name, xcb_atom_t utf8, const char *title)
{
    xcb_change_property(c, XCB_PROP_MODE_REPLACE, win, net_wm_name, utf8, 8, (uint32_t)strlen(title), title);
    /* The legacy property too, as toolkits do; the source must fold the two notifications into one. */
    xcb_change_property(c, XCB_PROP_MODE_REPLACE, win, XCB_ATOM_WM_NAME, XCB_ATOM_STRING, 8, (uint32_t)strlen(title), title);
    xcb_flush(c);
}

static int wait_file(const char *path)
{
    for (int i = 0; i < 2000; i++) {
        if (access(path, F_OK) == 0) return 1;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "xwin_driver: %s did not appear after 20 s\n", path);
    return 0;
}

/* Round trip: every request sent so far has been processed by the server. */
static void sync_server(xcb_connection_t *c)
{
    free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), NULL));
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: xwin_driver <events.log> <title> <class> [lifecycle|edge|seeded]\n"); return 2; }
    const char *log = argv[1], *title = argv[2], *cls = argv[3], *mode = argc == 5 ? argv[4] : "lifecycle";
    int screen = 0;
    xcb_connection_t *c = xcb_connect(NULL, &screen);
    if (!c || xcb_connection_has_error(c)) { fprintf(stderr, "xwin_driver: cannot connect to DISPLAY\n"); return 2; }
    xcb_screen_iterator_t it = xcb_setup_roots_iterator(xcb_get_setup(c));
    for (int i = 0; i < screen && it.rem; i++) xcb_screen_next(&it);
    xcb_screen_t *s = it.data;
    xcb_atom_t net_wm_name = intern(c, "_NET_WM_NAME"), utf8 = intern(c, "UTF8_STRING");
    xcb_atom_t net_wm_pid = intern(c, "_NET_WM_PID"), net_active = intern(c, "_NET_ACTIVE_WINDOW");

    char renamed[1100];
    if (!strcmp(mode, "edge")) {
        snprintf(renamed, sizeof renamed, "%s popup", title);
        xcb_window_t popup = xcb_generate_id(c);
        uint32_t yes = 1;
        xcb_create_window(c, XCB_COPY_FROM_PARENT, popup, s->root, 0, 0, 50, 20, 0, XCB_WINDOW_CLASS_INPUT_OUTPUT,
                          s->root_visual, XCB_CW_OVERRIDE_REDIRECT, &yes);
        set_title(c, popup, net_wm_name, utf8, renamed);
        xcb_map_window(c, popup);
        xcb_window_t late = xcb_generate_id(c);
        xcb_create_window(c, XCB_COPY_FROM_PARENT, late, s->root, 0, 0, 50, 20, 0, XCB_WINDOW_CLASS_INPUT_OUTPUT,
                          s->root_visual, 0, NULL);
        xcb_map_window(c, late);
        sync_server(c);
        snprintf(renamed, sizeof renamed, "%s late", title);
        set_title(c, late, net_wm_name, utf8, renamed);
        printf("id=0x%x pid=0\n", (unsigned)late);
        fflush(stdout);
        if (!wait_for(log, "window.created", renamed)) return 11;
        /* The popup is destroyed only now: the source has handled its creation and mapping while it
         * still existed (X delivers in order), so only its override-redirect flag can keep it out. */
        xcb_destroy_window(c, popup);
        xcb_destroy_window(c, late);
        xcb_flush(c);
        if (!wait_for(log, "window.destroyed", renamed)) return 14;
        xcb_disconnect(c);
        return 0;
    }

    xcb_window_t win = xcb_generate_id(c);
    xcb_create_window(c, XCB_COPY_FROM_PARENT, win, s->root, 10, 10, 200, 100, 0, XCB_WINDOW_CLASS_INPUT_OUTPUT,
                      s->root_visual, 0, NULL);
    char wm_class[512];
    int n = snprintf(wm_class, sizeof wm_class, "xwin_driver%c%s", '\0', cls);
    xcb_change_property(c, XCB_PROP_MODE_REPLACE, win, XCB_ATOM_WM_CLASS, XCB_ATOM_STRING, 8, (uint32_t)n + 1, wm_class);
    uint32_t pid = (uint32_t)getpid();
    xcb_change_property(c, XCB_PROP_MODE_REPLACE, win, net_wm_pid, XCB_ATOM_CARDINAL, 32, 1, &pid);
    set_title(c, win, net_wm_name, utf8, title);
    printf("id=0x%x pid=%u\n", (unsigned)win, (unsigned)pid);
    fflush(stdout);

    xcb_map_window(c, win);
    xcb_flush(c);
    if (!strcmp(mode, "seeded")) {
        sync_server(c);
        char marker[1100];
        snprintf(marker, sizeof marker, "%s.mapped", log);
        FILE *f = fopen(marker, "wb");
        if (f) fclose(f);
        snprintf(marker, sizeof marker, "%s.go", log);
        if (!wait_file(marker)) return 15;
        snprintf(renamed, sizeof renamed, "%s renamed", title);
        set_title(c, win, net_wm_name, utf8, renamed);
        if (!wait_for(log, "window.title_changed", renamed)) return 13;
        xcb_destroy_window(c, win);
        xcb_flush(c);
        if (!wait_for(log, "window.destroyed", renamed)) return 14;
        xcb_disconnect(c);
        return 0;
    }
    if (!wait_for(log, "window.created", title)) return 11;

    xcb_change_property(c, XCB_PROP_MODE_REPLACE, s->root, net_active, XCB_ATOM_WINDOW, 32, 1, &win);
    xcb_flush(c);
    if (!wait_for(log, "window.focused", title)) return 12;

    snprintf(renamed, sizeof renamed, "%s renamed", title);
    set_title(c, win, net_wm_name, utf8, renamed);
    if (!wait_for(log, "window.title_changed", renamed)) return 13;

    xcb_destroy_window(c, win);
    xcb_flush(c);
    if (!wait_for(log, "window.destroyed", renamed)) return 14;
    xcb_disconnect(c);
    return 0;
}
