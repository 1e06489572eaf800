/* packaging/linux/wee.service: the keys the .deb layout and the host rely on are there, the hardening
 * leaves file watching alone, `systemd-analyze verify` accepts it without a warning (when installed),
 * and its ExecStart command line, pointed at this build, runs the host on the shipped
 * /etc/wee/config.json (packaging/linux/config.json). Linux only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt_support.h"

#define UNIT WEE_SOURCE_DIR "/packaging/linux/wee.service"
#define SHIPPED_CONFIG WEE_SOURCE_DIR "/packaging/linux/config.json"

/* The value of `key` in [section] (first occurrence), or NULL; malloc'd. */
static char *unit_value(const char *text, const char *section, const char *key)
{
    char header[64];
    snprintf(header, sizeof header, "[%s]", section);
    const char *s = strstr(text, header);
    if (!s) return NULL;
    const char *end = strstr(s + 1, "\n[");
    size_t klen = strlen(key);
    for (const char *line = strchr(s, '\n'); line && (!end || line < end); line = strchr(line + 1, '\n')) {
        const char *l = line + 1;
        if (strncmp(l, key, klen) == 0 && l[klen] == '=') {
            const char *v = l + klen + 1, *eol = strchr(v, '\n');
            size_t n = eol ? (size_t)(eol - v) : strlen(v);
            char *out = malloc(n + 1);
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
    }
    return NULL;
}

static void expect(const char *text, const char *section, const char *key, const char *want)
{
    char *v = unit_value(text, section, key);
    if (!v || strcmp(v, want) != 0) fprintf(stderr, "[%s] %s: want \"%s\", got \"%s\"\n", section, key, want, v ? v : "(missing)");
    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
}

static void test_unit_keys(void **state)
{
    (void)state;
    char *text = test_read_file(UNIT);
    assert_non_null(text);
    char *desc = unit_value(text, "Unit", "Description");
    assert_non_null(desc);
    free(desc);
    expect(text, "Service", "Type", "simple");
    /* the .deb installs /usr/bin/wee-host -> ../lib/wee/host and /etc/wee/config.json */
    expect(text, "Service", "ExecStart", "/usr/bin/wee-host --config /etc/wee/config.json");
    expect(text, "Service", "ExecReload", "/bin/kill -HUP $MAINPID");
    expect(text, "Service", "Restart", "on-failure");
    expect(text, "Install", "WantedBy", "multi-user.target");
    /* hardening that would hide or freeze the folders rules watch is absent */
    static const char *const forbidden[] = { "\nProtectHome=", "\nPrivateTmp=yes", "\nProtectSystem=strict",
                                              "\nInaccessiblePaths=", NULL };
    for (int i = 0; forbidden[i]; i++) assert_null(strstr(text, forbidden[i]));
    /* the process source's netlink connector must stay reachable */
    char *families = unit_value(text, "Service", "RestrictAddressFamilies");
    if (families) assert_non_null(strstr(families, "AF_NETLINK"));
    free(families);
    free(text);
}

/* ExecStart with this build's host in place of /usr/bin/wee-host and the shipped config in place of
 * /etc/wee/config.json: the host accepts the exact arguments and the config. */
static void test_exec_start_runs_the_shipped_config(void **state)
{
    (void)state;
    rt_paths p;
    rt_paths_init(&p);
    char *text = test_read_file(UNIT);
    char *exec = unit_value(text, "Service", "ExecStart");
    assert_non_null(exec);
    /* "/usr/bin/wee-host --config /etc/wee/config.json" -> argv, substituting the two paths */
    const char *argv[16];
    int argc = 0;
    for (char *tok = strtok(exec, " "); tok && argc < 12; tok = strtok(NULL, " ")) {
        if (strcmp(tok, "/usr/bin/wee-host") == 0) argv[argc++] = p.host;
        else if (strcmp(tok, "/etc/wee/config.json") == 0) argv[argc++] = SHIPPED_CONFIG;
        else argv[argc++] = tok;
    }
    char *dir = test_make_temp_dir("rt_unit");
    char *sock = test_path_join(dir, "control.sock");
    argv[argc++] = "--modules"; argv[argc++] = p.modules;
    argv[argc++] = "--control"; argv[argc++] = sock;  /* not the per-user default another host may own */
    argv[argc++] = "--duration"; argv[argc++] = "1000";
    argv[argc] = NULL;
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 60000;
    spec.stdout_max = spec.stderr_max = 1 << 16;
    spec.capture_stderr = 1;
    plat_process_result res;
    memset(&res, 0, sizeof res);
    assert_int_equal(plat_process_run(&spec, &res), 0);
    if (res.exit_code != 0) fprintf(stderr, "%s\n", res.err ? res.err : "");
    assert_int_equal(res.exit_code, 0);
    assert_non_null(res.err);
    assert_non_null(strstr(res.err, "WinEventEngine is running")); /* the shipped rule ran */
    assert_non_null(strstr(res.err, "[host] stopping"));
    plat_process_result_free(&res);
    test_remove_tree(dir);
    free(sock); free(dir); free(exec); free(text);
}

/* systemd's own parser: exit 0 and not one warning (an unknown or misspelt key only warns). */
static void test_systemd_analyze_verify(void **state)
{
    (void)state;
    if (!plat_path_exists("/usr/bin/systemd-analyze") && !plat_path_exists("/bin/systemd-analyze")) {
        printf("systemd-analyze not installed: only the key checks ran\n");
        skip();
    }
    rt_paths p;
    rt_paths_init(&p);
    char *text = test_read_file(UNIT);
    char *dir = test_make_temp_dir("rt_unit_verify");
    char *unit = test_path_join(dir, "wee.service");
    /* verify checks that ExecStart's program exists: point it at this build's host */
    const char *needle = "/usr/bin/wee-host";
    size_t extra = 8 * strlen(p.host);
    char *out = malloc(strlen(text) + extra + 1), *o = out;
    for (const char *s = text; *s;) {
        if (strncmp(s, needle, strlen(needle)) == 0) { o += sprintf(o, "%s", p.host); s += strlen(needle); }
        else *o++ = *s++;
    }
    *o = '\0';
    assert_int_equal(test_write_file(unit, out), 0);
    const char *argv[] = { "systemd-analyze", "verify", unit, NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.timeout_ms = 60000;
    spec.stdout_max = spec.stderr_max = 1 << 16;
    spec.capture_stderr = 1;
    plat_process_result res;
    memset(&res, 0, sizeof res);
    assert_int_equal(plat_process_run(&spec, &res), 0);
    const char *said = res.err ? res.err : "";
    if (res.exit_code != 0 || strstr(said, "wee.service")) fprintf(stderr, "systemd-analyze said:\n%s\n", said);
    assert_int_equal(res.exit_code, 0);
    assert_null(strstr(said, "wee.service")); /* every complaint names the unit */
    plat_process_result_free(&res);
    test_remove_tree(dir);
    free(unit); free(dir); free(out); free(text);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_keys),
        cmocka_unit_test(test_exec_start_runs_the_shipped_config),
        cmocka_unit_test(test_systemd_analyze_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
