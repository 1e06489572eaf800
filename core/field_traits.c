/* core/field_traits.c - the registry of declared field traits (see field_traits.h). A plain array: a
 * few dozen fields, read while configs compile, never per event. */
#include "field_traits.h"
#include <stdlib.h>
#include <string.h>
#include "platform/append_file.h" /* PLAT_MUTEX_STATIC_INIT */
#include "platform/platform.h"
#include "util/strbuf.h"
#include "wee/errors.h"

typedef struct trait_entry {
    char *module, *name, *alias;
    uint32_t traits;
    wee_field_normalise_fn normalise;
} trait_entry;

static trait_entry *g_items;
static size_t g_count;
/* Exists before any caller (tests load modules from several threads): no init to race over. */
static plat_mutex g_lock = PLAT_MUTEX_STATIC_INIT;

static void entry_free(trait_entry *e)
{
    free(e->module);
    free(e->name);
    free(e->alias);
}

/* Members a module built against an older fields.h does not have read as 0 / NULL. */
static wee_field_spec read_spec(const wee_field_spec *s)
{
    wee_field_spec out;
    memset(&out, 0, sizeof out);
    size_t n = s->struct_size < sizeof out ? s->struct_size : sizeof out;
    memcpy(&out, s, n);
    return out;
}

/* Not the end of the table. A struct_size too small to reach `name` would step nowhere or into garbage:
 * it ends the table too. */
static int is_entry(const wee_field_spec *s)
{
    return s && s->struct_size >= offsetof(wee_field_spec, traits) && s->name;
}

static const wee_field_spec *next_spec(const wee_field_spec *s)
{
    return (const wee_field_spec *)(const void *)((const char *)s + s->struct_size);
}

int field_traits_add(const char *module, const wee_field_spec *fields)
{
    if (!module || !fields) return 0;
    size_t n = 0;
    for (const wee_field_spec *s = fields; is_entry(s); s = next_spec(s)) n++;
    if (n == 0) return 0;
    trait_entry *fresh = calloc(n, sizeof *fresh);
    if (!fresh) return WEE_ENOMEM;
    size_t k = 0;
    int ok = 1;
    for (const wee_field_spec *s = fields; ok && k < n; s = next_spec(s), k++) {
        wee_field_spec f = read_spec(s);
        fresh[k].module = str_dup(module);
        fresh[k].name = str_dup(f.name);
        fresh[k].alias = str_dup(f.alias);
        fresh[k].traits = f.traits;
        fresh[k].normalise = f.normalise;
        ok = fresh[k].module && fresh[k].name && (!f.alias || fresh[k].alias);
    }
    plat_mutex_lock(&g_lock);
    trait_entry *items = ok ? realloc(g_items, (g_count + n) * sizeof *items) : NULL;
    if (items) {
        memcpy(items + g_count, fresh, n * sizeof *items);
        g_items = items;
        g_count += n;
    }
    plat_mutex_unlock(&g_lock);
    if (!items) {
        for (size_t i = 0; i < n; i++) entry_free(&fresh[i]);
        free(fresh);
        return WEE_ENOMEM;
    }
    free(fresh);
    return 0;
}

void field_traits_remove(const char *module)
{
    if (!module) return;
    plat_mutex_lock(&g_lock);
    size_t kept = 0;
    for (size_t i = 0; i < g_count; i++) {
        if (strcmp(g_items[i].module, module) == 0) entry_free(&g_items[i]);
        else g_items[kept++] = g_items[i];
    }
    g_count = kept;
    if (!g_count) { free(g_items); g_items = NULL; }
    plat_mutex_unlock(&g_lock);
}

uint32_t field_traits_of(const char *field)
{
    uint32_t t = 0;
    if (!field) return 0;
    plat_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_count; i++)
        if (strcmp(g_items[i].name, field) == 0) t |= g_items[i].traits;
    plat_mutex_unlock(&g_lock);
    return t;
}

/* Entry i has one of traits and is the first such entry of its name. */
static int first_with(size_t i, uint32_t traits)
{
    if (!(g_items[i].traits & traits)) return 0;
    for (size_t j = 0; j < i; j++)
        if ((g_items[j].traits & traits) && strcmp(g_items[j].name, g_items[i].name) == 0) return 0;
    return 1;
}

char **field_traits_names_with(uint32_t traits)
{
    plat_mutex_lock(&g_lock);
    size_t n = 0, bytes = 0;
    for (size_t i = 0; i < g_count; i++) {
        if (!first_with(i, traits)) continue;
        n++;
        bytes += strlen(g_items[i].name) + 1;
    }
    char **names = malloc((n + 1) * sizeof *names + bytes);
    if (names) {
        char *text = (char *)(names + n + 1);
        size_t k = 0;
        for (size_t i = 0; i < g_count; i++) {
            if (!first_with(i, traits)) continue;
            size_t len = strlen(g_items[i].name) + 1;
            memcpy(text, g_items[i].name, len);
            names[k++] = text;
            text += len;
        }
        names[k] = NULL;
    }
    plat_mutex_unlock(&g_lock);
    return names;
}

int field_traits_is_path(const char *field) { return (field_traits_of(field) & WEE_FIELD_PATH) != 0; }

int field_traits_caseless(uint32_t traits)
{
#ifdef _WIN32
    return (traits & WEE_FIELD_CASELESS_ON_WINDOWS) != 0;
#else
    (void)traits;
    return 0;
#endif
}

/* One normaliser over text; NULL when out of memory. */
static char *apply(wee_field_normalise_fn fn, const char *text)
{
    size_t size = strlen(text) + 64;
    for (int tries = 0; tries < 2; tries++) {
        char *out = malloc(size);
        if (!out) return NULL;
        size_t need = fn(text, out, size);
        if (need < size) return out;
        free(out);
        size = need + 1;
    }
    return NULL; /* the normaliser asked for more room twice: treat as a failure rather than loop */
}

char *field_traits_normalise(const char *field, const char *text, int *oom)
{
    *oom = 0;
    if (!field || !text) return NULL;
    char *cur = NULL;
    plat_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_count; i++) {
        if (!g_items[i].normalise || strcmp(g_items[i].name, field) != 0) continue;
        char *next = apply(g_items[i].normalise, cur ? cur : text);
        free(cur);
        cur = next;
        if (!cur) { *oom = 1; break; }
    }
    plat_mutex_unlock(&g_lock);
    return cur;
}

int field_traits_alias(const char *alias, char *out, size_t out_size)
{
    int found = 0;
    if (!alias || !out_size) return 0;
    plat_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_count && !found; i++) {
        if (!g_items[i].alias || strcmp(g_items[i].alias, alias) != 0) continue;
        size_t n = strlen(g_items[i].name);
        if (n < out_size) { memcpy(out, g_items[i].name, n + 1); found = 1; }
    }
    plat_mutex_unlock(&g_lock);
    return found;
}

void field_traits_describe(const wee_field_spec *fields, FILE *out)
{
    for (const wee_field_spec *s = fields; is_entry(s); s = next_spec(s)) {
        wee_field_spec f = read_spec(s);
        fprintf(out, "  %-16s %s%s%s%s%s%s%s\n", f.name, f.description ? f.description : "",
                (f.traits & WEE_FIELD_PATH) ? " [path]" : "",
                (f.traits & WEE_FIELD_CASELESS_ON_WINDOWS) ? " [case-insensitive on Windows]" : "",
                f.normalise ? " [rule values normalised]" : "", f.alias ? " [template alias {{" : "",
                f.alias ? f.alias : "", f.alias ? "}}]" : "");
    }
}
