#include "util/event_json.h"
#include <string.h>

cJSON *event_json_object(const wee_host_api *host, const wee_event *ev)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj) return NULL;
    cJSON_AddStringToObject(obj, "type", ev ? host->event_type(ev) : "");
    size_t count = ev ? host->event_field_count(ev) : 0;
    for (size_t i = 0; i < count; i++) {
        const char *name = host->event_field_name(ev, i);
        if (!name || cJSON_GetObjectItemCaseSensitive(obj, name)) continue; /* "type" is already in */
        switch (host->event_field_type(ev, i)) {
        case WEE_VALUE_INT:
            /* Integers keep their exact decimal text: a double would round values past 2^53. */
            cJSON_AddItemToObject(obj, name, cJSON_CreateRaw(host->event_field_string(ev, i)));
            break;
        case WEE_VALUE_BOOL:
            cJSON_AddBoolToObject(obj, name, strcmp(host->event_field_string(ev, i), "true") == 0);
            break;
        default:
            cJSON_AddStringToObject(obj, name, host->event_field_string(ev, i));
            break;
        }
    }
    return obj;
}
