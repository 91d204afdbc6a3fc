/*
 * argos_errors.h - the names of poll errors and of dropped replies.
 *
 * These names are a contract: they appear in the JSON Lines output
 * ("error":"timeout"), in the statistics and in the reports table, so
 * they are spelled once, here, and never changed.
 */
#ifndef ARGOS_ERRORS_H
#define ARGOS_ERRORS_H

/*
 * A walk is cut off after this many varbinds: an agent that never ends
 * its subtree (broken, or hostile) must not hold a session forever.
 * The largest real tables argos walks (ifTable of a chassis with a few
 * thousand ports) stay far below it.
 */
#define ARGOS_WALK_MAX_VARBINDS 100000

/** Why a poll (or one walk of it) failed, as reported per device. */
enum argos_err {
	ARGOS_ERR_NONE = 0,
	ARGOS_ERR_TIMEOUT,            /* no reply after every retry */
	ARGOS_ERR_ARP_TIMEOUT,        /* next hop never answered ARP */
	ARGOS_ERR_TOO_BIG,            /* tooBig even at max-repetitions 1 */
	ARGOS_ERR_NO_SUCH_NAME,       /* v1 noSuchName on a GET */
	ARGOS_ERR_GEN_ERR,            /* genErr */
	ARGOS_ERR_AGENT_ERROR,        /* any other error-status */
	ARGOS_ERR_NO_SUCH_OBJECT,     /* v2c exception on a GET */
	ARGOS_ERR_NO_SUCH_INSTANCE,   /* v2c exception on a GET */
	ARGOS_ERR_MALFORMED,          /* the matched reply did not parse */
	ARGOS_ERR_OID_NOT_INCREASING, /* agent walked backwards, or answered a walk
	                                 with the OID it was asked from */
	ARGOS_ERR_WALK_LIMIT,         /* a walk passed ARGOS_WALK_MAX_VARBINDS */
	/* Every reply to the request that timed out was dropped, for the
	 * reason of the same name (enum argos_drop): the agent answered,
	 * argos could not take the answer.  argos_drop_err() maps them. */
	ARGOS_ERR_WRONG_SOURCE,
	ARGOS_ERR_WRONG_PORT,
	ARGOS_ERR_WRONG_COMMUNITY,
	ARGOS_ERR_WRONG_VERSION,
	ARGOS_ERR_UNKNOWN_REQUEST_ID,
	ARGOS_ERR_NOT_RESPONSE,
	ARGOS_ERR_BAD_CHECKSUM,
	ARGOS_ERR_FRAGMENTS_TIMEOUT,  /* the reply's fragments never all arrived */
	ARGOS_ERR_EXCEPTION_IN_WALK,  /* endOfMibView, noSuchObject or noSuchInstance
	                                 inside a walk reply that goes on in the
	                                 subtree (snmp_walk_past_exceptions) */
	ARGOS_ERR_WALK_LOOP,          /* with non-increasing OIDs allowed, the walk
	                                 came back to where it had been */
	ARGOS_ERR_BAD_DEVICE,         /* the device breaks argos's rules (a database row
	                                 written by hand): not polled */
	ARGOS_ERR_MAX
};

/** Why a received packet was dropped, counted per lcore. */
enum argos_drop {
	ARGOS_DROP_WRONG_SOURCE = 0,  /* reply from an address we did not ask */
	ARGOS_DROP_WRONG_PORT,        /* UDP reply to/from an unexpected port */
	ARGOS_DROP_WRONG_COMMUNITY,
	ARGOS_DROP_WRONG_VERSION,     /* v1 reply to a v2c request, or back */
	ARGOS_DROP_UNKNOWN_REQUEST_ID,
	ARGOS_DROP_DUPLICATE,         /* request already answered */
	ARGOS_DROP_MALFORMED,         /* no request-id could be read */
	ARGOS_DROP_NOT_RESPONSE,      /* SNMP PDU other than GetResponse */
	ARGOS_DROP_BAD_CHECKSUM,
	ARGOS_DROP_BACKPRESSURE,      /* matched reply, no room for its records yet:
	                                 the control plane is behind; the request
	                                 is sent again at its timeout */
	ARGOS_DROP_NOT_FOR_US,        /* other L2/L3 traffic on the port; stays last,
	                                 scripts read it at the end of the line */
	ARGOS_DROP_MAX
};

/**
 * The error a device reports when every reply to its request was dropped
 * for reason d (and the request then timed out), or ARGOS_ERR_NONE for
 * the reasons that explain no failure (duplicates, back-pressure, traffic
 * that is not SNMP).
 */
static inline enum argos_err
argos_drop_err(enum argos_drop d)
{
	switch (d) {
	case ARGOS_DROP_WRONG_SOURCE:
		return ARGOS_ERR_WRONG_SOURCE;
	case ARGOS_DROP_WRONG_PORT:
		return ARGOS_ERR_WRONG_PORT;
	case ARGOS_DROP_WRONG_COMMUNITY:
		return ARGOS_ERR_WRONG_COMMUNITY;
	case ARGOS_DROP_WRONG_VERSION:
		return ARGOS_ERR_WRONG_VERSION;
	case ARGOS_DROP_UNKNOWN_REQUEST_ID:
		return ARGOS_ERR_UNKNOWN_REQUEST_ID;
	case ARGOS_DROP_MALFORMED:
		return ARGOS_ERR_MALFORMED;
	case ARGOS_DROP_NOT_RESPONSE:
		return ARGOS_ERR_NOT_RESPONSE;
	case ARGOS_DROP_BAD_CHECKSUM:
		return ARGOS_ERR_BAD_CHECKSUM;
	default:
		return ARGOS_ERR_NONE;
	}
}

extern const char *const argos_err_names[ARGOS_ERR_MAX];
extern const char *const argos_drop_names[ARGOS_DROP_MAX];

#endif
