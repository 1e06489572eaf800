/*
 * core/options_describe.c - a module's option table as text for `host modules --describe NAME`.
 * Columns are sized to the table so a module with long option names still lines up.
 */
#include "options.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *options_type_name(wee_option_type type)
{
    switch (type) {
    case WEE_OPT_STRING: return "string";
    case WEE_OPT_INT: return "integer";
    case WEE_OPT_BOOL: return "boolean";
    case WEE_OPT_STRING_LIST: return "list of strings";
    case WEE_OPT_STRING_MAP: return "map of strings";
    case WEE_OPT_JSON: return "json";
    case WEE_OPT_OBJECT_LIST: return "list of objects";
    case WEE_OPT_OBJECT: return "object";
    default: return "?";
    }
}

static int width_of(const char *s) { return (int)strlen(s); }

/* "range 1..86400000", ">= 1", "<= 10"; empty when the module gave no usable range. */
static void describe_range(const wee_option_spec *s, char *buf, size_t size)
{
    int64_t lo, hi;
    buf[0] = '\0';
    if (s->type != WEE_OPT_INT || !options_int_range(s, &lo, &hi)) return;
    if (lo != INT64_MIN && hi != INT64_MAX)
        snprintf(buf, size, "range %" PRId64 "..%" PRId64, lo, hi);
    else if (lo != INT64_MIN)
        snprintf(buf, size, "range >= %" PRId64, lo);
    else if (hi != INT64_MAX)
        snprintf(buf, size, "range <= %" PRId64, hi);
}

void options_describe(const wee_option_spec *spec, void *file)
{
    FILE *out = file ? file : stdout;
    int wname = width_of("option"), wtype = width_of("type"), wdef = width_of("default");
    const wee_option_spec *s;
    for (s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s)) {
        if (width_of(s->name) > wname) wname = width_of(s->name);
        if (width_of(options_type_name(s->type)) > wtype) wtype = width_of(options_type_name(s->type));
        if (s->default_value && width_of(s->default_value) > wdef) wdef = width_of(s->default_value);
    }
    if (!options_spec_next(spec, NULL)) {
        fprintf(out, "  (no options)\n");
        return;
    }
    fprintf(out, "  %-*s  %-*s  %-*s  %-8s  %s\n", wname, "option", wtype, "type", wdef, "default", "", "description");
    for (s = options_spec_next(spec, NULL); s; s = options_spec_next(spec, s)) {
        char range[96];
        describe_range(s, range, sizeof range);
        fprintf(out, "  %-*s  %-*s  %-*s  %-8s  %s", wname, s->name, wtype, options_type_name(s->type), wdef,
                s->default_value ? s->default_value : "-", s->required ? "required" : "optional",
                s->description ? s->description : "");
        if (range[0]) fprintf(out, " (%s)", range);
        if (s->type == WEE_OPT_STRING && s->choices) fprintf(out, " (one of: %s)", s->choices);
        if (s->type == WEE_OPT_STRING_LIST && s->choices && options_spec_is_1_3(s))
            fprintf(out, " (each one of: %s)", s->choices);
        fputc('\n', out);
        if ((s->type == WEE_OPT_OBJECT_LIST || s->type == WEE_OPT_OBJECT) && options_spec_fields(s)) {
            fprintf(out, "  %s: %s\n", s->name, s->type == WEE_OPT_OBJECT ? "has" : "each object has");
            options_describe(options_spec_fields(s), out);
        }
    }
}
