/*
 * tests/support/test_support.h - shared helpers for CMocka tests (unit and runtime).
 * Every test main calls test_init() first: it installs the crash handler so a crash fails the test
 * deterministically (also under Wine, where a segfault may otherwise report exit 0).
 */
#ifndef WEE_TEST_SUPPORT_H
#define WEE_TEST_SUPPORT_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

void test_init(void);
/* A fresh empty temporary directory (UTF-8 path, no trailing separator); caller frees with free(). */
char *test_make_temp_dir(const char *tag);
/* Recursively removes a directory tree. */
void test_remove_tree(const char *path);
/* Writes text to path (creates/truncates). 0 on success. */
int test_write_file(const char *path, const char *text);
/* Reads a whole file; NULL if missing. free() the result. */
char *test_read_file(const char *path);
/* Joins a and b with the platform separator into a malloc'd string. */
char *test_path_join(const char *a, const char *b);
/* Polls until path exists or timeout; 1 if it appeared. */
int test_wait_for_file(const char *path, int timeout_ms);
#endif
