/*-------------------------------------------------------------------------*/
/**
   @file    iniparser.h
   @author  N. Devillard
   @brief   Parser for ini files.
*/
/*--------------------------------------------------------------------------*/

#ifndef _INIPARSER_H_
#define _INIPARSER_H_

const char *iniparser_strstrip(const char *s, char *out, unsigned len);
int iniparser_getsecnkeys(const char *ini, const char *s);

#endif
