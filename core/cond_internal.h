/*
 * core/cond_internal.h - the compiled condition tree, shared by the files that read it (cond.c
 * evaluates it, cond_keys.c derives index keys from it). Nothing else looks inside.
 */
#ifndef WEE_COND_INTERNAL_H
#define WEE_COND_INTERNAL_H
#include <stdint.h>
#include <pcre2.h>
#include "cond.h"

typedef enum { C_ALL, C_ANY, C_NOT, C_TEST } cond_kind;
typedef enum { OP_EQUALS, OP_GLOB, OP_REGEX, OP_CONTAINS, OP_STARTS, OP_ENDS, OP_IN, OP_GT, OP_GTE, OP_LT, OP_LTE } cond_op;
typedef enum { V_STR, V_INT, V_BOOL } val_type;

typedef struct cval { val_type type; char *s; int64_t i; } cval;

struct cond {
    cond_kind kind;
    cond **kids;
    size_t nkids;
    char *field;
    cond_op op;
    int ci;
    int glob_flags;
    cval v;
    cval *list;
    size_t nlist;
    pcre2_code *re;
};
#endif
