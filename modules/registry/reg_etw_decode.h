/*
 * modules/registry/reg_etw_decode.h - the Microsoft-Windows-Kernel-Registry
 * {70EB4F03-C1DE-4F73-A051-33D13D5413BD} events the registry source uses, decoded by hand (no TDH:
 * Wine's tdh.dll kills the process). Pure functions on bytes, unit-tested on every OS
 * (tests/unit/test_registry_etw.c). Layouts and where they come from: reg_etw_decode.c.
 */
#ifndef WEE_REG_ETW_DECODE_H
#define WEE_REG_ETW_DECODE_H
#include <stddef.h>
#include <stdint.h>

/* Event ids (task_0; the opcode has the same number). */
#define REG_ETW_CREATE_KEY 1
#define REG_ETW_OPEN_KEY 2
#define REG_ETW_DELETE_KEY 3
#define REG_ETW_SET_VALUE_KEY 5
#define REG_ETW_DELETE_VALUE_KEY 6
#define REG_ETW_CLOSE_KEY 13

/* Keywords (MatchAnyKeyword) for exactly those events. */
#define REG_ETW_KW_CLOSE_KEY 0x1ull
#define REG_ETW_KW_SET_VALUE_KEY 0x100ull
#define REG_ETW_KW_DELETE_VALUE_KEY 0x200ull
#define REG_ETW_KW_CREATE_KEY 0x1000ull
#define REG_ETW_KW_OPEN_KEY 0x2000ull
#define REG_ETW_KW_DELETE_KEY 0x4000ull
#define REG_ETW_KEYWORDS (REG_ETW_KW_CLOSE_KEY | REG_ETW_KW_SET_VALUE_KEY | REG_ETW_KW_DELETE_VALUE_KEY | \
                          REG_ETW_KW_CREATE_KEY | REG_ETW_KW_OPEN_KEY | REG_ETW_KW_DELETE_KEY)

/* CreateKey's Disposition for a key that did not exist (winnt.h REG_CREATED_NEW_KEY). */
#define REG_ETW_CREATED_NEW_KEY 1u

#define REG_ETW_NAME_MAX 2048   /* UTF-8 bytes kept of each name; longer names are cut (and flagged) */

typedef struct reg_etw_op {
    unsigned id;
    uint64_t base_object;  /* Create/Open: the key RelativeName is relative to (0: none) */
    uint64_t key_object;   /* the kernel's key object (KCB address): what later events name */
    uint32_t status;       /* NTSTATUS of the operation; 0 = success */
    uint32_t disposition;  /* CreateKey: REG_ETW_CREATED_NEW_KEY or 2 (opened an existing key) */
    uint32_t type, data_size;  /* SetValueKey: REG_* type and full size of the new data */
    char base_name[REG_ETW_NAME_MAX];  /* Create/Open: BaseName */
    char key_name[REG_ETW_NAME_MAX];   /* Create/Open: RelativeName; others: KeyName */
    char value_name[REG_ETW_NAME_MAX]; /* SetValueKey / DeleteValueKey: ValueName ("" = default) */
    int cut;               /* a name was longer than REG_ETW_NAME_MAX and was cut */
} reg_etw_op;

/* Decodes one event. ptr_size is 8 for a 64-bit event header, 4 for a 32-bit one (win:Pointer
 * fields take that size). 0 on success; 1 for an event id not listed above (not decoded); -1 when
 * the payload is shorter than the layout or a string is not NUL-terminated inside it. */
int reg_etw_decode(unsigned id, unsigned version, unsigned ptr_size, const void *data, size_t size, reg_etw_op *out);

#endif
