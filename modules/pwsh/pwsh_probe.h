/*
 * modules/pwsh/pwsh_probe.h - is there a PowerShell here that really runs code?
 *
 * Finding a file named powershell.exe is not enough: Wine ships a stub that exits 0 and prints
 * nothing whatever it is asked. So each candidate ("pwsh", then "powershell.exe", both searched in
 * PATH) is run with -EncodedCommand "[Console]::Out.Write(6*7)" and counts only if it prints 42.
 * Used by the pwsh action at create time and by its tests to decide whether to skip, so both
 * always agree. Portable: it runs the candidates through plat_process_run.
 */
#ifndef WEE_PWSH_PROBE_H
#define WEE_PWSH_PROBE_H
#include <stddef.h>

/* How long one candidate may take to answer: a cold PowerShell start can take seconds. */
#define PWSH_PROBE_TIMEOUT_MS 30000

/* 0 and the working program's name in exe ("pwsh" or "powershell.exe"); otherwise WEE_ENOTFOUND
 * and one line in reason: "no working PowerShell found: tried pwsh (cannot start: ...),
 * powershell.exe (ran but printed "" instead of 42 ...); install PowerShell 7 (pwsh) ...". */
int pwsh_probe(char *exe, size_t exe_size, char *reason, size_t reason_size);

#endif
