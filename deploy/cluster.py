"""A real deployment on this machine: PostgreSQL, N replicas of ``guideqa serve``, nginx in front.

    make cluster REPLICAS=3            # until Ctrl+C; the UI at http://127.0.0.1:8501 uses nginx
    python -m deploy.cluster --replicas 3 --port 8080 --with-ui

Everything runs on loopback from one temporary directory, removed on exit:

- PostgreSQL (Debian's ``postgresql`` package): ``initdb`` into the temporary directory, a free
  port, a random password (scram-sha-256). As root it runs as the ``postgres`` system user
  (``runuser``), since PostgreSQL refuses to run as root.
- The index is published once (``guideqa ingest --if-stale`` into ``--index-dir``); every
  replica loads the same build (``<index>/current``) and reports it in ``/readyz``.
- N replicas of ``guideqa serve`` on free ports, all with ``GUIDEQA_DATABASE_URL`` pointing at
  PostgreSQL (feedback, recent answers, the shared rate limit) and trusting nginx's
  ``X-Forwarded-For``.
- nginx (Debian's ``nginx``): least_conn, passive health checks, retry on a dead replica
  (deploy/nginx.conf.in).

The same :class:`Cluster` is used by ``make cluster-bench`` (bench/bench_cluster.py) and by
tests/test_cluster.py.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
GUIDEQA = Path(sys.executable).parent / "guideqa"
NGINX_TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.in"
SERVICE_USER = "postgres"  # PostgreSQL's own system user (Debian package); used only as root
DB_NAME = DB_USER = "guideqa"
MAX_FAILS, FAIL_TIMEOUT = 1, "5s"


class ClusterError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def pg_bindir() -> Path:
    """The newest Debian PostgreSQL server binaries (/usr/lib/postgresql/<major>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ClusterError("PostgreSQL が見つかりません。`make deploy-deps`（apt-get install postgresql nginx）を実行してください。")


def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not path:
        raise ClusterError("nginx が見つかりません。`make deploy-deps`（apt-get install postgresql nginx）を実行してください。")
    return path


def _as_service_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", SERVICE_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _chown_to_service_user(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVICE_USER)
        os.chown(path, user.pw_uid, user.pw_gid)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: a replica or nginx gets SIGTERM if this process dies without cleaning up."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Signal the process, wait up to ``timeout`` seconds, then kill it."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- PostgreSQL -----------------------------------------------------------------------------
@dataclass
class Postgres:
    root: Path
    port: int
    password: str
    bindir: Path

    @property
    def url(self) -> str:
        return f"postgresql://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{DB_NAME}"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _chown_to_service_user(self.root)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        _chown_to_service_user(pwfile)
        run = [str(self.bindir / "initdb"), "-D", str(self.data), "-U", DB_USER, f"--pwfile={pwfile}",
               "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]  # fmt: skip
        self._run(run, "initdb")
        pwfile.unlink()
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root} "
                   "-c max_connections=200 -c shared_buffers=64MB")  # fmt: skip
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "postgres.log"),
                   "-o", options, "-w", "-t", "60", "start"], "pg_ctl start")  # fmt: skip
        import psycopg

        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DB_NAME}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(ClusterError):
                self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"], "pg_ctl stop")

    def pids(self) -> list[int]:
        """The postmaster and its backends (for CPU accounting)."""
        pidfile = self.data / "postmaster.pid"
        if not pidfile.exists():
            return []
        return process_tree(int(pidfile.read_text().split()[0]))

    def _run(self, cmd: list[str], what: str) -> None:
        done = subprocess.run(_as_service_user(cmd), capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout)[-1500:]
            raise ClusterError(f"PostgreSQL を起動できません（{what}）: {tail}")


# --- replicas and nginx ---------------------------------------------------------------------
@dataclass
class Replica:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Cluster:
    """Start with :meth:`start` (or use :func:`running_cluster`); :meth:`stop` always cleans up."""

    replicas_wanted: int = 3
    index_dir: Path = REPO / "index"
    port: int = 0  # nginx; 0 = a free port
    rate_limit_per_minute: int = 60
    rate_limit_exempt: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    access_log: bool = False
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="guideqa-cluster-")))
    postgres: Postgres | None = None
    replicas: list[Replica] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        assert self.postgres is not None
        return self.postgres.url

    def start(self, *, timeout: float = 300) -> Cluster:
        os.chmod(self.root, 0o755)
        publish_index(self.index_dir)
        self.postgres = Postgres(self.root / "pg", free_port(), secrets.token_urlsafe(18), pg_bindir())
        self.postgres.start()
        log.info("postgres ready on port %d", self.postgres.port)
        for n in range(self.replicas_wanted):
            self.replicas.append(self._start_replica(f"replica-{n + 1}"))
        self._wait_ready(timeout)
        self.port = self.port or free_port()
        self._start_nginx()
        return self

    def stop(self) -> None:
        if self.nginx is not None:
            stop_process(self.nginx, signal.SIGTERM)
        for replica in self.replicas:  # all at once, then wait for each
            if replica.alive():
                replica.proc.send_signal(signal.SIGINT)
        for replica in self.replicas:
            stop_process(replica.proc, signal.SIGINT, timeout=30)
        if self.postgres is not None:
            self.postgres.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def kill(self, replica: Replica) -> None:
        """SIGKILL: no clean-up, no goodbye to nginx or PostgreSQL."""
        replica.proc.send_signal(signal.SIGKILL)
        replica.proc.wait()

    def replica_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDEQA_")}
        env |= {
            "GUIDEQA_DATABASE_URL": self.database_url,
            "GUIDEQA_TRUSTED_PROXIES": "127.0.0.1",
            "GUIDEQA_RATE_LIMIT_PER_MINUTE": str(self.rate_limit_per_minute),
            "GUIDEQA_RATE_LIMIT_EXEMPT": self.rate_limit_exempt,
            "GUIDEQA_FEEDBACK_DB": str(self.root / "unused.sqlite3"),  # never used with a database URL
        }
        return env | self.extra_env

    def pids(self) -> dict[str, list[int]]:
        """Live processes by component, for CPU accounting."""
        out = {"replicas": [p for r in self.replicas if r.alive() for p in process_tree(r.proc.pid)]}
        out["nginx"] = process_tree(self.nginx.pid) if self.nginx and self.nginx.poll() is None else []
        out["postgres"] = self.postgres.pids() if self.postgres else []
        return out

    def _start_replica(self, name: str) -> Replica:
        port = free_port()
        log_path = self.root / f"{name}.log"
        cmd = [str(GUIDEQA), "serve", "--host", "127.0.0.1", "--port", str(port), "--index-dir", str(self.index_dir),
               "--log-level", "warning"]  # fmt: skip
        with log_path.open("wb") as out:
            proc = subprocess.Popen(cmd, cwd=REPO, env=self.replica_env(), stdout=out, stderr=subprocess.STDOUT,
                                    preexec_fn=_die_with_parent)  # fmt: skip
        return Replica(name, port, proc, log_path)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.replicas)
        while pending:
            for replica in list(pending):
                if not replica.alive():
                    raise ClusterError(f"{replica.name} が終了しました: {replica.log_path.read_text(errors='replace')[-1500:]}")
                with contextlib.suppress(httpx.TransportError):
                    resp = httpx.get(f"{replica.url}/readyz", timeout=2)
                    if resp.status_code == 200:
                        pending.remove(replica)
                    elif resp.status_code == 503:
                        raise ClusterError(f"{replica.name} の準備ができません: {resp.json().get('detail')}")
            if time.monotonic() > deadline:
                raise ClusterError("レプリカが時間内に起動しませんでした。")
            time.sleep(0.2)

    def _start_nginx(self) -> None:
        ndir = self.root / "nginx"
        ndir.mkdir()
        user_line = ""
        if os.geteuid() == 0:  # the master stays root; its workers run unprivileged
            user_line = "user nobody nogroup;"
            nobody = pwd.getpwnam("nobody")
            os.chown(ndir, nobody.pw_uid, nobody.pw_gid)
        servers = "\n".join(
            f"        server {r.address} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT};" for r in self.replicas
        )
        conf = NGINX_TEMPLATE.read_text(encoding="utf-8").format(
            user_line=user_line,
            dir=ndir,
            servers=servers,
            listen=f"127.0.0.1:{self.port}",
            access_log=f"{ndir}/access.log upstream" if self.access_log else "off",
        )
        conf_path = ndir / "nginx.conf"
        conf_path.write_text(conf, encoding="utf-8")
        binary = nginx_binary()
        check = subprocess.run([binary, "-t", "-q", "-p", str(ndir), "-e", str(ndir / "error.log"), "-c", str(conf_path)],
                               capture_output=True, text=True)  # fmt: skip
        if check.returncode != 0:
            raise ClusterError(f"nginx の設定が不正です: {check.stderr[-1500:]}")
        self.nginx = subprocess.Popen(
            [binary, "-p", str(ndir), "-e", str(ndir / "error.log"), "-c", str(conf_path)],
            stdout=subprocess.DEVNULL,
            stderr=(ndir / "stderr.log").open("wb"),
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                raise ClusterError(f"nginx が起動しません: {(ndir / 'error.log').read_text(errors='replace')[-1500:]}")
            time.sleep(0.1)

    def nginx_error_log(self) -> str:
        path = self.root / "nginx" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def publish_index(index_dir: Path) -> None:
    """Build the index once if it is missing or stale; every replica then loads ``current``."""
    done = subprocess.run([str(GUIDEQA), "ingest", "--if-stale", "--index-dir", str(index_dir)], cwd=REPO,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise ClusterError(f"インデックスを作成できません: {done.stderr[-1500:]}")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@contextlib.contextmanager
def running_cluster(**kwargs: object) -> Iterator[Cluster]:
    cluster = Cluster(**kwargs)  # type: ignore[arg-type]
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=8080, help="nginx のポート")
    parser.add_argument("--index-dir", type=Path, default=REPO / "index")
    parser.add_argument("--with-ui", action="store_true", help="画面（Streamlit）を nginx に向けて起動")
    parser.add_argument("--ui-port", type=int, default=8501)
    args = parser.parse_args()
    if not 1 <= args.replicas <= 16:
        raise SystemExit("--replicas は 1〜16 で指定してください。")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    # Ctrl+C and `kill` both stop everything cleanly (even where SIGINT was inherited as ignored).
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    # The UI reaches nginx from loopback for every user: exempt it, as `make run` does.
    with running_cluster(replicas_wanted=args.replicas, index_dir=args.index_dir, port=args.port,
                         rate_limit_exempt="127.0.0.1", access_log=True) as cluster:  # fmt: skip
        ui = None
        if args.with_ui:
            from ui.launch import start_ui, stop_ui

            ui = start_ui(args.ui_port, cluster.url, stdout=subprocess.DEVNULL)
        for r in cluster.replicas:
            print(f"{r.name}: {r.url}  (pid {r.proc.pid})", file=sys.stderr)
        print(f"PostgreSQL: 127.0.0.1:{cluster.postgres.port if cluster.postgres else '?'}  作業フォルダ: {cluster.root}",
              file=sys.stderr)  # fmt: skip
        print(f"nginx: {cluster.url}/docs" + (f"   画面: http://127.0.0.1:{args.ui_port}" if ui else "")
              + "   （終了は Ctrl+C）", file=sys.stderr)  # fmt: skip
        try:
            while cluster.nginx is not None and cluster.nginx.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            if ui is not None:
                stop_ui(ui)


if __name__ == "__main__":
    main()
