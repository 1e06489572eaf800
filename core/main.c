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

#define EMIT_ARGS_MAX 65   /* TYPE + 64 fields */

typedef struct run_limits {
    int64_t duration_ms;     /* > 0: stop after this long */
    const char *stop_file;   /* stop as soon as this path exists */
    const char *control_path; /* --control: overrides engine.control.path (and enables the channel) */
} run_limits;

/* The control endpoint this host uses (--control, engine.control.path, else the per-user default);
 * the console's URL file lives beside it. 1 for an explicit path, 0 for the default, -1 if no default
 * could be built. */
static int control_path_of(const config *cfg, const run_limits *lim, char *path, size_t size)
{
    const char *explicit_path = lim->control_path ? lim->control_path : cfg->engine.control_path;
    if (explicit_path) { snprintf(path, size, "%s", explicit_path); return 1; }
    return plat_ipc_default_path(path, size) == 0 ? 0 : -1;
}

/* Binds the control channel before any source starts, so a host that cannot own it fails early.
 * An explicit path (--control, engine.control.path) that cannot be bound is fatal; the per-user
 * default only warns, so several hosts (tests, side-by-side configs) can still run. */
static int open_control(const config *cfg, const run_limits *lim, control_server **out)
{
    *out = NULL;
    if (!cfg->engine.control_enabled && !lim->control_path) return 0;
    char path[1024], err[512] = "";
    int explicit_path = control_path_of(cfg, lim, path, sizeof path);
    if (explicit_path < 0) {
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
    config_unload_unused_modules(cfg, reg);
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
        if (control_path_of(cfg, lim, ctl, sizeof ctl) < 0 ||
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

/* Everything the command line says, for the command that runs. */
typedef struct cli_args {
    const char *modules_dir, *config_file, *event_file, *describe, *schema_out;
    int run, allow_writable, open_browser;
    run_limits lim;
    const char *words[EMIT_ARGS_MAX];   /* the command's own words (emit's TYPE and fields) */
    int word_count;
    char **rest;                        /* CMD_REST: every word after the command's name */
    int rest_count;
} cli_args;

enum {
    CMD_SCAN = 1u,          /* loads every module of the modules folder first */
    CMD_DEFER = 2u,         /* loads only the modules the config names (running) */
    CMD_REST = 4u,          /* every later word belongs to the command (service ACTION ...) */
    CMD_WORD_CONFIG = 8u,   /* its one word is the config file (validate FILE) */
};

typedef struct cli_command {
    const char *name;       /* NULL: what runs without a command name (the engine, with --config) */
    const char *synopsis;   /* after "host " in the usage */
    const char *help;       /* '\n' continues on the next line of the usage */
    unsigned flags;
    int max_words;          /* words after the name it takes (CMD_REST: all of them) */
    int (*run)(const cli_args *a, module_registry *reg, const char *command);
} cli_command;

static int cmd_run_engine(const cli_args *a, module_registry *reg, const char *command)
{
    int rc = admin_paths_check(a->config_file, a->modules_dir, 0, a->allow_writable) ? 1 : run_engine(reg, a->config_file, &a->lim);
    exit_if_stuck(rc);
    return rc;
}

static int cmd_modules(const cli_args *a, module_registry *reg, const char *command) { return cli_modules(reg, a->describe); }

static int cmd_validate(const cli_args *a, module_registry *reg, const char *command)
{
    if (!a->config_file) { fprintf(stderr, "host: validate needs a config file: host validate FILE\n"); return 2; }
    return cli_validate(reg, a->config_file);
}

static int cmd_test(const cli_args *a, module_registry *reg, const char *command)
{
    if (!a->config_file || !a->event_file) { fprintf(stderr, "host: test needs --config FILE and --event EVENT.json\n"); return 2; }
    return cli_test(reg, a->config_file, a->event_file, a->run);
}

static int cmd_schema(const cli_args *a, module_registry *reg, const char *command) { return cli_schema(reg, a->schema_out); }

/* status, reload, emit: the running host does the work, so no modules are loaded here. */
static int cmd_control(const cli_args *a, module_registry *reg, const char *command)
{
    return cli_control(a->lim.control_path, a->config_file, command, a->word_count, a->words);
}

static int cmd_console(const cli_args *a, module_registry *reg, const char *command)
{
    return cli_console(a->lim.control_path, a->config_file, a->open_browser);
}

static int cmd_service(const cli_args *a, module_registry *reg, const char *command)
{
    service_ctx sc = { a->modules_dir, a->allow_writable };
    int rc = cli_service(a->rest_count, a->rest, a->config_file, run_service_engine, &sc);
    exit_if_stuck(rc);
    return rc;
}

/* The one list of subcommands: parsing, dispatch and the usage text all read it. */
static const cli_command commands[] = {
    { NULL, "[--modules DIR] --config FILE", "run the engine (also -c FILE); Ctrl+C stops it", CMD_DEFER, 0,
      cmd_run_engine },
    { "modules", "[--modules DIR] modules [--describe NAME]", "list loaded modules, or print one module's options",
      CMD_SCAN, 0, cmd_modules },
    { "validate", "[--modules DIR] validate FILE", "check a config; prints every error with its JSON path",
      CMD_SCAN | CMD_WORD_CONFIG, 1, cmd_validate },
    { "test", "[--modules DIR] test --config FILE --event EVENT.json [--run]",
      "show which rules match an event and what they would do", CMD_SCAN, 0, cmd_test },
    { "schema", "[--modules DIR] schema [--out FILE]",
      "JSON Schema of the config for editors (built from the modules)", CMD_SCAN, 0, cmd_schema },
    { "status", "[--control PATH | --config FILE] status", "figures of the running host", 0, 0, cmd_control },
    { "reload", "[--control PATH] reload", "make the running host re-read its config", 0, 0, cmd_control },
    { "console", "[--control PATH | --config FILE] console [--open]",
      "URL (with access token) of the running host's web console", 0, 0, cmd_console },
    { "emit", "[--control PATH] emit TYPE [field=value ...]",
      "inject an event (values: integers, true/false, else strings)", 0, EMIT_ARGS_MAX, cmd_control },
    { "service", "[--modules DIR] service install|uninstall|start|stop|run [--config PATH] [--name NAME]",
      "Windows service (default name WinEventEngine, config\n%PROGRAMDATA%\\WinEventEngine\\config.json); Linux: systemd unit",
      CMD_REST, 0, cmd_service },
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])
#define USAGE_HELP_COLUMN 41

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (commands[i].name && strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

static const cli_command *default_command(void)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (!commands[i].name) return &commands[i];
    return NULL;
}

static void cli_usage(FILE *out)
{
    fprintf(out, "WinEventEngine host %s (module ABI %u.%u)\nusage:\n", WEE_VERSION, WEE_ABI_MAJOR, WEE_ABI_MINOR);
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        int used = fprintf(out, "  host %s", commands[i].synopsis);
        /* The help in its column; after a synopsis that reaches it, on the next line. */
        if (used < 0 || used >= USAGE_HELP_COLUMN - 1) { fputc('\n', out); used = 0; }
        for (const char *h = commands[i].help; *h; ) {
            const char *nl = strchr(h, '\n');
            int len = nl ? (int)(nl - h) : (int)strlen(h);
            fprintf(out, "%*s%.*s\n", USAGE_HELP_COLUMN - used, "", len, h);
            used = 0;
            h += len + (nl ? 1 : 0);
        }
    }
    fputs("  host --version | --help\n"
          "run options: --duration MS (stop after MS), --stop-file PATH (stop when PATH exists),\n"
          "             --control PATH (control socket / pipe; overrides engine.control.path),\n"
          "             --allow-writable-paths (as root / the service: warn instead of refusing a config or\n"
          "             modules folder that non-administrators can change; docs/security.md)\n"
          "options: --log-level trace|debug|info|warn|error (default info; the config's engine.log wins when running)\n",
          out);
}

int main(int argc, char **argv)
{
    plat_signals_init();
    argv = plat_utf8_argv(argc, argv);
    cli_args a;
    memset(&a, 0, sizeof a);
    int level = WEE_LOG_INFO;
    const cli_command *cmd = NULL;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        int has_next = i + 1 < argc;
        const cli_command *named = NULL;
        if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) { cli_usage(stdout); return 0; }
        else if (strcmp(w, "--version") == 0) { printf("host %s (module ABI %u.%u)\n", WEE_VERSION, WEE_ABI_MAJOR, WEE_ABI_MINOR); return 0; }
        else if (strcmp(w, "--modules") == 0 && has_next) a.modules_dir = argv[++i];
        else if ((strcmp(w, "--config") == 0 || strcmp(w, "-c") == 0) && has_next) a.config_file = argv[++i];
        else if (strcmp(w, "--event") == 0 && has_next) a.event_file = argv[++i];
        else if (strcmp(w, "--describe") == 0 && has_next) a.describe = argv[++i];
        else if (strcmp(w, "--log-level") == 0 && has_next) {
            level = log_level_parse(argv[++i]);
            if (level < 0) { fprintf(stderr, "host: --log-level: expected trace|debug|info|warn|error, got \"%s\"\n", argv[i]); return 2; }
        }
        else if (strcmp(w, "--run") == 0) a.run = 1;
        else if (strcmp(w, "--allow-writable-paths") == 0) a.allow_writable = 1;
        else if (strcmp(w, "--open") == 0) a.open_browser = 1;
        else if (strcmp(w, "--out") == 0 && has_next) a.schema_out = argv[++i];
        else if (strcmp(w, "--stop-file") == 0 && has_next) a.lim.stop_file = argv[++i];
        else if (strcmp(w, "--control") == 0 && has_next) a.lim.control_path = argv[++i];
        else if (strcmp(w, "--duration") == 0 && has_next) {
            char *end;
            a.lim.duration_ms = strtoll(argv[++i], &end, 10);
            if (*end || a.lim.duration_ms <= 0) { fprintf(stderr, "host: --duration: expected milliseconds > 0, got \"%s\"\n", argv[i]); return 2; }
        }
        else if (!cmd && (named = find_command(w)) != NULL) {
            cmd = named;
            if (cmd->flags & CMD_REST) {
                a.rest = argv + i + 1;
                a.rest_count = argc - i - 1;
                break;
            }
        }
        else if (cmd && w[0] != '-' && (cmd->flags & CMD_WORD_CONFIG) && !a.config_file) a.config_file = w;
        else if (cmd && w[0] != '-' && !(cmd->flags & CMD_WORD_CONFIG) && cmd->max_words > 0) {
            if (a.word_count == cmd->max_words) { fprintf(stderr, "host %s: more than %d fields\n", cmd->name, cmd->max_words - 1); return 2; }
            a.words[a.word_count++] = w;
        }
        else {
            fprintf(stderr, "host: unexpected argument \"%s\"\n\n", w);
            cli_usage(stderr);
            return 2;
        }
    }
    log_configure(level, NULL, 0);
    if (!cmd) cmd = default_command();
    if (!cmd->name && !a.config_file) {
        cli_usage(stderr);
        return 2;
    }
    module_registry reg = { NULL, 0, 0 };
    char dir[2048];
    if (cmd->flags & (CMD_SCAN | CMD_DEFER)) {
        if (!a.modules_dir) {
            if (loader_default_dir(dir, sizeof dir) != 0) { fprintf(stderr, "host: cannot find the executable's folder; pass --modules DIR\n"); return 1; }
            a.modules_dir = dir;
        }
        /* Running: open only the modules the config names (see loader_defer_dir); every other command
         * looks at all of them. */
        if (cmd->flags & CMD_DEFER) loader_defer_dir(&reg, a.modules_dir, host_api_get());
        else loader_scan(&reg, a.modules_dir, host_api_get());
    }
    int rc = cmd->run(&a, &reg, cmd->name);
    loader_unload_all(&reg);
    log_shutdown();
    return rc;
}
