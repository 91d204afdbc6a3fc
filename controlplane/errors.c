/*
 * errors.c - the spelling of error and drop names (argos_errors.h).
 */
#include "argos_errors.h"

const char *const argos_err_names[ARGOS_ERR_MAX] = {
	[ARGOS_ERR_NONE] = "none",
	[ARGOS_ERR_TIMEOUT] = "timeout",
	[ARGOS_ERR_ARP_TIMEOUT] = "arp-timeout",
	[ARGOS_ERR_TOO_BIG] = "too-big",
	[ARGOS_ERR_NO_SUCH_NAME] = "no-such-name",
	[ARGOS_ERR_GEN_ERR] = "gen-err",
	[ARGOS_ERR_AGENT_ERROR] = "agent-error",
	[ARGOS_ERR_NO_SUCH_OBJECT] = "no-such-object",
	[ARGOS_ERR_NO_SUCH_INSTANCE] = "no-such-instance",
	[ARGOS_ERR_MALFORMED] = "malformed",
	[ARGOS_ERR_OID_NOT_INCREASING] = "oid-not-increasing",
	[ARGOS_ERR_WALK_LIMIT] = "walk-limit",
	[ARGOS_ERR_WRONG_SOURCE] = "wrong-source",
	[ARGOS_ERR_WRONG_PORT] = "wrong-port",
	[ARGOS_ERR_WRONG_COMMUNITY] = "wrong-community",
	[ARGOS_ERR_WRONG_VERSION] = "wrong-version",
	[ARGOS_ERR_UNKNOWN_REQUEST_ID] = "unknown-request-id",
	[ARGOS_ERR_NOT_RESPONSE] = "not-response",
	[ARGOS_ERR_BAD_CHECKSUM] = "bad-checksum",
	[ARGOS_ERR_FRAGMENTS_TIMEOUT] = "fragments-timeout",
	[ARGOS_ERR_EXCEPTION_IN_WALK] = "exception-in-walk",
	[ARGOS_ERR_WALK_LOOP] = "walk-loop",
	[ARGOS_ERR_BAD_DEVICE] = "bad-device",
};

const char *const argos_drop_names[ARGOS_DROP_MAX] = {
	[ARGOS_DROP_WRONG_SOURCE] = "wrong-source",
	[ARGOS_DROP_WRONG_PORT] = "wrong-port",
	[ARGOS_DROP_WRONG_COMMUNITY] = "wrong-community",
	[ARGOS_DROP_WRONG_VERSION] = "wrong-version",
	[ARGOS_DROP_UNKNOWN_REQUEST_ID] = "unknown-request-id",
	[ARGOS_DROP_DUPLICATE] = "duplicate",
	[ARGOS_DROP_MALFORMED] = "malformed",
	[ARGOS_DROP_NOT_RESPONSE] = "not-response",
	[ARGOS_DROP_BAD_CHECKSUM] = "bad-checksum",
	[ARGOS_DROP_BACKPRESSURE] = "backpressure",
	[ARGOS_DROP_NOT_FOR_US] = "not-for-us",
};
