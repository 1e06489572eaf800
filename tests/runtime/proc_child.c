/*
 * proc_child: the process the process-source runtime test watches start and stop.
 *   proc_child TAG SLEEP_MS EXIT_CODE   sleep SLEEP_MS milliseconds, then exit with EXIT_CODE
 * TAG only makes the command line unique, so a test finds exactly its own process's events.
 */
#include <stdlib.h>
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
    if (argc != 4) return 64;
    sleep_ms(atol(argv[2]));
    return atoi(argv[3]);
}
