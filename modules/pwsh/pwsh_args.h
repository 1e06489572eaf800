/*
 * modules/pwsh/pwsh_args.h - the pure parts of the pwsh action: its command line and environment.
 * Portable, no host and no OS calls, so tests/unit/test_pwsh_args.c checks them directly.
 *
 * Why -EncodedCommand: an inline script travels as base64 of its UTF-16LE text, so no quote, '$' or
 * newline in it can be re-parsed by the Windows command line or by PowerShell's own argument rules.
 * Arguments of an inline script never join the script text (that would turn event data into code):
 * they travel as environment variables WEE_ARG_COUNT, WEE_ARG_0.. and a fixed preamble turns them
 * into the array $WeeArgs. With `file`, arguments follow -File as real process arguments.
 *
 * Ownership: every char* returned is malloc'd; free() it. pwsh_env owns its strings (pwsh_env_free).
 */
#ifndef WEE_PWSH_ARGS_H
#define WEE_PWSH_ARGS_H
#include <stddef.h>

/* The fixed switches that come before -EncodedCommand / -File. -OutputFormat Text: with
 * -EncodedCommand, PowerShell 7 otherwise writes stderr as CLIXML ("#< CLIXML <Objs ...>"). */
#define PWSH_FIXED_ARGS "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-OutputFormat", "Text"
#define PWSH_FIXED_ARG_COUNT 6

/* "NAME=value" strings, NULL-terminated (items may be NULL while count is 0). */
typedef struct pwsh_env {
    char **items;
    size_t count, cap;
} pwsh_env;

/* Sets NAME=value, replacing an earlier entry of the same name (case-insensitively on Windows).
 * 0, or -1 when out of memory. */
int pwsh_env_set(pwsh_env *e, const char *name, const char *value);
void pwsh_env_free(pwsh_env *e);

/* WEE_EVENT_ + field upper-cased, every byte that is not an ASCII letter or digit as '_'
 * ("http.status" -> "WEE_EVENT_HTTP_STATUS"). Truncated to fit out (always NUL-terminated). */
void pwsh_env_field_name(const char *field, char *out, size_t size);

/* The Rust original's variable name for a field ("path" -> "EVENT_PATH", "name" -> "FILENAME",
 * "type" -> "EVENT_TYPE", ...; the list of core/template.c), or NULL when it has none. */
const char *pwsh_env_alias(const char *field);

/* Adds one event field: WEE_EVENT_<FIELD> and, when the field has one, its alias. */
int pwsh_env_add_field(pwsh_env *e, const char *field, const char *value);

/* Adds WEE_ARG_COUNT and WEE_ARG_0..n-1 for an inline script's arguments. */
int pwsh_env_add_args(pwsh_env *e, const char *const *args, size_t n);

/* The inline script as it is run: a fixed preamble that sets $WeeArgs, then checks the syntax of the
 * user's script (carried inside it as base64 of its UTF-8) and dot-sources it (see pwsh_args.c). */
char *pwsh_inline_script(const char *script);

/* base64 of the UTF-8 text converted to UTF-16LE, as -EncodedCommand wants it. NULL when the text
 * is not valid UTF-8 or out of memory. */
char *pwsh_encode_command(const char *utf8);

/* Fills argv (NULL-terminated) for one run and returns its length, or 0 if cap is too small:
 *   exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -OutputFormat Text -EncodedCommand <encoded>
 *   exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -OutputFormat Text -File <file> args...
 * Exactly one of encoded / file is non-NULL; args are only used with file. Pointers are borrowed. */
size_t pwsh_build_argv(const char *exe, const char *encoded, const char *file, const char *const *args,
                       size_t nargs, const char **argv, size_t cap);

#endif
