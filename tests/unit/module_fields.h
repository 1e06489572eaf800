/*
 * tests/unit/module_fields.h - the field traits of the real built-in modules, registered as the host
 * does (field_traits.h): the module files built for this platform are loaded through the loader, and the
 * registry's own table and key normaliser (modules/registry/reg_fields.c, compiled into the test: the
 * module is Windows-only) are added directly, so conditions and templates behave as in the host on
 * every OS. Include in one test file; call module_fields_load() in main before the tests and
 * module_fields_unload() after.
 */
#ifndef WEE_TEST_MODULE_FIELDS_H
#define WEE_TEST_MODULE_FIELDS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "field_traits.h"
#include "host_api.h"
#include "loader.h"
#include "platform/platform.h"
#include "reg_fields.h"

static module_registry g_module_fields_reg;

static void module_fields_load(void)
{
    /* The sources whose events the tests' field names come from; window needs X11 (xcb) on Linux. */
    static const char *const names[] = { "file", "process", "window", "timer" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[1200], err[512];
        snprintf(path, sizeof path, "%s%smodules%s%s%s", WEE_BINARY_DIR, plat_path_sep(), plat_path_sep(), names[i],
                 plat_dl_suffix());
        if (!plat_path_exists(path) && strcmp(names[i], "window") == 0) continue;
        if (loader_load_file(&g_module_fields_reg, path, host_api_get(), err, sizeof err) != 0) {
            fprintf(stderr, "cannot load %s: %s (build the module targets first)\n", path, err);
            exit(1);
        }
    }
    if (field_traits_add("registry", reg_event_fields) != 0) exit(1);
}

static void module_fields_unload(void)
{
    field_traits_remove("registry");
    loader_unload_all(&g_module_fields_reg);
}
#endif
