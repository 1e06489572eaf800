/*
 * wee/bind.h - ABI 1.3: reading a whole option table into a settings struct in one call, instead of
 * naming each option again as a string (Fluent Bit's config_map is the model).
 *
 *     typedef struct my_settings { wee_opt_list paths; int64_t settle_ms; int mode; uint32_t events; } my_settings;
 *     static const wee_option_spec my_options[] = {
 *         WEE_OPTION(.name = "paths", .type = WEE_OPT_STRING_LIST, .required = 1, WEE_BIND(my_settings, paths)),
 *         WEE_OPTION(.name = "mode", .type = WEE_OPT_STRING, .choices = "auto|poll", .default_value = "\"auto\"",
 *                    WEE_BIND_INDEX(my_settings, mode)),
 *         ...
 *         WEE_OPTION_END };
 *     my_settings s = { 0 };
 *     wee_opt_bind(host, opts, my_options, &s);
 *
 * The host has validated the values against the same table before the module sees them (types, range,
 * choices), so binding cannot fail on the config; it returns WEE_EINVAL only for a table that binds an
 * option it cannot store (a module bug), after binding the others.
 * Lifetime: strings and the lists' elements are the options handle's (see options.h): they live as long
 * as `opts`. Nothing is allocated, so there is nothing to free.
 * Absent options without a default leave their field as the caller set it, except choice bindings
 * (index -1, bit set 0) and lists/maps (count 0).
 * The engine's own settings (engine.* in the config) are bound by the host with this same function.
 */
#ifndef WEE_BIND_H
#define WEE_BIND_H

#include <string.h>
#include "host.h"
#include "errors.h"

/* A bound string list: count, and the elements through wee_list_at (rendered for an action call). */
typedef struct wee_opt_list {
    const wee_host_api *host;
    const wee_options *opts;
    const char *name;
    size_t count;
} wee_opt_list;

/* A bound string map: count, keys and values through wee_map_key / wee_map_value. A bound object list
 * and a bound JSON option are wee_opt_list handles too: wee_object_at, and wee_json (count is 1 when
 * the JSON option is present, else 0). */
typedef struct wee_opt_map {
    const wee_host_api *host;
    const wee_options *opts;
    const char *name;
    size_t count;
} wee_opt_map;

static inline const char *wee_list_at(const wee_opt_list *l, size_t i)
{
    return i < l->count ? l->host->opt_list_at(l->opts, l->name, i) : NULL;
}
static inline const char *wee_map_key(const wee_opt_map *m, size_t i)
{
    return i < m->count ? m->host->opt_map_key(m->opts, m->name, i) : NULL;
}
static inline const char *wee_map_value(const wee_opt_map *m, size_t i)
{
    return i < m->count ? m->host->opt_map_value(m->opts, m->name, i) : NULL;
}
static inline const wee_options *wee_object_at(const wee_opt_list *l, size_t i)
{
    return i < l->count && l->host->opt_object_at ? l->host->opt_object_at(l->opts, l->name, i) : NULL;
}
/* JSON text of a bound WEE_OPT_JSON option (rendered in a call's params); NULL when absent or out of
 * memory. Free with host->free. */
static inline char *wee_json(const wee_opt_list *j)
{
    return j->count ? j->host->opt_json(j->opts, j->name) : NULL;
}

/* Steps through a spec array by each entry's struct_size (a module may be older or newer than the
 * reader); NULL at the end. A zero stride is a broken table: it ends there. */
static inline const wee_option_spec *wee_spec_next(const wee_option_spec *spec, const wee_option_spec *cur)
{
    if (!spec || (cur && cur->struct_size == 0)) return NULL;
    const wee_option_spec *next = cur ? (const wee_option_spec *)((const char *)cur + cur->struct_size) : spec;
    return next->name ? next : NULL;
}

/* The position of `value` in choices "a|b|c" (0, 1, 2), or -1 when it is not one of them. */
static inline int wee_choice_index(const char *choices, const char *value)
{
    if (!choices || !value) return -1;
    size_t len = strlen(value);
    int index = 0;
    for (const char *p = choices;; index++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, value, n) == 0) return index;
        if (!bar) return -1;
        p = bar + 1;
    }
}

/* Binds one entry of a table: what wee_opt_bind does for each. An action whose params mostly stay as
 * create saw them binds only the ones that vary per call: wee_opt_bind_one(host, params,
 * &my_options[MY_OPT_MESSAGE], &s). Returns 0 or WEE_EINVAL (an entry it cannot store; unbound: 0). */
static inline int wee_opt_bind_one(const wee_host_api *host, const wee_options *opts, const wee_option_spec *s,
                                   void *settings);

static inline int wee_opt_bind(const wee_host_api *host, const wee_options *opts, const wee_option_spec *spec,
                               void *settings)
{
    int rc = 0;
    for (const wee_option_spec *s = wee_spec_next(spec, NULL); s; s = wee_spec_next(spec, s))
        if (wee_opt_bind_one(host, opts, s, settings) != 0) rc = WEE_EINVAL;
    return rc;
}

static inline int wee_opt_bind_one(const wee_host_api *host, const wee_options *opts, const wee_option_spec *s,
                                   void *settings)
{
    if (s->struct_size < WEE_OPTION_SPEC_SIZE_1_3 || !s->bind) return 0;
    char *at = (char *)settings + s->offset;
    /* One lookup per option where the accessor itself tells an absent option apart (NULL, count 0):
     * an action binds its params on every call. */
    if (s->type == WEE_OPT_OBJECT && s->bind == WEE_BIND_VALUE && host->opt_object_at) {
        const wee_options *sub = host->opt_object_at(opts, s->name, 0);
        return sub ? wee_opt_bind(host, sub, s->fields, settings) : 0;
    }
    if (s->bind == WEE_BIND_CHOICE && s->choices && s->type == WEE_OPT_STRING) {
        int index = wee_choice_index(s->choices, host->opt_string(opts, s->name)); /* -1 when absent */
        memcpy(at, &index, sizeof index);
        return 0;
    }
    if (s->bind == WEE_BIND_CHOICE && s->choices && s->type == WEE_OPT_STRING_LIST) {
        int rc = 0;
        uint32_t bits = 0;
        size_t n = host->opt_list_count(opts, s->name);
        for (size_t i = 0; i < n; i++) {
            int index = wee_choice_index(s->choices, host->opt_list_at(opts, s->name, i));
            if (index >= 0 && index < 32) bits |= (uint32_t)1u << index;
            else rc = WEE_EINVAL;
        }
        memcpy(at, &bits, sizeof bits);
        return rc;
    }
    if (s->bind != WEE_BIND_VALUE) return WEE_EINVAL;
    if (s->type == WEE_OPT_STRING_LIST || s->type == WEE_OPT_STRING_MAP || s->type == WEE_OPT_OBJECT_LIST ||
        s->type == WEE_OPT_JSON) {
        /* Handles: wee_opt_list and wee_opt_map have the same layout. */
        wee_opt_list l = { host, opts, s->name, 0 };
        if (s->type == WEE_OPT_STRING_LIST) l.count = host->opt_list_count(opts, s->name);
        else if (s->type == WEE_OPT_STRING_MAP) l.count = host->opt_map_count(opts, s->name);
        else if (s->type == WEE_OPT_JSON) l.count = host->opt_has(opts, s->name) ? 1 : 0;
        else if (host->opt_object_count) l.count = host->opt_object_count(opts, s->name);
        memcpy(at, &l, sizeof l);
        return 0;
    }
    if (s->type == WEE_OPT_STRING) {
        const char *v = host->opt_string(opts, s->name);
        if (v) memcpy(at, &v, sizeof v);
        return 0;
    }
    if (s->type != WEE_OPT_INT && s->type != WEE_OPT_BOOL) return WEE_EINVAL; /* a type this header does not know */
    if (!host->opt_has(opts, s->name)) return 0;
    if (s->type == WEE_OPT_INT) {
        int64_t v = host->opt_int(opts, s->name);
        memcpy(at, &v, sizeof v);
    } else {
        int v = host->opt_bool(opts, s->name);
        memcpy(at, &v, sizeof v);
    }
    return 0;
}

#endif
