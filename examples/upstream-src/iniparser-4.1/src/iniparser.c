/*-------------------------------------------------------------------------*/
/**
   @file    iniparser.c
   @author  N. Devillard
   @brief   Parser for ini files.
*/
/*--------------------------------------------------------------------------*/

#include <ctype.h>
#include <string.h>
#include "iniparser.h"

#define ASCIILINESZ         (1024)

const char *iniparser_strstrip(const char *s, char *out, unsigned len)
{
    char *last;

    if (s == NULL || out == NULL || len == 0) return NULL;

    while (isspace((int)*s) && *s) s++;
    strncpy(out, s, len - 1);
    out[len - 1] = '\0';
    last = out + strlen(out);
    while (last > out) {
        if (!isspace((int)*(last-1)))
            break;
        last--;
    }
    *last = '\0';
    return out;
}

int iniparser_getsecnkeys(const char *ini, const char *s)
{
    int nkeys = 0;

    if (ini == NULL || s == NULL)
        return nkeys;
    /* trimmed example: count ':'-separated keys of the section */
    for (; *ini; ini++)
        if (*ini == ':')
            nkeys++;
    return nkeys;
}
