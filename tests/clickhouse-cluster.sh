#!/bin/sh
# A real two-shard ClickHouse cluster on localhost for the cluster tests, no systemd:
#
#   tests/clickhouse-cluster.sh start DIR   two clickhouse-server processes, each with its own
#                                           config.xml, users.xml and data, tmp and log folders
#                                           under DIR/shard1 and DIR/shard2, on free ports, and a
#                                           remote_servers section "casebook" naming both shards;
#                                           returns when both answer SELECT 1 over HTTP
#   tests/clickhouse-cluster.sh stop DIR    stops the two servers it started there and waits
#
# start writes DIR/cluster.env (SHARD1_HTTP, SHARD2_HTTP, SHARD1_TCP, SHARD2_TCP: ports) and
# prints one line per shard, "shardN http://127.0.0.1:PORT/". Each server's users.xml has the
# passwordless "default" user (the shards query each other as it) and "analyst", password
# "analyst-secret", for tests of credentials. Exits 2 when clickhouse-server is not installed,
# 1 on any other failure with the server's log tail. ClickHouse 18.16 (Debian 12) syntax.
# CLICKHOUSE_SERVER names another server binary (a path that is not there: as not installed).
# CLICKHOUSE_QUERY_LOG=1 has each server log every query in system.query_log (measuring where
# a detection's time goes: its queries, their rows and bytes).
set -u

usage() {
	echo "usage: $0 start|stop DIR" >&2
	exit 1
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
WAIT_SECONDS=${CLICKHOUSE_WAIT_SECONDS:-60}

server_bin() {
	if [ -n "${CLICKHOUSE_SERVER:-}" ]; then # another build of the server
		[ -x "$CLICKHOUSE_SERVER" ] && echo "$CLICKHOUSE_SERVER"
		return
	fi
	for b in clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
		if command -v "$b" >/dev/null 2>&1; then
			command -v "$b"
			return 0
		fi
	done
	return 1
}

# Ports something listens on (IPv4 and IPv6), one a line, in decimal.
listening_ports() {
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] && awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' "$f"
	done | while read -r hex; do printf '%d\n' "0x$hex"; done
}

# Six consecutive free ports from a base that depends on this process, so two runs at once
# rarely try the same ones.
pick_ports() {
	used=$(listening_ports | tr '\n' ' ')
	base=$((20000 + ($$ * 7) % 30000))
	tries=0
	while [ $tries -lt 200 ]; do
		ok=1
		p=$base
		while [ $p -lt $((base + 6)) ]; do
			case " $used " in *" $p "*) ok=0 ;; esac
			p=$((p + 1))
		done
		if [ $ok = 1 ]; then
			echo "$base"
			return 0
		fi
		base=$((base + 6))
		[ $base -gt 59990 ] && base=20000
		tries=$((tries + 1))
	done
	return 1
}

write_config() { # shard_dir http tcp interserver tcp1 tcp2
	d=$1
	query_log=""
	log_queries=""
	if [ "${CLICKHOUSE_QUERY_LOG:-0}" = 1 ]; then
		query_log="<query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>"
		log_queries="<log_queries>1</log_queries>"
	fi
	mkdir -p "$d/data" "$d/tmp" "$d/log" "$d/user_files" "$d/format_schemas"
	# this start's log alone, so a failure shows its own lines
	rm -f "$d/log/clickhouse-server.log" "$d/log/clickhouse-server.err.log" "$d/log/stdout"
	cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>$d/log/clickhouse-server.log</log>
        <errorlog>$d/log/clickhouse-server.err.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$2</http_port>
    <tcp_port>$3</tcp_port>
    <interserver_http_port>$4</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>50</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$d/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <remote_servers>
        <casebook>
            <shard>
                <replica>
                    <host>127.0.0.1</host>
                    <port>$5</port>
                </replica>
            </shard>
            <shard>
                <replica>
                    <host>127.0.0.1</host>
                    <port>$6</port>
                </replica>
            </shard>
        </casebook>
    </remote_servers>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
    $query_log
</yandex>
EOF
	cat >"$d/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <load_balancing>in_order</load_balancing>
            $log_queries
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <analyst>
            <password>analyst-secret</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </analyst>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

# Prints 1 when the server at this HTTP port answers SELECT 1, with whatever client there is.
answers() {
	url="http://127.0.0.1:$1/?query=SELECT%201"
	if command -v curl >/dev/null 2>&1; then
		out=$(curl -s --max-time 2 "$url" 2>/dev/null)
	elif command -v wget >/dev/null 2>&1; then
		out=$(wget -q -T 2 -O - "$url" 2>/dev/null)
	else
		out=$(clickhouse-client --port "$2" --query 'SELECT 1' 2>/dev/null)
	fi
	[ "$out" = 1 ]
}

alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

fail_with_log() { # shard_dir message
	echo "clickhouse-cluster: $2" >&2
	if [ -s "$1/log/clickhouse-server.err.log" ]; then
		echo "--- its last errors ($1/log/clickhouse-server.err.log):" >&2
		grep '<Error>' "$1/log/clickhouse-server.err.log" | tail -5 >&2
	fi
	for f in "$1/log/clickhouse-server.log" "$1/log/stdout"; do
		if [ -s "$f" ]; then
			echo "--- last lines of $f:" >&2
			tail -10 "$f" >&2
		fi
	done
}

stop_cluster() {
	pids=""
	for n in 1 2; do
		f="$dir/shard$n/pid"
		if [ -s "$f" ]; then
			pid=$(cat "$f")
			if alive "$pid"; then
				kill "$pid" 2>/dev/null
				pids="$pids $pid"
			fi
			rm -f "$f"
		fi
	done
	# bounded: 30 s for a clean shutdown, then SIGKILL
	i=0
	for pid in $pids; do
		while alive "$pid" && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if alive "$pid"; then
			echo "clickhouse-cluster: server $pid did not stop in 30 s; killing it" >&2
			kill -9 "$pid" 2>/dev/null
		fi
	done
	# a killed process is reaped by init; wait until it is gone
	for pid in $pids; do
		j=0
		while alive "$pid" && [ $j -lt 100 ]; do
			sleep 0.1
			j=$((j + 1))
		done
	done
	return 0
}

start_cluster() {
	bin=$(server_bin) || {
		echo "clickhouse-cluster: clickhouse-server is not installed (make deps installs it)" >&2
		exit 2
	}
	case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
	mkdir -p "$dir" || exit 1
	for n in 1 2; do
		if [ -s "$dir/shard$n/pid" ] && alive "$(cat "$dir/shard$n/pid")"; then
			echo "clickhouse-cluster: a server already runs in $dir/shard$n (stop it first)" >&2
			exit 1
		fi
	done
	base=$(pick_ports) || {
		echo "clickhouse-cluster: no six free ports found" >&2
		exit 1
	}
	h1=$base t1=$((base + 1)) i1=$((base + 2)) h2=$((base + 3)) t2=$((base + 4)) i2=$((base + 5))
	write_config "$dir/shard1" "$h1" "$t1" "$i1" "$t1" "$t2"
	write_config "$dir/shard2" "$h2" "$t2" "$i2" "$t1" "$t2"
	for n in 1 2; do
		d="$dir/shard$n"
		# in its own folder: 18.16 writes status and preprocessed files beside the config
		(cd "$d" && exec "$bin" --config-file="$d/config.xml" >"$d/log/stdout" 2>&1) &
		echo $! >"$d/pid"
	done
	cat >"$dir/cluster.env" <<EOF
SHARD1_HTTP=$h1
SHARD2_HTTP=$h2
SHARD1_TCP=$t1
SHARD2_TCP=$t2
EOF
	deadline=$(($(date +%s) + WAIT_SECONDS))
	for n in 1 2; do
		d="$dir/shard$n"
		eval "http=\$h$n tcp=\$t$n"
		pid=$(cat "$d/pid")
		until answers "$http" "$tcp"; do
			if ! alive "$pid"; then
				fail_with_log "$d" "shard$n (http port $http) exited while starting"
				stop_cluster
				exit 1
			fi
			if [ "$(date +%s)" -ge "$deadline" ]; then
				fail_with_log "$d" "shard$n did not answer SELECT 1 on http://127.0.0.1:$http/ in $WAIT_SECONDS s"
				stop_cluster
				exit 1
			fi
			sleep 0.2
		done
	done
	echo "shard1 http://127.0.0.1:$h1/"
	echo "shard2 http://127.0.0.1:$h2/"
}

case $cmd in
start) start_cluster ;;
stop) stop_cluster ;;
*) usage ;;
esac
