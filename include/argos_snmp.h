/*
 * argos_snmp.h - SNMP value types as they travel in result records.
 *
 * A varbind record (argos_result.h) carries the value's ASN.1 tag; the
 * dataplane's codec produces it and the control plane names it in the
 * output.  The names are a contract of the JSON Lines output.
 */
#ifndef ARGOS_SNMP_H
#define ARGOS_SNMP_H

#include <stdint.h>

/* ASN.1 tags argos meets (RFC 1157, RFC 3416). */
#define SNMP_T_INTEGER     0x02
#define SNMP_T_OCTETSTR    0x04
#define SNMP_T_NULL        0x05
#define SNMP_T_OID         0x06
#define SNMP_T_IPADDRESS   0x40
#define SNMP_T_COUNTER32   0x41
#define SNMP_T_GAUGE32     0x42
#define SNMP_T_TIMETICKS   0x43
#define SNMP_T_OPAQUE      0x44
#define SNMP_T_COUNTER64   0x46
#define SNMP_T_NOSUCHOBJECT   0x80
#define SNMP_T_NOSUCHINSTANCE 0x81
#define SNMP_T_ENDOFMIBVIEW   0x82

/** The output name of a value type ("Counter64"), or NULL if unknown. */
static inline const char *
argos_snmp_type_name(uint8_t type)
{
	switch (type) {
	case SNMP_T_INTEGER:        return "Integer";
	case SNMP_T_OCTETSTR:       return "OctetString";
	case SNMP_T_OID:            return "ObjectIdentifier";
	case SNMP_T_IPADDRESS:      return "IpAddress";
	case SNMP_T_COUNTER32:      return "Counter32";
	case SNMP_T_GAUGE32:        return "Gauge32";
	case SNMP_T_TIMETICKS:      return "TimeTicks";
	case SNMP_T_OPAQUE:         return "Opaque";
	case SNMP_T_COUNTER64:      return "Counter64";
	case SNMP_T_NULL:           return "Null";
	case SNMP_T_NOSUCHOBJECT:   return "noSuchObject";
	case SNMP_T_NOSUCHINSTANCE: return "noSuchInstance";
	case SNMP_T_ENDOFMIBVIEW:   return "endOfMibView";
	default:                    return NULL;
	}
}

#endif
