/*
                            __  __            _
                         ___\ \/ /_ __   __ _| |_
                        / _ \\  /| '_ \ / _` | __|
                       |  __//  \| |_) | (_| | |_
                        \___/_/\_\ .__/ \__,_|\__|
                                 |_| XML parser

   Licensed under the MIT license (see COPYING).
*/

#ifndef Expat_INCLUDED
#define Expat_INCLUDED 1

#define XML_MAJOR_VERSION 2
#define XML_MINOR_VERSION 2
#define XML_MICRO_VERSION 8

typedef char XML_Char;
typedef struct XML_ParserStruct *XML_Parser;

enum XML_Error {
  XML_ERROR_NONE,
  XML_ERROR_NO_MEMORY,
  XML_ERROR_SYNTAX
};

XML_Parser XML_ParserCreate(const XML_Char *encoding);
void XML_ParserFree(XML_Parser parser);
int XML_AddBinding(XML_Parser parser, const XML_Char *uri, int len);
const char *XML_ExpatVersion(void);

#endif /* not Expat_INCLUDED */
