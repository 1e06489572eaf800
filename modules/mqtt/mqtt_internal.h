/*
 * modules/mqtt/mqtt_internal.h - what mqtt.c (the descriptor) needs from the source and action files.
 */
#ifndef WEE_MQTT_INTERNAL_H
#define WEE_MQTT_INTERNAL_H
#include "wee/wee.h"
#include "mqtt_config.h"
#include "mqtt_conn.h"

/* The host table given to module_init. */
const wee_host_api *mqtt_host(void);

extern const wee_option_spec mqtt_source_options[];
extern const wee_option_spec mqtt_action_options[];

int mqtt_source_create(const wee_host_api *h, wee_source *src, const wee_options *o, void **inst, char *err, size_t n);
int mqtt_source_start(void *inst, char *err, size_t n);
void mqtt_source_stop(void *inst);
void mqtt_source_destroy(void *inst);

int mqtt_action_create(const wee_host_api *h, const wee_options *o, void **inst, char *err, size_t n);
int mqtt_action_run(void *inst, wee_action_call *call);
void mqtt_action_destroy(void *inst);
#endif
