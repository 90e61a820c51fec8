"""The official Kubernetes Python client (`kubernetes` package) against rkube."""

from __future__ import annotations

import json
import threading
import time

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from conftest import unique


@pytest.fixture
def core(cluster):
    return client.CoreV1Api(cluster.api())


@pytest.fixture
def apps(cluster):
    return client.AppsV1Api(cluster.api())


def api_dict(obj) -> dict:
    return client.ApiClient().sanitize_for_serialization(obj)


def cm(name: str, data: dict, labels: dict | None = None) -> client.V1ConfigMap:
    return client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, labels=labels), data=data
    )


def test_load_kube_config(cluster):
    from kubernetes import config

    cfg = client.Configuration()
    config.load_kube_config(config_file=str(cluster.kubeconfig), client_configuration=cfg)
    assert cfg.host == cluster.server_url
    version = client.VersionApi(client.ApiClient(cfg)).get_code()
    assert version.major == "1"
    assert version.git_version.startswith("v1.")


def test_configmap_crud(core, ns):
    created = core.create_namespaced_config_map(ns, cm("cfg", {"a": "1"}, {"app": "t"}))
    assert isinstance(created, client.V1ConfigMap)
    assert created.metadata.name == "cfg" and created.metadata.namespace == ns
    assert created.metadata.uid and created.metadata.resource_version.isdigit()
    assert created.metadata.creation_timestamp is not None
    assert created.data == {"a": "1"}

    got = core.read_namespaced_config_map("cfg", ns)
    assert got.metadata.uid == created.metadata.uid
    assert got.metadata.resource_version == created.metadata.resource_version

    got.data["b"] = "2"
    replaced = core.replace_namespaced_config_map("cfg", ns, got)
    assert replaced.data == {"a": "1", "b": "2"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)
    assert replaced.metadata.uid == created.metadata.uid

    patched = core.patch_namespaced_config_map("cfg", ns, {"data": {"c": "3"}})
    assert patched.data == {"a": "1", "b": "2", "c": "3"}
    assert int(patched.metadata.resource_version) > int(replaced.metadata.resource_version)

    status = core.delete_namespaced_config_map("cfg", ns)
    # Kubernetes answers an immediate deletion with a Success Status (this
    # client version types the answer as a plain object).
    if not isinstance(status, dict):
        status = api_dict(status)
    assert status["kind"] == "Status" and status["status"] == "Success"
    assert status["details"]["name"] == "cfg" and status["details"]["kind"] == "configmaps"
    with pytest.raises(ApiException) as e:
        core.read_namespaced_config_map("cfg", ns)
    assert e.value.status == 404


def test_deployment_crud_and_defaults(apps, ns):
    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web", labels={"app": "web"}),
        spec=client.V1DeploymentSpec(
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(
                    containers=[client.V1Container(name="c", image="busybox:1")]
                ),
            ),
        ),
    )
    created = apps.create_namespaced_deployment(ns, dep)
    assert isinstance(created, client.V1Deployment)
    # Kubernetes' defaults for apps/v1 Deployments.
    assert created.spec.replicas == 1
    assert created.spec.revision_history_limit == 10
    assert created.spec.progress_deadline_seconds == 600
    assert created.spec.strategy.type == "RollingUpdate"
    assert created.spec.strategy.rolling_update.max_surge == "25%"
    assert created.spec.strategy.rolling_update.max_unavailable == "25%"
    pod_spec = created.spec.template.spec
    assert pod_spec.restart_policy == "Always"
    assert pod_spec.dns_policy == "ClusterFirst"
    assert pod_spec.termination_grace_period_seconds == 30
    assert pod_spec.scheduler_name == "default-scheduler"
    c = pod_spec.containers[0]
    assert c.termination_message_path == "/dev/termination-log"
    assert c.termination_message_policy == "File"
    assert c.image_pull_policy == "IfNotPresent"

    scaled = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
    assert scaled.spec.replicas == 3
    got = apps.read_namespaced_deployment("web", ns)
    assert got.spec.replicas == 3
    assert got.metadata.generation == 2

    got.spec.template.spec.containers[0].image = "busybox:2"
    replaced = apps.replace_namespaced_deployment("web", ns, got)
    assert replaced.spec.template.spec.containers[0].image == "busybox:2"
    assert replaced.metadata.generation == 3

    listed = apps.list_namespaced_deployment(ns)
    assert [d.metadata.name for d in listed.items] == ["web"]
    apps.delete_namespaced_deployment("web", ns)
    with pytest.raises(ApiException) as e:
        apps.read_namespaced_deployment("web", ns)
    assert e.value.status == 404


def test_list_with_label_selector(core, ns):
    for i in range(6):
        core.create_namespaced_config_map(
            ns, cm(f"sel-{i}", {"i": str(i)}, {"parity": "even" if i % 2 == 0 else "odd", "n": str(i)})
        )
    even = core.list_namespaced_config_map(ns, label_selector="parity=even")
    assert [c.metadata.name for c in even.items] == ["sel-0", "sel-2", "sel-4"]
    assert even.metadata.resource_version.isdigit()
    some = core.list_namespaced_config_map(ns, label_selector="parity=odd,n notin (1)")
    assert [c.metadata.name for c in some.items] == ["sel-3", "sel-5"]
    by_name = core.list_namespaced_config_map(ns, field_selector="metadata.name=sel-4")
    assert [c.metadata.name for c in by_name.items] == ["sel-4"]
    everywhere = core.list_config_map_for_all_namespaces(label_selector="parity=odd")
    assert {(c.metadata.namespace, c.metadata.name) for c in everywhere.items} >= {
        (ns, "sel-1"), (ns, "sel-3"), (ns, "sel-5")
    }


def test_watch_from_list_resource_version(core, ns):
    core.create_namespaced_config_map(ns, cm("before", {"a": "0"}))
    listed = core.list_namespaced_config_map(ns)
    rv = listed.metadata.resource_version

    core.create_namespaced_config_map(ns, cm("w", {"a": "1"}))
    core.patch_namespaced_config_map("w", ns, {"data": {"a": "2"}})
    core.patch_namespaced_config_map("w", ns, {"data": {"a": "3"}})
    core.delete_namespaced_config_map("w", ns)

    events = []
    w = watch.Watch()
    for ev in w.stream(
        core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=10
    ):
        if ev["object"].metadata.name != "w":
            continue
        events.append(ev)
        if len(events) == 4:
            w.stop()
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]
    assert [e["object"].data.get("a") for e in events] == ["1", "2", "3", "3"]
    rvs = [int(e["object"].metadata.resource_version) for e in events]
    assert rvs == sorted(rvs) and len(set(rvs)) == 4
    assert rvs[0] > int(rv)
    assert all(isinstance(e["object"], client.V1ConfigMap) for e in events)


def test_watch_live_events(cluster, core, ns):
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    got = []
    done = threading.Event()

    def consume():
        w = watch.Watch()
        for ev in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=20):
            if ev["object"].metadata.name == "live":
                got.append(ev["type"])
                if len(got) == 2:
                    w.stop()
        done.set()

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    time.sleep(0.5)
    core.create_namespaced_config_map(ns, cm("live", {"a": "1"}))
    core.delete_namespaced_config_map("live", ns)
    assert done.wait(25), f"watch delivered only {got}"
    assert got == ["ADDED", "DELETED"]


def test_api_exceptions(core, ns):
    with pytest.raises(ApiException) as e:
        core.read_namespaced_config_map("missing", ns)
    assert e.value.status == 404
    assert e.value.reason == "Not Found"
    body = json.loads(e.value.body)
    assert body["kind"] == "Status" and body["apiVersion"] == "v1"
    assert body["status"] == "Failure"
    assert body["reason"] == "NotFound"
    assert body["code"] == 404
    assert body["message"] == 'configmaps "missing" not found'
    assert body["details"] == {"name": "missing", "kind": "configmaps"}

    core.create_namespaced_config_map(ns, cm("twice", {}))
    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map(ns, cm("twice", {}))
    assert e.value.status == 409
    assert e.value.reason == "Conflict"
    body = json.loads(e.value.body)
    assert body["reason"] == "AlreadyExists"
    assert body["message"] == 'configmaps "twice" already exists'
    assert body["details"] == {"name": "twice", "kind": "configmaps"}

    stale = core.read_namespaced_config_map("twice", ns)
    core.patch_namespaced_config_map("twice", ns, {"data": {"x": "y"}})
    stale.data = {"z": "w"}
    with pytest.raises(ApiException) as e:
        core.replace_namespaced_config_map("twice", ns, stale)
    assert e.value.status == 409
    body = json.loads(e.value.body)
    assert body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on configmaps "twice": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )

    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map(unique("absent"), cm("x", {}))
    assert e.value.status == 404
    assert json.loads(e.value.body)["reason"] == "NotFound"

    with pytest.raises(ApiException) as e:
        core.create_namespaced_config_map(ns, cm("Not_Valid", {}))
    assert e.value.status == 422
    body = json.loads(e.value.body)
    assert body["reason"] == "Invalid"
    assert body["details"]["kind"] == "ConfigMap"
    assert body["details"]["name"] == "Not_Valid"
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert body["details"]["causes"][0]["reason"] == "FieldValueInvalid"
