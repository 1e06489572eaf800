/*
 * Crashes on purpose after test_init(). Registered with WILL_FAIL: it proves a crash fails its test
 * every time. Under Wine about a third of unhandled crashes otherwise report exit status 0; the crash
 * filter test_init installs turns each into exit 3.
 */
#include <stdio.h>
#include "test_support.h"

int main(int argc, char **argv)
{
    (void)argv;
    test_init();
    volatile int *volatile p = NULL;
    fprintf(stderr, "crash_probe: dereferencing NULL on purpose\n");
    *p = argc; /* the crash */
    return 0;
}
