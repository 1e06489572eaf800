/*
 * echo_action - an example action module, built from the SDK headers alone.
 *
 *   { "action": "echo", "text": "{{type}} from {{source}}: {{path}}", "file": "/var/log/echo.txt" }
 *
 * Renders `text` for each event, logs it through the host's logger and publishes it as `echo.text`,
 * so a later action of the same rule can use {{echo.text}}; with `file`, also appends it there as a line.
 *
 * What it shows:
 *  - the host renders templates: action_run reads the call's params (host->call_params), whose
 *    strings are already filled in for this event, and never parses "{{...}}" itself;
 *  - results: host->call_publish_string(call, "text", ...) is stored as "echo.text";
 *  - action_run may run on several workers at once: the instance is read-only after create, and
 *    everything per call lives on the stack;
 *  - engine origin: after writing `file` it tells the host (host->note_engine_write), so the file
 *    source marks the change it sees as caused by the engine and a rule watching that folder does not
 *    echo its own output forever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <wee/wee.h>

typedef struct echo {
    const wee_host_api *host; /* action_run gets no host argument: keep the table from create */
} echo;

static int echo_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                       size_t err_size)
{
    (void)opts; /* `text` is read per call, already rendered: nothing to keep from create */
    echo *e = malloc(sizeof *e);
    if (!e) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    e->host = host;
    *instance = e;
    return 0;
}

static int echo_run(void *instance, wee_action_call *call)
{
    const wee_host_api *host = ((echo *)instance)->host;
    const char *text = host->opt_string(host->call_params(call), "text");
    if (!text) text = "";
    int rc = host->call_publish_string(call, "text", text);
    if (rc != 0) {
        host->call_set_error(call, "cannot publish echo.text: %s", wee_strerror(rc));
        return rc;
    }
    host->log(WEE_LOG_INFO, "echo", "[%s] %s", host->call_rule_name(call), text);
    const char *file = host->opt_string(host->call_params(call), "file");
    if (file && *file) {
        /* Said before writing: the file source may see the change and emit before this call returns.
         * Several workers may append at once; each line is one write of a small buffer. */
        host->note_engine_write(file);
        FILE *f = fopen(file, "ab");
        if (!f) {
            host->call_set_error(call, "cannot open %s for appending", file);
            return WEE_EIO;
        }
        int bad = fprintf(f, "%s\n", text) < 0;
        bad |= fclose(f) != 0;
        if (bad) {
            host->call_set_error(call, "cannot write to %s", file);
            return WEE_EIO;
        }
    }
    return 0;
}

static void echo_destroy(void *instance) { free(instance); }

static const wee_option_spec echo_options[] = {
    WEE_OPTION(.name = "text", .type = WEE_OPT_STRING, .default_value = "\"{{type}} from {{source}}\"",
               .description = "text to log and publish as echo.text (template)"),
    WEE_OPTION(.name = "file", .type = WEE_OPT_STRING,
               .description = "also append the text to this file, as a line (template; absolute path best)"),
    WEE_OPTION_END
};

static const wee_module_desc echo_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = "echo",
    .version = "1.0.0",
    .description = "SDK example: logs a rendered text and publishes it as echo.text",
    .kind = WEE_MODULE_ACTION,
    .options = echo_options,
    .action_create = echo_create,
    .action_run = echo_run,
    .action_destroy = echo_destroy,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &echo_desc; }
