/*
 * core/platform/service.h - running the host as an operating-system service.
 *
 * Windows: the Service Control Manager (core/platform/win32/service.c). install / uninstall / start /
 * stop talk to the SCM; plat_service_run hands the process to StartServiceCtrlDispatcherW and runs
 * the engine under a control handler that turns SERVICE_CONTROL_STOP / SHUTDOWN into
 * plat_signals_raise(PLAT_SIGNAL_STOP) (the console host's clean stop) and PARAMCHANGE into RELOAD.
 * POSIX (core/platform/posix/service.c): every call fails with WEE_EUNSUPPORTED and a message that
 * points to the systemd unit (packaging/linux/wee.service).
 *
 * Every function writes a one-line reason into err on failure (what to do included when known) and
 * returns 0 or a negative WEE_E* code: WEE_EPERM (not elevated), WEE_EEXISTS, WEE_ENOTFOUND (no
 * such service), WEE_ETIMEOUT, WEE_EUNSUPPORTED.
 */
#ifndef WEE_PLATFORM_SERVICE_H
#define WEE_PLATFORM_SERVICE_H
#include <stddef.h>
#include <stdint.h>

typedef struct plat_service_info {
    const char *name;          /* service (key) name */
    const char *display_name;
    const char *description;
    const char *args;          /* appended to the quoted path of this executable in the binary path */
} plat_service_info;

/* Creates an auto-start service running this executable with info->args; registers `name` as an
 * Event Log source so plat_service_event's messages read cleanly in the Event Viewer. */
int plat_service_install(const plat_service_info *info, char *err, size_t err_size);
/* Stops it if running (bounded by timeout_ms), deletes it and its Event Log source. */
int plat_service_uninstall(const char *name, int64_t timeout_ms, char *err, size_t err_size);
/* Starts it and waits (up to timeout_ms) until it reports RUNNING, or STOPPED (an error). */
int plat_service_start(const char *name, int64_t timeout_ms, char *err, size_t err_size);
/* Sends STOP and waits (up to timeout_ms) for STOPPED. A stopped service is success. */
int plat_service_stop(const char *name, int64_t timeout_ms, char *err, size_t err_size);

/* The body of the service: runs the engine until it stops; returns the process exit code. It calls
 * plat_service_running() once the engine is up. */
typedef int (*plat_service_body)(void *ctx);
/* Connects to the SCM and runs body as the service `name`; returns when the service stopped, with
 * body's exit code. WEE_ENOTFOUND (err says so) when the process was not started by the SCM.
 * stderr_path: where the process's stderr goes while it runs as a service (NULL: nowhere). */
int plat_service_run(const char *name, const char *stderr_path, plat_service_body body, void *ctx, char *err,
                     size_t err_size);
/* Reports SERVICE_RUNNING (no-op outside a service). */
void plat_service_running(void);
/* Writes message to the Windows Event Log (Application, source = the service name) as an error
 * (is_error) or information entry. No-op outside a service and on POSIX. */
void plat_service_event(int is_error, const char *message);
/* %PROGRAMDATA%\WinEventEngine (created if missing) into buf. */
int plat_service_data_dir(char *buf, size_t size, char *err, size_t err_size);
#endif
