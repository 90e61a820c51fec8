"""The command-line and file contract of `rkube server` (DESIGN.md)."""

from __future__ import annotations

import stat

import yaml


def test_files_written_when_ready(cluster):
    token = cluster.data_dir / "token"
    assert token.exists(), "DIR/token missing"
    assert token.read_text().strip(), "DIR/token is empty"
    cfg = yaml.safe_load(cluster.kubeconfig.read_text())
    assert cfg["kind"] == "Config" and cfg["apiVersion"] == "v1"
    assert cluster.server_url == f"https://127.0.0.1:{cluster.port}"
    assert cluster.ca_file, "kubeconfig has no cluster CA"
    assert (cluster.cert_file and cluster.key_file) or cluster.token, "kubeconfig has no admin credentials"
    # Admin credentials must not be readable by other users.
    for path in (cluster.kubeconfig, token):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} has mode {oct(mode)}"


def test_health_endpoints(cluster):
    s = cluster.http()
    for path in ("/livez", "/readyz", "/healthz"):
        r = s.get(f"{cluster.url}{path}", timeout=10)
        assert (r.status_code, r.text) == (200, "ok"), path
    r = s.get(f"{cluster.url}/readyz", params={"verbose": "1"}, timeout=10)
    assert r.status_code == 200
    assert r.text.rstrip().endswith("readyz check passed"), r.text


def test_two_servers_side_by_side(cluster, new_cluster):
    a, b = cluster, new_cluster
    assert a.port != b.port
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "only-in-b"}}
    b.create_object(obj)
    r = a.http().get(f"{a.url}/api/v1/namespaces/default/configmaps/only-in-b", timeout=10)
    assert r.status_code == 404
    # Each kubeconfig trusts only its own cluster's CA.
    r = a.session()
    r.verify = b.ca_file
    try:
        resp = r.get(f"{a.url}/readyz", timeout=10)
        crossed = resp.status_code == 200
    except Exception:
        crossed = False
    assert not crossed, "cluster A's serving certificate verified against cluster B's CA"


def test_sigterm_exits_cleanly(new_cluster):
    took = new_cluster.stop()
    assert took < 10
    assert new_cluster.proc.returncode == 0, f"exit code {new_cluster.proc.returncode}"
