/*
 * core/cli.h - the host's subcommands. Each returns the process exit code.
 *   host [--modules DIR] --config FILE | -c FILE      run until Ctrl+C / SIGTERM
 *   host [--modules DIR] modules [--describe NAME]
 *   host [--modules DIR] validate FILE
 *   host [--modules DIR] test --config FILE --event EVENT.json [--run]
 *   host [--modules DIR] schema [--out FILE]   (cli_schema.c)
 *   host [--control PATH | --config FILE] status | reload | emit TYPE [field=value ...]   (cli_control.c)
 *   host [--control PATH | --config FILE] console [--open]   (cli_console.c)
 *   host [--modules DIR] service install|uninstall|start|stop|run [--config PATH] [--name NAME]  (cli_service.c)
 */
#ifndef WEE_CLI_H
#define WEE_CLI_H
#include <stdio.h>
#include "loader.h"

int cli_modules(const module_registry *reg, const char *describe_name);
int cli_validate(const module_registry *reg, const char *file);
int cli_test(const module_registry *reg, const char *config_file, const char *event_file, int run);
/* Prints the config's JSON Schema (schema.c) for the loaded modules, or writes it to out_file. */
int cli_schema(const module_registry *reg, const char *out_file);
/* Sends status/reload/emit to the running host's control channel and prints its answer. The endpoint:
 * control_path, else config_file's engine.control.path, else the per-user default. args are emit's
 * TYPE and field=value pairs. */
int cli_control(const char *control_path, const char *config_file, const char *command, int argc,
                const char *const *args);
/* The running host's control endpoint as cli_control finds it, into path. 0, or 1 (printed why). */
int cli_control_path(const char *control_path, const char *config_file, const char *command, char *path, size_t size);
/* `host console [--open]`: prints the running host's console URL with its token (console_http.h),
 * and opens it in the default browser with open. */
int cli_console(const char *control_path, const char *config_file, int open);
/* Runs the engine on config_file until it is told to stop; returns the exit code (main.c's run_engine). */
typedef int (*cli_engine_fn)(const char *config_file, void *ctx);
/* `host service ACTION ...`: argv are the words after "service"; config_file a --config given before
 * it. `run` (what the SCM starts) calls run(config, ctx) under the service control handler. */
int cli_service(int argc, char **argv, const char *config_file, cli_engine_fn run, void *ctx);
#endif
