/* cli_control.c - `host status|reload|emit`: one request to the running host's control channel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "cli.h"
#include "control_protocol.h"
#include "platform/ipc.h"
#include "platform/platform.h"
#include "wee/errors.h"

/* A reload compiles a whole config and may restart sources: give it far longer than a status. */
#define CLIENT_TIMEOUT_MS 60000
/* "busy" means every slot holds a client; slots free up within the server's 5 s request timeout. */
#define BUSY_RETRY_MS 250
#define BUSY_RETRY_FOR_MS 15000

static int read_response(plat_conn *c, strbuf *out)
{
    uint64_t deadline = plat_monotonic_ns() + (uint64_t)CLIENT_TIMEOUT_MS * 1000000u;
    char chunk[8192];
    for (;;) {
        if (plat_monotonic_ns() >= deadline) return WEE_ETIMEOUT;
        int n = plat_conn_read(c, chunk, sizeof chunk, 200);
        if (n == WEE_ETIMEOUT) continue;
        if (n < 0) return n;
        if (n == 0) return 0;
        if (out->len + (size_t)n > CONTROL_RESPONSE_MAX) return WEE_EFULL;
        strbuf_append(out, chunk, (size_t)n);
    }
}

/* engine.control.path of the config the host runs, so `host status --config FILE` finds it. Only that key
 * is read: the running host has validated the rest, and no modules need loading. */
static int path_from_config(const char *file, char *path, size_t size)
{
    char *text = NULL;
    size_t len;
    if (plat_read_file(file, &text, &len) != 0) {
        fprintf(stderr, "host: --config: cannot read %s\n", file);
        return -1;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *engine = cJSON_GetObjectItemCaseSensitive(root, "engine");
    const cJSON *control = cJSON_GetObjectItemCaseSensitive(engine, "control");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(control, "path");
    int found = cJSON_IsString(p) && p->valuestring[0];
    if (found) snprintf(path, size, "%s", p->valuestring);
    cJSON_Delete(root);
    if (!root) {
        fprintf(stderr, "host: --config: %s is not valid JSON ('host validate %s' says where)\n", file, file);
        return -1;
    }
    return found;
}

int cli_control_path(const char *control_path, const char *config_file, const char *command, char *path, size_t size)
{
    int from_config = 0;
    if (!control_path && config_file && (from_config = path_from_config(config_file, path, size)) < 0)
        return 1;
    if (control_path) snprintf(path, size, "%s", control_path);
    else if (!from_config && plat_ipc_default_path(path, size) != 0) {
        fprintf(stderr, "host %s: cannot build the default control path; pass --control PATH\n", command);
        return 1;
    }
    return 0;
}

int cli_control(const char *control_path, const char *config_file, const char *command, int argc,
                const char *const *args)
{
    char path[1024], err[512] = "";
    if (cli_control_path(control_path, config_file, command, path, sizeof path) != 0) return 1;
    strbuf req = STRBUF_INIT;
    if (strcmp(command, "emit") == 0) {
        if (argc < 1) {
            fprintf(stderr, "host emit: expected an event type: host emit TYPE [field=value ...]\n");
            return 2;
        }
        char *json = control_event_json(args[0], argc - 1, args + 1, err, sizeof err);
        if (!json) { fprintf(stderr, "host emit: %s\n", err); return 2; }
        control_format_request(&req, CONTROL_EMIT, json);
        free(json);
    } else {
        control_format_request(&req, strcmp(command, "reload") == 0 ? CONTROL_RELOAD : CONTROL_STATUS, NULL);
    }

    strbuf resp = STRBUF_INIT;
    uint64_t retry_until = plat_monotonic_ns() + (uint64_t)BUSY_RETRY_FOR_MS * 1000000u;
    int rc;
    for (;;) {
        plat_conn *c = NULL;
        rc = plat_ipc_connect(path, 5000, &c, err, sizeof err);
        if (rc == WEE_ENOTFOUND) {
            fprintf(stderr, "host %s: no running host at %s: start one with host --config FILE, or pass --control PATH\n",
                    command, path);
            strbuf_free(&req);
            return 1;
        }
        if (rc != 0) {
            fprintf(stderr, "host %s: %s (%s)\n", command, err[0] ? err : "cannot connect", wee_strerror(rc));
            strbuf_free(&req);
            return 1;
        }
        strbuf_reset(&resp);
        /* A busy server answers without reading: its answer counts even if our write failed. */
        int wrc = plat_conn_write(c, req.data, req.len, 5000);
        rc = read_response(c, &resp);
        if (rc == 0 && resp.len == 0 && wrc != 0) rc = wrc;
        plat_conn_close(c);
        control_result r;
        const char *t;
        if (rc != 0 || control_parse_response(strbuf_cstr(&resp), &r, &t) != 0 || r != CONTROL_BUSY ||
            plat_monotonic_ns() >= retry_until)
            break;
        plat_sleep_ms(BUSY_RETRY_MS);
    }
    strbuf_free(&req);
    control_result result;
    const char *text;
    if ((rc != 0 && resp.len == 0) || control_parse_response(strbuf_cstr(&resp), &result, &text) != 0) {
        fprintf(stderr, "host %s: the host at %s %s\n", command, path,
                rc == WEE_ETIMEOUT ? "did not answer within 60 s"
                : rc != 0          ? "closed the connection before answering"
                                   : "answered something that is not a control response");
        strbuf_free(&resp);
        return 1;
    }
    fputs(text, result == CONTROL_OK ? stdout : stderr);
    strbuf_free(&resp);
    return result == CONTROL_OK ? 0 : 1;
}
