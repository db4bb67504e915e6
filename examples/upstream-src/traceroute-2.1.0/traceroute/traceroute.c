/*
    Copyright (c)  2006, 2007		Dmitry Butskoy
					<buc@citadel.stu.neva.ru>
    License:  GPL v2 or any later

    See COPYING for the status of this software.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_HOPS	30
#define MAX_HOPS	255
#define DEF_NUM_PROBES	3
#define MAX_PROBES	10

static unsigned int max_hops = DEF_HOPS;
static unsigned int probes_per_hop = DEF_NUM_PROBES;

static void ex_error (const char *msg)
{
	fprintf (stderr, "%s\n", msg);
	exit (2);
}

int main (int argc, char *argv[])
{
	int i;

	for (i = 1; i + 1 < argc; i++) {
		if (!strcmp (argv[i], "-m"))
			max_hops = atoi (argv[++i]);
		else if (!strcmp (argv[i], "-q"))
			probes_per_hop = atoi (argv[++i]);
	}

	if (max_hops > MAX_HOPS)
		ex_error ("max hops cannot be more than 255");
	if (!probes_per_hop || probes_per_hop > MAX_PROBES)
		ex_error ("no more than 10 probes per hop");

	printf ("traceroute to %s, %u hops max\n", argc > 1 ? argv[argc - 1] : "?", max_hops);
	return 0;
}
