/*
 * argos_lane.h - the ring protocol between the control plane and one
 * dataplane core, and the entry points of the dataplane.
 *
 * A lane is everything the two planes share for one worker core:
 *
 *   jobs     control -> core   struct argos_job, copied      (SP/SC)
 *   results  core -> control   struct argos_batch *, full     (SP/SC)
 *   free     control -> core   struct argos_batch *, empty    (SP/SC)
 *
 * All three are DPDK rings created single-producer/single-consumer,
 * so neither side ever locks.  With several workers on one port, each
 * core also has a redirect ring (dataplane to dataplane, multi-producer
 * single-consumer, created by dp_lanes_setup()) through which the other
 * cores pass it the replies, and the copies of ARP frames, that the
 * port delivered to them.  The lane's flags are written by the
 * control plane only and read by the core with relaxed loads.
 *
 * Shutdown is in two stages, the masscan way: the control plane sets
 * drain (the core starts no new job but keeps receiving until every job
 * in flight has ended or timed out), waits for idle, then sets quit.
 */
#ifndef ARGOS_LANE_H
#define ARGOS_LANE_H

#include <stdint.h>

#include <rte_ring.h>

#include "argos_job.h"
#include "argos_result.h"
#include "argos_stats.h"
#include "argos_usm.h"

#define ARGOS_LANE_JOBS 16384     /* job ring slots */
#define ARGOS_LANE_BATCHES 128    /* 16 MiB of results in flight at most */
#define ARGOS_MAX_WORKERS 16      /* worker lcores, one queue pair each */

/** The appliance's own addressing, as the control plane parsed it. */
struct argos_net_conf {
	uint32_t ip;          /**< our address, network order */
	uint32_t netmask;     /**< network order */
	uint32_t gateway;     /**< network order, 0 when none */
	uint16_t snmp_sport;  /**< UDP source port of worker 0's requests:
	                           worker w sends from snmp_sport + w */
};

/** How replies reach the core that owns them (argos_lane.steer_*). */
enum argos_steer {
	ARGOS_STEER_NONE = 0,     /**< one worker: every reply is its own */
	ARGOS_STEER_FLOW,         /**< rte_flow rules queue each core's replies */
	ARGOS_STEER_REDIRECT,     /**< the receiving core passes them on (ring) */
};

/** The name of a steering mode, for logs: "none", "flow", "redirect". */
static inline const char *
argos_steer_name(uint8_t mode)
{
	return mode == ARGOS_STEER_FLOW ? "flow" :
	       mode == ARGOS_STEER_REDIRECT ? "redirect" : "none";
}

/** The port as dp_port_init() configured it: the core follows this,
 *  so the offload decision is made in one place. */
struct argos_port_info {
	char name[64];            /**< device name, e.g. net_af_packet0 */
	uint8_t mac[6];
	uint8_t tx_ip_cksum;      /**< IPv4 header checksum offloaded */
	uint8_t tx_udp_cksum;     /**< UDP checksum offloaded */
	uint8_t tx_in_call;       /**< tx_burst sends the frames itself, in a
				   *   system call (af_packet, af_xdp, tap),
				   *   rather than leaving them in a ring */
	uint16_t nb_queues;
};

/** Everything one worker core needs, set up before it is launched. */
struct argos_lane {
	/* set by the control plane before launch, read-only afterwards */
	uint16_t worker;          /**< 0-based index of this worker */
	uint16_t port;            /**< ethdev port */
	uint16_t queue;           /**< RX/TX queue pair owned by this core */
	uint16_t n_workers;       /**< worker cores on the port, this one included */
	uint32_t max_sessions;    /**< jobs in flight at once, per kind */
	struct argos_net_conf net;
	struct argos_port_info port_info;   /**< as dp_port_init() set the port up */
	const struct argos_profile *profiles;
	uint32_t n_profiles;
	/** SNMPv3's credential table (argos_usm.h): entries are written by
	 *  the control plane before a job names them, read-only after. */
	const struct argos_usm_cred *usm_creds;
	uint32_t n_usm_creds;
	uint64_t tsc_hz;

	/* set by dp_lanes_setup() before launch, read-only afterwards */
	uint16_t icmp_id_key;     /**< XORed into ICMP echo ids; the same on every core */
	uint8_t steer_udp;        /**< enum argos_steer of SNMP replies */
	uint8_t steer_icmp;       /**< enum argos_steer of echo replies */
	/** Per worker of the port, indexed by worker: the multi-producer,
	 *  single-consumer ring of frames other cores received for it
	 *  (replies it owns, copies of ARP frames).  The same array in
	 *  every lane; all NULL with one worker. */
	struct rte_ring *redirect[ARGOS_MAX_WORKERS];

	struct rte_ring *jobs;
	struct rte_ring *results;
	struct rte_ring *free_batches;

	/* written by the control plane while the core runs */
	volatile uint32_t drain;  /**< start no new job */
	volatile uint32_t quit;   /**< leave the loop */

	/* written by the core */
	volatile uint32_t ready;  /**< loop entered */
	volatile uint32_t idle;   /**< draining and nothing in flight */
	struct argos_core_stats stats;
};


/**
 * Configure and start ethdev port with nb_queues RX/TX queue pairs fed
 * from a mempool it creates on the port's socket.
 * @return 0, or a negative errno; msg then says what failed, naming
 *         the port.
 */
int dp_port_init(uint16_t port, uint16_t nb_queues, struct argos_port_info *info,
		 char *msg, size_t msglen);

/** Stop and close the port, removing its flow rules; nothing when the
 *  port does not exist. */
void dp_port_close(uint16_t port);

/**
 * Make the lanes of one port ready to run side by side: steer each
 * reply to the queue of the core that sent its request (rte_flow rules
 * where the port takes them, a software redirect between cores
 * otherwise), and fill each lane's steer_*, redirect[] and icmp_id_key.
 * Called once, after every lane exists and before any worker is
 * launched; rules it made are removed by dp_port_close().
 * @return 0, or a negative errno (-EINVAL: more workers than
 *         ARGOS_MAX_WORKERS or a source port range past 65535;
 *         -ENOMEM: no memory for a ring); msg then says what failed.
 */
int dp_lanes_setup(struct argos_lane **lanes, unsigned n, char *msg, size_t msglen);

/**
 * The worker loop, for rte_eal_remote_launch().  arg is a struct
 * argos_lane.  Returns 0 when quit was set, or a negative errno when
 * the core could not set itself up (the lane's ready stays 0).
 */
int dp_worker_main(void *arg);

#endif
