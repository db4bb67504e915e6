/*
 * Copyright (c) 2009-2016 Petri Lehtinen <petri@digip.org>
 *
 * Jansson is free software; you can redistribute it and/or modify
 * it under the terms of the MIT license. See LICENSE for details.
 */

#include <stdio.h>
#include <string.h>
#include "jansson.h"

static void error_set(json_error_t *error, int position, const char *msg)
{
    if (!error)
        return;
    error->line = 1;
    error->column = position;
    error->position = position;
    strncpy(error->text, msg, JSON_ERROR_TEXT_LENGTH - 1);
    error->text[JSON_ERROR_TEXT_LENGTH - 1] = '\0';
}

/* Only strings are understood by this trimmed loader. */
json_t *json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error)
{
    char tmp[256];
    size_t i;

    (void)flags;
    if (buflen < 2 || buffer[0] != '"') {
        error_set(error, 0, "'[' or '{' expected");
        return NULL;
    }

    for (i = 1; i < buflen && buffer[i] != '"'; i++)
        tmp[i - 1] = buffer[i];
    tmp[i - 1] = '\0';

    return json_string(tmp);
}
