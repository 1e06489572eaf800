/* core/util/file_replace.c - see file_replace.h. */
#include "util/file_replace.h"
#include <stdlib.h>
#include <string.h>
#include "platform/append_file.h"
#include "wee/errors.h"

int file_replace_with(const char *path, file_replace_writer write, void *ctx)
{
    size_t n = strlen(path) + sizeof ".tmp";
    char *tmp = malloc(n);
    if (!tmp) return WEE_ENOMEM;
    memcpy(tmp, path, n - sizeof ".tmp");
    memcpy(tmp + n - sizeof ".tmp", ".tmp", sizeof ".tmp");
    plat_file_remove(tmp); /* a leftover of a crash: plat_append_open would append to it */
    FILE *f = NULL;
    uint64_t size = 0;
    int rc = plat_append_open(tmp, &f, &size);
    if (rc == 0) {
        int ok = write(f, ctx) == 0;
        ok = fflush(f) == 0 && ok;
        ok = fclose(f) == 0 && ok;
        rc = ok ? plat_file_replace(tmp, path) : WEE_EIO;
        if (rc != 0) plat_file_remove(tmp);
    }
    free(tmp);
    return rc;
}

typedef struct span { const char *data; size_t len; } span;

static int write_span(FILE *f, void *ctx)
{
    const span *s = ctx;
    return s->len && fwrite(s->data, 1, s->len, f) != s->len;
}

int file_replace(const char *path, const char *data, size_t len)
{
    span s = { data, len };
    return file_replace_with(path, write_span, &s);
}
