/*
 * farm_plog.c - the poll log's allocation and its text form (see
 * farm_plog.h for what is counted, docs/argos-farm.1.md for the file).
 *
 * The file: a comment line with the instant of the write and the mark,
 * the header line, then one line per device that received anything, in
 * device order:
 *
 *   # argos-farm poll-log now_ms N mark_ms M poll_gap_ms G ping_gap_ms P ports A-B
 *   device ip port polls pings overlaps first_ms last_ms max_poll_gap_ms
 *     max_ping_gap_ms sources echoes last_source mark_poll_ms
 *
 * (one line).  mark_ms and mark_poll_ms are -1 when there is none.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farm_plog.h"

int
farm_plog_init(struct farm_plog *pl, uint32_t dev_net, uint32_t n_addr, uint32_t n_ports,
	       uint16_t udp_lo, uint32_t gap_ms, uint32_t ping_gap_ms, uint64_t t0, uint64_t hz)
{
	uint64_t n = (uint64_t)n_addr * n_ports;

	memset(pl, 0, sizeof(*pl));
	if (n == 0 || n > FARM_PLOG_DEVICES_MAX)
		return -E2BIG;
	/* calloc of this size maps zero pages: memory grows with the
	 * devices that are polled, not with the range. */
	pl->dev = calloc(n, sizeof(*pl->dev));
	if (pl->dev == NULL)
		return -ENOMEM;
	pl->dev_net = dev_net;
	pl->n_addr = n_addr;
	pl->n_ports = n_ports;
	pl->udp_lo = udp_lo;
	pl->gap_ms = gap_ms;
	pl->ping_gap_ms = ping_gap_ms;
	pl->t0 = t0;
	pl->tsc_per_ms = hz / 1000 ? hz / 1000 : 1;
	return 0;
}

/* A stored time (ms + 1, 0: never) as printed: ms, or -1. */
static long long
ms_of(uint32_t t)
{
	return t ? (long long)t - 1 : -1;
}

int
farm_plog_write(struct farm_plog *pl, const char *path, uint64_t tsc, int mark)
{
	char tmp[4096];
	uint32_t now = farm_plog_ms(pl, tsc);
	uint64_t n = (uint64_t)pl->n_addr * pl->n_ports;
	FILE *f;
	int rc = 0;

	/* The mark first: a poll that starts while the file is written
	 * counts as after it, in this write's records or the next's. */
	if (mark)
		pl->mark = now;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "# argos-farm poll-log now_ms %lld mark_ms %lld poll_gap_ms %u ping_gap_ms %u "
		"ports %u-%u\n", ms_of(now), ms_of(pl->mark), pl->gap_ms, pl->ping_gap_ms,
		pl->udp_lo, pl->udp_lo + pl->n_ports - 1);
	fputs("device ip port polls pings overlaps first_ms last_ms max_poll_gap_ms "
	      "max_ping_gap_ms sources echoes last_source mark_poll_ms\n", f);
	for (uint64_t i = 0; i < n; i++) {
		const struct farm_plog_dev *d = &pl->dev[i];
		uint32_t ip = pl->dev_net + (uint32_t)(i / pl->n_ports), src = d->last_src;
		uint32_t last = d->last_snmp > d->last_ping ? d->last_snmp : d->last_ping;
		int sources = 0;

		if (d->first == 0)
			continue;
		while (sources < FARM_PLOG_SOURCES && d->src[sources])
			sources++;
		fprintf(f, "%llu %u.%u.%u.%u %u %u %u %u %lld %lld %u %u %d %u %u.%u.%u.%u %lld\n",
			(unsigned long long)i, ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
			ip & 255, pl->udp_lo + (uint32_t)(i % pl->n_ports), d->polls, d->pings,
			d->overlaps, ms_of(d->first), ms_of(last), d->max_poll_gap,
			d->max_ping_gap, sources, d->echoes, src >> 24, (src >> 16) & 255,
			(src >> 8) & 255, src & 255, ms_of(d->mark_poll));
	}
	if (fflush(f) != 0 || ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		remove(tmp);
	return rc;
}
