/*
 * which v2.x -- print full path of executables
 * Copyright (C) 1999, 2003, 2007, 2008  Carlo Wood <carlo@gnu.org>
 *
 * This program is free software: you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation, either version 3 of the License, or
 * (at your option) any later version.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *find_command_in_path(const char *name, const char *path_list)
{
  static char found[PATH_MAX];
  char dir[PATH_MAX];
  const char *p = path_list;

  while (p && *p)
  {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);

    memcpy(dir, p, len);
    dir[len] = '\0';
    snprintf(found, sizeof(found), "%s/%s", len ? dir : ".", name);
    if (access(found, X_OK) == 0)
      return found;
    p = colon ? colon + 1 : NULL;
  }
  return NULL;
}

int main(int argc, char *argv[])
{
  const char *path_list = getenv("PATH");
  int i, status = 0;

  for (i = 1; i < argc; i++)
  {
    char *result = find_command_in_path(argv[i], path_list);
    if (result)
      puts(result);
    else
    {
      fprintf(stderr, "which: no %s in (%s)\n", argv[i], path_list ? path_list : "");
      status = 1;
    }
  }
  return status;
}
