/* Trimmed copy of expat's xmlparse.c for the Steward example distribution.
   Licensed under the MIT license (see COPYING). */

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "expat.h"

#define EXPAND_SPARE 24

struct XML_ParserStruct {
  XML_Char *m_uri;
  int m_uriAlloc;
};

XML_Parser
XML_ParserCreate(const XML_Char *encoding) {
  XML_Parser parser = calloc(1, sizeof(struct XML_ParserStruct));
  (void)encoding;
  return parser;
}

void
XML_ParserFree(XML_Parser parser) {
  if (parser == NULL)
    return;
  free(parser->m_uri);
  free(parser);
}

int
XML_AddBinding(XML_Parser parser, const XML_Char *uri, int len) {
  if (len > parser->m_uriAlloc) {
    XML_Char *temp = realloc(parser->m_uri, sizeof(XML_Char) * (len + EXPAND_SPARE));
    if (temp == NULL)
      return XML_ERROR_NO_MEMORY;
    parser->m_uri = temp;
    parser->m_uriAlloc = len + EXPAND_SPARE;
  }
  memcpy(parser->m_uri, uri, len * sizeof(XML_Char));
  return XML_ERROR_NONE;
}

const char *
XML_ExpatVersion(void) {
  return "expat_2.2.8";
}
