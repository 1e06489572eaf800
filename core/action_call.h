/*
 * core/action_call.h - one invocation of one action for one event (the ABI's wee_action_call).
 *
 * Lives on the worker's stack for the duration of action_run. `results` is shared by all actions of a
 * rule for this event: earlier actions publish into it, later ones read it (and templates see it).
 * Ownership: params is owned by the call (freed by action_call_finish); event and results are borrowed.
 */
#ifndef WEE_ACTION_CALL_H
#define WEE_ACTION_CALL_H
#include "wee/host.h"
#include "wee/module.h"
#include "util/strbuf.h"

struct wee_action_call {
    const wee_event *event;
    wee_event *results;
    wee_options *params;         /* rendering view */
    const char *module_name;     /* prefix for published results */
    const char *rule_name;
    unsigned worker_index;
    strbuf error;                /* call_set_error text */
    /* Where call_emit sends events (the dispatcher); NULL: emitting from actions is refused. */
    int (*emit)(void *ctx, wee_event *ev);
    void *emit_ctx;
    int render_failed;           /* rendering the options ran out of memory: the action must not run */
};

/* params_tree: the action's options_tree (void* to keep options.h out); renders lazily against
 * event + results. */
void action_call_init(struct wee_action_call *call, const void *params_tree, const wee_event *event,
                      wee_event *results, const char *module_name, const char *rule_name, unsigned worker);
void action_call_finish(struct wee_action_call *call);
/* Runs the action (m->action_run(instance, call)); WEE_ENOMEM without running it when rendering its
 * options ran out of memory, as it must not run without them. */
int action_call_run(struct wee_action_call *call, const wee_module_desc *m, void *instance);
/* What a call that returned rc says went wrong: the action's own words, else rc's meaning. */
const char *action_call_error_text(const struct wee_action_call *call, int rc);
/* The host-table entries over a call (wee_host_api call_*, worker_count). */
const wee_event *action_call_event(const wee_action_call *call);
const wee_options *action_call_params(const wee_action_call *call);
const wee_event *action_call_results(const wee_action_call *call);
int action_call_publish_string(wee_action_call *call, const char *name, const char *value);
int action_call_publish_int(wee_action_call *call, const char *name, int64_t value);
int action_call_publish_bool(wee_action_call *call, const char *name, int value);
const char *action_call_rule_name(const wee_action_call *call);
unsigned action_call_worker_index(const wee_action_call *call);
void action_call_set_error(wee_action_call *call, const char *fmt, ...);
/* Stamps, marks as caused by the engine and passes on an event an action raised; refuses past a fixed
 * chain depth. */
int action_call_emit(wee_action_call *call, wee_event *ev);
/* Worker count reported to modules (set once by the engine before modules run). */
void action_call_set_worker_count(unsigned n);
unsigned action_call_worker_count(void);
#endif
