/*
 * adcli
 *
 * Copyright (C) 2012 Red Hat Inc.
 * Author: Stef Walter <stefw@gnome.org>
 * License: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "adconn.h"

struct _adcli_conn_ctx {
	char *domain_name;
	char *domain_realm;
	int refs;
};

adcli_conn *
adcli_conn_new (const char *domain)
{
	adcli_conn *conn = calloc (1, sizeof (adcli_conn));
	if (conn == NULL)
		return NULL;
	conn->refs = 1;
	conn->domain_name = domain ? strdup (domain) : NULL;
	return conn;
}

int
adcli_conn_discover (adcli_conn *conn)
{
	char *realm;
	size_t i;

	if (conn->domain_name == NULL)
		return -1;

	realm = strdup (conn->domain_name);
	if (realm == NULL)
		return -1;
	for (i = 0; realm[i]; i++)
		if (realm[i] >= 'a' && realm[i] <= 'z')
			realm[i] -= 'a' - 'A';

	conn->domain_realm = realm;
	return 0;
}

const char *
adcli_conn_get_domain_name (adcli_conn *conn)
{
	return conn->domain_name;
}

void
adcli_conn_unref (adcli_conn *conn)
{
	if (conn == NULL || --conn->refs > 0)
		return;
	free (conn->domain_name);
	free (conn);
}
