/*
 * core/template.h - "{{field}}" templates, compiled once at config load and rendered per event.
 *
 * Syntax: literal text with {{name}} placeholders; spaces inside the braces are ignored. `name` is a
 * field name ("time", "<module>.<result>"), "event.<field>" (same as the bare field), or one of the Rust
 * original's aliases: EVENT_TYPE, EVENT_SOURCE and TIMESTAMP for the fields the host stamps, and the
 * aliases the loaded modules declare for theirs (wee_field_spec.alias, field_traits.h).
 * "{{{{" renders a literal "{{". An unknown field renders as "".
 * "batch.each.FIELD" renders FIELD of every event a batched rule collected, one per line
 * (event_batch.h; a string-list element that is only this placeholder expands to one element each).
 * Lookup order: results published by earlier actions of the rule, then the event.
 * Ownership: template_compile returns a template owned by the caller (template_free).
 * Render is read-only on the template: safe from many threads at once.
 */
#ifndef WEE_TEMPLATE_H
#define WEE_TEMPLATE_H
#include <stddef.h>
#include "wee/event.h"
#include "util/strbuf.h"

typedef struct template template;

typedef struct render_ctx {
    const wee_event *event;
    const wee_event *results; /* may be NULL */
} render_ctx;

/* NULL on a syntax error ("unclosed '{{' at offset 12"), message in err. */
template *template_compile(const char *text, char *err, size_t err_size);
void template_free(template *t);
int template_is_literal(const template *t);   /* no placeholders: text never changes */
/* The field (canonical name: aliases and "event." resolved) whose value starts the rendering, when the
 * template begins with a placeholder ("{{x}}.bak" -> "x"); NULL otherwise. */
const char *template_leading_field(const template *t);
const char *template_source(const template *t); /* the text as written */
/* Appends the rendering to out. */
void template_render(const template *t, const render_ctx *ctx, strbuf *out);
/* The field name when the template is exactly one placeholder ("{{x}}"), else NULL. */
const char *template_sole_field(const template *t);
/* Resolves one placeholder name the way a template would (aliases, "event." prefix). NULL if unset. */
const char *template_lookup(const render_ctx *ctx, const char *name);
#endif
