/*
 * core/module_file_check.h - is this module file whole, before the OS loader maps it?
 *
 * Users install a module by copying a file into modules/, and a copy takes time. dlopen maps the
 * segments an ELF header promises; a page past the end of a truncated file faults (SIGBUS) inside the
 * loader, in the host. So the file is read and its headers checked first: an ELF shared object (Linux)
 * or a PE DLL (Windows) whose every loadable segment, section, symbol table and certificate lies inside
 * the file. What is refused gets one line saying what is wrong and what to do.
 *
 * A file replaced between this check and the load is not caught: the modules folder must be writable by
 * administrators only (see docs/security.md), and then only they race it.
 */
#ifndef WEE_MODULE_FILE_CHECK_H
#define WEE_MODULE_FILE_CHECK_H
#include <stddef.h>

/* 0 if the file at path is a whole module file for this platform; otherwise a WEE_E* code and a
 * message in err (without the path: the caller names the file). */
int module_file_check(const char *path, char *err, size_t err_size);

/* The same on bytes in memory (what the fuzzers and unit tests feed). elf: 1 expects ELF, 0 PE. */
int module_image_check(const unsigned char *data, size_t len, int elf, char *err, size_t err_size);
#endif
