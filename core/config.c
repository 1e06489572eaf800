/*
 * core/config.c - config_load_*: parse the document, check the top level, load each section in order
 * (engine before rules: the http switch; sources before rules: when.source), and hand back a config
 * only when nothing at all was wrong. Every error is collected in one pass.
 */
#include "config_internal.h"
#include "config_keys.h"
#include "config_include.h"
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "wee/errors.h"

/* One array per level: a new top-level key is one more line here (plus its loader below). */
/* "$schema" lets an editor find config/schema/wee.schema.json; the host ignores its value. */
static const char *const top_keys[] = { "version", "engine", "sources", "rules", "$schema", "modules", "include", NULL };
const char *const *const config_top_keys = top_keys; /* for the schema generator (config_keys.h) */

static void check_version(const cJSON *root, diag_list *d)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!v) {
        diag_add(d, "version", "missing; add \"version\": 1 at the top of the file");
    } else if (!cJSON_IsNumber(v) || v->valuedouble != 1.0) {
        char seen[128];
        diag_describe_json(v, seen, sizeof seen);
        diag_add(d, "version", "expected 1, got %s", seen);
    }
}

static void free_unbuilt_rules(config_ctx *x)
{
    for (size_t i = 0; i < x->rule_count; i++) rule_free_members(&x->rules[i]);
    free(x->rules);
    x->rules = NULL;
    x->rule_count = 0;
}

static config *load_document(cJSON *root, const char *file_name, const module_registry *reg,
                             const wee_host_api *api, int create_actions, diag_list *d, config_includes *inc,
                             const char *override_file, const char *override_text)
{
    size_t errors_before = d->count;
    config *c = calloc(1, sizeof *c);
    config_ctx x = { reg, api, d, c, NULL, 0, NULL, 0 };
    if (c) c->file = config_strdup(&x, "", file_name ? file_name : "");
    if (!c || !c->file) {
        if (!c) diag_add(d, "", "out of memory loading the config; the running config (if any) is kept");
        free(c);
        return NULL;
    }

    config_check_keys(root, "", top_keys, d);
    check_version(root, d);
    config_load_engine(&x, cJSON_GetObjectItemCaseSensitive(root, "engine"), "engine");
    config_includes_merge(c->file, root, override_file, override_text, inc, d);
    config_load_sources(&x, cJSON_GetObjectItemCaseSensitive(root, "sources"), "sources");
    config_load_rules(&x, cJSON_GetObjectItemCaseSensitive(root, "rules"), "rules");
    config_check_modules(&x, cJSON_GetObjectItemCaseSensitive(root, "modules"), "modules");
    free((void *)x.source_ids); /* borrowed strings from the document: only the array is ours */

    if (d->count != errors_before) {
        free_unbuilt_rules(&x);
        config_free(c);
        return NULL;
    }
    c->rules = rule_set_new(x.rules, x.rule_count); /* owns the rules from here, even when it fails */
    if (!c->rules) {
        diag_add(d, "rules", "out of memory indexing the rules");
        config_free(c);
        return NULL;
    }
    /* Module-wide settings first: the actions created next may refer to them. */
    if (config_configure_modules(&x, cJSON_GetObjectItemCaseSensitive(root, "modules"), "modules") != 0) {
        config_free(c);
        return NULL;
    }
    if (create_actions && config_create_actions(&x, c->rules) != 0) {
        config_free(c); /* destroys the instances that were created */
        return NULL;
    }
    return c;
}

static config *load_text_with(const char *text, const char *file_name, const char *override_file,
                              const char *override_text, const module_registry *reg, const wee_host_api *api,
                              int create_actions, diag_list *d)
{
    if (!text) {
        diag_add(d, "", "no config text");
        return NULL;
    }
    /* Windows editors like to start UTF-8 files with a byte order mark; it is not JSON. */
    if ((unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF) text += 3;
    const char *stop = NULL;
    /* ParseWithOpts rather than cJSON_GetErrorPtr: that is one process-wide global, and a reload may parse
     * while another thread does. Trailing text after the document is an error too. */
    cJSON *root = cJSON_ParseWithOpts(text, &stop, 1);
    if (!root) {
        config_report_syntax(text, stop, d);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        char seen[128];
        diag_describe_json(root, seen, sizeof seen);
        diag_add(d, "", "expected a JSON object ({\"version\": 1, \"sources\": [...], \"rules\": [...]}), got %s", seen);
        cJSON_Delete(root);
        return NULL;
    }
    config_includes inc = { NULL, 0 };
    size_t errors_before = d->count;
    config *c = load_document(root, file_name, reg, api, create_actions, d, &inc, override_file, override_text);
    cJSON_Delete(root);
    config_includes_attribute(&inc, d, errors_before);
    if (c) {
        c->includes = inc;
        config_includes_name_paths(c);
    } else {
        config_includes_free(&inc);
    }
    return c;
}

config *config_load_text(const char *text, const char *file_name, const module_registry *reg,
                         const wee_host_api *api, int create_actions, diag_list *d)
{
    return load_text_with(text, file_name, NULL, NULL, reg, api, create_actions, d);
}

config *config_load_file(const char *path, const module_registry *reg, const wee_host_api *api,
                         int create_actions, diag_list *d)
{
    return config_load_file_with(path, NULL, NULL, reg, api, create_actions, d);
}

config *config_load_file_with(const char *path, const char *include_file, const char *include_text,
                              const module_registry *reg, const wee_host_api *api, int create_actions, diag_list *d)
{
    char *text = NULL;
    size_t len = 0;
    if (plat_path_is_dir(path)) {
        /* Reading a folder fails with "input/output error" (POSIX) or "permission denied" (Windows). */
        diag_add(d, "", "is a directory; give the path of the config file (a .json file)");
        return NULL;
    }
    int rc = plat_read_file(path, &text, &len);
    if (rc != 0) {
        diag_add(d, "", "cannot read the config file: %s", wee_strerror(rc));
        return NULL;
    }
    if (strlen(text) != len) {
        diag_add(d, "", "the file contains a NUL byte; save it as UTF-8 text");
        free(text);
        return NULL;
    }
    config *c = load_text_with(text, path, include_file, include_text, reg, api, create_actions, d);
    free(text);
    return c;
}

static size_t add_name(const char **out, size_t n, size_t max, const char *name)
{
    for (size_t i = 0; i < n; i++) if (strcmp(out[i], name) == 0) return n;
    if (n < max) out[n++] = name;
    return n;
}

size_t config_module_names(const config *c, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->source_count; i++) n = add_name(out, n, max, c->sources[i].module->name);
    for (size_t i = 0; i < c->configured_count; i++) n = add_name(out, n, max, c->configured[i]->name);
    for (size_t i = 0; c->rules && i < rule_set_count(c->rules); i++) {
        const rule *r = rule_set_at(c->rules, i);
        for (size_t j = 0; j < r->action_count; j++) n = add_name(out, n, max, r->actions[j].module->name);
    }
    return n;
}

void config_unload_unused_modules(const config *c, module_registry *reg)
{
    const char *used[256];
    size_t n = config_module_names(c, used, sizeof used / sizeof used[0]);
    if (n < sizeof used / sizeof used[0]) loader_unload_unused(reg, used, n); /* else: keep them all */
}

void config_free(config *c)
{
    if (!c) return;
    if (c->rules) rule_set_unref(c->rules);
    config_free_sources(c);
    free((void *)c->configured);
    for (size_t i = 0; i < c->engine.http_allow_count; i++) free(c->engine.http_allow[i]);
    free(c->engine.http_allow);
    free(c->engine.log_file);
    free(c->engine.control_path);
    free(c->engine.metrics_listen);
    free(c->engine.console_listen);
    config_includes_free(&c->includes);
    free(c->file);
    free(c);
}
