/*
 * cli.c - shared command-line checks (see cli.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
