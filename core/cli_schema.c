/*
 * core/cli_schema.c - `host schema [--out FILE]`: the config's JSON Schema for the loaded modules
 * (schema.c), to stdout or into FILE (written whole, then renamed, so an editor never reads half a file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "schema.h"

static int write_whole(const char *file, const char *text)
{
    size_t n = strlen(file) + 8;
    char *tmp = malloc(n);
    if (!tmp) return -1;
    snprintf(tmp, n, "%s.tmp", file);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(text, 1, strlen(text), f) == strlen(text);
    if (f && fclose(f) != 0) ok = 0;
    /* rename over an existing file is not atomic-replace on Windows: remove it first there. */
#ifdef _WIN32
    if (ok) remove(file);
#endif
    if (ok && rename(tmp, file) != 0) ok = 0;
    if (!ok) remove(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

int cli_schema(const module_registry *reg, const char *out_file)
{
    diag_list untyped = DIAG_INIT;
    char *text = schema_generate(reg, &untyped);
    if (!text) {
        fprintf(stderr, "host schema: out of memory\n");
        diag_free(&untyped);
        return 1;
    }
    /* Still written: the key is in the schema (any value accepted); the type is what is missing. */
    for (size_t i = 0; i < untyped.count; i++)
        fprintf(stderr, "host schema: warning: %s: %s\n", untyped.items[i].path, untyped.items[i].message);
    int rc = 0;
    if (!out_file) {
        fputs(text, stdout);
    } else if (write_whole(out_file, text) != 0) {
        fprintf(stderr, "host schema: --out %s: cannot write the file; check the folder exists and is writable\n",
                out_file);
        rc = 1;
    } else {
        fprintf(stderr, "host schema: wrote %s (%zu module(s))\n", out_file, reg->count);
    }
    free(text);
    diag_free(&untyped);
    return rc;
}
