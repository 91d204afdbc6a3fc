/*
 * test_error_names.c - the error and drop names are a contract
 * (include/argos_errors.h): every one is spelled, none twice, and the
 * man page lists each (errors under ERRORS, drop reasons under
 * STATISTICS).  Every drop reason that explains a failure maps to the
 * error of the same name.
 *
 * usage: test_error_names docs/argos.1.md
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argos_errors.h"
#include "check.h"

/* The text of the man page between "# NAME" and the next "# ". */
static char *
section(const char *page, const char *name)
{
	char head[64];
	const char *s, *e;
	char *out;

	snprintf(head, sizeof(head), "\n# %s\n", name);
	s = strstr(page, head);
	if (s == NULL)
		return strdup("");
	s += strlen(head);
	e = strstr(s, "\n# ");
	if (e == NULL)
		e = s + strlen(s);
	out = malloc((size_t)(e - s) + 1);
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return out;
}

/* 1 when word appears in text as a whole name (not inside another). */
static int
has_name(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
		char before = p == text ? ' ' : p[-1], after = p[n];

		if (before != '-' && (before < 'a' || before > 'z') &&
		    after != '-' && (after < 'a' || after > 'z'))
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	FILE *f;
	char *page, *errors, *stats;
	long len;

	if (argc != 2 || (f = fopen(argv[1], "r")) == NULL) {
		printf("FAIL: usage: test_error_names docs/argos.1.md (cannot read it)\n");
		return 1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	page = calloc(1, (size_t)len + 1);
	if (fread(page, 1, (size_t)len, f) != (size_t)len) {
		printf("FAIL: cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	errors = section(page, "ERRORS");
	stats = section(page, "STATISTICS");

	for (int i = 1; i < ARGOS_ERR_MAX; i++) {
		const char *n = argos_err_names[i];

		CHECK(n != NULL && *n, "error %d has no name", i);
		if (n == NULL)
			continue;
		CHECK(has_name(errors, n), "the man page's ERRORS section does not list '%s'", n);
		for (int k = 1; k < i; k++)
			CHECK(argos_err_names[k] == NULL || strcmp(argos_err_names[k], n) != 0,
			      "error name '%s' is used twice", n);
	}
	for (int i = 0; i < ARGOS_DROP_MAX; i++) {
		const char *n = argos_drop_names[i];
		enum argos_err e;

		CHECK(n != NULL && *n, "drop reason %d has no name", i);
		if (n == NULL)
			continue;
		CHECK(has_name(stats, n), "the man page's STATISTICS section does not list '%s'", n);
		e = argos_drop_err((enum argos_drop)i);
		CHECK(e == ARGOS_ERR_NONE || strcmp(argos_err_names[e], n) == 0,
		      "drop reason '%s' is reported as error '%s': the names must agree", n,
		      argos_err_names[e]);
	}
	free(errors);
	free(stats);
	free(page);
	return CHECK_DONE("error_names_documented");
}
