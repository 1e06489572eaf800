#include "arg_check.h"
#include <string.h>
#include "field_traits.h"
#include "loader.h"
#include "options.h"
#include "template.h"

/* The module's argument list (WEE_OPTF_ARGV), unless an option it says hands them over as data is given. */
static const wee_option_spec *argv_option(const wee_option_spec *spec, const wee_options *o)
{
    const wee_option_spec *argv = NULL;
    for (const wee_option_spec *s = spec; s && s->name; s = options_spec_next(spec, s)) {
        uint32_t flags = options_spec_flags(s);
        if ((flags & WEE_OPTF_ARGV_AS_DATA) && options_has(o, s->name)) return NULL;
        if ((flags & WEE_OPTF_ARGV) && s->type == WEE_OPT_STRING_LIST && !argv) argv = s;
    }
    return argv;
}

static size_t check_action(const rule_action *a, const char *file, FILE *out)
{
    const wee_options *o = options_static_view(a->params);
    const wee_option_spec *argv = argv_option(loader_action_options(&a->module->desc), o);
    if (!argv) return 0;
    size_t warned = 0, n = options_list_count(o, argv->name);
    for (size_t i = 0; i < n; i++) {
        const char *text = options_list_at(o, argv->name, i);
        if (!text) continue;
        if (strcmp(text, "--") == 0) break; /* everything after it is an operand */
        template *t = template_compile(text, NULL, 0);
        const char *field = template_leading_field(t);
        /* Fields a module declared as paths (field_traits.h) are absolute ("/...", "C:\\...", "HKCU\\..."),
         * so they never begin with '-'. */
        if (field && !field_traits_is_path(field)) {
            fprintf(out, "%s: %s.%s[%zu]: warning: \"%s\" begins with the value of {{%s}}; event data that begins "
                    "with '-' (a file named \"-rf\") reaches the program as an option. Put \"--\" in the %s before it "
                    "if the program accepts that, pass an absolute path such as a path field, or read the value from "
                    "the environment (WEE_EVENT_<FIELD>) instead (docs/modules/%s.md)\n",
                    file, a->json_path, argv->name, i, text, field, argv->name, a->module->desc.name);
            warned++;
        }
        template_free(t);
    }
    return warned;
}

size_t arg_check_warn(const config *c, const char *file, FILE *out)
{
    size_t warned = 0;
    for (size_t i = 0; c->rules && i < rule_set_count(c->rules); i++) {
        const rule *r = rule_set_at(c->rules, i);
        for (size_t j = 0; j < r->action_count; j++) warned += check_action(&r->actions[j], file, out);
    }
    return warned;
}
