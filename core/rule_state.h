/*
 * core/rule_state.h - per-rule runtime state owned by a rule (throttle clock, debounce slot, serial lock).
 * Created by config compile (one per rule), freed with the rule. Used only by the dispatcher.
 */
#ifndef WEE_RULE_STATE_H
#define WEE_RULE_STATE_H
typedef struct rule_state rule_state;
rule_state *rule_state_new(void);
void rule_state_free(rule_state *s);
#endif
