/* modules/exec/exec_detached.c - bounded table of detached exec children (see exec_detached.h). */
#include "exec_detached.h"
#include <stdio.h>
#include <string.h>

typedef struct detached {
    plat_child *child;
    const void *owner;       /* NULL once its action instance is gone */
    uint64_t pid;
    int kill_on_stop;
    char what[160];          /* "rule 'x': 'command'" for the exit log line */
} detached;

static const wee_host_api *g_host;
static plat_mutex g_lock;
static int g_ready;
static detached g_items[EXEC_DETACHED_TOTAL];
static size_t g_count;

void exec_detached_init(const wee_host_api *host)
{
    if (g_ready) return;
    g_host = host;
    plat_mutex_init(&g_lock);
    g_count = 0;
    g_ready = 1;
}

/* Drops entry i (lock held). */
static void drop(size_t i)
{
    plat_child_free(g_items[i].child);
    g_items[i] = g_items[--g_count];
    memset(&g_items[g_count], 0, sizeof g_items[g_count]);
}

/* Forgets the children that ended, saying how each ended (lock held). */
static void reap(void)
{
    for (size_t i = 0; i < g_count;) {
        int code = 0;
        if (!plat_child_exited(g_items[i].child, &code)) {
            i++;
            continue;
        }
        if (g_host)
            g_host->log(code == 0 ? WEE_LOG_DEBUG : WEE_LOG_WARN, "exec", "%s: detached process %llu ended with code %d",
                        g_items[i].what, (unsigned long long)g_items[i].pid, code);
        drop(i);
    }
}

int exec_detached_start(const void *owner, int64_t max_for_owner, int kill_on_stop, const char *rule,
                        const plat_process_spec *spec, plat_process_result *res, char *why, size_t why_size)
{
    memset(res, 0, sizeof *res);
    if (!g_ready) {
        snprintf(why, why_size, "the exec module was not initialised");
        return WEE_EFAILED;
    }
    plat_mutex_lock(&g_lock);
    reap();
    int64_t mine = 0;
    for (size_t i = 0; i < g_count; i++) mine += g_items[i].owner == owner;
    int rc = 0;
    if (mine >= max_for_owner) {
        snprintf(why, why_size, "%lld detached process(es) of this action are still running (max_detached: %lld); "
                 "not starting another until one ends (raise max_detached if more is intended)",
                 (long long)mine, (long long)max_for_owner);
        rc = WEE_EFULL;
    } else if (g_count >= EXEC_DETACHED_TOTAL) {
        snprintf(why, why_size, "%d detached processes of all exec actions are still running (the module's limit); "
                 "not starting another until one ends", EXEC_DETACHED_TOTAL);
        rc = WEE_EFULL;
    } else {
        plat_child *child = NULL;
        rc = plat_process_start(spec, kill_on_stop, &child, res);
        if (rc == 0 && child) {
            detached *d = &g_items[g_count++];
            d->child = child;
            d->owner = owner;
            d->pid = res->pid;
            d->kill_on_stop = kill_on_stop;
            snprintf(d->what, sizeof d->what, "rule '%s': '%s'", rule ? rule : "?", spec->argv[0]);
        } else {
            snprintf(why, why_size, "%s", res->error[0] ? res->error : wee_strerror(rc ? rc : WEE_EFAILED));
            if (rc == 0) rc = WEE_EFAILED;
        }
    }
    plat_mutex_unlock(&g_lock);
    return rc;
}

void exec_detached_forget_owner(const void *owner)
{
    if (!g_ready) return;
    plat_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_count; i++)
        if (g_items[i].owner == owner) g_items[i].owner = NULL;
    plat_mutex_unlock(&g_lock);
}

void exec_detached_shutdown(void)
{
    if (!g_ready) return;
    plat_mutex_lock(&g_lock);
    reap();
    size_t killed = 0, left = 0;
    while (g_count > 0) {
        detached *d = &g_items[g_count - 1];
        if (d->kill_on_stop) {
            plat_child_kill(d->child);
            killed++;
        } else {
            left++;
        }
        drop(g_count - 1);
    }
    plat_mutex_unlock(&g_lock);
    if (g_host && (killed || left))
        g_host->log(WEE_LOG_INFO, "exec", "stopping: %zu detached process(es) killed (kill_on_stop), %zu left running",
                    killed, left);
    plat_mutex_destroy(&g_lock);
    g_ready = 0;
}
