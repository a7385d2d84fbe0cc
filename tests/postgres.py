"""A throwaway PostgreSQL cluster for the test run: Debian's server binaries, initdb into a temporary folder,
started with pg_ctl on a free loopback port (as the `postgres` user when the tests run as root)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise PostgresUnavailable(f"{name} not found: install PostgreSQL (apt-get install postgresql)")
    return found


class PostgresCluster:
    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.port = port
        self.data = folder / "data"
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root and there is no `postgres` user to run the server") from None
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(folder, "postgres")

    @property
    def url(self) -> str:
        return f"postgresql://test@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._run(_binary("initdb"), "-D", str(self.data), "-U", "test", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.folder / "server.log"
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                [*self._as_user, _binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._as_user, *command], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")
