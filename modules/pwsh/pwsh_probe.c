/*
 * modules/pwsh/pwsh_probe.c - see pwsh_probe.h.
 */
#include "pwsh_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "pwsh_args.h"
#include "wee/errors.h"

/* Runs one candidate; 1 if it printed 42, else 0 with what happened in note. */
static int try_candidate(const char *exe, char *note, size_t note_size)
{
    char *encoded = pwsh_encode_command("[Console]::Out.Write(6*7)");
    const char *argv[16];
    if (!encoded || pwsh_build_argv(exe, encoded, NULL, NULL, 0, argv, 16) == 0) {
        free(encoded);
        snprintf(note, note_size, "out of memory");
        return 0;
    }
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = PWSH_PROBE_TIMEOUT_MS;
    spec.stdout_max = 256;
    spec.stderr_max = 256;
    spec.capture_stderr = 1; /* a broken install's complaints must not reach the engine's console */
    plat_process_result res;
    memset(&res, 0, sizeof res);
    int rc = plat_process_run(&spec, &res);
    free(encoded);
    int ok = 0;
    if (rc != 0 || !res.started) {
        if (res.error[0]) snprintf(note, note_size, "%s", res.error);
        else snprintf(note, note_size, "cannot start: %s", wee_strerror(rc ? rc : WEE_EFAILED));
    } else if (res.timed_out) {
        snprintf(note, note_size, "no answer within %d ms", PWSH_PROBE_TIMEOUT_MS);
    } else if (res.out && strcmp(res.out, "42") == 0 && res.exit_code == 0) {
        ok = 1;
    } else {
        char shown[40];
        snprintf(shown, sizeof shown, "%s", res.out ? res.out : "");
        for (char *c = shown; *c; c++) if (*c == '\r' || *c == '\n') *c = ' ';
        snprintf(note, note_size, "ran but printed \"%s\" with exit code %d instead of 42%s", shown,
                 res.exit_code, res.out && *res.out ? "" : ": a stub, such as Wine's");
    }
    plat_process_result_free(&res);
    return ok;
}

/* <home>/.dotnet/tools/pwsh[.exe] into out, or 0 when there is no home. */
static int global_tool_path(char *out, size_t size)
{
    char home[PWSH_EXE_MAX - 40];
    if (plat_home_dir(home, sizeof home) != 0) return 0;
#ifdef _WIN32
    static const char exe_suffix[] = ".exe";
#else
    static const char exe_suffix[] = "";
#endif
    const char *sep = plat_path_sep();
    snprintf(out, size, "%s%s.dotnet%stools%spwsh%s", home, sep, sep, sep, exe_suffix);
    return 1;
}

int pwsh_probe(char *exe, size_t exe_size, char *reason, size_t reason_size)
{
    char tool[PWSH_EXE_MAX];
    const char *candidates[3];
    size_t count = 0;
    candidates[count++] = "pwsh";
    if (global_tool_path(tool, sizeof tool)) candidates[count++] = tool;
    candidates[count++] = "powershell.exe";
    char notes[3][320];
    for (size_t i = 0; i < count; i++) {
        if (try_candidate(candidates[i], notes[i], sizeof notes[i])) {
            snprintf(exe, exe_size, "%s", candidates[i]);
            if (reason_size) reason[0] = '\0';
            return 0;
        }
    }
    size_t used = (size_t)snprintf(reason, reason_size, "no working PowerShell found: tried ");
    for (size_t i = 0; i < count && used < reason_size; i++)
        used += (size_t)snprintf(reason + used, reason_size - used, "%s%s (%s)", i ? ", " : "", candidates[i],
                                 notes[i]);
    if (used < reason_size)
        snprintf(reason + used, reason_size - used,
                 "; install PowerShell 7 (pwsh), e.g. `dotnet tool install --global PowerShell`, and make sure "
                 "it is in PATH");
    if (exe_size) exe[0] = '\0';
    return WEE_ENOTFOUND;
}
