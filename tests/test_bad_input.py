"""Hostile and malformed requests, sent as raw HTTPS with the admin client
certificate. Each must get a clean Kubernetes `Status` with the right code,
and must leave the server serving everybody else."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time

import pytest
import requests

from conftest import unique


def status_of(r: requests.Response, code: int, reason: str | None = None) -> dict:
    assert r.status_code == code, f"{r.status_code} {r.text[:500]}"
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    body = r.json()
    assert body["kind"] == "Status", body
    assert body["apiVersion"] == "v1", body
    assert body["status"] == "Failure", body
    assert body["code"] == code, body
    if reason is not None:
        assert body["reason"] == reason, body
    return body


def still_serving(cluster):
    r = cluster.http().get(f"{cluster.url}/api/v1/namespaces/default", timeout=10)
    assert r.status_code == 200, r.text


@pytest.fixture
def cm_url(cluster, ns):
    return f"{cluster.url}/api/v1/namespaces/{ns}/configmaps"


def post(cluster, url, data: bytes | str, content_type="application/json", **kw):
    return cluster.http().post(url, data=data, headers={"Content-Type": content_type}, timeout=30, **kw)


def test_malformed_json(cluster, cm_url):
    r = post(cluster, cm_url, b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {')
    status_of(r, 400, "BadRequest")
    r = post(cluster, cm_url, b"\xff\xfe not json at all")
    status_of(r, 400, "BadRequest")
    still_serving(cluster)


def test_malformed_yaml(cluster, cm_url):
    r = post(cluster, cm_url, "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n", "application/yaml")
    status_of(r, 400, "BadRequest")
    still_serving(cluster)


def test_yaml_body_is_accepted(cluster, cm_url):
    r = post(
        cluster, cm_url,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n",
        "application/yaml",
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"] == {"a": "b"}


def test_wrong_kind_or_api_version(cluster, cm_url):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {}}
    status_of(post(cluster, cm_url, json.dumps(secret)), 400, "BadRequest")
    wrong_group = {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    status_of(post(cluster, cm_url, json.dumps(wrong_group)), 400, "BadRequest")
    nothing_created = cluster.http().get(cm_url, timeout=10).json()["items"]
    assert [i["metadata"]["name"] for i in nothing_created if i["metadata"]["name"] in ("s", "c")] == []


def test_body_too_large(cluster, cm_url, ns):
    """A body over Kubernetes' 3 MiB limit gets 413. The server may answer
    before reading the whole body, so the request is sent on a raw socket and
    the answer read even if sending the rest fails."""
    big = json.dumps({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "big"},
        "data": {"x": "y" * (3 * 1024 * 1024 + 1024)},
    }).encode()
    sock = _raw_tls_socket(cluster, small_buffer=False)
    try:
        head = (
            f"POST /api/v1/namespaces/{ns}/configmaps HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{cluster.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(big)}\r\nConnection: close\r\n\r\n"
        ).encode()
        try:
            sock.sendall(head + big)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        body = json.loads(resp.read())
    finally:
        sock.close()
    assert resp.status == 413, body
    assert body["kind"] == "Status" and body["code"] == 413, body
    assert body["reason"] == "RequestEntityTooLarge", body
    r = cluster.http().get(f"{cm_url}/big", timeout=10)
    assert r.status_code == 404
    still_serving(cluster)


def test_unknown_content_type(cluster, cm_url):
    r = post(cluster, cm_url, "name=x", "text/plain")
    body = status_of(r, 415, "UnsupportedMediaType")
    assert body["message"].startswith(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml"
    ), body["message"]


def test_invalid_names(cluster, cm_url, ns):
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "../x"}}
    body = status_of(post(cluster, cm_url, json.dumps(bad)), 422, "Invalid")
    assert body["details"]["name"] == "../x"
    assert any(c["field"] == "metadata.name" for c in body["details"]["causes"])

    s = cluster.http()
    for path in (
        f"/api/v1/namespaces/{ns}/configmaps/..%2F..%2Fsecrets",
        f"/api/v1/namespaces/{ns}/configmaps/..%2F..%2F..%2Fapi%2Fv1%2Fsecrets",
        "/api/v1/namespaces/..%2F..%2Fkube-system/configmaps",
        f"/api/v1/namespaces/{ns}/configmaps/%2E%2E",
    ):
        r = s.get(f"{cluster.url}{path}", timeout=10)
        assert 400 <= r.status_code < 500, f"{path}: {r.status_code} {r.text[:300]}"
        assert r.json()["kind"] == "Status", f"{path}: {r.text[:300]}"
        assert "SecretList" not in r.text
    still_serving(cluster)


def test_enormous_label_selector(cluster, cm_url):
    # A selector that fits in a request line reaches the parser, which refuses the
    # over-long label value with Kubernetes' 400.
    r = cluster.http().get(cm_url, params={"labelSelector": "a=" + "x" * 60_000}, timeout=30)
    status_of(r, 400, "BadRequest")
    assert "must be no more than 63 characters" in r.json()["message"], r.text
    # Beyond 64 KiB the HTTP layer (hyper) refuses the request line itself with 414, where
    # Go's server would accept up to 1 MiB: a clean refusal, and the server keeps serving.
    r = cluster.http().get(cm_url, params={"labelSelector": "a=" + "x" * 100_000}, timeout=30)
    assert r.status_code == 414, f"{r.status_code} {r.text[:200]}"
    r = cluster.http().get(cm_url, params={"labelSelector": "a in (b"}, timeout=30)
    status_of(r, 400, "BadRequest")
    still_serving(cluster)


def test_unauthenticated(cluster):
    anon = cluster.anonymous()
    for path in ("/livez", "/readyz", "/healthz"):
        r = anon.get(f"{cluster.url}{path}", timeout=10)
        assert r.status_code == 200, f"{path}: {r.status_code}"
        assert r.text == "ok", f"{path}: {r.text!r}"
    r = anon.get(f"{cluster.url}/version", timeout=10)
    assert r.status_code == 200
    assert r.json()["major"] == "1"
    for path in ("/api", "/apis", "/api/v1/namespaces", "/api/v1/namespaces/default/secrets", "/openapi/v2"):
        r = anon.get(f"{cluster.url}{path}", timeout=10)
        body = status_of(r, 401, "Unauthorized")
        assert body["message"] == "Unauthorized"
    r = anon.get(
        f"{cluster.url}/api/v1/namespaces", headers={"Authorization": "Bearer not-a-token"}, timeout=10
    )
    status_of(r, 401, "Unauthorized")
    r = anon.post(
        f"{cluster.url}/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": unique("anon")}},
        timeout=10,
    )
    status_of(r, 401, "Unauthorized")


def _raw_tls_socket(cluster, small_buffer: bool = True) -> ssl.SSLSocket:
    ctx = ssl.create_default_context(cafile=cluster.ca_file)
    ctx.load_cert_chain(cluster.cert_file, cluster.key_file)
    ctx.check_hostname = False
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if small_buffer:
        # A tiny receive window makes the server's send buffer fill up quickly.
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", cluster.port))
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def test_slow_watcher_does_not_stall_others(cluster, cm_url, ns):
    slow = _raw_tls_socket(cluster)
    try:
        slow.sendall(
            (
                f"GET /api/v1/namespaces/{ns}/configmaps?watch=true HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{cluster.port}\r\nAccept: application/json\r\n\r\n"
            ).encode()
        )
        # The slow client never reads. Meanwhile ~16 MiB of events are produced.
        s = cluster.http()
        payload = "z" * (160 * 1024)
        t0 = time.monotonic()
        for i in range(100):
            r = s.post(
                cm_url,
                json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"bulk-{i}"},
                      "data": {"p": payload}},
                timeout=10,
            )
            assert r.status_code == 201, r.text[:300]
        writes = time.monotonic() - t0
        assert writes < 60, f"100 writes took {writes:.1f} s with a stalled watcher"
        # Another client, with a watch of its own, is still served promptly.
        t0 = time.monotonic()
        r = s.get(f"{cluster.url}/api/v1/namespaces/default/configmaps", timeout=10)
        assert r.status_code == 200
        r = s.get(
            cm_url, params={"watch": "true", "fieldSelector": "metadata.name=bulk-99",
                            "resourceVersion": "0", "timeoutSeconds": "5"},
            stream=True, timeout=10,
        )
        first = next(r.iter_lines())
        ev = json.loads(first)
        assert ev["type"] == "ADDED" and ev["object"]["metadata"]["name"] == "bulk-99"
        r.close()
        assert time.monotonic() - t0 < 10
    finally:
        slow.close()
    still_serving(cluster)
