/*
 * modules/pwsh/pwsh_probe.h - is there a PowerShell here that really runs code?
 *
 * Finding a file named powershell.exe is not enough: Wine ships a stub that exits 0 and prints
 * nothing whatever it is asked. So each candidate is run with -EncodedCommand
 * "[Console]::Out.Write(6*7)" and counts only if it prints 42. Candidates, in order: "pwsh" in PATH;
 * the .NET global tool, <home>/.dotnet/tools/pwsh (.exe on Windows), where
 * `dotnet tool install --global PowerShell` puts it without adding it to a service's PATH; then
 * "powershell.exe" in PATH (Windows PowerShell 5.1).
 * Used by the pwsh action at create time and by its tests to decide whether to skip, so both
 * always agree. Portable: it runs the candidates through plat_process_run.
 */
#ifndef WEE_PWSH_PROBE_H
#define WEE_PWSH_PROBE_H
#include <stddef.h>

/* Room for the chosen program: a name, or the global tool's full path. */
#define PWSH_EXE_MAX 1024

/* How long one candidate may take to answer: a cold PowerShell start can take seconds. */
#define PWSH_PROBE_TIMEOUT_MS 30000

/* 0 and the working program in exe ("pwsh", the global tool's path or "powershell.exe"); otherwise
 * WEE_ENOTFOUND and one line in reason: "no working PowerShell found: tried pwsh (cannot start: ...),
 * /root/.dotnet/tools/pwsh (...), powershell.exe (ran but printed "" instead of 42 ...); install
 * PowerShell 7 (pwsh) ...". */
int pwsh_probe(char *exe, size_t exe_size, char *reason, size_t reason_size);

#endif
