/*
 * core/cli_schema.c - `host schema [--out FILE]`: the config's JSON Schema for the loaded modules
 * (schema.c), to stdout or into FILE (written whole, then renamed, so an editor never reads half a file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "schema.h"
#include "util/file_replace.h"
#include "wee/errors.h"

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
    int rc = 0, wrc;
    if (!out_file) {
        fputs(text, stdout);
    } else if ((wrc = file_replace(out_file, text, strlen(text))) != 0) {
        fprintf(stderr, "host schema: --out %s: cannot write the file (%s); check the folder exists and is writable\n",
                out_file, wee_strerror(wrc));
        rc = 1;
    } else {
        fprintf(stderr, "host schema: wrote %s (%zu module(s))\n", out_file, reg->count);
    }
    free(text);
    diag_free(&untyped);
    return rc;
}
