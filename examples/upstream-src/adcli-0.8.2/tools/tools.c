/*
 * adcli
 *
 * Copyright (C) 2012 Red Hat Inc.
 * License: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <string.h>

#include "adconn.h"

int
main (int argc, char *argv[])
{
	adcli_conn *conn;
	int ret;

	if (argc < 3 || strcmp (argv[1], "info") != 0) {
		fprintf (stderr, "usage: adcli info <domain>\n");
		return 2;
	}

	conn = adcli_conn_new (argv[2]);
	ret = adcli_conn_discover (conn);
	if (ret == 0)
		printf ("[domain]\ndomain-name = %s\n", adcli_conn_get_domain_name (conn));
	adcli_conn_unref (conn);
	return ret == 0 ? 0 : 1;
}
