/*
 * modules/media - the `media` action: play/pause, next, previous, stop, volume up/down, mute.
 *
 *   { "action": "media", "command": "play_pause" }
 *   { "action": "media", "command": "volume_down", "volume_step": 5, "player": "vlc" }
 *
 * Linux: MPRIS (org.mpris.MediaPlayer2.Player) on the user's session bus, sent to the player that is
 * Playing, else the first one (media_mpris.c). Windows: the media virtual keys through SendInput, as a
 * keyboard's media keys do (media_win32.c).
 *
 * Published for later actions: media.result ("sent" or "no media player"), media.player (which
 * player got it; "" on Windows), media.volume (0..100 after a volume command when known, else -1).
 * No player is a result, not a failure: it is logged once (again only after a player was seen), so a
 * rule firing often without a player running does not flood the log.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "media_backend.h"
#include "desktop_options.h"
#include "wee/wee.h"

#define MEDIA_MODULE_NAME "media"

typedef struct media_action {
    const wee_host_api *host;
    media_backend *backend;
    atomic_int no_player_logged;
} media_action;

static const char *const command_names[] = {
    "play_pause", "next", "previous", "stop", "volume_up", "volume_down", "mute"
};


/* The options as bound (wee/bind.h); command is the index in its choices, the media_command order
 * (and command_names'). */
typedef struct media_settings {
    int command;
    const char *player, *bus;
    int64_t volume_step, call_timeout_ms;
} media_settings;

static const wee_option_spec media_options[] = {
    WEE_OPTION(.name = "command", .type = WEE_OPT_STRING, .required = 1,
               .choices = "play_pause|next|previous|stop|volume_up|volume_down|mute",
               .description = "what to do; mute toggles (see docs/modules/media.md)",
               WEE_BIND_INDEX(media_settings, command)),
    WEE_OPTION(.name = "player", .type = WEE_OPT_STRING, .default_value = "\"\"",
               .description = "Linux: MPRIS player name (\"vlc\" = org.mpris.MediaPlayer2.vlc[.*]); "
                              "empty = the one Playing, else the first",
               WEE_BIND(media_settings, player)),
    WEE_OPTION(.name = "volume_step", .type = WEE_OPT_INT, .default_value = "10", .min = 1, .max = 100,
               .description = "percent points per volume_up/down (Windows: one key press per 2 points)",
               WEE_BIND(media_settings, volume_step)),
    DESKTOP_OPTION_BUS(media_settings),
    DESKTOP_OPTION_CALL_TIMEOUT(media_settings, "the most one command waits for the bus and the player, all calls together"),
    WEE_OPTION_END
};

static int media_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                        size_t err_size)
{
    media_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, opts, media_options, &set);
    int rc = desktop_bus_option_check(set.bus, err, err_size);
    if (rc != 0) return rc;
    media_action *a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    a->host = host;
    atomic_init(&a->no_player_logged, 0);
    rc = media_backend_create(host, &a->backend, err, err_size);
    if (rc != 0) { free(a); return rc; }
    *instance = a;
    return 0;
}

static int media_module_init(const wee_host_api *host, char *err, size_t err_size)
{
    (void)host;
    return media_backend_module_init(err, err_size);
}

static int media_run(void *instance, wee_action_call *call)
{
    media_action *a = instance;
    const wee_host_api *host = a->host;
    media_settings set; /* bound from this call's rendered params */
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, host->call_params(call), media_options, &set);
    media_request req;
    if (set.command < 0 || (size_t)set.command >= sizeof command_names / sizeof command_names[0]) {
        /* The host checked the choices at load; this only guards against a host that did not. */
        host->call_set_error(call, "command is not one of play_pause, next, previous, stop, volume_up, "
                             "volume_down, mute");
        return WEE_EINVAL;
    }
    req.command = (media_command)set.command;
    req.player = set.player ? set.player : "";
    req.bus = set.bus ? set.bus : "";
    req.volume_step = (int)set.volume_step;
    req.call_timeout_ms = (int)set.call_timeout_ms;
    media_result res;
    memset(&res, 0, sizeof res);
    res.volume_percent = -1;
    char err[768];
    err[0] = '\0';
    int rc = media_backend_run(a->backend, &req, &res, err, sizeof err);
    if (rc != 0) {
        host->call_set_error(call, "%s: %s", command_names[req.command], err[0] ? err : wee_strerror(rc));
        return rc;
    }
    if (res.no_player) {
        if (atomic_exchange(&a->no_player_logged, 1) == 0)
            host->log(WEE_LOG_INFO, MEDIA_MODULE_NAME, "no media player%s%s: %s does nothing until one runs "
                      "(said once; again after a player was seen)", req.player[0] ? " named " : "", req.player,
                      command_names[req.command]);
    } else {
        atomic_store(&a->no_player_logged, 0);
    }
    host->call_publish_string(call, "result", res.no_player ? "no media player" : "sent");
    host->call_publish_string(call, "player", res.player);
    host->call_publish_int(call, "volume", res.volume_percent);
    return 0;
}

static void media_destroy(void *instance)
{
    media_action *a = instance;
    if (!a) return;
    media_backend_destroy(a->backend);
    free(a);
}


static const wee_module_desc media_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = MEDIA_MODULE_NAME,
    .version = "1.0.0",
    .description = "media player control: MPRIS over D-Bus (Linux), media keys via SendInput (Windows)",
    .kind = WEE_MODULE_ACTION,
    .options = media_options,
    .module_init = media_module_init,
    .module_shutdown = media_backend_module_shutdown,
    .action_create = media_create,
    .action_run = media_run,
    .action_destroy = media_destroy,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &media_desc; }
