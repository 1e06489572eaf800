/*
 * modules/registry/reg_path.h - registry key paths as written in configs and as emitted in events.
 * Portable (no <windows.h>): the Windows backend maps reg_root to an HKEY.
 * Accepted roots, case-insensitive: HKCU / HKEY_CURRENT_USER, HKLM / HKEY_LOCAL_MACHINE,
 * HKU / HKEY_USERS, HKCR / HKEY_CLASSES_ROOT, HKCC / HKEY_CURRENT_CONFIG. Events always carry the
 * short form ("HKCU\Software\Foo") so one rule pattern matches whatever form the config used.
 */
#ifndef WEE_REG_PATH_H
#define WEE_REG_PATH_H
#include <stddef.h>

typedef enum reg_root {
    REG_ROOT_HKCU = 0,
    REG_ROOT_HKLM,
    REG_ROOT_HKU,
    REG_ROOT_HKCR,
    REG_ROOT_HKCC,
    REG_ROOT_COUNT
} reg_root;

/* Short name of a root: "HKCU". */
const char *reg_root_short(reg_root r);

/* Parses a configured key. On success fills *root and writes the short normalized form
 * ("HKCU\Software\Foo": short root, no doubled or trailing backslashes) into out and returns 0.
 * The part below the root starts at out + strlen(reg_root_short(*root)) + 1 (or is empty).
 * On failure returns -1 and writes one line into err saying what is wrong and listing the valid
 * roots; `where` names the entry ("keys[2]"). */
int reg_path_parse(const char *in, const char *where, reg_root *root, char *out, size_t out_size,
                   char *err, size_t err_size);

/* The field normaliser of "key" (wee_field_normalise_fn): a rule's literal with a long root spelled
 * in any case ("hkey_current_user\\Software\\**") written with the short root events carry
 * ("HKCU\\Software\\**"); anything else copied as is. snprintf-like: returns the result's length. */
size_t reg_path_short_root(const char *text, char *out, size_t out_size);

/* The subkey part of a normalized path (after "HKCU\"), "" for a bare root. */
const char *reg_path_subkey(const char *normalized);
#endif
