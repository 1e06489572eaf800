/*
 * Deliberately broken modules for the loader's refusal tests. One source file, compiled several times
 * with a different BROKEN_* definition each time; BROKEN_NONE gives a well-formed module.
 */
#include <stddef.h>
#include "wee/wee.h"

static int create(const wee_host_api *h, const wee_options *o, void **inst, char *err, size_t n)
{
    (void)h; (void)o; (void)err; (void)n;
    *inst = NULL;
    return 0;
}
static int run(void *inst, wee_action_call *call) { (void)inst; (void)call; return 0; }
static void destroy(void *inst) { (void)inst; }

#if defined(BROKEN_INIT_FAIL)
static int init_fails(const wee_host_api *h, char *err, size_t n)
{
    (void)h;
    const char *msg = "refusing on purpose (test module)";
    size_t i = 0;
    for (; msg[i] && i + 1 < n; i++) err[i] = msg[i];
    if (n) err[i] = '\0';
    return WEE_EFAILED;
}
#endif

static wee_module_desc desc = { /* unused in the NO_ENTRY variant */
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = BROKEN_NAME,
    .version = "0.0.1",
    .description = "loader test module",
    .kind = WEE_MODULE_ACTION,
    .action_create = create,
    .action_run = run,
    .action_destroy = destroy,
#if defined(BROKEN_INIT_FAIL)
    .module_init = init_fails,
#endif
};

#if !defined(BROKEN_NO_ENTRY)
WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void)
{
#if defined(BROKEN_MAJOR)
    desc.abi_version = WEE_ABI_MAKE(WEE_ABI_MAJOR + 1, 0);
#elif defined(BROKEN_MINOR)
    desc.abi_version = WEE_ABI_MAKE(WEE_ABI_MAJOR, WEE_ABI_MINOR + 1);
#elif defined(BROKEN_SMALL)
    desc.struct_size = 16;
#elif defined(BROKEN_NULL)
    return NULL;
#endif
    return &desc;
}
#else
WEE_EXTERN_C WEE_EXPORT int wee_module_entry_misspelt(void) { return desc.struct_size > 0; }
#endif
