/*
 * Copyright (c) 2016-2020, Yann Collet, Facebook, Inc.
 * All rights reserved.
 *
 * This source code is licensed under both the BSD-style license (found in the
 * LICENSE file in the root directory of this source tree) and the GPLv2.
 */

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *FIO_openDstFile(const char *dstFileName)
{
    FILE *f = fopen(dstFileName, "wb");
    if (f == NULL) {
        fprintf(stderr, "zstd: %s: Permission denied\n", dstFileName);
    }
    return f;
}

void FIO_closeDstFile(FILE *dstFile, const char *dstFileName, const struct stat *srcStat)
{
    fclose(dstFile);
    if (srcStat != NULL)
        chmod(dstFileName, srcStat->st_mode);
}
