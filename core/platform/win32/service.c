#include "platform/service.h"
#include "platform/platform.h"
#include "service_internal.h"
#include "utf.h"
#include "wee/errors.h"
#include <windows.h>
#include <sddl.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/*
 * One service per process (SERVICE_WIN32_OWN_PROCESS). The SCM calls service_main on a thread of its
 * own; the control handler runs on the dispatcher thread (the process's main thread, inside
 * StartServiceCtrlDispatcherW). The handler never stops anything itself: it raises the same STOP the
 * console's Ctrl+C raises, and the engine loop in main.c takes its normal clean-stop path.
 */
#define EVENT_ID 1   /* EventCreate.exe's message table maps IDs 1..1000 to "%1": the text as given */
#define EVENTLOG_KEY L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\"

static SRWLOCK status_lock = SRWLOCK_INIT;
static SERVICE_STATUS_HANDLE status_handle;

/* private_file.c keeps the service's secrets under %ProgramData% (service_internal.h). */
int win_service_active(void) { return status_handle != NULL; }
static SERVICE_STATUS status;
static wchar_t *service_name;
static wchar_t *stderr_file;
static plat_service_body service_body;
static void *service_ctx;
static int service_exit;
static HANDLE event_source;

static void set_state(DWORD state, int exit_code, DWORD wait_hint)
{
    AcquireSRWLockExclusive(&status_lock);
    if (status_handle) {
        status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
        status.dwCurrentState = state;
        status.dwControlsAccepted = state == SERVICE_RUNNING
            ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE : 0;
        status.dwWin32ExitCode = exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
        status.dwServiceSpecificExitCode = (DWORD)exit_code;
        status.dwCheckPoint = (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING)
            ? status.dwCheckPoint + 1 : 0;
        status.dwWaitHint = wait_hint;
        SetServiceStatus(status_handle, &status);
    }
    ReleaseSRWLockExclusive(&status_lock);
}

static DWORD WINAPI control_handler(DWORD control, DWORD type, LPVOID data, LPVOID ctx)
{
    (void)type; (void)data; (void)ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        set_state(SERVICE_STOP_PENDING, 0, 30000);
        plat_signals_raise(PLAT_SIGNAL_STOP);
        return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE: /* `sc control NAME paramchange`: re-read the config */
        plat_signals_raise(PLAT_SIGNAL_RELOAD);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

/* A service starts without standard handles, so the CRT's fd 2 may not exist: open the file, make it
 * fd 2 and the process's STD_ERROR_HANDLE, and leave stderr unbuffered (a crash loses nothing). */
static void redirect_stderr(const wchar_t *path)
{
    HANDLE h = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        char msg[160];
        snprintf(msg, sizeof msg, "cannot create the service's stderr file (error %lu)", (unsigned long)GetLastError());
        plat_service_event(1, msg);
        return;
    }
    int fd = _open_osfhandle((intptr_t)h, _O_BINARY);
    if (fd < 0) { CloseHandle(h); return; }
    if (fd != 2) {
        _dup2(fd, 2);
        _close(fd);
    }
    SetStdHandle(STD_ERROR_HANDLE, (HANDLE)_get_osfhandle(2));
#if !defined(_UCRT)
    /* msvcrt marks a standard stream that had no handle at startup with descriptor -2, and then
     * writes to it vanish (fprintf even reports success); freopen refuses such a stream under Wine.
     * Point it at the descriptor made above. */
    if (_fileno(stderr) != 2) {
        stderr->_file = 2;
        stderr->_flag = _IOWRT;
    }
#endif
    setvbuf(stderr, NULL, _IONBF, 0);
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    (void)argc; (void)argv;
    status_handle = RegisterServiceCtrlHandlerExW(service_name, control_handler, NULL);
    if (!status_handle) {
        plat_service_event(1, "RegisterServiceCtrlHandlerExW failed; the service cannot report its state");
        service_exit = 1;
        return;
    }
    /* A service has no console: stderr (config errors, the log when engine.log.file is null) goes to
     * a file, truncated at each start. */
    if (stderr_file) redirect_stderr(stderr_file);
    set_state(SERVICE_START_PENDING, 0, 30000);
    service_exit = service_body(service_ctx);
    fflush(stderr);
    set_state(SERVICE_STOPPED, service_exit, 0);
}

int plat_service_run(const char *name, const char *stderr_path, plat_service_body body, void *ctx, char *err,
                     size_t err_size)
{
    service_name = win_utf8_to_wide(name);
    stderr_file = stderr_path ? win_utf8_to_wide(stderr_path) : NULL;
    if (!service_name) {
        snprintf(err, err_size, "--name: not valid UTF-8");
        return WEE_EINVAL;
    }
    service_body = body;
    service_ctx = ctx;
    SERVICE_TABLE_ENTRYW table[] = { { service_name, service_main }, { NULL, NULL } };
    if (!StartServiceCtrlDispatcherW(table)) {
        DWORD e = GetLastError();
        if (e == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
            snprintf(err, err_size, "'service run' is started by the Service Control Manager, not from a console "
                     "(host service start --name %s starts the service; host --config FILE runs in this console)",
                     name);
        else
            snprintf(err, err_size, "StartServiceCtrlDispatcherW failed (error %lu)", (unsigned long)e);
        return e == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT ? WEE_ENOTFOUND : WEE_EFAILED;
    }
    if (event_source) DeregisterEventSource(event_source);
    event_source = NULL;
    return service_exit;
}

void plat_service_running(void)
{
    set_state(SERVICE_RUNNING, 0, 0);
}

void plat_service_event(int is_error, const char *message)
{
    if (!service_name || !message) return;
    if (!event_source) event_source = RegisterEventSourceW(NULL, service_name);
    if (!event_source) return;
    wchar_t *w = win_utf8_to_wide(message);
    if (!w) return;
    LPCWSTR strings[1] = { w };
    ReportEventW(event_source, is_error ? EVENTLOG_ERROR_TYPE : EVENTLOG_INFORMATION_TYPE, 0, EVENT_ID, NULL, 1, 0,
                 strings, NULL);
    free(w);
}

/* ---- managing services ---- */

/* The message for a failed SCM call, with what to do for the failures a user can fix. */
static int scm_error(const char *what, const char *name, char *err, size_t err_size)
{
    DWORD e = GetLastError();
    switch (e) {
    case ERROR_ACCESS_DENIED:
        snprintf(err, err_size, "%s: access denied; run from an elevated prompt (Run as administrator)", what);
        return WEE_EPERM;
    case ERROR_SERVICE_EXISTS:
    case ERROR_DUPLICATE_SERVICE_NAME:
        snprintf(err, err_size, "a service named \"%s\" already exists (host service uninstall --name %s first, "
                 "or choose another --name)", name, name);
        return WEE_EEXISTS;
    case ERROR_SERVICE_DOES_NOT_EXIST:
        snprintf(err, err_size, "no service named \"%s\" is installed (host service install --name %s)", name, name);
        return WEE_ENOTFOUND;
    case ERROR_SERVICE_MARKED_FOR_DELETE:
        snprintf(err, err_size, "service \"%s\" is marked for deletion; close the Services console (services.msc) "
                 "and any sc.exe, then try again", name);
        return WEE_EEXISTS;
    default: {
        wchar_t text[256] = L"";
        char utf8[512] = "";
        FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e, 0, text, 256, NULL);
        win_wide_to_utf8_buf(text, utf8, sizeof utf8);
        for (size_t n = strlen(utf8); n > 0 && (utf8[n - 1] == '\n' || utf8[n - 1] == '\r' || utf8[n - 1] == ' ');)
            utf8[--n] = '\0';
        snprintf(err, err_size, "%s failed for \"%s\": %s (error %lu)", what, name, utf8, (unsigned long)e);
        return win_error_to_wee(e);
    }
    }
}

static SC_HANDLE open_manager(DWORD access, char *err, size_t err_size)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, access);
    if (!scm) scm_error("opening the Service Control Manager", "", err, err_size);
    return scm;
}

static SC_HANDLE open_service(SC_HANDLE scm, const char *name, DWORD access, char *err, size_t err_size)
{
    wchar_t *w = win_utf8_to_wide(name);
    SC_HANDLE svc = w ? OpenServiceW(scm, w, access) : NULL;
    if (!svc) scm_error("opening the service", name, err, err_size);
    free(w);
    return svc;
}

static const char *state_name(DWORD s)
{
    switch (s) {
    case SERVICE_STOPPED: return "STOPPED";
    case SERVICE_START_PENDING: return "START_PENDING";
    case SERVICE_STOP_PENDING: return "STOP_PENDING";
    case SERVICE_RUNNING: return "RUNNING";
    default: return "PAUSED/CONTINUING";
    }
}

/* Polls until the service is in `want`; a start that ends in STOPPED is reported with its exit code. */
static int wait_state(SC_HANDLE svc, const char *name, DWORD want, int64_t timeout_ms, char *err, size_t err_size)
{
    uint64_t deadline = plat_monotonic_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 30000) * 1000000u;
    SERVICE_STATUS_PROCESS sp;
    DWORD needed;
    for (;;) {
        if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&sp, sizeof sp, &needed))
            return scm_error("querying the service", name, err, err_size);
        if (sp.dwCurrentState == want) return 0;
        if (want == SERVICE_RUNNING && sp.dwCurrentState == SERVICE_STOPPED) {
            unsigned long code = sp.dwWin32ExitCode == ERROR_SERVICE_SPECIFIC_ERROR
                ? sp.dwServiceSpecificExitCode : sp.dwWin32ExitCode;
            snprintf(err, err_size, "service \"%s\" stopped while starting (exit code %lu); see its log file and "
                     "the Application event log", name, code);
            return WEE_EFAILED;
        }
        if (plat_monotonic_ns() >= deadline) {
            snprintf(err, err_size, "service \"%s\" is still %s after %lld ms", name, state_name(sp.dwCurrentState),
                     (long long)timeout_ms);
            return WEE_ETIMEOUT;
        }
        Sleep(100);
    }
}

static void register_event_source(const wchar_t *name)
{
    size_t n = wcslen(EVENTLOG_KEY) + wcslen(name) + 1;
    wchar_t *key = malloc(n * sizeof *key);
    if (!key) return;
    swprintf(key, n, L"%ls%ls", EVENTLOG_KEY, name);
    HKEY h;
    if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, KEY_SET_VALUE, NULL, &h, NULL) == ERROR_SUCCESS) {
        static const wchar_t file[] = L"%SystemRoot%\\System32\\EventCreate.exe";
        DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
        RegSetValueExW(h, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)file, sizeof file);
        RegSetValueExW(h, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types, sizeof types);
        RegCloseKey(h);
    }
    free(key);
}

static void unregister_event_source(const wchar_t *name)
{
    size_t n = wcslen(EVENTLOG_KEY) + wcslen(name) + 1;
    wchar_t *key = malloc(n * sizeof *key);
    if (!key) return;
    swprintf(key, n, L"%ls%ls", EVENTLOG_KEY, name);
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, key);
    free(key);
}

int plat_service_install(const plat_service_info *info, char *err, size_t err_size)
{
    wchar_t exe[32768];
    DWORD n = GetModuleFileNameW(NULL, exe, 32768);
    if (n == 0 || n >= 32768) {
        snprintf(err, err_size, "cannot find the path of this executable (error %lu)", (unsigned long)GetLastError());
        return WEE_EFAILED;
    }
    wchar_t *name = win_utf8_to_wide(info->name), *display = win_utf8_to_wide(info->display_name);
    wchar_t *desc = win_utf8_to_wide(info->description), *args = win_utf8_to_wide(info->args ? info->args : "");
    wchar_t *bin = NULL;
    int rc = 0;
    if (!name || !display || !desc || !args) {
        snprintf(err, err_size, "service name, display name or arguments are not valid UTF-8");
        rc = WEE_EINVAL;
        goto done;
    }
    size_t bin_len = wcslen(exe) + wcslen(args) + 4;
    bin = malloc(bin_len * sizeof *bin);
    if (!bin) { rc = WEE_ENOMEM; snprintf(err, err_size, "out of memory"); goto done; }
    swprintf(bin, bin_len, L"\"%ls\" %ls", exe, args);
    SC_HANDLE scm = open_manager(SC_MANAGER_CREATE_SERVICE, err, err_size);
    if (!scm) { rc = WEE_EPERM; goto done; }
    SC_HANDLE svc = CreateServiceW(scm, name, display, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                   SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, bin, NULL, NULL, NULL, NULL, NULL);
    if (!svc) {
        rc = scm_error("CreateServiceW", info->name, err, err_size);
        CloseServiceHandle(scm);
        goto done;
    }
    SERVICE_DESCRIPTIONW d = { desc };
    ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &d);
    /* Like systemd's Restart=on-failure: restart after 5 s, also when the host exits non-zero (not only
     * on a crash). Best effort: a service without it still works. */
    SC_ACTION actions[3] = { { SC_ACTION_RESTART, 5000 }, { SC_ACTION_RESTART, 5000 }, { SC_ACTION_NONE, 0 } };
    SERVICE_FAILURE_ACTIONSW fa = { 86400, NULL, NULL, 3, actions };
    ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fa);
    SERVICE_FAILURE_ACTIONS_FLAG flag = { TRUE };
    ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag);
    register_event_source(name);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
done:
    free(name); free(display); free(desc); free(args); free(bin);
    return rc;
}

int plat_service_start(const char *name, int64_t timeout_ms, char *err, size_t err_size)
{
    SC_HANDLE scm = open_manager(SC_MANAGER_CONNECT, err, err_size);
    if (!scm) return WEE_EPERM;
    int rc = 0;
    SC_HANDLE svc = open_service(scm, name, SERVICE_START | SERVICE_QUERY_STATUS, err, err_size);
    if (!svc) rc = WEE_ENOTFOUND;
    else if (!StartServiceW(svc, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING)
        rc = scm_error("StartServiceW", name, err, err_size);
    else
        rc = wait_state(svc, name, SERVICE_RUNNING, timeout_ms, err, err_size);
    if (svc) CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return rc;
}

static int stop_service(SC_HANDLE svc, const char *name, int64_t timeout_ms, char *err, size_t err_size)
{
    SERVICE_STATUS st;
    if (!ControlService(svc, SERVICE_CONTROL_STOP, &st)) {
        DWORD e = GetLastError();
        if (e == ERROR_SERVICE_NOT_ACTIVE) return 0;
        if (e != ERROR_SERVICE_CANNOT_ACCEPT_CTRL) /* CANNOT_ACCEPT: already stopping (or starting) */
            return scm_error("ControlService(STOP)", name, err, err_size);
    }
    return wait_state(svc, name, SERVICE_STOPPED, timeout_ms, err, err_size);
}

int plat_service_stop(const char *name, int64_t timeout_ms, char *err, size_t err_size)
{
    SC_HANDLE scm = open_manager(SC_MANAGER_CONNECT, err, err_size);
    if (!scm) return WEE_EPERM;
    int rc;
    SC_HANDLE svc = open_service(scm, name, SERVICE_STOP | SERVICE_QUERY_STATUS, err, err_size);
    if (!svc) rc = WEE_ENOTFOUND;
    else rc = stop_service(svc, name, timeout_ms, err, err_size);
    if (svc) CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return rc;
}

int plat_service_uninstall(const char *name, int64_t timeout_ms, char *err, size_t err_size)
{
    SC_HANDLE scm = open_manager(SC_MANAGER_CONNECT, err, err_size);
    if (!scm) return WEE_EPERM;
    int rc = 0;
    SC_HANDLE svc = open_service(scm, name, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE, err, err_size);
    if (!svc) rc = WEE_ENOTFOUND;
    else rc = stop_service(svc, name, timeout_ms, err, err_size);
    if (rc == 0 && !DeleteService(svc)) rc = scm_error("DeleteService", name, err, err_size);
    if (rc == 0) {
        wchar_t *w = win_utf8_to_wide(name);
        if (w) unregister_event_source(w);
        free(w);
    }
    if (svc) CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return rc;
}

int plat_service_data_dir(char *buf, size_t size, char *err, size_t err_size)
{
    wchar_t base[MAX_PATH];
    DWORD n = GetEnvironmentVariableW(L"ProgramData", base, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) wcscpy(base, L"C:\\ProgramData");
    wchar_t dir[MAX_PATH + 32];
    swprintf(dir, MAX_PATH + 32, L"%ls\\WinEventEngine", base);
    /* Users may create folders in ProgramData, inheriting its ACL: ours is explicit and protected, so only
     * SYSTEM and Administrators can change what the service (SYSTEM) reads from it. An existing folder is
     * left as it is; `service run` refuses it if others can write it (plat_path_check_admin_only). */
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };
    ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)",
                                                         SDDL_REVISION_1, &sa.lpSecurityDescriptor, NULL);
    BOOL made = CreateDirectoryW(dir, sa.lpSecurityDescriptor ? &sa : NULL);
    if (sa.lpSecurityDescriptor) LocalFree(sa.lpSecurityDescriptor);
    if (!made && GetLastError() != ERROR_ALREADY_EXISTS) {
        DWORD e = GetLastError();
        char shown[MAX_PATH * 3] = "";
        win_wide_to_utf8_buf(dir, shown, sizeof shown);
        snprintf(err, err_size, "cannot create %s (error %lu)%s", shown, (unsigned long)e,
                 e == ERROR_ACCESS_DENIED ? ": run from an elevated prompt (Run as administrator)" : "");
        return e == ERROR_ACCESS_DENIED ? WEE_EPERM : win_error_to_wee(e);
    }
    if (win_wide_to_utf8_buf(dir, buf, size) < 0) {
        snprintf(err, err_size, "path of %%PROGRAMDATA%%\\WinEventEngine too long");
        return WEE_EINVAL;
    }
    return 0;
}
