/*
 * farm_stats.c - argos-farm's statistics: testpmd-style text every
 * --stats-period seconds and at exit, and a JSON object at exit
 * (--stats-json).
 *
 * Counters are read from each lcore's context without a lock: a value
 * may be one packet old, which nobody reading pps can see.  Only the
 * main lcore calls these, so the previous snapshot (for pps) is plain
 * static state.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>

#include "farm.h"

const char *const farm_ctr_names[FC_MAX] = {
	[FC_RX] = "rx_packets", [FC_TX] = "tx_packets", [FC_TX_DROPPED] = "tx_dropped",
	[FC_REQ_ARP] = "req_arp", [FC_REQ_ICMP] = "req_icmp", [FC_REQ_GET] = "req_get",
	[FC_REQ_GETNEXT] = "req_getnext", [FC_REQ_GETBULK] = "req_getbulk",
	[FC_REP_ARP] = "rep_arp", [FC_REP_ICMP] = "rep_icmp", [FC_REP_SNMP] = "rep_snmp",
	[FC_REP_TOOBIG] = "rep_toobig", [FC_REP_VARBINDS] = "rep_varbinds",
	[FC_REP_FRAGMENTS] = "rep_fragments",
	[FC_REQ_V3] = "req_v3", [FC_REP_REPORT] = "rep_report",
	[FC_DUPLICATES] = "duplicates", [FC_DELAYED] = "delayed",
	[FC_LINK_FAULTS] = "link_faults",
	[FC_DROP_LOSS] = "drop_loss", [FC_DROP_DEAD] = "drop_dead",
	[FC_DROP_COMMUNITY] = "drop_bad_community", [FC_DROP_MALFORMED] = "drop_malformed",
	[FC_DROP_UNSUPPORTED] = "drop_unsupported", [FC_DROP_CHECKSUM] = "drop_bad_checksum",
	[FC_DROP_NOT_FOR_US] = "drop_not_for_us", [FC_DROP_UNHANDLED] = "drop_unhandled",
	[FC_DROP_QUEUE_FULL] = "drop_queue_full", [FC_DROP_TOO_BIG] = "drop_too_big",
	[FC_DROP_PEER_GONE] = "drop_peer_gone", [FC_DROP_NO_MBUF] = "drop_no_mbuf",
	[FC_DROP_LAST_FRAGMENT] = "drop_last_fragment", [FC_DROP_USM] = "drop_usm",
};

static uint64_t last[RTE_MAX_LCORE][FC_MAX];
static double last_seconds;

static void
snapshot(const struct farm_lcore *lc, uint64_t *out)
{
	const volatile uint64_t *s = lc->ctr;

	for (int i = 0; i < FC_MAX; i++)
		out[i] = s[i];
}

/* The requests, replies and drops lines of one set of counters. */
static void
detail(FILE *f, const uint64_t *s)
{
	fprintf(f, "  Requests: arp %" PRIu64 ", icmp %" PRIu64 ", get %" PRIu64
		", getnext %" PRIu64 ", getbulk %" PRIu64 ", v3 %" PRIu64 "\n",
		s[FC_REQ_ARP], s[FC_REQ_ICMP], s[FC_REQ_GET], s[FC_REQ_GETNEXT], s[FC_REQ_GETBULK],
		s[FC_REQ_V3]);
	fprintf(f, "  Replies: arp %" PRIu64 ", icmp %" PRIu64 ", snmp %" PRIu64 " (tooBig %"
		PRIu64 ", varbinds %" PRIu64 ", fragments %" PRIu64 "), duplicates %" PRIu64
		", delayed %" PRIu64 ", v3 reports %" PRIu64 "\n", s[FC_REP_ARP], s[FC_REP_ICMP],
		s[FC_REP_SNMP], s[FC_REP_TOOBIG], s[FC_REP_VARBINDS], s[FC_REP_FRAGMENTS],
		s[FC_DUPLICATES], s[FC_DELAYED], s[FC_REP_REPORT]);
	fputs("  Dropped:", f);
	for (int i = FC_DROP_FIRST; i < FC_MAX; i++)
		fprintf(f, "%s %s %" PRIu64, i > FC_DROP_FIRST ? "," : "",
			farm_ctr_names[i] + 5, s[i]);
	fputc('\n', f);
}

void
farm_stats_print(FILE *f, struct farm_lcore *const *lc, unsigned n, uint16_t port,
		 double seconds, int final)
{
	double dt = seconds - last_seconds;
	uint64_t tot[FC_MAX];
	struct rte_eth_stats ps;

	memset(tot, 0, sizeof(tot));
	for (unsigned q = 0; q < n; q++) {
		uint64_t s[FC_MAX];

		snapshot(lc[q], s);
		for (int i = 0; i < FC_MAX; i++)
			tot[i] += s[i];
		fprintf(f, "\n  ---------------- argos-farm port %u queue %u (lcore %u) "
			"----------------\n", port, q, lc[q]->lcore);
		fprintf(f, "  RX-packets: %-12" PRIu64 " TX-packets: %-12" PRIu64
			" TX-dropped: %-8" PRIu64 " Link-faults: %" PRIu64 "\n", s[FC_RX], s[FC_TX],
			s[FC_TX_DROPPED], s[FC_LINK_FAULTS]);
		fprintf(f, "  Rx-pps: %12.0f          Tx-pps: %12.0f\n",
			dt > 0 ? (double)(s[FC_RX] - last[q][FC_RX]) / dt : 0.0,
			dt > 0 ? (double)(s[FC_TX] - last[q][FC_TX]) / dt : 0.0);
		detail(f, s);
		memcpy(last[q], s, sizeof(s));
	}
	last_seconds = seconds;
	if (final) {
		fprintf(f, "\n  ================ argos-farm summary: %u queue(s), %.1f s "
			"================\n", n, seconds);
		fprintf(f, "  RX-packets: %-12" PRIu64 " TX-packets: %-12" PRIu64
			" TX-dropped: %" PRIu64 "\n", tot[FC_RX], tot[FC_TX], tot[FC_TX_DROPPED]);
		fprintf(f, "  Rx-pps (avg): %12.0f    Tx-pps (avg): %12.0f\n",
			seconds > 0 ? tot[FC_RX] / seconds : 0.0,
			seconds > 0 ? tot[FC_TX] / seconds : 0.0);
		detail(f, tot);
		if (rte_eth_stats_get(port, &ps) == 0)
			fprintf(f, "  Port %u: ipackets %" PRIu64 ", opackets %" PRIu64
				", imissed %" PRIu64 ", ierrors %" PRIu64 ", oerrors %" PRIu64
				", rx_nombuf %" PRIu64 "\n", port, ps.ipackets, ps.opackets,
				ps.imissed, ps.ierrors, ps.oerrors, ps.rx_nombuf);
		fputs("  ==================================================================\n", f);
	}
	fflush(f);
}

static void
json_counters(FILE *f, const uint64_t *s)
{
	for (int i = 0; i < FC_MAX; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", farm_ctr_names[i], s[i]);
}

int
farm_stats_json(const char *path, struct farm_lcore *const *lc, unsigned n, uint16_t port,
		double seconds)
{
	uint64_t tot[FC_MAX];
	struct rte_eth_stats ps;
	FILE *f;
	int rc = 0;

	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	memset(tot, 0, sizeof(tot));
	memset(&ps, 0, sizeof(ps));
	rte_eth_stats_get(port, &ps);
	fprintf(f, "{\"seconds\":%.3f,\"port\":{\"id\":%u,\"ipackets\":%" PRIu64
		",\"opackets\":%" PRIu64 ",\"imissed\":%" PRIu64 ",\"ierrors\":%" PRIu64
		",\"oerrors\":%" PRIu64 "},\"queues\":[", seconds, port, ps.ipackets,
		ps.opackets, ps.imissed, ps.ierrors, ps.oerrors);
	for (unsigned q = 0; q < n; q++) {
		uint64_t s[FC_MAX];

		snapshot(lc[q], s);
		for (int i = 0; i < FC_MAX; i++)
			tot[i] += s[i];
		fprintf(f, "%s{\"queue\":%u,\"lcore\":%u,", q ? "," : "", q, lc[q]->lcore);
		json_counters(f, s);
		fputc('}', f);
	}
	fputs("],\"total\":{", f);
	json_counters(f, tot);
	fputs("}}\n", f);
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}
