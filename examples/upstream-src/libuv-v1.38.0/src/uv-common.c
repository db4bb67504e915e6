/* Copyright Joyent, Inc. and other Node contributors. All rights reserved.
 * MIT licensed, see LICENSE. */

#include "uv.h"

#define UV_VERSION_HEX  ((UV_VERSION_MAJOR << 16) | \
                         (UV_VERSION_MINOR <<  8) | \
                         (UV_VERSION_PATCH))

unsigned int uv_version(void) {
  return UV_VERSION_HEX;
}

const char *uv_version_string(void) {
  return "1.38.0";
}
