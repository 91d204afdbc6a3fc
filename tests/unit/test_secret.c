/*
 * test_secret.c - secret files (cp_secret.h): the first line is the
 * secret, a file every user can read is refused with the chmod to run,
 * an empty or missing file is refused, no message holds the secret, and
 * the constant-time comparison tells equal from different.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cp_secret.h"

static char path[64];

static void
write_file(const char *text, mode_t mode)
{
	int fd;

	strcpy(path, "/tmp/argos_test_secret_XXXXXX");
	fd = mkstemp(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror("write");
	close(fd);
	chmod(path, mode);
}

int
main(void)
{
	char err[256] = "", *s;

	write_file("Tok3n-first-line\nsecond line\n", 0600);
	s = cp_secret_read(path, "--api-token-file", err, sizeof(err));
	CHECK(s && strcmp(s, "Tok3n-first-line") == 0, "the first line is the secret, got '%s' (%s)",
	      s ? s : "(null)", err);
	cp_secret_free(s);
	s = cp_secret_read_all(path, "--tls-key", err, sizeof(err));
	CHECK(s && strcmp(s, "Tok3n-first-line\nsecond line\n") == 0, "read_all keeps every line");
	cp_secret_free(s);
	unlink(path);

	write_file("Tok3n\r\n", 0640);
	s = cp_secret_read(path, "--dsn-file", err, sizeof(err));
	CHECK(s && strcmp(s, "Tok3n") == 0, "CRLF is cut and group access is allowed");
	cp_secret_free(s);
	unlink(path);

	write_file("Tok3n\n", 0644);
	s = cp_secret_read(path, "--dsn-file", err, sizeof(err));
	CHECK(s == NULL && strstr(err, "--dsn-file") && strstr(err, "chmod o-rwx") &&
	      strstr(err, "0644") && !strstr(err, "Tok3n"),
	      "a world-readable file is refused with the chmod to run, got '%s'", err);
	cp_secret_free(s);
	unlink(path);

	write_file("\nsecond\n", 0600);
	s = cp_secret_read(path, "--rw-password-file", err, sizeof(err));
	CHECK(s == NULL && strstr(err, "first line is empty"), "an empty first line is refused, got '%s'",
	      err);
	unlink(path);

	s = cp_secret_read("/nonexistent/token", "--api-token-file", err, sizeof(err));
	CHECK(s == NULL && strstr(err, "--api-token-file /nonexistent/token: cannot read it"),
	      "a missing file is named, got '%s'", err);

	CHECK(cp_secret_equal("abcdef", 6, "abcdef", 6), "equal secrets compare equal");
	CHECK(!cp_secret_equal("abcdeg", 6, "abcdef", 6), "a last byte differing is seen");
	CHECK(!cp_secret_equal("abcde", 5, "abcdef", 6), "a prefix is not the secret");
	CHECK(!cp_secret_equal("abcdefg", 7, "abcdef", 6), "a longer string is not the secret");
	CHECK(!cp_secret_equal("", 0, "abcdef", 6), "empty is not the secret");
	return CHECK_DONE("secret_files");
}
