/*
 * modules/window - X11 backend (xcb). Top-level windows are the children of the root window: without a
 * window manager (Xvfb in tests) they are the application windows themselves; under a reparenting
 * window manager the applications' windows are still created as children of the root before the WM
 * moves them into its frames, so they are seen being created and are then followed through their own
 * StructureNotify (map, destroy) and PropertyChange (title) wherever they live.
 *
 * - created: the first time a window is mapped (ICCCM: programs set WM_NAME/WM_CLASS before mapping,
 *   so the title is known then; a window mapped without a title is reported when it gets one).
 * - destroyed: DestroyNotify.
 * - title_changed: PropertyNotify of _NET_WM_NAME or WM_NAME (two notifications for one change are
 *   folded by window.c, which compares with the title it remembers).
 * - focused: PropertyNotify of _NET_ACTIVE_WINDOW on the root. An EWMH window manager sets it when it
 *   activates a window; with no window manager nobody does (the test driver sets it itself, as a WM would).
 * Override-redirect windows (menus, tooltips, drag icons) are not top-level application windows: skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xcb/xcb.h>
#include "window_backend.h"
#include "platform/platform.h"

struct window_backend {
    window_source *w;
    xcb_connection_t *c;
    xcb_window_t root;
    xcb_atom_t net_active_window, net_wm_name, net_wm_pid, utf8_string;
    int wake[2];
    plat_thread thread;
};

static xcb_atom_t intern(xcb_connection_t *c, const char *name)
{
    xcb_intern_atom_reply_t *r = xcb_intern_atom_reply(c, xcb_intern_atom(c, 0, (uint16_t)strlen(name), name), NULL);
    xcb_atom_t a = r ? r->atom : XCB_ATOM_NONE;
    free(r);
    return a;
}

static xcb_get_property_reply_t *get_prop(window_backend *b, xcb_window_t win, xcb_atom_t prop, xcb_atom_t type)
{
    if (prop == XCB_ATOM_NONE) return NULL;
    xcb_get_property_reply_t *r = xcb_get_property_reply(b->c, xcb_get_property(b->c, 0, win, prop, type, 0, 4096), NULL);
    if (r && (r->type == XCB_ATOM_NONE || (type != XCB_GET_PROPERTY_TYPE_ANY && r->type != type))) { free(r); return NULL; }
    return r;
}

/* WM_NAME of type STRING is Latin-1: widen to UTF-8 so both title sources compare alike. */
static void latin1_to_utf8(const unsigned char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && s[i] && o + 3 < size; i++) {
        if (s[i] < 0x80) out[o++] = (char)s[i];
        else { out[o++] = (char)(0xC0 | (s[i] >> 6)); out[o++] = (char)(0x80 | (s[i] & 0x3F)); }
    }
    out[o] = '\0';
}

static void copy_bytes(const void *v, size_t n, char *out, size_t size)
{
    if (n >= size) n = size - 1;
    memcpy(out, v, n);
    out[n] = '\0';
}

static void read_title(window_backend *b, xcb_window_t win, char *out, size_t size)
{
    out[0] = '\0';
    xcb_get_property_reply_t *r = get_prop(b, win, b->net_wm_name, b->utf8_string);
    if (r) {
        copy_bytes(xcb_get_property_value(r), (size_t)xcb_get_property_value_length(r), out, size);
        free(r);
        return;
    }
    r = get_prop(b, win, XCB_ATOM_WM_NAME, XCB_GET_PROPERTY_TYPE_ANY);
    if (!r) return;
    if (r->type == XCB_ATOM_STRING)
        latin1_to_utf8(xcb_get_property_value(r), (size_t)xcb_get_property_value_length(r), out, size);
    else /* UTF8_STRING or COMPOUND_TEXT: ASCII titles are the same bytes in both */
        copy_bytes(xcb_get_property_value(r), (size_t)xcb_get_property_value_length(r), out, size);
    free(r);
}

/* 0 when the window is gone. Its attributes are asked for last: the server handles one client's
 * requests in order, so if the window still exists then, the properties read before were its own, not
 * the empty answers for a window destroyed meanwhile (those would wipe what window.c remembers). */
static int read_info(window_backend *b, xcb_window_t win, window_info *info)
{
    memset(info, 0, sizeof *info);
    info->id = win;
    read_title(b, win, info->title, sizeof info->title);
    /* WM_CLASS is "instance\0class\0": the class is the second string. */
    xcb_get_property_reply_t *r = get_prop(b, win, XCB_ATOM_WM_CLASS, XCB_ATOM_STRING);
    if (r) {
        const char *v = xcb_get_property_value(r);
        size_t n = (size_t)xcb_get_property_value_length(r), first = strnlen(v, n);
        if (first + 1 < n) copy_bytes(v + first + 1, n - first - 1, info->cls, sizeof info->cls);
        else copy_bytes(v, first, info->cls, sizeof info->cls);
        free(r);
    }
    r = get_prop(b, win, b->net_wm_pid, XCB_ATOM_CARDINAL);
    if (r && r->format == 32 && xcb_get_property_value_length(r) >= 4) {
        uint32_t pid;
        memcpy(&pid, xcb_get_property_value(r), sizeof pid);
        info->pid = pid;
    }
    free(r);
    /* _NET_WM_PID names a process on the client's machine; /proc only knows local ones (a remote
     * client's pid either does not exist here or is someone else: exe stays "" when unreadable). */
    if (info->pid > 0) {
        char link[64];
        snprintf(link, sizeof link, "/proc/%lld/exe", (long long)info->pid);
        ssize_t n = readlink(link, info->exe, sizeof info->exe - 1);
        info->exe[n > 0 ? (size_t)n : 0] = '\0';
    }
    xcb_get_window_attributes_reply_t *a =
        xcb_get_window_attributes_reply(b->c, xcb_get_window_attributes(b->c, win), NULL);
    info->visible = a && a->map_state == XCB_MAP_STATE_VIEWABLE;
    int exists = a != NULL;
    free(a);
    return exists;
}

static void follow(window_backend *b, xcb_window_t win)
{
    uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE | XCB_EVENT_MASK_STRUCTURE_NOTIFY;
    xcb_change_window_attributes(b->c, win, XCB_CW_EVENT_MASK, &mask);
}

static int is_override_redirect(window_backend *b, xcb_window_t win)
{
    xcb_get_window_attributes_reply_t *a =
        xcb_get_window_attributes_reply(b->c, xcb_get_window_attributes(b->c, win), NULL);
    int yes = !a || a->override_redirect;
    free(a);
    return yes;
}

static void report_window(window_backend *b, wev_kind kind, xcb_window_t win)
{
    window_info info;
    if (read_info(b, win, &info)) window_report(b->w, kind, &info);
}

static void on_event(window_backend *b, xcb_generic_event_t *e)
{
    switch (e->response_type & 0x7f) {
    case XCB_CREATE_NOTIFY: {
        xcb_create_notify_event_t *ev = (xcb_create_notify_event_t *)e;
        if (ev->parent != b->root || ev->override_redirect) return;
        follow(b, ev->window);
        /* Mapped before the selection took effect: its MapNotify went only to the root's stream, which
         * comes later in order, so reporting here is only a guard for the WM case. */
        report_window(b, WEV_CREATED, ev->window);
        return;
    }
    case XCB_MAP_NOTIFY: {
        xcb_map_notify_event_t *ev = (xcb_map_notify_event_t *)e;
        if (ev->override_redirect) return;
        if (ev->event == b->root && !window_is_known(b->w, ev->window)) follow(b, ev->window);
        report_window(b, WEV_CREATED, ev->window);
        return;
    }
    case XCB_DESTROY_NOTIFY: {
        xcb_destroy_notify_event_t *ev = (xcb_destroy_notify_event_t *)e;
        window_info info;
        memset(&info, 0, sizeof info);
        info.id = ev->window;
        window_report(b->w, WEV_DESTROYED, &info);
        return;
    }
    case XCB_PROPERTY_NOTIFY: {
        xcb_property_notify_event_t *ev = (xcb_property_notify_event_t *)e;
        if (ev->window == b->root) {
            if (ev->atom != b->net_active_window || ev->state != XCB_PROPERTY_NEW_VALUE) return;
            xcb_get_property_reply_t *r = get_prop(b, b->root, b->net_active_window, XCB_ATOM_WINDOW);
            xcb_window_t active = XCB_WINDOW_NONE;
            if (r && r->format == 32 && xcb_get_property_value_length(r) >= 4)
                memcpy(&active, xcb_get_property_value(r), sizeof active);
            free(r);
            if (active != XCB_WINDOW_NONE) report_window(b, WEV_FOCUSED, active);
            return;
        }
        if (ev->atom == b->net_wm_name || ev->atom == XCB_ATOM_WM_NAME) report_window(b, WEV_TITLE, ev->window);
        return;
    }
    default:
        return; /* errors (a window gone before we asked about it) and events we did not ask for */
    }
}

/* Windows already on screen: remembered so their title changes and destruction are reported. */
static void seed_existing(window_backend *b)
{
    xcb_query_tree_reply_t *t = xcb_query_tree_reply(b->c, xcb_query_tree(b->c, b->root), NULL);
    if (!t) return;
    xcb_window_t *kids = xcb_query_tree_children(t);
    int n = xcb_query_tree_children_length(t);
    for (int i = 0; i < n; i++) {
        if (is_override_redirect(b, kids[i])) continue;
        follow(b, kids[i]);
        window_info info;
        if (read_info(b, kids[i], &info) && info.visible) window_seed(b->w, &info);
    }
    free(t);
}

static void reader_main(void *arg)
{
    window_backend *b = arg;
    struct pollfd p[2] = { { .fd = xcb_get_file_descriptor(b->c), .events = POLLIN }, { .fd = b->wake[0], .events = POLLIN } };
    for (;;) {
        xcb_generic_event_t *e;
        while ((e = xcb_poll_for_event(b->c)) != NULL) { on_event(b, e); free(e); }
        if (xcb_connection_has_error(b->c)) {
            window_host(b->w)->log(WEE_LOG_ERROR, "window", "source '%s': the X server closed the connection; no more window events",
                                   window_source_id(b->w));
            return;
        }
        /* Requests made while handling events (event masks) are sent now. Writing can also read: xcb
         * then queues events without the socket staying readable, so look at the queue again before
         * sleeping in poll(). */
        xcb_flush(b->c);
        if ((e = xcb_poll_for_queued_event(b->c)) != NULL) { on_event(b, e); free(e); continue; }
        if (poll(p, 2, -1) < 0 && errno != EINTR) return;
        if (p[1].revents) return;
    }
}

int window_backend_start(window_source *w, window_backend **out, char *err, size_t n)
{
    const char *display = getenv("DISPLAY");
    if (!display || !display[0]) {
        snprintf(err, n, "no X display: set DISPLAY or run under Xvfb (DISPLAY is not set)");
        return WEE_EFAILED;
    }
    int screen = 0;
    xcb_connection_t *c = xcb_connect(NULL, &screen);
    if (!c || xcb_connection_has_error(c)) {
        snprintf(err, n, "no X display: set DISPLAY or run under Xvfb (cannot connect to DISPLAY=%s)", display);
        if (c) xcb_disconnect(c);
        return WEE_EFAILED;
    }
    window_backend *b = calloc(1, sizeof *b);
    if (!b) { xcb_disconnect(c); return WEE_ENOMEM; }
    b->w = w;
    b->c = c;
    xcb_screen_iterator_t it = xcb_setup_roots_iterator(xcb_get_setup(c));
    for (int i = 0; i < screen && it.rem; i++) xcb_screen_next(&it);
    b->root = it.data->root;
    b->net_active_window = intern(c, "_NET_ACTIVE_WINDOW");
    b->net_wm_name = intern(c, "_NET_WM_NAME");
    b->net_wm_pid = intern(c, "_NET_WM_PID");
    b->utf8_string = intern(c, "UTF8_STRING");
    uint32_t mask = XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY | XCB_EVENT_MASK_PROPERTY_CHANGE;
    xcb_generic_error_t *e = xcb_request_check(c, xcb_change_window_attributes_checked(c, b->root, XCB_CW_EVENT_MASK, &mask));
    if (e) {
        snprintf(err, n, "X server refused to report window changes on the root window (X error %u)", e->error_code);
        free(e);
        xcb_disconnect(c);
        free(b);
        return WEE_EFAILED;
    }
    seed_existing(b);
    xcb_flush(c);
    if (pipe(b->wake) != 0) { snprintf(err, n, "pipe: %s", strerror(errno)); xcb_disconnect(c); free(b); return WEE_EFAILED; }
    if (plat_thread_start(&b->thread, reader_main, b) != 0) {
        snprintf(err, n, "cannot start the X event thread");
        close(b->wake[0]); close(b->wake[1]);
        xcb_disconnect(c);
        free(b);
        return WEE_EFAILED;
    }
    *out = b;
    return 0;
}

void window_backend_stop(window_backend *b)
{
    if (!b) return;
    ssize_t r = write(b->wake[1], "x", 1);
    (void)r;
    plat_thread_join(&b->thread);
    close(b->wake[0]); close(b->wake[1]);
    xcb_disconnect(b->c);
    free(b);
}
