/*
 * modules/media/media_mpris.c - media on Linux: MPRIS 2 (org.mpris.MediaPlayer2.Player) on the
 * session bus, through libdbus and the notify module's dbus_session helper.
 *
 * Which player: the bus names starting with org.mpris.MediaPlayer2. (ListNames), narrowed to the
 * configured `player` (the name itself or one of its ".instance" names), sorted; the first whose
 * PlaybackStatus is "Playing" wins, else the first. Volume commands read and write the Volume
 * property (0.0 .. 1.0). mute toggles: a non-zero volume is remembered per player and set to 0; at 0
 * the remembered volume comes back (50 % when this engine did not mute it). That memory belongs to the
 * module, not to one action instance, so a mute in one rule and the one in another rule (or after a
 * reload) toggle the same player. All calls of one command share one deadline (call_timeout_ms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dbus_session.h"
#include "media_backend.h"
#include "platform/platform.h"

#define MPRIS_PREFIX "org.mpris.MediaPlayer2."
#define MPRIS_PATH "/org/mpris/MediaPlayer2"
#define MPRIS_PLAYER "org.mpris.MediaPlayer2.Player"
#define MAX_CANDIDATES 32
#define MAX_REMEMBERED 16

typedef struct remembered_volume {
    char player[256];
    double volume;
} remembered_volume;

typedef struct mute_memory {
    plat_mutex lock;
    remembered_volume muted[MAX_REMEMBERED];
    size_t muted_count;
} mute_memory;

static mute_memory g_mute; /* set up in module_init, torn down in module_shutdown */

struct media_backend {
    mute_memory *mute;
};

int media_backend_module_init(char *err, size_t err_size)
{
    if (dbus_session_module_init(err, err_size) != 0) return WEE_EFAILED;
    memset(&g_mute, 0, sizeof g_mute);
    plat_mutex_init(&g_mute.lock);
    return 0;
}

void media_backend_module_shutdown(void) { plat_mutex_destroy(&g_mute.lock); }

int media_backend_create(const wee_host_api *host, media_backend **out, char *err, size_t err_size)
{
    (void)host;
    media_backend *b = calloc(1, sizeof *b);
    if (!b) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    b->mute = &g_mute;
    *out = b;
    return 0;
}

void media_backend_destroy(media_backend *b) { free(b); }

static int name_matches(const char *bus_name, const char *wanted)
{
    if (strncmp(bus_name, MPRIS_PREFIX, sizeof MPRIS_PREFIX - 1) != 0) return 0;
    const char *rest = bus_name + sizeof MPRIS_PREFIX - 1;
    if (!*rest) return 0;
    if (!wanted || !*wanted) return 1;
    size_t n = strlen(wanted);
    return strncmp(rest, wanted, n) == 0 && (rest[n] == '\0' || rest[n] == '.');
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The MPRIS names on the bus that match `wanted`, sorted; returns the count (names malloc'd). */
static int list_players(dbus_session *s, const char *wanted, char **names, char *err, size_t err_size)
{
    DBusMessage *m = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "ListNames");
    DBusMessage *reply = dbus_session_call(s, m, err, err_size, NULL, 0);
    if (!reply) return -1;
    int count = 0;
    DBusMessageIter top, arr;
    if (dbus_message_iter_init(reply, &top) && dbus_message_iter_get_arg_type(&top) == DBUS_TYPE_ARRAY) {
        dbus_message_iter_recurse(&top, &arr);
        while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRING && count < MAX_CANDIDATES) {
            const char *name = NULL;
            dbus_message_iter_get_basic(&arr, &name);
            if (name && name_matches(name, wanted) && strlen(name) < 256) {
                size_t len = strlen(name) + 1;
                names[count] = malloc(len);
                if (names[count]) memcpy(names[count++], name, len);
            }
            dbus_message_iter_next(&arr);
        }
    }
    dbus_message_unref(reply);
    qsort(names, (size_t)count, sizeof *names, cmp_names);
    return count;
}

static int is_playing(dbus_session *s, const char *name)
{
    char err[256];
    DBusMessageIter v;
    DBusMessage *reply = dbus_session_get_property(s, name, MPRIS_PATH, MPRIS_PLAYER, "PlaybackStatus", &v,
                                                   err, sizeof err);
    if (!reply) return 0; /* a player that does not answer is not the active one */
    const char *status = NULL;
    if (dbus_message_iter_get_arg_type(&v) == DBUS_TYPE_STRING) dbus_message_iter_get_basic(&v, &status);
    int playing = status && strcmp(status, "Playing") == 0;
    dbus_message_unref(reply);
    return playing;
}

static int call_player(dbus_session *s, const char *name, const char *method, char *err, size_t err_size)
{
    DBusMessage *m = dbus_message_new_method_call(name, MPRIS_PATH, MPRIS_PLAYER, method);
    DBusMessage *reply = dbus_session_call(s, m, err, err_size, NULL, 0);
    if (!reply) return WEE_EFAILED;
    dbus_message_unref(reply);
    return 0;
}

static int get_volume(dbus_session *s, const char *name, double *out, char *err, size_t err_size)
{
    DBusMessageIter v;
    char why[512];
    DBusMessage *reply = dbus_session_get_property(s, name, MPRIS_PATH, MPRIS_PLAYER, "Volume", &v, why, sizeof why);
    if (!reply) {
        snprintf(err, err_size, "cannot read the Volume of %s: %s", name, why);
        return WEE_EFAILED;
    }
    int ok = dbus_message_iter_get_arg_type(&v) == DBUS_TYPE_DOUBLE;
    if (ok) dbus_message_iter_get_basic(&v, out);
    dbus_message_unref(reply);
    if (!ok) { snprintf(err, err_size, "%s's Volume is not a number", name); return WEE_EFAILED; }
    return 0;
}

static int set_volume(dbus_session *s, const char *name, double volume, char *err, size_t err_size)
{
    DBusMessage *m = dbus_message_new_method_call(name, MPRIS_PATH, DBUS_INTERFACE_PROPERTIES, "Set");
    const char *iface = MPRIS_PLAYER, *prop = "Volume";
    DBusMessageIter it, variant;
    if (m) {
        dbus_message_iter_init_append(m, &it);
        if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &iface) ||
            !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &prop) ||
            !dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "d", &variant) ||
            !dbus_message_iter_append_basic(&variant, DBUS_TYPE_DOUBLE, &volume) ||
            !dbus_message_iter_close_container(&it, &variant)) {
            dbus_message_unref(m);
            m = NULL;
        }
    }
    char why[512];
    DBusMessage *reply = dbus_session_call(s, m, why, sizeof why, NULL, 0);
    if (!reply) {
        snprintf(err, err_size, "cannot set the Volume of %s: %s", name, why);
        return WEE_EFAILED;
    }
    dbus_message_unref(reply);
    return 0;
}

/* The mute toggle's memory: returns the volume to set after reading `now`. */
static double mute_toggle(mute_memory *b, const char *name, double now)
{
    plat_mutex_lock(&b->lock);
    size_t i = 0;
    while (i < b->muted_count && strcmp(b->muted[i].player, name) != 0) i++;
    double next;
    if (now > 0.0) {
        if (i == b->muted_count) {
            if (b->muted_count == MAX_REMEMBERED) { /* forget the oldest */
                memmove(&b->muted[0], &b->muted[1], sizeof b->muted[0] * (MAX_REMEMBERED - 1));
                i = --b->muted_count;
            }
            snprintf(b->muted[i].player, sizeof b->muted[i].player, "%s", name);
            b->muted_count++;
        }
        b->muted[i].volume = now;
        next = 0.0;
    } else {
        next = i < b->muted_count && b->muted[i].volume > 0.0 ? b->muted[i].volume : 0.5;
    }
    plat_mutex_unlock(&b->lock);
    return next;
}

static int volume_command(media_backend *b, dbus_session *s, const media_request *req, const char *name,
                          media_result *res, char *err, size_t err_size)
{
    double now = 0.0, next;
    int rc = get_volume(s, name, &now, err, err_size);
    if (rc != 0) return rc;
    if (req->command == MEDIA_MUTE) {
        next = mute_toggle(b->mute, name, now);
    } else {
        double step = req->volume_step / 100.0;
        next = now + (req->command == MEDIA_VOLUME_UP ? step : -step);
        if (next < 0.0) next = 0.0;
        if (next > 1.0) next = 1.0;
    }
    rc = set_volume(s, name, next, err, err_size);
    if (rc == 0) res->volume_percent = (int)(next * 100.0 + 0.5);
    return rc;
}

int media_backend_run(media_backend *b, const media_request *req, media_result *res, char *err, size_t err_size)
{
    static const char *const methods[] = { "PlayPause", "Next", "Previous", "Stop" };
    dbus_session s;
    if (dbus_session_open(&s, req->bus, req->call_timeout_ms, err, err_size) != 0) return WEE_EFAILED;
    char *names[MAX_CANDIDATES];
    int count = list_players(&s, req->player, names, err, err_size);
    if (count < 0) { dbus_session_close(&s); return WEE_EFAILED; }
    int rc = 0;
    if (count == 0) {
        res->no_player = 1;
    } else {
        int chosen = 0;
        for (int i = 0; count > 1 && i < count; i++)
            if (is_playing(&s, names[i])) { chosen = i; break; }
        const char *name = names[chosen];
        snprintf(res->player, sizeof res->player, "%s", name + sizeof MPRIS_PREFIX - 1);
        if (req->command <= MEDIA_STOP) {
            char why[512];
            rc = call_player(&s, name, methods[req->command], why, sizeof why);
            if (rc != 0) snprintf(err, err_size, "player %s: %s", name, why);
        } else {
            rc = volume_command(b, &s, req, name, res, err, err_size);
        }
    }
    for (int i = 0; i < count; i++) free(names[i]);
    dbus_session_close(&s);
    return rc;
}
