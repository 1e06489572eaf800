/*
 * core/loader.h - finds, checks and loads module libraries.
 *
 * A module is refused (one WARN log line naming the file, the reason and both ABI versions; the other
 * modules still load) when: no wee_module_entry symbol; entry returns NULL; struct_size below
 * WEE_MODULE_DESC_MIN_SIZE; ABI major differs or minor is newer than the host's; name missing or already
 * taken; kind unknown or its callbacks missing (before ABI 1.2 kind is source or action; from 1.2 it may be
 * both, SOURCE|ACTION, then every callback of both kinds is required); module_init fails.
 * Ownership: the registry owns the libraries and the copied descriptors; loaded_module pointers live
 * until loader_unload_all.
 */
#ifndef WEE_LOADER_H
#define WEE_LOADER_H
#include <stdatomic.h>
#include <stddef.h>
#include "wee/module.h"

typedef struct loaded_module {
    char *path;
    char *name;                  /* owned copy of desc.name: still valid while the library is unloaded */
    void *lib;
    int unloaded;                /* closed by loader_unload_unused; loader_find opens it again */
    wee_module_desc desc;        /* copy: min(module's struct_size, ours), rest zero */
    uint32_t desc_size;          /* the module's struct_size */
    atomic_size_t users;         /* live sources and created actions (loader_module_hold): while any
                                  * exist, loader_unload_unused leaves the library open */
} loaded_module;

typedef struct module_registry {
    loaded_module **mods;
    size_t count;
    size_t refused;              /* how many files were refused */
    const wee_host_api *api;     /* set by loader_scan; used to open an unloaded module again */
    char **deferred;             /* loader_defer_dir: module files not opened yet (NULL once opened) */
    size_t deferred_count;
    char *dir;                   /* the folder loader_scan / loader_defer_dir read (NULL: none yet) */
} module_registry;

/* Loads every <name>.so/.dll in dir. Returns the number loaded; refusals are logged and counted. */
size_t loader_scan(module_registry *reg, const char *dir, const wee_host_api *api);
/* Records the module files in dir without opening them; loader_find opens <name>.so|.dll when a
 * config first asks for <name>, and every remaining file when no file is named so. The running host
 * uses this so modules its config never names (and what they link, e.g. libcurl) cost nothing. */
size_t loader_defer_dir(module_registry *reg, const char *dir, const wee_host_api *api);
/* Loads one file; on refusal returns a negative WEE_E* code and writes the reason to err. */
int loader_load_file(module_registry *reg, const char *path, const wee_host_api *api, char *err, size_t err_size);
/* Finds a module by name. One that loader_unload_unused closed is opened and initialised again first
 * (so a reloaded config may use it); NULL if that fails (logged). */
const loaded_module *loader_find(const module_registry *reg, const char *name);
/* Is there a module named name: opened (or closed again), or a file <name>.so|.dll not opened yet?
 * Opens nothing (loader_find opens every deferred file when a name matches none). */
int loader_has_module(const module_registry *reg, const char *name);
/* Closes the libraries of every module whose name is not in `keep` (a running config does not need
 * them: some pull in large libraries such as libcurl) and that nothing uses any more: an older rule
 * set still held by a running action or by the event tester keeps its modules open. Their entries keep
 * path, name and kind. */
void loader_unload_unused(module_registry *reg, const char *const *keep, size_t keep_count);
void loader_unload_all(module_registry *reg);
/* A source or action instance of m was created (hold) or destroyed (release); any thread. */
void loader_module_hold(const loaded_module *m);
void loader_module_release(const loaded_module *m);
/* The option table of a module's action: a SOURCE|ACTION module (ABI 1.2) keeps it in action_options. */
const wee_option_spec *loader_action_options(const wee_module_desc *d);
/* "source", "action" or "source+action". */
const char *loader_kind_name(wee_module_kind kind);
/* Default module folder: "<exe dir>/modules". */
int loader_default_dir(char *buf, size_t size);
#endif
