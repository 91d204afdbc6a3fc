/*
 * api_input.c - the device API's checks on a request's bytes
 * (api_input.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_input.h"

int
cp_api_id_ok(const char *s)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9' || strlen(s) > 19)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return !errno && *end == '\0' && v >= 0;
}

const char *
cp_api_body_refused(const char *p, size_t len)
{
	int depth = 0, in_str = 0;

	if (memchr(p, '\0', len) != NULL)
		return "the body holds a NUL byte";
	for (const char *end = p + len; p < end; p++) {
		if (in_str) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				in_str = 0;
		} else if (*p == '"') {
			in_str = 1;
		} else if ((*p == '{' || *p == '[') && ++depth > CP_API_DEPTH_MAX) {
			return "the body is nested too deep";
		} else if (*p == '}' || *p == ']') {
			depth--;
		}
	}
	return NULL;
}
