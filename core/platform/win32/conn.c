/* conn.c - plat_conn on Windows: overlapped pipe I/O or non-blocking sockets, every wait bounded. */
#include "conn_internal.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wee/errors.h"

enum { CONN_PIPE, CONN_SOCKET };

struct plat_conn {
    int kind;
    HANDLE pipe;
    HANDLE ev;      /* overlapped completion event (pipes) */
    SOCKET sock;
};

static INIT_ONCE net_once = INIT_ONCE_STATIC_INIT;
static int net_rc = WEE_EIO;

static BOOL CALLBACK start_winsock(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once; (void)param; (void)ctx;
    WSADATA d;
    net_rc = WSAStartup(MAKEWORD(2, 2), &d) == 0 ? 0 : WEE_EIO;
    return TRUE;
}

int win_net_init(void)
{
    InitOnceExecuteOnce(&net_once, start_winsock, NULL, NULL);
    return net_rc;
}

plat_conn *win_conn_pipe(HANDLE pipe)
{
    plat_conn *c = calloc(1, sizeof *c);
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!c || !ev) {
        free(c);
        if (ev) CloseHandle(ev);
        CloseHandle(pipe);
        return NULL;
    }
    c->kind = CONN_PIPE;
    c->pipe = pipe;
    c->ev = ev;
    c->sock = INVALID_SOCKET;
    return c;
}

plat_conn *win_conn_socket(SOCKET s)
{
    plat_conn *c = calloc(1, sizeof *c);
    if (!c) { closesocket(s); return NULL; }
    u_long nonblocking = 1;
    ioctlsocket(s, FIONBIO, &nonblocking);
    c->kind = CONN_SOCKET;
    c->sock = s;
    return c;
}

static int broken(DWORD e)
{
    return e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED || e == ERROR_NO_DATA || e == ERROR_HANDLE_EOF;
}

/* One overlapped ReadFile/WriteFile, waited for at most timeout_ms; *done gets the byte count.
 * 0, WEE_ETIMEOUT (cancelled, nothing moved), or 1 for end of stream / broken pipe. */
static int pipe_io(plat_conn *c, int writing, void *buf, DWORD len, int timeout_ms, DWORD *done)
{
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = c->ev;
    ResetEvent(c->ev);
    *done = 0;
    BOOL ok = writing ? WriteFile(c->pipe, buf, len, NULL, &ov) : ReadFile(c->pipe, buf, len, NULL, &ov);
    DWORD e = ok ? 0 : GetLastError();
    if (!ok && e != ERROR_IO_PENDING) return broken(e) ? 1 : WEE_EIO;
    if (!ok && WaitForSingleObject(c->ev, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms) == WAIT_TIMEOUT) {
        CancelIoEx(c->pipe, &ov);
        /* The cancel may lose the race with a completion: what moved still counts. */
        if (GetOverlappedResult(c->pipe, &ov, done, TRUE) && *done > 0) return 0;
        return WEE_ETIMEOUT;
    }
    if (!GetOverlappedResult(c->pipe, &ov, done, FALSE)) return broken(GetLastError()) ? 1 : WEE_EIO;
    return 0;
}

/* select() on one socket; 1 ready, 0 timed out, WEE_EIO. */
static int sock_wait(SOCKET s, int for_write, int timeout_ms)
{
    fd_set set, errs;
    FD_ZERO(&set);
    FD_ZERO(&errs);
    FD_SET(s, &set);
    FD_SET(s, &errs);
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    int n = select(0, for_write ? NULL : &set, for_write ? &set : NULL, &errs, timeout_ms < 0 ? NULL : &tv);
    return n > 0 ? 1 : n == 0 ? 0 : WEE_EIO;
}

int plat_conn_read(plat_conn *c, void *buf, size_t size, int timeout_ms)
{
    DWORD want = size > 0x10000000u ? 0x10000000u : (DWORD)size;
    if (c->kind == CONN_PIPE) {
        for (;;) {
            DWORD got;
            int rc = pipe_io(c, 0, buf, want, timeout_ms, &got);
            if (rc == 1) return 0;
            if (rc < 0) return rc;
            if (got > 0) return (int)got;
            /* A zero-byte message from a writer: not the end, read again. */
        }
    }
    for (;;) {
        int n = recv(c->sock, buf, (int)want, 0);
        if (n >= 0) return n;
        int e = WSAGetLastError();
        if (e == WSAECONNRESET || e == WSAECONNABORTED) return 0;
        if (e != WSAEWOULDBLOCK) return WEE_EIO;
        int r = sock_wait(c->sock, 0, timeout_ms);
        if (r == 0) return WEE_ETIMEOUT;
        if (r < 0) return r;
    }
}

int plat_conn_write(plat_conn *c, const void *data, size_t len, int timeout_ms)
{
    const char *p = data;
    ULONGLONG deadline = GetTickCount64() + (ULONGLONG)timeout_ms;
    while (len > 0) {
        ULONGLONG now = GetTickCount64();
        if (now >= deadline) return WEE_ETIMEOUT;
        int left = (int)(deadline - now);
        DWORD chunk = len > 0x100000u ? 0x100000u : (DWORD)len;
        if (c->kind == CONN_PIPE) {
            DWORD done;
            int rc = pipe_io(c, 1, (void *)p, chunk, left, &done);
            if (rc == 1) return WEE_EIO;
            if (rc < 0) return rc;
            p += done;
            len -= done;
            continue;
        }
        int n = send(c->sock, p, (int)chunk, 0);
        if (n > 0) { p += n; len -= (size_t)n; continue; }
        if (WSAGetLastError() != WSAEWOULDBLOCK) return WEE_EIO;
        int r = sock_wait(c->sock, 1, left);
        if (r == 0) return WEE_ETIMEOUT;
        if (r < 0) return r;
    }
    return 0;
}

void plat_conn_shutdown_write(plat_conn *c)
{
    /* A pipe has no half-close; the protocol's own framing (one request line) does the job there. */
    if (c && c->kind == CONN_SOCKET) shutdown(c->sock, SD_SEND);
}

void plat_conn_close(plat_conn *c)
{
    if (!c) return;
    if (c->kind == CONN_PIPE) {
        /* CloseHandle (not DisconnectNamedPipe) so the peer still reads what was written before. */
        CloseHandle(c->pipe);
        CloseHandle(c->ev);
    } else {
        closesocket(c->sock);
    }
    free(c);
}
