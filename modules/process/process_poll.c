/* modules/process/process_poll.c - snapshot diffing for the polling fallback (see process_poll.h). */
#include "process_poll.h"
#include <string.h>
#include "util/hash.h"
#include <stdlib.h>

static int by_pid(const void *a, const void *b)
{
    const poll_proc *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

void poll_diff(const poll_proc *prev, size_t nprev, poll_proc *cur, size_t ncur, poll_fn on_new,
               poll_fn on_gone, void *ctx)
{
    if (ncur > 1) qsort(cur, ncur, sizeof *cur, by_pid);
    size_t i = 0, j = 0;
    while (i < nprev || j < ncur) {
        if (j == ncur || (i < nprev && prev[i].pid < cur[j].pid)) {
            on_gone(ctx, &prev[i++]);
        } else if (i == nprev || cur[j].pid < prev[i].pid) {
            on_new(ctx, &cur[j++]);
        } else {
            if (prev[i].ident != cur[j].ident) {   /* pid reused between two snapshots */
                on_gone(ctx, &prev[i]);
                on_new(ctx, &cur[j]);
            }
            i++;
            j++;
        }
    }
}

uint64_t poll_hash(uint64_t seed, const char *s)
{
    return s ? fnv1a_bytes(seed ^ FNV1A_SEED, s, strlen(s)) : seed ^ FNV1A_SEED;
}
