/* ipc.c - the control endpoint on Windows: a local named pipe only this user, SYSTEM and
 * Administrators may open; the first instance is ours or the start fails (no silent takeover). */
#include "conn_internal.h"
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/ipc.h"
#include "utf.h"
#include "wee/errors.h"

#ifndef PIPE_REJECT_REMOTE_CLIENTS
#define PIPE_REJECT_REMOTE_CLIENTS 0x00000008
#endif
#define PIPE_BUFFER 65536

struct plat_ipc_listener {
    wchar_t *name;
    PSECURITY_DESCRIPTOR sd;   /* LocalFree */
    SECURITY_ATTRIBUTES sa;
    HANDLE pending;            /* the instance waiting for the next client */
    HANDLE ev;
    OVERLAPPED ov;
    int connected;             /* pending already has a client (ERROR_PIPE_CONNECTED) */
};

int plat_ipc_default_path(char *buf, size_t size)
{
    wchar_t w[257];
    DWORD n = (DWORD)(sizeof w / sizeof w[0]);
    char user[256] = "user";
    if (GetUserNameW(w, &n)) win_wide_to_utf8_buf(w, user, sizeof user);
    /* Pipe names cannot hold '\'; keep the name plain whatever the account is called. */
    for (char *c = user; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
              *c == '-' || *c == '_'))
            *c = '_';
    int k = snprintf(buf, size, "\\\\.\\pipe\\wee-%s-control", user);
    return k > 0 && (size_t)k < size ? 0 : WEE_EINVAL;
}

/* "D:P(A;;GA;;;<user SID>)(A;;GA;;;SY)(A;;GA;;;BA)": a protected DACL naming only this user, SYSTEM
 * and Administrators. ConvertStringSecurityDescriptorToSecurityDescriptorW is looked up at run time
 * so the host does not need an import that only this file uses. Also used for private files. */
int win_private_security(PSECURITY_DESCRIPTOR *sd, char *err, size_t err_size)
{
    typedef BOOL(WINAPI * sddl_fn)(LPCWSTR, DWORD, PSECURITY_DESCRIPTOR *, PULONG);
    HMODULE adv = LoadLibraryW(L"advapi32.dll");
    sddl_fn convert = adv ? (sddl_fn)(void (*)(void))GetProcAddress(adv, "ConvertStringSecurityDescriptorToSecurityDescriptorW") : NULL;
    HANDLE token = NULL;
    BYTE info[512];
    DWORD len = 0;
    wchar_t *sid = NULL;
    int rc = WEE_EIO;
    if (!convert) {
        snprintf(err, err_size, "advapi32 has no ConvertStringSecurityDescriptorToSecurityDescriptorW");
        goto out;
    }
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) ||
        !GetTokenInformation(token, TokenUser, info, sizeof info, &len) ||
        !ConvertSidToStringSidW(((TOKEN_USER *)info)->User.Sid, &sid)) {
        snprintf(err, err_size, "cannot read this process's user SID (error %lu)", GetLastError());
        goto out;
    }
    wchar_t sddl[512];
    _snwprintf(sddl, sizeof sddl / sizeof sddl[0], L"D:P(A;;GA;;;%ls)(A;;GA;;;SY)(A;;GA;;;BA)", sid);
    sddl[sizeof sddl / sizeof sddl[0] - 1] = L'\0';
    if (!convert(sddl, SDDL_REVISION_1, sd, NULL)) {
        snprintf(err, err_size, "cannot build a security descriptor for this user, SYSTEM and Administrators (error %lu)", GetLastError());
        goto out;
    }
    rc = 0;
out:
    if (sid) LocalFree(sid);
    if (token) CloseHandle(token);
    if (adv) FreeLibrary(adv);
    return rc;
}

static HANDLE create_instance(plat_ipc_listener *l, int first)
{
    DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
    DWORD pipe_mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
    return CreateNamedPipeW(l->name, open_mode, pipe_mode, PIPE_UNLIMITED_INSTANCES, PIPE_BUFFER, PIPE_BUFFER, 0,
                            &l->sa);
}

/* Starts waiting for a client on l->pending. 0, or WEE_EIO. */
static int arm(plat_ipc_listener *l)
{
    memset(&l->ov, 0, sizeof l->ov);
    l->ov.hEvent = l->ev;
    ResetEvent(l->ev);
    l->connected = 0;
    if (ConnectNamedPipe(l->pending, &l->ov)) { l->connected = 1; return 0; }
    DWORD e = GetLastError();
    if (e == ERROR_PIPE_CONNECTED) { l->connected = 1; return 0; }
    return e == ERROR_IO_PENDING ? 0 : WEE_EIO;
}

static void free_listener(plat_ipc_listener *l)
{
    if (l->pending && l->pending != INVALID_HANDLE_VALUE) {
        CancelIoEx(l->pending, NULL);
        CloseHandle(l->pending);
    }
    if (l->ev) CloseHandle(l->ev);
    if (l->sd) LocalFree(l->sd);
    free(l->name);
    free(l);
}

int plat_ipc_check_path(const char *path, char *err, size_t err_size)
{
    if (strncmp(path, "\\\\.\\pipe\\", 9) != 0 || !path[9] || strchr(path + 9, '\\') || strlen(path) > 256) {
        snprintf(err, err_size, "control path \"%.80s\" is not a pipe name; expected \\\\.\\pipe\\NAME (no further "
                 "backslash, at most 256 characters)", path);
        return WEE_EINVAL;
    }
    return 0;
}

int plat_ipc_listen(const char *path, plat_ipc_listener **out, char *err, size_t err_size)
{
    int bad = plat_ipc_check_path(path, err, err_size);
    if (bad) return bad;
    plat_ipc_listener *l = calloc(1, sizeof *l);
    if (!l) return WEE_ENOMEM;
    l->name = win_utf8_to_wide(path);
    l->ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!l->name || !l->ev) { free_listener(l); return WEE_ENOMEM; }
    int rc = win_private_security(&l->sd, err, err_size);
    if (rc != 0) { free_listener(l); return rc; }
    /* Someone already answers on this name? FILE_FLAG_FIRST_PIPE_INSTANCE below says the same on Windows,
     * but Wine 8 ignores that flag, so ask first: a live pipe opens (or is busy, or is not ours). */
    HANDLE probe = CreateFileW(l->name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                               SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
    DWORD probe_err = probe == INVALID_HANDLE_VALUE ? GetLastError() : 0;
    if (probe != INVALID_HANDLE_VALUE) CloseHandle(probe);
    if (probe_err != ERROR_FILE_NOT_FOUND && probe_err != ERROR_PATH_NOT_FOUND) {
        snprintf(err, err_size, probe_err == ERROR_ACCESS_DENIED
                 ? "control pipe %s already exists and belongs to another user; pass another --control PATH"
                 : "another host is already running with control pipe %s; stop it or pass another --control PATH",
                 path);
        free_listener(l);
        return WEE_EEXISTS;
    }
    l->sa.nLength = sizeof l->sa;
    l->sa.lpSecurityDescriptor = l->sd;
    l->sa.bInheritHandle = FALSE;
    l->pending = create_instance(l, 1);
    if (l->pending == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        /* FIRST_PIPE_INSTANCE fails with access denied when the name already exists: someone owns it. */
        if (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY) {
            snprintf(err, err_size, "another host is already running with control pipe %s; stop it or pass another "
                     "--control PATH", path);
            rc = WEE_EEXISTS;
        } else {
            snprintf(err, err_size, "cannot create control pipe %s (error %lu)", path, e);
            rc = win_error_to_wee(e);
        }
        free_listener(l);
        return rc;
    }
    if (arm(l) != 0) {
        snprintf(err, err_size, "cannot wait for clients on control pipe %s (error %lu)", path, GetLastError());
        free_listener(l);
        return WEE_EIO;
    }
    *out = l;
    return 0;
}

int plat_ipc_accept(plat_ipc_listener *l, int timeout_ms, plat_conn **out)
{
    ULONGLONG deadline = GetTickCount64() + (ULONGLONG)(timeout_ms < 0 ? 0 : timeout_ms);
    while (!l->connected) {
        ULONGLONG now = GetTickCount64();
        DWORD wait = timeout_ms < 0 ? INFINITE : now >= deadline ? 0 : (DWORD)(deadline - now);
        if (WaitForSingleObject(l->ev, wait) == WAIT_TIMEOUT) return WEE_ETIMEOUT;
        DWORD ignored;
        if (GetOverlappedResult(l->pending, &l->ov, &ignored, FALSE)) break;
        /* The client left before we saw it (a liveness probe does that): recycle this instance and
         * keep waiting for the next one. */
        DisconnectNamedPipe(l->pending);
        if (arm(l) != 0) return WEE_EIO;
    }
    HANDLE got = l->pending;
    /* A fresh instance before handing this one out, so the name never disappears between clients. */
    l->pending = create_instance(l, 0);
    if (l->pending == INVALID_HANDLE_VALUE || arm(l) != 0) {
        if (l->pending != INVALID_HANDLE_VALUE) CloseHandle(l->pending);
        l->pending = got;
        DisconnectNamedPipe(got);
        arm(l);
        return WEE_EIO;
    }
    *out = win_conn_pipe(got);
    return *out ? 0 : WEE_ENOMEM;
}

void plat_ipc_close_listener(plat_ipc_listener *l)
{
    if (l) free_listener(l);
}

int plat_ipc_connect(const char *path, int timeout_ms, plat_conn **out, char *err, size_t err_size)
{
    wchar_t *name = win_utf8_to_wide(path);
    if (!name) return WEE_ENOMEM;
    ULONGLONG deadline = GetTickCount64() + (ULONGLONG)(timeout_ms < 0 ? 0 : timeout_ms);
    int rc;
    for (;;) {
        HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                               FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
        if (h != INVALID_HANDLE_VALUE) {
            *out = win_conn_pipe(h);
            rc = *out ? 0 : WEE_ENOMEM;
            break;
        }
        DWORD e = GetLastError();
        ULONGLONG now = GetTickCount64();
        if (e == ERROR_PIPE_BUSY && now < deadline) {
            WaitNamedPipeW(name, (DWORD)(deadline - now));
            continue;
        }
        snprintf(err, err_size, "cannot open %s (error %lu)", path, e);
        rc = e == ERROR_PIPE_BUSY ? WEE_ETIMEOUT : e == ERROR_ACCESS_DENIED ? WEE_EPERM : win_error_to_wee(e);
        if (e == ERROR_INVALID_NAME || e == ERROR_BAD_PATHNAME) rc = WEE_ENOTFOUND;
        break;
    }
    free(name);
    return rc;
}
