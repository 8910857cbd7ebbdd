"""A private redis-server for tests, and a small RESP client (no
python3-redis needed).

    srv = RedisServer(base_dir)          # 127.0.0.1, a free port, AOF always
    srv.cmd("XLEN", "lw:{0}:in")         # -> int / bytes / list / None
    srv.url                               # redis://127.0.0.1:PORT
    srv.kill9(); srv.start()              # restart from its AOF
    srv.stop()

The server is started by the test, binds 127.0.0.1 only, keeps its files
in its own directory and is stopped by the test (stop() or the Env's
close()); it never touches a system service."""

import os
import signal
import socket
import subprocess
import time


class RedisError(Exception):
    pass


def _free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Conn:
    """One RESP2 connection."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\r\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise ConnectionError("redis closed the connection")
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            d = self.sock.recv(65536)
            if not d:
                raise ConnectionError("redis closed the connection")
            self.buf += d
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            return RedisError(rest.decode("utf-8", "replace"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RedisError("bad reply %r" % line)

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def cmd(self, *args):
        self.send(*args)
        r = self._reply()
        if isinstance(r, RedisError):
            raise r
        return r

    def pipeline(self, cmds):
        for c in cmds:
            self.send(*c)
        return [self._reply() for _ in cmds]


class RedisServer:
    def __init__(self, base, name="redis", extra=()):
        """extra: more "--option value" arguments (e.g. from a redis.conf)."""
        self.extra = list(extra)
        self.dir = os.path.join(base, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = _free_port()
        self.proc = None
        self.conn = None
        self.start()

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def start(self, timeout=20):
        self.log = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--appendonly", "yes", "--appendfsync", "always",
             "--save", "", "--daemonize", "no", "--protected-mode", "yes",
             "--logfile", "", "--databases", "1"] + self.extra,
            stdout=self.log, stderr=self.log)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited: see %s/redis.log" % self.dir)
            try:
                c = Conn(self.port)
                if c.cmd("PING") == b"PONG":
                    self.conn = c
                    return
                c.close()
            except (OSError, RedisError):
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer on port %d" % self.port)

    def cmd(self, *args):
        if self.conn is None:
            self.conn = Conn(self.port)
        try:
            return self.conn.cmd(*args)
        except (OSError, ConnectionError):
            self.conn = Conn(self.port)
            return self.conn.cmd(*args)

    def kill9(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.log.close()
        self.proc = None
