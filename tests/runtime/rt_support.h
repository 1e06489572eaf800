/*
 * tests/runtime/rt_support.h - drive the real host binary from a CMocka test.
 * Paths are found from the test executable's folder (build/tests): host is ../host[.exe], modules
 * ../modules, testchild and broken_modules beside the test. Works the same natively and under Wine.
 */
#ifndef WEE_RT_SUPPORT_H
#define WEE_RT_SUPPORT_H
#include <stddef.h>
#include "platform/platform.h"
#include "test_support.h"

typedef struct rt_paths {
    char host[1200], testchild[1200], modules[1200], broken_modules[1200];
} rt_paths;

void rt_paths_init(rt_paths *p);

typedef struct rt_host {
    plat_thread thread;
    const char *argv[16];
    plat_process_spec spec;
    plat_process_result res;
    char *stop_file;
} rt_host;

/* Starts `host --config cfg --modules modules --stop-file <dir>/STOP` on a thread. */
void rt_host_start(rt_host *h, const rt_paths *p, const char *config, const char *work_dir);
/* Creates the stop file, waits for the host to exit; returns its exit code (prints its stderr on failure). */
int rt_host_stop(rt_host *h);

#ifndef _WIN32
/* Pid of the host process started with this config file (found in /proc: rt_host keeps no pid); 0 if none. */
long rt_host_pid(const char *config);
#endif

/* JSON string literal for s (quotes and escapes added); free(). */
char *rt_json(const char *s);
/* Polls until the file contains needle (or timeout); 1 if found. */
int rt_wait_for_text(const char *path, const char *needle, int timeout_ms);
/* Polls until the file has at least n lines; returns the line count seen last. */
size_t rt_wait_for_lines(const char *path, size_t n, int timeout_ms);
/* Runs `host --modules <modules> args...` to completion (60 s at most), stdout and stderr captured
 * (out is never NULL afterwards); env: one "NAME=value" added to the environment, or NULL. Returns
 * the exit code. */
int rt_run_host(const rt_paths *p, const char *const *args, const char *env, plat_process_result *res);
#endif
