/* modules/registry/reg_fields.c - what registry events carry (see reg_fields.h). */
#include "reg_fields.h"
#include "reg_path.h"

/* Keys are paths with '\\' separators and, like the registry itself, ignore case; a rule may spell
 * the root long (HKEY_CURRENT_USER) although events carry the short form (reg_path.h). */
const wee_field_spec reg_event_fields[] = {
    WEE_FIELD(.name = "key", .traits = WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS, .normalise = reg_path_short_root,
              .description = "the key, short root first (HKCU\\Software\\...)"),
    WEE_FIELD(.name = "value", .description = "registry.value_*: the value's name (\"\" for the default value)"),
    WEE_FIELD(.name = "data", .description = "registry.value_set: the data as text"),
    WEE_FIELD(.name = "data_type", .description = "registry.value_set: REG_SZ, REG_DWORD, ..."),
    WEE_FIELD(.name = "pid", .alias = "PID", .description = "the writing process, when ETW named it"),
    WEE_FIELD(.name = "exe", .traits = WEE_FIELD_PATH | WEE_FIELD_CASELESS_ON_WINDOWS,
              .description = "the writing program's full path, when known"),
    WEE_FIELD(.name = "process", .traits = WEE_FIELD_CASELESS_ON_WINDOWS, .alias = "PROCESS_NAME",
              .description = "the writing program's name, when known"),
    WEE_FIELD_END
};
