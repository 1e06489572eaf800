#include "rule_state.h"
#include <stdlib.h>
#include "event.h"
#include "rule_memory.h"

rule_state *rule_state_new(void)
{
    rule_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->last_fire_ns, 0);
    atomic_init(&s->fired, 0);
    atomic_init(&s->last_fired_ms, 0);
    atomic_init(&s->suppressed, 0);
    plat_mutex_init(&s->serial_lock);
    plat_mutex_init(&s->debounce_lock);
    return s;
}

void rule_state_free(rule_state *s)
{
    if (!s) return;
    event_unref(s->debounce_event);
    for (size_t i = 0; i < s->batch_count; i++) event_unref(s->batch[i]);
    free(s->batch);
    rule_memory_unref(s->memory);
    plat_mutex_destroy(&s->serial_lock);
    plat_mutex_destroy(&s->debounce_lock);
    free(s);
}
