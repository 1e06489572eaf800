#include "util/text_escape.h"

size_t text_escape_controls(const char *in, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if ((*p >= 0x20 && *p != 0x7F) || *p == '\t') { if (out) out[n] = (char)*p; n++; continue; }
        if (out) {
            out[n] = '\\';
            if (*p == '\n') out[n + 1] = 'n';
            else if (*p == '\r') out[n + 1] = 'r';
            else { out[n + 1] = 'x'; out[n + 2] = hex[*p >> 4]; out[n + 3] = hex[*p & 15]; }
        }
        n += (*p == '\n' || *p == '\r') ? 2 : 4;
    }
    return n;
}
