/*
 * modules/exec - the `exec` action: runs a program with arguments, never through a shell.
 *
 *   { "action": "exec", "command": "C:/Tools/scan.exe", "args": ["--quiet", "{{path}}"],
 *     "timeout_ms": 30000, "env": { "SCAN_MODE": "fast" } }
 *
 * Each argument is rendered on its own and reaches the child byte for byte, so an event value (a file
 * named `a b;$(touch x)'"&.txt`) can never become shell syntax. The child sees the event as
 * environment variables: WEE_EVENT_<FIELD> for every field ("http.status" -> WEE_EVENT_HTTP_STATUS),
 * EVENT_PATH / EVENT_TYPE / EVENT_SOURCE (the Rust original's names), then the `env` map, and always
 * WEE_ENGINE_CHILD=1 for the child's information (nothing trusts it: by_engine comes from parent pids).
 *
 * Published for later actions: exec.exit_code, exec.stdout (at most capture_bytes, one trailing newline
 * removed as shell command substitution does), exec.stdout_raw (the same bytes untrimmed),
 * exec.timed_out, exec.ok. A non-zero exit, a timeout or a failure to start fails the action.
 *
 * "detach": true starts the program and returns at once (no worker waits, nothing captured; see
 * exec_detached.h for the bounds and what happens at engine stop); published: exec.pid, exec.detached,
 * exec.ok.
 *
 * The instance holds no mutable state: concurrent calls from several workers share nothing but the
 * detached table, which has its own lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "wee/wee.h"
#include "util/env_name.h"
#include "util/utf8_cut.h"
#include "exec_detached.h"

#define EXEC_MODULE_NAME "exec"

typedef struct exec_action {
    const wee_host_api *host;
} exec_action;

/* "NAME=value" strings for plat_process_spec.env_add, NULL-terminated, one entry per name. */
typedef struct env_list {
    char **items;
    size_t count, cap;
} env_list;


/* Sets name=value, replacing an earlier entry of the same name so later sources of a variable win
 * (the `env` map over event fields) whatever the platform does with duplicates. */
static int env_set(env_list *e, const char *name, size_t name_len, const char *value)
{
    size_t value_len = strlen(value);
    char *item = malloc(name_len + value_len + 2);
    if (!item) return WEE_ENOMEM;
    memcpy(item, name, name_len);
    item[name_len] = '=';
    memcpy(item + name_len + 1, value, value_len + 1);
    for (size_t i = 0; i < e->count; i++) {
        const char *eq = strchr(e->items[i], '=');
        if ((size_t)(eq - e->items[i]) == name_len && env_name_equal(e->items[i], name, name_len)) {
            free(e->items[i]);
            e->items[i] = item;
            return 0;
        }
    }
    if (e->count + 2 > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 32;
        char **items = realloc(e->items, cap * sizeof *items);
        if (!items) { free(item); return WEE_ENOMEM; }
        e->items = items;
        e->cap = cap;
    }
    e->items[e->count++] = item;
    e->items[e->count] = NULL;
    return 0;
}

static void env_free(env_list *e)
{
    for (size_t i = 0; i < e->count; i++) free(e->items[i]);
    free(e->items);
}

/* WEE_EVENT_ + the field name upper-cased, anything but ASCII letters and digits as '_'. */
static int env_set_event_field(env_list *e, const char *field, const char *value)
{
    static const char prefix[] = "WEE_EVENT_";
    size_t plen = sizeof prefix - 1, flen = strlen(field);
    char *name = malloc(plen + flen + 1);
    if (!name) return WEE_ENOMEM;
    memcpy(name, prefix, plen);
    for (size_t i = 0; i < flen; i++) {
        char c = field[i];
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
        name[plen + i] = c;
    }
    int rc = env_set(e, name, plen + flen, value);
    free(name);
    return rc;
}

/* The options as bound (wee/bind.h) from create's options and from each call's rendered params. */
typedef struct exec_settings {
    const char *command, *cwd;
    wee_opt_list args;
    wee_opt_map env;
    int64_t timeout_ms, capture_bytes, max_detached;
    int inherit_event_env, detach, kill_on_stop;
} exec_settings;

static const wee_option_spec exec_options[] = {
    WEE_OPTION(.name = "command", .type = WEE_OPT_STRING, .required = 1,
               .description = "program to run: a path, or a name searched in PATH (template)", WEE_BIND(exec_settings, command)),
    WEE_OPTION(.name = "args", .type = WEE_OPT_STRING_LIST, .default_value = "[]", .flags = WEE_OPTF_ARGV,
               .description = "arguments, each rendered separately and passed as is: no shell", WEE_BIND(exec_settings, args)),
    WEE_OPTION(.name = "cwd", .type = WEE_OPT_STRING,
               .description = "working directory of the child (default: the engine's)", WEE_BIND(exec_settings, cwd)),
    WEE_OPTION(.name = "env", .type = WEE_OPT_STRING_MAP, .default_value = "{}",
               .description = "extra environment variables (values are templates)", WEE_BIND(exec_settings, env)),
    WEE_OPTION(.name = "timeout_ms", .type = WEE_OPT_INT, .default_value = "60000", .min = 0,
               .max = INT32_MAX,
               .description = "kill the child (and everything it started) after this long; 0: no limit "
                              "(the worker waits as long as the child runs)", WEE_BIND(exec_settings, timeout_ms)),
    WEE_OPTION(.name = "capture_bytes", .type = WEE_OPT_INT, .default_value = "65536", .min = 0,
               .max = 64 * 1024 * 1024, .description = "bytes of stdout kept in exec.stdout; the rest is dropped", WEE_BIND(exec_settings, capture_bytes)),
    WEE_OPTION(.name = "inherit_event_env", .type = WEE_OPT_BOOL, .default_value = "true",
               .description = "pass the event as WEE_EVENT_<FIELD>, EVENT_PATH, EVENT_TYPE, EVENT_SOURCE", WEE_BIND(exec_settings, inherit_event_env)),
    WEE_OPTION(.name = "detach", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "start the program and go on at once (for programs meant to keep running): no "
                              "worker waits, timeout_ms and capture_bytes do not apply, publishes exec.pid", WEE_BIND(exec_settings, detach)),
    WEE_OPTION(.name = "max_detached", .type = WEE_OPT_INT, .default_value = "4", .min = 1, .max = EXEC_DETACHED_TOTAL,
               .description = "with detach: at most this many of this action's programs alive at once; "
                              "another start fails the action until one ends", WEE_BIND(exec_settings, max_detached)),
    WEE_OPTION(.name = "kill_on_stop", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "with detach: kill the program and everything it started when the engine stops "
                              "(on Windows also when the host dies: kill-on-close job)", WEE_BIND(exec_settings, kill_on_stop)),
    WEE_OPTION_END
};

static int env_set_str(env_list *e, const char *name, const char *value)
{
    return env_set(e, name, strlen(name), value ? value : "");
}

static int build_env(const wee_host_api *host, const exec_settings *set, const wee_event *ev, env_list *e)
{
    int rc = 0;
    if (ev && set->inherit_event_env) {
        size_t count = host->event_field_count(ev);
        for (size_t i = 0; i < count && rc == 0; i++) {
            const char *name = host->event_field_name(ev, i);
            const char *value = host->event_field_string(ev, i);
            if (name && *name && !env_field_skipped(name)) rc = env_set_event_field(e, name, value ? value : "");
        }
        if (rc == 0) rc = env_set_str(e, "EVENT_PATH", host->event_get_string(ev, "path"));
        if (rc == 0) rc = env_set_str(e, "EVENT_TYPE", host->event_type(ev));
        if (rc == 0) rc = env_set_str(e, "EVENT_SOURCE", host->event_get_string(ev, "source"));
    }
    for (size_t i = 0; i < set->env.count && rc == 0; i++) {
        const char *name = wee_map_key(&set->env, i);
        if (name && *name) rc = env_set_str(e, name, wee_map_value(&set->env, i));
    }
    /* Last, so the child can rely on it; the engine itself never trusts it (any program can set it). */
    if (rc == 0) rc = env_set_str(e, "WEE_ENGINE_CHILD", "1");
    return rc;
}

static int exec_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                       size_t err_size)
{
    exec_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, opts, exec_options, &set);
    const char *command = set.command;
    if (!command || !*command) {
        snprintf(err, err_size, "'command' is empty: give the program to run (a path, or a name "
                 "searched in PATH)");
        return WEE_ECONFIG;
    }
    exec_action *a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    a->host = host;
    *instance = a;
    return 0;
}

/* exec.stdout is what `$(cmd)` gives in a shell, one trailing newline ("\n" or "\r\n") fewer, so
 * "{{exec.stdout}}" fits inside a line; exec.stdout_raw keeps the bytes as the program wrote them. */
static void publish_outcome(const wee_host_api *host, wee_action_call *call, int exit_code,
                            char *out, int timed_out, int ok)
{
    host->call_publish_int(call, "exit_code", exit_code);
    host->call_publish_string(call, "stdout_raw", out ? out : "");
    size_t n = out ? strlen(out) : 0;
    if (n > 0 && out[n - 1] == '\n') {
        out[--n] = '\0';
        if (n > 0 && out[n - 1] == '\r') out[--n] = '\0';
    }
    host->call_publish_string(call, "stdout", out ? out : "");
    host->call_publish_bool(call, "timed_out", timed_out);
    host->call_publish_bool(call, "ok", ok);
}

static int exec_run(void *instance, wee_action_call *call)
{
    exec_action *a = instance;
    const wee_host_api *host = a->host;
    exec_settings set; /* bound from this call's rendered params */
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, host->call_params(call), exec_options, &set);
    const char *command = set.command;
    if (!command || !*command) {
        host->call_set_error(call, "command rendered to an empty string; nothing to run");
        publish_outcome(host, call, -1, NULL, 0, 0);
        return WEE_EINVAL;
    }

    int detach = set.detach;
    size_t nargs = set.args.count;
    const char **argv = malloc((nargs + 2) * sizeof *argv);
    env_list env = { NULL, 0, 0 };
    if (!argv || build_env(host, &set, host->call_event(call), &env) != 0) {
        free(argv);
        env_free(&env);
        host->call_set_error(call, "out of memory preparing command '%s'", command);
        return WEE_ENOMEM;
    }
    argv[0] = command;
    for (size_t i = 0; i < nargs; i++) {
        const char *arg = wee_list_at(&set.args, i);
        argv[i + 1] = arg ? arg : "";
    }
    argv[nargs + 1] = NULL;

    const char *cwd = set.cwd;
    int64_t timeout_ms = set.timeout_ms;
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.env_add = (const char *const *)env.items;
    spec.cwd = cwd && *cwd ? cwd : NULL;
    spec.timeout_ms = timeout_ms;
    spec.stdout_max = (size_t)set.capture_bytes;
    spec.capture_stderr = 0; /* the child's stderr goes where the engine's goes: the console or service log */

    if (host->log_enabled(WEE_LOG_DEBUG))
        host->log(WEE_LOG_DEBUG, EXEC_MODULE_NAME, "rule '%s': running '%s' with %u argument(s)",
                  host->call_rule_name(call), command, (unsigned)nargs);

    plat_process_result res;
    memset(&res, 0, sizeof res);
    if (detach) {
        char why[400] = "";
        int rc = exec_detached_start(a, set.max_detached, set.kill_on_stop,
                                     host->call_rule_name(call), &spec, &res, why, sizeof why);
        free(argv);
        env_free(&env);
        host->call_publish_bool(call, "detached", 1);
        host->call_publish_int(call, "pid", rc == 0 ? (int64_t)res.pid : -1);
        host->call_publish_bool(call, "ok", rc == 0);
        if (rc != 0) host->call_set_error(call, "cannot start '%s' detached: %s", command, why);
        return rc;
    }
    int rc = plat_process_run(&spec, &res);
    free(argv);
    env_free(&env);

    if (rc != 0 || !res.started) {
        host->call_set_error(call, "cannot start '%s': %s", command,
                             res.error[0] ? res.error : wee_strerror(rc ? rc : WEE_EFAILED));
        publish_outcome(host, call, -1, NULL, 0, 0);
        plat_process_result_free(&res);
        return rc < 0 ? rc : WEE_EFAILED;
    }

    if (res.out_truncated) utf8_cut_in_place(res.out);
    int ok = !res.timed_out && res.exit_code == 0;
    publish_outcome(host, call, res.exit_code, res.out, res.timed_out, ok);

    int result = 0;
    if (res.timed_out) {
        host->call_set_error(call, "command '%s' timed out after %lld ms; process group killed", command,
                             (long long)timeout_ms);
        result = WEE_ETIMEOUT;
    } else if (res.exit_code < 0) {
        /* POSIX reports death by signal as -signal. */
        host->call_set_error(call, "command '%s' was killed by signal %d", command, -res.exit_code);
        result = WEE_EFAILED;
    } else if (res.exit_code != 0) {
        host->call_set_error(call, "command '%s' exited with code %d", command, res.exit_code);
        result = WEE_EFAILED;
    }
    plat_process_result_free(&res);
    return result;
}

static void exec_destroy(void *instance)
{
    exec_detached_forget_owner(instance);
    free(instance);
}

static int exec_module_init(const wee_host_api *host, char *err, size_t err_size)
{
    (void)err;
    (void)err_size;
    exec_detached_init(host);
    return 0;
}

static void exec_module_shutdown(void) { exec_detached_shutdown(); }


static const wee_module_desc exec_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = EXEC_MODULE_NAME,
    .version = "1.0.0",
    .description = "runs a program with arguments (no shell), with the event in its environment",
    .kind = WEE_MODULE_ACTION,
    .options = exec_options,
    .action_create = exec_create,
    .action_run = exec_run,
    .action_destroy = exec_destroy,
    .module_init = exec_module_init,
    .module_shutdown = exec_module_shutdown,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &exec_desc; }
