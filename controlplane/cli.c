/*
 * cli.c - shared command-line checks (see cli.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
cli_bad(const char *prog, const char *flag, const char *arg, const char *why)
{
	fprintf(stderr, "%s: %s '%s': %s\n", prog, flag, arg, why);
	return -1;
}

int
cli_number(const char *prog, const char *flag, const char *s, unsigned long min,
	   unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end != '\0' || *out < min || *out > max) {
		fprintf(stderr, "%s: %s '%s': want a whole number from %lu to %lu\n", prog, flag,
			s, min, max);
		return -1;
	}
	return 0;
}

int
cli_eal_argv(int argc, char **argv, int eal_argc, char **out)
{
	static char unlink_flag[] = "--huge-unlink";
	int n = 0, chosen = 0;

	for (int i = 0; i < eal_argc; i++) {
		if (!strncmp(argv[i], "--huge-unlink", 13) || !strcmp(argv[i], "--in-memory") ||
		    !strcmp(argv[i], "--no-huge"))
			chosen = 1;
		out[n++] = argv[i];
	}
	if (!chosen && eal_argc > 0)
		out[n++] = unlink_flag;
	for (int i = eal_argc; i < argc; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	return n;
}
