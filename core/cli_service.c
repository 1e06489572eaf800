/*
 * core/cli_service.c - `host service install|uninstall|start|stop|run`: the host as a Windows service.
 * The SCM calls live in core/platform/win32/service.c; on POSIX each subcommand fails with a pointer
 * to the systemd unit (packaging/linux/wee.service).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "log.h"
#include "platform/platform.h"
#include "platform/service.h"
#include "util/strbuf.h"
#include "wee/errors.h"

#define SERVICE_DEFAULT_NAME "WinEventEngine"
#define SERVICE_NAME_MAX 256
#define SERVICE_WAIT_MS 30000

typedef struct service_args {
    const char *action, *config, *name;
    int allow_writable; /* install: the service runs with --allow-writable-paths */
} service_args;

static int parse_args(int argc, char **argv, const char *config_file, service_args *a)
{
    a->action = NULL;
    a->config = config_file;
    a->name = SERVICE_DEFAULT_NAME;
    a->allow_writable = 0;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        int has_next = i + 1 < argc;
        if ((strcmp(s, "--config") == 0 || strcmp(s, "-c") == 0) && has_next) a->config = argv[++i];
        else if (strcmp(s, "--name") == 0 && has_next) a->name = argv[++i];
        else if (strcmp(s, "--allow-writable-paths") == 0) a->allow_writable = 1;
        else if (!a->action && s[0] != '-') a->action = s;
        else {
            fprintf(stderr, "host service: unexpected argument \"%s\" (usage: host service "
                    "install|uninstall|start|stop|run [--config PATH] [--name NAME])\n", s);
            return 2;
        }
    }
    if (!a->action) {
        fprintf(stderr, "host service: missing action: install, uninstall, start, stop or run\n");
        return 2;
    }
    size_t n = strlen(a->name);
    if (n == 0 || n > SERVICE_NAME_MAX || strpbrk(a->name, "/\\\"")) {
        fprintf(stderr, "host service: --name: expected 1..%d characters without / \\ or \", got \"%s\"\n",
                SERVICE_NAME_MAX, a->name);
        return 2;
    }
    return 0;
}

/* The config the service reads: --config made absolute (the SCM starts services in System32), or
 * %PROGRAMDATA%\WinEventEngine\config.json. *exists tells whether it is there yet. */
static int resolve_config(const char *given, char *buf, size_t size, int *exists)
{
    char err[512] = "";
    *exists = 0;
    if (given) {
        if (plat_realpath(given, buf, size) != 0) {
            fprintf(stderr, "host service: --config: \"%s\" does not exist (write the config first; "
                    "'host validate FILE' checks it)\n", given);
            return 1;
        }
        *exists = 1;
        return 0;
    }
    char dir[1024];
    if (plat_service_data_dir(dir, sizeof dir, err, sizeof err) != 0) {
        fprintf(stderr, "host service: %s\n", err);
        return 1;
    }
    snprintf(buf, size, "%s%sconfig.json", dir, plat_path_sep());
    *exists = plat_path_exists(buf);
    return 0;
}

static int fail(int code, const char *err)
{
    fprintf(stderr, "host service: %s\n", err);
    (void)code;
    return 1;
}

static int do_install(const service_args *a)
{
    char config[2048], err[1024] = "";
    int exists;
    if (resolve_config(a->config, config, sizeof config, &exists) != 0) return 1;
    strbuf args = STRBUF_INIT;
    strbuf_printf(&args, "%sservice run --config \"%s\" --name \"%s\"",
                  a->allow_writable ? "--allow-writable-paths " : "", config, a->name);
    plat_service_info info = { a->name, a->name,
                               "WinEventEngine: runs rules on OS events (files, processes, registry, windows, timers)",
                               strbuf_cstr(&args) };
    int rc = strbuf_failed(&args) ? WEE_ENOMEM : plat_service_install(&info, err, sizeof err);
    strbuf_free(&args);
    if (rc != 0) return fail(rc, err);
    printf("installed service \"%s\" (starts automatically at boot) reading %s\n", a->name, config);
    if (!exists)
        printf("no config there yet: copy one (e.g. config\\examples\\*.json) to %s, check it with "
               "'host validate %s', then 'host service start --name %s'\n", config, config, a->name);
    else
        printf("start it now with: host service start --name %s   (or: sc start %s)\n", a->name, a->name);
    return 0;
}

/* ---- service run: the process the SCM started ---- */

typedef struct service_run {
    cli_engine_fn run;
    void *ctx;
    const char *config;
    const char *stderr_path;
} service_run;

static void error_to_event_log(const char *text) { plat_service_event(1, text); }

static int service_body(void *p)
{
    service_run *s = p;
    log_set_error_hook(error_to_event_log);
    log_write(WEE_LOG_INFO, "host", "running as a service (config %s)", s->config);
    int rc;
    if (!plat_path_exists(s->config)) {
        log_write(WEE_LOG_ERROR, "host", "config %s does not exist: write it (examples in config\\examples), check it "
                  "with 'host validate %s', then start the service again", s->config, s->config);
        rc = 1;
    } else {
        rc = s->run(s->config, s->ctx);
    }
    if (rc != 0) {
        char msg[2600];
        snprintf(msg, sizeof msg, "the engine stopped with exit code %d; the reason is in %s (config %s)", rc,
                 s->stderr_path, s->config);
        plat_service_event(1, msg);
    }
    log_set_error_hook(NULL);
    return rc;
}

static int do_run(const service_args *a, cli_engine_fn run, void *ctx)
{
    char config[2048], err[1024] = "", stderr_path[2300];
    int exists;
    /* The SCM waits for the dispatcher: a missing config must be reported from inside the service
     * (exit code, Event Log, <name>-service.log), not by exiting before it (error 1053, no reason). */
    if (a->config && !plat_path_exists(a->config)) snprintf(config, sizeof config, "%s", a->config);
    else if (resolve_config(a->config, config, sizeof config, &exists) != 0) return 1;
    /* stderr of the service (config errors; the log itself when engine.log.file is null) beside the config */
    snprintf(stderr_path, sizeof stderr_path, "%s", config);
    char *cut = strrchr(stderr_path, '\\');
    char *cut2 = strrchr(stderr_path, '/');
    if (cut2 > cut) cut = cut2;
    size_t dir_len = cut ? (size_t)(cut - stderr_path) + 1 : 0;
    snprintf(stderr_path + dir_len, sizeof stderr_path - dir_len, "%s-service.log", a->name);
    service_run s = { run, ctx, config, stderr_path };
    int rc = plat_service_run(a->name, stderr_path, service_body, &s, err, sizeof err);
    if (rc < 0) return fail(rc, err);
    return rc;
}

int cli_service(int argc, char **argv, const char *config_file, cli_engine_fn run, void *ctx)
{
    service_args a;
    int rc = parse_args(argc, argv, config_file, &a);
    if (rc != 0) return rc;
    char err[1024] = "";
    if (strcmp(a.action, "install") == 0) return do_install(&a);
    if (strcmp(a.action, "run") == 0) return do_run(&a, run, ctx);
    if (strcmp(a.action, "uninstall") == 0) rc = plat_service_uninstall(a.name, SERVICE_WAIT_MS, err, sizeof err);
    else if (strcmp(a.action, "start") == 0) rc = plat_service_start(a.name, SERVICE_WAIT_MS, err, sizeof err);
    else if (strcmp(a.action, "stop") == 0) rc = plat_service_stop(a.name, SERVICE_WAIT_MS, err, sizeof err);
    else {
        fprintf(stderr, "host service: unknown action \"%s\": expected install, uninstall, start, stop or run\n",
                a.action);
        return 2;
    }
    if (rc != 0) return fail(rc, err);
    printf("service \"%s\": %s\n", a.name,
           strcmp(a.action, "uninstall") == 0 ? "stopped and removed"
           : strcmp(a.action, "start") == 0 ? "running" : "stopped");
    return 0;
}
