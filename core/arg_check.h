/*
 * core/arg_check.h - `host validate` warnings about option injection.
 *
 * An action's "args" reach a program one by one, without a shell, but a rendered argument that
 * begins with '-' is still read by the program as an option: "args": ["{{name}}"] with a file named
 * "-rf". A placeholder that begins an argument is reported unless its value cannot begin with '-'
 * (the absolute paths path, dir, old_path, exe) or a "--" argument came before it. The args of an
 * action with an inline "script" (pwsh) travel as environment variables and are not checked.
 */
#ifndef WEE_ARG_CHECK_H
#define WEE_ARG_CHECK_H
#include <stddef.h>
#include <stdio.h>
#include "config.h"

/* Prints one warning per risky argument to out as "<file>: <json path>: warning: ..."; returns how
 * many. */
size_t arg_check_warn(const config *c, const char *file, FILE *out);
#endif
