/*
 * modules/lua/lua_sandbox.h - one sandboxed Lua 5.4 state: counted allocator, instruction-count
 * deadline, safe standard library, and the glue the lua_api_*.c files use to find their call.
 *
 * Ownership: lua_sandbox is owned by its creator (the action: one per event in "fresh" isolation,
 * one per worker in "pooled"). sandbox_open fills it; sandbox_close frees the state. The `call` and
 * `action` pointers are borrowed for one run.
 *
 * Threads: a sandbox is used by one thread at a time (the action's per-worker slot lock).
 */
#ifndef WEE_LUA_SANDBOX_H
#define WEE_LUA_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>
#include "wee/wee.h"

struct lua_action;
struct lua_slot;

typedef struct lua_sandbox {
    const wee_host_api *host;
    lua_State *L;
    size_t mem_used, mem_limit;   /* bytes; an allocation past mem_limit is refused */
    int mem_refused;              /* 1 once an allocation was refused during this run */
    uint64_t deadline_ns;         /* host->monotonic_ns() value past which the hook raises */
    int64_t timeout_ms;
    int timed_out;                /* 1 once the deadline passed: every instruction raises from then on */
    unsigned emitted;             /* events emit() raised during this run (capped: lua_api_emit.c) */
    /* The run in progress, for the lua_api_*.c functions. */
    wee_action_call *call;
    const struct lua_action *action;
    struct lua_slot *slot;
} lua_sandbox;

/* The sandbox a state belongs to (the allocator's user data; the same for every coroutine). */
lua_sandbox *sandbox_of(lua_State *L);

/* Creates the state with the safe library and the engine API (log, json, fs, exec, http, emit),
 * a global `state` table, `print` routed to the log. Returns 0, or WEE_ENOMEM with a reason in err. */
int sandbox_open(lua_sandbox *sb, const wee_host_api *host, size_t mem_limit, const struct lua_action *action,
                 char *err, size_t err_size);
void sandbox_close(lua_sandbox *sb);

/* Starts a new deadline (now + timeout_ms) and clears the per-run flags. */
void sandbox_arm(lua_sandbox *sb, int64_t timeout_ms);

/* Raises "timeout after N ms" (and makes every further instruction raise) once the deadline has
 * passed; for C code that runs long without executing Lua instructions (lua_pattern.c). */
void sandbox_check_deadline(lua_State *L);

/* 1 once the deadline has passed (and marks the run timed out, like sandbox_check_deadline), without
 * raising: for C code that must free what it holds before it raises (json.encode). */
int sandbox_deadline_passed(lua_State *L);

/* A step budget for C loops whose length the script chooses (lua_tablib.c and the other bounded
 * library functions): sandbox_step once per iteration; every SANDBOX_STEPS_PER_CHECK steps it calls
 * sandbox_check_deadline, which raises once the deadline has passed. A clock read costs ~20 ns, so
 * checking every step would double the cost of cheap loops. */
#define SANDBOX_STEPS_PER_CHECK 1024u
typedef struct sandbox_steps {
    lua_State *L;
    unsigned left;
} sandbox_steps;

static inline void sandbox_steps_init(sandbox_steps *s, lua_State *L)
{
    s->L = L;
    s->left = SANDBOX_STEPS_PER_CHECK;
}

static inline void sandbox_step(sandbox_steps *s)
{
    if (--s->left == 0) {
        s->left = SANDBOX_STEPS_PER_CHECK;
        sandbox_check_deadline(s->L);
    }
}

/* Milliseconds left before the deadline (>= 1 while running; for exec/http timeouts). */
int64_t sandbox_remaining_ms(const lua_sandbox *sb);

/* lua_pcall message handler: "<message> [at chunk:line <- chunk:line ...]". It reads only strings and
 * numbers from the error object and never calls a metamethod, so a hostile error object cannot run
 * code here. */
int sandbox_message_handler(lua_State *L);

/* Copies the error at the top of the stack after a failed lua_pcall into out, replaced by the limit
 * that caused it when a limit did ("timeout after 100 ms", "memory limit of 64 KB exceeded"). */
void sandbox_error_text(lua_sandbox *sb, int status, char *out, size_t size);

#endif
