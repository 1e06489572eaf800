/*
 * proc_child: the process the process-source runtime test watches start and stop.
 *   proc_child TAG SLEEP_MS EXIT_CODE [CHILD_TAG]
 * Sleeps SLEEP_MS milliseconds, then exits with EXIT_CODE. With CHILD_TAG it first runs itself as
 * `proc_child CHILD_TAG 300 0` and waits for it (a grandchild of whoever started this one).
 * TAG only makes the command line unique, so a test finds exactly its own process's events.
 */
#include <stdlib.h>
#ifdef _WIN32
#include <windows.h>
#include <stdio.h>
static void sleep_ms(long ms) { Sleep((DWORD)ms); }
static int run_self(const char *tag)
{
    char exe[MAX_PATH], cmd[MAX_PATH + 300];
    if (!GetModuleFileNameA(NULL, exe, sizeof exe)) return -1;
    snprintf(cmd, sizeof cmd, "\"%s\" %s 300 0", exe, tag);
    STARTUPINFOA si = { sizeof si };
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) return -1;
    WaitForSingleObject(pi.hProcess, INFINITE);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return 0;
}
#else
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
extern char **environ;
static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}
static int run_self(const char *self, const char *tag)
{
    char *argv[] = { (char *)self, (char *)tag, "300", "0", NULL };
    pid_t pid;
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ) != 0) return -1;
    int st;
    return waitpid(pid, &st, 0) == pid ? 0 : -1;
}
#endif

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) return 64;
#ifdef _WIN32
    if (argc == 5 && run_self(argv[4]) != 0) return 65;
#else
    if (argc == 5 && run_self(argv[0], argv[4]) != 0) return 65;
#endif
    sleep_ms(atol(argv[2]));
    return atoi(argv[3]);
}
