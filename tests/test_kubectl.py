"""The official kubectl 1.35 against a real rkube server.

Every expected output and error text here is what kubectl prints against a
real Kubernetes API server; rkube must be indistinguishable.
"""

from __future__ import annotations

import ipaddress
import json
import queue
import re
import sys
import textwrap
import threading
import time

import yaml

from conftest import unique

RFC1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def table(text: str) -> tuple[list[str], list[list[str]]]:
    """Splits kubectl's table output into the header and rows of cells.
    Cells are separated by two or more spaces (single spaces occur inside
    cells such as AGE only in wide outputs not used here)."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, f"no table in {text!r}"
    header = lines[0].split()
    rows = [line.split() for line in lines[1:]]
    return header, rows


def cm_obj(name: str, ns: str, data: dict, labels: dict | None = None) -> dict:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": data,
    }
    if labels:
        obj["metadata"]["labels"] = labels
    return obj


def cm_yaml(name: str, ns: str, data: dict, labels: dict | None = None) -> str:
    return yaml.safe_dump(cm_obj(name, ns, data, labels))


# ---- built-in objects --------------------------------------------------------


def test_builtin_namespaces(cluster):
    out = cluster.kubectl("get", "ns").stdout
    header, rows = table(out)
    assert header == ["NAME", "STATUS", "AGE"]
    status = {r[0]: r[1] for r in rows}
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert status.get(name) == "Active", out


def test_kubernetes_service(cluster):
    out = cluster.kubectl("get", "svc", "kubernetes", "-n", "default").stdout
    header, rows = table(out)
    assert header == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert len(rows) == 1
    name, typ, ip, ext, ports, _age = rows[0]
    assert (name, typ, ext, ports) == ("kubernetes", "ClusterIP", "<none>", "443/TCP")
    assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.43.0.0/16")


def test_get_pods_empty_namespace(cluster, ns):
    r = cluster.kubectl("get", "pods", "-n", ns)
    assert r.stdout == ""
    assert r.stderr.strip() == f"No resources found in {ns} namespace."


def test_get_pods_columns(cluster, ns):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    cluster.create_object(pod)
    header, rows = table(cluster.kubectl("get", "pods", "-n", ns).stdout)
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(rows) == 1
    # No node agent runs: the pod stays Pending, with nothing ready.
    assert rows[0][:4] == ["web", "0/1", "Pending", "0"]


# ---- create / apply ------------------------------------------------------------


def test_create_multi_document_and_output_formats(cluster, ns, tmp_path):
    f = tmp_path / "objs.yaml"
    f.write_text(
        cm_yaml("one", ns, {"k": "v1"}, {"app": "x"})
        + "---\n"
        + cm_yaml("two", ns, {"k": "v2", "extra": "e"}, {"app": "x"})
    )
    r = cluster.kubectl("create", "-f", str(f))
    assert r.stdout.splitlines() == ["configmap/one created", "configmap/two created"]

    r = cluster.kubectl("get", "configmaps", "-n", ns, "-l", "app=x", "-o", "name")
    assert r.stdout.splitlines() == ["configmap/one", "configmap/two"]

    obj = json.loads(cluster.kubectl("get", "cm", "one", "-n", ns, "-o", "json").stdout)
    assert obj["apiVersion"] == "v1" and obj["kind"] == "ConfigMap"
    assert obj["metadata"]["name"] == "one" and obj["metadata"]["namespace"] == ns
    assert obj["data"] == {"k": "v1"}
    assert obj["metadata"]["resourceVersion"].isdigit()
    assert re.fullmatch(r"[0-9a-f-]{36}", obj["metadata"]["uid"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", obj["metadata"]["creationTimestamp"])

    y = yaml.safe_load(cluster.kubectl("get", "cm", "two", "-n", ns, "-o", "yaml").stdout)
    assert y["data"] == {"k": "v2", "extra": "e"}

    r = cluster.kubectl("get", "cm", "two", "-n", ns, "-o", "jsonpath={.data.extra}")
    assert r.stdout == "e"
    r = cluster.kubectl(
        "get", "cm", "-n", ns, "-l", "app=x", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}"
    )
    assert r.stdout.splitlines() == ["one", "two"]

    header, rows = table(cluster.kubectl("get", "cm", "-n", ns, "-l", "app=x").stdout)
    assert header == ["NAME", "DATA", "AGE"]
    assert [r[:2] for r in rows] == [["one", "1"], ["two", "2"]]


def test_apply_created_unchanged_configured(cluster, ns, tmp_path):
    f = tmp_path / "cm.yaml"
    f.write_text(cm_yaml("applied", ns, {"k": "v1"}) + "---\n" + cm_yaml("applied2", ns, {"a": "b"}))
    r = cluster.kubectl("apply", "-f", str(f))
    assert r.stdout.splitlines() == ["configmap/applied created", "configmap/applied2 created"]
    r = cluster.kubectl("apply", "-f", str(f))
    assert r.stdout.splitlines() == ["configmap/applied unchanged", "configmap/applied2 unchanged"]
    f.write_text(cm_yaml("applied", ns, {"k": "v2"}) + "---\n" + cm_yaml("applied2", ns, {"a": "b"}))
    r = cluster.kubectl("apply", "-f", str(f))
    assert r.stdout.splitlines() == ["configmap/applied configured", "configmap/applied2 unchanged"]
    obj = json.loads(cluster.kubectl("get", "cm", "applied", "-n", ns, "-o", "json").stdout)
    assert obj["data"] == {"k": "v2"}
    last = json.loads(obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["data"] == {"k": "v2"}


def test_apply_server_side(cluster, ns):
    doc = cm_yaml("ssa", ns, {"k": "v1"})
    r = cluster.kubectl("apply", "--server-side", "-f", "-", input=doc)
    assert r.stdout.strip() == "configmap/ssa serverside-applied"
    obj = json.loads(
        cluster.kubectl("get", "cm", "ssa", "-n", ns, "-o", "json", "--show-managed-fields").stdout
    )
    managers = {(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers
    # A second manager that changes a field owned by kubectl conflicts.
    r = cluster.kubectl(
        "apply", "--server-side", "--field-manager=other", "-f", "-",
        input=cm_yaml("ssa", ns, {"k": "v2"}), check=False,
    )
    assert r.returncode == 1
    assert "Apply failed with 1 conflict" in r.stderr, r.stderr
    assert ".data.k" in r.stderr
    # Forcing takes the field over.
    r = cluster.kubectl(
        "apply", "--server-side", "--force-conflicts", "--field-manager=other", "-f", "-",
        input=cm_yaml("ssa", ns, {"k": "v2"}),
    )
    assert r.stdout.strip() == "configmap/ssa serverside-applied"
    assert cluster.kubectl("get", "cm", "ssa", "-n", ns, "-o", "jsonpath={.data.k}").stdout == "v2"


def test_create_namespace(cluster):
    name = unique("ns")
    r = cluster.kubectl("create", "namespace", name)
    assert r.stdout.strip() == f"namespace/{name} created"
    header, rows = table(cluster.kubectl("get", "ns", name).stdout)
    assert rows[0][:2] == [name, "Active"]


def test_missing_namespace(cluster):
    # `kubectl create -f` prints the server's Status as an error from the server...
    r = cluster.kubectl("create", "-n", "nope", "-f", "-", input=cm_yaml("x", "nope", {"a": "b"}), check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == (
        'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found'
    )
    # ...while the typed `kubectl create configmap` wraps the same Status.
    r = cluster.kubectl(
        "create", "configmap", "x", "-n", "nope", "--from-literal=a=b", check=False
    )
    assert r.returncode == 1
    assert r.stderr.strip() == 'error: failed to create configmap: namespaces "nope" not found'
    # Listing in a namespace that does not exist is an empty list.
    r = cluster.kubectl("get", "pods", "-n", "nope")
    assert r.stderr.strip() == "No resources found in nope namespace."


def test_already_exists(cluster, ns, tmp_path):
    cluster.kubectl("create", "configmap", "dup", "-n", ns, "--from-literal=a=b")
    r = cluster.kubectl("create", "configmap", "dup", "-n", ns, "--from-literal=a=b", check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'error: failed to create configmap: configmaps "dup" already exists'
    r = cluster.kubectl("create", "namespace", ns, check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == f'Error from server (AlreadyExists): namespaces "{ns}" already exists'
    f = tmp_path / "dup.yaml"
    f.write_text(cm_yaml("dup", ns, {"a": "b"}))
    r = cluster.kubectl("create", "-f", str(f), check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == (
        f'Error from server (AlreadyExists): error when creating "{f}": '
        'configmaps "dup" already exists'
    )


def test_invalid_name(cluster, ns):
    r = cluster.kubectl("create", "-n", ns, "-f", "-", input=cm_yaml("Bad_Name", ns, {}), check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == (
        'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
        + RFC1123_SUBDOMAIN_MSG
    )
    r = cluster.kubectl("create", "configmap", "Bad_Name", "-n", ns, check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == (
        'error: failed to create configmap: ConfigMap "Bad_Name" is invalid: '
        'metadata.name: Invalid value: "Bad_Name": ' + RFC1123_SUBDOMAIN_MSG
    )


def test_pod_without_containers(cluster, ns):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "empty"},
        "spec": {"containers": []},
    }
    r = cluster.kubectl("create", "-n", ns, "-f", "-", input=yaml.safe_dump(pod), check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'The Pod "empty" is invalid: spec.containers: Required value'


def test_dry_run_server(cluster, ns):
    r = cluster.kubectl(
        "create", "configmap", "dry", "-n", ns, "--from-literal=a=b", "--dry-run=server"
    )
    assert r.stdout.strip() == "configmap/dry created (server dry run)"
    r = cluster.kubectl(
        "create", "configmap", "dry", "-n", ns, "--from-literal=a=b", "--dry-run=server", "-o", "json"
    )
    obj = json.loads(r.stdout)
    assert obj["metadata"]["name"] == "dry" and obj["data"] == {"a": "b"}
    r = cluster.kubectl("get", "cm", "dry", "-n", ns, check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'Error from server (NotFound): configmaps "dry" not found'


# ---- get: labels, selectors, chunking, watch --------------------------------------


def _labelled_configmaps(cluster, ns):
    for obj in (
        cm_obj("front", ns, {"a": "1"}, {"app": "web", "tier": "front"}),
        cm_obj("back", ns, {"a": "1"}, {"app": "web", "tier": "back"}),
        cm_obj("db", ns, {"a": "1"}, {"app": "db"}),
        cm_obj("plain", ns, {"a": "1"}, {"other": "yes"}),
    ):
        cluster.create_object(obj)


def names(out: str) -> list[str]:
    return sorted(line.split("/", 1)[1] for line in out.splitlines() if line)


def test_get_labels_and_selectors(cluster, ns):
    _labelled_configmaps(cluster, ns)

    header, rows = table(cluster.kubectl("get", "cm", "front", "-n", ns, "--show-labels").stdout)
    assert header == ["NAME", "DATA", "AGE", "LABELS"]
    assert rows[0][0] == "front" and rows[0][-1] == "app=web,tier=front"

    header, rows = table(cluster.kubectl("get", "cm", "-n", ns, "-l", "app", "-L", "app,tier").stdout)
    assert header == ["NAME", "DATA", "AGE", "APP", "TIER"]
    cells = {r[0]: (r[3], r[4] if len(r) > 4 else "") for r in rows}
    assert cells == {"back": ("web", "back"), "db": ("db", ""), "front": ("web", "front")}

    def sel(*args):
        return names(cluster.kubectl("get", "cm", "-n", ns, "-o", "name", *args).stdout)

    assert sel("-l", "app=web") == ["back", "front"]
    assert sel("-l", "app==web,tier=back") == ["back"]
    assert sel("-l", "app!=web,app") == ["db"]
    # kube-root-ca.crt, unlabelled, matches a != selector too.
    assert sel("-l", "app!=web") == ["db", "kube-root-ca.crt", "plain"]
    assert sel("-l", "app!=web,!kubernetes.io/no-such-label,other") == ["plain"]
    assert sel("-l", "tier in (front,back)") == ["back", "front"]
    assert sel("-l", "app,tier notin (front)") == ["back", "db"]
    assert sel("-l", "other") == ["plain"]
    assert sel("-l", "!app,other") == ["plain"]
    r = cluster.kubectl("get", "cm", "-n", ns, "-l", "app=nothing", check=False)
    assert r.returncode == 0 and r.stdout == ""
    assert r.stderr.strip() == f"No resources found in {ns} namespace."


def test_get_field_selector(cluster, ns):
    _labelled_configmaps(cluster, ns)
    out = cluster.kubectl(
        "get", "cm", "-n", ns, "-o", "name", "--field-selector", "metadata.name=db"
    ).stdout
    assert out.splitlines() == ["configmap/db"]
    out = cluster.kubectl(
        "get", "cm", "-n", ns, "-o", "name", "-l", "app",
        "--field-selector", "metadata.name!=db,metadata.namespace=" + ns,
    ).stdout
    assert names(out) == ["back", "front"]
    r = cluster.kubectl(
        "get", "cm", "-n", ns, "--field-selector", "data.a=1", check=False
    )
    assert r.returncode == 1
    assert r.stderr.strip() == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" '
        'that match label selector "", field selector "data.a=1": '
        '"data.a" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )


def test_get_chunked(cluster, ns):
    count = 25
    for i in range(count):
        cluster.create_object(cm_obj(f"chunk-{i:02d}", ns, {"i": str(i)}, {"chunk": "yes"}))
    out = cluster.kubectl("get", "cm", "-n", ns, "-l", "chunk=yes", "--chunk-size=2", "-o", "name").stdout
    assert out.splitlines() == [f"configmap/chunk-{i:02d}" for i in range(count)]
    # Tables are fetched in chunks too and printed with one header.
    header, rows = table(cluster.kubectl("get", "cm", "-n", ns, "-l", "chunk=yes", "--chunk-size=2").stdout)
    assert header == ["NAME", "DATA", "AGE"]
    assert [r[0] for r in rows] == [f"chunk-{i:02d}" for i in range(count)]
    # The raw API pages with limit/continue.
    s = cluster.http()
    url = f"{cluster.url}/api/v1/namespaces/{ns}/configmaps"
    seen, cont, pages = [], None, 0
    while True:
        params = {"limit": "3", "labelSelector": "chunk=yes"}
        if cont:
            params["continue"] = cont
        body = s.get(url, params=params, timeout=10).json()
        assert body["kind"] == "ConfigMapList"
        assert len(body["items"]) <= 3
        seen += [i["metadata"]["name"] for i in body["items"]]
        pages += 1
        cont = body["metadata"].get("continue")
        if not cont:
            break
        assert pages < 20
    assert seen == [f"chunk-{i:02d}" for i in range(count)]
    assert pages == 9


class LineReader:
    """Reads a process's stdout on a thread so tests can wait with a deadline."""

    def __init__(self, proc):
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def next(self, timeout: float = 15) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"no line from kubectl within {timeout} s (exit {self.proc.poll()})"
            ) from None


def test_get_watch(cluster, ns):
    watched = cluster.create_object(cm_obj("watched", ns, {"a": "1"}))
    proc = cluster.kubectl_popen("get", "cm", "watched", "-n", ns, "-w", "--request-timeout=60s")
    try:
        reader = LineReader(proc)
        assert reader.next().split() == ["NAME", "DATA", "AGE"]
        first = reader.next().split()
        assert first[:2] == ["watched", "1"]
        time.sleep(0.3)
        cluster.merge_patch_object(watched, {"data": {"b": "2"}})
        second = reader.next().split()
        assert second[:2] == ["watched", "2"]
        cluster.merge_patch_object(watched, {"metadata": {"labels": {"x": "y"}}})
        third = reader.next().split()
        assert third[:2] == ["watched", "2"]
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_get_watch_output_events(cluster, ns):
    proc = cluster.kubectl_popen(
        "get", "cm", "-n", ns, "-w", "--output-watch-events", "--request-timeout=60s"
    )
    try:
        reader = LineReader(proc)
        time.sleep(1.0)
        ev = cluster.create_object(cm_obj("ev", ns, {"a": "1"}))
        cluster.merge_patch_object(ev, {"metadata": {"annotations": {"n": "1"}}})
        cluster.delete_object(ev)
        got, headers = [], []
        while len(got) < 3:
            cells = reader.next().split()
            if cells[0] == "EVENT":
                headers.append(cells)
            elif cells[1] == "ev":
                got.append(cells[:3])
        assert headers[0] == ["EVENT", "NAME", "DATA", "AGE"]
        assert got == [["ADDED", "ev", "1"], ["MODIFIED", "ev", "1"], ["DELETED", "ev", "1"]]
    finally:
        proc.kill()
        proc.wait(timeout=10)


# ---- patch / replace / edit / delete ------------------------------------------


def test_patch_types(cluster, ns):
    cluster.create_object(cm_obj("p", ns, {"a": "1"}))
    r = cluster.kubectl("patch", "cm", "p", "-n", ns, "--type=merge", "-p", '{"data":{"b":"2"}}')
    assert r.stdout.strip() == "configmap/p patched"
    r = cluster.kubectl(
        "patch", "cm", "p", "-n", ns, "--type=json",
        "-p", '[{"op":"add","path":"/data/c","value":"3"},{"op":"remove","path":"/data/a"}]',
    )
    assert r.stdout.strip() == "configmap/p patched"
    data = json.loads(cluster.kubectl("get", "cm", "p", "-n", ns, "-o", "json").stdout)["data"]
    assert data == {"b": "2", "c": "3"}
    r = cluster.kubectl("patch", "cm", "p", "-n", ns, "--type=merge", "-p", '{"data":{"b":"2"}}')
    assert r.stdout.strip() == "configmap/p patched (no change)"
    r = cluster.kubectl(
        "patch", "cm", "p", "-n", ns, "--type=json",
        "-p", '[{"op":"test","path":"/data/b","value":"wrong"}]', check=False,
    )
    # A failed JSON-patch test is a 422 with reason Invalid and no kind/name.
    assert r.returncode == 1
    assert r.stderr.startswith("The request is invalid"), r.stderr
    data = json.loads(cluster.kubectl("get", "cm", "p", "-n", ns, "-o", "json").stdout)["data"]
    assert data == {"b": "2", "c": "3"}

    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": ns},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "d"}},
            "template": {
                "metadata": {"labels": {"app": "d"}},
                "spec": {
                    "containers": [
                        {"name": "main", "image": "busybox:1"},
                        {"name": "side", "image": "busybox:2"},
                    ]
                },
            },
        },
    }
    cluster.create_object(dep)
    # Strategic merge patches merge the containers list by name...
    r = cluster.kubectl(
        "patch", "deployment", "d", "-n", ns,
        "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:3"}]}}}}',
    )
    assert r.stdout.strip() == "deployment.apps/d patched"
    out = cluster.kubectl(
        "get", "deploy", "d", "-n", ns,
        "-o", "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}",
    ).stdout
    assert out.split() == ["main=busybox:3", "side=busybox:2"]
    # ...while a merge patch replaces the list.
    r = cluster.kubectl(
        "patch", "deployment", "d", "-n", ns, "--type=merge",
        "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:4"}]}}}}',
    )
    assert r.stdout.strip() == "deployment.apps/d patched"
    out = cluster.kubectl(
        "get", "deploy", "d", "-n", ns,
        "-o", "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}",
    ).stdout
    assert out.split() == ["main=busybox:4"]


def test_replace(cluster, ns):
    cluster.create_object(cm_obj("r", ns, {"a": "1"}))
    obj = json.loads(cluster.kubectl("get", "cm", "r", "-n", ns, "-o", "json").stdout)
    stale = json.loads(json.dumps(obj))
    obj["data"] = {"a": "2"}
    r = cluster.kubectl("replace", "-f", "-", input=json.dumps(obj))
    assert r.stdout.strip() == "configmap/r replaced"
    assert cluster.kubectl("get", "cm", "r", "-n", ns, "-o", "jsonpath={.data.a}").stdout == "2"
    stale["data"] = {"a": "3"}
    r = cluster.kubectl("replace", "-f", "-", input=json.dumps(stale), check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == (
        'Error from server (Conflict): error when replacing "STDIN": Operation cannot be '
        'fulfilled on configmaps "r": the object has been modified; please apply your '
        "changes to the latest version and try again"
    )


def test_edit_with_editor(cluster, ns, tmp_path):
    cluster.create_object(cm_obj("ed", ns, {"key": "value-one"}))
    editor = tmp_path / "editor.py"
    editor.write_text(
        textwrap.dedent(
            """
            import sys
            path = sys.argv[-1]
            text = open(path).read()
            assert "value-one" in text, text
            open(path, "w").write(text.replace("value-one", "value-two"))
            """
        )
    )
    r = cluster.kubectl(
        "edit", "cm", "ed", "-n", ns, env={"EDITOR": f"{sys.executable} {editor}", "KUBE_EDITOR": ""}
    )
    assert r.stdout.strip() == "configmap/ed edited"
    assert cluster.kubectl("get", "cm", "ed", "-n", ns, "-o", "jsonpath={.data.key}").stdout == "value-two"


def test_delete_and_not_found(cluster, ns):
    cluster.create_object(cm_obj("gone", ns, {}))
    r = cluster.kubectl("delete", "configmap", "gone", "-n", ns)
    assert r.stdout.strip() == f'configmap "gone" deleted from {ns} namespace'
    r = cluster.kubectl("delete", "configmap", "gone", "-n", ns, check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'Error from server (NotFound): configmaps "gone" not found'
    r = cluster.kubectl("get", "pods", "x", "-n", ns, check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'Error from server (NotFound): pods "x" not found'
    r = cluster.kubectl("delete", "pod", "x", "-n", ns, check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'Error from server (NotFound): pods "x" not found'
    r = cluster.kubectl("delete", "pod", "x", "-n", ns, "--ignore-not-found")
    assert r.returncode == 0 and r.stdout == ""


def test_label_and_annotate(cluster, ns):
    cluster.create_object(cm_obj("la", ns, {}))
    r = cluster.kubectl("label", "cm", "la", "-n", ns, "app=a")
    assert r.stdout.strip() == "configmap/la labeled"
    r = cluster.kubectl("label", "cm", "la", "-n", ns, "app=b", check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == "error: 'app' already has a value (a), and --overwrite is false"
    r = cluster.kubectl("label", "cm", "la", "-n", ns, "app=b", "--overwrite")
    assert r.stdout.strip() == "configmap/la labeled"
    r = cluster.kubectl("label", "cm", "la", "-n", ns, "app-")
    assert r.stdout.strip() == "configmap/la unlabeled"
    labels = cluster.kubectl("get", "cm", "la", "-n", ns, "-o", "jsonpath={.metadata.labels}").stdout
    assert "app" not in labels

    r = cluster.kubectl("annotate", "cm", "la", "-n", ns, "note=one")
    assert r.stdout.strip() == "configmap/la annotated"
    r = cluster.kubectl("annotate", "cm", "la", "-n", ns, "note=two", check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == (
        "error: --overwrite is false but found the following declared annotation(s): "
        "'note' already has a value (one)"
    )
    r = cluster.kubectl("annotate", "cm", "la", "-n", ns, "note=two", "--overwrite")
    assert r.stdout.strip() == "configmap/la annotated"
    assert (
        cluster.kubectl("get", "cm", "la", "-n", ns, "-o", "jsonpath={.metadata.annotations.note}").stdout
        == "two"
    )


def test_diff(cluster, ns, tmp_path):
    f = tmp_path / "cm.yaml"
    f.write_text(cm_yaml("df", ns, {"k": "v1"}))
    # Seeded with apply: a client-side diff compares against what apply would
    # do, including the last-applied annotation.
    cluster.kubectl("apply", "-f", str(f))
    r = cluster.kubectl("diff", "-f", str(f), check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    f.write_text(cm_yaml("df", ns, {"k": "v2"}))
    r = cluster.kubectl("diff", "-f", str(f), check=False)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert "-  k: v1" in lines and "+  k: v2" in lines, r.stdout
    # diff is a dry run: nothing changed on the server.
    assert cluster.kubectl("get", "cm", "df", "-n", ns, "-o", "jsonpath={.data.k}").stdout == "v1"


# ---- discovery and authorization -------------------------------------------------


def test_api_resources(cluster):
    r = cluster.kubectl("api-resources")
    out = r.stdout
    lines = out.splitlines()
    assert lines, f"no output; stderr: {r.stderr}"
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {}
    for line in lines[1:]:
        cells = line.split()
        if len(cells) == 4:  # no short names
            cells.insert(1, "")
        rows[(cells[0], cells[2])] = cells
    expected = [
        ["pods", "po", "v1", "true", "Pod"],
        ["configmaps", "cm", "v1", "true", "ConfigMap"],
        ["services", "svc", "v1", "true", "Service"],
        ["namespaces", "ns", "v1", "false", "Namespace"],
        ["nodes", "no", "v1", "false", "Node"],
        ["secrets", "", "v1", "true", "Secret"],
        ["deployments", "deploy", "apps/v1", "true", "Deployment"],
    ]
    for want in expected:
        assert rows.get((want[0], want[2])) == want, f"{want} not in\n{out}"


def test_explain(cluster):
    out = cluster.kubectl("explain", "pods.spec.containers").stdout
    lines = out.splitlines()
    assert re.fullmatch(r"KIND:\s+Pod", lines[0]), out
    assert re.fullmatch(r"VERSION:\s+v1", lines[1]), out
    assert any(re.fullmatch(r"FIELD:\s+containers <\[\]Container>", l) for l in lines), out
    assert any(re.fullmatch(r"\s+name\s+<string> -required-", l) for l in lines), out
    assert any(re.fullmatch(r"\s+image\s+<string>", l) for l in lines), out
    assert "DESCRIPTION:" in lines and "FIELDS:" in lines


def test_auth_can_i(cluster):
    r = cluster.kubectl("auth", "can-i", "create", "pods")
    assert r.stdout.strip() == "yes"
    r = cluster.kubectl("auth", "can-i", "delete", "nodes")
    assert r.stdout.strip() == "yes"
