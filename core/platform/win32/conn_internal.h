/* conn_internal.h - the Win32 plat_conn: an overlapped named-pipe handle or a Winsock socket (internal). */
#ifndef WEE_WIN32_CONN_INTERNAL_H
#define WEE_WIN32_CONN_INTERNAL_H
#include <winsock2.h>
#include <windows.h>
#include "platform/conn.h"

/* Takes ownership of a connected overlapped pipe handle (closes it and returns NULL on failure). */
plat_conn *win_conn_pipe(HANDLE pipe);
/* Takes ownership of a connected socket (made non-blocking). */
plat_conn *win_conn_socket(SOCKET s);
/* WSAStartup once per process; 0 or WEE_EIO. */
int win_net_init(void);
/* A protected DACL naming only this user, SYSTEM and Administrators (LocalFree it): the control
 * pipe's and private files'. 0, or WEE_EIO with err filled. */
int win_private_security(PSECURITY_DESCRIPTOR *sd, char *err, size_t err_size);
#endif
