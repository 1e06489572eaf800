/*
 * modules/process/process_poll.h - the fallback's snapshot diffing, shared by both backends: two lists
 * of running processes taken poll_ms apart become "new" and "gone" pids. `ident` tells a reused pid from
 * the same process (Linux: start time in clock ticks; Windows: the parent pid hashed, since Wine lists a
 * starting process without its image name first; the Windows backend also drops a pid from the previous
 * snapshot once its handle says it ended), so a pid reused between two snapshots reads as gone + new.
 */
#ifndef WEE_PROCESS_POLL_H
#define WEE_PROCESS_POLL_H
#include <stddef.h>
#include <stdint.h>

typedef struct poll_proc {
    int64_t pid, ppid;
    uint64_t ident;
    char name[80];   /* Windows: Toolhelp's image name (for processes that cannot be opened) */
} poll_proc;

typedef void (*poll_fn)(void *ctx, const poll_proc *p);

/* Sorts cur by pid (prev must already be sorted: pass the previous call's cur), then calls on_gone for
 * each process of prev missing from cur and on_new for each process of cur missing from prev. */
void poll_diff(const poll_proc *prev, size_t nprev, poll_proc *cur, size_t ncur, poll_fn on_new,
               poll_fn on_gone, void *ctx);

/* FNV-1a over a string, to build an ident from a name. */
uint64_t poll_hash(uint64_t seed, const char *s);
#endif
