/*
 * modules/media/media_backend.h - what media.c asks of the platform: one media command.
 * media_mpris.c (MPRIS over the D-Bus session bus) and media_win32.c (media keys via SendInput)
 * implement it; media.c owns options and results.
 */
#ifndef WEE_MEDIA_BACKEND_H
#define WEE_MEDIA_BACKEND_H
#include <stddef.h>
#include "wee/wee.h"

typedef enum media_command {
    MEDIA_PLAY_PAUSE, MEDIA_NEXT, MEDIA_PREVIOUS, MEDIA_STOP, MEDIA_VOLUME_UP, MEDIA_VOLUME_DOWN, MEDIA_MUTE
} media_command;

typedef struct media_request {
    media_command command;
    const char *player;   /* "" = the active player (MPRIS only) */
    int volume_step;      /* percent points per volume_up/down */
    int call_timeout_ms;  /* the most the whole command may wait for the desktop */
    const char *bus;      /* D-Bus address from the config, "" for the session's own (MPRIS only) */
} media_request;

typedef struct media_result {
    int no_player;        /* 1: nothing to send the command to (not an error) */
    char player[256];     /* the player that got it ("" when keys went to the system) */
    int volume_percent;   /* after a volume command, when known; -1 otherwise */
} media_result;

typedef struct media_backend media_backend;

/* Once per module load / unload (module_init / module_shutdown). */
int media_backend_module_init(char *err, size_t err_size);
void media_backend_module_shutdown(void);
int media_backend_create(const wee_host_api *host, media_backend **out, char *err, size_t err_size);
/* 0 (also when res->no_player), or a WEE_E* code with a one-line reason in err. */
int media_backend_run(media_backend *b, const media_request *req, media_result *res, char *err, size_t err_size);
void media_backend_destroy(media_backend *b);

#endif
