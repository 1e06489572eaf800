/*
 * platform ipc.h / net.h / conn.h: the control endpoint refuses a live owner, replaces a stale one,
 * is private to the user (POSIX: 0600 socket in a folder we own), and every read/write is bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "platform/ipc.h"
#include "platform/net.h"
#include "platform/platform.h"
#include "wee/errors.h"
#ifdef _WIN32
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#else
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

static char *dir;

static void endpoint(char *buf, size_t size, const char *tag)
{
#ifdef _WIN32
    snprintf(buf, size, "\\\\.\\pipe\\wee-test-ipc-%llu-%s", (unsigned long long)plat_getpid(), tag);
#else
    snprintf(buf, size, "%s/%s.sock", dir, tag);
#endif
}

/* Accepts on a thread so connect + exchange can run on the test thread. */
typedef struct echo_server { plat_ipc_listener *l; int rc; char got[64]; } echo_server;

/* Echoes the first connection that sends something; connections that close silently (a refused
 * host's liveness probe) are skipped, as the control server skips them. */
static void echo_once(void *arg)
{
    echo_server *e = arg;
    for (int tries = 0; tries < 4; tries++) {
        plat_conn *c = NULL;
        e->rc = plat_ipc_accept(e->l, 10000, &c);
        if (e->rc != 0) return;
        int n = plat_conn_read(c, e->got, sizeof e->got - 1, 10000);
        if (n > 0) {
            e->got[n] = '\0';
            plat_conn_write(c, e->got, (size_t)n, 10000);
        }
        plat_conn_close(c);
        if (n > 0) return;
    }
}

static void test_connect_exchange_and_eof(void **s)
{
    (void)s;
    char path[512], err[256];
    endpoint(path, sizeof path, "echo");
    echo_server e = { NULL, -1, "" };
    assert_int_equal(plat_ipc_listen(path, &e.l, err, sizeof err), 0);
    plat_thread t;
    assert_int_equal(plat_thread_start(&t, echo_once, &e), 0);
    plat_conn *c = NULL;
    assert_int_equal(plat_ipc_connect(path, 5000, &c, err, sizeof err), 0);
    assert_int_equal(plat_conn_write(c, "hello", 5, 5000), 0);
    char buf[16];
    int n = plat_conn_read(c, buf, sizeof buf, 10000);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(plat_conn_read(c, buf, sizeof buf, 10000), 0);   /* server closed: end of stream */
    plat_conn_close(c);
    plat_thread_join(&t);
    assert_int_equal(e.rc, 0);
    assert_string_equal(e.got, "hello");
    plat_ipc_close_listener(e.l);
}

static void test_live_listener_is_never_replaced(void **s)
{
    (void)s;
    char path[512], err[256] = "";
    endpoint(path, sizeof path, "live");
    plat_ipc_listener *a = NULL, *b = NULL;
    assert_int_equal(plat_ipc_listen(path, &a, err, sizeof err), 0);
    assert_int_equal(plat_ipc_listen(path, &b, err, sizeof err), WEE_EEXISTS);
    assert_null(b);
    assert_non_null(strstr(err, "another host is already running"));
    /* The first one still serves. (Accepting on a thread: on Windows the refused host's liveness probe
     * used up the waiting pipe instance, and a client can only get in once accept has recycled it, as
     * the host's accept loop does.) */
    echo_server e = { a, -1, "" };
    plat_thread t;
    assert_int_equal(plat_thread_start(&t, echo_once, &e), 0);
    plat_conn *c = NULL;
    assert_int_equal(plat_ipc_connect(path, 5000, &c, err, sizeof err), 0);
    assert_int_equal(plat_conn_write(c, "still", 5, 5000), 0);
    char buf[8];
    assert_int_equal(plat_conn_read(c, buf, sizeof buf, 10000), 5);
    plat_conn_close(c);
    plat_thread_join(&t);
    assert_string_equal(e.got, "still");
    plat_ipc_close_listener(a);
    /* Gone with its listener: nobody there, and the name is free again. */
    assert_int_equal(plat_ipc_connect(path, 1000, &c, err, sizeof err), WEE_ENOTFOUND);
    assert_int_equal(plat_ipc_listen(path, &b, err, sizeof err), 0);
    plat_ipc_close_listener(b);
}

static void test_timeouts_bound_every_wait(void **s)
{
    (void)s;
    char path[512], err[256];
    endpoint(path, sizeof path, "slow");
    plat_ipc_listener *l = NULL;
    assert_int_equal(plat_ipc_listen(path, &l, err, sizeof err), 0);
    plat_conn *none = NULL;
    assert_int_equal(plat_ipc_accept(l, 50, &none), WEE_ETIMEOUT);
    plat_conn *c = NULL, *srv = NULL;
    assert_int_equal(plat_ipc_connect(path, 5000, &c, err, sizeof err), 0);
    assert_int_equal(plat_ipc_accept(l, 5000, &srv), 0);
    char buf[8];
    assert_int_equal(plat_conn_read(srv, buf, sizeof buf, 50), WEE_ETIMEOUT);   /* a silent client */
    /* A client that never reads: the writer gives up instead of blocking forever. */
    size_t big = 64u * 1024 * 1024;
    char *data = calloc(1, big);
    assert_non_null(data);
    int rc = plat_conn_write(srv, data, big, 200);
    assert_int_equal(rc, WEE_ETIMEOUT);
    free(data);
    plat_conn_close(c);
    plat_conn_close(srv);
    plat_ipc_close_listener(l);
}

static void test_missing_endpoint(void **s)
{
    (void)s;
    char path[512], err[256];
    endpoint(path, sizeof path, "nobody");
    plat_conn *c = NULL;
    assert_int_equal(plat_ipc_connect(path, 1000, &c, err, sizeof err), WEE_ENOTFOUND);
    char def[512];
    assert_int_equal(plat_ipc_default_path(def, sizeof def), 0);
#ifdef _WIN32
    assert_true(strncmp(def, "\\\\.\\pipe\\wee-", 13) == 0);
    assert_non_null(strstr(def, "-control"));
#else
    assert_non_null(strstr(def, "/control.sock"));
#endif
}

#ifndef _WIN32
static void test_posix_permissions_and_stale_socket(void **s)
{
    (void)s;
    char path[512], err[256];
    endpoint(path, sizeof path, "stale");
    /* A socket file whose process is gone: bound, never listening, closed. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    plat_ipc_listener *l = NULL;
    assert_int_equal(plat_ipc_listen(path, &l, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    plat_ipc_close_listener(l);
    assert_int_not_equal(stat(path, &st), 0);   /* removed on close */

    /* A regular file is never deleted to make room. */
    char *file = test_path_join(dir, "plain");
    test_write_file(file, "keep me");
    assert_int_equal(plat_ipc_listen(file, &l, err, sizeof err), WEE_EEXISTS);
    assert_non_null(strstr(err, "not a socket"));
    char *kept = test_read_file(file);
    assert_string_equal(kept, "keep me");
    free(kept);
    free(file);

    /* A missing folder is created 0700. */
    char *sub = test_path_join(dir, "fresh"), *in_sub = test_path_join(sub, "c.sock");
    assert_int_equal(plat_ipc_listen(in_sub, &l, err, sizeof err), 0);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    plat_ipc_close_listener(l);

    /* Others may write the folder: refused. */
    chmod(sub, 0777);
    assert_int_equal(plat_ipc_listen(in_sub, &l, err, sizeof err), WEE_EPERM);
    assert_non_null(strstr(err, "writable by other users"));
    chmod(sub, 0700);
    /* Another user owns the folder: refused (only root can stage this). */
    if (geteuid() == 0) {
        assert_int_equal(chown(sub, 4321, 4321), 0);
        assert_int_equal(plat_ipc_listen(in_sub, &l, err, sizeof err), WEE_EPERM);
        assert_non_null(strstr(err, "belongs to uid 4321"));
    }
    free(in_sub);
    free(sub);

    /* sun_path holds ~108 bytes: a longer path is a clear error, not a truncated socket elsewhere. */
    char longp[150];
    memset(longp, 'x', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(plat_ipc_listen(longp, &l, err, sizeof err), WEE_EINVAL);
    assert_non_null(strstr(err, "longer than"));
}
#endif

#ifdef _WIN32
/* The pipe's DACL as a client reads it: this user, SYSTEM and Administrators, nobody else. */
static void test_win32_pipe_dacl(void **s)
{
    (void)s;
    char path[512], err[256];
    endpoint(path, sizeof path, "dacl");
    plat_ipc_listener *l = NULL;
    assert_int_equal(plat_ipc_listen(path, &l, err, sizeof err), 0);
    wchar_t wpath[512];
    MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, 512);
    HANDLE h = CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE | READ_CONTROL, 0, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    assert_int_equal(GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd), 0);
    wchar_t *text = NULL;
    assert_true(ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION,
                                                                      &text, NULL));
    /* This process's user SID, as the host put it in. */
    HANDLE token;
    BYTE info[512];
    DWORD len;
    wchar_t *me = NULL;
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
    assert_true(GetTokenInformation(token, TokenUser, info, sizeof info, &len));
    assert_true(ConvertSidToStringSidW(((TOKEN_USER *)info)->User.Sid, &me));
    char dacl_text[1024], me_text[256];
    WideCharToMultiByte(CP_UTF8, 0, text, -1, dacl_text, sizeof dacl_text, NULL, NULL);
    WideCharToMultiByte(CP_UTF8, 0, me, -1, me_text, sizeof me_text, NULL, NULL);
    fprintf(stderr, "pipe DACL: %s (user %s)\n", dacl_text, me_text);
    assert_non_null(strstr(dacl_text, "D:P"));
    assert_non_null(strstr(dacl_text, ";;;SY)"));
    assert_non_null(strstr(dacl_text, ";;;BA)"));
    assert_non_null(strstr(dacl_text, me_text));
    assert_null(strstr(dacl_text, ";;;WD)"));   /* Everyone */
    assert_null(strstr(dacl_text, ";;;AN)"));   /* Anonymous */
    /* Exactly three entries. */
    int aces = 0;
    for (const char *c = dacl_text; *c; c++) aces += *c == '(';
    assert_int_equal(aces, 3);
    LocalFree(me);
    CloseHandle(token);
    LocalFree(text);
    LocalFree(sd);
    CloseHandle(h);
    plat_ipc_close_listener(l);
}
#endif

static void test_tcp_loopback(void **s)
{
    (void)s;
    char err[256];
    plat_tcp_listener *l = NULL;
    assert_int_equal(plat_tcp_listen("127.0.0.1", 0, &l, err, sizeof err), 0);
    int port = plat_tcp_port(l);
    assert_true(port > 0);
    plat_tcp_listener *again = NULL;
    assert_int_equal(plat_tcp_listen("127.0.0.1", port, &again, err, sizeof err), WEE_EEXISTS);
    plat_conn *c = NULL, *srv = NULL;
    assert_int_equal(plat_tcp_connect("127.0.0.1", port, 5000, &c, err, sizeof err), 0);
    assert_int_equal(plat_tcp_accept(l, 5000, &srv), 0);
    assert_int_equal(plat_conn_write(c, "GET", 3, 5000), 0);
    char buf[8];
    assert_int_equal(plat_conn_read(srv, buf, sizeof buf, 5000), 3);
    plat_conn_shutdown_write(c);
    assert_int_equal(plat_conn_read(srv, buf, sizeof buf, 5000), 0);
    plat_conn_close(c);
    plat_conn_close(srv);
    plat_tcp_close_listener(l);
    assert_int_equal(plat_tcp_connect("127.0.0.1", port, 2000, &c, err, sizeof err), WEE_ENOTFOUND);
    assert_int_equal(plat_tcp_listen("not-an-ip", 1, &l, err, sizeof err), WEE_EINVAL);
}

int main(void)
{
    test_init();
    dir = test_make_temp_dir("ipc");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_exchange_and_eof),
        cmocka_unit_test(test_live_listener_is_never_replaced),
        cmocka_unit_test(test_timeouts_bound_every_wait),
        cmocka_unit_test(test_missing_endpoint),
#ifndef _WIN32
        cmocka_unit_test(test_posix_permissions_and_stale_socket),
#else
        cmocka_unit_test(test_win32_pipe_dacl),
#endif
        cmocka_unit_test(test_tcp_loopback),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    test_remove_tree(dir);
    free(dir);
    return rc;
}
