/*
 * wee/abi.h - ABI version, export macro and struct-size conventions.
 *
 * Ownership: nothing here allocates.
 *
 * Rules every cross-boundary struct follows:
 *  - it starts with `uint32_t struct_size`, set by whoever creates it (sizeof at *their* build time);
 *  - it only grows at the end; the reader copies min(struct_size, sizeof known) into a zeroed struct,
 *    so a field the other side does not know reads as 0 / NULL;
 *  - a function pointer that is NULL means "not provided": test before calling.
 *
 * Versioning: a module records WEE_ABI_VERSION in its descriptor. The host refuses a module whose
 * major differs from its own or whose minor is newer than its own, and names both versions.
 */
#ifndef WEE_ABI_H
#define WEE_ABI_H

#include <stddef.h>
#include <stdint.h>

#define WEE_ABI_MAJOR 1
#define WEE_ABI_MINOR 3  /* 1.1: host->net_check, wee_module_desc.flags; 1.2: see module.h "ABI 1.2";
                           1.3: wee_module_desc.fields (fields.h), host.h "ABI 1.3" */
#define WEE_ABI_MAKE(major, minor) ((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xffffu)))
#define WEE_ABI_VERSION WEE_ABI_MAKE(WEE_ABI_MAJOR, WEE_ABI_MINOR)
#define WEE_ABI_MAJOR_OF(v) ((unsigned)((uint32_t)(v) >> 16))
#define WEE_ABI_MINOR_OF(v) ((unsigned)((uint32_t)(v) & 0xffffu))

#if defined(_WIN32)
#define WEE_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define WEE_EXPORT __attribute__((visibility("default")))
#else
#define WEE_EXPORT
#endif

#ifdef __cplusplus
#define WEE_EXTERN_C extern "C"
#else
#define WEE_EXTERN_C
#endif

/* The one symbol a module exports. */
#define WEE_ENTRY_SYMBOL "wee_module_entry"

#endif
