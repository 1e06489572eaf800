/* core/platform/win32/service_internal.h - what other win32 units need to know of service.c. */
#ifndef WEE_WIN32_SERVICE_INTERNAL_H
#define WEE_WIN32_SERVICE_INTERNAL_H
/* 1 while this process runs as a service under the SCM (service.c's service_main has begun). */
int win_service_active(void);
#endif
