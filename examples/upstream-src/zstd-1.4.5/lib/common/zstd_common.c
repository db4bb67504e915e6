/*
 * Copyright (c) 2016-2020, Yann Collet, Facebook, Inc.
 * All rights reserved.
 *
 * This source code is licensed under both the BSD-style license (found in the
 * LICENSE file in the root directory of this source tree) and the GPLv2.
 */

#include "zstd.h"

unsigned ZSTD_versionNumber(void) { return ZSTD_VERSION_NUMBER; }

const char *ZSTD_versionString(void) { return "1.4.5"; }
