/*
 * argos_xdp.c - argos's XDP steering program, for net_af_xdp's xdp_prog=.
 *
 * With it, argos shares an interface with the host's kernel: only what
 * argos owns goes to argos's AF_XDP sockets, everything else to the
 * kernel as if no program were there.  argos owns, on its own address:
 *
 *   - ARP whose target is argos's address (requests and replies),
 *   - ICMP echo replies (argos's pings) and echo requests (argos answers
 *     pings to itself),
 *   - UDP to argos's source-port range from an SNMP agent port,
 *   - IPv4 fragments (a reply larger than one frame: argos reassembles).
 *
 * net_af_xdp loads this file, attaches it to the interface and puts one
 * AF_XDP socket per queue into the XSKMAP it finds by the name xsks_map,
 * keyed by queue index.  The control plane (controlplane/cp_xdp.c) then
 * writes argos's address and ports into the configuration map, which
 * libbpf pins by name under /sys/fs/bpf.  Until that entry exists the
 * program passes everything: an unconfigured program never takes
 * traffic from the kernel.
 *
 * Build: clang -O2 -g -target bpf (bpf/meson.build does it).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "argos_xdp.h"

/* The AF_XDP sockets, one per queue; net_af_xdp fills it.  The name is
 * the one net_af_xdp looks up (drivers/net/af_xdp, DPDK 22.11). */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, ARGOS_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ARGOS_XDP_MAX_IFACES);
	__type(key, __u32);                     /* ifindex */
	__type(value, struct argos_xdp_conf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} argos_xdp_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ARGOS_XDP_N_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} argos_xdp_stats SEC(".maps");

/* An Ethernet/IPv4 ARP packet and the start of an ICMP message.
 * Declared here: <linux/if_arp.h> and <linux/icmp.h> pull in glibc's
 * headers, which -target bpf cannot compile. */
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
struct icmp_start {
	__u8 type;
	__u8 code;
	__sum16 cksum;
};

#define ARP_HRD_ETHER 1
struct arp_ipv4 {
	__be16 hrd;
	__be16 pro;
	__u8 hln;
	__u8 pln;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__u8 sip[4];
	__u8 tha[ETH_ALEN];
	__u8 tip[4];
} __attribute__((packed));

static __always_inline int
count(__u32 what, int action)
{
	__u64 *n = bpf_map_lookup_elem(&argos_xdp_stats, &what);

	if (n)
		*n += 1;
	return action;
}

/* Hand the frame to the AF_XDP socket of its queue.  A queue without a
 * socket (argos not started on it, or gone) passes the frame instead:
 * the low bits of the flags are the action when the lookup fails. */
static __always_inline int
steer(struct xdp_md *ctx, __u32 what)
{
	count(what, XDP_PASS);
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

static __always_inline int
agent_port_ok(const struct argos_xdp_conf *c, __u16 sport)
{
	int i;

	if (c->agent_ports[0] == 0)
		return 1;
#pragma unroll
	for (i = 0; i < ARGOS_XDP_AGENT_PORTS; i++) {
		if (c->agent_ports[i] == 0)
			return 0;
		if (c->agent_ports[i] == sport)
			return 1;
	}
	return 0;
}

static __always_inline int
arp_input(struct xdp_md *ctx, const struct argos_xdp_conf *c, void *l3, void *end)
{
	struct arp_ipv4 *arp = l3;
	__u32 tip;

	if ((void *)(arp + 1) > end)
		return count(ARGOS_XDP_PASS, XDP_PASS);
	if (arp->hrd != bpf_htons(ARP_HRD_ETHER) || arp->pro != bpf_htons(ETH_P_IP) ||
	    arp->hln != ETH_ALEN || arp->pln != 4)
		return count(ARGOS_XDP_PASS, XDP_PASS);
	__builtin_memcpy(&tip, arp->tip, sizeof(tip));
	if (tip != c->ip)
		return count(ARGOS_XDP_PASS, XDP_PASS);
	return steer(ctx, ARGOS_XDP_STEER_ARP);
}

static __always_inline int
ipv4_input(struct xdp_md *ctx, const struct argos_xdp_conf *c, void *l3, void *end)
{
	struct iphdr *ip = l3;
	struct udphdr *udp;
	struct icmp_start *icmp;
	void *l4;
	__u16 dport;

	if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5)
		return count(ARGOS_XDP_PASS, XDP_PASS);
	if (ip->daddr != c->ip)
		return count(ARGOS_XDP_PASS, XDP_PASS);
	/* A fragment (MF set or a non-zero offset) to argos's address is
	 * part of a reply too large for one frame: only the first fragment
	 * carries the UDP header, so fragments are matched on the address
	 * alone, and argos reassembles them (dataplane/dp_frag.c).  The
	 * address is argos's own, so the kernel never wanted them. */
	if (ip->frag_off & bpf_htons(0x3fff))
		return steer(ctx, ARGOS_XDP_STEER_FRAG);
	l4 = l3 + ip->ihl * 4;

	switch (ip->protocol) {
	case IPPROTO_UDP:
		udp = l4;
		if ((void *)(udp + 1) > end)
			break;
		dport = bpf_ntohs(udp->dest);
		if (dport < c->sport_lo || dport > c->sport_hi ||
		    !agent_port_ok(c, bpf_ntohs(udp->source)))
			break;
		return steer(ctx, ARGOS_XDP_STEER_UDP);
	case IPPROTO_ICMP:
		icmp = l4;
		if ((void *)(icmp + 1) > end)
			break;
		if (icmp->type != ICMP_ECHO_REPLY && icmp->type != ICMP_ECHO_REQUEST)
			break;
		return steer(ctx, ARGOS_XDP_STEER_ICMP);
	default:
		break;
	}
	return count(ARGOS_XDP_PASS, XDP_PASS);
}

SEC("xdp")
int
argos_xdp_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	const struct argos_xdp_conf *c;
	__u32 ifindex = ctx->ingress_ifindex;

	c = bpf_map_lookup_elem(&argos_xdp_conf, &ifindex);
	if (c == NULL || c->ip == 0)
		return count(ARGOS_XDP_PASS_UNCONFIGURED, XDP_PASS);
	if ((void *)(eth + 1) > end)
		return count(ARGOS_XDP_PASS, XDP_PASS);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return arp_input(ctx, c, eth + 1, end);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return ipv4_input(ctx, c, eth + 1, end);
	return count(ARGOS_XDP_PASS, XDP_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";
