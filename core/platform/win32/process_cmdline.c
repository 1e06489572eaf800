#include "process_internal.h"
#include "utf.h"
#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
    wchar_t *p;
    size_t len, cap;
    int oom;
} wbuf;

static void wb_putn(wbuf *b, const wchar_t *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap) cap *= 2;
        wchar_t *np = realloc(b->p, cap * sizeof *np);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n * sizeof *s);
    b->len += n;
    b->p[b->len] = L'\0';
}

static void wb_putc(wbuf *b, wchar_t c) { wb_putn(b, &c, 1); }

static void wb_repeat(wbuf *b, wchar_t c, size_t n)
{
    for (size_t i = 0; i < n; i++) wb_putc(b, c);
}

/*
 * CommandLineToArgvW rules: backslashes are literal unless they precede a quote; 2n backslashes + quote
 * give n backslashes and toggle quoting, 2n+1 + quote give n backslashes and a literal quote. So inside
 * quotes, double every run of backslashes that is followed by a quote or by the closing quote.
 */
static void append_arg(wbuf *b, const wchar_t *a)
{
    if (a[0] != L'\0' && !wcspbrk(a, L" \t\n\v\"")) {
        wb_putn(b, a, wcslen(a));
        return;
    }
    wb_putc(b, L'"');
    for (const wchar_t *p = a;; p++) {
        size_t bs = 0;
        while (*p == L'\\') {
            bs++;
            p++;
        }
        if (*p == L'\0') {
            wb_repeat(b, L'\\', bs * 2);
            break;
        }
        if (*p == L'"') {
            wb_repeat(b, L'\\', bs * 2 + 1);
        } else {
            wb_repeat(b, L'\\', bs);
        }
        wb_putc(b, *p);
    }
    wb_putc(b, L'"');
}

wchar_t *win_build_cmdline(const char *const *argv)
{
    wbuf b = { 0 };
    for (const char *const *a = argv; *a; a++) {
        wchar_t *w = win_utf8_to_wide(*a);
        if (!w) {
            free(b.p);
            return NULL;
        }
        if (a != argv) wb_putc(&b, L' ');
        append_arg(&b, w);
        free(w);
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/*
 * A .bat/.cmd file runs under cmd.exe, which parses the whole command line again by its own rules:
 * `&|<>^` outside quotes start new commands, %NAME% expands anywhere, `"` toggles its quoting (the
 * BatBadBut class). So every argument that is not plainly safe is quoted, a quote inside is doubled
 * (cmd stays inside the quoted region: the doubled quote toggles twice), and each `%` becomes
 * `%%cd:~,%`: cmd reads `%` then `%cd:~,%`, an empty substring of %CD%, so what reaches the script is a
 * literal `%` that nothing expands (needs command extensions on and delayed expansion off, forced with
 * /e:ON /v:OFF). CR and LF end a cmd command whatever the quoting: refused. The same scheme as Rust's
 * std (CVE-2024-24576 fix). The script sees each argument as %1, %2... with its quotes, as cmd gives.
 */
static int bat_plain(wchar_t c)
{
    if (c >= 0x80) return 1; /* letters of other scripts; control characters are below */
    if ((c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') || (c >= L'0' && c <= L'9')) return 1;
    return wcschr(L"#$*+-./:?@\\_", c) != NULL && c != 0;
}

static void append_bat_arg(wbuf *b, const wchar_t *a)
{
    size_t n = wcslen(a);
    int quote = n == 0 || a[n - 1] == L'\\';
    for (size_t i = 0; i < n && !quote; i++)
        if (!bat_plain(a[i]) || (a[i] >= 0x80 && a[i] < 0xA0)) quote = 1;
    if (quote) wb_putc(b, L'"');
    size_t bs = 0;
    for (const wchar_t *p = a; *p; p++) {
        if (*p == L'\\') {
            bs++;
        } else {
            if (*p == L'"') {
                wb_repeat(b, L'\\', bs); /* 2n backslashes before the doubled quote keep n for argv parsers */
                wb_putc(b, L'"');
            } else if (*p == L'%') {
                wb_putn(b, L"%%cd:~,", 7);
            }
            bs = 0;
        }
        wb_putc(b, *p);
    }
    if (quote) {
        wb_repeat(b, L'\\', bs);
        wb_putc(b, L'"');
    }
}

wchar_t *win_build_batch_cmdline(const wchar_t *script, const char *const *argv, const char **why)
{
    *why = NULL;
    size_t sl = wcslen(script);
    if (sl == 0 || wcschr(script, L'"') || script[sl - 1] == L'\\') {
        *why = "the batch file's path cannot be quoted for cmd.exe";
        return NULL;
    }
    wbuf b = { 0 };
    wb_putn(&b, L"cmd.exe /d /e:ON /v:OFF /s /c \"\"", 32);
    wb_putn(&b, script, sl);
    wb_putc(&b, L'"');
    for (const char *const *a = argv + 1; *a; a++) {
        if (strchr(*a, '\r') || strchr(*a, '\n')) {
            *why = "an argument contains a line break, which cmd.exe cannot pass to a batch file";
            free(b.p);
            return NULL;
        }
        wchar_t *w = win_utf8_to_wide(*a);
        if (!w) {
            *why = "an argument is not valid UTF-8 (or out of memory)";
            free(b.p);
            return NULL;
        }
        wb_putc(&b, L' ');
        append_bat_arg(&b, w);
        free(w);
    }
    wb_putc(&b, L'"');
    if (b.oom) {
        free(b.p);
        *why = "out of memory";
        return NULL;
    }
    return b.p;
}

static size_t name_len(const wchar_t *e)
{
    /* The per-drive cwd entries ("=C:=C:\dir") start with '='; it belongs to the name. */
    const wchar_t *eq = wcschr(e + (e[0] == L'=' ? 1 : 0), L'=');
    return eq ? (size_t)(eq - e) : wcslen(e);
}

static int env_cmp(const void *a, const void *b)
{
    const wchar_t *x = *(const wchar_t *const *)a, *y = *(const wchar_t *const *)b;
    size_t nx = name_len(x), ny = name_len(y);
    int c = _wcsnicmp(x, y, nx < ny ? nx : ny);
    if (c != 0) return c;
    return nx < ny ? -1 : nx > ny ? 1 : 0;
}

wchar_t *win_build_env(const char *const *env_add)
{
    wchar_t *cur = GetEnvironmentStringsW();
    size_t count = 0, extra = 0;
    for (const wchar_t *p = cur; p && *p; p += wcslen(p) + 1) count++;
    if (env_add)
        for (const char *const *e = env_add; *e; e++) extra++;
    wchar_t **items = calloc(count + extra + 1, sizeof *items);
    wchar_t **owned = calloc(extra + 1, sizeof *owned);
    wchar_t *block = NULL;
    size_t n = 0;
    int bad = 0;
    if (!items || !owned) goto out;
    for (const wchar_t *p = cur; p && *p; p += wcslen(p) + 1) items[n++] = (wchar_t *)p;
    for (size_t i = 0; i < extra; i++) {
        wchar_t *w = owned[i] = win_utf8_to_wide(env_add[i]);
        if (!w) {
            bad = 1; /* out of memory or not UTF-8: refuse rather than run with a silently missing variable */
            break;
        }
        if (!wcschr(w + (w[0] == L'=' ? 1 : 0), L'=')) continue;
        size_t nl = name_len(w), j = 0;
        for (size_t k = 0; k < n; k++) {
            if (name_len(items[k]) == nl && _wcsnicmp(items[k], w, nl) == 0) continue;
            items[j++] = items[k];
        }
        n = j;
        items[n++] = w;
    }
    if (bad) goto out;
    qsort(items, n, sizeof *items, env_cmp);
    size_t total = 2; /* the block ends with an empty string; an empty block is two NULs */
    for (size_t i = 0; i < n; i++) total += wcslen(items[i]) + 1;
    block = malloc(total * sizeof *block);
    if (block) {
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            size_t l = wcslen(items[i]);
            memcpy(block + at, items[i], (l + 1) * sizeof *block);
            at += l + 1;
        }
        block[at++] = L'\0';
        if (n == 0) block[at] = L'\0';
    }
out:
    if (owned)
        for (size_t i = 0; i < extra; i++) free(owned[i]);
    free(owned);
    free(items);
    if (cur) FreeEnvironmentStringsW(cur);
    return block;
}
