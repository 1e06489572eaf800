/*
 * modules/pwsh/pwsh_args.c - see pwsh_args.h.
 */
#include "pwsh_args.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util/env_name.h"

/* The inline script as run. PowerShell parses a whole -EncodedCommand before running any of it, and a
 * syntax error in it is reported nowhere (PowerShell 7.6 on Linux exits 1 with empty stdout and
 * stderr), so the user's text does not join the command: it travels as base64 of its UTF-8 inside a
 * string literal, is parsed explicitly (each syntax error goes to stderr with the user's own line and
 * column) and then dot-sourced, so it runs in the script scope like a -File script: `exit N` gives N,
 * an uncaught error 1. Output is UTF-8 whatever the console code page (Windows PowerShell 5.1 writes
 * the OEM page otherwise); the arguments become $WeeArgs. Constant code: data only arrives through
 * the environment, and the literal is base64, which has no quote to end it. */
static const char preamble_head[] =
    "[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false; "
    "$WeeArgs = @(for ($WeeI = 0; $WeeI -lt [int]$env:WEE_ARG_COUNT; $WeeI++) "
    "{ [Environment]::GetEnvironmentVariable(\"WEE_ARG_$WeeI\") }); "
    "$WeeText = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('";
static const char preamble_tail[] =
    "')); $WeeErrors = $null; "
    "$null = [Management.Automation.Language.Parser]::ParseInput($WeeText, [ref]$null, [ref]$WeeErrors); "
    "if ($WeeErrors) { foreach ($WeeE in $WeeErrors) { [Console]::Error.WriteLine(\"syntax error at line "
    "$($WeeE.Extent.StartLineNumber), column $($WeeE.Extent.StartColumnNumber): $($WeeE.Message)\") }; exit 1 }; "
    "$WeeBlock = [ScriptBlock]::Create($WeeText); Remove-Variable WeeI, WeeText, WeeErrors; . $WeeBlock";

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 (with '=' padding) of n bytes into out, which has room for (n + 2) / 3 * 4 + 1. */
static void base64_into(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18]; out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63]; out[o++] = b64_alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

int pwsh_env_set(pwsh_env *e, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = value ? strlen(value) : 0;
    char *item = malloc(nl + vl + 2);
    if (!item) return -1;
    memcpy(item, name, nl);
    item[nl] = '=';
    if (vl) memcpy(item + nl + 1, value, vl);
    item[nl + 1 + vl] = '\0';
    for (size_t i = 0; i < e->count; i++) {
        const char *eq = strchr(e->items[i], '=');
        if ((size_t)(eq - e->items[i]) == nl && env_name_equal(e->items[i], name, nl)) {
            free(e->items[i]);
            e->items[i] = item;
            return 0;
        }
    }
    if (e->count + 2 > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 32;
        char **items = realloc(e->items, cap * sizeof *items);
        if (!items) { free(item); return -1; }
        e->items = items;
        e->cap = cap;
    }
    e->items[e->count++] = item;
    e->items[e->count] = NULL;
    return 0;
}

void pwsh_env_free(pwsh_env *e)
{
    for (size_t i = 0; i < e->count; i++) free(e->items[i]);
    free(e->items);
    e->items = NULL;
    e->count = e->cap = 0;
}

void pwsh_env_field_name(const char *field, char *out, size_t size)
{
    static const char prefix[] = "WEE_EVENT_";
    size_t o = 0;
    if (size == 0) return;
    for (size_t i = 0; prefix[i] && o + 1 < size; i++) out[o++] = prefix[i];
    for (; *field && o + 1 < size; field++) {
        char c = *field;
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
        out[o++] = c;
    }
    out[o] = '\0';
}

const char *pwsh_env_alias(const char *field)
{
    /* core/template.c's alias table read the other way: the names the Rust original exported. */
    static const char *const table[][2] = {
        { "path", "EVENT_PATH" },     { "name", "FILENAME" },   { "dir", "DIRECTORY" },
        { "old_path", "OLD_PATH" },   { "type", "EVENT_TYPE" }, { "source", "EVENT_SOURCE" },
        { "time", "TIMESTAMP" },      { "pid", "PID" },         { "process", "PROCESS_NAME" },
        { "title", "WINDOW_TITLE" },
    };
    for (size_t i = 0; field && i < sizeof table / sizeof table[0]; i++)
        if (strcmp(field, table[i][0]) == 0) return table[i][1];
    return NULL;
}

int pwsh_env_add_field(pwsh_env *e, const char *field, const char *value)
{
    char name[256];
    pwsh_env_field_name(field, name, sizeof name);
    if (pwsh_env_set(e, name, value) != 0) return -1;
    const char *alias = pwsh_env_alias(field);
    return alias ? pwsh_env_set(e, alias, value) : 0;
}

int pwsh_env_add_args(pwsh_env *e, const char *const *args, size_t n)
{
    char name[40], count[24];
    size_t len = 0;
    /* Decimal by hand: no locale, no printf needed for a size_t. */
    char digits[24];
    size_t v = n;
    do { digits[len++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (size_t i = 0; i < len; i++) count[i] = digits[len - 1 - i];
    count[len] = '\0';
    if (pwsh_env_set(e, "WEE_ARG_COUNT", count) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        v = i;
        do { digits[k++] = (char)('0' + v % 10); v /= 10; } while (v);
        memcpy(name, "WEE_ARG_", 8);
        for (size_t j = 0; j < k; j++) name[8 + j] = digits[k - 1 - j];
        name[8 + k] = '\0';
        if (pwsh_env_set(e, name, args[i] ? args[i] : "") != 0) return -1;
    }
    return 0;
}

char *pwsh_inline_script(const char *script)
{
    size_t hl = sizeof preamble_head - 1, tl = sizeof preamble_tail - 1, sl = strlen(script);
    size_t bl = (sl + 2) / 3 * 4;
    char *out = malloc(hl + bl + tl + 1);
    if (!out) return NULL;
    memcpy(out, preamble_head, hl);
    base64_into((const unsigned char *)script, sl, out + hl);
    memcpy(out + hl + bl, preamble_tail, tl + 1);
    return out;
}

/* Next code point of UTF-8 text, or -1 for an invalid sequence (overlong, surrogate, > U+10FFFF). */
static long utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    long cp;
    size_t n;
    if (s[0] < 0x80) { *p = s + 1; return s[0]; }
    if ((s[0] & 0xE0) == 0xC0) { cp = s[0] & 0x1F; n = 1; }
    else if ((s[0] & 0xF0) == 0xE0) { cp = s[0] & 0x0F; n = 2; }
    else if ((s[0] & 0xF8) == 0xF0) { cp = s[0] & 0x07; n = 3; }
    else return -1;
    for (size_t i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const long min_for[] = { 0, 0x80, 0x800, 0x10000 };
    if (cp < min_for[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    *p = s + n + 1;
    return cp;
}

char *pwsh_encode_command(const char *utf8)
{
    size_t len = strlen(utf8);
    /* At most one UTF-16 unit (2 bytes) per input byte, or two units per 4-byte sequence. */
    unsigned char *wide = malloc(len * 2 + 2);
    if (!wide) return NULL;
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)utf8;
    while (*p) {
        long cp = utf8_next(&p);
        if (cp < 0) { free(wide); return NULL; }
        if (cp >= 0x10000) {
            long v = cp - 0x10000;
            unsigned hi = (unsigned)(0xD800 + (v >> 10)), lo = (unsigned)(0xDC00 + (v & 0x3FF));
            wide[w++] = (unsigned char)(hi & 0xFF); wide[w++] = (unsigned char)(hi >> 8);
            wide[w++] = (unsigned char)(lo & 0xFF); wide[w++] = (unsigned char)(lo >> 8);
        } else {
            wide[w++] = (unsigned char)(cp & 0xFF);
            wide[w++] = (unsigned char)(cp >> 8);
        }
    }
    char *out = malloc((w + 2) / 3 * 4 + 1);
    if (!out) { free(wide); return NULL; }
    base64_into(wide, w, out);
    free(wide);
    return out;
}

size_t pwsh_build_argv(const char *exe, const char *encoded, const char *file, const char *const *args,
                       size_t nargs, const char **argv, size_t cap)
{
    static const char *const fixed[] = { PWSH_FIXED_ARGS };
    if (!exe || (!encoded) == (!file)) return 0;
    size_t need = 1 + PWSH_FIXED_ARG_COUNT + 2 + (file ? nargs : 0) + 1;
    if (cap < need) return 0;
    size_t n = 0;
    argv[n++] = exe;
    for (size_t i = 0; i < PWSH_FIXED_ARG_COUNT; i++) argv[n++] = fixed[i];
    if (encoded) {
        argv[n++] = "-EncodedCommand";
        argv[n++] = encoded;
    } else {
        argv[n++] = "-File";
        argv[n++] = file;
        for (size_t i = 0; i < nargs; i++) argv[n++] = args[i] ? args[i] : "";
    }
    argv[n] = NULL;
    return n;
}
