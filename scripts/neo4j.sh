#!/usr/bin/env bash
# Local Neo4j Community 5.26 for development and tests, without Docker.
#
# Neo4j's server tarball is not on Maven Central (the only registry we can
# reach), so we fetch the embedded database (org.neo4j:neo4j) with Maven and
# run it through a tiny launcher (neo4j/launcher/Launcher.java) that exposes
# Bolt on 127.0.0.1 with authentication on.
#
# Usage: scripts/neo4j.sh [--test] [start|stop|env|status|wipe]
#
#   start   (default) build if needed, start if not running, wait for Bolt,
#           then print shell assignments on stdout:
#             eval "$(scripts/neo4j.sh start)"
#   stop    stop the server (data and password are kept)
#   env     print the same assignments as start, without starting
#   status  say whether it is running; exit 0 if so, 1 if not
#   wipe    stop and delete the database files (downloads and password stay)
#
#   --test  act on the test instance instead: .neo4j/instances/test (or
#           ATLASGRAPH_TEST_NEO4J_INSTANCE), free ports chosen at start, HTTP
#           on a free port too. The ATLASGRAPH_NEO4J_* settings below are
#           ignored, so tests never reach the server `make run` uses. When it
#           creates the test instance's data folder it marks the database
#           (a node :AtlasgraphTestInstance with a token kept in the instance
#           folder); internal/neo4jtest empties only a database so marked.
#           `make test` and the Go tests use this.
#
# Environment (without --test):
#   ATLASGRAPH_NEO4J_PORT      Bolt port, default 7687; `auto` picks a free one
#                              (the previous one if it is still free)
#   ATLASGRAPH_NEO4J_HTTP_PORT HTTP port of Neo4j Browser (http://127.0.0.1:PORT/browser/),
#                              default 7474 with Bolt on 7687, otherwise the
#                              Bolt port + 1; `auto` picks a free one; `off`
#                              turns HTTP off
#   ATLASGRAPH_NEO4J_INSTANCE  a name: run another server with its own data,
#                              password and logs under .neo4j/instances/NAME
#   ATLASGRAPH_NEO4J_HEAP      Java heap, default 1g
#
# Everything lives in .neo4j/ at the repository root (git-ignored):
#   m2/        Maven local repository (downloads are reused; ~/.m2 is not used)
#   lib/       runtime jars, lib/.stamp records the Neo4j version and pom hash
#   classes/   compiled launcher, classes/.stamp records the source hash
#   data/      database files
#   logs/      neo4j.log (launcher output; neo4j.log.prev for the run before),
#              debug.log (Neo4j's own log), maven.log (last download)
#   password   generated once, mode 600
#   pid, port, http_port  of the running server
#   test-marker           the token of a test instance (--test only)
#   instances/NAME/       the same files for another instance
#
# Tools it needs: bash 4+, coreutils (sha256sum, base64, timeout, setsid,
# nohup), grep, sed, flock (util-linux), a JDK 17+ (java, javac) and, on the
# first start only, Maven with access to Maven Central.
#
# stdout carries only the shell assignments; all progress goes to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
LAUNCHER_SRC=$REPO_ROOT/neo4j/launcher

# Downloads and the compiled launcher are shared; a server's own files live
# in its instance folder, .neo4j itself unless ATLASGRAPH_NEO4J_INSTANCE names
# another (so two servers on two ports can run side by side, e.g. for
# parallel test runs).
SHARED_STATE=$REPO_ROOT/.neo4j
M2=$SHARED_STATE/m2
LIB=$SHARED_STATE/lib
CLASSES=$SHARED_STATE/classes

TEST_MODE=false
if [[ ${1:-} == --test ]]; then
	TEST_MODE=true
	shift
	INSTANCE=${ATLASGRAPH_TEST_NEO4J_INSTANCE:-test}
	PORT=auto
	HTTP_PORT=auto
	INSTANCE_VAR=ATLASGRAPH_TEST_NEO4J_INSTANCE
else
	INSTANCE=${ATLASGRAPH_NEO4J_INSTANCE:-}
	PORT=${ATLASGRAPH_NEO4J_PORT:-7687}
	HTTP_PORT=${ATLASGRAPH_NEO4J_HTTP_PORT:-}
	INSTANCE_VAR=ATLASGRAPH_NEO4J_INSTANCE
fi
HEAP=${ATLASGRAPH_NEO4J_HEAP:-1g}

STATE=$SHARED_STATE
if [[ -n $INSTANCE ]]; then
	[[ $INSTANCE =~ ^[A-Za-z0-9_-]+$ ]] || { printf 'neo4j.sh: error: %s must be a simple name (letters, digits, - and _), got %s\n' "$INSTANCE_VAR" "$INSTANCE" >&2; exit 1; }
	STATE=$SHARED_STATE/instances/$INSTANCE
fi
DATA=$STATE/data
LOGS=$STATE/logs
LOG=$LOGS/neo4j.log
PASSWORD_FILE=$STATE/password
PID_FILE=$STATE/pid
PORT_FILE=$STATE/port
HTTP_PORT_FILE=$STATE/http_port
TEST_MARKER_FILE=$STATE/test-marker
LOCK_FILE=$STATE/lock
START_TIMEOUT=180 # seconds to wait for Bolt after launching
STOP_TIMEOUT=60   # seconds to wait after SIGTERM before SIGKILL
READY_LINE='neo4j-launcher: ready bolt://'

# Put on the java command line so that we can tell our server from any other
# process that happens to reuse a stale pid.
MARKER="-Datlasgraph.neo4j.state=$STATE"

JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAVAC=${JAVA_HOME:+$JAVA_HOME/bin/}javac

log() { printf 'neo4j.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# check_port NAME VALUE: VALUE is auto, or a port number (printed without
# leading zeros: no octal surprises).
check_port() {
	case $2 in
	auto) printf 'auto\n' ;;
	'' | *[!0-9]*) die "$1 must be a port number or auto, got '$2'" ;;
	*)
		local p=$((10#$2))
		((p >= 1 && p <= 65535)) || die "$1 must be between 1 and 65535, got $p"
		printf '%s\n' "$p"
		;;
	esac
}
PORT=$(check_port ATLASGRAPH_NEO4J_PORT "$PORT")
case $HTTP_PORT in
off) HTTP_PORT=0 ;;
'')
	if [[ $PORT == auto ]]; then
		HTTP_PORT=auto
	elif ((PORT == 7687)); then
		HTTP_PORT=7474
	elif ((PORT < 65535)); then
		HTTP_PORT=$((PORT + 1))
	else
		HTTP_PORT=0
	fi
	;;
*) HTTP_PORT=$(check_port ATLASGRAPH_NEO4J_HTTP_PORT "$HTTP_PORT") ;;
esac
[[ $HEAP =~ ^[0-9]+[mMgG]$ ]] || die "ATLASGRAPH_NEO4J_HEAP must be a size such as 512m or 1g, got '$HEAP'"

# Serialise start/stop/wipe so that two test runs starting at once do not
# build or launch twice. The java process must not inherit this descriptor
# (it would hold the lock forever), see launch().
take_lock() {
	mkdir -p "$STATE"
	exec 9>"$LOCK_FILE"
	flock -w 600 9 || die "timed out waiting for $LOCK_FILE"
}

# True if something accepts TCP connections on 127.0.0.1:$1. Connection
# refused is immediate on loopback; timeout guards against a wedged listener.
port_open() {
	# shellcheck disable=SC2016 # $1 is expanded by the inner bash, on purpose
	timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# True if pid $1 exists and has not exited (an exited child of a PID 1 that
# does not reap, as in some containers, stays as a zombie: treat it as gone).
alive() {
	local state
	[[ -r /proc/$1/stat ]] || return 1
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ $state != Z ]]
}

# Prints the pid of our running server, or fails. Checks the command line so
# that a recycled pid belonging to some other program is never signalled.
our_pid() {
	local pid
	[[ -f $PID_FILE ]] || return 1
	pid=$(<"$PID_FILE")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	alive "$pid" || return 1
	# cmdline is NUL-separated; grep -z reads it one argument per "line".
	grep -qzxF -- "$MARKER" "/proc/$pid/cmdline" 2>/dev/null || return 1
	printf '%s\n' "$pid"
}

# True once the launcher has printed its ready line (it does so only after the
# password is set, so clients never meet the initial one) and Bolt accepts
# connections on port $1.
answers() {
	grep -qF "$READY_LINE" "$LOG" 2>/dev/null && port_open "$1"
}

running_port() {
	local p
	p=$(cat "$PORT_FILE" 2>/dev/null) || p=$PORT
	printf '%s\n' "$p"
}

running_http_port() {
	cat "$HTTP_PORT_FILE" 2>/dev/null || printf '0\n'
}

# pick_port PREVIOUS_FILE AVOID: the port recorded in PREVIOUS_FILE if it is
# free (so a restarted server keeps its address), else a free one from
# 20000-32767 (below Linux's ephemeral range, so outgoing connections do not
# take it in the meantime), never AVOID.
pick_port() {
	local p i
	p=$(cat "$1" 2>/dev/null) || p=''
	if [[ $p =~ ^[0-9]+$ ]] && ((p > 0 && p != $2)) && ! port_open "$p"; then
		printf '%s\n' "$p"
		return 0
	fi
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
		if ((p != $2)) && ! port_open "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	die "found no free port on 127.0.0.1"
}

print_env() {
	local password http
	password=$(<"$PASSWORD_FILE")
	http=$(running_http_port)
	# %q keeps eval safe even if someone puts odd characters in the password file.
	printf 'NEO4J_URI=%q\n' "bolt://127.0.0.1:$1"
	printf 'NEO4J_USERNAME=neo4j\n'
	printf 'NEO4J_PASSWORD=%q\n' "$password"
	printf 'NEO4J_DATABASE=neo4j\n'
	printf 'export NEO4J_URI NEO4J_USERNAME NEO4J_PASSWORD NEO4J_DATABASE\n'
	# Not exported: for people and for the tests that read this output.
	if [[ $http =~ ^[0-9]+$ ]] && ((http > 0)); then
		printf 'NEO4J_BROWSER_URL=%q\n' "http://127.0.0.1:$http/browser/"
	fi
	if $TEST_MODE; then
		printf 'ATLASGRAPH_NEO4J_TEST_TOKEN=%q\n' "$(cat "$TEST_MARKER_FILE" 2>/dev/null)"
	fi
}

neo4j_version() {
	sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$LAUNCHER_SRC/pom.xml" | head -n 1
}

# Downloads jars and compiles the launcher unless the stamps say it is done.
# Each step builds into a temporary folder that is renamed only on success, so
# an interrupted build is simply redone next time.
ensure_built() {
	local version lib_stamp classes_stamp
	version=$(neo4j_version)
	[[ -n $version ]] || die "no <neo4j.version> in $LAUNCHER_SRC/pom.xml"
	lib_stamp="neo4j $version pom $(sha256sum <"$LAUNCHER_SRC/pom.xml" | cut -d' ' -f1)"
	classes_stamp="$lib_stamp launcher $(sha256sum <"$LAUNCHER_SRC/Launcher.java" | cut -d' ' -f1)"

	if [[ $(cat "$LIB/.stamp" 2>/dev/null) != "$lib_stamp" ]]; then
		command -v mvn >/dev/null || die "mvn not found on PATH (needed once to download Neo4j $version)"
		log "downloading Neo4j $version and its dependencies with Maven (first run only)..."
		rm -rf "$LIB.tmp"
		mkdir -p "$LOGS"
		# Maven's output goes to a file: stdout is reserved for the NEO4J_*
		# lines, and even -q -B prints stray colour codes.
		if ! mvn -B -q -Dstyle.color=never -f "$LAUNCHER_SRC/pom.xml" -Dmaven.repo.local="$M2" \
			dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB.tmp" \
			>"$LOGS/maven.log" 2>&1; then
			tail -n 30 "$LOGS/maven.log" >&2
			die "Maven could not fetch Neo4j $version (full output in $LOGS/maven.log)"
		fi
		printf '%s\n' "$lib_stamp" >"$LIB.tmp/.stamp"
		rm -rf "$LIB"
		mv "$LIB.tmp" "$LIB"
	fi

	if [[ $(cat "$CLASSES/.stamp" 2>/dev/null) != "$classes_stamp" ]]; then
		log "compiling the launcher..."
		rm -rf "$CLASSES.tmp"
		mkdir -p "$CLASSES.tmp"
		"$JAVAC" --release 17 -encoding UTF-8 -d "$CLASSES.tmp" -cp "$LIB/*" \
			"$LAUNCHER_SRC/Launcher.java" >&2 || die "javac failed"
		printf '%s\n' "$classes_stamp" >"$CLASSES.tmp/.stamp"
		rm -rf "$CLASSES"
		mv "$CLASSES.tmp" "$CLASSES"
	fi
}

# Generated once and kept, so restarts and `wipe` keep the same credentials.
ensure_password() {
	local pw=''
	[[ -s $PASSWORD_FILE ]] && return 0
	while ((${#pw} < 16)); do
		pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	done
	(
		umask 077
		printf '%s\n' "$pw" >"$PASSWORD_FILE"
	)
	chmod 600 "$PASSWORD_FILE"
	log "generated a password in $PASSWORD_FILE"
}

# Sends SIGTERM (the launcher's shutdown hook stops Neo4j cleanly), then
# SIGKILL if it has not exited within STOP_TIMEOUT.
terminate() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < STOP_TIMEOUT * 2; i++)); do
		alive "$pid" || return 0
		sleep 0.5
	done
	log "pid $pid did not exit within ${STOP_TIMEOUT}s, sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 20; i++)); do
		alive "$pid" || return 0
		sleep 0.5
	done
	die "pid $pid survived SIGKILL"
}

# Waits until answers() holds. On failure prints the log tail and stops the
# process.
wait_ready() {
	local pid=$1 port=$2 deadline=$((SECONDS + START_TIMEOUT))
	while ((SECONDS < deadline)); do
		if ! alive "$pid"; then
			log "Neo4j exited during startup; last lines of $LOG:"
			tail -n 30 "$LOG" >&2 || true
			rm -f "$PID_FILE"
			exit 1
		fi
		if answers "$port"; then
			return 0
		fi
		sleep 1
	done
	log "Neo4j did not answer on 127.0.0.1:$port within ${START_TIMEOUT}s; last lines of $LOG:"
	tail -n 30 "$LOG" >&2 || true
	terminate "$pid"
	rm -f "$PID_FILE"
	exit 1
}

launch() {
	local pid marker_args=()
	# A test instance is marked once, when its data folder is created: an
	# existing database is never marked after the fact.
	if $TEST_MODE && [[ ! -d $DATA ]]; then
		(
			umask 077
			head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$TEST_MARKER_FILE"
		)
		marker_args=(--test-marker-file "$TEST_MARKER_FILE")
		log "new test instance: its database will be marked (token in $TEST_MARKER_FILE)"
	fi
	mkdir -p "$DATA" "$LOGS"
	# Keep the previous run's output for post-mortems; the ready check then
	# only ever sees this run's lines.
	[[ -f $LOG ]] && mv -f "$LOG" "$LOG.prev"
	# setsid + nohup: the server outlives this script and the terminal.
	# Because a background job of a non-interactive shell is never a process
	# group leader, setsid does not fork, and nohup and java exec in place,
	# so $! is java's pid. 9>&- keeps the lock out of the server.
	# JVM flags: the heap is fixed at 1g (page cache is set to 256m inside the
	# launcher); the --add-opens are the ones Neo4j's own server script passes,
	# without them the page cache and transaction logs fall back to slower paths.
	(
		cd "$STATE"
		exec setsid nohup "$JAVA" \
			"$MARKER" \
			"-Xms$HEAP" "-Xmx$HEAP" \
			-XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
			--add-opens=java.base/java.nio=ALL-UNNAMED \
			--add-opens=java.base/java.io=ALL-UNNAMED \
			--add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
			-Dio.netty.tryReflectionSetAccessible=true \
			-Djdk.nio.maxCachedBufferSize=1024 \
			-cp "$CLASSES:$LIB/*" Launcher \
			--data-dir "$DATA" --logs-dir "$LOGS" --port "$PORT" --password-file "$PASSWORD_FILE" \
			--http-port "$HTTP_PORT" "${marker_args[@]}"
	) </dev/null >>"$LOG" 2>&1 9>&- &
	pid=$!
	printf '%s\n' "$pid" >"$PID_FILE"
	printf '%s\n' "$PORT" >"$PORT_FILE"
	printf '%s\n' "$HTTP_PORT" >"$HTTP_PORT_FILE"
	log "started Neo4j (pid $pid), waiting for Bolt on 127.0.0.1:$PORT..."
	wait_ready "$pid" "$PORT"
	if ((HTTP_PORT > 0)); then
		log "Neo4j is ready on bolt://127.0.0.1:$PORT, Neo4j Browser on http://127.0.0.1:$HTTP_PORT/browser/ (log: $LOG)"
	else
		log "Neo4j is ready on bolt://127.0.0.1:$PORT (log: $LOG)"
	fi
}

cmd_start() {
	local pid port
	take_lock
	if pid=$(our_pid); then
		port=$(running_port)
		if ! answers "$port"; then
			# Alive but not answering: most likely still starting after an
			# interrupted `start`. Give it the usual time.
			log "Neo4j (pid $pid) is running but Bolt is not answering yet; waiting..."
			wait_ready "$pid" "$port"
		fi
		if [[ $PORT != auto && $port != "$PORT" ]]; then
			log "warning: reusing the running server on port $port, not ATLASGRAPH_NEO4J_PORT=$PORT (run '$0 stop' first to change ports)"
		fi
		log "reusing running Neo4j (pid $pid) on bolt://127.0.0.1:$port"
		print_env "$port"
		return 0
	fi
	rm -f "$PID_FILE"

	if [[ $PORT == auto ]]; then
		PORT=$(pick_port "$PORT_FILE" 0)
	elif port_open "$PORT"; then
		die "port $PORT on 127.0.0.1 is already in use by another program (not the Neo4j in $STATE); stop it or set ATLASGRAPH_NEO4J_PORT to a free port"
	fi
	if [[ $HTTP_PORT == auto ]]; then
		HTTP_PORT=$(pick_port "$HTTP_PORT_FILE" "$PORT")
	elif ((HTTP_PORT > 0)) && { ((HTTP_PORT == PORT)) || port_open "$HTTP_PORT"; }; then
		die "HTTP port $HTTP_PORT on 127.0.0.1 is already in use (by another program, or it is the Bolt port); set ATLASGRAPH_NEO4J_HTTP_PORT to a free port, or to off"
	fi

	ensure_built
	ensure_password
	launch
	print_env "$PORT"
}

cmd_stop() {
	local pid
	take_lock
	if ! pid=$(our_pid); then
		rm -f "$PID_FILE"
		log "Neo4j is not running"
		return 0
	fi
	log "stopping Neo4j (pid $pid)..."
	terminate "$pid"
	rm -f "$PID_FILE"
	log "stopped"
}

cmd_env() {
	local pid port
	pid=$(our_pid) || die "Neo4j is not running; start it with: $0 start"
	port=$(running_port)
	answers "$port" || die "Neo4j (pid $pid) is running but Bolt on 127.0.0.1:$port does not answer"
	print_env "$port"
}

cmd_status() {
	local pid port
	if pid=$(our_pid); then
		port=$(running_port)
		if answers "$port"; then
			echo "running (pid $pid, bolt://127.0.0.1:$port)"
			return 0
		fi
		echo "not running: pid $pid is alive but Bolt on 127.0.0.1:$port does not answer (starting, or stuck)"
		return 1
	fi
	echo "not running"
	return 1
}

cmd_wipe() {
	cmd_stop
	# take_lock in cmd_stop holds the lock until this script exits.
	log "deleting $DATA"
	rm -rf "$DATA"
}

case ${1:-start} in
start) cmd_start ;;
stop) cmd_stop ;;
env) cmd_env ;;
status) cmd_status ;;
wipe) cmd_wipe ;;
-h | --help | help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" ;;
*)
	log "unknown command '$1' (use start, stop, env, status or wipe)"
	exit 2
	;;
esac
