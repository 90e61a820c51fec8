"""Fixtures that start real `rkube server` processes for the integration tests.

Each test module gets its own server (module-scoped `cluster` fixture) on a
fresh data dir and a free port, so pytest-xdist workers never clash. Tests
that need to kill or restart a server use `new_cluster` to get a private one.

A `Cluster` handle offers:
  - `kubectl(*args, input=None, check=True)` running the official kubectl
    (from `.tools/bin`, see scripts/install-deps.sh) with `--kubeconfig`;
  - `api()`: a `kubernetes.client.ApiClient` from the kubeconfig;
  - `http()`: a `requests.Session` holding the admin client certificate;
  - `url`, `kubeconfig`, `data_dir`, `pid`, `start()`, `stop()`, `kill()`.

The server's log is kept beside its data dir and attached to the report of
every failing test that used the server.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
import urllib3
import yaml

REPO = Path(__file__).resolve().parent.parent
TOOLS_BIN = REPO / ".tools" / "bin"

READY_TIMEOUT = float(os.environ.get("RKUBE_READY_TIMEOUT", "60"))
STOP_TIMEOUT = 10.0

# Readiness polling before the CA is known uses an unverified connection.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def rkube_binary() -> str:
    env = os.environ.get("RKUBE_BIN")
    if env:
        return env
    found = shutil.which("rkube")
    if found:
        return found
    for profile in ("debug", "release"):
        target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
        candidate = target / profile / "rkube"
        if candidate.exists():
            return str(candidate)
    pytest.exit("rkube binary not found: set RKUBE_BIN or put rkube on PATH", 2)


def kubectl_binary() -> str:
    candidate = TOOLS_BIN / "kubectl"
    if candidate.exists():
        return str(candidate)
    pytest.exit("official kubectl not found in .tools/bin: run scripts/install-deps.sh", 2)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerError(Exception):
    pass


class Cluster:
    """One `rkube server` process on its own data dir and port."""

    def __init__(self, base: Path, extra_args: tuple[str, ...] = ()):
        self.base = base
        self.data_dir = base / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = base / "server.log"
        self.extra_args = extra_args
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self._http: requests.Session | None = None
        self._api = None

    # ---- lifecycle -------------------------------------------------------

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig.yaml"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, port: int | None = None) -> None:
        """Starts the server (again, on the same data dir) and waits until ready.

        A free port can be taken by someone else between probing and binding;
        then the start is retried on another port unless `port` was given.
        """
        attempts = 1 if port else 3
        last: Exception | None = None
        for _ in range(attempts):
            try:
                self._start_once(port or free_port())
                return
            except ServerError as e:
                last = e
                if "in use" not in self.log_tail(4000).lower():
                    raise
        assert last is not None
        raise last

    def _start_once(self, port: int) -> None:
        assert self.proc is None or self.proc.poll() is not None
        self.port = port
        self._http = None
        self._api = None
        # The kubeconfig of a previous run must not be mistaken for readiness.
        if self.kubeconfig.exists():
            self.kubeconfig.unlink()
        self.starts += 1
        log = open(self.log_path, "ab")
        log.write(f"\n===== start #{self.starts}: port {port} =====\n".encode())
        log.flush()
        cmd = [
            rkube_binary(),
            "server",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(port),
            "--bind-address",
            "127.0.0.1",
            "--disable-agent",
            *self.extra_args,
        ]
        env = dict(os.environ)
        env.setdefault("RUST_LOG", "info")
        env.setdefault("RUST_BACKTRACE", "1")
        self.proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        # The CA is not known before the kubeconfig is read; /readyz needs no
        # credentials. The tests' own sessions verify the server.
        probe = requests.Session()
        probe.trust_env = False
        probe.verify = False
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(
                    f"rkube server exited with {self.proc.returncode} before it was ready; "
                    f"log:\n{self.log_tail()}"
                )
            if self.kubeconfig.exists():
                try:
                    r = probe.get(f"{self.url}/readyz", timeout=2)
                    if r.status_code == 200 and r.text.strip() == "ok":
                        self._load_credentials()
                        return
                except (requests.RequestException, yaml.YAMLError, KeyError):
                    pass
            time.sleep(0.1)
        self.kill()
        raise ServerError(
            f"rkube server not ready within {READY_TIMEOUT:.0f} s; log:\n{self.log_tail()}"
        )

    def stop(self) -> float:
        """SIGTERM, then SIGKILL after 10 s. Returns how long the exit took;
        raises if SIGTERM did not stop the server in time."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        t0 = time.monotonic()
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)
            raise ServerError(f"rkube server did not exit within {STOP_TIMEOUT:.0f} s of SIGTERM")
        return time.monotonic() - t0

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)

    def log_tail(self, limit: int = 20000) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return "<no log>"
        return data[-limit:].decode(errors="replace")

    # ---- credentials and clients ----------------------------------------

    def _load_credentials(self) -> None:
        """Writes the CA and the admin client certificate of the kubeconfig to
        files, for raw HTTPS requests."""
        cfg = yaml.safe_load(self.kubeconfig.read_text())
        ctx_name = cfg.get("current-context")
        ctx = next(c for c in cfg["contexts"] if c["name"] == ctx_name)["context"]
        cluster = next(c for c in cfg["clusters"] if c["name"] == ctx["cluster"])["cluster"]
        user = next(u for u in cfg["users"] if u["name"] == ctx["user"])["user"]
        creds = self.base / "creds"
        creds.mkdir(exist_ok=True)

        def materialise(section: dict, key: str, name: str) -> str | None:
            if section.get(f"{key}-data"):
                path = creds / name
                path.write_bytes(base64.b64decode(section[f"{key}-data"]))
                return str(path)
            if section.get(key):
                p = Path(section[key])
                return str(p if p.is_absolute() else self.data_dir / p)
            return None

        self.server_url = cluster["server"]
        self.ca_file = materialise(cluster, "certificate-authority", "ca.crt")
        self.cert_file = materialise(user, "client-certificate", "client.crt")
        self.key_file = materialise(user, "client-key", "client.key")
        self.token = user.get("token")

    def session(self) -> requests.Session:
        """A new session authenticated as the admin of the kubeconfig."""
        s = self.anonymous()
        if self.cert_file and self.key_file:
            s.cert = (self.cert_file, self.key_file)
        if self.token:
            s.headers["Authorization"] = f"Bearer {self.token}"
        return s

    def http(self) -> requests.Session:
        """The shared admin session (for use from one thread)."""
        if self._http is None:
            self._http = self.session()
        return self._http

    def anonymous(self) -> requests.Session:
        """A session that verifies the server against the cluster CA and
        presents no credentials."""
        s = requests.Session()
        # Environment settings (REQUESTS_CA_BUNDLE, proxies) would override
        # the cluster CA and could route requests off this machine.
        s.trust_env = False
        s.verify = self.ca_file or False
        return s

    def api(self):
        """A `kubernetes.client.ApiClient` loaded from the kubeconfig."""
        if self._api is None:
            from kubernetes import config

            self._api = config.new_client_from_config(config_file=str(self.kubeconfig))
        return self._api

    def create_namespace(self, name: str) -> None:
        """Creates a namespace through the raw API (JSON), so that tests of
        other features do not depend on kubectl's own create paths."""
        r = self.http().post(
            f"{self.url}/api/v1/namespaces",
            json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
            timeout=30,
        )
        if r.status_code != 201:
            raise AssertionError(f"creating namespace {name}: {r.status_code} {r.text}")

    def object_url(self, obj: dict, namespace: str | None = None) -> str:
        """The collection URL of a built-in object (the kinds the tests use)."""
        plurals = {
            "ConfigMap": "configmaps",
            "Secret": "secrets",
            "Pod": "pods",
            "Service": "services",
            "Namespace": "namespaces",
            "Deployment": "deployments",
        }
        api_version = obj["apiVersion"]
        prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        plural = plurals[obj["kind"]]
        ns = namespace or obj.get("metadata", {}).get("namespace")
        if obj["kind"] == "Namespace":
            return f"{self.url}{prefix}/{plural}"
        return f"{self.url}{prefix}/namespaces/{ns or 'default'}/{plural}"

    def create_object(self, obj: dict, namespace: str | None = None) -> dict:
        """Creates an object through the raw API (JSON), for tests whose
        subject is not creation itself."""
        r = self.http().post(self.object_url(obj, namespace), json=obj, timeout=30)
        if r.status_code != 201:
            raise AssertionError(f"creating {obj['kind']}: {r.status_code} {r.text}")
        return r.json()

    def merge_patch_object(self, obj: dict, patch: dict, namespace: str | None = None) -> dict:
        url = f"{self.object_url(obj, namespace)}/{obj['metadata']['name']}"
        r = self.http().patch(
            url,
            data=json.dumps(patch),
            headers={"Content-Type": "application/merge-patch+json"},
            timeout=30,
        )
        if r.status_code != 200:
            raise AssertionError(f"patching {url}: {r.status_code} {r.text}")
        return r.json()

    def delete_object(self, obj: dict, namespace: str | None = None) -> None:
        url = f"{self.object_url(obj, namespace)}/{obj['metadata']['name']}"
        r = self.http().delete(url, timeout=30)
        if r.status_code not in (200, 202):
            raise AssertionError(f"deleting {url}: {r.status_code} {r.text}")

    def kubectl(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60,
        env: dict | None = None,
    ) -> subprocess.CompletedProcess:
        cmd = [kubectl_binary(), "--kubeconfig", str(self.kubeconfig), *args]
        full_env = dict(os.environ)
        full_env.pop("KUBECONFIG", None)
        if env:
            full_env.update(env)
        r = subprocess.run(
            cmd,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and r.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} exited {r.returncode}\n"
                f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}"
            )
        return r

    def kubectl_popen(self, *args: str, **kw) -> subprocess.Popen:
        cmd = [kubectl_binary(), "--kubeconfig", str(self.kubeconfig), *args]
        env = dict(os.environ)
        env.pop("KUBECONFIG", None)
        return subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            **kw,
        )


def _start_cluster(tmp: Path, request) -> Cluster:
    c = Cluster(tmp)
    request.node.rkube_clusters = getattr(request.node, "rkube_clusters", []) + [c]
    c.start()
    return c


def _teardown(c: Cluster) -> None:
    try:
        c.stop()
    finally:
        c.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, request):
    """A server shared by the tests of one module."""
    c = _start_cluster(tmp_path_factory.mktemp("rkube"), request)
    yield c
    _teardown(c)


@pytest.fixture
def new_cluster(tmp_path_factory, request):
    """A private server for one test, which may kill and restart it."""
    c = _start_cluster(tmp_path_factory.mktemp("rkube"), request)
    yield c
    _teardown(c)


@pytest.fixture
def ns(cluster):
    """A fresh namespace in the module's cluster, so tests never see each
    other's objects."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    cluster.create_namespace(name)
    return name


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _clusters_of(item) -> list[Cluster]:
    found = []
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, Cluster):
            found.append(value)
    node = item
    while node is not None:
        found.extend(getattr(node, "rkube_clusters", []))
        node = node.parent
    seen, out = set(), []
    for c in found:
        if id(c) not in seen:
            seen.add(id(c))
            out.append(c)
    return out


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for c in _clusters_of(item):
            report.sections.append(
                (f"rkube server log ({c.log_path})", c.log_tail(8000))
            )
