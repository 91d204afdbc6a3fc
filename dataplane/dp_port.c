/*
 * dp_port.c - bring up the ethdev port the worker cores poll.
 *
 * Any port works: a PCI NIC bound with dpdk-devbind or a vdev
 * (net_af_packet, net_af_xdp, net_tap, net_memif).  Offloads are asked
 * for only when the port has them; the worker reads the same
 * capabilities and computes checksums itself otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_mbuf.h>

#include "dp_lcore.h"

#define NB_RXD 1024
#define NB_TXD 1024
#define MBUF_CACHE 256
/*
 * The mbufs one queue pair and its core may hold at once: a full RX and
 * TX ring, the core's TX backlog and its cache of the pool, a burst in
 * hand, a full redirect ring from its peers, and a full reassembly
 * table with its death row (dp_frag.h: 256 datagrams of 8 fragments).
 * About 7,000; the pool is that times the queues, at least NB_MBUF_MIN,
 * rounded to 2^n - 1 (the mempool's best size).  Reassembly can thus
 * never starve the RX rings, whatever the fragments that arrive.
 */
#define MBUFS_PER_QUEUE (NB_RXD + NB_TXD + DP_TX_MAX + MBUF_CACHE + DP_BURST + \
			 DP_REDIRECT_RING + DP_FRAG_MBUFS)
#define NB_MBUF_MIN 16383
/*
 * net_af_packet is different.  Its sockets ask the kernel to reassemble
 * IPv4 fragments before they reach the ring (PACKET_FANOUT_FLAG_DEFRAG),
 * so a reply larger than the MTU arrives whole, as one frame, and it
 * must fit an mbuf: the pool's buffers are as large as the ring's frames
 * (framesz, which argos sets to 32 KiB unless the vdev says otherwise:
 * controlplane/cp_vdev.c).  It holds fewer of them: the PMD posts no
 * mbuf to a ring (it copies each frame into a fresh one and frees what
 * it sends at once) and no fragment reaches the table.
 */
#define AF_PACKET_MBUFS_PER_QUEUE (DP_TX_MAX + MBUF_CACHE + DP_BURST + DP_REDIRECT_RING)
#define AF_PACKET_MBUF_MIN 4095
#define AF_PACKET_FRAME_DEFAULT 2048   /* the PMD's framesz */
#define AF_PACKET_FRAME_HDR 32         /* TPACKET2_HDRLEN - sizeof(struct sockaddr_ll) */
/* A memif peer answers a connection within milliseconds; several
 * workers need it to offer as many queues, which only a link that
 * comes up proves. */
#define MEMIF_LINK_WAIT_MS 3000

static int
is_af_packet(const struct rte_eth_dev_info *dev)
{
	return dev->driver_name != NULL && strcmp(dev->driver_name, "net_af_packet") == 0;
}

static int
is_memif(const struct rte_eth_dev_info *dev)
{
	return dev->driver_name != NULL && strcmp(dev->driver_name, "net_memif") == 0;
}

/*
 * 1 when the port's rte_eth_tx_burst() sends the frames itself, in a
 * system call that returns once the kernel has handled them, instead of
 * leaving them in a ring that a NIC or a peer reads after the call
 * (dp_net.c stamps the frames of the two kinds differently).
 */
static int
sends_in_call(const struct rte_eth_dev_info *dev)
{
	static const char *const names[] = { "net_af_packet", "net_af_xdp", "net_tap" };

	for (unsigned i = 0; i < RTE_DIM(names); i++)
		if (dev->driver_name != NULL && strcmp(dev->driver_name, names[i]) == 0)
			return 1;
	return 0;
}

/* 1 when the port's link comes up within ms milliseconds (at init). */
static int
link_up_within(uint16_t port, unsigned ms)
{
	struct rte_eth_link link;

	for (unsigned t = 0; t <= ms; t += 100) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return 1;
		rte_delay_ms(100);
	}
	return 0;
}

/* What an operator does about a port whose queues do not match the
 * worker lcores, in words for the error message. */
static const char *
queue_advice(const struct rte_eth_dev_info *dev, uint16_t nb_queues)
{
	static char buf[160];

	if (is_af_packet(dev))
		snprintf(buf, sizeof(buf), "give the vdev qpairs=%u "
			 "(--vdev net_af_packet0,iface=IF,qpairs=%u), or as many worker lcores "
			 "as it has pairs", nb_queues, nb_queues);
	else
		snprintf(buf, sizeof(buf), "give the EAL at most %u worker lcores "
			 "(one main lcore plus one per queue pair), or use a port with more "
			 "queues", RTE_MIN(dev->max_rx_queues, dev->max_tx_queues));
	return buf;
}

/* The bytes of frame an af_packet port hands over: its framesz less the
 * ring's header.  The PMD refuses a pool whose buffers are smaller. */
static uint32_t
af_packet_frame_data(const struct rte_eth_dev_info *dev)
{
	const struct rte_devargs *da = rte_dev_devargs(dev->device);
	const char *p = da != NULL && da->args != NULL ? strstr(da->args, "framesz=") : NULL;
	unsigned long fs = p != NULL ? strtoul(p + 8, NULL, 10) : AF_PACKET_FRAME_DEFAULT;

	return fs > AF_PACKET_FRAME_HDR ? (uint32_t)(fs - AF_PACKET_FRAME_HDR) : 0;
}

/* The mbufs of the port's pool, and their data room (see
 * MBUFS_PER_QUEUE and AF_PACKET_MBUFS_PER_QUEUE). */
static unsigned
pool_size(const struct rte_eth_dev_info *dev, uint16_t nb_queues, uint16_t *data_room)
{
	uint32_t per_queue = MBUFS_PER_QUEUE, min = NB_MBUF_MIN, want;

	*data_room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (is_af_packet(dev)) {
		uint32_t room = af_packet_frame_data(dev) + RTE_PKTMBUF_HEADROOM;

		per_queue = AF_PACKET_MBUFS_PER_QUEUE;
		min = AF_PACKET_MBUF_MIN;
		if (room > *data_room)
			*data_room = (uint16_t)RTE_MIN(room, (uint32_t)UINT16_MAX);
	}
	want = (uint32_t)nb_queues * per_queue;
	return want <= min ? min : rte_align32pow2(want + 1) - 1;
}

/* The port's mbuf pool is found by name by the cores that use it. */
static void
pool_name(uint16_t port, char *name, size_t len)
{
	snprintf(name, len, "argos_pool_%u", port);
}

struct rte_mempool *
dp_port_pool(uint16_t port)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	pool_name(port, name, sizeof(name));
	return rte_mempool_lookup(name);
}

int
dp_port_init(uint16_t port, uint16_t nb_queues, struct argos_port_info *info,
	     char *msg, size_t msglen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info dev;
	struct rte_ether_addr mac;
	struct rte_mempool *pool;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint16_t nb_rxd = NB_RXD, nb_txd = NB_TXD, data_room;
	unsigned n_mbufs;
	int socket, rc;

	memset(info, 0, sizeof(*info));
	if (!rte_eth_dev_is_valid_port(port)) {
		snprintf(msg, msglen, "port %u does not exist (%u ports probed)", port,
			 rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rte_eth_dev_get_name_by_port(port, info->name);
	rc = rte_eth_dev_info_get(port, &dev);
	if (rc != 0) {
		snprintf(msg, msglen, "port %u (%s): cannot read device info: %s", port,
			 info->name, rte_strerror(-rc));
		return rc;
	}
	if (nb_queues > dev.max_rx_queues || nb_queues > dev.max_tx_queues) {
		snprintf(msg, msglen, "port %u (%s) has %u RX / %u TX queues, but %u worker "
			 "lcores want one pair each: %s", port, info->name, dev.max_rx_queues,
			 dev.max_tx_queues, nb_queues, queue_advice(&dev, nb_queues));
		return -EINVAL;
	}
	/* af_packet opens all its sockets at probe, in one fanout group:
	 * the kernel spreads frames over every one, polled or not, so a
	 * queue without a core would swallow replies. */
	if (is_af_packet(&dev) && dev.max_rx_queues != nb_queues) {
		snprintf(msg, msglen, "port %u (%s) has %u queue pairs, but %u worker lcores "
			 "poll it: replies spread over every pair, so the unpolled ones would "
			 "be lost: %s", port, info->name, dev.max_rx_queues, nb_queues,
			 queue_advice(&dev, nb_queues));
		return -EINVAL;
	}

	socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	pool_name(port, name, sizeof(name));
	n_mbufs = pool_size(&dev, nb_queues, &data_room);
	pool = rte_pktmbuf_pool_create(name, n_mbufs, MBUF_CACHE, 0, data_room, socket);
	if (pool == NULL) {
		snprintf(msg, msglen, "port %u (%s): cannot create a pool of %u mbufs of %u "
			 "bytes: %s (too few hugepages? run scripts/hugepages)", port, info->name,
			 n_mbufs, data_room, rte_strerror(rte_errno));
		return -ENOMEM;
	}

	memset(&conf, 0, sizeof(conf));
	if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM)
		conf.rxmode.offloads |= dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM;
	info->tx_ip_cksum = !!(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	info->tx_udp_cksum = !!(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	info->tx_in_call = (uint8_t)sends_in_call(&dev);

	rc = rte_eth_dev_configure(port, nb_queues, nb_queues, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; rc == 0 && q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, nb_txd, socket, NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0) {
		snprintf(msg, msglen, "port %u (%s): configure/start failed: %s", port,
			 info->name, rte_strerror(-rc));
		return rc;
	}
	if (is_memif(&dev) && nb_queues > 1 && !link_up_within(port, MEMIF_LINK_WAIT_MS)) {
		snprintf(msg, msglen, "port %u (%s): the memif link is still down after %u ms: "
			 "with %u worker lcores the peer must be connected and offer %u queue "
			 "pairs (a peer with fewer refuses the connection): start the peer "
			 "first, with %u queue pairs, or run argos with one worker lcore", port,
			 info->name, MEMIF_LINK_WAIT_MS, nb_queues, nb_queues, nb_queues);
		rte_eth_dev_stop(port);
		return -ENOLINK;
	}
	/* Replies come to our MAC, ARP to broadcast; promiscuous mode
	 * would only add work.  Some vdevs cannot change it: not fatal. */
	rte_eth_promiscuous_disable(port);

	rte_eth_macaddr_get(port, &mac);
	memcpy(info->mac, mac.addr_bytes, 6);
	info->nb_queues = nb_queues;
	return 0;
}

void
dp_port_close(uint16_t port)
{
	struct rte_flow_error err;

	if (!rte_eth_dev_is_valid_port(port))
		return;
	/* The steering rules of dp_lanes_setup(), if any: on net_tap they
	 * are TC filters, which would outlive the process otherwise. */
	rte_flow_flush(port, &err);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
