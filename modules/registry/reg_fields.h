/*
 * modules/registry/reg_fields.h - the fields of registry events and their traits (ABI 1.3). Portable,
 * so tests of rule matching on every OS use the module's own declaration and key normaliser.
 */
#ifndef WEE_REG_FIELDS_H
#define WEE_REG_FIELDS_H
#include "wee/fields.h"

extern const wee_field_spec reg_event_fields[];
#endif
