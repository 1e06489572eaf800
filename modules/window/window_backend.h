/*
 * modules/window/window_backend.h - the seam between the portable part of the window source (options,
 * the table of known windows, deduplication, building events: window.c) and one OS backend
 * (window_x11.c with xcb on Linux, window_win32.c with SetWinEventHook on Windows).
 *
 * The backend runs its own thread and reports what the OS told it with window_report(); window.c decides
 * what becomes an event. Reports for one source come from one backend thread at a time.
 */
#ifndef WEE_WINDOW_BACKEND_H
#define WEE_WINDOW_BACKEND_H
#include <stddef.h>
#include <stdint.h>
#include "wee/wee.h"

typedef enum { WEV_CREATED = 1, WEV_DESTROYED = 2, WEV_FOCUSED = 4, WEV_TITLE = 8 } wev_kind;

/* What the backend knows about a window. Strings are UTF-8 and truncated to fit; "" and pid 0 when
 * unknown. For WEV_DESTROYED only `id` is read (the window is gone; window.c remembers the rest). */
typedef struct window_info {
    uint64_t id;         /* HWND or X11 window id */
    int visible;         /* mapped / IsWindowVisible at the time of the report */
    char title[1024];
    char cls[256];
    int64_t pid;
    char exe[1024];      /* full path of the process image */
} window_info;

typedef struct window_source window_source;

/* From the backend's thread. */
void window_report(window_source *w, wev_kind kind, const window_info *info);
/* A window that existed before the source started: remembered (so its title changes and its
 * destruction are reported) without a window.created event. */
void window_seed(window_source *w, const window_info *info);
/* The windows the source has already reported or seeded (backends skip re-reading them). */
int window_is_known(window_source *w, uint64_t id);
const wee_host_api *window_host(window_source *w);
const char *window_source_id(window_source *w);

/* Backend entry points (one implementation per platform). start fails with a one-line reason in err
 * when the window system cannot be reached; stop blocks until the backend thread has ended. */
typedef struct window_backend window_backend;
int window_backend_start(window_source *w, window_backend **out, char *err, size_t err_size);
void window_backend_stop(window_backend *b);
#endif
