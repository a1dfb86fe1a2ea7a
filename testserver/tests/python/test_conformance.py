"""Conformance of the test server with the official Python client
(aerospike 19.3.0, which embeds the C client). Every expectation is what a
real CE 8.1 server answers (shared/protocol transcripts, server source)."""
import socket
import struct
import time

import aerospike
import pytest
from aerospike import exception as ex
from aerospike_helpers import cdt_ctx
from aerospike_helpers.batch import records as br
from aerospike_helpers.operations import map_operations as mo
from aerospike_helpers.operations import operations as op

KO = {"map_order": aerospike.MAP_KEY_ORDERED}


def code_of(fn):
    with pytest.raises(ex.AerospikeError) as e:
        fn()
    return e.value.code


def put_view(client, key, view, features, ts, created=None):
    ops = [
        mo.map_put_items("features", {view: features}, KO),
        mo.map_put("event_ts", view, ts, KO),
    ]
    if created is not None:
        ops.append(op.write("created_ts", created))
    return client.operate(key, ops)


# ------------------------------------------------------------------ info


def test_info_answers(client):
    assert client.info_random_node("namespaces") == "namespaces\tfeast;test\n"
    assert client.info_random_node("build") == "build\t8.1.2.0\n"
    assert client.info_random_node("partitions") == "partitions\t4096\n"
    replicas = client.info_random_node("replicas")
    # Every one of 4096 partitions: 512 bytes of 0xff, base64.
    assert "feast:0,1," + "/" * 682 + "8=" in replicas
    assert code_of(lambda: client.info_random_node("bogus-command")) == 4


def test_is_connected_to_one_node(client):
    assert client.is_connected()
    assert len(client.get_node_names()) == 1


# ------------------------------------------------------- single record


def test_put_get_select_exists_touch_remove(client, set_name):
    key = ("feast", set_name, "k1")
    bins = {
        "i": 42,
        "f": 1.5,
        "s": "hello",
        "b": bytearray(b"\x00\x01"),
        "t": True,
        "l": [1, "x", None, 2.5],
        "m": {"a": 1, "b": [1, 2]},
    }
    client.put(key, bins)
    _, meta, rec = client.get(key)
    assert meta["gen"] == 1
    assert meta["ttl"] == 0xFFFFFFFF  # namespace default-ttl 0: never expires
    assert rec == bins

    _, _, rec = client.select(key, ["i", "s", "missing"])
    assert rec == {"i": 42, "s": "hello"}

    _, meta = client.exists(key)
    assert meta["gen"] == 1
    _, meta = client.exists(("feast", set_name, "nope"))
    assert meta is None

    client.touch(key)
    _, meta = client.exists(key)
    assert meta["gen"] == 2
    assert code_of(lambda: client.touch(("feast", set_name, "nope"))) == 2

    client.remove(key)
    assert code_of(lambda: client.get(key)) == 2
    assert code_of(lambda: client.remove(key)) == 2


def test_generation_and_exists_policies(client, set_name):
    key = ("feast", set_name, "g")
    client.put(key, {"x": 1})
    assert (
        code_of(lambda: client.put(key, {"x": 2}, meta={"gen": 5},
                                   policy={"gen": aerospike.POLICY_GEN_EQ}))
        == 3
    )
    client.put(key, {"x": 2}, meta={"gen": 1}, policy={"gen": aerospike.POLICY_GEN_EQ})
    assert (
        code_of(lambda: client.put(key, {"x": 3},
                                   policy={"exists": aerospike.POLICY_EXISTS_CREATE}))
        == 5
    )
    assert (
        code_of(lambda: client.put(("feast", set_name, "new"), {"x": 3},
                                   policy={"exists": aerospike.POLICY_EXISTS_UPDATE}))
        == 2
    )
    client.put(key, {"y": 1}, policy={"exists": aerospike.POLICY_EXISTS_REPLACE})
    assert client.get(key)[2] == {"y": 1}


def test_increment_append(client, set_name):
    key = ("feast", set_name, "ia")
    client.put(key, {"n": 1, "s": "ab"})
    client.increment(key, "n", 41)
    client.append(key, "s", "cd")
    client.prepend(key, "s", "_")
    assert client.get(key)[2] == {"n": 42, "s": "_abcd"}
    assert code_of(lambda: client.increment(key, "s", 1)) == 12


def test_unknown_namespace_is_an_error(client):
    assert code_of(lambda: client.put(("nosuchns", "s", "k"), {"x": 1})) != 0


# ------------------------------------------------------------- CDT maps


def test_operate_map_put_items_key_ordered_with_nil_inside(client, set_name):
    key = ("feast", set_name, "e1")
    _, meta, res = client.operate(
        key,
        [
            mo.map_put_items("features", {"fv_b": {"z": 1}, "fv_a": {"y": None}}, KO),
            mo.map_put("event_ts", "fv_b", 10, KO),
            op.write("created_ts", 123),
        ],
    )
    # put_items / put answer the map size; the write answers nil (Python
    # sets respond-all-ops).
    assert res == {"features": 2, "event_ts": 1, "created_ts": None}
    assert meta["gen"] == 1
    _, _, rec = client.get(key)
    # Key-ordered: the client's dict keeps the server's order.
    assert list(rec["features"].keys()) == ["fv_a", "fv_b"]
    assert rec["features"]["fv_a"] == {"y": None}
    assert rec["event_ts"] == {"fv_b": 10}


def test_key_ordered_after_unsorted_puts(client, set_name):
    key = ("feast", set_name, "order")
    for k in ["m", "c", "x", "a", "q"]:
        client.operate(key, [mo.map_put("m", k, len(k), KO)])
    _, _, rec = client.get(key)
    assert list(rec["m"].keys()) == ["a", "c", "m", "q", "x"]


def test_get_by_key_and_key_list_return_types(client, set_name):
    key = ("feast", set_name, "rt")
    client.operate(key, [mo.map_put_items("features", {"fv": {"f1": 1.5, "f2": "x", "f3": None}}, KO)])
    ctx = [cdt_ctx.cdt_ctx_map_key("fv")]
    _, _, res = client.operate_ordered(
        key,
        [
            mo.map_get_by_key("features", "fv", aerospike.MAP_RETURN_VALUE),
            mo.map_get_by_key_list("features", ["f3", "nope", "f1"], aerospike.MAP_RETURN_KEY_VALUE, ctx=ctx),
            mo.map_get_by_key_list("features", ["f1", "f2"], aerospike.MAP_RETURN_VALUE, ctx=ctx),
            mo.map_get_by_key("features", "nope", aerospike.MAP_RETURN_VALUE, ctx=ctx),
            mo.map_get_by_key("features", "f2", aerospike.MAP_RETURN_KEY, ctx=ctx),
            mo.map_get_by_key("features", "f2", aerospike.MAP_RETURN_INDEX, ctx=ctx),
            mo.map_get_by_key_list("features", ["f1", "f2", "zz"], aerospike.MAP_RETURN_COUNT, ctx=ctx),
            mo.map_get_by_key("features", "zz", aerospike.MAP_RETURN_EXISTS, ctx=ctx),
            mo.map_size("features", ctx=ctx),
        ],
    )
    values = [v for _, v in res]
    assert values[0] == {"f1": 1.5, "f2": "x", "f3": None}
    # KEY_VALUE: flat [k, v, ...] pairs in map order, missing key omitted,
    # nil value kept.
    assert values[1] == ["f1", 1.5, "f3", None]
    assert values[2] == [1.5, "x"]
    assert values[3] is None
    assert values[4] == "f2"
    assert values[5] == 1
    assert values[6] == 2
    assert values[7] is False
    assert values[8] == 3


def test_remove_by_key_and_write_flags(client, set_name):
    key = ("feast", set_name, "rm")
    client.operate(key, [mo.map_put_items("m", {"a": 1, "b": 2, "c": 3}, KO)])
    _, _, res = client.operate(key, [mo.map_remove_by_key("m", "b", aerospike.MAP_RETURN_VALUE)])
    assert res == {"m": 2}
    _, _, res = client.operate(key, [mo.map_remove_by_key_list("m", ["a", "zz"], aerospike.MAP_RETURN_KEY)])
    assert res == {"m": ["a"]}
    assert client.get(key)[2] == {"m": {"c": 3}}

    create_only = {"map_order": aerospike.MAP_KEY_ORDERED, "map_write_flags": aerospike.MAP_WRITE_FLAGS_CREATE_ONLY}
    assert code_of(lambda: client.operate(key, [mo.map_put("m", "c", 9, create_only)])) == 24
    update_only = {"map_order": aerospike.MAP_KEY_ORDERED, "map_write_flags": aerospike.MAP_WRITE_FLAGS_UPDATE_ONLY}
    assert code_of(lambda: client.operate(key, [mo.map_put("m", "new", 9, update_only)])) == 23
    no_fail = dict(create_only)
    no_fail["map_write_flags"] |= aerospike.MAP_WRITE_FLAGS_NO_FAIL
    client.operate(key, [mo.map_put("m", "c", 9, no_fail)])
    assert client.get(key)[2] == {"m": {"c": 3}}
    # A map op on a bin that is not a map: 12.
    client.put(key, {"n": 1})
    assert code_of(lambda: client.operate(key, [mo.map_size("n")])) == 12


def test_missing_context_is_26_for_the_command(client, set_name):
    key = ("feast", set_name, "ctx")
    client.operate(key, [mo.map_put_items("features", {"fv_b": {"x": 1}}, KO)])
    ctx = [cdt_ctx.cdt_ctx_map_key("fv_a")]
    assert code_of(lambda: client.operate(
        key, [mo.map_get_by_key_list("features", ["x"], aerospike.MAP_RETURN_KEY_VALUE, ctx=ctx)]
    )) == 26


# -------------------------------------------------------------- batches


def test_batch_operate_per_row_codes_2_and_26(client, set_name):
    keys = [("feast", set_name, f"e{i}") for i in range(4)]
    put_view(client, keys[0], "fv_a", {"acc": 0.9, "conv": 0.1}, 10)
    put_view(client, keys[1], "fv_a", {"acc": 0.8, "conv": 0.2}, 20)
    put_view(client, keys[2], "fv_b", {"acc": 0.7}, 30)
    ctx = [cdt_ctx.cdt_ctx_map_key("fv_a")]
    res = client.batch_operate(
        keys,
        [
            mo.map_get_by_key_list("features", ["conv", "nope"], aerospike.MAP_RETURN_KEY_VALUE, ctx=ctx),
            mo.map_get_by_key_list("event_ts", ["fv_a"], aerospike.MAP_RETURN_KEY_VALUE),
        ],
    )
    rows = res.batch_records
    assert [r.result for r in rows] == [0, 0, 26, 2]
    assert rows[0].record[2]["event_ts"] == ["fv_a", 10]
    assert rows[1].record[2]["features"] == ["conv", 0.2]
    assert rows[1].record[1]["gen"] == 1


def test_batch_read_rows_omit_nil_results(client, set_name):
    """Batch read rows do not set respond-all-ops: a read of a missing bin
    gives no result at all (the raw-protocol Rust tests check the flag byte
    by byte)."""
    key = ("feast", set_name, "k")
    client.put(key, {"a": 1})
    res = client.batch_operate([key], [op.read("a"), op.read("missing")])
    assert res.batch_records[0].record[2] == {"a": 1}


def test_batch_write_and_batch_read(client, set_name):
    keys = [("feast", set_name, f"w{i}") for i in range(3)]
    records = br.BatchRecords([
        br.Write(keys[0], [mo.map_put_items("features", {"fv": {"f1": 2.5}}, KO), op.write("created_ts", 124)]),
        br.Write(keys[1], [mo.map_put("event_ts", "fv", 1700000000000001, KO)]),
        br.Write(keys[2], [op.write("x", 1)], policy={"exists": aerospike.POLICY_EXISTS_UPDATE}),
    ])
    res = client.batch_write(records)
    assert [r.result for r in res.batch_records] == [0, 0, 2]
    assert res.batch_records[0].record[2] == {"features": 1, "created_ts": None}
    got = client.batch_read(keys)
    assert [r.result for r in got.batch_records] == [0, 0, 2]
    assert got.batch_records[1].record[2] == {"event_ts": {"fv": 1700000000000001}}
    rm = client.batch_remove(keys[:2])
    assert [r.result for r in rm.batch_records] == [0, 0]
    assert [r.result for r in client.batch_read(keys).batch_records] == [2, 2, 2]


# ----------------------------------------------------------- TTL, expiry


def test_ttl_void_time_and_expiry(server_ttl, set_name):
    c = server_ttl.client()
    try:
        c.put(("feast", set_name, "default"), {"x": 1})
        c.put(("feast", set_name, "never"), {"x": 1}, meta={"ttl": aerospike.TTL_NEVER_EXPIRE})
        c.put(("feast", set_name, "short"), {"x": 1}, meta={"ttl": 1})
        c.put(("feast", set_name, "hundred"), {"x": 1}, meta={"ttl": 100})
        assert 998 <= c.exists(("feast", set_name, "default"))[1]["ttl"] <= 1000
        assert c.exists(("feast", set_name, "never"))[1]["ttl"] == 0xFFFFFFFF
        assert 98 <= c.exists(("feast", set_name, "hundred"))[1]["ttl"] <= 100
        # Keep the void time when told not to update it.
        c.put(("feast", set_name, "hundred"), {"y": 1}, meta={"ttl": aerospike.TTL_DONT_UPDATE})
        assert 97 <= c.exists(("feast", set_name, "hundred"))[1]["ttl"] <= 100
        time.sleep(2.2)
        assert c.exists(("feast", set_name, "short"))[1] is None
        assert code_of(lambda: c.get(("feast", set_name, "short"))) == 2
        assert c.exists(("feast", set_name, "never"))[1] is not None
    finally:
        c.close()


# -------------------------------------------------------------- truncate


def test_truncate_set_and_lut_cutoff(client, set_name):
    other = set_name + "_o"
    for i in range(3):
        client.put(("feast", set_name, i), {"x": i})
        client.put(("feast", other, i), {"x": i})
    client.truncate("feast", set_name, 0)
    assert client.exists(("feast", set_name, 0))[1] is None
    assert client.exists(("feast", other, 0))[1] is not None

    time.sleep(0.01)
    cutoff = time.time_ns()
    time.sleep(0.01)
    client.put(("feast", other, "late"), {"x": 1})
    client.truncate("feast", other, cutoff)
    assert client.exists(("feast", other, 1))[1] is None
    assert client.exists(("feast", other, "late"))[1] is not None


# ------------------------------------------------------- scans, queries


def test_scan_and_query_return_the_set(client, set_name):
    for i in range(30):
        client.put(("feast", set_name, i), {"n": i, "other": "x"}, policy={"key": aerospike.POLICY_KEY_SEND})
    client.put(("feast", set_name + "_x", 1), {"n": 1})
    recs = client.scan("feast", set_name).results()
    assert sorted(r[2]["n"] for r in recs) == list(range(30))
    # The stored user key comes back with each record.
    assert sorted(r[0][2] for r in recs) == list(range(30))
    q = client.query("feast", set_name)
    q.select("n")
    recs = q.results()
    assert len(recs) == 30
    assert all(set(r[2].keys()) == {"n"} for r in recs)


def test_background_scan_ops_and_job_status(client, set_name):
    keys = [("feast", set_name, f"b{i}") for i in range(5)]
    for k in keys:
        put_view(client, k, "fv", {"f": 1}, 10)
        put_view(client, k, "keep", {"f": 2}, 20)
    scan = client.scan("feast", set_name)
    scan.add_ops([
        mo.map_remove_by_key("features", "fv", aerospike.MAP_RETURN_NONE),
        mo.map_remove_by_key("event_ts", "fv", aerospike.MAP_RETURN_NONE),
    ])
    job = scan.execute_background()
    for _ in range(50):
        info = client.job_info(job, aerospike.JOB_SCAN)
        if info["status"] == aerospike.JOB_STATUS_COMPLETED:
            break
        time.sleep(0.1)
    assert info["status"] == aerospike.JOB_STATUS_COMPLETED
    assert info["records_read"] == 5
    for k in keys:
        _, meta, rec = client.get(k)
        assert rec["features"] == {"keep": {"f": 2}}
        assert rec["event_ts"] == {"keep": 20}
        assert meta["gen"] == 3
    # An unknown job id answers ERROR:2, like the server.
    assert code_of(lambda: client.info_random_node("query-show:id=12345")) == 2


def test_background_query_applies_its_ttl(server_ttl, set_name):
    c = server_ttl.client()
    try:
        keys = [("feast", set_name, f"q{i}") for i in range(3)]
        for k in keys:
            c.put(k, {"m": {"a": 1, "b": 2}}, meta={"ttl": 5000})
        # ttl 0 (the default) = namespace default TTL on every touched record.
        q = c.query("feast", set_name)
        q.add_ops([mo.map_remove_by_key("m", "a", aerospike.MAP_RETURN_NONE)])
        job = q.execute_background()
        wait_job(c, job)
        for k in keys:
            assert 998 <= c.exists(k)[1]["ttl"] <= 1000
        # An explicit ttl is stamped; TTL_DONT_UPDATE leaves it alone.
        q = c.query("feast", set_name)
        q.add_ops([mo.map_remove_by_key("m", "b", aerospike.MAP_RETURN_NONE)])
        q.ttl = 50
        wait_job(c, q.execute_background())
        assert all(48 <= c.exists(k)[1]["ttl"] <= 50 for k in keys)
        q = c.query("feast", set_name)
        q.add_ops([op.write("z", 1)])
        q.ttl = aerospike.TTL_DONT_UPDATE
        wait_job(c, q.execute_background())
        for k in keys:
            _, meta, rec = c.get(k)
            assert 47 <= meta["ttl"] <= 50
            assert rec == {"m": {}, "z": 1}
    finally:
        c.close()


def wait_job(c, job):
    for _ in range(50):
        if c.job_info(job, aerospike.JOB_QUERY)["status"] == aerospike.JOB_STATUS_COMPLETED:
            return
        time.sleep(0.1)
    raise AssertionError("job did not complete")


# ------------------------------------------------------------ bad input


def raw_frame(sock, msg_type, body):
    sock.sendall(struct.pack(">Q", (2 << 56) | (msg_type << 48) | len(body)) + body)
    hdr = recv_exact(sock, 8)
    size = int.from_bytes(hdr[2:], "big")
    return hdr, recv_exact(sock, size)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def test_malformed_frames_close_only_their_connection(server, client, set_name):
    addr = (server.host, server.port)
    with socket.create_connection(addr, timeout=5) as s:
        _, body = raw_frame(s, 1, b"bogus\nnode\n")
        assert body.startswith(b"bogus\tERROR:4:unrecognized command\nnode\t")
        # Wrong protocol version: the server closes the connection.
        s.sendall(b"\x09\x03\x00\x00\x00\x00\x00\x00")
        assert s.recv(1) == b""
    with socket.create_connection(addr, timeout=5) as s:
        # A truncated AS_MSG (header claims 5 fields, none follow).
        s.sendall(struct.pack(">Q", (2 << 56) | (3 << 48) | 22) + bytes([22, 1, 0, 0, 0, 0]) + bytes(12) + b"\x00\x05\x00\x00")
        assert s.recv(1) == b""
    with socket.create_connection(addr, timeout=5) as s:
        # An absurd length is refused without reading it.
        s.sendall(struct.pack(">Q", (2 << 56) | (3 << 48) | (1 << 40)))
        assert s.recv(1) == b""
    # Everyone else is unaffected.
    client.put(("feast", set_name, "ok"), {"x": 1})
    assert client.get(("feast", set_name, "ok"))[2] == {"x": 1}


# ------------------------------------------------------- fault injection


def test_injected_result_codes(fresh_server):
    c = fresh_server.client()
    try:
        k1, k2 = ("feast", "f", "one"), ("feast", "f", "two")
        c.put(k1, {"x": 1})
        c.put(k2, {"x": 2})
        digest = aerospike.calc_digest("feast", "f", "two").hex()
        assert fresh_server.control(f"testserver-fail:code=14;namespace=feast;digest={digest}") == "ok"
        rows = c.batch_read([k1, k2]).batch_records
        assert [r.result for r in rows] == [0, 14]
        assert fresh_server.control("testserver-clear-faults") == "ok"
        assert fresh_server.control("testserver-fail:code=22;namespace=test") == "ok"
        assert code_of(lambda: c.put(("test", "f", 1), {"x": 1})) == 22
        c.put(("feast", "f", 3), {"x": 1})  # other namespaces unaffected
        fresh_server.control("testserver-clear-faults")
        c.put(("test", "f", 1), {"x": 1})
    finally:
        c.close()


def test_delay_and_dropped_connections(fresh_server):
    c = fresh_server.client()
    try:
        key = ("feast", "d", 1)
        c.put(key, {"x": 1})
        fresh_server.control("testserver-delay:ms=400")
        fast = {"total_timeout": 100, "socket_timeout": 100, "max_retries": 0}
        assert code_of(lambda: c.get(key, policy=fast)) == 9  # timeout
        fresh_server.control("testserver-clear-faults")
        time.sleep(0.5)
        assert c.get(key)[2] == {"x": 1}
        fresh_server.control("testserver-drop:requests=1")
        with pytest.raises(ex.AerospikeError):
            c.get(key, policy={"max_retries": 0})
        assert c.get(key)[2] == {"x": 1}
    finally:
        c.close()


def test_clock_control_expires_records(fresh_server):
    c = fresh_server.client()
    try:
        c.put(("feast", "clk", "ttl"), {"x": 1}, meta={"ttl": 3600})
        c.put(("feast", "clk", "forever"), {"x": 1})
        assert fresh_server.control("testserver-advance-clock:secs=3601") == "ok"
        assert c.exists(("feast", "clk", "ttl"))[1] is None
        assert c.exists(("feast", "clk", "forever"))[1] is not None
        assert [r[0][2] for r in c.scan("feast", "clk").results()] == [None]
    finally:
        c.close()


def test_control_commands_are_off_without_the_flag(tmp_path):
    import subprocess
    from conftest import BINARY, PREFIX
    proc = subprocess.Popen([BINARY, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        host, port = line[len(PREFIX):].rsplit(":", 1)
        c = aerospike.client({"hosts": [(host, int(port))]}).connect()
        assert code_of(lambda: c.info_random_node("testserver-delay:ms=1")) == 4
        c.close()
    finally:
        proc.send_signal(__import__("signal").SIGTERM)
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()


def test_restart_over_the_wire_keeps_or_drops_data(fresh_server):
    c = fresh_server.client()
    try:
        key = ("feast", "rs", 1)
        c.put(key, {"x": 1})
        assert fresh_server.control("testserver-restart:keep=1;pause_ms=300") == "ok"
        retry = {"max_retries": 20, "sleep_between_retries": 100, "total_timeout": 10000}
        assert c.get(key, policy=retry)[2] == {"x": 1}
        assert fresh_server.control("testserver-restart:keep=0;pause_ms=100") == "ok"
        time.sleep(0.3)
        assert code_of(lambda: c.get(key, policy=retry)) == 2
        c.put(key, {"x": 2}, policy={"max_retries": 5, "sleep_between_retries": 100})
        assert c.get(key)[2] == {"x": 2}
    finally:
        c.close()
