/*
 * modules/registry/reg_data.h - registry value types and the text form of value data in events.
 * Portable: the Windows backend hands over string data already converted to UTF-8 (REG_MULTI_SZ as
 * NUL-separated UTF-8 strings), everything else as the raw bytes.
 *
 * Text form (the event's `data` field), at most REG_DATA_TEXT_MAX bytes before the "..." marker:
 *  - REG_SZ, REG_EXPAND_SZ: the string as stored (environment variables are not expanded);
 *  - REG_MULTI_SZ: the strings joined with "\n" (one per line);
 *  - REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_QWORD: unsigned decimal;
 *  - everything else (REG_BINARY, REG_NONE, resource lists, REG_LINK) and a DWORD/QWORD of the wrong
 *    size: lowercase hex, two digits per byte, no separators.
 * Text that does not fit is cut (on a UTF-8 character boundary) and ends with "...".
 */
#ifndef WEE_REG_DATA_H
#define WEE_REG_DATA_H
#include <stddef.h>
#include <stdint.h>

/* The Win32 REG_* values, under our own names so this header needs no <windows.h>. */
enum {
    REGT_NONE = 0, REGT_SZ = 1, REGT_EXPAND_SZ = 2, REGT_BINARY = 3, REGT_DWORD = 4,
    REGT_DWORD_BIG_ENDIAN = 5, REGT_LINK = 6, REGT_MULTI_SZ = 7, REGT_RESOURCE_LIST = 8,
    REGT_FULL_RESOURCE_DESCRIPTOR = 9, REGT_RESOURCE_REQUIREMENTS_LIST = 10, REGT_QWORD = 11
};

#define REG_DATA_TEXT_MAX 1024
/* Buffer size that always holds a formatted value: the text, "..." and the NUL. */
#define REG_DATA_TEXT_BUF (REG_DATA_TEXT_MAX + 4)

/* "REG_SZ", ...; an unknown type number gives "REG_TYPE_<n>" written into buf (>= 32 bytes). */
const char *reg_type_name(uint32_t type, char *buf, size_t buf_size);

/* Writes the text form of data into out (REG_DATA_TEXT_BUF bytes). `cut` non-zero: data is only the
 * first part of a longer value, so the text ends with "..." even when it fits. */
void reg_data_format(uint32_t type, const unsigned char *data, size_t size, int cut, char *out);
#endif
