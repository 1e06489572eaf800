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

int pwsh_probe(char *exe, size_t exe_size, char *reason, size_t reason_size)
{
    static const char *const candidates[] = { "pwsh", "powershell.exe" };
    char notes[2][320];
    for (size_t i = 0; i < 2; i++) {
        if (try_candidate(candidates[i], notes[i], sizeof notes[i])) {
            snprintf(exe, exe_size, "%s", candidates[i]);
            if (reason_size) reason[0] = '\0';
            return 0;
        }
    }
    snprintf(reason, reason_size,
             "no working PowerShell found: tried pwsh (%s), powershell.exe (%s); install PowerShell 7 "
             "(pwsh) and make sure it is in PATH", notes[0], notes[1]);
    if (exe_size) exe[0] = '\0';
    return WEE_ENOTFOUND;
}
