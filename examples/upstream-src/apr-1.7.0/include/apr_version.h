/* Licensed to the Apache Software Foundation (ASF) under one or more
 * contributor license agreements.  See the NOTICE file distributed with
 * this work for additional information regarding copyright ownership.
 */

#ifndef APR_VERSION_H
#define APR_VERSION_H

#define APR_MAJOR_VERSION       1
#define APR_MINOR_VERSION       7
#define APR_PATCH_VERSION       0

typedef long long apr_time_t;
typedef int apr_status_t;

typedef struct {
    int tm_usec, tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year;
} apr_time_exp_t;

#define APR_SUCCESS 0
#define APR_EBADDATE 20008

char *apr_cpystrn(char *dst, const char *src, unsigned long dst_size);
apr_status_t apr_time_exp_get(apr_time_t *t, apr_time_exp_t *xt);

#endif /* APR_VERSION_H */
