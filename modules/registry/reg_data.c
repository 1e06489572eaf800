/*
 * modules/registry/reg_data.c - type names and the bounded text form of registry value data.
 */
#include "reg_data.h"
#include "util/utf8_cut.h"
#include <stdio.h>
#include <string.h>

static const char *const type_names[] = {
    "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN", "REG_LINK",
    "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTOR", "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD"
};

const char *reg_type_name(uint32_t type, char *buf, size_t buf_size)
{
    if (type < sizeof type_names / sizeof type_names[0]) return type_names[type];
    snprintf(buf, buf_size, "REG_TYPE_%lu", (unsigned long)type);
    return buf;
}

/* Appends bytes to out, stopping at REG_DATA_TEXT_MAX; returns 0 when everything fit. */
typedef struct text { char *out; size_t n; int full; } text;

static void put(text *t, const char *s, size_t len)
{
    if (t->full || len == 0) return; /* len 0 may come with s NULL (no data): memcpy must not see it */
    if (t->n + len > REG_DATA_TEXT_MAX) {
        size_t room = REG_DATA_TEXT_MAX - t->n;
        room = utf8_whole_prefix(s, room); /* the cut text stays valid UTF-8 */
        memcpy(t->out + t->n, s, room);
        t->n += room;
        t->full = 1;
        return;
    }
    memcpy(t->out + t->n, s, len);
    t->n += len;
}

static void format_hex(text *t, const unsigned char *d, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < size && !t->full; i++) {
        char pair[2] = { digits[d[i] >> 4], digits[d[i] & 15] };
        put(t, pair, 2);
    }
}

/* Strings of REG_MULTI_SZ end with NUL each, the list with one more (often missing in practice). */
static void format_multi(text *t, const unsigned char *d, size_t size)
{
    size_t i = 0;
    int first = 1;
    while (i < size && d[i] != '\0') {
        size_t len = 0;
        while (i + len < size && d[i + len] != '\0') len++;
        if (!first) put(t, "\n", 1);
        put(t, (const char *)d + i, len);
        first = 0;
        i += len + 1;
    }
}

void reg_data_format(uint32_t type, const unsigned char *data, size_t size, int cut, char *out)
{
    text t = { out, 0, 0 };
    char num[32];
    if (!data) size = 0;
    switch (type) {
    case REGT_SZ:
    case REGT_EXPAND_SZ: {
        size_t len = 0;
        while (len < size && data[len] != '\0') len++;
        put(&t, (const char *)data, len);
        break;
    }
    case REGT_MULTI_SZ:
        format_multi(&t, data, size);
        break;
    case REGT_DWORD:
    case REGT_DWORD_BIG_ENDIAN:
        if (size == 4 && !cut) {
            uint32_t v = type == REGT_DWORD
                ? (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24
                : (uint32_t)data[3] | (uint32_t)data[2] << 8 | (uint32_t)data[1] << 16 | (uint32_t)data[0] << 24;
            put(&t, num, (size_t)snprintf(num, sizeof num, "%lu", (unsigned long)v));
        } else {
            format_hex(&t, data, size);
        }
        break;
    case REGT_QWORD:
        if (size == 8 && !cut) {
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--) v = v << 8 | data[i];
            put(&t, num, (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)v));
        } else {
            format_hex(&t, data, size);
        }
        break;
    default:
        format_hex(&t, data, size);
        break;
    }
    if (t.full || cut) { memcpy(out + t.n, "...", 3); t.n += 3; }
    out[t.n] = '\0';
}
