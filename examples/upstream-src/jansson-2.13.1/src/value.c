/*
 * Copyright (c) 2009-2016 Petri Lehtinen <petri@digip.org>
 *
 * Jansson is free software; you can redistribute it and/or modify
 * it under the terms of the MIT license. See LICENSE for details.
 */

#include <stdlib.h>
#include <string.h>
#include "jansson.h"

typedef struct {
    json_t json;
    char *value;
    size_t length;
} json_string_t;

json_t *json_string(const char *value)
{
    json_string_t *string;

    if (!value)
        return NULL;

    string = malloc(sizeof(json_string_t));
    if (!string)
        return NULL;
    string->json.type = JSON_STRING;
    string->json.refcount = 1;
    string->length = strlen(value);
    string->value = strdup(value);
    return &string->json;
}

const char *jansson_version_str(void)
{
    return JANSSON_VERSION;
}

int jansson_version_cmp(int major, int minor, int micro)
{
    int diff;

    if ((diff = JANSSON_MAJOR_VERSION - major))
        return diff;
    if ((diff = JANSSON_MINOR_VERSION - minor))
        return diff;
    return JANSSON_MICRO_VERSION - micro;
}
