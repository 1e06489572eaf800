/*
 * core/engine_reload.c - swapping in a new config while the engine runs.
 *
 * The new file is parsed, validated and its actions created first; any error leaves the running
 * config untouched. Then: the dispatcher gets the new rule set (events in flight finish on the old
 * one, which lives until its last reference goes), sources whose module and options are unchanged
 * keep running (their events are never interrupted), removed or changed ones stop, and new or
 * changed ones start.
 *
 * The engine also decides here when to reload on its own: it gives a file watch (file_watch.c) the
 * config file and the files the config uses, and reloads when one changes. A reload that fails is not
 * retried until the files change again; the old config keeps running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_control.h"
#include "engine_internal.h"
#include "log.h"
#include "rule_memory.h"
#include "rule_state.h"
#include "wee/errors.h"

static void report_errors(const diag_list *d, const char *config_file, strbuf *report)
{
    for (size_t i = 0; i < d->count; i++) {
        const diag_item *it = &d->items[i];
        const char *file = it->file ? it->file : config_file;
        if (it->path && it->path[0]) strbuf_printf(report, "%s: %s: %s\n", file, it->path, it->message);
        else strbuf_printf(report, "%s: %s\n", file, it->message);
        log_write(WEE_LOG_ERROR, "reload", "%s: %s%s%s", file, it->path ? it->path : "",
                  it->path && it->path[0] ? ": " : "", it->message);
    }
}

static running_source *take_matching(running_source **old, size_t count, const source_config *sc)
{
    for (size_t i = 0; i < count; i++) {
        running_source *rs = old[i];
        if (rs && rs->module == sc->module && strcmp(rs->id, sc->id) == 0 &&
            strcmp(rs->fingerprint, sc->options_fingerprint ? sc->options_fingerprint : "") == 0) {
            old[i] = NULL;
            return rs;
        }
    }
    return NULL;
}

/* The old rule of the same name (names are unique within a config), or NULL. */
static const rule *same_name(const rule_set *old, const rule *n)
{
    for (size_t j = 0; old && j < rule_set_count(old); j++)
        if (strcmp(rule_set_at(old, j)->name, n->name) == 0) return rule_set_at(old, j);
    return NULL;
}

/* What a rule carries across a reload, found by its name: its "last fired" time (the console's rule
 * list); and, for a stateful rule whose JSON is unchanged, what it remembered (partial sequences,
 * threshold windows, absence deadlines), while a changed rule starts afresh. Returns how many kept
 * their memory. */
static size_t carry_rules(const rule_set *old, rule_set *neu)
{
    size_t kept = 0;
    for (size_t i = 0; neu && i < rule_set_count(neu); i++) {
        rule *n = rule_set_at(neu, i);
        const rule *o = n->state ? same_name(old, n) : NULL;
        if (!o || !o->state) continue;
        atomic_store(&n->state->last_fired_ms, atomic_load(&o->state->last_fired_ms));
        if (n->memory.kind == MEMORY_NONE || !n->state->memory || o->memory.kind != n->memory.kind ||
            !o->state->memory || strcmp(o->fingerprint, n->fingerprint) != 0)
            continue;
        rule_memory_unref(n->state->memory);
        n->state->memory = rule_memory_ref(o->state->memory);
        kept++;
    }
    return kept;
}

/* The config file first, then its included rule files, then the files its actions use; returns how many went into paths (they point
 * into e->cfg: use them under reload_lock or e->lock). */
static size_t running_files(engine *e, const char **paths, size_t max)
{
    size_t n = 0;
    paths[n++] = e->cfg->file;
    /* Included rule files (config_include.h), the console's too, even before it exists. */
    for (size_t i = 0; i < e->cfg->includes.count && n < max; i++) paths[n++] = e->cfg->includes.items[i].file;
    rule_set *rs = e->cfg->rules;
    for (size_t i = 0; rs && i < rule_set_count(rs); i++) {
        const rule *r = rule_set_at(rs, i);
        for (size_t j = 0; j < r->action_count && n < max; j++)
            n += options_watched_files(r->actions[j].params, loader_action_options(&r->actions[j].module->desc),
                                       paths + n, max - n);
    }
    return n;
}

/* The running config's files as they were before a reload read them (reload_lock held). */
typedef struct file_stamps { char *paths[FILE_WATCH_MAX_FILES]; file_stamp stamps[FILE_WATCH_MAX_FILES]; size_t count; } file_stamps;

static void stamps_take(engine *e, file_stamps *s)
{
    const char *paths[FILE_WATCH_MAX_FILES];
    size_t n = running_files(e, paths, FILE_WATCH_MAX_FILES);
    s->count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(s->paths[s->count] = str_dup(paths[i]))) continue;
        file_stamp_take(paths[i], &s->stamps[s->count++]);
    }
}

static void stamps_free(file_stamps *s)
{
    for (size_t i = 0; i < s->count; i++) free(s->paths[i]);
    s->count = 0;
}

/* Gives the watch the running config's files with what they were like when read: the stamps taken
 * before this reload read them, so a write made while it read is still reported and the console's own
 * save, read here, is not reported again; a file the new config added is stamped now (reload_lock held). */
static void watch_running_files(engine *e, const file_stamps *before)
{
    if (!e->watch) return;
    const char *paths[FILE_WATCH_MAX_FILES];
    file_stamp stamps[FILE_WATCH_MAX_FILES];
    plat_mutex_lock(&e->lock);
    size_t n = running_files(e, paths, FILE_WATCH_MAX_FILES);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < before->count && strcmp(before->paths[k], paths[i]) != 0) k++;
        if (k < before->count) stamps[i] = before->stamps[k];
        else file_stamp_take(paths[i], &stamps[i]);
    }
    file_watch_set_paths(e->watch, paths, stamps, n);
    plat_mutex_unlock(&e->lock);
}

static void on_file_changed(const char *changed, void *ctx)
{
    engine *e = ctx;
    char name[1024];
    snprintf(name, sizeof name, "%s", changed); /* the recheck below may replace the watch's set */
    /* A reload running when the watch decided (the console's save) may have read the change already;
     * under reload_lock it has handed its stamps over, and the watch compares once more. */
    plat_mutex_lock(&e->reload_lock);
    int news = !e->watch || file_watch_recheck(e->watch);
    plat_mutex_unlock(&e->reload_lock);
    if (!news) {
        log_write(WEE_LOG_DEBUG, "reload", "%s changed on disk, and the last reload read it already", name);
        return;
    }
    log_write(WEE_LOG_INFO, "reload", "%s changed on disk; reloading the config", name);
    strbuf report = STRBUF_INIT;
    engine_reload(e, &report);  /* logs its outcome and gives the watch the files of the config running then */
    strbuf_free(&report);
}

void engine_watch_start(engine *e)
{
    const char *paths[FILE_WATCH_MAX_FILES];
    char err[256] = "";
    plat_mutex_lock(&e->reload_lock);
    file_watch *w = file_watch_start(paths, running_files(e, paths, FILE_WATCH_MAX_FILES), on_file_changed, e, err,
                                     sizeof err);
    e->watch = w;
    plat_mutex_unlock(&e->reload_lock);
    if (!w)
        log_write(WEE_LOG_WARN, "reload", "config file watch not started (%s); reload with SIGHUP or 'host reload'",
                  err);
}

void engine_watch_stop(engine *e)
{
    /* Taken out under reload_lock so a reload from elsewhere no longer hands it files; stopped outside
     * it, because its thread may be inside engine_reload, waiting for that lock. */
    plat_mutex_lock(&e->reload_lock);
    file_watch *w = e->watch;
    e->watch = NULL;
    plat_mutex_unlock(&e->reload_lock);
    file_watch_stop(w);
}

const char *engine_reload_text(const strbuf *report, int rc)
{
    if (report->len && !strbuf_failed(report)) return strbuf_cstr(report);
    return rc == 0 ? "reloaded" : wee_strerror(rc);
}

int engine_reload(engine *e, strbuf *report)
{
    plat_mutex_lock(&e->reload_lock);
    file_stamps before;
    stamps_take(e, &before); /* before anything is read (watch_running_files) */
    char file[1024];
    snprintf(file, sizeof file, "%s", e->cfg->file);
    diag_list d = DIAG_INIT;
    config *neu = config_load_file(file, e->reg, host_api_get(), 1, &d);
    char err[512];
    if (!neu || engine_apply_settings(e, &e->cfg->engine, &neu->engine, err, sizeof err) != 0) {
        if (neu) { diag_add(&d, "", "%s", err); config_free(neu); }
        report_errors(&d, file, report);
        strbuf_printf(report, "reload failed: %zu error(s); the previous config keeps running\n", d.count);
        log_write(WEE_LOG_ERROR, "reload", "%s: %zu error(s); the previous config keeps running", file, d.count);
        diag_free(&d);
        atomic_fetch_add(&e->reloads_failed, 1);
        watch_running_files(e, &before);
        stamps_free(&before);
        plat_mutex_unlock(&e->reload_lock);
        return WEE_ECONFIG;
    }
    diag_free(&d);

    size_t remembered = carry_rules(e->cfg->rules, neu->rules);
    dispatcher_swap_rules(e->disp, neu->rules ? rule_set_ref(neu->rules) : NULL);

    running_source **old = e->sources;
    size_t old_count = e->source_count, kept = 0, started = 0, stopped = 0;
    size_t cap = neu->source_count ? neu->source_count : 1;
    running_source **next = calloc(cap, sizeof *next);
    unsigned char *have = calloc(cap, 1);
    if (!next || !have) {
        /* Keep the old sources running rather than stop them with nowhere to record the new ones. */
        free(next); free(have);
        log_write(WEE_LOG_ERROR, "reload", "out of memory: sources left as they were; rules reloaded");
        plat_mutex_lock(&e->lock);
        config *prev = e->cfg;
        e->cfg = neu;
        /* The running sources own their options, so the old config can go. */
        plat_mutex_unlock(&e->lock);
        config_free(prev);
        config_activate_modules(neu);
    } else {
        size_t count = 0;
        /* Readers (metrics, status) only ever see sources that are running. take_matching clears the
         * slots it takes in `old`, which is still e->sources: match and swap under the readers' lock, or
         * a scrape walks a NULL slot (a data race ThreadSanitizer found in test_rt_control). */
        plat_mutex_lock(&e->lock);
        for (size_t i = 0; i < neu->source_count; i++) {
            running_source *rs = take_matching(old, old_count, &neu->sources[i]);
            if (rs) { next[count++] = rs; have[i] = 1; kept++; }
        }
        config *prev = e->cfg;
        e->cfg = neu;
        e->sources = next;
        e->source_count = count;
        plat_mutex_unlock(&e->lock);
        /* Stop what is gone or changed before its replacement starts, so two instances never watch the
         * same thing at once. */
        for (size_t i = 0; i < old_count; i++) {
            if (!old[i]) continue;
            log_write(WEE_LOG_INFO, "reload", "source '%s' stopped (removed or changed)", old[i]->id);
            engine_source_stop(old[i]);
            stopped++;
        }
        free(old);
        config_free(prev);
        /* After the old sources stopped, before the new ones start: modules open what the new config
         * needs (ABI 1.2 module_activate). */
        config_activate_modules(neu);
        for (size_t i = 0; i < neu->source_count; i++) {
            if (have[i]) continue;
            running_source *rs = engine_source_start(e, file, &neu->sources[i]);
            if (!rs) continue;
            started++;
            plat_mutex_lock(&e->lock);
            next[count++] = rs;
            e->source_count = count;
            plat_mutex_unlock(&e->lock);
        }
        free(have);
    }

    char line[1400];
    snprintf(line, sizeof line, "reloaded %s: %zu rule(s) (%zu stateful kept their memory); sources: %zu kept, "
             "%zu stopped, %zu started", file, neu->rules ? rule_set_count(neu->rules) : (size_t)0, remembered, kept,
             stopped, started);
    strbuf_printf(report, "%s\n", line);
    log_write(WEE_LOG_INFO, "reload", "%s", line);
    atomic_fetch_add(&e->reloads_ok, 1);
    engine_emit_lifecycle(e, "engine.config_reloaded", line);
    watch_running_files(e, &before);
    stamps_free(&before);
    plat_mutex_unlock(&e->reload_lock);
    return 0;
}
