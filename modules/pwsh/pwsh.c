/*
 * modules/pwsh - the `pwsh` action: runs a PowerShell script (inline or a .ps1 file) per event.
 *
 *   { "action": "pwsh", "script": "Write-Output \"got $env:EVENT_PATH ($($WeeArgs[0]))\"",
 *     "args": ["{{name}}"], "timeout_ms": 30000 }
 *   { "action": "pwsh", "file": "C:/Scripts/on-download.ps1", "args": ["{{path}}"] }
 *
 * The inline script is used exactly as written - it is not a template - so event data can never
 * become PowerShell code; the script reads the event from its environment (WEE_EVENT_<FIELD> and the
 * Rust original's EVENT_PATH, FILENAME, ...) and its rendered arguments from $WeeArgs. A `file`
 * script gets the rendered arguments as process arguments after -File. See pwsh_args.h for why
 * -EncodedCommand.
 *
 * Which PowerShell: "pwsh" in PATH if it runs, else the .NET global tool in the user's home, else
 * "powershell.exe", found by pwsh_probe (a candidate must print 42 for 6*7). Without one, action_create fails with the probe's reason, so `host validate`
 * reports it at the action's JSON path. A success is remembered for the life of the module; a
 * failure is probed again at the next create (installing PowerShell then reloading is enough).
 *
 * Published for later actions, like exec: pwsh.exit_code, pwsh.stdout and pwsh.stderr (each at most
 * capture_bytes, cut on a UTF-8 boundary), pwsh.timed_out, pwsh.ok. A non-zero exit, a timeout or a
 * failure to start fails the action. On timeout the whole process tree is killed (plat_process_run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "pwsh_args.h"
#include "util/env_name.h"
#include "util/utf8_cut.h"
#include "pwsh_probe.h"
#include "wee/wee.h"

#define PWSH_MODULE_NAME "pwsh"
/* CreateProcess takes at most 32767 characters of command line; leave room for the rest of it. */
#define PWSH_ENCODED_MAX 30000

typedef struct pwsh_action {
    const wee_host_api *host;
    char exe[PWSH_EXE_MAX];
    char *encoded; /* inline script, ready for -EncodedCommand; NULL with `file` */
} pwsh_action;

static plat_mutex g_probe_lock;
static int g_probe_ok;
static char g_probe_exe[PWSH_EXE_MAX];

static int pwsh_module_init(const wee_host_api *host, char *err, size_t err_size)
{
    (void)host; (void)err; (void)err_size;
    plat_mutex_init(&g_probe_lock);
    return 0;
}

static void pwsh_module_shutdown(void) { plat_mutex_destroy(&g_probe_lock); }

/* The remembered probe result, or a fresh probe. */
static int find_powershell(char *exe, size_t exe_size, char *err, size_t err_size)
{
    plat_mutex_lock(&g_probe_lock);
    int rc = 0;
    if (!g_probe_ok) {
        rc = pwsh_probe(g_probe_exe, sizeof g_probe_exe, err, err_size);
        g_probe_ok = rc == 0;
    }
    if (rc == 0) snprintf(exe, exe_size, "%s", g_probe_exe);
    plat_mutex_unlock(&g_probe_lock);
    return rc;
}

/* The options as bound (wee/bind.h) from create's options and from each call's rendered params. */
typedef struct pwsh_settings {
    const char *script, *file, *cwd;
    wee_opt_list args;
    int64_t timeout_ms, capture_bytes;
    int inherit_event_env;
} pwsh_settings;

static const wee_option_spec pwsh_options[] = {
    WEE_OPTION(.name = "script", .type = WEE_OPT_STRING, .flags = WEE_OPTF_ARGV_AS_DATA,
               .description = "inline PowerShell, used as written (not a template; read $env:WEE_EVENT_* and $WeeArgs)",
               WEE_BIND(pwsh_settings, script)),
    WEE_OPTION(.name = "file", .type = WEE_OPT_STRING, .flags = WEE_OPTF_WATCHED_FILE,
               .description = "a .ps1 file run with -File (relative: from the config's folder; edits reload the config)",
               WEE_BIND(pwsh_settings, file)),
    WEE_OPTION(.name = "args", .type = WEE_OPT_STRING_LIST, .default_value = "[]", .flags = WEE_OPTF_ARGV,
               .description = "arguments, each rendered: after -File, or as $WeeArgs for an inline script",
               WEE_BIND(pwsh_settings, args)),
    WEE_OPTION(.name = "cwd", .type = WEE_OPT_STRING,
               .description = "working directory of PowerShell (default: the engine's)",
               WEE_BIND(pwsh_settings, cwd)),
    WEE_OPTION(.name = "timeout_ms", .type = WEE_OPT_INT, .default_value = "60000", .min = 0, .max = INT32_MAX,
               .description = "kill PowerShell and everything it started after this long; 0: no limit",
               WEE_BIND(pwsh_settings, timeout_ms)),
    WEE_OPTION(.name = "capture_bytes", .type = WEE_OPT_INT, .default_value = "65536", .min = 0,
               .max = 64 * 1024 * 1024, .description = "bytes kept of stdout and of stderr each",
               WEE_BIND(pwsh_settings, capture_bytes)),
    WEE_OPTION(.name = "inherit_event_env", .type = WEE_OPT_BOOL, .default_value = "true",
               .description = "pass the event as WEE_EVENT_<FIELD> and EVENT_PATH, FILENAME, ... variables",
               WEE_BIND(pwsh_settings, inherit_event_env)),
    WEE_OPTION_END
};

static int pwsh_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                       size_t err_size)
{
    pwsh_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, opts, pwsh_options, &set);
    const char *script = set.script, *file = set.file;
    if ((script != NULL) == (file != NULL)) {
        snprintf(err, err_size, "give exactly one of 'script' (inline PowerShell) or 'file' (a .ps1 path)");
        return WEE_ECONFIG;
    }
    if ((script && !*script) || (file && !*file)) {
        snprintf(err, err_size, "'%s' is empty", script ? "script" : "file");
        return WEE_ECONFIG;
    }
    pwsh_action *a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    a->host = host;
    if (script) {
        char *full = pwsh_inline_script(script);
        a->encoded = full ? pwsh_encode_command(full) : NULL;
        free(full);
        if (!a->encoded) {
            free(a);
            snprintf(err, err_size, "'script' is not valid UTF-8 (or out of memory)");
            return WEE_ECONFIG;
        }
        size_t len = strlen(a->encoded);
        if (len > PWSH_ENCODED_MAX) {
            free(a->encoded);
            free(a);
            snprintf(err, err_size, "'script' is too long for a command line (%lu characters encoded, at most %d);"
                     " save it as a .ps1 and use 'file'", (unsigned long)len, PWSH_ENCODED_MAX);
            return WEE_ECONFIG;
        }
    }
    int rc = find_powershell(a->exe, sizeof a->exe, err, err_size);
    if (rc != 0) {
        free(a->encoded);
        free(a);
        return WEE_EUNSUPPORTED;
    }
    *instance = a;
    return 0;
}

static void pwsh_destroy(void *instance)
{
    pwsh_action *a = instance;
    free(a->encoded);
    free(a);
}

static int build_env(const wee_host_api *host, const pwsh_settings *set, const wee_event *ev, int inline_script,
                     pwsh_env *e)
{
    int rc = 0;
    if (ev && set->inherit_event_env) {
        size_t count = host->event_field_count(ev);
        for (size_t i = 0; i < count && rc == 0; i++) {
            const char *name = host->event_field_name(ev, i);
            const char *value = host->event_field_string(ev, i);
            if (name && *name && !env_field_skipped(name)) rc = pwsh_env_add_field(e, name, value ? value : "");
        }
        /* The type is not always one of the fields (an event built by hand); the env always has it. */
        if (rc == 0 && host->event_type(ev)) rc = pwsh_env_add_field(e, "type", host->event_type(ev));
    }
    if (rc == 0 && inline_script) {
        size_t n = set->args.count;
        const char **args = calloc(n + 1, sizeof *args);
        if (!args) return -1;
        for (size_t i = 0; i < n; i++) args[i] = wee_list_at(&set->args, i);
        rc = pwsh_env_add_args(e, args, n);
        free(args);
    }
    /* Plain error text, not ANSI colour codes, in pwsh.stderr (PowerShell 7.4+ honours NO_COLOR). */
    if (rc == 0) rc = pwsh_env_set(e, "NO_COLOR", "1");
    /* For the script's information only: the process source decides by_engine from parent pids. */
    if (rc == 0) rc = pwsh_env_set(e, "WEE_ENGINE_CHILD", "1");
    return rc;
}

static void publish(const wee_host_api *host, wee_action_call *call, int exit_code, const char *out,
                    const char *errs, int timed_out, int ok)
{
    host->call_publish_int(call, "exit_code", exit_code);
    host->call_publish_string(call, "stdout", out ? out : "");
    host->call_publish_string(call, "stderr", errs ? errs : "");
    host->call_publish_bool(call, "timed_out", timed_out);
    host->call_publish_bool(call, "ok", ok);
}

static int pwsh_run(void *instance, wee_action_call *call)
{
    pwsh_action *a = instance;
    const wee_host_api *host = a->host;
    pwsh_settings set; /* bound from this call's rendered params */
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, host->call_params(call), pwsh_options, &set);
    const char *file = a->encoded ? NULL : set.file;
    const char *what = file ? file : "inline script";
    if (!a->encoded && (!file || !*file)) {
        host->call_set_error(call, "file rendered to an empty path; nothing to run");
        publish(host, call, -1, "", "", 0, 0);
        return WEE_EINVAL;
    }

    size_t nargs = file ? set.args.count : 0;
    const char **args = calloc(nargs + 1, sizeof *args);
    size_t cap = 1 + PWSH_FIXED_ARG_COUNT + 2 + nargs + 1;
    const char **argv = calloc(cap, sizeof *argv);
    pwsh_env env = { NULL, 0, 0 };
    int prep = args && argv ? 0 : -1;
    for (size_t i = 0; prep == 0 && i < nargs; i++) args[i] = wee_list_at(&set.args, i);
    if (prep == 0 && pwsh_build_argv(a->exe, a->encoded, file, args, nargs, argv, cap) == 0) prep = -1;
    if (prep == 0) prep = build_env(host, &set, host->call_event(call), a->encoded != NULL, &env);
    if (prep != 0) {
        free(args);
        free(argv);
        pwsh_env_free(&env);
        host->call_set_error(call, "out of memory preparing %s", what);
        return WEE_ENOMEM;
    }

    const char *cwd = set.cwd;
    int64_t timeout_ms = set.timeout_ms;
    size_t capture = (size_t)set.capture_bytes;
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.env_add = (const char *const *)env.items;
    spec.cwd = cwd && *cwd ? cwd : NULL;
    spec.timeout_ms = timeout_ms;
    spec.stdout_max = capture;
    spec.stderr_max = capture;
    spec.capture_stderr = 1;

    if (host->log_enabled(WEE_LOG_DEBUG))
        host->log(WEE_LOG_DEBUG, PWSH_MODULE_NAME, "rule '%s': %s runs %s with %u argument(s)",
                  host->call_rule_name(call), a->exe, what, (unsigned)set.args.count);

    plat_process_result res;
    memset(&res, 0, sizeof res);
    int rc = plat_process_run(&spec, &res);
    free(args);
    free(argv);
    pwsh_env_free(&env);

    if (rc != 0 || !res.started) {
        host->call_set_error(call, "cannot start %s for %s: %s", a->exe, what,
                             res.error[0] ? res.error : wee_strerror(rc ? rc : WEE_EFAILED));
        publish(host, call, -1, "", "", 0, 0);
        plat_process_result_free(&res);
        return rc < 0 ? rc : WEE_EFAILED;
    }
    if (res.out_truncated) utf8_cut_in_place(res.out);
    utf8_cut_in_place(res.err); /* stderr has no truncation flag in every backend: cutting a whole text is a no-op */
    int ok = !res.timed_out && res.exit_code == 0;
    publish(host, call, res.exit_code, res.out, res.err, res.timed_out, ok);

    int result = 0;
    if (res.timed_out) {
        host->call_set_error(call, "%s timed out after %lld ms; PowerShell and its children killed", what,
                             (long long)timeout_ms);
        result = WEE_ETIMEOUT;
    } else if (res.exit_code != 0) {
        char first[160] = "";
        if (res.err && *res.err) {
            size_t n = strcspn(res.err, "\r\n");
            snprintf(first, sizeof first, ": %.*s", (int)(n < 150 ? n : 150), res.err);
        }
        host->call_set_error(call, "%s exited with code %d%s", what, res.exit_code, first);
        result = WEE_EFAILED;
    }
    plat_process_result_free(&res);
    return result;
}


static const wee_module_desc pwsh_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = PWSH_MODULE_NAME,
    .version = "1.0.0",
    .description = "runs a PowerShell script (pwsh, else powershell.exe) with the event in its environment",
    .kind = WEE_MODULE_ACTION,
    .options = pwsh_options,
    .module_init = pwsh_module_init,
    .module_shutdown = pwsh_module_shutdown,
    .action_create = pwsh_create,
    .action_run = pwsh_run,
    .action_destroy = pwsh_destroy,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &pwsh_desc; }
