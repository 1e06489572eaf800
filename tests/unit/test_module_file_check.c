/*
 * A half-copied module file is refused with a message, never mapped (issue 11 item 3): truncated copies
 * of the real `log` module file at several lengths go through the real loader, at first load and when a
 * reload opens an unloaded module again. Before the check, dlopen of such a copy died with SIGBUS (the
 * crash handler fails the test). Whole copies still load, and the header checks are also driven on
 * bytes in memory (the other platform's format too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "host_api.h"
#include "loader.h"
#include "module_file_check.h"
#include "platform/platform.h"
#include "wee/errors.h"

static char *g_dir;
static char *g_image;
static size_t g_len;

static char *module_path(const char *name)
{
    char exe[1024], path[1400];
    plat_exe_dir(exe, sizeof exe);
    snprintf(path, sizeof path, "%s%s..%smodules%s%s%s", exe, plat_path_sep(), plat_path_sep(), plat_path_sep(),
             name, plat_dl_suffix());
    return strdup(path);
}

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    (void)state;
    char *p = module_path("log");
    if (plat_read_file(p, &g_image, &g_len) != 0) fail_msg("the log module must be built: %s", p);
    free(p);
    g_dir = test_make_temp_dir("modcheck");
    return g_dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    test_remove_tree(g_dir);
    free(g_dir);
    free(g_image);
    return 0;
}

static char *copy_as(const char *name, size_t len)
{
    char file[64];
    snprintf(file, sizeof file, "%s%s", name, plat_dl_suffix());
    char *path = test_path_join(g_dir, file);
    write_bytes(path, g_image, len);
    return path;
}

static void truncated_copies_are_refused_at_load(void **state)
{
    (void)state;
    /* Cuts inside the headers, inside the code, and one byte short of the end. */
    size_t cuts[] = { 0, 40, 300, g_len / 4, g_len / 2, g_len - 4096, g_len - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "cut%zu", i);
        char *path = copy_as(name, cuts[i]);
        module_registry reg;
        memset(&reg, 0, sizeof reg);
        char err[512] = "";
        int rc = loader_load_file(&reg, path, host_api_get(), err, sizeof err);
        if (rc == 0) fail_msg("a copy cut at %zu of %zu bytes was loaded", cuts[i], g_len);
        if (!strstr(err, "incomplete") && !strstr(err, "too short"))
            fail_msg("cut at %zu: unexpected message: %s", cuts[i], err);
        assert_non_null(strstr(err, "rename it into the modules folder"));
        assert_int_equal(reg.count, 0);
        loader_unload_all(&reg);
        free(path);
    }
    /* The whole file is fine. */
    char *path = copy_as("whole", g_len);
    module_registry reg;
    memset(&reg, 0, sizeof reg);
    char err[512] = "";
    assert_int_equal(loader_load_file(&reg, path, host_api_get(), err, sizeof err), 0);
    loader_unload_all(&reg);
    free(path);
}

static void reload_reopen_refuses_truncated_file(void **state)
{
    (void)state;
    char *path = copy_as("log", g_len);
    module_registry reg;
    memset(&reg, 0, sizeof reg);
    reg.api = host_api_get();
    char err[512] = "";
    assert_int_equal(loader_load_file(&reg, path, reg.api, err, sizeof err), 0);
    /* The running config stops using it; a new version is being copied over it when a reload asks. */
    loader_unload_unused(&reg, NULL, 0);
    write_bytes(path, g_image, g_len / 2);
    assert_null(loader_find(&reg, "log"));
    /* Once the copy is complete the next reload gets it. */
    write_bytes(path, g_image, g_len);
    const loaded_module *m = loader_find(&reg, "log");
    assert_non_null(m);
    assert_non_null(m->lib);
    loader_unload_all(&reg);
    free(path);
}

/* Both formats on every platform: the checks are plain byte arithmetic. */
static void image_headers_checked_in_memory(void **state)
{
    (void)state;
    char err[256];
    int elf_here = !(g_len >= 2 && g_image[0] == 'M' && g_image[1] == 'Z');
    const unsigned char *img = (const unsigned char *)g_image;
    assert_int_equal(module_image_check(img, g_len, elf_here, err, sizeof err), 0);
    assert_int_not_equal(module_image_check(img, g_len, !elf_here, err, sizeof err), 0);
    assert_non_null(strstr(err, elf_here ? "not a Windows DLL" : "not an ELF"));
    assert_int_not_equal(module_image_check(NULL, 0, 1, err, sizeof err), 0);
    assert_int_not_equal(module_image_check(NULL, 0, 0, err, sizeof err), 0);
    /* Every prefix of the header area is refused, none crashes (ASan watches the reads). */
    for (size_t n = 0; n < 4096 && n < g_len; n++) {
        unsigned char *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, img, n);
        assert_int_not_equal(module_image_check(cut, n, elf_here, err, sizeof err), 0);
        free(cut);
    }
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truncated_copies_are_refused_at_load),
        cmocka_unit_test(reload_reopen_refuses_truncated_file),
        cmocka_unit_test(image_headers_checked_in_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
