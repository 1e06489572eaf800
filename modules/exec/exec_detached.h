/*
 * modules/exec/exec_detached.h - the exec action's detached children ("detach": true): programs meant to
 * keep running, started and left at once so no worker waits for them.
 *
 * One table for the module, bounded twice: each action instance keeps at most its max_detached children
 * alive, and the module at most EXEC_DETACHED_TOTAL. Ended children are reaped (and their exit logged)
 * whenever a detached start is asked for. When the module is unloaded (the engine stops, or a reload
 * no longer uses exec), children started with kill_on_stop are killed with everything they started;
 * the others are left running. The table's lock is initialised by module_init.
 */
#ifndef WEE_EXEC_DETACHED_H
#define WEE_EXEC_DETACHED_H
#include <stddef.h>
#include <stdint.h>
#include "platform/platform.h"
#include "wee/wee.h"

#define EXEC_DETACHED_TOTAL 256

void exec_detached_init(const wee_host_api *host);
void exec_detached_shutdown(void);
/* Starts spec detached for `owner` (an action instance). 0 and res->pid, or a WEE_E* code with the reason
 * in why (the cap reached: WEE_EFULL). */
int exec_detached_start(const void *owner, int64_t max_for_owner, int kill_on_stop, const char *rule,
                        const plat_process_spec *spec, plat_process_result *res, char *why, size_t why_size);
/* The instance is going away (reload): its children stay tracked, no longer counted against it. */
void exec_detached_forget_owner(const void *owner);
#endif
