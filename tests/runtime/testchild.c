/*
 * testchild: a tiny, shell-free helper the runtime tests run through the exec action, identical on
 * Linux and Windows so the same assertions hold on both.
 *   testchild append FILE ARG...   append each ARG and a newline to FILE (bytes as received)
 *   testchild print ARG            write ARG to stdout
 *   testchild env NAME             write the value of NAME to stdout
 *   testchild sleep MS             sleep MS milliseconds
 *   testchild exit N               exit with status N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
static void sleep_ms(long ms) { Sleep((DWORD)ms); }
#else
#include <time.h>
static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}
#endif

int main(int argc, char **argv)
{
    if (argc < 2) return 64;
    if (strcmp(argv[1], "append") == 0 && argc >= 3) {
        FILE *f = fopen(argv[2], "ab");
        if (!f) return 65;
        for (int i = 3; i < argc; i++) fprintf(f, "%s\n", argv[i]);
        return fclose(f) == 0 ? 0 : 66;
    }
    if (strcmp(argv[1], "print") == 0 && argc == 3) { fputs(argv[2], stdout); return 0; }
    if (strcmp(argv[1], "env") == 0 && argc == 3) { const char *v = getenv(argv[2]); fputs(v ? v : "", stdout); return v ? 0 : 1; }
    if (strcmp(argv[1], "sleep") == 0 && argc == 3) { sleep_ms(atol(argv[2])); return 0; }
    if (strcmp(argv[1], "exit") == 0 && argc == 3) return atoi(argv[2]);
    return 64;
}
