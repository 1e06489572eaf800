/* host: loads modules, reads a config, runs sources -> rules -> actions until told to stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "config.h"
#include "console_http.h"
#include "control_server.h"
#include "engine.h"
#include "engine_control.h"
#include "host_api.h"
#include "loader.h"
#include "log.h"
#include "metrics_http.h"
#include "platform/ipc.h"
#include "platform/platform.h"
#include "platform/private_file.h"
#include "platform/service.h"
#include "util/rotating_file.h"
#include "wee/errors.h"
#include "admin_paths.h"

#ifndef WEE_VERSION
#define WEE_VERSION "0.0.0"
#endif

void cli_usage(FILE *out)
{
    fprintf(out,
        "WinEventEngine host %s (module ABI %u.%u)\n"
        "usage:\n"
        "  host [--modules DIR] --config FILE     run the engine (also -c FILE); Ctrl+C stops it\n"
        "  host [--modules DIR] modules [--describe NAME]\n"
        "                                         list loaded modules, or print one module's options\n"
        "  host [--modules DIR] validate FILE     check a config; prints every error with its JSON path\n"
        "  host [--modules DIR] test --config FILE --event EVENT.json [--run]\n"
        "                                         show which rules match an event and what they would do\n"
        "  host [--modules DIR] schema [--out FILE]\n"
        "                                         JSON Schema of the config for editors (built from the modules)\n"
        "  host [--control PATH | --config FILE] status\n"
        "                                         figures of the running host\n"
        "  host [--control PATH] reload           make the running host re-read its config\n"
        "  host [--control PATH | --config FILE] console [--open]\n"
        "                                         URL (with access token) of the running host's web console\n"
        "  host [--control PATH] emit TYPE [field=value ...]\n"
        "                                         inject an event (values: integers, true/false, else strings)\n"
        "  host [--modules DIR] service install|uninstall|start|stop|run [--config PATH] [--name NAME]\n"
        "                                         Windows service (default name WinEventEngine, config\n"
        "                                         %%PROGRAMDATA%%\\WinEventEngine\\config.json); Linux: systemd unit\n"
        "  host --version | --help\n"
        "run options: --duration MS (stop after MS), --stop-file PATH (stop when PATH exists),\n"
        "             --control PATH (control socket / pipe; overrides engine.control.path),\n"
        "             --allow-writable-paths (as root / the service: warn instead of refusing a config or\n"
        "             modules folder that non-administrators can change; docs/security.md)\n"
        "options: --log-level trace|debug|info|warn|error (default info; the config's engine.log wins when running)\n",
        WEE_VERSION, WEE_ABI_MAJOR, WEE_ABI_MINOR);
}

#define EMIT_ARGS_MAX 65   /* TYPE + 64 fields */

typedef struct run_limits {
    int64_t duration_ms;     /* > 0: stop after this long */
    const char *stop_file;   /* stop as soon as this path exists */
    const char *control_path; /* --control: overrides engine.control.path (and enables the channel) */
} run_limits;

/* Binds the control channel before any source starts, so a host that cannot own it fails early.
 * An explicit path (--control, engine.control.path) that cannot be bound is fatal; the per-user
 * default only warns, so several hosts (tests, side-by-side configs) can still run. */
/* The control endpoint this host uses (--control, engine.control.path, else the per-user default);
 * the console's URL file lives beside it. 0, or -1 if no default could be built. */
static int control_path_of(const config *cfg, const run_limits *lim, char *path, size_t size)
{
    const char *explicit_path = lim->control_path ? lim->control_path : cfg->engine.control_path;
    if (explicit_path) { snprintf(path, size, "%s", explicit_path); return 0; }
    return plat_ipc_default_path(path, size) == 0 ? 0 : -1;
}

static int open_control(const config *cfg, const run_limits *lim, control_server **out)
{
    *out = NULL;
    const char *explicit_path = lim->control_path ? lim->control_path : cfg->engine.control_path;
    if (!cfg->engine.control_enabled && !lim->control_path) return 0;
    char path[1024], err[512] = "";
    if (control_path_of(cfg, lim, path, sizeof path) != 0) {
        log_write(WEE_LOG_WARN, "control", "no default control path could be built; pass --control PATH");
        return 0;
    }
    int exists = 0;
    *out = control_server_open(path, &exists, err, sizeof err);
    if (*out) return 0;
    if (explicit_path) {
        fprintf(stderr, "host: %s: %s\n", lim->control_path ? "--control" : "engine.control.path", err);
        return 1;
    }
    log_write(WEE_LOG_WARN, "control", "control channel off: %s", err);
    return 0;
}

/* Set when a stop gave up on workers stuck in an action: their threads still run module code and use
 * the engine, so nothing may be freed or unloaded any more, and the process ends through
 * exit_if_stuck (no exit-time cleanup while they run). */
static unsigned g_stuck_workers;
#define EXIT_STUCK 3

static void exit_if_stuck(int rc)
{
    if (!g_stuck_workers) return;
    fflush(stdout);
    fflush(stderr);
    _Exit(rc);
}

static int run_engine(module_registry *reg, const char *file, const run_limits *lim)
{
    diag_list d = DIAG_INIT;
    config *cfg = config_load_file(file, reg, host_api_get(), 1, &d);
    if (!cfg) {
        diag_print(&d, file, stderr);
        fprintf(stderr, "%s: %zu error(s); fix them and start again ('host validate %s' checks without running)\n",
                file, d.count, file);
        diag_free(&d);
        return 1;
    }
    diag_free(&d);
    /* Modules this config does not use are closed: some pull in large libraries (libcurl and its TLS
     * stack cost ~8 MB resident). A reload that needs one opens it again. */
    const char *used[256];
    size_t used_count = config_module_names(cfg, used, sizeof used / sizeof used[0]);
    if (used_count < sizeof used / sizeof used[0]) loader_unload_unused(reg, used, used_count);
    log_set_rotation(cfg->engine.log_max_bytes, cfg->engine.log_keep);
    int lrc = log_configure(cfg->engine.log_level, cfg->engine.log_file, cfg->engine.log_json);
    if (lrc != 0) {
        char why[512];
        if (rotating_file_check(cfg->engine.log_file, why, sizeof why) == 0) snprintf(why, sizeof why, "%s", wee_strerror(lrc));
        fprintf(stderr, "%s: engine.log.file: cannot open \"%s\" for appending: %s\n", file, cfg->engine.log_file, why);
        config_free(cfg);
        return 1;
    }
    control_server *control = NULL;
    metrics_http *metrics = NULL;
    if (open_control(cfg, lim, &control) != 0) { config_free(cfg); return 1; }
    if (cfg->engine.metrics_listen) {
        char err[512] = "";
        metrics = metrics_http_open(cfg->engine.metrics_listen, err, sizeof err);
        if (!metrics) {
            fprintf(stderr, "%s: engine.metrics.listen: %s\n", file, err);
            control_server_stop(control);
            config_free(cfg);
            return 1;
        }
    }
    console_http *console = NULL;
    if (cfg->engine.console_listen) {
        char err[512] = "", ctl[1024], token_file[1100];
        if (control_path_of(cfg, lim, ctl, sizeof ctl) != 0 ||
            plat_private_file_path(ctl, CONSOLE_FILE_SUFFIX, token_file, sizeof token_file) != 0)
            snprintf(err, sizeof err, "no private place for the console's token beside the control endpoint; pass --control PATH");
        else
            console = console_http_open(cfg->engine.console_listen, token_file, err, sizeof err);
        if (!console) {
            fprintf(stderr, "%s: engine.console.listen: %s\n", file, err);
            control_server_stop(control);
            metrics_http_stop(metrics);
            config_free(cfg);
            return 1;
        }
    }
    engine *e = engine_start(cfg, reg);
    if (!e) {
        fprintf(stderr, "host: cannot start the engine: out of memory or threads (the log says which)\n");
        control_server_stop(control);
        metrics_http_stop(metrics);
        console_http_stop(console);
        return 1;
    }
    if ((control && control_server_start(control, e) != 0) || (metrics && metrics_http_start(metrics, e) != 0))
        log_write(WEE_LOG_ERROR, "host", "out of memory starting the control channel or the metrics endpoint");
    if (console) {
        char assets[2048] = "";
        if (plat_exe_dir(assets, sizeof assets) == 0) strncat(assets, plat_path_sep(), sizeof assets - strlen(assets) - 1);
        strncat(assets, "console", sizeof assets - strlen(assets) - 1);
        console_http_start(console, e, assets);
    }
    plat_service_running(); /* tells the SCM when running as a Windows service; no-op otherwise */
    uint64_t start = plat_monotonic_ns();
    for (;;) {
        /* Short waits only when a stop file must be noticed promptly. */
        int sig = plat_signals_wait(lim->stop_file ? 50 : 1000);
        if (sig == PLAT_SIGNAL_STOP) break;
        if (lim->stop_file && plat_path_exists(lim->stop_file)) {
            log_write(WEE_LOG_INFO, "host", "stop file %s appeared", lim->stop_file);
            break;
        }
        if (lim->duration_ms > 0 && (int64_t)((plat_monotonic_ns() - start) / 1000000u) >= lim->duration_ms) break;
        if (sig == PLAT_SIGNAL_RELOAD) {
            strbuf report = STRBUF_INIT;
            log_write(WEE_LOG_INFO, "host", "reload requested (SIGHUP)");
            engine_reload(e, &report); /* logs its outcome; a failure keeps the running config */
            strbuf_free(&report);
        }
    }
    log_write(WEE_LOG_INFO, "host", "stopping");
    /* No request may reach the engine once it starts stopping. */
    control_server_stop(control);
    metrics_http_stop(metrics);
    console_http_stop(console);
    g_stuck_workers = engine_stop(e);
    if (g_stuck_workers) {
        log_write(WEE_LOG_ERROR, "host", "exiting with %u worker(s) still in their action (exit code %d); the "
                  "lines above name the rules of %s", g_stuck_workers, EXIT_STUCK, file);
        return EXIT_STUCK;
    }
    return 0;
}

typedef struct service_ctx {
    const char *modules_dir;     /* --modules or NULL */
    int allow_writable;          /* --allow-writable-paths */
} service_ctx;

/* `host service run`: the engine as the SCM runs it. */
static int run_service_engine(const char *config_file, void *ctx)
{
    const service_ctx *sc = ctx;
    const char *modules_dir = sc->modules_dir;
    char dir[2048];
    if (!modules_dir) {
        if (loader_default_dir(dir, sizeof dir) != 0) { fprintf(stderr, "host: cannot find the executable's folder\n"); return 1; }
        modules_dir = dir;
    }
    if (admin_paths_check(config_file, modules_dir, 1, sc->allow_writable)) return 1;
    module_registry reg = { NULL, 0, 0 };
    loader_defer_dir(&reg, modules_dir, host_api_get());
    run_limits lim = { 0, NULL, NULL };
    int rc = run_engine(&reg, config_file, &lim);
    if (!g_stuck_workers) loader_unload_all(&reg); /* else the service reports its stop, then main exits */
    return rc;
}

int main(int argc, char **argv)
{
    plat_signals_init();
    argv = plat_utf8_argv(argc, argv);
    const char *modules_dir = NULL, *config_file = NULL, *cmd = NULL, *arg = NULL, *event_file = NULL;
    const char *schema_out = NULL; /* host schema --out FILE */
    int run = 0, level = WEE_LOG_INFO, allow_writable = 0, open_browser = 0;
    run_limits lim = { 0, NULL, NULL };
    const char *emit_args[EMIT_ARGS_MAX];
    int emit_count = 0;
    char **service_argv = NULL; /* the words after "service" */
    int service_argc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { cli_usage(stdout); return 0; }
        else if (strcmp(a, "--version") == 0) { printf("host %s (module ABI %u.%u)\n", WEE_VERSION, WEE_ABI_MAJOR, WEE_ABI_MINOR); return 0; }
        else if (strcmp(a, "--modules") == 0 && has_next) modules_dir = argv[++i];
        else if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) && has_next) config_file = argv[++i];
        else if (strcmp(a, "--event") == 0 && has_next) event_file = argv[++i];
        else if (strcmp(a, "--describe") == 0 && has_next) arg = argv[++i];
        else if (strcmp(a, "--log-level") == 0 && has_next) {
            level = log_level_parse(argv[++i]);
            if (level < 0) { fprintf(stderr, "host: --log-level: expected trace|debug|info|warn|error, got \"%s\"\n", argv[i]); return 2; }
        }
        else if (strcmp(a, "--run") == 0) run = 1;
        else if (strcmp(a, "--allow-writable-paths") == 0) allow_writable = 1;
        else if (strcmp(a, "--open") == 0) open_browser = 1;
        else if (strcmp(a, "--out") == 0 && has_next) schema_out = argv[++i];
        else if (strcmp(a, "--stop-file") == 0 && has_next) lim.stop_file = argv[++i];
        else if (strcmp(a, "--control") == 0 && has_next) lim.control_path = argv[++i];
        else if (strcmp(a, "--duration") == 0 && has_next) {
            char *end;
            lim.duration_ms = strtoll(argv[++i], &end, 10);
            if (*end || lim.duration_ms <= 0) { fprintf(stderr, "host: --duration: expected milliseconds > 0, got \"%s\"\n", argv[i]); return 2; }
        }
        else if (!cmd && a[0] != '-' && (strcmp(a, "modules") == 0 || strcmp(a, "validate") == 0 || strcmp(a, "test") == 0)) cmd = a;
        else if (!cmd && strcmp(a, "schema") == 0) cmd = a;
        else if (!cmd && strcmp(a, "service") == 0) {
            cmd = a;
            service_argv = argv + i + 1;
            service_argc = argc - i - 1;
            break;
        }
        else if (!cmd && a[0] != '-' && (strcmp(a, "status") == 0 || strcmp(a, "reload") == 0 || strcmp(a, "emit") == 0)) cmd = a;
        else if (!cmd && strcmp(a, "console") == 0) cmd = a;
        else if (cmd && strcmp(cmd, "emit") == 0 && a[0] != '-') {
            if (emit_count == EMIT_ARGS_MAX) { fprintf(stderr, "host emit: more than %d fields\n", EMIT_ARGS_MAX - 1); return 2; }
            emit_args[emit_count++] = a;
        }
        else if (cmd && strcmp(cmd, "validate") == 0 && !config_file && a[0] != '-') config_file = a;
        else {
            fprintf(stderr, "host: unexpected argument \"%s\"\n\n", a);
            cli_usage(stderr);
            return 2;
        }
    }
    log_configure(level, NULL, 0);
    if (cmd && strcmp(cmd, "service") == 0) {
        service_ctx sc = { modules_dir, allow_writable };
        int src = cli_service(service_argc, service_argv, config_file, run_service_engine, &sc);
        exit_if_stuck(src);
        log_shutdown();
        return src;
    }
    if (cmd && strcmp(cmd, "console") == 0) return cli_console(lim.control_path, config_file, open_browser);
    if (cmd && (strcmp(cmd, "status") == 0 || strcmp(cmd, "reload") == 0 || strcmp(cmd, "emit") == 0)) {
        /* The running host does the work: no modules to load here. */
        int crc = cli_control(lim.control_path, config_file, cmd, emit_count, emit_args);
        log_shutdown();
        return crc;
    }

    char dir[2048];
    if (!modules_dir) {
        if (loader_default_dir(dir, sizeof dir) != 0) { fprintf(stderr, "host: cannot find the executable's folder; pass --modules DIR\n"); return 1; }
        modules_dir = dir;
    }
    module_registry reg = { NULL, 0, 0 };
    /* Running: open only the modules the config names (see loader_defer_dir); every other command
     * looks at all of them. */
    if (!cmd && config_file) loader_defer_dir(&reg, modules_dir, host_api_get());
    else loader_scan(&reg, modules_dir, host_api_get());

    int rc;
    if (cmd && strcmp(cmd, "modules") == 0) rc = cli_modules(&reg, arg);
    else if (cmd && strcmp(cmd, "schema") == 0) rc = cli_schema(&reg, schema_out);
    else if (cmd && strcmp(cmd, "validate") == 0) {
        if (!config_file) { fprintf(stderr, "host: validate needs a config file: host validate FILE\n"); rc = 2; }
        else rc = cli_validate(&reg, config_file);
    } else if (cmd && strcmp(cmd, "test") == 0) {
        if (!config_file || !event_file) { fprintf(stderr, "host: test needs --config FILE and --event EVENT.json\n"); rc = 2; }
        else rc = cli_test(&reg, config_file, event_file, run);
    } else if (config_file) {
        rc = admin_paths_check(config_file, modules_dir, 0, allow_writable) ? 1 : run_engine(&reg, config_file, &lim);
        exit_if_stuck(rc);
    } else {
        cli_usage(stderr);
        rc = 2;
    }
    loader_unload_all(&reg);
    log_shutdown();
    return rc;
}
