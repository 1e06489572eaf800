/* process_internal.h - the split between starting a child (process_spawn.c, which needs GNU/Linux
 * extensions) and supervising it (process.c, plain POSIX). Internal to core/platform/posix. */
#ifndef WEE_POSIX_PROCESS_INTERNAL_H
#define WEE_POSIX_PROCESS_INTERNAL_H
#include "platform/platform.h"
#include <sys/types.h>

/* Where a start failed, for the message. */
enum { SPAWN_FAILED_EXEC = 0, SPAWN_FAILED_CWD = 1, SPAWN_FAILED_SETUP = 2 };

/* A pipe whose both ends are close-on-exec from birth, so a child started concurrently by another
 * thread can never inherit them (it would hold our pipe open and hide EOF). 0 or errno. */
int posix_pipe_cloexec(int fds[2]);

/* Starts spec->argv in its own process group with stdin from /dev/null, stdout on out_w and stderr
 * on err_w (-1: inherited). Returns 0 and the pid, or an errno value and *stage. */
int posix_spawn_child(const plat_process_spec *spec, int out_w, int err_w, pid_t *pid, int *stage);

/* "cannot start 'prog': ..." (naming the cwd when that was the problem) into res->error. */
void posix_describe_failure(plat_process_result *res, const plat_process_spec *spec, int e, int stage);

/* A descriptor that becomes readable when pid exits, or -1 where the kernel has none. */
int posix_pidfd_open(pid_t pid);
#endif
