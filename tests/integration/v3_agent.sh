# v3_agent.sh - a net-snmp snmpd with SNMPv3 users, in a namespace of its
# own on the testbed's switch, for the SNMPv3 tests.  Sourced after
# lib.sh and agent_ns.sh.
#
# Users (V3_USERS, one line each: name level auth authpass priv privpass):
#   noauth                     noAuthNoPriv
#   a_<auth>                   authNoPriv, for each of MD5 SHA SHA-224 SHA-256
#                              SHA-384 SHA-512
#   p_<auth>_<priv>            authPriv, for each of those and each of DES
#                              AES AES-192 AES-256 AES-192-C AES-256-C
# That is every combination net-snmp 5.9.3 offers as Debian builds it
# (--enable-blumenthal-aes: SHA-2 and AES-192/256, both key extensions;
# `net-snmp-config --configure-options` shows it).  Passphrases differ per
# user and between auth and priv.
#
#   v3_agent_up NS SWPORT ADDR    snmpd on ADDR:161 (persistent state in
#                                 $WORK/NS), waits until it answers
#   v3_agent_stop NS               stop it (SIGTERM), keeping its state
#   v3_agent_start NS ADDR         start it again on the same state: its
#                                 snmpEngineBoots goes up by one
#   v3_client_args NAME            the snmp* command-line options of a user
#   v3_devices_csv ADDR            a devices file, one device per user
#   v3_walk NS ADDR NAME ROOTS...  snmpbulkwalk -v3 of each root, as the
#                                 oracle prints it (-On -Oe -Ot -Ox)

V3_AUTHS="MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512"
V3_PRIVS="DES AES AES-192 AES-256 AES-192-C AES-256-C"
V3_USERS=$(
	echo "noauth noAuthNoPriv - - - -"
	for a in $V3_AUTHS; do
		la=$(echo "$a" | tr 'A-Z' 'a-z' | tr -d -)
		echo "a_$la authNoPriv $a auth-$la-passphrase - -"
		for p in $V3_PRIVS; do
			lp=$(echo "$p" | tr 'A-Z' 'a-z' | tr -d -)
			echo "p_${la}_$lp authPriv $a auth-$la-$lp-pass $p priv-$la-$lp-pass"
		done
	done
)
V3_ENGINE=0x80001f8880a1b2c3d4e5f60708   # snmpd's engineID, fixed for the tests

v3_user() {   # v3_user NAME: its line of V3_USERS
	echo "$V3_USERS" | awk -v n="$1" '$1 == n'
}

v3_agent_conf() {   # v3_agent_conf NS ADDR: write $WORK/NS/snmpd.conf
	local dir=$WORK/$1 name level auth apass priv ppass lvl
	mkdir -p "$dir/persist"
	{
		echo "# snmpd for the SNMPv3 tests (tests/integration/v3_agent.sh)"
		echo "agentAddress udp:$2:161"
		echo "exactEngineID $V3_ENGINE"
		echo "sysName argos-v3"
		echo "sysLocation argos testbed, SNMPv3 agent"
		echo "rocommunity public"
		while read -r name level auth apass priv ppass; do
			case $level in
			noAuthNoPriv) echo "createUser $name"; lvl=noauth ;;
			authNoPriv) echo "createUser $name $auth \"$apass\""; lvl=auth ;;
			authPriv) echo "createUser $name $auth \"$apass\" $priv \"$ppass\""; lvl=priv ;;
			esac
			echo "rouser $name $lvl"
		done <<<"$V3_USERS"
	} >"$dir/snmpd.conf"
}

v3_agent_start() {   # v3_agent_start NS ADDR
	local dir=$WORK/$1
	# SNMPCONFPATH: no file of /etc/snmp, but the persistent one, where
	# snmpd keeps its snmpEngineBoots across restarts (-C would skip it)
	ip netns exec "$1" env SNMP_PERSISTENT_DIR="$dir/persist" SNMPCONFPATH="$dir/persist" MIBS= \
		snmpd -f -Lf "$dir/snmpd.log" -c "$dir/snmpd.conf" -I -smux \
		-p "$dir/snmpd.pid" </dev/null >>"$dir/snmpd.stdout" 2>&1 &
	V3_AGENT_PID=$!
	AGENT_PIDS+=("$V3_AGENT_PID")
	v3_wait_agent "$1" "$2" ||
		die "snmpd with SNMPv3 users did not answer on $2 within 15 s (log: $(tail -3 "$dir/snmpd.log" 2>/dev/null | tr '\n' ' '))"
}

v3_wait_agent() {   # v3_wait_agent NS ADDR
	local i
	for ((i = 0; i < 150; i++)); do
		ip netns exec "$1" env HOME="$WORK" SNMP_PERSISTENT_DIR="$WORK/client" MIBS= \
			snmpget -v3 -l noAuthNoPriv -u noauth -t 0.5 -r 0 -Oqv "$2" \
			1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

v3_agent_stop() {   # v3_agent_stop NS: SIGTERM, wait (snmpd saves its boots)
	local i
	[ -n "${V3_AGENT_PID:-}" ] || return 0
	kill -TERM "$V3_AGENT_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$V3_AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$V3_AGENT_PID" 2>/dev/null
	V3_AGENT_PID=
}

v3_agent_up() {   # v3_agent_up NS SWPORT ADDR
	agent_ns_up "$1" "$2" "$3"
	v3_agent_conf "$1" "$3"
	v3_agent_start "$1" "$3"
}

v3_client_args() {   # v3_client_args NAME
	local name level auth apass priv ppass
	read -r name level auth apass priv ppass <<<"$(v3_user "$1")"
	case $level in
	noAuthNoPriv) echo "-v3 -l noAuthNoPriv -u $name" ;;
	authNoPriv) echo "-v3 -l authNoPriv -u $name -a $auth -A $apass" ;;
	authPriv) echo "-v3 -l authPriv -u $name -a $auth -A $apass -x $priv -X $ppass" ;;
	esac
}

v3_devices_csv() {   # v3_devices_csv ADDR [TIMEOUT RETRIES]
	local name level auth apass priv ppass
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmpv3_security_level,snmpv3_auth_user,snmpv3_auth_proto,snmpv3_auth_passwd,snmpv3_privacy_proto,snmpv3_privacy_passwd"
	while read -r name level auth apass priv ppass; do
		[ "$auth" = - ] && auth= apass=
		[ "$priv" = - ] && priv= ppass=
		echo "$name,$name,$1,,3,${2:-1},${3:-2},$level,$name,$auth,$apass,$priv,$ppass"
	done <<<"$V3_USERS"
}

v3_walk() {   # v3_walk NS ADDR NAME ROOTS...
	local ns=$1 addr=$2 name=$3 r
	shift 3
	for r in "$@"; do
		# shellcheck disable=SC2046
		ip netns exec "$ns" env HOME="$WORK" SNMP_PERSISTENT_DIR="$WORK/client" MIBS= \
			snmpbulkwalk $(v3_client_args "$name") -On -Oe -Ot -Ox -t 2 -r 1 \
			"$addr" "$r" || return 1
	done
}
