/* hello.c -- print a greeting message and exit.

   Copyright 1992-2013 Free Software Foundation, Inc.

   This program is free software: you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation, either version 3 of the License, or
   (at your option) any later version.  */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
print_help (const char *program_name)
{
  printf ("Usage: %s [OPTION]...\n", program_name);
  fputs ("Print a friendly, customizable greeting.\n\n", stdout);
  fputs ("  -h, --help          display this help and exit\n", stdout);
  fputs ("  -v, --version       display version information and exit\n", stdout);
  fputs ("  -g, --greeting=TEXT use TEXT as the greeting message\n", stdout);
}

int
main (int argc, char *argv[])
{
  const char *greeting_msg = "Hello, world!";
  int i;

  for (i = 1; i < argc; i++)
    {
      if (!strcmp (argv[i], "-h") || !strcmp (argv[i], "--help"))
        {
          print_help (argv[0]);
          return EXIT_SUCCESS;
        }
      if (!strcmp (argv[i], "-v") || !strcmp (argv[i], "--version"))
        {
          printf ("hello (GNU Hello) %s\n", VERSION);
          return EXIT_SUCCESS;
        }
      if (!strcmp (argv[i], "-g") && i + 1 < argc)
        greeting_msg = argv[++i];
    }

  puts (greeting_msg);
  return EXIT_SUCCESS;
}
