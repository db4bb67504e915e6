/*
 * adcli
 *
 * Copyright (C) 2012 Red Hat Inc.
 * Author: Stef Walter <stefw@gnome.org>
 * License: LGPL-2.1-or-later
 */

#ifndef ADCONN_H_
#define ADCONN_H_

typedef struct _adcli_conn_ctx adcli_conn;

adcli_conn *adcli_conn_new (const char *domain);
int adcli_conn_discover (adcli_conn *conn);
const char *adcli_conn_get_domain_name (adcli_conn *conn);
void adcli_conn_unref (adcli_conn *conn);

#endif /* ADCONN_H_ */
