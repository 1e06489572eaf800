#include "utf8_cut.h"
#include <string.h>

size_t utf8_whole_prefix(const char *s, size_t len)
{
    size_t i = len, continuation = 0;
    while (i > 0 && continuation < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) { i--; continuation++; }
    if (i == 0) return len;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    return continuation < need ? i - 1 : len;
}

void utf8_cut_in_place(char *s)
{
    if (s) s[utf8_whole_prefix(s, strlen(s))] = '\0';
}
