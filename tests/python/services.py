"""Services the tests start for themselves from the distribution's packages, on free ports in
temporary directories (a redis-server here), and waiting for a condition."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """A redis-server of the test's own, which can be killed and started again on its port."""

    def __init__(self, directory: Path, appendonly: bool = False) -> None:
        self.port = free_port()
        self.directory = directory
        self.appendonly = appendonly  # an append-only file synced every second (Redis' default durability)
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes" if self.appendonly else "no",
             "--appendfsync", "everysec", "--dir", str(self.directory)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.process.stdout is not None
        for line in self.process.stdout:  # its log says when it accepts connections
            if "Ready to accept connections" in line:
                self.reader = threading.Thread(target=self.process.stdout.read, daemon=True)
                self.reader.start()
                return
        raise AssertionError(f"redis-server ended: {self.process.wait()}")

    def kill(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        self.process.kill()
        self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        self.process.stdout.close()


def wait_for(what: str, done, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


class Postgres:
    """A PostgreSQL 15 of the test's own (the distribution's; as the `postgres` user when the
    tests run as root, since initdb refuses root), trusting local connections: `database()`
    makes an empty database and gives its URL."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self, directory: Path) -> None:
        import os

        self.port = free_port()
        self.directory = directory
        self.data = directory / "pgdata"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o777)
        subprocess.run([*self.as_postgres, str(self.BIN / "initdb"), "-A", "trust", "-U", "streamviz", "-D", str(self.data)],
                       check=True, capture_output=True)
        self.start()
        self.databases = 0

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*self.as_postgres, str(self.BIN / "pg_ctl"), "-w", "-D", str(self.data), "-o", options,
                        "-l", str(self.directory / "pg.log"), "start"], check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([*self.as_postgres, str(self.BIN / "pg_ctl"), "-w", "-m", mode, "-D", str(self.data), "stop"],
                       check=True, capture_output=True)

    def database(self) -> str:
        self.databases += 1
        name = f"t{self.databases}"
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "streamviz", "-d", "postgres",
                        "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        return f"postgresql://streamviz@127.0.0.1:{self.port}/{name}"
