#include "platform/platform.h"
#include <dlfcn.h>
#include <stdio.h>

const char *plat_dl_suffix(void) { return ".so"; }

void *plat_dl_open(const char *path, char *err, size_t err_size)
{
    /* NOW: a missing symbol fails here with a message, not later mid-event. LOCAL: modules cannot
     * collide with each other's symbols. */
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib && err && err_size) {
        const char *why = dlerror();
        snprintf(err, err_size, "%s", why ? why : "dlopen failed");
    } else if (err && err_size) {
        err[0] = '\0';
    }
    return lib;
}

void *plat_dl_sym(void *lib, const char *name) { return lib ? dlsym(lib, name) : NULL; }

void plat_dl_close(void *lib)
{
    if (lib) dlclose(lib);
}
