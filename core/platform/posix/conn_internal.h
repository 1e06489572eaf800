/* conn_internal.h - the POSIX plat_conn is a connected socket descriptor (internal). */
#ifndef WEE_POSIX_CONN_INTERNAL_H
#define WEE_POSIX_CONN_INTERNAL_H
#include "platform/conn.h"

struct plat_conn { int fd; };

/* Wraps a connected socket (made close-on-exec and non-blocking); closes fd and returns NULL when out
 * of memory. */
plat_conn *posix_conn_wrap(int fd);
/* poll() one descriptor for events, retrying on EINTR. 1 ready, 0 timed out, WEE_EIO on error. */
int posix_wait_fd(int fd, short events, int timeout_ms);
#endif
