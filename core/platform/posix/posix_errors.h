/* posix_errors.h - errno to WEE_E* mapping shared by the POSIX platform files (internal). */
#ifndef WEE_POSIX_ERRORS_H
#define WEE_POSIX_ERRORS_H
#include <errno.h>
#include "wee/errors.h"

static inline int posix_error_to_wee(int e)
{
    switch (e) {
    case ENOENT: case ENOTDIR: return WEE_ENOTFOUND;
    case EACCES: case EPERM: return WEE_EPERM;
    case ENOMEM: return WEE_ENOMEM;
    case EINVAL: case ENAMETOOLONG: return WEE_EINVAL;
    case EEXIST: return WEE_EEXISTS;
    case ETIMEDOUT: return WEE_ETIMEOUT;
    default: return WEE_EIO;
    }
}
#endif
