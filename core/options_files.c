/*
 * core/options_files.c - options that name files the config depends on (WEE_OPTF_WATCHED_FILE):
 * a relative path is made absolute from the config file's folder, so the module and the config
 * watcher read the same file whatever the host's working directory is.
 */
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "options_tree.h"
#include "util/path_name.h"
#include "wee/errors.h"

static opt_entry *find_entry(options_tree *t, const char *name)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->entries[i].name, name) == 0) return &t->entries[i];
    return NULL;
}

int options_resolve_files(options_tree *t, const wee_option_spec *spec, const char *config_file)
{
    if (!t || !config_file) return 0;
    size_t dir_len = path_config_folder_len(config_file);
    if (dir_len == 0) return 0; /* the config is in the working directory: relative already means that */
    for (const wee_option_spec *s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s)) {
        if (!(options_spec_flags(s) & WEE_OPTF_WATCHED_FILE) || s->type != WEE_OPT_STRING) continue;
        opt_entry *e = find_entry(t, s->name);
        if (!e || e->value.kind != NODE_STRING || e->value.tpl) continue; /* templated: only known per event */
        const char *cur = e->value.literal ? e->value.literal : e->value.text;
        if (!cur || !cur[0] || path_config_name_is_absolute(cur)) continue;
        char *joined = path_config_join(config_file, cur);
        char *literal = e->value.literal ? path_config_join(config_file, cur) : NULL;
        if (!joined || (e->value.literal && !literal)) { free(joined); free(literal); return WEE_ENOMEM; }
        free(e->value.text);
        e->value.text = joined;
        if (literal) {
            free(e->value.literal);
            e->value.literal = literal;
        }
    }
    return 0;
}

size_t options_watched_files(const options_tree *t, const wee_option_spec *spec, const char **out, size_t max)
{
    size_t n = 0;
    if (!t) return 0;
    for (const wee_option_spec *s = options_spec_next(spec, NULL); s && n < max; s = options_spec_next(spec, s)) {
        if (!(options_spec_flags(s) & WEE_OPTF_WATCHED_FILE)) continue;
        for (size_t i = 0; i < t->count; i++) {
            const opt_entry *e = &t->entries[i];
            if (strcmp(e->name, s->name) != 0 || e->value.kind != NODE_STRING || e->value.tpl) continue;
            out[n++] = e->value.literal ? e->value.literal : e->value.text;
        }
    }
    return n;
}
