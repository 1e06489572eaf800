/*
 * modules/media/media_win32.c - media on Windows: the media virtual keys through SendInput, as if
 * pressed on a keyboard with media keys (what the original does). The shell routes them to the app
 * that owns media playback (System Media Transport Controls) and the volume keys to the system mixer.
 *
 * volume_up/down press the key once per 2 points of volume_step (Windows moves 2 points per press);
 * mute is VK_VOLUME_MUTE, a toggle kept by the system. `player` and `bus` do not apply here. A
 * process in session 0 (a service) is refused: its key presses would reach no user's desktop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include "desktop_session_win32.h"
#include "media_backend.h"

#define MAX_PRESSES 50

struct media_backend {
    int unused;
};

int media_backend_module_init(char *err, size_t err_size) { (void)err; (void)err_size; return 0; }
void media_backend_module_shutdown(void) {}

int media_backend_create(const wee_host_api *host, media_backend **out, char *err, size_t err_size)
{
    (void)host;
    media_backend *b = calloc(1, sizeof *b);
    if (!b) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    *out = b;
    return 0;
}

void media_backend_destroy(media_backend *b) { free(b); }

static WORD command_key(media_command c)
{
    switch (c) {
    case MEDIA_PLAY_PAUSE: return VK_MEDIA_PLAY_PAUSE;
    case MEDIA_NEXT: return VK_MEDIA_NEXT_TRACK;
    case MEDIA_PREVIOUS: return VK_MEDIA_PREV_TRACK;
    case MEDIA_STOP: return VK_MEDIA_STOP;
    case MEDIA_VOLUME_UP: return VK_VOLUME_UP;
    case MEDIA_VOLUME_DOWN: return VK_VOLUME_DOWN;
    default: return VK_VOLUME_MUTE;
    }
}

int media_backend_run(media_backend *b, const media_request *req, media_result *res, char *err, size_t err_size)
{
    (void)b;
    if (desktop_session_check("media key presses", err, err_size) != 0) return WEE_EUNSUPPORTED;
    WORD vk = command_key(req->command);
    int presses = 1;
    if (req->command == MEDIA_VOLUME_UP || req->command == MEDIA_VOLUME_DOWN) {
        presses = req->volume_step / 2;
        if (presses < 1) presses = 1;
        if (presses > MAX_PRESSES) presses = MAX_PRESSES;
    }
    INPUT in[2 * MAX_PRESSES];
    memset(in, 0, sizeof in);
    WORD scan = (WORD)MapVirtualKeyW(vk, MAPVK_VK_TO_VSC);
    for (int i = 0; i < 2 * presses; i++) {
        in[i].type = INPUT_KEYBOARD;
        in[i].ki.wVk = vk;
        in[i].ki.wScan = scan;
        in[i].ki.dwFlags = KEYEVENTF_EXTENDEDKEY | (i % 2 ? KEYEVENTF_KEYUP : 0);
    }
    UINT n = (UINT)(2 * presses);
    UINT sent = SendInput(n, in, sizeof(INPUT));
    if (sent != n) {
        snprintf(err, err_size, "SendInput injected %u of %u key events (error %lu): input to this desktop is "
                 "blocked (locked workstation, secure desktop, or a higher-integrity window in front)", sent, n,
                 GetLastError());
        return WEE_EFAILED;
    }
    res->player[0] = '\0';
    return 0;
}
