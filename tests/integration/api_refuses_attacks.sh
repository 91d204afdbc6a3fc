#!/usr/bin/env bash
# api_refuses_attacks: argos in DB mode, against its own Postgres 15,
# serves the device API over TLS to token holders only, and every attack
# gets its documented status and changes nothing in the database: no
# token or a wrong one (401), a cross-site form POST (401 without the
# token, 415 with it), hostile JSON (400), oversized bodies (413), bad
# ids (400/404), devices the devices file would refuse (400), wrong
# methods (405).  200 slow connections from one address do not stop
# /metrics answering, from another address, within 2 s, and argos cuts
# them.  Then a client with the token creates, reads, updates, upserts
# and deletes devices, and no reply ever carries a community.
TEST=api_refuses_attacks
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
need_root_and_argos
command -v openssl >/dev/null || die "openssl is not installed (scripts/install-deps)"

pg_up 55450
HTTP_PORT=19130
BASE="https://127.0.0.1:$HTTP_PORT"
"$ARGOS" -- --dsn "$DSN" --migrate >"$WORK/migrate.log" 2>&1 ||
	{ cat "$WORK/migrate.log" >&2; die "argos --migrate failed"; }

# Devices of another poller group: argos never claims them, so nothing
# but the API could change their rows.  Their communities must never
# show in a reply.
SEEDED=c0mmunity-SEEDED-XyZ
psql_q "INSERT INTO devices (hostname, ip_address, snmp_community, snmp_alternate_community,
		poller_group, polling_frequency)
	VALUES ('s1', '198.18.3.1', '$SEEDED', '${SEEDED}-alt', 'elsewhere', 300),
	       ('s2', '198.18.3.2', '$SEEDED', '', 'elsewhere', 300),
	       ('s3', '198.18.3.3', '$SEEDED', '', 'elsewhere', 300)" >/dev/null ||
	die "cannot insert the devices"
ID1=$(psql_q "SELECT id FROM devices WHERE hostname = 's1'")

# A self-signed certificate for 127.0.0.1 and a token, each in a file
# only root can read.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || die "openssl cannot make a certificate"
TOKEN=$(openssl rand -hex 32)
(umask 077; echo "$TOKEN" >"$WORK/token")
chmod 600 "$WORK/key.pem"

# No testbed needed: net_null is a port that drops what it is given.
timeout -k 5 150 "$ARGOS" -l 0,1 --file-prefix apiattack -m 512 --no-pci --vdev net_null0 -- \
	--ip 198.18.0.2/24 --dsn "$DSN" --db-snmp-freq 1 --db-write-lag 1 --listen "127.0.0.1:$HTTP_PORT" \
	--api-token-file "$WORK/token" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" \
	>"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
CHILDREN+=($ARGOS_PID)
wait_for_line "$WORK/argos.log" "argos: ready" 30 ||
	{ cat "$WORK/argos.log" >&2; die "argos did not start in DB mode"; }

# reply NAME: the file that keeps the body of the request called NAME.
reply() { echo "$WORK/r.$(echo "$1" | tr -c 'A-Za-z0-9\n' _)"; }
# call NAME METHOD PATH [curl args...]: prints the HTTP status; the body
# is kept in $(reply NAME).
call() {
	local name=$1 method=$2 path=$3; shift 3
	curl -s -m 10 --cacert "$WORK/cert.pem" -X "$method" -o "$(reply "$name")" \
		-w '%{http_code}' "$@" "$BASE$path" 2>/dev/null
}
# status_is WANT NAME METHOD PATH [curl args...]: one check.
status_is() {
	local want=$1 name=$2 got; shift 2
	got=$(call "$name" "$@")
	expect "$name: HTTP $want" \
		"$name: got HTTP $got, want $want (body: $(head -c 200 "$(reply "$name")" 2>/dev/null))" \
		[ "$got" = "$want" ]
}
AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H "Content-Type: application/json")
# The operator's tables, row by row.  Left out: pg_dump's random
# \restrict keys, and the id sequence, which a refused /d/create moves
# (a write is checked inside its transaction, and Postgres never gives
# back a sequence value, as after any failed INSERT: docs/argos-db.md).
dump() {
	"$PGBIN/pg_dump" -h "$PGRUN" -p "$PGPORT_USED" -U postgres -a -t devices -t profiles \
		-t metrics -t measures -t measure_metrics -t profile_measures argos |
		grep -v -e '^\\\(un\)\?restrict ' -e "^SELECT pg_catalog.setval('public.devices_id_seq'"
}
dump >"$WORK/before.sql" || die "pg_dump failed"

# --- who may ask ---------------------------------------------------
status_is 401 "no token" GET /d/list
check "a 401 says how to authenticate (WWW-Authenticate: Bearer)" \
	bash -c "curl -s -D - -o /dev/null --cacert '$WORK/cert.pem' $BASE/d/list | grep -qi '^WWW-Authenticate: Bearer'"
# (its last digit changed: to 0, or to 1 when it is 0 - a hex token ends in 0 once in 16)
WRONG=${TOKEN%?}$([ "${TOKEN: -1}" = 0 ] && echo 1 || echo 0)
status_is 401 "a wrong token" GET /d/list -H "Authorization: Bearer $WRONG"
status_is 401 "the token cut short" GET /d/list -H "Authorization: Bearer ${TOKEN:0:32}"
status_is 401 "the token with a suffix" GET /d/list -H "Authorization: Bearer ${TOKEN}x"
status_is 401 "the token as basic auth" GET /d/list -u "argos:$TOKEN"
status_is 401 "the token in the query" GET "/d/list?token=$TOKEN"
status_is 401 "/-/debug without a token" GET "/-/debug?level=3"
status_is 401 "an OPTIONS preflight" OPTIONS /d/create -H "Origin: http://evil.example" \
	-H "Access-Control-Request-Method: POST"

# --- a web page posting across sites --------------------------------
status_is 401 "a cross-site form POST (urlencoded)" POST /d/create -H "Origin: http://evil.example" \
	-H "Content-Type: application/x-www-form-urlencoded" --data "hostname=x&ip_address=203.0.113.66"
status_is 401 "a cross-site text/plain POST" POST /d/update -H "Origin: http://evil.example" \
	-H "Content-Type: text/plain" --data "{\"id\":$ID1,\"ip_address\":\"203.0.113.66\"}"
status_is 415 "a form POST even with the token" POST /d/create "${AUTH[@]}" \
	-H "Content-Type: application/x-www-form-urlencoded" --data "hostname=x&ip_address=203.0.113.66"
status_is 415 "a text/plain POST even with the token" POST /d/update "${AUTH[@]}" \
	-H "Content-Type: text/plain" --data "{\"id\":$ID1,\"ip_address\":\"203.0.113.66\"}"
status_is 415 "a multipart POST" POST /d/create "${AUTH[@]}" -F hostname=x
status_is 415 "a body without a Content-Type" POST /d/update "${AUTH[@]}" -H "Content-Type:" \
	--data-binary "{\"id\":$ID1,\"ip_address\":\"203.0.113.66\"}"

# --- hostile JSON ----------------------------------------------------
post_json() {   # post_json WANT NAME PATH FILE
	status_is "$1" "$2" POST "$3" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$4"
}
python3 -c "print('{\"hostname\":\"d\",\"ip_address\":\"198.18.5.5\",\"tags\":' + '{\"a\":' * 5000 + '1' + '}' * 5001)" >"$WORK/deep.json"
post_json 400 "JSON nested 5000 deep" /d/create "$WORK/deep.json"
python3 -c "print('[' * 20000 + ']' * 20000)" >"$WORK/deeparr.json"
post_json 400 "an array nested 20000 deep" /d/create "$WORK/deeparr.json"
printf '{"hostname":"d","ip_address":"198.18.5.5","snmp_port":1e400}' >"$WORK/huge1.json"
post_json 400 "a number of 400 digits" /d/create "$WORK/huge1.json"
printf '{"hostname":"d","ip_address":"198.18.5.5","polling_frequency":99999999999999999999999}' >"$WORK/huge2.json"
post_json 400 "a number past 64 bits" /d/create "$WORK/huge2.json"
printf '{"id":%s,"snmp_port":"161"}' "$ID1" >"$WORK/type1.json"
post_json 400 "a port given as a string" /d/update "$WORK/type1.json"
printf '{"id":%s,"hostname":12}' "$ID1" >"$WORK/type2.json"
post_json 400 "a hostname given as a number" /d/update "$WORK/type2.json"
printf '{"id":%s,"active":"yes"}' "$ID1" >"$WORK/type3.json"
post_json 400 "a boolean given as a string" /d/update "$WORK/type3.json"
printf '{"id":%s,"tags":"site=par1"}' "$ID1" >"$WORK/type4.json"
post_json 400 "tags that are not an object" /d/update "$WORK/type4.json"
printf '{"id":%s,"hostname":null}' "$ID1" >"$WORK/null.json"
post_json 400 "a null hostname" /d/update "$WORK/null.json"
printf '{"id":"%s","hostname":"x"}' "$ID1" >"$WORK/strid.json"
post_json 400 "an id given as a string" /d/update "$WORK/strid.json"
printf '{"id":%s,"hostname":"a\\u0000b"}' "$ID1" >"$WORK/nulesc.json"
post_json 400 "an escaped NUL in a string" /d/update "$WORK/nulesc.json"
printf '{"id":%s,"hostname":"a\0b"}' "$ID1" >"$WORK/nulraw.json"
post_json 400 "a raw NUL byte in the body" /d/update "$WORK/nulraw.json"
printf '{"id":%s,"hostname":"a\xff\xfeb"}' "$ID1" >"$WORK/utf8.json"
post_json 400 "bytes that are not UTF-8" /d/update "$WORK/utf8.json"
printf '[{"hostname":"d","ip_address":"198.18.5.5"}]' >"$WORK/array.json"
post_json 400 "an array instead of an object" /d/create "$WORK/array.json"
printf '{"hostname":"d","ip_address":' >"$WORK/cut.json"
post_json 400 "JSON cut short" /d/create "$WORK/cut.json"
printf '{"id":%s,"is_polling":true}' "$ID1" >"$WORK/state.json"
post_json 400 "the poll state (is_polling)" /d/update "$WORK/state.json"
printf '{"id":%s,"claim_owner":"me"}' "$ID1" >"$WORK/owner.json"
post_json 400 "a lease (claim_owner)" /d/update "$WORK/owner.json"
printf '{"id":%s,"hostname = '"'"'x'"'"'; DROP TABLE devices; --":1}' "$ID1" >"$WORK/inject.json"
post_json 400 "SQL in a key" /d/update "$WORK/inject.json"
printf '{}' >"$WORK/empty.json"
post_json 400 "an empty object" /d/create "$WORK/empty.json"
status_is 400 "no body at all" POST /d/create "${AUTH[@]}" "${JSON[@]}"

# --- devices the devices file refuses -------------------------------
for ip in 127.0.0.1 0.0.0.0 255.255.255.255 224.0.0.1 240.1.2.3; do
	printf '{"id":%s,"ip_address":"%s"}' "$ID1" "$ip" >"$WORK/ip.json"
	post_json 400 "/d/update to $ip" /d/update "$WORK/ip.json"
	printf '{"hostname":"n","ip_address":"%s"}' "$ip" >"$WORK/ip.json"
	post_json 400 "/d/create at $ip" /d/create "$WORK/ip.json"
done
LONG64=$(printf 'L%.0s' $(seq 64))
printf '{"id":%s,"snmp_community":"%s"}' "$ID1" "$LONG64" >"$WORK/long.json"
post_json 400 "a 64-byte community" /d/update "$WORK/long.json"
check "the refusal does not repeat the community" bash -c "! grep -q LLLLLLLL '$(reply "a 64-byte community")'"
# 63 characters of two bytes: the schema's length() lets it in; argos
# would have to cut it to send it.
WIDE=$(python3 -c "print('é' * 63)")
printf '{"id":%s,"snmp_community":"%s"}' "$ID1" "$WIDE" >"$WORK/wide.json"
post_json 400 "a community of 63 characters but 126 bytes" /d/update "$WORK/wide.json"
printf '{"id":%s,"snmp_max_repetitions":0}' "$ID1" >"$WORK/maxrep.json"
post_json 400 "max-repetitions 0" /d/update "$WORK/maxrep.json"
printf '{"id":%s,"snmp_version":"3"}' "$ID1" >"$WORK/v3.json"
post_json 400 "SNMP version 3" /d/update "$WORK/v3.json"

# --- sizes and ids --------------------------------------------------
python3 -c "print('{\"hostname\":\"' + 'h' * 70000 + '\"}')" >"$WORK/big.json"
post_json 413 "a body of 70 KB" /d/create "$WORK/big.json"
status_is 413 "a chunked body of 70 KB" POST /d/create "${AUTH[@]}" "${JSON[@]}" \
	-H "Transfer-Encoding: chunked" --data-binary "@$WORK/big.json"
status_is 413 "a declared length of 1 GB" POST /d/create "${AUTH[@]}" "${JSON[@]}" \
	-H "Content-Length: 1000000000" --data-binary '{}' --max-time 5
for id in abc -1 1e3 1.5 99999999999999999999 "1;DROP%20TABLE%20devices" "%00" "" "0x10"; do
	status_is 400 "/d/list?id=$id" GET "/d/list?id=$id" "${AUTH[@]}"
done
status_is 400 "/d/delete?id=abc" DELETE "/d/delete?id=abc" "${AUTH[@]}"
status_is 404 "/d/list?id= of no device" GET "/d/list?id=987654321" "${AUTH[@]}"
printf '{"id":987654321,"hostname":"x"}' >"$WORK/noid.json"
post_json 404 "/d/update of no device" /d/update "$WORK/noid.json"
status_is 404 "/d/delete of no device" DELETE "/d/delete?id=987654321" "${AUTH[@]}"
printf '{"id":%s,"hostname":"x"}' "$ID1" >"$WORK/two.json"
status_is 400 "?id= and a body id that differ" POST "/d/update?id=987654321" "${AUTH[@]}" \
	"${JSON[@]}" --data-binary "@$WORK/two.json"
status_is 405 "GET /d/create" GET /d/create "${AUTH[@]}"
status_is 405 "PUT /d/update" PUT /d/update "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/two.json"
status_is 405 "DELETE /d/list" DELETE /d/list "${AUTH[@]}"
status_is 404 "an unknown API path" GET /d/drop "${AUTH[@]}"
status_is 400 "/-/debug?level=9" GET "/-/debug?level=9" "${AUTH[@]}"
got=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null)
expect "plain HTTP on the TLS port gets no answer" "plain HTTP got HTTP $got" [ "$got" = 000 ]

dump >"$WORK/after.sql"
expect "none of the attacks changed the database" \
	"the database changed: $(diff "$WORK/before.sql" "$WORK/after.sql" | head -5 | tr '\n' ' ')" \
	cmp -s "$WORK/before.sql" "$WORK/after.sql"
check "argos survived the attacks" kill -0 $ARGOS_PID

# --- 200 slow connections from one address ---------------------------
python3 "$ROOT/tests/integration/slowloris.py" 127.0.0.1 $HTTP_PORT "$WORK/cert.pem" 200 25 \
	"$WORK/slowloris.json" &
SLOW=$!
CHILDREN+=($SLOW)
sleep 3
slow_ok=0 slow_bad=0 slow_max=0
for _ in $(seq 40); do   # 40 scrapes, 0.5 s apart, from another address
	t=$(curl -s -m 5 --interface 127.0.0.2 --cacert "$WORK/cert.pem" -o "$WORK/m.txt" \
		-w '%{http_code} %{time_total}' "$BASE/metrics" 2>/dev/null)
	if [ "${t%% *}" = 200 ] && awk -v s="${t#* }" 'BEGIN { exit !(s < 2.0) }'; then
		slow_ok=$((slow_ok + 1))
	else
		slow_bad=$((slow_bad + 1))
	fi
	slow_max=$(awk -v a="$slow_max" -v b="${t#* }" 'BEGIN { print (b > a ? b : a) }')
	sleep 0.5
done
wait $SLOW
expect "/metrics answered all 40 scrapes within 2 s during the slowloris (slowest ${slow_max}s)" \
	"/metrics failed or took 2 s or more $slow_bad times out of 40 (slowest ${slow_max}s)" \
	[ "$slow_bad" = 0 ]
echo "slowloris: $(cat "$WORK/slowloris.json")"
check "one address held at most 16 connections at once" \
	python3 -c "import json,sys; r=json.load(open('$WORK/slowloris.json')); sys.exit(not (0 < r['most_open'] <= 16))"
check "argos cut the trickling connections within 17 s (the 15 s deadline)" \
	python3 -c "import json,sys; r=json.load(open('$WORK/slowloris.json')); sys.exit(not (r['cut'] > 0 and r['longest_open_s'] <= 17))"
check "/metrics counts the connections cut" \
	bash -c "curl -s --cacert '$WORK/cert.pem' $BASE/metrics | grep -qE '^argos_http_connections_cut_total [1-9]'"

# --- what a client with the token may do -----------------------------
status_is 200 "/-/healthy without a token" GET /-/healthy
status_is 200 "/-/ready without a token (the database is there)" GET /-/ready
status_is 200 "/d/list with the token" GET /d/list "${AUTH[@]}"
check "/d/list lists the devices" grep -q '"hostname" *: *"s1"' "$(reply "/d/list with the token")"
status_is 200 "/d/list?id=" GET "/d/list?id=$ID1" "${AUTH[@]}"
check "/d/list?id= answers that device alone" \
	python3 -c "import json,sys; d=json.load(open('$(reply "/d/list?id=")')); sys.exit(not (d['id'] == $ID1 and d['hostname'] == 's1'))"
printf '{"hostname":"new1","ip_address":"198.18.4.1","snmp_community":"%s","poller_group":"elsewhere"}' \
	"$SEEDED" >"$WORK/new.json"
post_json 201 "/d/create" /d/create "$WORK/new.json"
NEW=$(python3 -c "import json; print(json.load(open('$(reply "/d/create")'))['id'])" 2>/dev/null)
check "/d/create answers the row as stored (its id, the defaults)" \
	python3 -c "import json,sys; d=json.load(open('$(reply "/d/create")')); sys.exit(not (d['id'] > $ID1 and d['snmp_port'] == 161 and d['ip_address'] == '198.18.4.1'))"
printf '{"id":%s,"snmp_port":1161,"hostname":"new1b"}' "$NEW" >"$WORK/upd.json"
post_json 200 "/d/update" /d/update "$WORK/upd.json"
check "/d/update answers the row as changed" \
	python3 -c "import json,sys; d=json.load(open('$(reply "/d/update")')); sys.exit(not (d['snmp_port'] == 1161 and d['hostname'] == 'new1b'))"
printf '{"id":900001,"hostname":"ups","ip_address":"198.18.4.2","poller_group":"elsewhere"}' >"$WORK/ups.json"
post_json 201 "/d/upsert of a new id" /d/upsert "$WORK/ups.json"
printf '{"id":900001,"snmp_retries":3}' >"$WORK/ups2.json"
post_json 200 "/d/upsert of that id again" /d/upsert "$WORK/ups2.json"
check "/d/upsert changed only what it was given" \
	[ "$(psql_q "SELECT hostname || ',' || snmp_retries FROM devices WHERE id = 900001")" = "ups,3" ]
post_json 201 "/d/create after an upsert chose its own id" /d/create "$WORK/new.json"
check "the id sequence moved past the upserted id" \
	python3 -c "import json,sys; sys.exit(not json.load(open('$(reply "/d/create after an upsert chose its own id")'))['id'] > 900001)"
status_is 200 "DELETE /d/delete?id=" DELETE "/d/delete?id=$NEW" "${AUTH[@]}"
check "/d/delete?id= removed the row" [ "$(psql_q "SELECT count(*) FROM devices WHERE id = $NEW")" = 0 ]
status_is 200 "POST /d/delete with {\"id\"}" POST /d/delete "${AUTH[@]}" "${JSON[@]}" --data '{"id":900001}'
status_is 200 "/-/debug?level=2" POST "/-/debug?level=2" "${AUTH[@]}"
check "/-/debug's change is logged" grep -q "argos: /-/debug: log detail 2" "$WORK/argos.log"
status_is 200 "/-/debug reads the level back" GET "/-/debug" "${AUTH[@]}"
check "/-/debug says level 2" grep -q '"level":2' "$(reply "/-/debug reads the level back")"

# --- nothing secret anywhere -------------------------------------------
curl -s --cacert "$WORK/cert.pem" "$BASE/metrics" >"$WORK/r.metrics"
check "no reply and no log line holds a community or the token" \
	bash -c "! grep -rl -e '$SEEDED' -e '$TOKEN' -e 'LLLLLLLL' '$WORK'/r.* '$WORK/argos.log'"

kill -TERM $ARGOS_PID
wait $ARGOS_PID
rc=$?
expect "argos exits 0 on SIGTERM" "argos exited $rc on SIGTERM" [ $rc = 0 ]
[ "$FAILED" = 0 ] || { echo "argos's log ends:"; tail -25 "$WORK/argos.log"; }
finish
