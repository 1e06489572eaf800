#include "arg_check.h"
#include <string.h>
#include "field_traits.h"
#include "options.h"
#include "template.h"

/* Fields a module declared as paths (WEE_FIELD_PATH, field_traits.h): absolute ("/...", "C:\\...",
 * "HKCU\\..."), so they never begin with '-'. */
static int is_absolute_path_field(const char *f)
{
    return (field_traits_of(f) & WEE_FIELD_PATH) != 0;
}

static int has_args_list(const wee_option_spec *spec)
{
    for (const wee_option_spec *s = spec; s && s->name; s = options_spec_next(spec, s))
        if (strcmp(s->name, "args") == 0 && s->type == WEE_OPT_STRING_LIST) return 1;
    return 0;
}

static size_t check_action(const rule_action *a, const char *file, FILE *out)
{
    const wee_options *o = options_static_view(a->params);
    if (!has_args_list(a->module->desc.options) || options_has(o, "script")) return 0;
    size_t warned = 0, n = options_list_count(o, "args");
    for (size_t i = 0; i < n; i++) {
        const char *text = options_list_at(o, "args", i);
        if (!text) continue;
        if (strcmp(text, "--") == 0) break; /* everything after it is an operand */
        template *t = template_compile(text, NULL, 0);
        const char *field = template_leading_field(t);
        if (field && !is_absolute_path_field(field)) {
            int pwsh = strcmp(a->module->desc.name, "pwsh") == 0;
            fprintf(out, "%s: %s.args[%zu]: warning: \"%s\" begins with the value of {{%s}}; event data that begins "
                    "with '-' (a file named \"-rf\") reaches %s as an option. %s (docs/modules/%s.md)\n",
                    file, a->json_path, i, text, field, pwsh ? "the script" : "the program",
                    pwsh ? "Read the value from $env:WEE_EVENT_<FIELD> in the script instead, or use an inline "
                           "\"script\", whose $WeeArgs are never parsed as parameters"
                         : "Put \"--\" in the args before it if the program accepts that, or pass an absolute path "
                           "such as {{path}}",
                    pwsh ? "pwsh" : "exec");
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
