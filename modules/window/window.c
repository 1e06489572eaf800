/*
 * modules/window - window.created / destroyed / focused / title_changed for top-level windows.
 * Portable part: options, the bounded table of known windows (a destroyed window can no longer be
 * asked for its title, class or process, so what earlier reports said is remembered), deduplication
 * (one title change reported by two properties, a focus reported twice) and building the events.
 * The OS backend (window_backend.h) only reports what the window system said.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/strbuf.h"
#include "util/path_name.h"
#include "window_backend.h"
#include "platform/platform.h"

/* Bounded so a desktop that churns through helper windows cannot grow the table without limit; the
 * least recently touched entry goes first. */
#define MAX_KNOWN 4096
#define BUCKETS 1024

typedef struct known {
    uint64_t id;
    char *title, *cls, *exe;
    int64_t pid;
    int reported;        /* window.created sent (or seeded at start) */
    uint64_t touched;
    struct known *next;
} known;

struct window_source {
    const wee_host_api *host;
    wee_source *src;
    unsigned events;
    int include_untitled;
    window_backend *backend;
    plat_mutex lock;
    known *table[BUCKETS];
    size_t nknown;
    uint64_t clock;
    uint64_t last_focus;
    int running;
};

typedef struct window_settings {
    uint32_t events; /* bit i = choice i: the wev_kind bits (created 1, destroyed 2, focused 4, title 8) */
    int include_untitled;
} window_settings;

static const wee_option_spec options[] = {
    WEE_OPTION(.name = "events", .type = WEE_OPT_STRING_LIST, .choices = "created|destroyed|focused|title_changed",
               .description = "subset of created, destroyed, focused, title_changed (default all)",
               WEE_BIND_INDEX(window_settings, events)),
    WEE_OPTION(.name = "include_untitled", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "also report windows whose title is empty (helper and tool windows mostly)",
               WEE_BIND(window_settings, include_untitled)),
    WEE_OPTION_END
};

const wee_host_api *window_host(window_source *w) { return w->host; }
const char *window_source_id(window_source *w) { return w->host->source_id(w->src); }

/* window_id is a lowercase hex string ("0x1c00003"): X11 ids and HWNDs are both shown in hex by the
 * usual tools (xprop -id, xwininfo, Spy++), and an HWND does not always fit a signed integer's range
 * comfortably in every consumer. */
static void format_id(uint64_t id, char *buf, size_t n)
{
    snprintf(buf, n, "0x%llx", (unsigned long long)id);
}

static void emit(window_source *w, const char *type, uint64_t id, const char *title, const char *cls, int64_t pid,
                 const char *exe)
{
    const wee_host_api *h = w->host;
    wee_event *ev = h->event_new(type);
    if (!ev) return;
    char idbuf[32];
    format_id(id, idbuf, sizeof idbuf);
    h->event_set_string(ev, "title", title ? title : "");
    h->event_set_string(ev, "class", cls ? cls : "");
    h->event_set_int(ev, "pid", pid);
    h->event_set_string(ev, "exe", exe ? exe : "");
    h->event_set_string(ev, "process", exe ? path_base_name(exe) : "");
    h->event_set_string(ev, "window_id", idbuf);
    h->emit(w->src, ev);
}

/* ---- table of known windows (w->lock held) ---- */
static known **find_slot(window_source *w, uint64_t id)
{
    known **pp = &w->table[(size_t)((id ^ (id >> 17)) % BUCKETS)];
    while (*pp && (*pp)->id != id) pp = &(*pp)->next;
    return pp;
}

static void known_free(known *k)
{
    free(k->title); free(k->cls); free(k->exe); free(k);
}

static void evict_oldest(window_source *w)
{
    known **victim = NULL;
    for (size_t b = 0; b < BUCKETS; b++)
        for (known **pp = &w->table[b]; *pp; pp = &(*pp)->next)
            if (!victim || (*pp)->touched < (*victim)->touched) victim = pp;
    if (!victim) return;
    known *k = *victim;
    *victim = k->next;
    known_free(k);
    w->nknown--;
}

static int set_str(char **dst, const char *src)
{
    if (*dst && !strcmp(*dst, src)) return 0;
    char *c = str_dup(src);
    if (!c) return -1;
    free(*dst);
    *dst = c;
    return 0;
}

/* Finds or adds the entry for info->id and refreshes what it remembers. NULL when out of memory. */
static known *remember(window_source *w, const window_info *info)
{
    known **pp = find_slot(w, info->id), *k = *pp;
    if (!k) {
        if (w->nknown >= MAX_KNOWN) { evict_oldest(w); pp = find_slot(w, info->id); }
        k = calloc(1, sizeof *k);
        if (!k) return NULL;
        k->id = info->id;
        *pp = k;
        w->nknown++;
    }
    k->touched = ++w->clock;
    if (set_str(&k->title, info->title) || set_str(&k->cls, info->cls)) return k;
    /* A later report without a process (the window is closing) keeps what an earlier one found. */
    if (info->pid) k->pid = info->pid;
    if (info->exe[0]) set_str(&k->exe, info->exe);
    return k;
}

typedef struct pending_event { const char *type; uint64_t id; char *title, *cls, *exe; int64_t pid; } pending_event;

static void queue(pending_event *q, size_t *n, const char *type, const known *k)
{
    pending_event *p = &q[(*n)++];
    p->type = type;
    p->id = k->id;
    p->title = str_dup(k->title ? k->title : "");
    p->cls = str_dup(k->cls ? k->cls : "");
    p->exe = str_dup(k->exe ? k->exe : "");
    p->pid = k->pid;
}

static int showable(const window_source *w, const window_info *info)
{
    return info->visible && (info->title[0] || w->include_untitled);
}

void window_seed(window_source *w, const window_info *info)
{
    plat_mutex_lock(&w->lock);
    known *k = remember(w, info);
    if (k) k->reported = 1;
    plat_mutex_unlock(&w->lock);
}

int window_is_known(window_source *w, uint64_t id)
{
    plat_mutex_lock(&w->lock);
    int yes = *find_slot(w, id) != NULL;
    plat_mutex_unlock(&w->lock);
    return yes;
}

void window_report(window_source *w, wev_kind kind, const window_info *info)
{
    pending_event q[2];
    size_t nq = 0;
    plat_mutex_lock(&w->lock);
    known **pp = find_slot(w, info->id), *k = *pp;
    switch (kind) {
    case WEV_CREATED:
        if (k && k->reported) break;
        k = remember(w, info);
        /* Not visible or untitled yet: remembered, and reported as created once it is shown or gets
         * a title (most programs set the title after creating the window). */
        if (k && showable(w, info)) { k->reported = 1; queue(q, &nq, "window.created", k); }
        break;
    case WEV_DESTROYED:
        if (!k) break;
        *pp = k->next;
        w->nknown--;
        if (w->last_focus == k->id) w->last_focus = 0;
        if (k->reported) queue(q, &nq, "window.destroyed", k);
        known_free(k);
        break;
    case WEV_TITLE: {
        int changed = !k || !k->title || strcmp(k->title, info->title) != 0;
        if (!changed && k->reported) break;
        k = remember(w, info);
        if (!k) break;
        if (!k->reported) {
            if (showable(w, info)) { k->reported = 1; queue(q, &nq, "window.created", k); }
        } else if (info->title[0] || w->include_untitled) {
            queue(q, &nq, "window.title_changed", k);
        }
        break;
    }
    case WEV_FOCUSED:
        if (w->last_focus == info->id) break;
        if (!showable(w, info)) break;
        k = remember(w, info);
        if (!k) break;
        w->last_focus = info->id;
        if (!k->reported) { k->reported = 1; queue(q, &nq, "window.created", k); }
        queue(q, &nq, "window.focused", k);
        break;
    }
    plat_mutex_unlock(&w->lock);
    /* Emitted outside the lock: emit may block on a full queue under the "block" policy. */
    for (size_t i = 0; i < nq; i++) {
        unsigned bit = !strcmp(q[i].type, "window.created") ? WEV_CREATED : !strcmp(q[i].type, "window.destroyed") ? WEV_DESTROYED
                     : !strcmp(q[i].type, "window.focused") ? WEV_FOCUSED : WEV_TITLE;
        if ((w->events & bit) && q[i].title && q[i].cls && q[i].exe)
            emit(w, q[i].type, q[i].id, q[i].title, q[i].cls, q[i].pid, q[i].exe);
        free(q[i].title); free(q[i].cls); free(q[i].exe);
    }
}

static void table_clear(window_source *w)
{
    for (size_t b = 0; b < BUCKETS; b++)
        for (known *k = w->table[b], *n; k; k = n) { n = k->next; known_free(k); }
    memset(w->table, 0, sizeof w->table);
    w->nknown = 0;
    w->last_focus = 0;
}

static void source_free(window_source *w)
{
    table_clear(w);
    plat_mutex_destroy(&w->lock);
    free(w);
}

static int window_create(const wee_host_api *h, wee_source *src, const wee_options *o, void **inst, char *err, size_t n)
{
    window_source *w = calloc(1, sizeof *w);
    if (!w) return WEE_ENOMEM;
    plat_mutex_init(&w->lock);
    w->host = h;
    w->src = src;
    window_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(h, o, options, &set);
    w->include_untitled = set.include_untitled;
    /* The host checked each name against the choices; none listed means all. */
    w->events = set.events ? set.events : (WEV_CREATED | WEV_DESTROYED | WEV_FOCUSED | WEV_TITLE);
    (void)err;
    (void)n;
    *inst = w;
    return 0;
}

static int window_start(void *inst, char *err, size_t n)
{
    window_source *w = inst;
    int rc = window_backend_start(w, &w->backend, err, n);
    if (rc != 0) return rc;
    w->running = 1;
    return 0;
}

static void window_stop(void *inst)
{
    window_source *w = inst;
    if (!w->running) return;
    window_backend_stop(w->backend);
    w->backend = NULL;
    w->running = 0;
    plat_mutex_lock(&w->lock);
    table_clear(w);
    plat_mutex_unlock(&w->lock);
}

static void window_destroy(void *inst)
{
    window_source *w = inst;
    window_stop(w);
    source_free(w);
}

static const char *const event_types[] = { "window.created", "window.destroyed", "window.focused", "window.title_changed", NULL };

static const wee_field_spec event_fields[] = {
    WEE_FIELD(.name = "title", .alias = "WINDOW_TITLE", .description = "window title"),
    WEE_FIELD(.name = "class", .description = "window class"),
    WEE_FIELD(.name = "window_id", .description = "window handle / X11 window id"),
    WEE_FIELD(.name = "pid", .alias = "PID", .description = "owning process id"),
    WEE_FIELD(.name = "exe", .traits = WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS, .description = "owning program's full path"),
    WEE_FIELD(.name = "process", .traits = WEE_FIELD_CASELESS_ON_WINDOWS, .alias = "PROCESS_NAME",
              .description = "owning program's name"),
    WEE_FIELD_END
};

static const wee_module_desc descriptor = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = "window",
    .version = "1.0.0",
    .description = "top-level windows created, destroyed, focused, retitled (SetWinEventHook / X11 via xcb)",
    .kind = WEE_MODULE_SOURCE,
    .options = options,
    .source_create = window_create,
    .source_start = window_start,
    .source_stop = window_stop,
    .source_destroy = window_destroy,
    .event_types = event_types,
    .fields = event_fields,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &descriptor; }
