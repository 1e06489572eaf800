/*
 * core/net_policy.h - may the engine make a network request to a URL? The running config's
 * engine.http_enabled / http_allow decide (host->net_check, ABI 1.1).
 * Threads: any; the policy is swapped under a lock on reload.
 */
#ifndef WEE_NET_POLICY_H
#define WEE_NET_POLICY_H
#include <stddef.h>

/* Copies the policy; set by the engine at start and on each reload. */
void net_policy_set(int enabled, char *const *allow, size_t count);
/* 0, or WEE_EPERM / WEE_EINVAL with one line in err saying which setting to change. */
int net_policy_check(const char *url, char *err, size_t err_size);
#endif
