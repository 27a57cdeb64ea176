/* ch_palette.c -- Okabe-Ito categorical palette.  See ch_palette.h. */
#include "ch_palette.h"

static const uint32_t okabe_ito[CH_PALETTE_SIZE] = {
    0x0072B2, /* blue */
    0xE69F00, /* orange */
    0x009E73, /* bluish green */
    0xD55E00, /* vermillion */
    0xCC79A7, /* reddish purple */
    0x56B4E9, /* sky blue */
    0xC9B200, /* yellow, darkened from F0E442 for contrast on white */
    0x444444, /* black, softened */
};

uint32_t ch_palette(int i)
{
    if (i < 0)
        i = 0;
    return okabe_ito[i % CH_PALETTE_SIZE];
}
