/*
 * registry source, ETW mode, portable part (runs natively and under Wine): the hand decoder of the
 * Microsoft-Windows-Kernel-Registry events the source uses, on payloads built byte by byte from the
 * manifest layouts cited in modules/registry/reg_etw_decode.c (CreateKey, OpenKey, DeleteKey,
 * SetValueKey, DeleteValueKey, CloseKey; version 0, a later version with appended fields, 32- and
 * 64-bit pointers, every truncation, a missing terminator, over-long names); the bounded key object
 * -> name cache; the short-name -> NT-name mapping of watched keys; and the log of recent writers.
 * On Windows (Wine in CI) also the session callback's own path, reg_etw_feed, on hand-built
 * EVENT_RECORDs (64- and 32-bit headers, another provider): the writer found is this very process,
 * with its exe, marked as the engine's own write. Only the ETW session itself (StartTraceW ...
 * ProcessTrace) is not run: Wine refuses it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "reg_etw_decode.h"
#include "reg_etw_names.h"
#ifdef _WIN32
#include <windows.h>
#include <evntcons.h>
#include <sddl.h>
#include "platform/platform.h"
#include "registry_etw.h"
#endif

typedef struct payload { unsigned char b[16384]; size_t n; } payload;

static void put_bytes(payload *p, const void *data, size_t n) { memcpy(p->b + p->n, data, n); p->n += n; }
static void put16(payload *p, unsigned v) { unsigned char x[2] = { (unsigned char)v, (unsigned char)(v >> 8) }; put_bytes(p, x, 2); }
static void put32(payload *p, uint32_t v) { put16(p, v & 0xFFFF); put16(p, v >> 16); }
static void put_ptr(payload *p, uint64_t v, unsigned size)
{
    put32(p, (uint32_t)v);
    if (size == 8) put32(p, (uint32_t)(v >> 32));
}
/* ASCII text as win:UnicodeString, with its NUL */
static void put_wstr(payload *p, const char *s)
{
    for (; *s; s++) put16(p, (unsigned char)*s);
    put16(p, 0);
}

static void build_create(payload *p, unsigned ptr, uint64_t base, uint64_t key, uint32_t status, uint32_t disp,
                         const char *base_name, const char *rel)
{
    p->n = 0;
    put_ptr(p, base, ptr);
    put_ptr(p, key, ptr);
    put32(p, status);
    put32(p, disp);
    put_wstr(p, base_name);
    put_wstr(p, rel);
}

static void test_create_and_open_key(void **s)
{
    (void)s;
    payload p;
    reg_etw_op op;
    build_create(&p, 8, 0, 0xFFFFC38A12345670ull, 0, 1, "", "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee");
    assert_int_equal(reg_etw_decode(REG_ETW_CREATE_KEY, 0, 8, p.b, p.n, &op), 0);
    assert_int_equal(op.id, REG_ETW_CREATE_KEY);
    assert_true(op.base_object == 0);
    assert_true(op.key_object == 0xFFFFC38A12345670ull);
    assert_int_equal(op.status, 0);
    assert_int_equal(op.disposition, REG_ETW_CREATED_NEW_KEY);
    assert_string_equal(op.base_name, "");
    assert_string_equal(op.key_name, "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee");
    assert_int_equal(reg_etw_change_kind(&op), REG_KEY_CREATED);
    op.disposition = 2;   /* REG_OPENED_EXISTING_KEY: not a change */
    assert_int_equal(reg_etw_change_kind(&op), 0);

    /* 32-bit pointers (a 32-bit event header), OpenKey relative to a base object */
    build_create(&p, 4, 0x1000, 0x2000, 0, 0, "\\REGISTRY\\USER\\S-1-5-21-1", "Software\\Wee");
    assert_int_equal(reg_etw_decode(REG_ETW_OPEN_KEY, 0, 4, p.b, p.n, &op), 0);
    assert_true(op.base_object == 0x1000 && op.key_object == 0x2000);
    assert_string_equal(op.base_name, "\\REGISTRY\\USER\\S-1-5-21-1");
    assert_string_equal(op.key_name, "Software\\Wee");
    assert_int_equal(reg_etw_change_kind(&op), 0);
    /* a later version with a field appended: read with the version 0 prefix */
    put32(&p, 0xDEADBEEF);
    assert_int_equal(reg_etw_decode(REG_ETW_OPEN_KEY, 1, 4, p.b, p.n, &op), 0);
    assert_string_equal(op.key_name, "Software\\Wee");
}

static void test_set_value_key(void **s)
{
    (void)s;
    payload p = { .n = 0 };
    put_ptr(&p, 0xFFFFC38A00000010ull, 8);
    put32(&p, 0);            /* Status */
    put32(&p, 4);            /* Type REG_DWORD */
    put32(&p, 4);            /* DataSize */
    put_wstr(&p, "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee");
    put16(&p, 'G'); put16(&p, 'r'); put16(&p, 0xF6); put16(&p, 0xDF); put16(&p, 'e');   /* "Größe" */
    put16(&p, 0xD83D); put16(&p, 0xDE00);   /* U+1F600 as a surrogate pair */
    put16(&p, 0);
    put16(&p, 4);            /* CapturedDataSize */
    put32(&p, 42);           /* CapturedData */
    put32(&p, 4);            /* PreviousDataType */
    put32(&p, 4);            /* PreviousDataSize */
    put16(&p, 4);            /* PreviousDataCapturedSize */
    put32(&p, 41);           /* PreviousData */
    reg_etw_op op;
    assert_int_equal(reg_etw_decode(REG_ETW_SET_VALUE_KEY, 0, 8, p.b, p.n, &op), 0);
    assert_true(op.key_object == 0xFFFFC38A00000010ull);
    assert_int_equal(op.type, 4);
    assert_int_equal(op.data_size, 4);
    assert_string_equal(op.key_name, "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee");
    assert_string_equal(op.value_name, "Gr\xc3\xb6\xc3\x9f" "e\xf0\x9f\x98\x80");
    assert_int_equal(op.cut, 0);
    assert_int_equal(reg_etw_change_kind(&op), REG_VALUE_SET);
    op.status = 0xC0000022u;   /* STATUS_ACCESS_DENIED: nothing changed */
    assert_int_equal(reg_etw_change_kind(&op), 0);

    /* every truncation is refused, never read past the end (ASan watches) */
    for (size_t n = 0; n < 20 + 62 + 2; n++) {
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, p.b, n);
        assert_int_equal(reg_etw_decode(REG_ETW_SET_VALUE_KEY, 0, 8, copy, n, &op), -1);
        free(copy);
    }
}

static void test_delete_and_close_key(void **s)
{
    (void)s;
    payload p = { .n = 0 };
    put_ptr(&p, 0x7777, 8);
    put32(&p, 0);
    put_wstr(&p, "\\REGISTRY\\USER\\S-1-5-21-9\\Software\\Wee\\Old");
    reg_etw_op op;
    assert_int_equal(reg_etw_decode(REG_ETW_DELETE_KEY, 0, 8, p.b, p.n, &op), 0);
    assert_true(op.key_object == 0x7777);
    assert_string_equal(op.key_name, "\\REGISTRY\\USER\\S-1-5-21-9\\Software\\Wee\\Old");
    assert_int_equal(reg_etw_change_kind(&op), REG_KEY_DELETED);
    assert_int_equal(reg_etw_decode(REG_ETW_CLOSE_KEY, 0, 8, p.b, p.n, &op), 0);
    assert_int_equal(reg_etw_change_kind(&op), 0);
    /* the terminator missing inside the payload: malformed, not read beyond */
    assert_int_equal(reg_etw_decode(REG_ETW_DELETE_KEY, 0, 8, p.b, p.n - 2, &op), -1);
    assert_int_equal(reg_etw_decode(REG_ETW_DELETE_KEY, 0, 8, p.b, 11, &op), -1);
    /* QueryKey (4) and the like are not decoded */
    assert_int_equal(reg_etw_decode(4, 0, 8, p.b, p.n, &op), 1);
    assert_int_equal(reg_etw_decode(REG_ETW_DELETE_KEY, 0, 2, p.b, p.n, &op), -1);   /* no such pointer size */
}

static void test_delete_value_key(void **s)
{
    (void)s;
    payload p = { .n = 0 };
    put_ptr(&p, 0x10, 4);
    put32(&p, 0);
    put_wstr(&p, "");
    put_wstr(&p, "Mode");
    reg_etw_op op;
    assert_int_equal(reg_etw_decode(REG_ETW_DELETE_VALUE_KEY, 0, 4, p.b, p.n, &op), 0);
    assert_true(op.key_object == 0x10);
    assert_string_equal(op.key_name, "");
    assert_string_equal(op.value_name, "Mode");
    assert_int_equal(reg_etw_change_kind(&op), REG_VALUE_DELETED);
    for (size_t n = 0; n < p.n; n++) assert_int_equal(reg_etw_decode(REG_ETW_DELETE_VALUE_KEY, 0, 4, p.b, n, &op), -1);
}

static void test_long_name_is_cut_and_not_learned(void **s)
{
    (void)s;
    payload p;
    char *rel = malloc(REG_ETW_NAME_MAX + 100);
    memcpy(rel, "\\REGISTRY\\MACHINE\\", 18);
    memset(rel + 18, 'k', REG_ETW_NAME_MAX + 50);
    rel[REG_ETW_NAME_MAX + 68] = '\0';
    build_create(&p, 8, 0, 0x99, 0, 1, "", rel);
    reg_etw_op op;
    assert_int_equal(reg_etw_decode(REG_ETW_CREATE_KEY, 0, 8, p.b, p.n, &op), 0);
    assert_int_equal(op.cut, 1);
    assert_int_equal(strlen(op.key_name), REG_ETW_NAME_MAX - 1);
    reg_key_names *names = reg_key_names_new(8);
    char path[REG_NT_NAME_MAX];
    assert_int_equal(reg_key_names_learn(names, &op, path, sizeof path), -1);   /* a cut name is not a name */
    assert_int_equal(reg_key_names_count(names), 0);
    reg_key_names_free(names);
    free(rel);
}

static reg_etw_op open_op(uint64_t base, uint64_t key, const char *base_name, const char *rel)
{
    reg_etw_op op;
    memset(&op, 0, sizeof op);
    op.id = REG_ETW_OPEN_KEY;
    op.base_object = base;
    op.key_object = key;
    snprintf(op.base_name, sizeof op.base_name, "%s", base_name);
    snprintf(op.key_name, sizeof op.key_name, "%s", rel);
    return op;
}

static void test_key_names(void **s)
{
    (void)s;
    reg_key_names *names = reg_key_names_new(4);
    char path[REG_NT_NAME_MAX];
    reg_etw_op op = open_op(0, 0xA0, "", "\\REGISTRY\\MACHINE\\SOFTWARE");
    assert_int_equal(reg_key_names_learn(names, &op, path, sizeof path), 0);
    assert_string_equal(path, "\\REGISTRY\\MACHINE\\SOFTWARE");
    op = open_op(0xA0, 0xB0, "", "Wee\\Sub");           /* relative to a known object */
    assert_int_equal(reg_key_names_learn(names, &op, path, sizeof path), 0);
    assert_string_equal(path, "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee\\Sub");
    op = open_op(0, 0xC0, "\\REGISTRY\\USER\\S-1", "Software");   /* relative to BaseName */
    assert_int_equal(reg_key_names_learn(names, &op, path, sizeof path), 0);
    assert_string_equal(path, "\\REGISTRY\\USER\\S-1\\Software");
    op = open_op(0xEE, 0xD0, "", "Lost");                /* base unknown: not guessed */
    assert_int_equal(reg_key_names_learn(names, &op, path, sizeof path), -1);
    op.status = 0xC0000034u;
    op.base_object = 0xA0;
    assert_int_equal(reg_key_names_learn(names, &op, path, sizeof path), -1);   /* a failed open */

    /* later events name the key by object; the event's own absolute KeyName is the fallback */
    reg_etw_op set;
    memset(&set, 0, sizeof set);
    set.id = REG_ETW_SET_VALUE_KEY;
    set.key_object = 0xB0;
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), 0);
    assert_string_equal(path, "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee\\Sub");
    set.key_object = 0xF0;
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), -1);
    snprintf(set.key_name, sizeof set.key_name, "\\REGISTRY\\MACHINE\\SYSTEM\\X");
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), 0);
    assert_string_equal(path, "\\REGISTRY\\MACHINE\\SYSTEM\\X");
    snprintf(set.key_name, sizeof set.key_name, "X");
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), -1);

    /* CloseKey forgets; the bound evicts the oldest learned */
    reg_key_names_forget(names, 0xC0);
    assert_int_equal(reg_key_names_count(names), 2);
    for (uint64_t k = 1; k <= 6; k++) {
        char rel[32];
        snprintf(rel, sizeof rel, "\\REGISTRY\\MACHINE\\K%u", (unsigned)k);
        op = open_op(0, 0x1000 * k, "", rel);
        assert_int_equal(reg_key_names_learn(names, &op, path, sizeof path), 0);
    }
    assert_int_equal(reg_key_names_count(names), 4);
    assert_int_equal(reg_key_names_evicted(names), 4);   /* 0xA0, 0xB0, K1, K2: oldest first */
    set.key_name[0] = '\0';
    set.key_object = 0xA0;
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), -1);
    set.key_object = 0x1000;
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), -1);
    set.key_object = 0x3000;
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), 0);
    assert_string_equal(path, "\\REGISTRY\\MACHINE\\K3");
    reg_key_names_free(names);

    /* many objects through a small cache: bounded, and each recent one still resolves */
    names = reg_key_names_new(64);
    for (uint64_t k = 1; k <= 5000; k++) {
        char rel[64];
        snprintf(rel, sizeof rel, "\\REGISTRY\\MACHINE\\K%u", (unsigned)k);
        op = open_op(0, k * 0x10, "", rel);
        assert_int_equal(reg_key_names_learn(names, &op, path, sizeof path), 0);
        if (k % 3 == 0) reg_key_names_forget(names, (k - 1) * 0x10);
        assert_true(reg_key_names_count(names) <= 64);
    }
    set.key_object = 5000 * 0x10;
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), 0);
    assert_string_equal(path, "\\REGISTRY\\MACHINE\\K5000");
    set.key_object = 1 * 0x10;
    assert_int_equal(reg_key_names_resolve(names, &set, path, sizeof path), -1);
    reg_key_names_free(names);
}

static void test_short_to_nt(void **s)
{
    (void)s;
    char nt[2][REG_NT_NAME_MAX];
    assert_int_equal(reg_short_to_nt("HKLM\\SOFTWARE\\Wee", "S-1-5-21-7", nt), 1);
    assert_string_equal(nt[0], "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee");
    assert_int_equal(reg_short_to_nt("HKCU\\Software\\Wee", "S-1-5-21-7", nt), 1);
    assert_string_equal(nt[0], "\\REGISTRY\\USER\\S-1-5-21-7\\Software\\Wee");
    assert_int_equal(reg_short_to_nt("HKU\\.DEFAULT", NULL, nt), 1);
    assert_string_equal(nt[0], "\\REGISTRY\\USER\\.DEFAULT");
    assert_int_equal(reg_short_to_nt("HKCR\\.txt", "S-1-5-21-7", nt), 2);
    assert_string_equal(nt[0], "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes\\.txt");
    assert_string_equal(nt[1], "\\REGISTRY\\USER\\S-1-5-21-7_Classes\\.txt");
    assert_int_equal(reg_short_to_nt("HKCC", NULL, nt), 1);
    assert_string_equal(nt[0], "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current");
    assert_int_equal(reg_short_to_nt("HKCU\\Software", NULL, nt), 0);   /* no SID: cannot say */
    assert_int_equal(reg_short_to_nt("HKXX\\Software", "S-1", nt), 0);
    assert_true(reg_nt_under("\\registry\\machine\\software\\WEE\\a", "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee"));
    assert_true(reg_nt_under("\\REGISTRY\\MACHINE\\SOFTWARE\\Wee", "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee"));
    assert_false(reg_nt_under("\\REGISTRY\\MACHINE\\SOFTWARE\\Weed", "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee"));
}

static void test_write_log(void **s)
{
    (void)s;
    reg_write_log log;
    assert_int_equal(reg_write_log_init(&log), 0);
    reg_writer a = { .pid = 100, .by_engine = 0 }, b = { .pid = 200, .by_engine = 1 }, got;
    snprintf(a.process, sizeof a.process, "reg.exe");
    snprintf(b.process, sizeof b.process, "host.exe");
    char nt[2][REG_NT_NAME_MAX];
    snprintf(nt[0], sizeof nt[0], "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee");
    snprintf(nt[1], sizeof nt[1], "\\REGISTRY\\USER\\S-1_Classes\\Wee");
    reg_write_log_add(&log, 1000, REG_VALUE_SET, "\\REGISTRY\\MACHINE\\SOFTWARE\\WEE", "Mode", &a);
    reg_write_log_add(&log, 1500, REG_VALUE_SET, "\\REGISTRY\\MACHINE\\SOFTWARE\\Wee", "mode", &b);
    reg_write_log_add(&log, 1600, REG_KEY_CREATED, "\\REGISTRY\\USER\\S-1_Classes\\Wee", "", &a);
    /* newest matching first, case-insensitively; each record answers once */
    assert_int_equal(reg_write_log_take(&log, 900, REG_VALUE_SET, nt, 1, "MODE", &got), 1);
    assert_int_equal(got.pid, 200);
    assert_int_equal(got.by_engine, 1);
    assert_int_equal(reg_write_log_take(&log, 900, REG_VALUE_SET, nt, 1, "Mode", &got), 1);
    assert_int_equal(got.pid, 100);
    assert_string_equal(got.process, "reg.exe");
    assert_int_equal(reg_write_log_take(&log, 900, REG_VALUE_SET, nt, 1, "Mode", &got), 0);
    /* kind and value must match; any of the NT names does; a write from before the previous snapshot
     * (since) is not the writer of a change found now */
    assert_int_equal(reg_write_log_take(&log, 900, REG_VALUE_DELETED, nt, 2, "", &got), 0);
    assert_int_equal(reg_write_log_take(&log, 1601, REG_KEY_CREATED, nt, 2, NULL, &got), 0);
    assert_int_equal(reg_write_log_take(&log, 1600, REG_KEY_CREATED, nt, 2, NULL, &got), 1);
    /* a full ring keeps the newest REG_WRITE_LOG_MAX */
    for (int i = 0; i < REG_WRITE_LOG_MAX + 10; i++) {
        reg_writer w = { .pid = i };
        reg_write_log_add(&log, 3000 + (uint64_t)i, REG_VALUE_DELETED, nt[0], "v", &w);
    }
    assert_int_equal(log.count, REG_WRITE_LOG_MAX);
    int taken = 0;
    while (reg_write_log_take(&log, 0, REG_VALUE_DELETED, nt, 1, "v", &got)) {
        assert_true(got.pid >= 10);
        taken++;
    }
    assert_int_equal(taken, REG_WRITE_LOG_MAX);
    reg_write_log_free(&log);
}

/* The consumer's path through decoded events: names learned from OpenKey/CreateKey, a write under a
 * watched key found with its NT name (and found again from the diff's short name), other writes,
 * failed ones and writes through a forgotten object ignored. */
static void test_track_then_take(void **s)
{
    (void)s;
    reg_key_names *names = reg_key_names_new(64);
    char prefixes[2][REG_NT_NAME_MAX], path[REG_NT_NAME_MAX];
    assert_int_equal(reg_short_to_nt("HKCU\\Software\\Wee", "S-1-5-21-7", prefixes), 1);
    reg_etw_op op = open_op(0, 0x100, "", "\\REGISTRY\\USER\\S-1-5-21-7\\Software");
    assert_int_equal(reg_etw_track(names, &op, prefixes, 1, path, sizeof path), 0);
    op = open_op(0x100, 0x200, "", "Wee\\Sub");
    op.id = REG_ETW_CREATE_KEY;
    op.disposition = REG_ETW_CREATED_NEW_KEY;
    assert_int_equal(reg_etw_track(names, &op, prefixes, 1, path, sizeof path), REG_KEY_CREATED);
    assert_string_equal(path, "\\REGISTRY\\USER\\S-1-5-21-7\\Software\\Wee\\Sub");
    reg_etw_op set;
    memset(&set, 0, sizeof set);
    set.id = REG_ETW_SET_VALUE_KEY;
    set.key_object = 0x200;
    snprintf(set.value_name, sizeof set.value_name, "Mode");
    assert_int_equal(reg_etw_track(names, &set, prefixes, 1, path, sizeof path), REG_VALUE_SET);
    reg_write_log log;
    assert_int_equal(reg_write_log_init(&log), 0);
    reg_writer w = { .pid = 4242 }, got;
    snprintf(w.process, sizeof w.process, "reg.exe");
    reg_write_log_add(&log, 100, REG_VALUE_SET, path, set.value_name, &w);
    char nt[2][REG_NT_NAME_MAX];
    size_t n = reg_short_to_nt("HKCU\\Software\\Wee\\Sub", "S-1-5-21-7", nt);
    assert_int_equal(reg_write_log_take(&log, 50, REG_VALUE_SET, nt, n, "mode", &got), 1);
    assert_int_equal(got.pid, 4242);
    reg_write_log_free(&log);
    /* a write outside the watched key, a failed write, a write through a closed object: none */
    set.key_object = 0x100;
    assert_int_equal(reg_etw_track(names, &set, prefixes, 1, path, sizeof path), 0);
    set.key_object = 0x200;
    set.status = 0xC0000022u;
    assert_int_equal(reg_etw_track(names, &set, prefixes, 1, path, sizeof path), 0);
    set.status = 0;
    reg_etw_op close;
    memset(&close, 0, sizeof close);
    close.id = REG_ETW_CLOSE_KEY;
    close.key_object = 0x200;
    assert_int_equal(reg_etw_track(names, &close, prefixes, 1, path, sizeof path), 0);
    assert_int_equal(reg_etw_track(names, &set, prefixes, 1, path, sizeof path), 0);
    reg_key_names_free(names);
}

#ifdef _WIN32
static const GUID KERNEL_REGISTRY = { 0x70EB4F03, 0xC1DE, 0x4F73, { 0xA0, 0x51, 0x33, 0xD1, 0x3D, 0x54, 0x13, 0xBD } };

static void feed(reg_etw *e, const GUID *provider, unsigned id, int header32, payload *p)
{
    EVENT_RECORD r;
    memset(&r, 0, sizeof r);
    r.EventHeader.ProviderId = *provider;
    r.EventHeader.EventDescriptor.Id = (USHORT)id;
    r.EventHeader.EventDescriptor.Version = 0;
    r.EventHeader.Flags = header32 ? EVENT_HEADER_FLAG_32_BIT_HEADER : EVENT_HEADER_FLAG_64_BIT_HEADER;
    r.EventHeader.ProcessId = GetCurrentProcessId();
    QueryPerformanceCounter(&r.EventHeader.TimeStamp);
    r.UserData = p->b;
    r.UserDataLength = (USHORT)p->n;
    reg_etw_feed(e, &r);
}

static void test_feed_event_records(void **s)
{
    (void)s;
    char sid[192] = "";
    HANDLE tok;
    union { TOKEN_USER tu; char bytes[512]; } info;
    DWORD got = 0;
    LPSTR text = NULL;
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok));
    assert_true(GetTokenInformation(tok, TokenUser, &info, sizeof info, &got));
    assert_true(ConvertSidToStringSidA(info.tu.User.Sid, &text));
    snprintf(sid, sizeof sid, "%s", text);
    LocalFree(text);
    CloseHandle(tok);

    const char *keys[] = { "HKCU\\Software\\WeeEtw" };
    reg_etw *e = reg_etw_new(keys, 1);
    assert_non_null(e);
    uint64_t since = plat_monotonic_ns() / 1000000u;
    char rel[256];
    payload p;
    snprintf(rel, sizeof rel, "\\REGISTRY\\USER\\%s\\Software\\WeeEtw", sid);
    build_create(&p, 8, 0, 0xFFFF800012340000ull, 0, 0, "", rel);
    feed(e, &KERNEL_REGISTRY, REG_ETW_OPEN_KEY, 0, &p);
    p.n = 0;                                   /* SetValueKey through the opened object */
    put_ptr(&p, 0xFFFF800012340000ull, 8);
    put32(&p, 0); put32(&p, 1); put32(&p, 4);
    put_wstr(&p, "");
    put_wstr(&p, "Mode");
    put16(&p, 0); put32(&p, 0); put32(&p, 0); put16(&p, 0);
    feed(e, &KERNEL_REGISTRY, REG_ETW_SET_VALUE_KEY, 0, &p);

    reg_writer who;
    uint64_t now = plat_monotonic_ns() / 1000000u;
    assert_int_equal(reg_etw_writer(e, REG_VALUE_SET, "HKCU\\Software\\WeeEtw", "mode", since, now, &who), 1);
    printf("writer: pid %lld, process %s, exe %s, by_engine %d\n", (long long)who.pid, who.process, who.exe,
           who.by_engine);
    assert_int_equal(who.pid, (int64_t)GetCurrentProcessId());
    assert_int_equal(who.by_engine, 1);          /* this process is the engine here */
    assert_non_null(strstr(who.exe, "test_registry_etw"));
    assert_string_equal(who.process, strrchr(who.exe, '\\') + 1);
    /* used once; and a write from before `since` is not a writer */
    assert_int_equal(reg_etw_writer(e, REG_VALUE_SET, "HKCU\\Software\\WeeEtw", "Mode", since, now, &who), 0);

    /* a 32-bit header: 4-byte pointers; DeleteValueKey naming its key by an absolute KeyName */
    p.n = 0;
    put_ptr(&p, 0x5000, 4);
    put32(&p, 0);
    put_wstr(&p, rel);
    put_wstr(&p, "Old");
    feed(e, &KERNEL_REGISTRY, REG_ETW_DELETE_VALUE_KEY, 1, &p);
    assert_int_equal(reg_etw_writer(e, REG_VALUE_DELETED, "HKCU\\Software\\WeeEtw", "Old", since, now, &who), 1);
    /* the same bytes from another provider are not registry events */
    GUID other = KERNEL_REGISTRY;
    other.Data1 ^= 1;
    feed(e, &other, REG_ETW_DELETE_VALUE_KEY, 1, &p);
    assert_int_equal(reg_etw_writer(e, REG_VALUE_DELETED, "HKCU\\Software\\WeeEtw", "Old", since, now, &who), 0);
    /* a write outside the watched key is not logged */
    p.n = 0;
    put_ptr(&p, 0x5000, 4);
    put32(&p, 0);
    put_wstr(&p, "\\REGISTRY\\MACHINE\\SOFTWARE\\Other");
    put_wstr(&p, "Old");
    feed(e, &KERNEL_REGISTRY, REG_ETW_DELETE_VALUE_KEY, 1, &p);
    assert_int_equal(reg_etw_writer(e, REG_VALUE_DELETED, "HKLM\\SOFTWARE\\Other", "Old", since, now, &who), 0);
    reg_etw_free(e);
}
#endif

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_open_key),
        cmocka_unit_test(test_set_value_key),
        cmocka_unit_test(test_delete_and_close_key),
        cmocka_unit_test(test_delete_value_key),
        cmocka_unit_test(test_long_name_is_cut_and_not_learned),
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_short_to_nt),
        cmocka_unit_test(test_write_log),
        cmocka_unit_test(test_track_then_take),
#ifdef _WIN32
        cmocka_unit_test(test_feed_event_records),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
