#include "platform/platform.h"

/* POSIX argv is already bytes as given, which is what the engine treats as UTF-8. */
char **plat_utf8_argv(int argc, char **argv)
{
    (void)argc;
    return argv;
}
