/*
 * core/options_tree.h - private to options_build.c and options_access.c: the option tree's layout.
 * Everyone else goes through options.h.
 *
 * The tree is a small owned copy of the validated JSON (the config's cJSON is freed after load). Every
 * string node keeps the text as written; when the options are templated, a string with placeholders also
 * keeps its compiled template and a slot number, so a rendering view can cache one rendering per node in
 * a plain array. Strings without placeholders are unescaped once at build time and never rendered again.
 */
#ifndef WEE_OPTIONS_TREE_H
#define WEE_OPTIONS_TREE_H
#include <stdint.h>
#include "options.h"
#include "util/strbuf.h"

enum { NODE_NULL, NODE_BOOL, NODE_INT, NODE_NUMBER, NODE_STRING, NODE_ARRAY, NODE_OBJECT };

typedef struct opt_node {
    int kind;
    char *key;          /* member name inside a NODE_OBJECT, else NULL */
    char *text;         /* NODE_STRING: as written */
    char *literal;      /* NODE_STRING, templated without placeholders: the unescaped text */
    template *tpl;      /* NODE_STRING with placeholders */
    size_t slot;        /* render cache index when tpl is set */
    int64_t integer;    /* NODE_INT, NODE_BOOL */
    double number;      /* NODE_NUMBER */
    struct opt_node *items;
    size_t count;
    struct options_tree *sub; /* an object of a WEE_OPT_OBJECT_LIST: its own validated tree */
} opt_node;

typedef struct opt_entry {
    char *name;
    opt_node value;
} opt_entry;

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char data[];
} arena_block;

typedef struct render_state {
    const char **cache; /* one rendered string per template slot, NULL until first read */
    arena_block *arena;
    strbuf scratch;
} render_state;

struct wee_options {
    const options_tree *tree;
    render_ctx ctx;
    render_state *state; /* NULL for the static view */
};

typedef struct render_view {
    struct wee_options view; /* first: a wee_options* of a rendering view is a render_view* */
    render_state state;
} render_view;

struct options_tree {
    opt_entry *entries;
    size_t count;
    size_t template_count;
    struct wee_options static_view;
};

/* calloc(n ? n : 1, size): NULL when out of memory, like every allocation (docs/modules.md). */
void *options_calloc(size_t n, size_t size);
#endif
