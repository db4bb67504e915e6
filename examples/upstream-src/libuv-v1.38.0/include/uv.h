/* Copyright Joyent, Inc. and other Node contributors. All rights reserved.
 * MIT licensed, see LICENSE. */

#ifndef UV_H
#define UV_H

#define UV_VERSION_MAJOR 1
#define UV_VERSION_MINOR 38
#define UV_VERSION_PATCH 0

unsigned int uv_version(void);
const char *uv_version_string(void);

#endif /* UV_H */
