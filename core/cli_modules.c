#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "field_traits.h"
#include "options.h"

int cli_modules(const module_registry *reg, const char *describe_name)
{
    if (describe_name) {
        const loaded_module *m = loader_find(reg, describe_name);
        if (!m) {
            fprintf(stderr, "host: no module named '%s' (run 'host modules' for the list)\n", describe_name);
            return 1;
        }
        printf("%s %s (%s)\n  %s\n  file: %s\n  ABI: %u.%u\n", m->desc.name, m->desc.version ? m->desc.version : "?",
               loader_kind_name(m->desc.kind),
               m->desc.description ? m->desc.description : "", m->path,
               WEE_ABI_MAJOR_OF(m->desc.abi_version), WEE_ABI_MINOR_OF(m->desc.abi_version));
        if ((m->desc.kind & WEE_MODULE_SOURCE) && m->desc.event_types) {
            printf("  events:");
            for (const char *const *t = m->desc.event_types; *t; t++) printf(" %s", *t);
            printf("\n");
        }
        if (m->desc.fields) {
            printf("fields (what rules and templates see):\n");
            field_traits_describe(m->desc.fields, stdout);
        }
        if (m->desc.kind == WEE_MODULE_SOURCE_ACTION) {
            printf("source options:\n");
            options_describe(m->desc.options, stdout);
            printf("action options:\n");
            options_describe(m->desc.action_options, stdout);
        } else {
            printf("options:\n");
            if (m->desc.options) options_describe(m->desc.options, stdout);
            else printf("  (none)\n");
        }
        if (m->desc.config_options) {
            printf("module-wide options (config \"modules\": {\"%s\": {...}}):\n", m->desc.name);
            options_describe(m->desc.config_options, stdout);
        }
        return 0;
    }
    printf("%-10s %-9s %-13s %-5s %s\n", "NAME", "VERSION", "KIND", "ABI", "PATH");
    for (size_t i = 0; i < reg->count; i++) {
        const loaded_module *m = reg->mods[i];
        printf("%-10s %-9s %-13s %u.%-3u %s\n", m->desc.name, m->desc.version ? m->desc.version : "?",
               loader_kind_name(m->desc.kind),
               WEE_ABI_MAJOR_OF(m->desc.abi_version), WEE_ABI_MINOR_OF(m->desc.abi_version), m->path);
    }
    if (reg->refused) printf("(%zu module file(s) refused; see the warnings above)\n", reg->refused);
    return 0;
}
