/* core/action_call.c - one action invocation's lifecycle (init, rendered params, results, error,
 * emit from inside an action) and the host-table entries that read it (see action_call.h). */
#include "action_call.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "engine_origin.h"
#include "event.h"
#include "host_api.h"
#include "log.h"
#include "options.h"
#include "template.h"
#include "wee/errors.h"

/* Chain depth past which an event raised by an action is refused: rules that emit what they react to
 * would otherwise loop forever. */
#define MAX_EMIT_DEPTH 8

static unsigned g_worker_count = 1;

const wee_event *action_call_event(const wee_action_call *c) { return c->event; }
const wee_options *action_call_params(const wee_action_call *c) { return c->params; }
const wee_event *action_call_results(const wee_action_call *c) { return c->results; }
const char *action_call_rule_name(const wee_action_call *c) { return c->rule_name; }
unsigned action_call_worker_index(const wee_action_call *c) { return c->worker_index; }

static void publish_name(const wee_action_call *c, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s.%s", c->module_name ? c->module_name : "action", name);
}

int action_call_publish_string(wee_action_call *c, const char *name, const char *value)
{
    char key[128];
    if (!c->results || !name) return WEE_EINVAL;
    publish_name(c, name, key, sizeof key);
    return event_set_string(c->results, key, value);
}

int action_call_publish_int(wee_action_call *c, const char *name, int64_t value)
{
    char key[128];
    if (!c->results || !name) return WEE_EINVAL;
    publish_name(c, name, key, sizeof key);
    return event_set_int(c->results, key, value);
}

int action_call_publish_bool(wee_action_call *c, const char *name, int value)
{
    char key[128];
    if (!c->results || !name) return WEE_EINVAL;
    publish_name(c, name, key, sizeof key);
    return event_set_bool(c->results, key, value);
}

void action_call_set_error(wee_action_call *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_reset(&c->error);
    strbuf_vprintf(&c->error, fmt, ap);
    va_end(ap);
}

int action_call_emit(wee_action_call *c, wee_event *ev)
{
    if (!ev) return WEE_EINVAL;
    if (!c->emit) { event_unref(ev); return WEE_EUNSUPPORTED; }
    int depth = c->event ? c->event->depth + 1 : 1;
    if (depth > MAX_EMIT_DEPTH) {
        log_write(WEE_LOG_WARN, c->module_name, "rule '%s': event '%s' refused: emit chain deeper than %d "
                  "(a rule is probably reacting to its own events)", c->rule_name, ev->type, MAX_EMIT_DEPTH);
        event_unref(ev);
        return WEE_EINVAL;
    }
    ev->depth = depth;
    engine_origin_mark(ev, 1);
    host_api_stamp(ev, c->rule_name);
    return c->emit(c->emit_ctx, ev);
}

void action_call_init(struct wee_action_call *call, const void *params_tree, const wee_event *event,
                      wee_event *results, const char *module_name, const char *rule_name, unsigned worker)
{
    memset(call, 0, sizeof *call);
    call->event = event;
    call->results = results;
    call->module_name = module_name;
    call->rule_name = rule_name;
    call->worker_index = worker;
    if (params_tree) {
        render_ctx ctx = { event, results };
        call->params = options_view_render((const options_tree *)params_tree, &ctx);
        call->render_failed = call->params == NULL;
    }
}

int action_call_run(struct wee_action_call *call, const wee_module_desc *m, void *instance)
{
    return call->render_failed ? WEE_ENOMEM : m->action_run(instance, call);
}

const char *action_call_error_text(const struct wee_action_call *call, int rc)
{
    return call->error.len ? strbuf_cstr(&call->error) : wee_strerror(rc);
}

void action_call_finish(struct wee_action_call *call)
{
    if (call->params) options_view_free(call->params);
    call->params = NULL;
    strbuf_free(&call->error);
}

void action_call_set_worker_count(unsigned n) { g_worker_count = n ? n : 1; }
unsigned action_call_worker_count(void) { return g_worker_count; }
