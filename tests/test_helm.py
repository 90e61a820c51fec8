"""The official helm 4 against rkube: install, list, upgrade, uninstall a
local chart (no registry, no network)."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from conftest import TOOLS_BIN


@pytest.fixture
def helm(cluster, tmp_path):
    home = tmp_path / "helm-home"
    env = {
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
        "PATH": f"{TOOLS_BIN}:/usr/bin:/bin",
        "HOME": str(home),
    }

    def run(*args, check=True):
        r = subprocess.run(
            [str(TOOLS_BIN / "helm"), "--kubeconfig", str(cluster.kubeconfig), *args],
            capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
        )
        if check and r.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r

    return run


@pytest.fixture
def chart(tmp_path):
    d = tmp_path / "demo"
    (d / "templates").mkdir(parents=True)
    (d / "Chart.yaml").write_text(
        "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: \"1.0\"\n"
    )
    (d / "values.yaml").write_text("greeting: hello\n")
    (d / "templates" / "configmap.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-cfg
              labels:
                app.kubernetes.io/managed-by: {{ .Release.Service }}
            data:
              greeting: {{ .Values.greeting | quote }}
            """
        )
    )
    return d


def test_install_upgrade_uninstall(cluster, ns, helm, chart):
    r = helm("install", "rel", str(chart), "-n", ns, "--wait", "--timeout", "60s")
    assert "STATUS: deployed" in r.stdout, r.stdout
    data = cluster.kubectl("get", "cm", "rel-cfg", "-n", ns, "-o", "json").stdout
    obj = json.loads(data)
    assert obj["data"] == {"greeting": "hello"}
    assert obj["metadata"]["annotations"]["meta.helm.sh/release-name"] == "rel"

    releases = json.loads(helm("list", "-n", ns, "-o", "json").stdout)
    assert [(x["name"], x["status"], x["revision"]) for x in releases] == [("rel", "deployed", "1")]
    # Helm keeps its release record as a Secret of type helm.sh/release.v1.
    secrets = cluster.kubectl("get", "secrets", "-n", ns, "-l", "owner=helm", "-o", "name").stdout
    assert secrets.split() == ["secret/sh.helm.release.v1.rel.v1"]

    helm("upgrade", "rel", str(chart), "-n", ns, "--set", "greeting=bye")
    assert cluster.kubectl(
        "get", "cm", "rel-cfg", "-n", ns, "-o", "jsonpath={.data.greeting}"
    ).stdout == "bye"
    releases = json.loads(helm("list", "-n", ns, "-o", "json").stdout)
    assert releases[0]["revision"] == "2"

    r = helm("uninstall", "rel", "-n", ns)
    assert 'release "rel" uninstalled' in r.stdout
    r = cluster.kubectl("get", "cm", "rel-cfg", "-n", ns, check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'Error from server (NotFound): configmaps "rel-cfg" not found'
