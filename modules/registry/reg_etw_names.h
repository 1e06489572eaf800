/*
 * modules/registry/reg_etw_names.h - from Kernel-Registry events to the keys the source watches,
 * and to the process that wrote them. Portable (tests/unit/test_registry_etw.c runs it everywhere).
 *
 * Key names. A SetValueKey / DeleteValueKey / DeleteKey event names its key by KeyObject, the
 * address of the kernel's key control block (KCB), which is what every handle to that key points to.
 * CreateKey / OpenKey say which name a KeyObject has: RelativeName, relative to BaseObject (a key
 * object seen before) or BaseName, or absolute ("\REGISTRY\MACHINE\..."). reg_key_names remembers
 * KeyObject -> full NT name from those events, at most `max` objects (the oldest learned is evicted
 * first; CloseKey for the object forgets it), and resolves the later events with it, or with the
 * event's own KeyName when that is absolute (a key opened before the session started). A name that
 * cannot be made absolute is not guessed: the change then carries no writer.
 *
 * Writers. reg_write_log keeps the last REG_WRITE_LOG_MAX successful writes under watched keys (kind,
 * NT key name, value name, pid, process, exe) so the snapshot diff, which knows what changed, can
 * ask which process did it (reg_write_log_take).
 */
#ifndef WEE_REG_ETW_NAMES_H
#define WEE_REG_ETW_NAMES_H
#include <stddef.h>
#include <stdint.h>
#include "reg_etw_decode.h"
#include "reg_snapshot.h"

#define REG_NT_NAME_MAX (REG_ETW_NAME_MAX + 128)

typedef struct reg_key_names reg_key_names;

reg_key_names *reg_key_names_new(size_t max);
void reg_key_names_free(reg_key_names *n);
/* A successful CreateKey/OpenKey: its key's full NT name into path, remembered under KeyObject.
 * 0, or -1 when the name cannot be made absolute or was cut. */
int reg_key_names_learn(reg_key_names *n, const reg_etw_op *op, char *path, size_t size);
/* The NT name of the key a SetValueKey/DeleteValueKey/DeleteKey/CloseKey event acts on. 0 or -1. */
int reg_key_names_resolve(const reg_key_names *n, const reg_etw_op *op, char *path, size_t size);
void reg_key_names_forget(reg_key_names *n, uint64_t key_object);
size_t reg_key_names_count(const reg_key_names *n);
uint64_t reg_key_names_evicted(const reg_key_names *n);

/* The NT names of a key in the events' short form ("HKCU\Software\Foo"), for the user whose SID
 * string is user_sid: HKLM -> \REGISTRY\MACHINE, HKU -> \REGISTRY\USER, HKCU -> \REGISTRY\USER\<sid>,
 * HKCC -> \REGISTRY\MACHINE\SYSTEM\CurrentControlSet\Hardware Profiles\Current, HKCR -> both
 * \REGISTRY\MACHINE\SOFTWARE\Classes and \REGISTRY\USER\<sid>_Classes (its merged view). Returns how
 * many (0 for an unknown root, or HKCU/HKCR without a SID). */
size_t reg_short_to_nt(const char *short_path, const char *user_sid, char nt[2][REG_NT_NAME_MAX]);

/* 1 when nt is the key prefix or below it (case-insensitive, at a backslash boundary). */
int reg_nt_under(const char *nt, const char *prefix);

/* The kind of change a decoded event is, or 0 (OpenKey, CloseKey, a CreateKey that opened an
 * existing key, a failed operation). */
reg_change_kind reg_etw_change_kind(const reg_etw_op *op);

/* One decoded event through the name cache: OpenKey/CreateKey teach it, CloseKey makes it forget.
 * Returns the kind of change when the event is a successful write whose key (its full NT name, into
 * path) is one of the n prefixes or below; 0 otherwise. */
reg_change_kind reg_etw_track(reg_key_names *names, const reg_etw_op *op, char prefixes[][REG_NT_NAME_MAX],
                              size_t n, char *path, size_t size);

typedef struct reg_writer {
    int64_t pid;
    int by_engine;          /* the engine itself or a process it started */
    char process[260];      /* file name of exe */
    char exe[1024];
} reg_writer;

#define REG_WRITE_LOG_MAX 128

typedef struct reg_write_record {
    uint64_t at_ms;          /* when the write happened (the event's timestamp), plat_monotonic_ns / 1e6 */
    reg_change_kind kind;
    char key[REG_NT_NAME_MAX];
    char value[256];
    reg_writer who;
    int used;
} reg_write_record;

typedef struct reg_write_log {
    reg_write_record *rec;   /* REG_WRITE_LOG_MAX, a ring */
    size_t next, count;
} reg_write_log;

int reg_write_log_init(reg_write_log *log);
void reg_write_log_free(reg_write_log *log);
void reg_write_log_add(reg_write_log *log, uint64_t at_ms, reg_change_kind kind, const char *nt_key,
                       const char *value, const reg_writer *who);
/* The newest unused record of kind for one of the n NT key names (and value, for value changes),
 * written at since_ms or later: copies its writer into who, marks it used, returns 1; else 0.
 * since_ms is when the diff's previous snapshot began: an older write is already in that snapshot,
 * so it cannot be the writer of a change found now (only a later write of the same value can). */
int reg_write_log_take(reg_write_log *log, uint64_t since_ms, reg_change_kind kind, char nt[][REG_NT_NAME_MAX],
                       size_t n, const char *value, reg_writer *who);

#endif
