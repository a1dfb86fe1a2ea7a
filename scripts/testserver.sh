# Sourced by CI scripts: `start_testserver DIR` starts the debug test server
# ($root/target/debug/feast-aerospike-testserver, a test double of the Aerospike
# protocol) on a free loopback port, logging into DIR, and sets SERVER_PID and
# PORT. The caller kills SERVER_PID.
start_testserver() {
  local dir=$1
  "$root/target/debug/feast-aerospike-testserver" --listen 127.0.0.1:0 >"$dir/server.out" 2>"$dir/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if grep -q '^feast-aerospike-testserver listening on ' "$dir/server.out" 2>/dev/null; then
      PORT=$(head -n1 "$dir/server.out" | sed 's/.*://')
      return 0
    fi
    sleep 0.1
  done
  echo "test server did not start:" >&2
  cat "$dir/server.err" >&2
  return 1
}
