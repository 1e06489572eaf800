#include "double_int.h"

int double_to_int64(double v, int64_t *out)
{
    /* 2^63 is exact in a double; anything outside [-2^63, 2^63) does not fit. */
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return 0;
    int64_t i = (int64_t)v;
    if ((double)i != v) return 0;
    *out = i;
    return 1;
}
