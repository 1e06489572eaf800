/*
 * fuzz_reg_data - registry value data as the registry source turns it into event text
 * (modules/registry/reg_data.c), and configured key paths (reg_path.c). Value data is written by
 * whoever may write the watched key: hostile.
 * Input: type selector, flags, path text, a NUL, then the value data.
 * Invariants: the text fits REG_DATA_TEXT_BUF; it ends in "..." exactly when cut or too long; valid
 * UTF-8 string data gives valid UTF-8 text even when cut; a parsed key path starts with its short root
 * and has no doubled or trailing backslash.
 */
#include <string.h>
#include "fuzz_input.h"
#include "reg_data.h"
#include "reg_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    uint8_t sel = fuzz_byte(&in);
    uint32_t type = sel < 240 ? sel % 12 : (uint32_t)fuzz_u64(&in);
    int cut = fuzz_byte(&in) & 1;
    char *key = fuzz_until_nul(&in);
    size_t n = in.n;
    unsigned char *value = malloc(n ? n : 1);
    if (!value) abort();
    memcpy(value, in.p, n);

    char name_buf[32];
    const char *name = reg_type_name(type, name_buf, sizeof name_buf);
    FUZZ_CHECK(name && strncmp(name, "REG_", 4) == 0, "type name \"%s\"", name ? name : "(null)");

    char out[REG_DATA_TEXT_BUF + 16];
    memset(out, 'x', sizeof out);
    reg_data_format(type, n ? value : NULL, n, cut, out);
    size_t len = strnlen(out, sizeof out);
    FUZZ_CHECK(len < REG_DATA_TEXT_BUF, "text of %zu bytes", len);
    int dots = len >= 3 && memcmp(out + len - 3, "...", 3) == 0;
    if (cut) FUZZ_CHECK(dots, "cut value without \"...\"");
    if (type == REGT_SZ || type == REGT_EXPAND_SZ || type == REGT_MULTI_SZ) {
        /* The source hands over UTF-8; if it is valid, the text must stay valid when cut. */
        char *z = malloc(n + 1);
        if (!z) abort();
        memcpy(z, value, n);
        z[n] = '\0';
        if (type == REGT_MULTI_SZ)   /* every string of the list counts */
            for (size_t i = 0; i < n; i++)
                if (!z[i]) z[i] = '\n';
        if (fuzz_utf8_valid(z)) FUZZ_CHECK(fuzz_utf8_valid(out), "valid UTF-8 data gave invalid text");
        free(z);
    }

    reg_root root;
    char norm[512], err[512] = "";
    if (reg_path_parse(key, "keys[0]", &root, norm, sizeof norm, err, sizeof err) == 0) {
        const char *short_root = reg_root_short(root);
        size_t rl = strlen(short_root), nl = strlen(norm);
        FUZZ_CHECK(strncmp(norm, short_root, rl) == 0 && (norm[rl] == '\0' || norm[rl] == '\\'),
                   "\"%s\" does not start with %s", norm, short_root);
        FUZZ_CHECK(!strstr(norm, "\\\\") && norm[nl - 1] != '\\', "\"%s\" not normalized", norm);
        const char *sub = reg_path_subkey(norm);
        FUZZ_CHECK(!*sub || (sub > norm + rl && sub <= norm + nl), "subkey outside the path");
    } else {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
    }
    free(key);
    free(value);
    return 0;
}
