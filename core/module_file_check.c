/* core/module_file_check.c - ELF / PE completeness check before a module is loaded (see the header). */
#include "module_file_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "platform/platform.h"
#include "wee/errors.h"

#define HINT "copy the module under another name and rename it into the modules folder once complete"

typedef struct image {
    const unsigned char *p;
    uint64_t len;
    int big_endian;
} image;

/* Does [off, off+n) lie inside the image? Overflow-safe. */
static int fits(const image *im, uint64_t off, uint64_t n) { return off <= im->len && n <= im->len - off; }

static uint64_t rd(const image *im, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = im->big_endian ? 8u * (size - 1 - i) : 8u * i;
        v |= (uint64_t)im->p[off + i] << shift;
    }
    return v;
}

static int truncated(char *err, size_t size, const char *what, uint64_t index, uint64_t end, uint64_t len)
{
    snprintf(err, size, "the file is incomplete: %s %llu needs bytes up to %llu but the file has %llu "
             "(still being copied?); " HINT, what, (unsigned long long)index, (unsigned long long)end,
             (unsigned long long)len);
    return WEE_EINVAL;
}

/* Offsets of the ELF header fields that differ between 32 and 64 bits. */
typedef struct elf_layout {
    unsigned word, ehsize, phoff, shoff, phentsize, phnum, shentsize, shnum;
    unsigned ph_size, ph_offset, ph_filesz;
    unsigned sh_size_of, sh_type, sh_offset, sh_size, sh_info;
} elf_layout;

static const elf_layout ELF32 = { 4, 52, 28, 32, 42, 44, 46, 48, 32, 4, 16, 40, 4, 16, 20, 28 };
static const elf_layout ELF64 = { 8, 64, 32, 40, 54, 56, 58, 60, 56, 8, 32, 64, 4, 24, 32, 44 };

static int check_elf(const image *im, char *err, size_t size)
{
    if (im->len < 16 || im->p[0] != 0x7f || im->p[1] != 'E' || im->p[2] != 'L' || im->p[3] != 'F') {
        snprintf(err, size, "not an ELF shared object (no ELF header%s); %s",
                 im->len < 16 ? ", the file is too short" : "", "build it for this platform, or " HINT);
        return WEE_EINVAL;
    }
    unsigned cls = im->p[4], data = im->p[5];
    if ((cls != 1 && cls != 2) || (data != 1 && data != 2)) {
        snprintf(err, size, "not a valid ELF file (class %u, data encoding %u)", cls, data);
        return WEE_EINVAL;
    }
    const elf_layout *L = cls == 2 ? &ELF64 : &ELF32;
    image e = *im;
    e.big_endian = data == 2;
    if (!fits(&e, 0, L->ehsize)) return truncated(err, size, "ELF header", 0, L->ehsize, e.len);
    if (rd(&e, 16, 2) != 3) {
        snprintf(err, size, "not a shared object (ELF type %llu; a module is built as a shared library)",
                 (unsigned long long)rd(&e, 16, 2));
        return WEE_EINVAL;
    }
    uint64_t shoff = rd(&e, L->shoff, L->word), shentsize = rd(&e, L->shentsize, 2), shnum = rd(&e, L->shnum, 2);
    uint64_t phoff = rd(&e, L->phoff, L->word), phentsize = rd(&e, L->phentsize, 2), phnum = rd(&e, L->phnum, 2);
    if (shoff) {
        if (shentsize < L->sh_size_of) {
            snprintf(err, size, "not a valid ELF file (section header size %llu)", (unsigned long long)shentsize);
            return WEE_EINVAL;
        }
        if (!fits(&e, shoff, shentsize)) return truncated(err, size, "section header", 0, shoff + shentsize, e.len);
        /* Extended numbering: the real counts live in section header 0. */
        if (shnum == 0) shnum = rd(&e, shoff + L->sh_size, L->word);
        if (phnum == 0xffff) phnum = rd(&e, shoff + L->sh_info, 4);
        if (shnum > e.len / shentsize || !fits(&e, shoff, shnum * shentsize))
            return truncated(err, size, "section header table of", shnum, shoff + shnum * shentsize, e.len);
        for (uint64_t i = 0; i < shnum; i++) {
            uint64_t h = shoff + i * shentsize;
            if (rd(&e, h + L->sh_type, 4) == 8) continue; /* SHT_NOBITS (.bss) occupies no file bytes */
            uint64_t off = rd(&e, h + L->sh_offset, L->word), n = rd(&e, h + L->sh_size, L->word);
            if (!fits(&e, off, n)) return truncated(err, size, "section", i, off + n, e.len);
        }
    }
    if (phnum == 0 || phentsize < L->ph_size) {
        snprintf(err, size, "not a loadable ELF file (%llu program headers of %llu bytes)",
                 (unsigned long long)phnum, (unsigned long long)phentsize);
        return WEE_EINVAL;
    }
    if (phnum > e.len / phentsize || !fits(&e, phoff, phnum * phentsize))
        return truncated(err, size, "program header table of", phnum, phoff + phnum * phentsize, e.len);
    for (uint64_t i = 0; i < phnum; i++) {
        uint64_t h = phoff + i * phentsize;
        if (rd(&e, h, 4) != 1) continue; /* PT_LOAD: what the loader maps from the file */
        uint64_t off = rd(&e, h + L->ph_offset, L->word), n = rd(&e, h + L->ph_filesz, L->word);
        if (!fits(&e, off, n)) return truncated(err, size, "loadable segment", i, off + n, e.len);
    }
    return 0;
}

static int check_pe(const image *im, char *err, size_t size)
{
    image e = *im;
    e.big_endian = 0;
    if (e.len < 0x40 || e.p[0] != 'M' || e.p[1] != 'Z') {
        snprintf(err, size, "not a Windows DLL (no MZ header%s); build it for this platform, or " HINT,
                 e.len < 0x40 ? ", the file is too short" : "");
        return WEE_EINVAL;
    }
    uint64_t pe = rd(&e, 0x3c, 4);
    if (!fits(&e, pe, 24)) return truncated(err, size, "PE header at offset", pe, pe + 24, e.len);
    if (e.p[pe] != 'P' || e.p[pe + 1] != 'E' || e.p[pe + 2] || e.p[pe + 3]) {
        snprintf(err, size, "not a Windows DLL (no PE signature); build it for this platform, or " HINT);
        return WEE_EINVAL;
    }
    uint64_t coff = pe + 4;
    uint64_t nsect = rd(&e, coff + 2, 2), symptr = rd(&e, coff + 8, 4), nsyms = rd(&e, coff + 12, 4);
    uint64_t optsize = rd(&e, coff + 16, 2), opt = coff + 20;
    if (!(rd(&e, coff + 18, 2) & 0x2000)) {
        snprintf(err, size, "not a DLL (a program or object file; a module is built as a shared library)");
        return WEE_EINVAL;
    }
    if (optsize < 2 || !fits(&e, opt, optsize)) return truncated(err, size, "optional header of", optsize, opt + optsize, e.len);
    uint64_t magic = rd(&e, opt, 2);
    unsigned dirs_at = magic == 0x20b ? 112 : magic == 0x10b ? 96 : 0;
    if (!dirs_at || optsize < dirs_at) {
        snprintf(err, size, "not a valid PE file (optional header magic 0x%llx, %llu bytes)",
                 (unsigned long long)magic, (unsigned long long)optsize);
        return WEE_EINVAL;
    }
    uint64_t headers = rd(&e, opt + 60, 4);
    if (headers > e.len) return truncated(err, size, "header block of", headers, headers, e.len);
    uint64_t ndirs = rd(&e, opt + dirs_at - 4, 4);
    if (ndirs > 4 && optsize >= dirs_at + 5u * 8u) {
        /* The certificate table (Authenticode) is addressed by file offset, at the very end. */
        uint64_t at = rd(&e, opt + dirs_at + 32, 4), n = rd(&e, opt + dirs_at + 36, 4);
        if (n && !fits(&e, at, n)) return truncated(err, size, "certificate table of", n, at + n, e.len);
    }
    uint64_t table = opt + optsize;
    if (!fits(&e, table, nsect * 40)) return truncated(err, size, "section table of", nsect, table + nsect * 40, e.len);
    for (uint64_t i = 0; i < nsect; i++) {
        uint64_t s = table + i * 40;
        uint64_t n = rd(&e, s + 16, 4), off = rd(&e, s + 20, 4);
        if (n && !fits(&e, off, n)) return truncated(err, size, "section", i, off + n, e.len);
    }
    if (symptr) {
        /* COFF symbols then the string table, whose first 4 bytes give its size: mingw puts them last. */
        uint64_t strtab = symptr + nsyms * 18;
        if (!fits(&e, strtab, 4)) return truncated(err, size, "symbol table of", nsyms, strtab + 4, e.len);
        uint64_t n = rd(&e, strtab, 4);
        if (!fits(&e, strtab, n)) return truncated(err, size, "string table of", n, strtab + n, e.len);
    }
    return 0;
}

int module_image_check(const unsigned char *data, size_t len, int elf, char *err, size_t err_size)
{
    image im = { data, (uint64_t)len, 0 };
    char tmp[8];
    if (!err || !err_size) {
        err = tmp;
        err_size = sizeof tmp;
    }
    err[0] = '\0';
    if (!data) im.len = 0;
    return elf ? check_elf(&im, err, err_size) : check_pe(&im, err, err_size);
}

int module_file_check(const char *path, char *err, size_t err_size)
{
    char *data = NULL;
    size_t len = 0;
    int rc = plat_read_file(path, &data, &len);
    if (rc != 0) {
        snprintf(err, err_size, "cannot read the file: %s", wee_strerror(rc));
        return rc;
    }
#if defined(_WIN32)
    rc = module_image_check((const unsigned char *)data, len, 0, err, err_size);
#elif defined(__APPLE__)
    rc = 0; /* Mach-O: not a platform this engine ships for; dlopen decides */
#else
    rc = module_image_check((const unsigned char *)data, len, 1, err, err_size);
#endif
    free(data);
    return rc;
}
