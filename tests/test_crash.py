"""Durability: every create the server acknowledged survives a SIGKILL.

A write storm of concurrent creates (raw HTTPS with the admin certificate)
runs while the test kills the server with SIGKILL. Every create that got a
201 is recorded; after a restart on the same data dir each of them must be
there, unchanged, and new writes must get higher resourceVersions.
"""

from __future__ import annotations

import threading
import time

import requests

WRITERS = 8
STORM_SECONDS = 2.0


def storm(cluster, ns: str, round_no: int, stop: threading.Event, acked: dict, lock):
    """Runs until `stop` or until the server is gone; records acknowledged creates."""
    url = f"{cluster.url}/api/v1/namespaces/{ns}/configmaps"

    def writer(w: int):
        s = cluster.session()
        i = 0
        failures = 0
        while not stop.is_set() and failures < 3:
            name = f"r{round_no}-w{w}-{i}"
            i += 1
            body = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "labels": {"round": str(round_no)}},
                "data": {"payload": f"{name}:" + "x" * 512},
            }
            try:
                r = s.post(url, json=body, timeout=5)
            except requests.RequestException:
                failures += 1
                continue
            if r.status_code == 201:
                obj = r.json()
                with lock:
                    acked[name] = (obj["metadata"]["uid"], int(obj["metadata"]["resourceVersion"]))

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(WRITERS)]
    for t in threads:
        t.start()
    return threads


def test_acknowledged_creates_survive_sigkill(new_cluster):
    c = new_cluster
    ns = "crash"
    c.create_namespace(ns)
    acked: dict[str, tuple[str, int]] = {}
    lock = threading.Lock()

    for round_no in range(2):
        stop = threading.Event()
        threads = storm(c, ns, round_no, stop, acked, lock)
        time.sleep(STORM_SECONDS)
        with lock:
            acked_before_kill = len(acked)
        c.kill()  # SIGKILL while the writers are still sending
        stop.set()
        for t in threads:
            t.join(timeout=30)
            assert not t.is_alive(), "a writer hung after the server was killed"
        assert acked_before_kill > 0, f"no create acknowledged in round {round_no}; log:\n{c.log_tail()}"

        c.start()
        s = c.http()
        items = []
        cont = None
        while True:
            params = {"limit": "500"}
            if cont:
                params["continue"] = cont
            r = s.get(f"{c.url}/api/v1/namespaces/{ns}/configmaps", params=params, timeout=30)
            assert r.status_code == 200, r.text
            body = r.json()
            items += body["items"]
            cont = body["metadata"].get("continue")
            if not cont:
                break
        stored = {
            i["metadata"]["name"]: (i["metadata"]["uid"], int(i["metadata"]["resourceVersion"]), i.get("data") or {})
            for i in items
        }
        missing = sorted(set(acked) - set(stored))
        assert not missing, (
            f"round {round_no}: {len(missing)} of {len(acked)} acknowledged creates lost, "
            f"e.g. {missing[:5]}"
        )
        for name, (uid, rv) in acked.items():
            suid, srv, data = stored[name]
            assert suid == uid, f"{name}: uid changed across restart"
            assert srv == rv, f"{name}: resourceVersion {rv} became {srv}"
            assert data.get("payload", "").startswith(f"{name}:"), f"{name}: data {data}"

        # The revision counter must not go backwards after a crash.
        r = s.post(
            f"{c.url}/api/v1/namespaces/{ns}/configmaps",
            json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"after-{round_no}"}},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        newest = int(r.json()["metadata"]["resourceVersion"])
        assert newest > max(rv for _, rv in acked.values())


def test_restart_keeps_data_and_port(new_cluster):
    c = new_cluster
    obj = c.create_object(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kept"}, "data": {"a": "b"}}
    )
    port = c.port
    took = c.stop()
    assert took < 10
    c.start(port=port)
    r = c.http().get(f"{c.url}/api/v1/namespaces/default/configmaps/kept", timeout=10)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["metadata"]["uid"] == obj["metadata"]["uid"]
    assert got["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    assert got["data"] == {"a": "b"}
    # kubectl reaches the restarted server through the rewritten kubeconfig.
    assert c.kubectl("get", "cm", "kept", "-o", "jsonpath={.data.a}").stdout == "b"
