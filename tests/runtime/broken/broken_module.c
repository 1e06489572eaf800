/*
 * Deliberately broken modules for the loader's refusal tests. One source file, compiled several times
 * with a different BROKEN_* definition each time; BROKEN_NONE gives a well-formed module.
 * Also compatibility probes that must load: BROKEN_V11 (a descriptor exactly as an ABI 1.1 module
 * builds it), BROKEN_TWO_KIND (ABI 1.2: source and action in one module, with module-wide settings);
 * and BROKEN_TWO_KIND_OLD (the same two-kind descriptor claiming ABI 1.1: refused).
 * ABI 1.3 field traits: BROKEN_V10 and BROKEN_V12 (descriptors exactly as 1.0 and 1.2 modules build
 * them) load; BROKEN_FIELDS declares a path field with a normaliser and a template alias, which rule
 * conditions then use; BROKEN_V12_FIELDS claims ABI 1.2 with a full-size descriptor whose `fields`
 * the host must not read (a 1.2 module could hold anything there).
 * BROKEN_V11 also has an option table laid out as SDK 1.1 built it (wee_option_spec ended after `flags`),
 * so the host's validation of an old table is tested through the real loader and parser.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "wee/wee.h"

static int create(const wee_host_api *h, const wee_options *o, void **inst, char *err, size_t n)
{
    (void)h; (void)o; (void)err; (void)n;
    *inst = NULL;
    return 0;
}
static int run(void *inst, wee_action_call *call) { (void)inst; (void)call; return 0; }
static void destroy(void *inst) { (void)inst; }

#if defined(BROKEN_INIT_FAIL)
static int init_fails(const wee_host_api *h, char *err, size_t n)
{
    (void)h;
    const char *msg = "refusing on purpose (test module)";
    size_t i = 0;
    for (; msg[i] && i + 1 < n; i++) err[i] = msg[i];
    if (n) err[i] = '\0';
    return WEE_EFAILED;
}
#endif

#if defined(BROKEN_TWO_KIND) || defined(BROKEN_TWO_KIND_OLD)
static int src_create(const wee_host_api *h, wee_source *s, const wee_options *o, void **inst, char *err, size_t n)
{
    (void)h; (void)s; (void)o; (void)err; (void)n;
    *inst = NULL;
    return 0;
}
static int src_start(void *inst, char *err, size_t n) { (void)inst; (void)err; (void)n; return 0; }
static void src_stop(void *inst) { (void)inst; }

static const wee_option_spec item_fields[] = {
    WEE_OPTION(.name = "id", .type = WEE_OPT_STRING, .required = 1, .description = "item id"),
    WEE_OPTION(.name = "n", .type = WEE_OPT_INT, .default_value = "1", .min = 1, .max = 9, .description = "a number"),
    WEE_OPTION_END
};
static const wee_option_spec config_opts[] = {
    WEE_OPTION(.name = "items", .type = WEE_OPT_OBJECT_LIST, .default_value = "[]", .fields = item_fields,
               .description = "shared objects"),
    WEE_OPTION_END
};
static const wee_option_spec source_opts[] = {
    WEE_OPTION(.name = "listen", .type = WEE_OPT_STRING, .description = "a source-only option"),
    WEE_OPTION_END
};
static const wee_option_spec action_opts[] = {
    WEE_OPTION(.name = "say", .type = WEE_OPT_STRING, .description = "an action-only option"),
    WEE_OPTION_END
};
/* Refuses an item whose id is "refuse", to show a module's own refusal reaching the user. */
static int configure(const wee_host_api *h, const wee_options *cfg, char *err, size_t n)
{
    for (size_t i = 0; i < h->opt_object_count(cfg, "items"); i++) {
        const wee_options *item = h->opt_object_at(cfg, "items", i);
        if (strcmp(h->opt_string(item, "id"), "refuse") == 0) {
            const char *msg = "item \"refuse\" refused on purpose (test module)";
            size_t k = 0;
            for (; msg[k] && k + 1 < n; k++) err[k] = msg[k];
            if (n) err[k] = '\0';
            return WEE_ECONFIG;
        }
    }
    return 0;
}
#endif

#if defined(BROKEN_FIELDS) || defined(BROKEN_V12_FIELDS)
/* "ROOT:" at the start of a literal stands for "/probe-root", the spelling events carry. */
static size_t probe_normalise(const char *text, char *out, size_t out_size)
{
    const char *rest = strncmp(text, "ROOT:", 5) == 0 ? text + 5 : NULL;
    int n = snprintf(out, out_size, "%s%s", rest ? "/probe-root" : "", rest ? rest : text);
    return n < 0 ? 0 : (size_t)n;
}
static const wee_field_spec probe_fields[] = {
    WEE_FIELD(.name = BROKEN_NAME "_path", .traits = WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS,
              .normalise = probe_normalise, .alias = "PROBE_" BROKEN_NAME, .description = "a test path"),
    WEE_FIELD_END
};
#endif

#if defined(BROKEN_V11)
/* wee_option_spec exactly as SDK 1.1 declared it. */
typedef struct option_spec_v11 {
    uint32_t struct_size;
    const char *name;
    wee_option_type type;
    const char *default_value;
    int required;
    int64_t min, max;
    const char *choices;
    const char *description;
    uint32_t flags;
} option_spec_v11;
#define V11_OPTION(...) { .struct_size = sizeof(option_spec_v11), __VA_ARGS__ }
static const option_spec_v11 v11_options[] = {
    /* choices on a string list meant nothing before ABI 1.3: they must still mean nothing here */
    V11_OPTION(.name = "modes", .type = WEE_OPT_STRING_LIST, .choices = "a|b", .description = "any strings"),
    V11_OPTION(.name = "level", .type = WEE_OPT_STRING, .choices = "x|y", .default_value = "\"x\"",
               .description = "x or y"),
    V11_OPTION(.name = "count", .type = WEE_OPT_INT, .min = 1, .max = 9, .default_value = "1", .description = "1..9"),
    V11_OPTION(.name = NULL)
};
#endif

static wee_module_desc desc = { /* unused in the NO_ENTRY variant */
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = BROKEN_NAME,
    .version = "0.0.1",
    .description = "loader test module",
    .kind = WEE_MODULE_ACTION,
    .action_create = create,
    .action_run = run,
    .action_destroy = destroy,
#if defined(BROKEN_INIT_FAIL)
    .module_init = init_fails,
#endif
#if defined(BROKEN_FIELDS) || defined(BROKEN_V12_FIELDS)
    .fields = probe_fields,
#endif
#if defined(BROKEN_TWO_KIND) || defined(BROKEN_TWO_KIND_OLD)
    .options = source_opts,
    .source_create = src_create,
    .source_start = src_start,
    .source_stop = src_stop,
    .source_destroy = destroy,
    .action_options = action_opts,
    .config_options = config_opts,
    .module_configure = configure,
#endif
};

#if !defined(BROKEN_NO_ENTRY)
WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void)
{
#if defined(BROKEN_MAJOR)
    desc.abi_version = WEE_ABI_MAKE(WEE_ABI_MAJOR + 1, 0);
#elif defined(BROKEN_MINOR)
    desc.abi_version = WEE_ABI_MAKE(WEE_ABI_MAJOR, WEE_ABI_MINOR + 1);
#elif defined(BROKEN_SMALL)
    desc.struct_size = 16;
#elif defined(BROKEN_NULL)
    return NULL;
#elif defined(BROKEN_V11)
    /* What a module compiled against SDK 1.1 hands over: its descriptor ended after `flags`. */
    desc.abi_version = WEE_ABI_MAKE(1, 1);
    desc.struct_size = (uint32_t)(offsetof(wee_module_desc, flags) + sizeof desc.flags);
    desc.options = (const wee_option_spec *)(const void *)v11_options;
#elif defined(BROKEN_V10)
    /* What a module compiled against SDK 1.0 hands over: its descriptor ended after `event_types`. */
    desc.abi_version = WEE_ABI_MAKE(1, 0);
    desc.struct_size = (uint32_t)(offsetof(wee_module_desc, event_types) + sizeof desc.event_types);
#elif defined(BROKEN_V12)
    /* What a module compiled against SDK 1.2 hands over: its descriptor ended after `module_report`. */
    desc.abi_version = WEE_ABI_MAKE(1, 2);
    desc.struct_size = (uint32_t)(offsetof(wee_module_desc, module_report) + sizeof desc.module_report);
#elif defined(BROKEN_V12_FIELDS)
    desc.abi_version = WEE_ABI_MAKE(1, 2);
#elif defined(BROKEN_TWO_KIND)
    desc.kind = WEE_MODULE_SOURCE_ACTION;
#elif defined(BROKEN_TWO_KIND_OLD)
    desc.kind = WEE_MODULE_SOURCE_ACTION;
    desc.abi_version = WEE_ABI_MAKE(1, 1);
#endif
    return &desc;
}
#else
WEE_EXTERN_C WEE_EXPORT int wee_module_entry_misspelt(void) { return desc.struct_size > 0; }
#endif
