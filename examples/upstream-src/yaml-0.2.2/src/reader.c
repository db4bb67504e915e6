#include "yaml.h"

/*
 * Check if a string is a valid UTF-8 sequence.
 */
int
yaml_check_utf8(const yaml_char_t *start, size_t length)
{
    const yaml_char_t *end = start + length;
    const yaml_char_t *pointer = start;

    while (pointer < end) {
        unsigned char octet = pointer[0];
        unsigned int width = (octet & 0x80) == 0x00 ? 1 :
                             (octet & 0xE0) == 0xC0 ? 2 :
                             (octet & 0xF0) == 0xE0 ? 3 :
                             (octet & 0xF8) == 0xF0 ? 4 : 0;
        if (!width) return 0;
        pointer += width;
    }

    return 1;
}
