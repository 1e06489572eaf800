/*
 * core/console_rules_offer.c - the sources a rule needs and no file declares: a rule that names a
 * source id nobody declares gets that id offered; a rule without a source whose event (exact or glob)
 * only a module's sources emit gets a source of that module offered, as the original creates such
 * sources by itself. The page adds the offered source to the console's file on the person's say-so.
 */
#include "console_rules.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/glob.h"

typedef struct source_decl { const char *id, *module; } source_decl;
typedef struct decls { source_decl *v; size_t n, cap; } decls;

static void decls_add_doc(decls *d, const cJSON *doc)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "sources");
    for (const cJSON *s = cJSON_IsArray(arr) ? arr->child : NULL; s; s = s->next) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "id");
        const cJSON *mod = cJSON_GetObjectItemCaseSensitive(s, "module");
        if (!cJSON_IsString(id) || !cJSON_IsString(mod)) continue;
        if (d->n == d->cap) {
            size_t cap = d->cap ? d->cap * 2 : 16;
            source_decl *p = realloc(d->v, cap * sizeof *p);
            if (!p) return;
            d->v = p;
            d->cap = cap;
        }
        d->v[d->n].id = id->valuestring;
        d->v[d->n++].module = mod->valuestring;
    }
}

static int declared(const decls *d, const char *key, int by_module)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(by_module ? d->v[i].module : d->v[i].id, key) == 0) return 1;
    return 0;
}

/* The source module whose event types the rule's event (exact or glob) names; NULL for none. */
static const char *module_for_event(const cJSON *mods, const char *event)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, mods) {
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(m, "event_types")) {
            if (cJSON_IsString(t) && glob_match(event, t->valuestring, 0))
                return cJSON_GetObjectItemCaseSensitive(m, "name")->valuestring;
        }
    }
    return NULL;
}

static cJSON *missing_of(const cJSON *candidate, const decls *d, const cJSON *mods)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(candidate, "rules");
    size_t i = 0;
    for (const cJSON *r = cJSON_IsArray(rules) ? rules->child : NULL; r; r = r->next, i++) {
        const cJSON *when = cJSON_GetObjectItemCaseSensitive(r, "when");
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(when, "event");
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(when, "source");
        const char *module = cJSON_IsString(ev) ? module_for_event(mods, ev->valuestring) : NULL;
        char id[128], path[64], why[512];
        if (cJSON_IsString(src) && src->valuestring[0] && strcmp(src->valuestring, "engine") != 0) {
            if (declared(d, src->valuestring, 0)) continue;
            snprintf(id, sizeof id, "%s", src->valuestring);
            snprintf(path, sizeof path, "rules[%zu].when.source", i);
            snprintf(why, sizeof why, "the rule listens to source \"%s\", which no file declares", id);
        } else if (module && !src) {
            if (declared(d, module, 1)) continue;
            snprintf(id, sizeof id, "%s", module);
            for (int k = 2; declared(d, id, 0) && k < 100; k++) snprintf(id, sizeof id, "%s-%d", module, k);
            snprintf(path, sizeof path, "rules[%zu].when.event", i);
            snprintf(why, sizeof why, "%s events come from a \"%s\" source, and no file declares one", ev->valuestring,
                     module);
        } else {
            continue;
        }
        int dup = 0;
        const cJSON *o;
        cJSON_ArrayForEach(o, out) {
            const cJSON *have = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "source"), "id");
            if (strcmp(have->valuestring, id) == 0) dup = 1;
        }
        if (dup) continue;
        cJSON *offer = cJSON_CreateObject();
        cJSON_AddNumberToObject(offer, "rule", (double)i);
        cJSON_AddStringToObject(offer, "path", path);
        cJSON_AddStringToObject(offer, "why", why);
        cJSON *s = cJSON_AddObjectToObject(offer, "source");
        cJSON_AddStringToObject(s, "id", id);
        if (module) cJSON_AddStringToObject(s, "module", module);
        cJSON_AddItemToArray(out, offer);
    }
    return out;
}

cJSON *console_missing_sources(const cJSON *candidate, const cJSON *const *docs, size_t n, const cJSON *mods)
{
    decls d = { NULL, 0, 0 };
    for (size_t i = 0; i < n; i++) decls_add_doc(&d, docs[i]);
    decls_add_doc(&d, candidate);
    cJSON *out = missing_of(candidate, &d, mods);
    free(d.v);
    return out;
}
