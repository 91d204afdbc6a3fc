/*
 * device_check.c - the rules every device meets before it is polled
 * (device_check.h).  One table of ranges, one address rule, one length
 * for communities: the devices file, the API and the claims call this,
 * so a device refused by one is refused by all.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "argos_job.h"
#include "device_check.h"

/* Why a week: a poll less often than that is a configuration mistake,
 * and it keeps every due time far from overflowing. */
#define FREQ_MAX_S (7 * 86400)

struct range {
	const char *name;
	size_t off;
	int64_t min, max;
};

#define R(f, lo, hi) { #f, offsetof(struct cp_device_check, f), lo, hi }
static const struct range ranges[] = {
	R(snmp_port, 1, 65535),
	R(snmp_retries, 0, 10),
	R(snmp_max_repetitions, 1, 1000),
	R(polling_frequency, 0, FREQ_MAX_S),
	R(ping_frequency, 0, FREQ_MAX_S),
};
#undef R

const char *
cp_device_ip_refused(uint32_t ip)
{
	uint32_t h = ntohl(ip);

	if ((h >> 24) == 0)
		return "\"this network\" (0.0.0.0/8)";
	if ((h >> 24) == 127)
		return "loopback (127.0.0.0/8)";
	if ((h >> 28) == 0xe)
		return "multicast (224.0.0.0/4)";
	if ((h >> 28) == 0xf)
		return "reserved or broadcast (240.0.0.0/4)";
	return NULL;
}

static int
community_ok(const char *name, const char *c, char *why, size_t len)
{
	if (c != NULL && strlen(c) > ARGOS_COMMUNITY_LEN_MAX) {
		snprintf(why, len, "%s is longer than %d bytes (what argos can send)", name,
			 ARGOS_COMMUNITY_LEN_MAX);
		return -1;
	}
	return 0;
}

int
cp_device_check(const struct cp_device_check *d, char *why, size_t len)
{
	const char *no;
	char ip[INET_ADDRSTRLEN];

	if (d->hostname != NULL) {
		size_t n = strlen(d->hostname);

		if (n == 0 || n > 255) {
			snprintf(why, len, "hostname: want 1 to 255 bytes, got %zu", n);
			return -1;
		}
		for (const char *p = d->hostname; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				snprintf(why, len, "hostname: holds a control character");
				return -1;
			}
	}
	if ((no = cp_device_ip_refused(d->ip)) != NULL) {
		inet_ntop(AF_INET, &d->ip, ip, sizeof(ip));
		snprintf(why, len, "ip_address: %s cannot be polled: %s", ip, no);
		return -1;
	}
	if (community_ok("snmp_community", d->community, why, len) ||
	    community_ok("snmp_alternate_community", d->alt_community, why, len))
		return -1;
	if (d->snmp_version != 0 && d->snmp_version != 1) {
		snprintf(why, len, "snmp_version: want 1 or 2c (SNMPv3 is not supported yet)");
		return -1;
	}
	if (d->snmp_timeout_ms < 10 || d->snmp_timeout_ms > 60000) {
		snprintf(why, len, "snmp_timeout: %lld ms is out of range 0.01..60 s",
			 (long long)d->snmp_timeout_ms);
		return -1;
	}
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		int64_t v = *(const int64_t *)((const char *)d + ranges[i].off);

		if (v < ranges[i].min || v > ranges[i].max) {
			snprintf(why, len, "%s: %lld is out of range %lld..%lld", ranges[i].name,
				 (long long)v, (long long)ranges[i].min, (long long)ranges[i].max);
			return -1;
		}
	}
	return 0;
}
