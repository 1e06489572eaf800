/* cli_console.c - `host console [--open]`: the running host's console URL, read from its private file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "console_http.h"
#include "platform/browser.h"
#include "platform/ipc.h"
#include "platform/platform.h"
#include "platform/private_file.h"

/* The URL file of a host running as the Windows service, if there is one: beside the same control
 * endpoint, or, for this user's default endpoint, beside the LocalSystem account's default one. */
static int service_url_file(const char *ctl, char *buf, size_t size)
{
    char own[1024];
    if (plat_service_private_file_path(ctl, CONSOLE_FILE_SUFFIX, buf, size) != 0) return -1;
    if (plat_path_exists(buf)) return 0;
    if (plat_ipc_default_path(own, sizeof own) != 0 || strcmp(own, ctl) != 0) return -1;
    if (plat_service_private_file_path("\\\\.\\pipe\\wee-SYSTEM-control", CONSOLE_FILE_SUFFIX, buf, size) != 0) return -1;
    return plat_path_exists(buf) ? 0 : -1;
}

int cli_console(const char *control_path, const char *config_file, int open)
{
    char ctl[1024], file[1100], err[512];
    if (cli_control_path(control_path, config_file, "console", ctl, sizeof ctl) != 0) return 1;
    if (plat_private_file_path(ctl, CONSOLE_FILE_SUFFIX, file, sizeof file) != 0) {
        fprintf(stderr, "host console: no place for the console's URL file beside %s\n", ctl);
        return 1;
    }
    char *text = NULL;
    size_t len = 0;
    if (plat_read_file(file, &text, &len) != 0) {
        /* Not a host of this user: perhaps the Windows service's (private_file.h). */
        char svc[1100];
        if (service_url_file(ctl, svc, sizeof svc) == 0) {
            if (plat_read_file(svc, &text, &len) != 0) {
                fprintf(stderr, "host console: the Windows service's console URL at %s is readable by Administrators "
                        "only: run host console from an elevated prompt (Run as administrator)\n", svc);
                return 1;
            }
            snprintf(file, sizeof file, "%s", svc);
        } else {
            fprintf(stderr, "host console: no console URL at %s: is a host running with engine.console.listen set, as "
                    "this user (or pass --control / --config of that host)?\n", file);
            return 1;
        }
    }
    text[strcspn(text, "\r\n")] = '\0';
    if (strncmp(text, "http://", 7) != 0) {
        fprintf(stderr, "host console: %s does not hold a console URL; restart the host to write it again\n", file);
        free(text);
        return 1;
    }
    printf("%s\n", text);
    fflush(stdout);
    int rc = 0;
    if (open && plat_open_url(text, err, sizeof err) != 0) {
        fprintf(stderr, "host console: %s\n", err);
        rc = 1;
    }
    free(text);
    return rc;
}
