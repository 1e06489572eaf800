/* private_file.c - files only this user, SYSTEM and Administrators may open, and BCrypt random bytes;
 * see platform/private_file.h. */
#include "conn_internal.h"
#include <bcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/private_file.h"
#include "service_internal.h"
#include "utf.h"
#include "wee/errors.h"

int plat_random_bytes(void *buf, size_t n)
{
    return BCryptGenRandom(NULL, buf, (ULONG)n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0 ? 0 : WEE_EIO;
}

static const char *pipe_name(const char *control_path)
{
    const char *name = strrchr(control_path, '\\');
    return name ? name + 1 : control_path;
}

/* %ProgramData% as the system defines it (ProfileList's ProgramData, expanded) rather than the
 * environment variable, which a service need not share with the users' processes (Wine gives its
 * services C:\\users\\Public, its users C:\\ProgramData): the service writes where `host console` reads. */
static int program_data(char *buf, size_t size)
{
    wchar_t raw[MAX_PATH], w[MAX_PATH];
    DWORD bytes = sizeof raw;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList", L"ProgramData",
                     RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL, raw, &bytes) != ERROR_SUCCESS) {
        DWORD n = GetEnvironmentVariableW(L"ProgramData", raw, MAX_PATH);
        if (n == 0 || n >= MAX_PATH) wcscpy(raw, L"C:\\ProgramData");
    }
    DWORD n = ExpandEnvironmentStringsW(raw, w, MAX_PATH);
    if (n == 0 || n > MAX_PATH) return WEE_EINVAL;
    return win_wide_to_utf8_buf(w, buf, size) < 0 ? WEE_EINVAL : 0;
}

int plat_service_private_file_path(const char *control_path, const char *suffix, char *buf, size_t size)
{
    char base[MAX_PATH * 3];
    if (program_data(base, sizeof base) != 0) return WEE_EINVAL;
    int k = snprintf(buf, size, "%s\\WinEventEngine\\%s%s", base, pipe_name(control_path), suffix);
    return k > 0 && (size_t)k < size ? 0 : WEE_EINVAL;
}

/* The service's folder for its private files, made (only SYSTEM, Administrators and the service's
 * account may use it) when it is missing; an existing one is left as it is. */
static int make_service_dir(void)
{
    char base[MAX_PATH * 3], dir[MAX_PATH * 3 + 32], err[256];
    if (program_data(base, sizeof base) != 0) return WEE_EINVAL;
    snprintf(dir, sizeof dir, "%s\\WinEventEngine", base);
    wchar_t *wdir = win_utf8_to_wide(dir);
    PSECURITY_DESCRIPTOR sd = NULL;
    if (!wdir || win_private_security(&sd, err, sizeof err) != 0) { free(wdir); return WEE_EIO; }
    SECURITY_ATTRIBUTES sa = { sizeof sa, sd, FALSE };
    BOOL made = CreateDirectoryW(wdir, &sa) || GetLastError() == ERROR_ALREADY_EXISTS;
    LocalFree(sd);
    free(wdir);
    return made ? 0 : WEE_EIO;
}

int plat_private_file_path(const char *control_path, const char *suffix, char *buf, size_t size)
{
    if (win_service_active()) {
        if (make_service_dir() != 0) return WEE_EIO;
        return plat_service_private_file_path(control_path, suffix, buf, size);
    }
    wchar_t w[MAX_PATH];
    char base[MAX_PATH * 3];
    DWORD n = GetEnvironmentVariableW(L"LOCALAPPDATA", w, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) return WEE_EIO;
    if (win_wide_to_utf8_buf(w, base, sizeof base) < 0) return WEE_EINVAL;
    const char *name = pipe_name(control_path);
    int k = snprintf(buf, size, "%s\\WinEventEngine", base);
    if (k <= 0 || (size_t)k >= size) return WEE_EINVAL;
    wchar_t *dir = win_utf8_to_wide(buf);
    if (!dir) return WEE_EIO;
    BOOL made = CreateDirectoryW(dir, NULL) || GetLastError() == ERROR_ALREADY_EXISTS;
    free(dir);
    if (!made) return WEE_EIO;
    k = snprintf(buf, size, "%s\\WinEventEngine\\%s%s", base, name, suffix);
    return k > 0 && (size_t)k < size ? 0 : WEE_EINVAL;
}

int plat_write_private_file(const char *path, const char *data, size_t len, char *err, size_t err_size)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.%lu.tmp", path, (unsigned long)GetCurrentProcessId()) >= (int)sizeof tmp) {
        snprintf(err, err_size, "%s: path too long", path);
        return WEE_EINVAL;
    }
    PSECURITY_DESCRIPTOR sd = NULL;
    int rc = win_private_security(&sd, err, err_size);
    if (rc != 0) return rc;
    SECURITY_ATTRIBUTES sa = { sizeof sa, sd, FALSE };
    wchar_t *wtmp = win_utf8_to_wide(tmp), *wpath = win_utf8_to_wide(path);
    rc = WEE_EIO;
    if (!wtmp || !wpath) { snprintf(err, err_size, "%s: not valid UTF-8", path); goto out; }
    DeleteFileW(wtmp);
    HANDLE h = CreateFileW(wtmp, GENERIC_WRITE, 0, &sa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        snprintf(err, err_size, "cannot create %s (error %lu)", tmp, GetLastError());
        goto out;
    }
    DWORD wrote = 0;
    BOOL ok = WriteFile(h, data, (DWORD)len, &wrote, NULL) && wrote == len;
    ok = CloseHandle(h) && ok;
    if (!ok || !MoveFileExW(wtmp, wpath, MOVEFILE_REPLACE_EXISTING)) {
        snprintf(err, err_size, "cannot write %s (error %lu)", path, GetLastError());
        DeleteFileW(wtmp);
        goto out;
    }
    rc = 0;
out:
    free(wtmp);
    free(wpath);
    LocalFree(sd);
    return rc;
}
