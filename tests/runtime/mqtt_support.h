/*
 * tests/runtime/mqtt_support.h - helpers of the mqtt runtime tests (see mqtt_support.c).
 * Ownership: strings returned by bfile/broker_json are malloc'd (free()); peers and host runs are
 * closed with peer_close / host_end.
 */
#ifndef WEE_MQTT_SUPPORT_H
#define WEE_MQTT_SUPPORT_H
#include <stddef.h>
#include <mosquitto.h>
#include "rt_support.h"

extern rt_paths P;
extern char B_DIR[1024];          /* the broker folder as this process names it */
extern char B_DIR_NATIVE[1024];   /* as the broker (Linux) names it */
extern int PORT_PLAIN, PORT_TLS, PORT_AUTH, PORT_SPARE;
extern char g_control[512];       /* when set, the next host_begin enables the control channel there */

typedef struct rx { char *topic; unsigned char *payload; int len, qos, retain; } rx;

typedef struct peer {
    struct mosquitto *m;
    plat_mutex lock;
    rx *msgs;
    size_t count, cap;
    int connected;
} peer;

typedef struct host_run {
    rt_host h;
    char *dir, *cfg, *log, *out;
} host_run;

/* The fixture's ports and folder (mqtt_broker.sh setup). */
void load_env(void);
char *bfile(const char *name);
/* mqtt_broker.sh CMD DIR NAME (native only: a Windows process cannot start the Linux broker). */
void broker_cmd(const char *cmd, const char *name);
/* A broker instance of its own on port (plain, anonymous, persistence in the broker folder). */
void broker_own(const char *name, int port);

peer *peer_open(int port, const char *id, int clean);
void peer_close(peer *p);
void peer_sub(peer *p, const char *filter, int qos);
void peer_pub(peer *p, const char *topic, const void *payload, int len, int qos, int retain);
size_t peer_count(peer *p);
size_t peer_wait(peer *p, size_t n, int timeout_ms);
const rx *peer_find(peer *p, const char *topic);

/* Writes a config: engine section (log file in dir, control channel off unless g_control), the
 * "modules": {"mqtt": ...} object, sources and rules (OUT in rules is the output file). */
void host_begin(host_run *r, const char *tag, const char *modules, const char *sources, const char *rules);
void host_start(host_run *r);
void host_stop(host_run *r);
void host_end(host_run *r);
void expect_log(host_run *r, const char *needle, int timeout_ms);
/* Waits until needle appears at least n times in the host log. */
void expect_log_count(host_run *r, const char *needle, size_t n, int timeout_ms);
char *broker_json(const char *id, int port, const char *extra);
#endif
