"""Fixtures for the Python-client conformance suite: start the test-server
binary (a test double speaking the Aerospike wire protocol), parse the port
from its first stdout line, and hand out connected official clients."""
import os
import signal
import socket
import struct
import subprocess
import uuid

import aerospike
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BINARY = os.environ.get(
    "FAS_TESTSERVER_BIN",
    os.path.join(REPO, "target", "debug", "feast-aerospike-testserver"),
)
PREFIX = "feast-aerospike-testserver listening on "


class Server:
    def __init__(self, *args):
        if not os.path.exists(BINARY):
            raise RuntimeError(f"{BINARY} not built: cargo build -p feast-aerospike-testserver")
        self.proc = subprocess.Popen(
            [BINARY, "--listen", "127.0.0.1:0", "--control", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith(PREFIX):
            self.proc.kill()
            raise RuntimeError(f"unexpected first line {line!r}: {self.proc.stderr.read()}")
        host, port = line[len(PREFIX):].rsplit(":", 1)
        self.host, self.port = host, int(port)

    def client(self, **policies):
        config = {"hosts": [(self.host, self.port)]}
        if policies:
            config["policies"] = policies
        return aerospike.client(config).connect()

    def control(self, command):
        """Sends one `testserver-*` control command over the INFO protocol
        (fault injection, clock); returns its answer value."""
        body = (command + "\n").encode()
        with socket.create_connection((self.host, self.port), timeout=5) as s:
            s.sendall(struct.pack(">Q", (2 << 56) | (1 << 48) | len(body)) + body)
            header = s.recv(8, socket.MSG_WAITALL)
            size = int.from_bytes(header[2:], "big")
            answer = s.recv(size, socket.MSG_WAITALL).decode()
        name, _, value = answer.rstrip("\n").partition("\t")
        assert name == command, answer
        return value

    def stop(self):
        """SIGTERM must end the server cleanly (exit code 0)."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    assert s.stop() == 0


@pytest.fixture(scope="session")
def server_ttl():
    """A server whose namespaces have a default TTL of 1000 s."""
    s = Server("--default-ttl", "1000", "--namespace", "feast", "--namespace", "other")
    yield s
    assert s.stop() == 0


@pytest.fixture
def fresh_server():
    """A server of this test's own, for tests that move its clock or inject
    faults."""
    s = Server()
    yield s
    assert s.stop() == 0


@pytest.fixture
def client(server):
    c = server.client()
    yield c
    c.close()


@pytest.fixture
def set_name():
    """A fresh set per test so tests never see each other's records."""
    return "t_" + uuid.uuid4().hex[:10]
