/*
 * modules/lua/lua_action.h - the configured lua action: compiled chunk, limits, per-worker slots.
 *
 * Ownership: everything here is allocated by action_create and freed by action_destroy. The chunk is
 * compiled once per config load (text mode only) and kept as a binary dump; each "fresh" run loads
 * that dump into a new state, each "pooled" worker state loads it once.
 */
#ifndef WEE_LUA_ACTION_H
#define WEE_LUA_ACTION_H

#include <stddef.h>
#include <stdint.h>
#include "platform/platform.h"
#include "lua_sandbox.h"
#include "wee/wee.h"

#define LUA_MODULE_NAME "lua"

enum lua_isolation { LUA_ISOLATION_FRESH = 0, LUA_ISOLATION_POOLED = 1 };

/* One per worker: the lock makes a slot safe even if a worker index is ever out of range. */
typedef struct lua_slot {
    plat_mutex lock;
    lua_sandbox pooled;      /* pooled.L != NULL once created */
    void *curl;              /* CURL * for http.request, created on first use */
} lua_slot;

typedef struct lua_action {
    const wee_host_api *host;
    char *chunk;             /* lua_dump of the compiled script (binary, with line info) */
    size_t chunk_len;
    char chunkname[256];     /* "@script.lua" or "=code" */
    char function[128];      /* the global function called per event */
    int64_t timeout_ms;
    size_t mem_limit;        /* bytes */
    int isolation;
    int allow_exec;
    char **allow_roots;      /* real paths of allow_paths */
    size_t allow_count;
    lua_slot *slots;
    unsigned slot_count;
} lua_action;

/* Loads the action's chunk into sb's state and runs it (defining the functions). 0, or a negative
 * code with the reason in err. The deadline must be armed. */
int lua_action_load_chunk(const lua_action *a, lua_sandbox *sb, char *err, size_t err_size);

/* Calls the configured function for the call's event. 0 on success; otherwise the failure text is in
 * err (a script error with its location, a limit, or the script's own {ok=false, message=...}). */
int lua_action_call_function(const lua_action *a, lua_sandbox *sb, wee_action_call *call, char *err,
                             size_t err_size);

#endif
