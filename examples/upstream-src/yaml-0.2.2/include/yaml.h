/**
 * @file yaml.h
 * @brief Public interface for libyaml.
 */

#ifndef YAML_H
#define YAML_H

#include <stdlib.h>

typedef unsigned char yaml_char_t;

typedef struct yaml_version_directive_s {
    int major;
    int minor;
} yaml_version_directive_t;

typedef enum yaml_error_type_e {
    YAML_NO_ERROR,
    YAML_MEMORY_ERROR,
    YAML_READER_ERROR,
    YAML_SCANNER_ERROR
} yaml_error_type_t;

const char *yaml_get_version_string(void);
void yaml_get_version(int *major, int *minor, int *patch);
yaml_char_t *yaml_strdup(const yaml_char_t *str);
int yaml_check_utf8(const yaml_char_t *start, size_t length);

#endif /* #ifndef YAML_H */
