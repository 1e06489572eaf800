/*
 * wee/host.h - the services the host gives a module, as one table of function pointers.
 *
 * The table is passed to every module entry point that needs it (module_init, source_create,
 * action_create). Nothing is imported from the host executable, so a test program can load the same
 * modules with its own table. New entries are only ever appended; test a pointer for NULL before using
 * an entry added after WEE_ABI_MAJOR.0.
 *
 * Ownership and lifetime:
 *  - The table itself lives as long as the module is loaded.
 *  - Memory: anything one side allocates that the other side frees goes through host->alloc/free
 *    (one allocator for both sides, whatever C runtime each was linked against).
 *  - Events: see event.h (event_new -> emit or event_free; borrowed when passed in).
 *  - Options: see options.h.
 *  - wee_source: owned by the host, valid from source_create until source_destroy returns.
 *  - wee_action_call: owned by the host, valid only during action_run.
 *
 * Threads: every entry here may be called from any thread, concurrently.
 */
#ifndef WEE_HOST_H
#define WEE_HOST_H

#include <stdarg.h>
#include "abi.h"
#include "event.h"
#include "options.h"

typedef struct wee_source wee_source;
typedef struct wee_action_call wee_action_call;

typedef enum wee_log_level {
    WEE_LOG_TRACE = 0,
    WEE_LOG_DEBUG = 1,
    WEE_LOG_INFO = 2,
    WEE_LOG_WARN = 3,
    WEE_LOG_ERROR = 4
} wee_log_level;

typedef struct wee_host_api {
    uint32_t struct_size;
    uint32_t abi_version; /* the host's WEE_ABI_VERSION */

    /* --- memory: the one allocator both sides use --- */
    void *(*alloc)(size_t size);
    void *(*realloc)(void *ptr, size_t size);
    void (*free)(void *ptr);

    /* --- logging: `module` is the module's name; printf-style format --- */
    void (*log)(wee_log_level level, const char *module, const char *fmt, ...);
    void (*vlog)(wee_log_level level, const char *module, const char *fmt, va_list ap);
    int (*log_enabled)(wee_log_level level);

    /* --- time --- */
    uint64_t (*monotonic_ns)(void);  /* arbitrary origin, never goes back */
    int64_t (*wall_time_ms)(void);   /* Unix epoch, UTC */

    /* --- events: building (see event.h for ownership) --- */
    wee_event *(*event_new)(const char *type);
    void (*event_free)(wee_event *ev);
    int (*event_set_string)(wee_event *ev, const char *name, const char *value);
    int (*event_set_int)(wee_event *ev, const char *name, int64_t value);
    int (*event_set_bool)(wee_event *ev, const char *name, int value);

    /* --- events: reading --- */
    const char *(*event_type)(const wee_event *ev);
    wee_value_type (*event_get_type)(const wee_event *ev, const char *name);
    const char *(*event_get_string)(const wee_event *ev, const char *name); /* text form; NULL if absent */
    int64_t (*event_get_int)(const wee_event *ev, const char *name, int64_t fallback);
    int (*event_get_bool)(const wee_event *ev, const char *name, int fallback);
    size_t (*event_field_count)(const wee_event *ev);
    const char *(*event_field_name)(const wee_event *ev, size_t index);
    wee_value_type (*event_field_type)(const wee_event *ev, size_t index);
    const char *(*event_field_string)(const wee_event *ev, size_t index); /* text form */

    /* --- sources --- */
    /* Hands an event to the dispatcher; takes ownership of `ev` whatever the result. May block when
     * the queue is full and the overflow policy is "block". Returns 0, WEE_EFULL (dropped, counted)
     * or WEE_ESTOPPED. */
    int (*emit)(wee_source *src, wee_event *ev);
    const char *(*source_id)(const wee_source *src);
    /* A source reports events it knows it lost (kernel queue overflow, ETW EventsLost). Counted as
     * dropped. */
    void (*report_lost)(wee_source *src, uint64_t count, const char *reason);

    /* --- options (validated and defaulted by the host) --- */
    int (*opt_has)(const wee_options *opts, const char *name);
    const char *(*opt_string)(const wee_options *opts, const char *name);  /* NULL if absent */
    int64_t (*opt_int)(const wee_options *opts, const char *name);
    int (*opt_bool)(const wee_options *opts, const char *name);
    size_t (*opt_list_count)(const wee_options *opts, const char *name);
    const char *(*opt_list_at)(const wee_options *opts, const char *name, size_t index);
    size_t (*opt_map_count)(const wee_options *opts, const char *name);
    const char *(*opt_map_key)(const wee_options *opts, const char *name, size_t index);
    const char *(*opt_map_value)(const wee_options *opts, const char *name, size_t index);
    /* JSON text of any option (templates rendered in a call's params); free with host->free. */
    char *(*opt_json)(const wee_options *opts, const char *name);

    /* --- action calls --- */
    const wee_event *(*call_event)(const wee_action_call *call);
    const wee_options *(*call_params)(const wee_action_call *call);  /* rendered for this event */
    /* Results earlier actions of the same rule published, as a field list ("exec.exit_code", ...). */
    const wee_event *(*call_results)(const wee_action_call *call);
    /* Publish a result for later actions: stored as "<module>.<name>" (exec -> "exec.exit_code"). */
    int (*call_publish_string)(wee_action_call *call, const char *name, const char *value);
    int (*call_publish_int)(wee_action_call *call, const char *name, int64_t value);
    int (*call_publish_bool)(wee_action_call *call, const char *name, int value);
    const char *(*call_rule_name)(const wee_action_call *call);
    unsigned (*call_worker_index)(const wee_action_call *call); /* 0 .. worker_count()-1 */
    unsigned (*worker_count)(void);
    /* Set a one-line reason the action failed; shown in the log with the rule and action index. */
    void (*call_set_error)(wee_action_call *call, const char *fmt, ...);
    /* Emits a new event from inside an action (Lua's emit()). The host marks it with the chain depth
     * and refuses past a fixed depth so rules cannot loop forever. Takes ownership of `ev`. */
    int (*call_emit)(wee_action_call *call, wee_event *ev);

    /* --- ABI 1.1 --- */
    /* May this process make a network request to `url`? 0 if engine.http_enabled is true and the
     * URL's host is in engine.http_allow (or no allowlist is set); otherwise WEE_EPERM with a one-line
     * reason in err saying which setting to change. Reads the config currently running. */
    int (*net_check)(const char *url, char *err, size_t err_size);
    /* The module itself just wrote, moved or deleted this file (the log action's file, Lua's fs.write).
     * Sources ask about it with origin_path_written (ABI 1.3): the file source marks events for that
     * path in the next two seconds by_engine = true, so a rule watching the folder does not loop on the
     * engine's own output. An absolute (real) path matches best. */
    void (*note_engine_write)(const char *path);

    /* --- ABI 1.2 --- */
    /* WEE_OPT_OBJECT_LIST options: how many objects, and the i-th as an options handle (owned by the
     * host, valid as long as `opts`; NULL when out of range). */
    size_t (*opt_object_count)(const wee_options *opts, const char *name);
    const wee_options *(*opt_object_at)(const wee_options *opts, const char *name, size_t index);

    /* --- ABI 1.3 --- */
    /* Engine origin, the one "caused by the engine" mechanism: an event the engine itself caused (a file
     * an action wrote, a process an action started) carries by_engine = true, and rules skip it unless
     * they set "allow_engine_events": true, so no rule loops on its own output. Sets ev's mark (before
     * emit) to by_engine (0 or 1), so a source's events all carry the field; events raised by call_emit
     * are marked already. */
    void (*origin_mark)(wee_event *ev, int by_engine);
    /* 1 when note_engine_write named this path (or the same file by its real path) in the last two
     * seconds: a source reporting a change to it marks the event with origin_mark. */
    int (*origin_path_written)(const char *path);
    /* Engine-owned processes: the host itself and every process whose parent is engine-owned, judged
     * only from parent pids (nothing a process chooses, such as its environment, counts). A process
     * source reports each process as it learns of it (pid and parent pid; flags WEE_ORIGIN_*) and gets
     * 1 when the engine owns it; the host remembers the engine's own for as long as they run (never
     * dropping one for room) and answers origin_process_owned for them, including at their exit;
     * origin_process_ended forgets one after its exit was reported. */
    int (*origin_process_started)(int64_t pid, int64_t ppid, uint32_t flags);
    int (*origin_process_owned)(int64_t pid);
    void (*origin_process_ended)(int64_t pid);
} wee_host_api;

/* origin_process_started flags (ABI 1.3). */
#define WEE_ORIGIN_CONTINUED 0x1u /* the same process as an earlier report of this pid (a fork that now
                                     runs a program): it keeps the mark it had */
#define WEE_ORIGIN_SNAPSHOT 0x2u  /* found running when the source started, not created now: may add a
                                     mark, never clears one another source relies on */

#endif
