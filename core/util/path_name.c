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

int path_config_name_is_absolute(const char *name)
{
    if (name[0] == '/' || name[0] == '\\') return 1;
    return ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')) && name[1] == ':';
}

size_t path_config_folder_len(const char *config_file)
{
    size_t len = 0;
    for (size_t i = 0; config_file[i]; i++)
        if (config_file[i] == '/' || config_file[i] == '\\') len = i + 1;
    return len;
}
