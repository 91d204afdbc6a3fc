/*
 * secret.c - reading secret files, wiping them, comparing them
 * (cp_secret.h).
 *
 * The mode is checked on the open descriptor (fstat), not the path, so
 * the file checked is the file read.  Group access is allowed: with a
 * service user, root:argos 0640 is the usual way to hand it a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp_secret.h"

static char *
read_file(const char *path, const char *flag, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s %s: cannot read it: %s", flag, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", flag, path);
		goto err;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(err, errlen, "%s %s: every user of this machine may read or write it "
			 "(mode %04o): chmod o-rwx %s", flag, path, (unsigned)(st.st_mode & 07777),
			 path);
		goto err;
	}
	if (st.st_size > CP_SECRET_FILE_MAX) {
		snprintf(err, errlen, "%s %s: larger than %d bytes: not a secret file", flag, path,
			 CP_SECRET_FILE_MAX);
		goto err;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s %s: out of memory", flag, path);
		goto err;
	}
	for (;;) {
		ssize_t n = read(fd, buf + used, (size_t)st.st_size - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s %s: cannot read it: %s", flag, path, strerror(errno));
			goto err;
		}
		if (n == 0 || (used += (size_t)n) == (size_t)st.st_size)
			break;
	}
	buf[used] = '\0';
	close(fd);
	*len = used;
	return buf;
err:
	close(fd);
	cp_secret_free(buf);
	return NULL;
}

char *
cp_secret_read(const char *path, const char *flag, char *err, size_t errlen)
{
	size_t len, n;
	char *buf = read_file(path, flag, &len, err, errlen);

	if (buf == NULL)
		return NULL;
	n = strcspn(buf, "\r\n");
	if (memchr(buf, '\0', n) != NULL || strlen(buf) < n)
		n = strlen(buf);
	explicit_bzero(buf + n, len - n);
	buf[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "%s %s: its first line is empty", flag, path);
		cp_secret_free(buf);
		return NULL;
	}
	return buf;
}

char *
cp_secret_read_all(const char *path, const char *flag, char *err, size_t errlen)
{
	size_t len;
	char *buf = read_file(path, flag, &len, err, errlen);

	if (buf != NULL && len == 0) {
		snprintf(err, errlen, "%s %s: the file is empty", flag, path);
		cp_secret_free(buf);
		return NULL;
	}
	return buf;
}

void
cp_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

int
cp_secret_equal(const char *got, size_t got_len, const char *want, size_t want_len)
{
	volatile unsigned char diff = got_len != want_len;

	/* Every byte of want is looked at; got is read where it has a byte
	 * and compared with 0 past its end, so its length shows only as
	 * the one bit above. */
	for (size_t i = 0; i < want_len; i++) {
		unsigned char g = i < got_len ? (unsigned char)got[i] : 0;

		diff |= g ^ (unsigned char)want[i];
	}
	return diff == 0;
}
