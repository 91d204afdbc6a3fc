/*
 * argos_xdp.h - what argos's XDP steering program (argos_xdp.c) and the
 * control plane that configures it (controlplane/cp_xdp.c) share: the
 * names of the maps and the layout of one configuration entry.
 *
 * Included by the BPF program (clang -target bpf) and by ordinary C, so
 * it uses only the kernel's fixed-size types.
 */
#ifndef ARGOS_XDP_H
#define ARGOS_XDP_H

#include <linux/types.h>

/* Map names: the kernel keeps 15 characters of a map's name.  The
 * configuration map is pinned by name under the bpffs root, so its path
 * is ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP. */
#define ARGOS_XDP_CONF_MAP "argos_xdp_conf"
#define ARGOS_XDP_STATS_MAP "argos_xdp_stats"
#define ARGOS_XDP_PIN_ROOT "/sys/fs/bpf"

#define ARGOS_XDP_MAX_IFACES 64      /* configuration entries: one per interface */
#define ARGOS_XDP_MAX_QUEUES 64      /* AF_XDP sockets: one per queue */
#define ARGOS_XDP_AGENT_PORTS 8      /* agent UDP ports one interface may match */

/*
 * What argos owns on one interface, keyed in the configuration map by
 * the interface's ifindex.  Why a hash keyed by ifindex, not a one-slot
 * array: the map is pinned by name, so every argos on the machine finds
 * the same map; keying by interface lets two of them run on two NICs
 * without overwriting each other.
 */
struct argos_xdp_conf {
	__u32 ip;                 /* argos's address, network order */
	__u16 sport_lo;           /* argos's UDP source ports, host order, */
	__u16 sport_hi;           /* inclusive */
	/* SNMP agents' UDP ports, host order; the list ends at the first 0.
	 * An empty list matches replies from any source port. */
	__u16 agent_ports[ARGOS_XDP_AGENT_PORTS];
};

/* Per-CPU counters of the program's decisions, by index. */
enum argos_xdp_counter {
	ARGOS_XDP_PASS_UNCONFIGURED,  /* no entry for this interface: passed */
	ARGOS_XDP_PASS,               /* not argos's: passed to the kernel */
	ARGOS_XDP_STEER_ARP,          /* ARP for argos's address */
	ARGOS_XDP_STEER_ICMP,         /* ICMP echo reply or request to argos */
	ARGOS_XDP_STEER_UDP,          /* an SNMP reply to argos's ports */
	ARGOS_XDP_STEER_FRAG,         /* an IPv4 fragment to argos's address */
	ARGOS_XDP_N_COUNTERS
};

#endif
