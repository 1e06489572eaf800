/* core/admin_paths.c - refuse a root / SYSTEM engine whose config or modules others can change. */
#include "admin_paths.h"
#include "config_include.h"
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "platform/platform.h"
#include "wee/errors.h"

typedef struct check_ctx {
    const char *dir;
    int refused, allow;
} check_ctx;

static void one(check_ctx *c, const char *path, const char *role)
{
    char why[1600] = "";
    int rc = plat_path_check_admin_only(path, why, sizeof why);
    if (rc == 0) return;
    if (c->allow) {
        log_write(WEE_LOG_WARN, "host", "%s: %s; running anyway (--allow-writable-paths)", role, why);
        return;
    }
    c->refused = 1;
    log_write(WEE_LOG_ERROR, "host", "refusing to run with administrator rights: %s: %s; only administrators may be "
              "able to change it (or pass --allow-writable-paths if this is intended)", role, why);
}

static int module_file(const char *name, int is_dir, void *ctx)
{
    check_ctx *c = ctx;
    const char *suffix = plat_dl_suffix();
    size_t n = strlen(name), k = strlen(suffix);
    if (is_dir || n <= k || strcmp(name + n - k, suffix) != 0) return 0;
    char path[2048];
    snprintf(path, sizeof path, "%s%s%s", c->dir, plat_path_sep(), name);
    one(c, path, "module file");
    return 0;
}

/* A rule file the config includes runs with the same rights as the config (a file not written yet
 * sits in a folder that is checked when it is the config's). */
static void included_file(const char *file, void *ctx)
{
    if (plat_path_exists(file)) one(ctx, file, "included rule file");
}

int admin_paths_check(const char *config_file, const char *modules_dir, int service, int allow_writable)
{
    if (!service && !plat_running_as_root()) return 0;
    check_ctx c = { modules_dir, 0, allow_writable };
    char dir[2048];
    snprintf(dir, sizeof dir, "%s", config_file);
    char *cut = strrchr(dir, '/');
#ifdef _WIN32
    char *cut2 = strrchr(dir, '\\');
    if (cut2 > cut) cut = cut2;
#endif
    if (!cut) snprintf(dir, sizeof dir, ".");
    else if (cut == dir || (cut == dir + 2 && dir[1] == ':')) cut[1] = '\0'; /* "/" or "C:\" */
    else *cut = '\0';
    one(&c, config_file, "config file");
    one(&c, dir, "config folder");
    config_include_files(config_file, included_file, &c);
    if (modules_dir) {
        one(&c, modules_dir, "modules folder");
        plat_dir_list(modules_dir, module_file, &c);
    }
    return c.refused;
}
