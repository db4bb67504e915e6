/* xmlwf: report the expat version (trimmed example). MIT licensed. */
#include <stdio.h>
#include "expat.h"

int
main(void) {
  printf("xmlwf using %s\n", XML_ExpatVersion());
  return 0;
}
