/*
 * fuzz_snmp_session.c - libFuzzer target for the SNMP module's reply
 * path against a live session table: GETs of scalars, GETNEXT walks and
 * GETBULK walks, as one dataplane core runs them.
 *
 * The real module runs here (probe_snmp.c, snmp_reply.c, snmp_walk.c,
 * snmp_timeout.c, snmp_addr.c), with the real in-flight table, timer
 * wheel and result batches (dp_results.c, on real rte_rings).  Only the
 * network is replaced: a frame "sent" is kept in a buffer, and every
 * next hop is resolved.  The input is a script:
 *
 *   byte 0   the jobs: bit 0 v2c (else v1), bit 1 walk with GETNEXT,
 *            bit 2 any source, bits 3-4 the profile, bit 5 an alternate
 *            community, bit 6 a slow control plane (back-pressure: a
 *            batch is handed over when time passes, but taken only when
 *            the op says so), bit 7 walks may go backwards (the loop
 *            guard)
 *   byte 1   max-repetitions (0: 1)
 *   byte 2   retries (low 2 bits)
 *   then ops, each [op][len, 2 bytes big-endian][len bytes] (len clamped
 *   to what is left):
 *     op & 3 == 0  a reply to session (op >> 2) % SESSIONS made with its
 *                  live request-id, version and community: bytes are
 *                  [error-status][error-index][varbind list content]
 *     op & 3 == 1  the bytes as the UDP payload, as they are, from the
 *                  agent's address and port
 *     op & 3 == 2  time passes: (bytes[0] + 1) * 7 ms, timers fire; the
 *                  control plane takes the results (when slow: only if
 *                  bytes[1] is odd)
 *     op & 3 == 3  a new job, if a session is free
 *
 * At the end time runs on until every job has ended.  Besides what ASan
 * and UBSan see, the target checks the module's promises: every job
 * ends with exactly one DONE record, records are well formed, no record
 * is lost (results_lost stays 0), and nothing stays in flight.
 *
 * Seeds: corpus/snmp_session/ (made by make_session_seeds.py); a seed
 * there is a 17-varbind reply to a 16-OID GET.  FUZZ_VERBOSE=1 prints
 * what each input did (requests, matched replies, back-pressure drops).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "argos_lane.h"
#include "dp_lcore.h"
#include "probe.h"
#include "snmp_codec.h"
#include "snmp_session.h"

#define SESSIONS 4
#define BATCHES 12   /* DP_ADMIT_BATCHES and a few: back-pressure comes soon */
#define RING_SLOTS 32   /* a power of two above BATCHES: every batch fits */
#define AGENT_IP 0x0a0012c6u          /* 198.18.0.10, network order on x86 */
#define TICK_TSC 1000u                /* a fake TSC: 1 MHz, a tick is 1 ms */

/* --- what the core's network side would do (dp_net.c) ------------------ */

static uint8_t sent_frame[2048];
static uint32_t frames_sent;

uint32_t
dp_next_hop(const struct dp_lcore *lc, uint32_t ip)
{
	(void)lc;
	return ip;
}

enum arp_verdict
dp_resolve(struct dp_lcore *lc, uint32_t next_hop, struct rte_ether_addr *mac)
{
	(void)lc;
	(void)next_hop;
	memset(mac, 0x02, sizeof(*mac));
	return ARP_RESOLVED;
}

struct rte_mbuf *
dp_frame_alloc(struct dp_lcore *lc, const struct rte_ether_addr *dst_mac, uint32_t dst,
	       uint8_t proto, uint16_t l4_len, uint8_t **l4)
{
	(void)lc;
	(void)dst_mac;
	(void)dst;
	(void)proto;
	if (l4_len > sizeof(sent_frame) - 64)
		abort();   /* the module asked for more than a frame holds */
	*l4 = sent_frame + 64;
	return (struct rte_mbuf *)sent_frame;   /* never looked into: only passed back */
}

void
dp_send_udp(struct dp_lcore *lc, struct rte_mbuf *m)
{
	(void)lc;
	if ((uint8_t *)m != sent_frame)
		abort();
	frames_sent++;
}

/* --- the EAL services the module uses, without an EAL ------------------- */

/* Everything the module allocates for one input, freed after it. */
static void *allocs[16];
static unsigned n_allocs;

void *
rte_zmalloc_socket(const char *type, size_t size, unsigned align, int socket)
{
	void *p;

	(void)type;
	(void)align;
	(void)socket;
	if (n_allocs == sizeof(allocs) / sizeof(allocs[0]))
		abort();
	p = calloc(1, size);
	allocs[n_allocs++] = p;
	return p;
}

void *
rte_malloc_socket(const char *type, size_t size, unsigned align, int socket)
{
	return rte_zmalloc_socket(type, size, align, socket);
}

unsigned
rte_socket_id(void)
{
	return 0;
}

/* Request-ids follow a fixed sequence, so an input means the same thing
 * every time it runs. */
static uint64_t rand_next;

uint64_t
rte_rand_max(uint64_t upper_bound)
{
	return upper_bound ? rand_next++ % upper_bound : 0;
}

/* --- the fixture ------------------------------------------------------- */

static struct argos_profile profiles[4];
static struct argos_batch *batches;
static struct rte_ring *results_ring, *free_ring;
static struct argos_lane lane;
static struct dp_lcore lc;
static struct tw_node wheel_nodes[SESSIONS];
static uint32_t wheel_slots[64];
static struct arp_entry arp_entries[4];

/* Devices of the jobs started, and whether each has ended. */
static uint8_t ended[256];
static uint32_t n_jobs;

static void
set_oid(struct argos_oid *o, const uint32_t *sub, uint32_t len)
{
	o->len = len;
	memcpy(o->sub, sub, len * sizeof(uint32_t));
}

/* The profiles: 20 scalars and a walk (a GET of 16 names, then 4, then
 * the walk); walks only; one of each; 32 roots, scalars and walks mixed. */
static void
make_profiles(void)
{
	static const uint32_t sys[] = {1, 3, 6, 1, 2, 1, 1, 0, 0};
	static const uint32_t if_table[] = {1, 3, 6, 1, 2, 1, 2, 2};
	static const uint32_t if_x[] = {1, 3, 6, 1, 2, 1, 31, 1, 1};
	static const uint32_t in_oct[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 10};
	uint32_t o[9];
	struct argos_profile *p;

	p = &profiles[0];
	for (uint32_t i = 0; i < 20; i++) {
		memcpy(o, sys, sizeof(sys));
		o[7] = i + 1;                 /* 1.3.6.1.2.1.1.<i+1>.0 */
		set_oid(&p->oids[p->n_oids++], o, 9);
	}
	set_oid(&p->oids[p->n_oids++], if_table, 8);

	p = &profiles[1];
	set_oid(&p->oids[p->n_oids++], if_table, 8);
	set_oid(&p->oids[p->n_oids++], if_x, 9);

	p = &profiles[2];
	memcpy(o, sys, sizeof(sys));
	o[7] = 3;
	set_oid(&p->oids[p->n_oids++], o, 9);
	set_oid(&p->oids[p->n_oids++], in_oct, 10);

	p = &profiles[3];
	for (uint32_t i = 0; i < ARGOS_PROFILE_MAX_OIDS; i++) {
		memcpy(o, sys, sizeof(sys));
		o[7] = i / 2 + 1;
		set_oid(&p->oids[p->n_oids++], o, i % 2 ? 8 : 9);   /* odd: a walk of sys.<n> */
	}
}

static void
fixture_once(void)
{
	/* aligned_alloc wants a multiple of the alignment. */
	size_t rsz = RTE_ALIGN_CEIL((size_t)rte_ring_get_memsize(RING_SLOTS), RTE_CACHE_LINE_SIZE);

	make_profiles();
	batches = calloc(BATCHES, sizeof(*batches));
	results_ring = aligned_alloc(RTE_CACHE_LINE_SIZE, rsz);
	free_ring = aligned_alloc(RTE_CACHE_LINE_SIZE, rsz);
	if (batches == NULL || results_ring == NULL || free_ring == NULL)
		abort();
}

static void
fixture_reset(uint8_t cfg)
{
	memset(&lane, 0, sizeof(lane));
	memset(&lc, 0, sizeof(lc));
	if (rte_ring_init(results_ring, "results", RING_SLOTS,
			  RING_F_SP_ENQ | RING_F_SC_DEQ) != 0 ||
	    rte_ring_init(free_ring, "free", RING_SLOTS,
			  RING_F_SP_ENQ | RING_F_SC_DEQ) != 0)
		abort();
	for (unsigned i = 0; i < BATCHES; i++)
		if (rte_ring_sp_enqueue(free_ring, &batches[i]) != 0)
			abort();
	lane.max_sessions = SESSIONS;
	lane.n_workers = 1;
	lane.net.snmp_sport = 40000;
	lane.profiles = profiles;
	lane.n_profiles = 4;
	lane.tsc_hz = TICK_TSC * 1000;
	lane.results = results_ring;
	lane.free_batches = free_ring;
	lane.stats.inflight = 0;

	lc.lane = &lane;
	lc.st = &lane.stats;
	lc.tsc_hz = lane.tsc_hz;
	lc.tsc_per_tick = TICK_TSC;
	lc.tsc_per_us = 1;
	lc.snmp_sport = lane.net.snmp_sport;
	lc.worker_bits = 0;
	lc.now_tsc = 1000000;
	lc.now_tick = lc.now_tsc / TICK_TSC;
	lc.rx_frags = 1;
	tw_init(&lc.wheel, wheel_nodes, SESSIONS, wheel_slots, 64, lc.now_tick);
	lc.arp.e = arp_entries;

	n_allocs = 0;
	rand_next = 0;
	frames_sent = 0;
	n_jobs = 0;
	memset(ended, 0, sizeof(ended));
	if (dp_probe_snmp.init(&lc, SESSIONS) != 0)
		abort();
	(void)cfg;
}

static void
fixture_free(void)
{
	for (unsigned i = 0; i < n_allocs; i++)
		free(allocs[i]);
	n_allocs = 0;
}

/* Check every record of batch b, note the jobs that ended, and give
 * the batch back. */
static void
take_batch(struct argos_batch *b)
{
	uint32_t off = 0;

	if (b->used > sizeof(b->data))
		abort();
	while (off < b->used) {
		const struct argos_rec_hdr *h = (const void *)(b->data + off);

		if (b->used - off < sizeof(*h) || h->size < sizeof(*h) || h->size % 8 ||
		    h->size > b->used - off || h->size > DP_REC_MAX)
			abort();
		if (h->device >= n_jobs)
			abort();   /* a record of a job never started */
		switch (h->kind) {
		case ARGOS_REC_VARBIND: {
			const struct argos_rec_varbind *v = (const void *)h;
			size_t need = sizeof(*v) + v->oid_len * sizeof(uint32_t) +
				      (v->type == SNMP_T_OID ? v->val_len * sizeof(uint32_t) :
				       v->type == SNMP_T_OCTETSTR || v->type == SNMP_T_OPAQUE ||
				       v->type == SNMP_T_IPADDRESS ? v->val_len : 0);

			if (need > h->size || v->oid_len > ARGOS_OID_MAX ||
			    snmp_type_name(v->type) == NULL || ended[h->device])
				abort();
			break;
		}
		case ARGOS_REC_ERROR:
			if (ended[h->device])
				abort();
			break;
		case ARGOS_REC_DONE:
			if (ended[h->device]++)
				abort();   /* a job ended twice */
			break;
		default:
			abort();
		}
		off += h->size;
	}
	b->used = 0;
	if (rte_ring_sp_enqueue(free_ring, b) != 0)
		abort();
}

/* The control plane's side: every handed-over batch is read. */
static void
drain_results(int all)
{
	void *b;

	if (all)
		dp_results_flush(&lc);
	while (rte_ring_sc_dequeue(results_ring, &b) == 0)
		take_batch(b);
}

static void
fire(void *ctx, uint32_t id)
{
	dp_probe_snmp.timer(ctx, id);
}

static void
pass_time(uint32_t ms)
{
	lc.now_tsc += (uint64_t)ms * TICK_TSC;
	lc.now_tick = lc.now_tsc / TICK_TSC;
	tw_advance(&lc.wheel, lc.now_tick, fire, &lc);
}

static void
start_job(uint8_t cfg, uint8_t max_rep, uint8_t retries, uint8_t profile)
{
	struct argos_job j;

	if (!dp_probe_snmp.can_start(&lc) || !dp_results_admit(&lc) || n_jobs == sizeof(ended))
		return;
	memset(&j, 0, sizeof(j));
	j.device = n_jobs++;
	j.ip = AGENT_IP;
	j.kind = ARGOS_JOB_SNMP;
	j.snmp_version = cfg & 1 ? SNMP_VERSION_2C : SNMP_VERSION_1;
	j.retries = retries & 3;
	j.port = 161;
	j.max_repetitions = max_rep ? max_rep : 1;
	j.timeout_ms = 100;
	j.profile = profile & 3;
	j.flags = (uint16_t)((cfg & 2 ? ARGOS_JOB_GETNEXT : 0) |
			     (cfg & 4 ? ARGOS_JOB_ANY_SOURCE : 0) |
			     (cfg & 0x80 ? ARGOS_JOB_NONINCREASING : 0));
	memcpy(j.community, "public", 6);
	j.community_len = 6;
	if (cfg & 0x20) {
		memcpy(j.alt_community, "private", 7);
		j.alt_community_len = 7;
	}
	lc.st->jobs_started++;
	lc.st->inflight++;
	dp_probe_snmp.start(&lc, &j);
}

/* BER: tag, a long-form length (0x82 hi lo) and len content bytes. */
static size_t
ber_head(uint8_t *out, uint8_t tag, size_t len)
{
	out[0] = tag;
	out[1] = 0x82;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	return 4;
}

static size_t
ber_int(uint8_t *out, uint8_t tag, uint32_t v)
{
	out[0] = tag;
	out[1] = 4;
	out[2] = (uint8_t)(v >> 24);
	out[3] = (uint8_t)(v >> 16);
	out[4] = (uint8_t)(v >> 8);
	out[5] = (uint8_t)v;
	return 6;
}

/* Deliver one UDP payload from the agent to the module. */
static void
deliver(const struct snmp_session *s, const uint8_t *payload, size_t len)
{
	static uint8_t dgram[8 + 65536];
	struct rte_ipv4_hdr ip;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)dgram;

	if (len > 65535 - 8)
		return;
	memset(&ip, 0, sizeof(ip));
	ip.src_addr = s->state != SS_FREE ? s->ip : AGENT_IP;
	ip.dst_addr = 0x020012c6u;
	udp->src_port = rte_cpu_to_be_16(s->state != SS_FREE ? s->port : 161);
	udp->dst_port = rte_cpu_to_be_16(lc.snmp_sport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
	udp->dgram_cksum = 0;
	memcpy(dgram + 8, payload, len);
	dp_probe_snmp.input(&lc, &ip, dgram, (uint32_t)(8 + len));
}

/* A Response to session s's request in flight: its request-id, version
 * and community, then error-status, error-index and the varbinds. */
static void
reply_to(const struct snmp_session *s, const uint8_t *d, size_t len)
{
	static uint8_t msg[65536];
	uint8_t es = len > 0 ? d[0] : 0, ei = len > 1 ? d[1] : 0;
	const uint8_t *vbl = len > 2 ? d + 2 : d;
	size_t vbl_len = len > 2 ? len - 2 : 0;
	size_t pdu_len = 6 + 6 + 6 + 4 + vbl_len;
	size_t msg_len = 3 + 2 + s->community_len + 4 + pdu_len;
	size_t o = 0;

	if (vbl_len > 60000)
		return;
	o += ber_head(msg + o, 0x30, msg_len);
	msg[o++] = 0x02;
	msg[o++] = 0x01;
	msg[o++] = s->version;
	msg[o++] = 0x04;
	msg[o++] = s->community_len;
	memcpy(msg + o, s->community, s->community_len);
	o += s->community_len;
	o += ber_head(msg + o, SNMP_PDU_RESPONSE, pdu_len);
	o += ber_int(msg + o, 0x02, s->reqid);
	o += ber_int(msg + o, 0x02, es);
	o += ber_int(msg + o, 0x02, ei);
	o += ber_head(msg + o, 0x30, vbl_len);
	memcpy(msg + o, vbl, vbl_len);
	deliver(s, msg, o + vbl_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	uint8_t cfg, max_rep, retries;
	size_t at = 3;

	if (!once) {
		fixture_once();
		once = 1;
	}
	if (size < 3)
		return 0;
	cfg = data[0];
	max_rep = data[1];
	retries = data[2];
	fixture_reset(cfg);
	start_job(cfg, max_rep, retries, (uint8_t)(cfg >> 3));

	while (at + 3 <= size) {
		uint8_t op = data[at];
		size_t len = (size_t)data[at + 1] << 8 | data[at + 2];
		const uint8_t *d = data + at + 3;
		size_t n = size - at - 3 < len ? size - at - 3 : len;
		struct snmp_session *s = &lc.snmp->s[(op >> 2) % SESSIONS];

		at += 3 + n;
		switch (op & 3) {
		case 0:
			if (s->state == SS_WAIT)
				reply_to(s, d, n);
			break;
		case 1:
			deliver(s, d, n);
			break;
		case 2:
			pass_time(((n ? d[0] : 0) + 1u) * 7);
			if (!(cfg & 0x40) || (n > 1 && (d[1] & 1)))
				drain_results(1);
			else
				dp_results_flush(&lc);   /* handed over, not yet read */
			break;
		case 3:
			start_job(cfg, n ? d[0] : max_rep, retries, n > 1 ? d[1] : (uint8_t)(cfg >> 3));
			break;
		}
		if (!(cfg & 0x40))
			drain_results(0);
	}

	/* No more replies: every job must end, by its timeouts. */
	for (unsigned turn = 0; lc.snmp->busy > 0; turn++) {
		if (turn == 20000) {
			fprintf(stderr, "fuzz_snmp_session: %u jobs never ended\n", lc.snmp->busy);
			abort();
		}
		pass_time(50);
		drain_results(1);
	}
	drain_results(1);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "jobs %u, requests %lu, matched %lu, varbinds %lu, errors %lu, "
			"dropped for back-pressure %lu, resent %lu, held %lu, deferred %lu\n",
			n_jobs, (unsigned long)lc.st->snmp_requests, (unsigned long)lc.st->snmp_matched,
			(unsigned long)lc.st->snmp_varbinds, (unsigned long)lc.st->snmp_errors,
			(unsigned long)lc.st->drop[ARGOS_DROP_BACKPRESSURE],
			(unsigned long)lc.st->backpressure_resent,
			(unsigned long)lc.st->backpressure_held,
			(unsigned long)lc.st->backpressure_deferred);
	for (uint32_t i = 0; i < n_jobs; i++)
		if (ended[i] != 1)
			abort();   /* a job ended without its DONE record */
	if (lc.st->results_lost != 0 || lc.st->inflight != 0 || lc.wheel.armed != 0)
		abort();
	fixture_free();
	return 0;
}
