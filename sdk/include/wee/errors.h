/*
 * wee/errors.h - error codes shared by host and modules.
 *
 * Ownership: wee_strerror returns a static string; never free it.
 * Every function in the ABI that can fail returns 0 on success or one of these negative codes.
 */
#ifndef WEE_ERRORS_H
#define WEE_ERRORS_H

#define WEE_ERRNO_MAP(X)                                              \
    X(INVAL, -1, "invalid argument")                                  \
    X(NOMEM, -2, "out of memory")                                     \
    X(NOTFOUND, -3, "not found")                                      \
    X(IO, -4, "input/output error")                                   \
    X(TIMEOUT, -5, "timed out")                                       \
    X(PERM, -6, "permission denied")                                  \
    X(UNSUPPORTED, -7, "not supported on this platform")              \
    X(ABI, -8, "incompatible module ABI")                             \
    X(CONFIG, -9, "invalid configuration")                            \
    X(STOPPED, -10, "engine is stopping")                             \
    X(FULL, -11, "queue full, event dropped")                         \
    X(FAILED, -12, "operation failed")                                \
    X(EXISTS, -13, "already exists")

enum wee_error {
    WEE_OK = 0,
#define WEE_ERR_ENUM(name, value, text) WEE_E##name = value,
    WEE_ERRNO_MAP(WEE_ERR_ENUM)
#undef WEE_ERR_ENUM
};

/* Text for an error code (header-only so modules need not link anything). */
static inline const char *wee_strerror(int code)
{
    switch (code) {
    case WEE_OK: return "success";
#define WEE_ERR_TEXT(name, value, text) case value: return text;
    WEE_ERRNO_MAP(WEE_ERR_TEXT)
#undef WEE_ERR_TEXT
    default: return "unknown error";
    }
}

#endif
