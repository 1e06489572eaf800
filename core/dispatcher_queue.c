/*
 * core/dispatcher_queue.c - the dispatcher's queue (see dispatcher_internal.h): sources' events into the
 * bounded ring under the overflow policy, direct jobs into their unbounded list, and the rule set.
 */
#include <stdlib.h>
#include "dispatcher_internal.h"
#include "event.h"
#include "wee/errors.h"

rule_set *dispatcher_acquire_rules(dispatcher *d)
{
    plat_mutex_lock(&d->rules_lock);
    rule_set *rs = d->rules ? rule_set_ref(d->rules) : NULL;
    plat_mutex_unlock(&d->rules_lock);
    return rs;
}

void dispatcher_swap_rules(dispatcher *d, rule_set *rules)
{
    plat_mutex_lock(&d->rules_lock);
    rule_set *old = d->rules;
    d->rules = rules;
    plat_mutex_unlock(&d->rules_lock);
    if (old) rule_set_unref(old);
}

void dispatcher_release_batch(wee_event **batch, size_t count)
{
    for (size_t i = 0; i < count; i++) event_unref(batch[i]);
    free(batch);
}

/* Caller holds d->lock. */
void dispatcher_push_direct_job(dispatcher *d, wee_event *ev, rule *r, rule_set *set, wee_event **batch, size_t batch_count)
{
    job *j = malloc(sizeof *j);
    if (!j) {
        /* Out of memory: count it as a drop rather than lose it silently. */
        atomic_fetch_add(&d->dropped, 1);
        event_unref(ev);
        dispatcher_release_batch(batch, batch_count);
        if (set) rule_set_unref(set);
        return;
    }
    *j = (job){ ev, r, set, batch, batch_count, NULL };
    if (d->direct_tail) d->direct_tail->next = j; else d->direct_head = j;
    d->direct_tail = j;
    plat_cond_signal(&d->not_empty);
}

void dispatcher_push_direct(dispatcher *d, wee_event *ev, rule *r, rule_set *set) { dispatcher_push_direct_job(d, ev, r, set, NULL, 0); }

static int submit(dispatcher *d, wee_event *ev, int may_block)
{
    atomic_fetch_add(&d->received, 1);
    plat_mutex_lock(&d->lock);
    if (!d->accepting) {
        plat_mutex_unlock(&d->lock);
        atomic_fetch_add(&d->dropped, 1);
        event_unref(ev);
        return WEE_ESTOPPED;
    }
    if (d->count == d->capacity) {
        if (!may_block) {
            /* Events raised by actions must not wait on the queue their own worker drains. */
            dispatcher_push_direct(d, ev, NULL, NULL);
            plat_mutex_unlock(&d->lock);
            return 0;
        }
        if (d->policy == OVERFLOW_BLOCK) {
            while (d->count == d->capacity && d->accepting) plat_cond_wait(&d->not_full, &d->lock);
            if (!d->accepting) {
                plat_mutex_unlock(&d->lock);
                atomic_fetch_add(&d->dropped, 1);
                event_unref(ev);
                return WEE_ESTOPPED;
            }
        } else if (d->policy == OVERFLOW_DROP_NEWEST) {
            plat_mutex_unlock(&d->lock);
            atomic_fetch_add(&d->dropped, 1);
            event_unref(ev);
            plat_cond_signal(&d->timer_wake);
            return WEE_EFULL;
        } else {
            job *old = &d->ring[d->head];
            event_unref(old->ev);
            d->head = (d->head + 1) % d->capacity;
            d->count--;
            atomic_fetch_add(&d->dropped, 1);
            plat_cond_signal(&d->timer_wake);
        }
    }
    d->ring[(d->head + d->count) % d->capacity] = (job){ ev, NULL, NULL, NULL, 0, NULL };
    d->count++;
    plat_cond_signal(&d->not_empty);
    plat_mutex_unlock(&d->lock);
    return 0;
}

int dispatcher_submit(dispatcher *d, wee_event *ev)
{
    if (!ev) return WEE_EINVAL;
    return submit(d, ev, 1);
}

int dispatcher_submit_from_action(void *ctx, wee_event *ev) { return submit(ctx, ev, 0); }
