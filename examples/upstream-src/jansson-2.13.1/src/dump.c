/*
 * Copyright (c) 2009-2016 Petri Lehtinen <petri@digip.org>
 *
 * Jansson is free software; you can redistribute it and/or modify
 * it under the terms of the MIT license. See LICENSE for details.
 */

#include <stdlib.h>
#include <string.h>
#include "jansson.h"

#define MAX_INTEGER_STR_LENGTH 100

char *json_dumps(const json_t *json, size_t flags)
{
    (void)flags;
    if (!json)
        return NULL;

    switch (json->type) {
    case JSON_NULL:
        return strdup("null");
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    default:
        return strdup("\"...\"");
    }
}
