#!/usr/bin/env bash
# Local Neo4j Community 5.26 for development and tests, without Docker.
#
# Neo4j's server tarball is not on Maven Central (the only registry we can
# reach), so we fetch the embedded database (org.neo4j:neo4j) with Maven and
# run it through a tiny launcher (neo4j/launcher/Launcher.java) that exposes
# Bolt on 127.0.0.1 with authentication on.
#
# Usage: scripts/neo4j.sh [start|stop|env|status|wipe]
#
#   start   (default) build if needed, start if not running, wait for Bolt,
#           then print shell assignments on stdout:
#             eval "$(scripts/neo4j.sh start)"
#   stop    stop the server (data and password are kept)
#   env     print the same assignments as start, without starting
#   status  say whether it is running; exit 0 if so, 1 if not
#   wipe    stop and delete the database files (downloads and password stay)
#
# Environment: ATLASGRAPH_NEO4J_PORT (Bolt port, default 7687),
#              ATLASGRAPH_NEO4J_INSTANCE (a name: run a second server with its
#              own data, password and logs under .neo4j/instances/NAME).
#
# Everything lives in .neo4j/ at the repository root (git-ignored):
#   m2/        Maven local repository (downloads are reused; ~/.m2 is not used)
#   lib/       runtime jars, lib/.stamp records the Neo4j version and pom hash
#   classes/   compiled launcher, classes/.stamp records the source hash
#   data/      database files
#   logs/      neo4j.log (launcher output; neo4j.log.prev for the run before),
#              debug.log (Neo4j's own log), maven.log (last download)
#   password   generated once, mode 600
#   pid, port  of the running server
#
# stdout carries only the NEO4J_* assignments; all progress goes to stderr.
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
STATE=$SHARED_STATE
if [[ -n ${ATLASGRAPH_NEO4J_INSTANCE:-} ]]; then
	[[ $ATLASGRAPH_NEO4J_INSTANCE =~ ^[A-Za-z0-9_-]+$ ]] || { printf 'neo4j.sh: error: ATLASGRAPH_NEO4J_INSTANCE must be a simple name (letters, digits, - and _), got %s\n' "$ATLASGRAPH_NEO4J_INSTANCE" >&2; exit 1; }
	STATE=$SHARED_STATE/instances/$ATLASGRAPH_NEO4J_INSTANCE
fi
DATA=$STATE/data
LOGS=$STATE/logs
LOG=$LOGS/neo4j.log
PASSWORD_FILE=$STATE/password
PID_FILE=$STATE/pid
PORT_FILE=$STATE/port
LOCK_FILE=$STATE/lock

PORT=${ATLASGRAPH_NEO4J_PORT:-7687}
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

case $PORT in
'' | *[!0-9]*) die "ATLASGRAPH_NEO4J_PORT must be a port number, got '$PORT'" ;;
esac
PORT=$((10#$PORT)) # no octal surprises from a leading zero
((PORT >= 1 && PORT <= 65535)) || die "ATLASGRAPH_NEO4J_PORT must be between 1 and 65535, got $PORT"

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

print_env() {
	local password
	password=$(<"$PASSWORD_FILE")
	# %q keeps eval safe even if someone puts odd characters in the password file.
	printf 'NEO4J_URI=%q\n' "bolt://127.0.0.1:$1"
	printf 'NEO4J_USERNAME=neo4j\n'
	printf 'NEO4J_PASSWORD=%q\n' "$password"
	printf 'NEO4J_DATABASE=neo4j\n'
	printf 'export NEO4J_URI NEO4J_USERNAME NEO4J_PASSWORD NEO4J_DATABASE\n'
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
	local pid
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
			-Xms1g -Xmx1g \
			-XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
			--add-opens=java.base/java.nio=ALL-UNNAMED \
			--add-opens=java.base/java.io=ALL-UNNAMED \
			--add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
			-Dio.netty.tryReflectionSetAccessible=true \
			-Djdk.nio.maxCachedBufferSize=1024 \
			-cp "$CLASSES:$LIB/*" Launcher \
			--data-dir "$DATA" --logs-dir "$LOGS" --port "$PORT" --password-file "$PASSWORD_FILE"
	) </dev/null >>"$LOG" 2>&1 9>&- &
	pid=$!
	printf '%s\n' "$pid" >"$PID_FILE"
	printf '%s\n' "$PORT" >"$PORT_FILE"
	log "started Neo4j (pid $pid), waiting for Bolt on 127.0.0.1:$PORT..."
	wait_ready "$pid" "$PORT"
	log "Neo4j is ready on bolt://127.0.0.1:$PORT (log: $LOG)"
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
		if [[ $port != "$PORT" ]]; then
			log "warning: reusing the running server on port $port, not ATLASGRAPH_NEO4J_PORT=$PORT (run '$0 stop' first to change ports)"
		fi
		log "reusing running Neo4j (pid $pid) on bolt://127.0.0.1:$port"
		print_env "$port"
		return 0
	fi
	rm -f "$PID_FILE"

	if port_open "$PORT"; then
		die "port $PORT on 127.0.0.1 is already in use by another program (not the Neo4j in $STATE); stop it or set ATLASGRAPH_NEO4J_PORT to a free port"
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
