/*
 * Copyright (c) 2016-2020, Yann Collet, Facebook, Inc.
 * All rights reserved.
 */

#include <stdio.h>
#include <string.h>
#include "zstd.h"

int main(int argc, const char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "-V")) {
        printf("*** zstd command line interface 64-bits v%s, by Yann Collet ***\n",
               ZSTD_versionString());
        return 0;
    }
    fprintf(stderr, "usage: zstd -V\n");
    return 1;
}
