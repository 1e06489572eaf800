/*
 * core/rule_step.c - one step of a remembering rule (a sequence step, an absence's expect/after): does
 * an event match it, and freeing it. Its own file so rules.c and rule_memory.c both use it without
 * calling each other.
 */
#include <stdlib.h>
#include <string.h>
#include "cond.h"
#include "event.h"
#include "rules.h"
#include "util/glob.h"

void rule_step_free(rule_step *s)
{
    free(s->event_pattern);
    free(s->source);
    if (s->when) cond_free(s->when);
    memset(s, 0, sizeof *s);
}

int rule_step_matches(const rule_step *s, const wee_event *ev)
{
    const char *type = event_type(ev), *source = event_get_string(ev, "source");
    if (!type || !s->event_pattern) return 0;
    if (s->event_is_glob ? !glob_match(s->event_pattern, type, 0) : strcmp(s->event_pattern, type) != 0) return 0;
    if (s->source && (!source || strcmp(s->source, source) != 0)) return 0;
    return !s->when || cond_eval(s->when, ev);
}
