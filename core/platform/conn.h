/*
 * core/platform/conn.h - a connected byte stream (local IPC or loopback TCP) with bounded waits.
 *
 * Made by plat_ipc_accept/plat_ipc_connect (ipc.h) and plat_tcp_accept (net.h); the same calls read,
 * write and close both kinds, so the servers above them do not care which transport they serve.
 * Every wait has a timeout: a peer that stalls can never hold a caller longer than it asked for.
 * Ownership: the creator's caller owns the conn and frees it with plat_conn_close.
 * Threads: one conn is used by one thread at a time.
 */
#ifndef WEE_PLATFORM_CONN_H
#define WEE_PLATFORM_CONN_H
#include <stddef.h>

typedef struct plat_conn plat_conn;

/* Reads up to size bytes. Returns the count (> 0), 0 at end of stream, WEE_ETIMEOUT if nothing came
 * within timeout_ms, or WEE_EIO. */
int plat_conn_read(plat_conn *c, void *buf, size_t size, int timeout_ms);
/* Writes all len bytes, giving up (WEE_ETIMEOUT) when the peer has not taken them within timeout_ms
 * in total; WEE_EIO when the peer went away. Returns 0 on success. */
int plat_conn_write(plat_conn *c, const void *data, size_t len, int timeout_ms);
/* Tells the peer nothing more is coming (it reads end of stream) while this side can still read. */
void plat_conn_shutdown_write(plat_conn *c);
void plat_conn_close(plat_conn *c);
#endif
