#include "path_name.h"
#include <stdlib.h>
#include <string.h>

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

char *path_config_join(const char *config_file, const char *name)
{
    size_t dir_len = path_config_name_is_absolute(name) ? 0 : path_config_folder_len(config_file);
    size_t n = strlen(name);
    char *p = malloc(dir_len + n + 1);
    if (!p) return NULL;
    memcpy(p, config_file, dir_len);
    memcpy(p + dir_len, name, n + 1);
    return p;
}
