/*
 * core/admin_paths.h - an engine running as root or as the Windows service (SYSTEM) runs what its
 * config says and loads what its modules folder holds, so only administrators may be able to change
 * those: the config file, the folder it sits in, the rule files it includes (config_include.h) and the
 * modules folder with every module file in it
 * (docs/security.md). Anything else is refused before the engine starts, naming the path, who can
 * write it and the fix; --allow-writable-paths turns the refusal into a warning for people who know
 * why their setup is different.
 */
#ifndef WEE_ADMIN_PATHS_H
#define WEE_ADMIN_PATHS_H

/* 0 to go on, 1 refused (printed to stderr and the log). service: running as the Windows service;
 * on POSIX the check applies whenever the effective uid is 0. */
int admin_paths_check(const char *config_file, const char *modules_dir, int service, int allow_writable);
#endif
