/*
 * modules/registry/reg_etw_decode.c - hand decoding of Kernel-Registry events.
 *
 * Layouts: the provider's manifest (Microsoft-Windows-Kernel-Registry, task_0 templates), as dumped
 * per event by OTRF/OSSEM (data_dictionaries/windows/etw-providers/Microsoft-Windows-Kernel-Registry/
 * events/event-1.md, -2, -3, -5, -6, all "Version: 0") and quoted as manifest XML
 * (task_0CreateKeyArgs, task_0DeleteKeyArgs, task_0SetValueKeyArgs) in the DataDog agent's Windows
 * probe (pkg/security/probe, which also decodes CloseKey, id 13, with the DeleteKey template).
 * Version 0 is the only version those dumps list for these events; a higher version is read with
 * the version 0 layout, as manifests only append fields to a template (the same rule as
 * modules/process/process_etw_decode.c), and every read is bounded by the payload size.
 * Packed, little-endian; win:Pointer is 4 or 8 bytes (the event header's 32/64-bit flag);
 * win:UnicodeString is NUL-terminated UTF-16LE.
 *
 *   1 CreateKey, 2 OpenKey (task_0CreateKeyArgs):
 *       BaseObject ptr, KeyObject ptr, Status u32, Disposition u32, BaseName str, RelativeName str
 *   3 DeleteKey, 13 CloseKey (task_0DeleteKeyArgs):
 *       KeyObject ptr, Status u32, KeyName str
 *   5 SetValueKey (task_0SetValueKeyArgs):
 *       KeyObject ptr, Status u32, Type u32, DataSize u32, KeyName str, ValueName str,
 *       CapturedDataSize u16, CapturedData[CapturedDataSize], PreviousDataType u32,
 *       PreviousDataSize u32, PreviousDataCapturedSize u16, PreviousData[...]
 *       (only the fields up to ValueName are used: the value's data is read from the registry by the
 *       snapshot diff, which knows all of it, not the first bytes ETW captured)
 *   6 DeleteValueKey (task_0DeleteValueKeyArgs):
 *       KeyObject ptr, Status u32, KeyName str, ValueName str
 */
#include "reg_etw_decode.h"
#include <string.h>
#include "etw_text.h"

typedef struct reader { const uint8_t *p; size_t size, at; int bad; } reader;

static uint64_t rd_ptr(reader *r, unsigned ptr_size)
{
    if (r->bad || r->size - r->at < ptr_size) { r->bad = 1; return 0; }
    uint64_t v = ptr_size == 8 ? etw_rd64(r->p + r->at) : etw_rd32(r->p + r->at);
    r->at += ptr_size;
    return v;
}

static uint32_t rd_u32(reader *r)
{
    if (r->bad || r->size - r->at < 4) { r->bad = 1; return 0; }
    uint32_t v = etw_rd32(r->p + r->at);
    r->at += 4;
    return v;
}

/* UTF-8 bytes the UTF-16LE text of n bytes needs (an unpaired surrogate becomes U+FFFD: 3 bytes). */
static size_t utf8_length(const uint8_t *p, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned u = etw_rd16(p + i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n && etw_rd16(p + i + 2) >= 0xDC00 && etw_rd16(p + i + 2) <= 0xDFFF) {
            len += 4;
            i += 2;
        } else {
            len += u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
        }
    }
    return len;
}

/* A NUL-terminated UTF-16LE string; a missing terminator inside the payload is malformed. */
static void rd_str(reader *r, char *out, size_t out_size, int *cut)
{
    out[0] = '\0';
    if (r->bad) return;
    size_t left = r->size - r->at, end = 0;
    while (end + 1 < left && (r->p[r->at + end] | r->p[r->at + end + 1])) end += 2;
    if (end + 1 >= left) { r->bad = 1; return; }
    etw_utf16le_to_utf8(r->p + r->at, end + 2, out, out_size);
    if (utf8_length(r->p + r->at, end) >= out_size) *cut = 1;
    r->at += end + 2;
}

int reg_etw_decode(unsigned id, unsigned version, unsigned ptr_size, const void *data, size_t size, reg_etw_op *out)
{
    (void)version;   /* see the top of this file: every known version shares the version 0 prefix */
    reader r = { data, size, 0, 0 };
    memset(out, 0, sizeof *out);
    out->id = id;
    if (ptr_size != 4 && ptr_size != 8) return -1;
    switch (id) {
    case REG_ETW_CREATE_KEY:
    case REG_ETW_OPEN_KEY:
        out->base_object = rd_ptr(&r, ptr_size);
        out->key_object = rd_ptr(&r, ptr_size);
        out->status = rd_u32(&r);
        out->disposition = rd_u32(&r);
        rd_str(&r, out->base_name, sizeof out->base_name, &out->cut);
        rd_str(&r, out->key_name, sizeof out->key_name, &out->cut);
        break;
    case REG_ETW_DELETE_KEY:
    case REG_ETW_CLOSE_KEY:
        out->key_object = rd_ptr(&r, ptr_size);
        out->status = rd_u32(&r);
        rd_str(&r, out->key_name, sizeof out->key_name, &out->cut);
        break;
    case REG_ETW_SET_VALUE_KEY:
        out->key_object = rd_ptr(&r, ptr_size);
        out->status = rd_u32(&r);
        out->type = rd_u32(&r);
        out->data_size = rd_u32(&r);
        rd_str(&r, out->key_name, sizeof out->key_name, &out->cut);
        rd_str(&r, out->value_name, sizeof out->value_name, &out->cut);
        break;
    case REG_ETW_DELETE_VALUE_KEY:
        out->key_object = rd_ptr(&r, ptr_size);
        out->status = rd_u32(&r);
        rd_str(&r, out->key_name, sizeof out->key_name, &out->cut);
        rd_str(&r, out->value_name, sizeof out->value_name, &out->cut);
        break;
    default:
        return 1;
    }
    return r.bad ? -1 : 0;
}
