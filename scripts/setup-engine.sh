#!/usr/bin/env bash
# Sets up podman and buildah on a machine with no Docker daemon and no image registry, and
# makes the base images the examples need from the Debian archive (debootstrap), so that
# `dockopt measure` and scripts/bench-images.sh can build. Idempotent: run it again any time.
#
# Made here (stand-ins: no registry can be pulled from):
#   docker.io/library/debian:bookworm, debian:bookworm-slim  a minbase debootstrap of bookworm
#   docker.io/library/ubuntu:20.04, 22.04                    the same bookworm (stand-in)
#   docker.io/library/python:3.11, 3.8, 3.10, 3.12 (+ -slim)  bookworm + Debian's python3/pip
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need() { command -v "$1" >/dev/null 2>&1; }
if ! need podman || ! need buildah || ! need debootstrap || ! need runc; then
  apt-get update -qq
  apt-get install -y -qq podman buildah debootstrap runc >/dev/null
fi

# runc (crun's seccomp setup fails in some sandboxes) and file limits builds need.
mkdir -p /etc/containers
cat > /etc/containers/containers.conf <<'CONF'
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
CONF

have() { podman image exists "$1" 2>/dev/null; }

if ! have docker.io/library/debian:bookworm; then
  root=$(mktemp -d)
  mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >/dev/null
  # The host's apt sources and CA certificates, so that RUN steps reach the archive.
  rm -f "$root/etc/apt/sources.list"
  cp -a /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
  cp -a /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/" 2>/dev/null || true
  # Extra CAs this network needs (a TLS-inspecting egress): kept when ca-certificates is
  # reinstalled in a build, and pip (which brings its own CA list) told to use the system's.
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/pip.conf"
  # What the official images do: no recommends kept in the cache, caches cleaned after installs.
  printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\nAPT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' > "$root/etc/apt/apt.conf.d/docker-clean"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - docker.io/library/debian:bookworm >/dev/null
  rm -rf "$root"
fi
for tag in debian:bookworm-slim debian:12; do
  have "docker.io/library/$tag" || podman tag docker.io/library/debian:bookworm "docker.io/library/$tag"
done
# Ubuntu stand-in: bookworm whose pip installs system-wide, as Ubuntu 20.04's did (no PEP 668).
if ! have docker.io/library/ubuntu:20.04; then
  ctr=$(buildah from --pull=never docker.io/library/debian:bookworm)
  buildah run "$ctr" -- sh -c 'printf "break-system-packages = true\n" >> /etc/pip.conf'
  buildah commit -q "$ctr" docker.io/library/ubuntu:20.04 >/dev/null
  buildah rm "$ctr" >/dev/null
fi
have docker.io/library/ubuntu:22.04 || podman tag docker.io/library/ubuntu:20.04 docker.io/library/ubuntu:22.04

if ! have docker.io/library/python:3.11-slim; then
  ctr=$(buildah from --pull=never docker.io/library/debian:bookworm)
  buildah run "$ctr" -- sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-pip python3-venv ca-certificates >/dev/null && ln -sf /usr/bin/python3 /usr/local/bin/python && ln -sf /usr/bin/pip3 /usr/local/bin/pip && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED && rm -rf /var/lib/apt/lists/*'
  buildah config --cmd '["python3"]' "$ctr"
  buildah commit -q "$ctr" docker.io/library/python:3.11-slim >/dev/null
  buildah rm "$ctr" >/dev/null
fi
for tag in python:3.11 python:3.8 python:3.8-slim python:3.10 python:3.10-slim python:3.12 python:3.12-slim; do
  have "docker.io/library/$tag" || podman tag docker.io/library/python:3.11-slim "docker.io/library/$tag"
done
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sort
