/*
   LZ4 - Fast LZ compression algorithm
   Copyright (C) 2011-present, Yann Collet.

   BSD 2-Clause License (http://www.opensource.org/licenses/bsd-license.php)
*/

#include <stdlib.h>
#include <string.h>
#include "lz4.h"

#define LZ4_STREAMSIZE 16416

int LZ4_versionNumber (void) { return LZ4_VERSION_MAJOR *100*100 + LZ4_VERSION_MINOR *100 + LZ4_VERSION_RELEASE; }

int LZ4_compressBound(int isize)  { return LZ4_COMPRESSBOUND(isize); }

void *LZ4_createStream(void)
{
    void *lz4s = malloc(LZ4_STREAMSIZE);
    memset(lz4s, 0, LZ4_STREAMSIZE);
    return lz4s;
}
