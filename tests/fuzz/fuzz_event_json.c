/*
 * fuzz_event_json - the event JSON that `host emit` (over the control channel) and `host test --event`
 * read: any text either becomes an event or an error message, never a crash or undefined behaviour
 * (numbers such as 1e400 included). An accepted event written back with event_to_json and read again
 * gives the same type and fields (names, types, texts); event_clone copies it exactly.
 */
#include <string.h>
#include "fuzz_input.h"

static void check_same(const wee_event *a, const wee_event *b, const char *what)
{
    FUZZ_CHECK(strcmp(event_type(a), event_type(b)) == 0, "%s: type \"%s\" became \"%s\"", what, event_type(a),
               event_type(b));
    FUZZ_CHECK(event_field_count(a) == event_field_count(b), "%s: %zu field(s) became %zu", what,
               event_field_count(a), event_field_count(b));
    for (size_t i = 0; i < event_field_count(a); i++) {
        const char *name = event_field_name(a, i);
        FUZZ_CHECK(event_get_type(b, name) == event_field_type(a, i), "%s: field \"%s\" changed type", what, name);
        FUZZ_CHECK(strcmp(event_get_string(b, name), event_field_string(a, i)) == 0,
                   "%s: field \"%s\" \"%s\" became \"%s\"", what, name, event_field_string(a, i),
                   event_get_string(b, name));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) { fuzz_quiet_log(); quiet = 1; }
    fuzz_input in = { data, size };
    char *text = fuzz_take(&in, size);
    char err[256] = "";
    wee_event *ev = event_from_json(text, err, sizeof err);
    if (!ev) {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
    } else {
        char *json = event_to_json(ev);
        FUZZ_CHECK(json != NULL, "event_to_json failed");
        wee_event *again = event_from_json(json, err, sizeof err);
        FUZZ_CHECK(again != NULL, "own JSON refused: %s (%s)", err, json);
        check_same(ev, again, "JSON round trip");
        wee_event *copy = event_clone(ev);
        FUZZ_CHECK(copy != NULL, "event_clone failed");
        check_same(ev, copy, "event_clone");
        event_unref(copy);
        event_unref(again);
        free(json);
        event_unref(ev);
    }
    free(text);
    return 0;
}
