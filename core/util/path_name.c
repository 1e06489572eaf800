#include "path_name.h"

int path_is_sep(char c)
{
#ifdef _WIN32
    return c == '/' || c == '\\';
#else
    return c == '/';
#endif
}

const char *path_base_name(const char *path)
{
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (path_is_sep(*p)) base = p + 1;
    return base;
}
