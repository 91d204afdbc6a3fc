/*
 * fuzz_devices_file.c - libFuzzer target for the devices-file parser
 * (controlplane/devices.c, --devices FILE and every SIGHUP reload).
 *
 * Each input is written to a file (on tmpfs where there is one) and
 * loaded with cp_devices_load().  The target checks the parser's
 * promises: on success at least one device, every string terminated
 * inside its field, a community argos can send, an address the rules
 * allow (device_check.h), a version of 0 or 1, lines in file order; on
 * failure nothing returned and an error of the form FILE:LINE: reason.
 *
 * Seeds: corpus/devices_file/; dictionary: devices.dict.  FUZZ_VERBOSE=1
 * prints each refusal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_devices.h"
#include "device_check.h"

static char path[64];

static void
remove_file(void)
{
	unlink(path);
}

static void
terminated(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_device *sentinel = (struct cp_device *)&path, *devs = sentinel;
	size_t n = 12345;
	char err[512];
	FILE *f;

	if (path[0] == '\0') {
		int fd;

		strcpy(path, access("/dev/shm", W_OK) == 0 ? "/dev/shm/argos-fuzz-dev.XXXXXX" :
		       "/tmp/argos-fuzz-dev.XXXXXX");
		fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_file);
	}
	f = fopen(path, "w");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();

	err[0] = '\0';
	if (cp_devices_load(path, &devs, &n, err, sizeof(err)) != 0) {
		/* "FILE:LINE: reason", and nothing handed back (NULL and 0,
		 * or the caller's values untouched). */
		size_t pl = strlen(path);

		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "refused: %s (devs %p, n %zu)\n", err, (void *)devs, n);

		if (!((devs == NULL && n == 0) || (devs == sentinel && n == 12345)) || strncmp(err, path, pl) != 0 ||
		    err[pl] != ':' || err[pl + 1] < '0' || err[pl + 1] > '9' ||
		    strchr(err + pl + 1, ':') == NULL)
			abort();
		return 0;
	}
	if (devs == sentinel || devs == NULL || n == 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct cp_device *d = &devs[i];

		terminated(d->id, sizeof(d->id));
		terminated(d->hostname, sizeof(d->hostname));
		terminated(d->community, sizeof(d->community));
		terminated(d->alt_community, sizeof(d->alt_community));
		if (d->id[0] == '\0' || strlen(d->community) > ARGOS_COMMUNITY_LEN_MAX ||
		    strlen(d->alt_community) > ARGOS_COMMUNITY_LEN_MAX ||
		    d->snmp_version > 1 || cp_device_ip_refused(d->ip) != NULL ||
		    (i > 0 && d->line <= devs[i - 1].line))
			abort();
	}
	free(devs);
	return 0;
}
