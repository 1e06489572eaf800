#include "platform/service.h"
#include <stdio.h>
#include "wee/errors.h"

/* POSIX has no service manager API to call: systemd runs the host from packaging/linux/wee.service. */
static int unsupported(char *err, size_t err_size)
{
    snprintf(err, err_size, "'host service' manages Windows services; on Linux install the systemd unit "
             "(packaging/linux/wee.service, installed by the .deb as /usr/lib/systemd/system/wee.service) and use "
             "systemctl enable --now wee / systemctl stop wee");
    return WEE_EUNSUPPORTED;
}

int plat_service_install(const plat_service_info *info, char *err, size_t err_size)
{
    (void)info;
    return unsupported(err, err_size);
}
int plat_service_uninstall(const char *name, int64_t timeout_ms, char *err, size_t err_size)
{
    (void)name; (void)timeout_ms;
    return unsupported(err, err_size);
}
int plat_service_start(const char *name, int64_t timeout_ms, char *err, size_t err_size)
{
    (void)name; (void)timeout_ms;
    return unsupported(err, err_size);
}
int plat_service_stop(const char *name, int64_t timeout_ms, char *err, size_t err_size)
{
    (void)name; (void)timeout_ms;
    return unsupported(err, err_size);
}
int plat_service_run(const char *name, const char *stderr_path, plat_service_body body, void *ctx, char *err,
                     size_t err_size)
{
    (void)name; (void)stderr_path; (void)body; (void)ctx;
    return unsupported(err, err_size);
}
void plat_service_running(void) {}
void plat_service_event(int is_error, const char *message) { (void)is_error; (void)message; }
int plat_service_data_dir(char *buf, size_t size, char *err, size_t err_size)
{
    if (size) buf[0] = '\0';
    return unsupported(err, err_size);
}
