/*
 * fuzz_template - "{{field}}" templates: compile any text, render it against generated events and
 * results, and compare with a reference written from the documented syntax (template.h): "{{{{" is a
 * literal "{{", "{{ name }}" a field (spaces trimmed; letters, digits, '_', '.', '-'), anything else
 * after "{{" an error.
 * Input: template text, a NUL, then the bytes fuzz_event turns into the event and the results.
 */
#include <string.h>
#include "fuzz_input.h"
#include "template.h"

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

static int space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* 0 and the rendering in out, or -1 when the text is not a valid template. */
static int reference_render(const char *s, const render_ctx *ctx, strbuf *out)
{
    while (*s) {
        if (s[0] != '{' || s[1] != '{') { strbuf_putc(out, *s++); continue; }
        if (strncmp(s, "{{{{", 4) == 0) { strbuf_puts(out, "{{"); s += 4; continue; }
        const char *close = strstr(s + 2, "}}");
        if (!close) return -1;
        const char *a = s + 2, *b = close;
        while (a < b && space(*a)) a++;
        while (b > a && space(b[-1])) b--;
        if (a == b || b - a >= 256) return -1;
        char name[256];
        for (const char *p = a; p < b; p++)
            if (!name_char(*p)) return -1;
        memcpy(name, a, (size_t)(b - a));
        name[b - a] = '\0';
        const char *v = template_lookup(ctx, name);
        if (v) strbuf_puts(out, v);
        s = close + 2;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) { fuzz_quiet_log(); quiet = 1; }
    fuzz_input in = { data, size };
    char *text = fuzz_until_nul(&in);
    wee_event *ev = fuzz_event(&in, NULL, 0);
    wee_event *results = (fuzz_byte(&in) & 1) ? fuzz_event(&in, NULL, 0) : NULL;
    render_ctx ctx = { ev, results };
    char err[256];
    template *t = template_compile(text, err, sizeof err);
    strbuf want = STRBUF_INIT, have = STRBUF_INIT;
    int ref = reference_render(text, &ctx, &want);
    FUZZ_CHECK((t != NULL) == (ref == 0), "compile %s (%s) but the reference %s", t ? "accepted" : "refused", err,
               ref == 0 ? "accepts" : "refuses");
    if (t) {
        FUZZ_CHECK(strcmp(template_source(t), text) == 0, "source changed");
        template_render(t, &ctx, &have);
        FUZZ_CHECK(have.len == want.len && memcmp(strbuf_cstr(&have), strbuf_cstr(&want), want.len) == 0,
                   "rendered \"%s\", expected \"%s\"", strbuf_cstr(&have), strbuf_cstr(&want));
        if (template_is_literal(t)) {
            /* A literal renders the same with no event at all. */
            strbuf bare = STRBUF_INIT;
            template_render(t, NULL, &bare);
            FUZZ_CHECK(bare.len == have.len && memcmp(strbuf_cstr(&bare), strbuf_cstr(&have), have.len) == 0,
                       "a literal template depends on the event");
            strbuf_free(&bare);
        }
        template_free(t);
    } else {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
    }
    strbuf_free(&want);
    strbuf_free(&have);
    event_unref(ev);
    if (results) event_unref(results);
    free(text);
    return 0;
}
