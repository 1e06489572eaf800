#include "util/strbuf.h"
#include "loader.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "field_traits.h"
#include "log.h"
#include "module_file_check.h"
#include "platform/platform.h"
#include "wee/errors.h"

const wee_option_spec *loader_action_options(const wee_module_desc *d)
{
    return d->kind == WEE_MODULE_SOURCE_ACTION ? d->action_options : d->options;
}

const char *loader_kind_name(wee_module_kind kind)
{
    return kind == WEE_MODULE_SOURCE_ACTION ? "source+action" : kind == WEE_MODULE_SOURCE ? "source" : "action";
}

int loader_default_dir(char *buf, size_t size)
{
    char exe[1024];
    int rc = plat_exe_dir(exe, sizeof exe);
    if (rc != 0) return rc;
    snprintf(buf, size, "%s%smodules", exe, plat_path_sep());
    return 0;
}

/* A member a module's ABI version does not define is not read, whatever struct_size says (a module
 * built against an older SDK could have its own data there). */
static void drop_newer_members(wee_module_desc *d)
{
    if (WEE_ABI_MINOR_OF(d->abi_version) < 3) d->fields = NULL;
}

/* The module's field traits (ABI 1.3) for rule conditions and templates; failure only weakens rule
 * matching to plain text, so it is logged rather than refusing the module. */
static void add_field_traits(const loaded_module *m)
{
    if (field_traits_add(m->name, m->desc.fields) != 0)
        log_write(WEE_LOG_ERROR, "loader", "module '%s': out of memory recording its field traits; rules compare "
                  "its fields as plain text", m->name);
}

/* Every module file is checked whole before the OS loader maps it: a half-copied file faults inside
 * dlopen (module_file_check.h). */
static void *open_module_file(const char *path, char *err, size_t err_size)
{
    if (module_file_check(path, err, err_size) != 0) return NULL;
    return plat_dl_open(path, err, err_size);
}

static int reopen(loaded_module *m, const wee_host_api *api)
{
    char err[512] = "";
    void *lib = open_module_file(m->path, err, sizeof err);
    wee_module_entry_fn entry = lib ? (wee_module_entry_fn)plat_dl_sym(lib, WEE_ENTRY_SYMBOL) : NULL;
    const wee_module_desc *src = entry ? entry() : NULL;
    /* The file may have been replaced since the scan: it must still be the same, valid module. */
    if (!src || src->struct_size < WEE_MODULE_DESC_MIN_SIZE || !src->name || strcmp(src->name, m->name) != 0 ||
        src->kind != m->desc.kind ||
        WEE_ABI_MAJOR_OF(src->abi_version) != WEE_ABI_MAJOR || WEE_ABI_MINOR_OF(src->abi_version) > WEE_ABI_MINOR) {
        log_write(WEE_LOG_ERROR, "loader", "cannot load module '%s' again from %s: %s", m->name, m->path,
                  err[0] ? err : "the file no longer holds that module");
        if (lib) plat_dl_close(lib);
        return -1;
    }
    wee_module_desc d;
    memset(&d, 0, sizeof d);
    memcpy(&d, src, src->struct_size < sizeof d ? src->struct_size : sizeof d);
    drop_newer_members(&d);
    if (d.module_init && d.module_init(api, err, sizeof err) != 0) {
        log_write(WEE_LOG_ERROR, "loader", "module '%s' (%s): module_init failed: %s", m->name, m->path, err);
        plat_dl_close(lib);
        return -1;
    }
    m->desc = d;
    m->desc_size = src->struct_size;
    m->lib = lib;
    m->unloaded = 0;
    add_field_traits(m);
    log_write(WEE_LOG_DEBUG, "loader", "loaded %s again (%s)", m->path, m->name);
    return 0;
}

static loaded_module *find_entry(const module_registry *reg, const char *name)
{
    for (size_t i = 0; reg && name && i < reg->count; i++) {
        loaded_module *m = reg->mods[i];
        const char *nm = m->name ? m->name : m->desc.name; /* tests build entries by hand */
        if (nm && strcmp(nm, name) == 0) return m;
    }
    return NULL;
}

/* Opens deferred file i (logging a refusal) and forgets it. */
static void open_deferred(module_registry *reg, size_t i)
{
    char err[768] = "";
    char *path = reg->deferred[i];
    reg->deferred[i] = NULL;
    if (loader_load_file(reg, path, reg->api, err, sizeof err) != 0) {
        reg->refused++;
        log_write(WEE_LOG_WARN, "loader", "refused module %s: %s", path, err);
    }
    free(path);
}

static int stem_is(const char *path, const char *name)
{
    const char *base = path;
    for (const char *p = path; *p; p++) if (*p == '/' || *p == '\\') base = p + 1;
    size_t n = strlen(name), k = strlen(plat_dl_suffix());
    return strncmp(base, name, n) == 0 && strlen(base) == n + k && strcmp(base + n, plat_dl_suffix()) == 0;
}

int loader_has_module(const module_registry *reg, const char *name)
{
    if (find_entry(reg, name)) return 1;
    for (size_t i = 0; reg && name && i < reg->deferred_count; i++)
        if (reg->deferred[i] && stem_is(reg->deferred[i], name)) return 1;
    return 0;
}

const loaded_module *loader_find(const module_registry *creg, const char *name)
{
    /* The registry is the host's own and only ever used from one thread at a time (start, reload). */
    module_registry *reg = (module_registry *)creg;
    loaded_module *m = find_entry(reg, name);
    if (!m && reg && name && reg->deferred_count) {
        for (size_t i = 0; i < reg->deferred_count; i++)
            if (reg->deferred[i] && stem_is(reg->deferred[i], name)) open_deferred(reg, i);
        m = find_entry(reg, name);
        /* A file need not be named after its module: open the rest before saying there is none. */
        for (size_t i = 0; !m && i < reg->deferred_count; i++)
            if (reg->deferred[i]) open_deferred(reg, i);
        if (!m) m = find_entry(reg, name);
    }
    if (m && m->unloaded && reopen(m, reg->api) != 0) return NULL;
    return m;
}

/* The count is the module entry's own state, not its configuration: hence the const cast. */
void loader_module_hold(const loaded_module *m)
{
    atomic_fetch_add(&((loaded_module *)m)->users, 1);
}

void loader_module_release(const loaded_module *m)
{
    atomic_fetch_sub(&((loaded_module *)m)->users, 1);
}

void loader_unload_unused(module_registry *reg, const char *const *keep, size_t keep_count)
{
    for (size_t i = 0; i < reg->count; i++) {
        loaded_module *m = reg->mods[i];
        size_t k = 0;
        while (k < keep_count && strcmp(keep[k], m->name) != 0) k++;
        if (k < keep_count || !m->lib || !m->name || atomic_load(&m->users) > 0) continue;
        field_traits_remove(m->name);
        if (m->desc.module_shutdown) m->desc.module_shutdown();
        plat_dl_close(m->lib);
        m->lib = NULL;
        m->unloaded = 1;
        wee_module_kind kind = m->desc.kind;
        memset(&m->desc, 0, sizeof m->desc);
        m->desc.name = m->name;   /* listings ("loaded action modules: ...") still work */
        m->desc.kind = kind;
        log_write(WEE_LOG_DEBUG, "loader", "unloaded %s (not used by the config)", m->name);
    }
}

/* Checks a copied descriptor; returns 0 or fills err with the reason. The ABI check names both
 * versions because the fix (rebuild the module against this SDK) depends on which side is newer. */
static int check_descriptor(const module_registry *reg, const wee_module_desc *d, uint32_t size,
                            char *err, size_t err_size)
{
    unsigned hmaj = WEE_ABI_MAJOR, hmin = WEE_ABI_MINOR;
    if (size < WEE_MODULE_DESC_MIN_SIZE) {
        snprintf(err, err_size, "descriptor is %u bytes, smaller than the minimum %u (module ABI %u.%u, host ABI %u.%u); "
                 "rebuild the module against the current SDK", (unsigned)size, (unsigned)WEE_MODULE_DESC_MIN_SIZE,
                 WEE_ABI_MAJOR_OF(d->abi_version), WEE_ABI_MINOR_OF(d->abi_version), hmaj, hmin);
        return WEE_EABI;
    }
    unsigned mmaj = WEE_ABI_MAJOR_OF(d->abi_version), mmin = WEE_ABI_MINOR_OF(d->abi_version);
    if (mmaj != hmaj) {
        snprintf(err, err_size, "module ABI %u.%u, host ABI %u.%u: major versions differ; rebuild the module against SDK %u.x",
                 mmaj, mmin, hmaj, hmin, hmaj);
        return WEE_EABI;
    }
    if (mmin > hmin) {
        snprintf(err, err_size, "module ABI %u.%u is newer than host ABI %u.%u; upgrade the host or rebuild the module "
                 "against SDK %u.%u", mmaj, mmin, hmaj, hmin, hmaj, hmin);
        return WEE_EABI;
    }
    if (!d->name || !*d->name) {
        snprintf(err, err_size, "descriptor has no name (module ABI %u.%u, host ABI %u.%u)", mmaj, mmin, hmaj, hmin);
        return WEE_EINVAL;
    }
    /* Before 1.2 kind is one value; from 1.2 a bit set, so one module may be a source and an action. */
    int both_ok = mmin >= 2 && d->kind == WEE_MODULE_SOURCE_ACTION;
    if (d->kind != WEE_MODULE_SOURCE && d->kind != WEE_MODULE_ACTION && !both_ok) {
        snprintf(err, err_size, "module '%s' has unknown kind %d (expected source or action%s; module ABI %u.%u, "
                 "host ABI %u.%u)", d->name, (int)d->kind, mmin >= 2 ? ", or both" : "", mmaj, mmin, hmaj, hmin);
        return WEE_EINVAL;
    }
    if ((d->kind & WEE_MODULE_SOURCE) &&
        (!d->source_create || !d->source_start || !d->source_stop || !d->source_destroy)) {
        snprintf(err, err_size, "source module '%s' lacks source_create/start/stop/destroy", d->name);
        return WEE_EINVAL;
    }
    if ((d->kind & WEE_MODULE_ACTION) && (!d->action_create || !d->action_run || !d->action_destroy)) {
        snprintf(err, err_size, "action module '%s' lacks action_create/run/destroy", d->name);
        return WEE_EINVAL;
    }
    if (d->config_options && !d->module_configure) {
        snprintf(err, err_size, "module '%s' declares module-wide options but no module_configure", d->name);
        return WEE_EINVAL;
    }
    if (find_entry(reg, d->name)) {
        snprintf(err, err_size, "a module named '%s' is already loaded from %s", d->name, find_entry(reg, d->name)->path);
        return WEE_EEXISTS;
    }
    return 0;
}

int loader_load_file(module_registry *reg, const char *path, const wee_host_api *api, char *err, size_t err_size)
{
    char dlerr[512] = "";
    void *lib = open_module_file(path, dlerr, sizeof dlerr);
    if (!lib) {
        snprintf(err, err_size, "cannot load: %s", dlerr[0] ? dlerr : "unknown error");
        return WEE_EIO;
    }
    wee_module_entry_fn entry = (wee_module_entry_fn)plat_dl_sym(lib, WEE_ENTRY_SYMBOL);
    if (!entry) {
        snprintf(err, err_size, "no exported symbol '%s' (host ABI %u.%u); is this a WinEventEngine module?",
                 WEE_ENTRY_SYMBOL, WEE_ABI_MAJOR, WEE_ABI_MINOR);
        plat_dl_close(lib);
        return WEE_ENOTFOUND;
    }
    const wee_module_desc *src = entry();
    if (!src) {
        snprintf(err, err_size, "%s() returned NULL (host ABI %u.%u)", WEE_ENTRY_SYMBOL, WEE_ABI_MAJOR, WEE_ABI_MINOR);
        plat_dl_close(lib);
        return WEE_EINVAL;
    }
    loaded_module *m = calloc(1, sizeof *m);
    if (!m) { plat_dl_close(lib); return WEE_ENOMEM; }
    m->desc_size = src->struct_size;
    memcpy(&m->desc, src, src->struct_size < sizeof m->desc ? src->struct_size : sizeof m->desc);
    drop_newer_members(&m->desc);
    int rc = check_descriptor(reg, &m->desc, m->desc_size, err, err_size);
    if (rc == 0 && m->desc.module_init) {
        char ierr[512] = "";
        if (m->desc.module_init(api, ierr, sizeof ierr) != 0) {
            snprintf(err, err_size, "module_init failed: %s", ierr[0] ? ierr : "no reason given");
            rc = WEE_EFAILED;
        }
    }
    if (rc != 0) {
        free(m);
        plat_dl_close(lib);
        return rc;
    }
    m->lib = lib;
    m->path = str_dup(path);
    m->name = str_dup(m->desc.name);
    loaded_module **mods = realloc(reg->mods, (reg->count + 1) * sizeof *mods);
    if (!m->path || !m->name || !mods) {
        if (m->desc.module_shutdown) m->desc.module_shutdown();
        free(m->path); free(m->name); free(m); plat_dl_close(lib);
        if (mods) reg->mods = mods;
        return WEE_ENOMEM;
    }
    reg->mods = mods;
    reg->mods[reg->count++] = m;
    add_field_traits(m);
    return 0;
}

typedef struct scan_ctx {
    char **names;
    size_t count, cap;
} scan_ctx;

static int collect_module_file(const char *name, int is_dir, void *ctx)
{
    scan_ctx *s = ctx;
    const char *suffix = plat_dl_suffix();
    size_t n = strlen(name), k = strlen(suffix);
    if (is_dir || n <= k || strcmp(name + n - k, suffix) != 0) return 0;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **p = realloc(s->names, cap * sizeof *p);
        if (!p) return 1;
        s->names = p;
        s->cap = cap;
    }
    s->names[s->count] = str_dup(name);
    if (s->names[s->count]) s->count++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remembers the folder modules come from (the console's `host schema` child is given it). */
static void note_dir(module_registry *reg, const char *dir)
{
    free(reg->dir);
    reg->dir = str_dup(dir);
}

size_t loader_defer_dir(module_registry *reg, const char *dir, const wee_host_api *api)
{
    reg->api = api;
    note_dir(reg, dir);
    scan_ctx s = { NULL, 0, 0 };
    if (plat_dir_list(dir, collect_module_file, &s) != 0) {
        log_write(WEE_LOG_WARN, "loader", "cannot read module folder %s; no modules loaded from it "
                  "(pass --modules DIR to use another folder)", dir);
        return 0;
    }
    qsort(s.names, s.count, sizeof *s.names, cmp_names);
    char **paths = calloc(s.count ? s.count : 1, sizeof *paths);
    size_t n = 0;
    for (size_t i = 0; i < s.count; i++) {
        size_t len = strlen(dir) + strlen(plat_path_sep()) + strlen(s.names[i]) + 1;
        char *p = paths ? malloc(len) : NULL;
        if (p) { snprintf(p, len, "%s%s%s", dir, plat_path_sep(), s.names[i]); paths[n++] = p; }
        free(s.names[i]);
    }
    free(s.names);
    reg->deferred = paths;
    reg->deferred_count = n;
    return n;
}

size_t loader_scan(module_registry *reg, const char *dir, const wee_host_api *api)
{
    reg->api = api;
    note_dir(reg, dir);
    scan_ctx s = { NULL, 0, 0 };
    if (plat_dir_list(dir, collect_module_file, &s) != 0) {
        log_write(WEE_LOG_WARN, "loader", "cannot read module folder %s; no modules loaded from it "
                  "(pass --modules DIR to use another folder)", dir);
        return 0;
    }
    /* Sorted so load order, and so which of two same-named modules wins, is reproducible. */
    qsort(s.names, s.count, sizeof *s.names, cmp_names);
    size_t loaded = 0;
    for (size_t i = 0; i < s.count; i++) {
        char path[2048], err[768] = "";
        snprintf(path, sizeof path, "%s%s%s", dir, plat_path_sep(), s.names[i]);
        if (loader_load_file(reg, path, api, err, sizeof err) == 0) {
            loaded++;
            log_write(WEE_LOG_DEBUG, "loader", "loaded %s (%s %s)", path, reg->mods[reg->count - 1]->desc.name,
                      reg->mods[reg->count - 1]->desc.version ? reg->mods[reg->count - 1]->desc.version : "?");
        } else {
            reg->refused++;
            log_write(WEE_LOG_WARN, "loader", "refused module %s: %s", path, err);
        }
        free(s.names[i]);
    }
    free(s.names);
    return loaded;
}

void loader_unload_all(module_registry *reg)
{
    for (size_t i = reg->count; i-- > 0;) {
        loaded_module *m = reg->mods[i];
        if (m->lib) {
            field_traits_remove(m->name);
            if (m->desc.module_shutdown) m->desc.module_shutdown();
            plat_dl_close(m->lib);
        }
        free(m->path);
        free(m->name);
        free(m);
    }
    free(reg->mods);
    reg->mods = NULL;
    reg->count = 0;
    free(reg->dir);
    reg->dir = NULL;
    for (size_t i = 0; i < reg->deferred_count; i++) free(reg->deferred[i]);
    free(reg->deferred);
    reg->deferred = NULL;
    reg->deferred_count = 0;
}
