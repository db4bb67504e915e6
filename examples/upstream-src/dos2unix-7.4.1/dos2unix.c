/*
 *  Name: dos2unix
 *  Documentation:
 *    Remove cr ('\x0d') characters from a file.
 *
 *  Copyright (C) 2009-2019 Erwin Waterlander
 *  Copyright (C) 1994-1995 Benjamin Lin.
 *  All rights reserved. (BSD-2-Clause, see COPYING.txt)
 */

#include <stdio.h>

#define CR '\x0d'
#define LF '\x0a'

int main(void)
{
  int c;

  while ((c = getchar()) != EOF) {
#ifdef TO_DOS
    if (c == LF)
      putchar(CR);
    putchar(c);
#else
    if (c != CR)
      putchar(c);
#endif
  }
  return 0;
}
