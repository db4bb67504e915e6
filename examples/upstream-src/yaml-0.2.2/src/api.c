#include <string.h>
#include "yaml.h"

const char *
yaml_get_version_string(void)
{
    return YAML_VERSION_STRING;
}

void
yaml_get_version(int *major, int *minor, int *patch)
{
    *major = 0;
    *minor = 2;
    *patch = 2;
}

yaml_char_t *
yaml_strdup(const yaml_char_t *str)
{
    if (!str)
        return NULL;

    return (yaml_char_t *)strdup((char *)str);
}
