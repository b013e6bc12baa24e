#!/usr/bin/env bash
# Sets up podman and buildah on a machine with no Docker daemon and no image registry, and
# makes the base images the examples need from the Debian archive (debootstrap), so that
# `dockopt measure` and scripts/bench_images.py can build. Idempotent: run it again any time;
# an image made by an older version of this script (label dockopt.standin) is made again.
#
#   scripts/setup-engine.sh           podman + buildah, and the stand-in images
#   scripts/setup-engine.sh --docker  also Debian's Docker (dockerd 20.10, BuildKit built in),
#                                     started if no daemon answers, with the stand-ins loaded
#                                     into it: builds then get BuildKit's cache, as Docker users do
#
# Made here (stand-ins: no registry can be pulled from), each the way the official image is
# layered, so that full-versus-slim and builder-versus-runtime sizes compare as they do there:
#   debian:bookworm, bookworm-slim, 12         a minbase debootstrap of bookworm
#   debian:trixie-slim, 13-slim                bookworm-slim (the runtime of the rust stand-in)
#   ubuntu:20.04, 22.04                        the same bookworm (pip installs system-wide)
#   buildpack-deps:bookworm                    bookworm + compilers, VCS tools and -dev libraries
#   python:3.11 (3.8, 3.10, 3.12)              buildpack-deps + Debian's python3 (3.11), -dev, pip
#   python:3.11-slim (…)                       bookworm + python3 and pip only
#   node:18, node:18-slim (12, 14, 16, 20)     buildpack-deps / bookworm + Debian's nodejs 18, npm
#   ruby:3.1                                   buildpack-deps + Debian's ruby (3.1), ruby-dev, bundler
#   ruby:3.1-slim                              bookworm-slim + ruby and bundler only
#   golang:1.19                                buildpack-deps + Debian's golang-go (1.19)
#   rust:1.96                                  buildpack-deps + Debian's rustc-web/cargo-web (1.96)
#   gcc:12                                     buildpack-deps (its gcc is 12)
#   eclipse-temurin:17-jre                     bookworm-slim + Debian's OpenJDK 17 JRE
#   eclipse-temurin:17-jdk, 17 (11, 21)        bookworm-slim + Debian's OpenJDK 17 JDK (javac, jar)
#   gcr.io/distroless/static-debian12          passwd, CA certificates and tzdata only
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != 0 ]; then echo "setup-engine.sh installs packages and makes images as root: run it with sudo" >&2; exit 2; fi

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

STANDIN=4  # bump when an image below changes, so that machines set up before make it again
lib=docker.io/library
# have IMAGE [ENGINE]: the image is in ENGINE's store (podman's by default), made by this version.
have() { [ "$(${2:-podman} image inspect --format '{{index .Config.Labels "dockopt.standin"}}' "$1" 2>/dev/null)" = "$STANDIN" ]; }
# derive NEW FROM 'SHELL SCRIPT' [buildah config flags…]: runs the script in FROM, commits NEW.
derive() {
  local new=$1 from=$2 script=$3; shift 3
  have "$new" && return 0
  echo "making $new" >&2
  local ctr; ctr=$(buildah from --pull=never "$from")
  buildah run "$ctr" -- sh -ec "$script"
  buildah config --label dockopt.standin=$STANDIN "$@" "$ctr"
  buildah commit -q ${SQUASH:+--squash} "$ctr" "$new" >/dev/null
  buildah rm "$ctr" >/dev/null
}
alias_to() { local target=$1; shift; for t in "$@"; do have "$t" || podman tag "$target" "$t"; done; }
apt_install() { echo "apt-get update -qq && apt-get install -y -qq --no-install-recommends $* >/dev/null && rm -rf /var/lib/apt/lists/*"; }

if ! have $lib/debian:bookworm; then
  echo "making $lib/debian:bookworm" >&2
  root=$(mktemp -d)
  mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >/dev/null
  # The host's apt sources and CA certificates, so that RUN steps reach the archive.
  rm -f "$root/etc/apt/sources.list"
  cp -a /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
  mkdir -p "$root/etc/ssl/certs"
  cp -a /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  # Extra CAs this network needs (a TLS-inspecting egress): kept when ca-certificates is
  # reinstalled in a build, and pip and npm (which bring their own CA lists) told to use the system's.
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/pip.conf"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' > "$root/etc/npmrc"
  # What the official images do: no recommends kept in the cache, caches cleaned after installs.
  printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\nAPT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' > "$root/etc/apt/apt.conf.d/docker-clean"
  # debootstrap leaves the packages it installed in apt's cache (31 MB); the official images do not.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | podman import --change 'CMD ["bash"]' --change "LABEL dockopt.standin=$STANDIN" - $lib/debian:bookworm >/dev/null
  rm -rf "$root"
fi
alias_to $lib/debian:bookworm $lib/debian:12
# -slim is the same system without documentation, man pages and translations, and dpkg told
# to leave them out of later installs too; one layer, as the official image is.
SQUASH=1 derive $lib/debian:bookworm-slim $lib/debian:bookworm 'printf "path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\npath-exclude /usr/share/locale/*\npath-exclude /usr/share/lintian/*\n" > /etc/dpkg/dpkg.cfg.d/docker-slim
  find /usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete; find /usr/share/doc -mindepth 1 -type d -empty -delete
  rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/* /usr/share/lintian/*'
alias_to $lib/debian:bookworm-slim $lib/debian:12-slim
# rust:1.96 is built on trixie, and dockopt gives its programs a debian:trixie-slim runtime (the
# builder's own release). The rust stand-in below is bookworm (Debian's rustc-web), so its
# runtime stand-in is bookworm-slim under the trixie name: builder and runtime share one C library
# release here too, as they do in the real pair.
alias_to $lib/debian:bookworm-slim $lib/debian:trixie-slim $lib/debian:13-slim

# Ubuntu stand-in: bookworm whose pip installs system-wide, as Ubuntu 20.04's did (no PEP 668).
derive $lib/ubuntu:20.04 $lib/debian:bookworm 'printf "break-system-packages = true\n" >> /etc/pip.conf'
alias_to $lib/ubuntu:20.04 $lib/ubuntu:22.04

# What the official full images (python, node, golang, rust, gcc) are built on.
derive $lib/buildpack-deps:bookworm $lib/debian:bookworm "$(apt_install ca-certificates curl wget gnupg dirmngr \
  git openssh-client procps autoconf automake bzip2 dpkg-dev file g++ gcc make patch unzip xz-utils libtool \
  libbz2-dev libc6-dev libcurl4-openssl-dev libdb-dev libevent-dev libffi-dev libgdbm-dev libglib2.0-dev \
  libgmp-dev libjpeg-dev libkrb5-dev liblzma-dev libncurses-dev libpng-dev libpq-dev libreadline-dev \
  libsqlite3-dev libssl-dev libxml2-dev libxslt1-dev libyaml-dev zlib1g-dev default-libmysqlclient-dev)"
alias_to $lib/buildpack-deps:bookworm $lib/gcc:12 $lib/gcc:latest

python_links='ln -sf /usr/bin/python3 /usr/local/bin/python && ln -sf /usr/bin/pip3 /usr/local/bin/pip && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED'
derive $lib/python:3.11 $lib/buildpack-deps:bookworm "$(apt_install python3 python3-dev python3-pip python3-venv) && $python_links" --cmd '["python3"]'
derive $lib/python:3.11-slim $lib/debian:bookworm-slim "$(apt_install python3 python3-pip python3-venv ca-certificates) && $python_links" --cmd '["python3"]'
alias_to $lib/python:3.11 $lib/python:3.8 $lib/python:3.10 $lib/python:3.12
alias_to $lib/python:3.11-slim $lib/python:3.8-slim $lib/python:3.10-slim $lib/python:3.12-slim

# The official node images have a `node` user (1000:1000).
node_user='groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
derive $lib/node:18 $lib/buildpack-deps:bookworm "$(apt_install nodejs npm) && $node_user" --cmd '["node"]'
derive $lib/node:18-slim $lib/debian:bookworm-slim "$(apt_install nodejs npm ca-certificates) && $node_user" --cmd '["node"]'
# Other majors are Debian's 18 under their names, as the python tags are 3.11 (slim-base moves
# Ubuntu 22.04's apt nodejs, 12, to node:12-slim).
alias_to $lib/node:18 $lib/node:12 $lib/node:14 $lib/node:16 $lib/node:20
alias_to $lib/node:18-slim $lib/node:12-slim $lib/node:14-slim $lib/node:16-slim $lib/node:20-slim

# The official ruby images: gems in GEM_HOME (/usr/local/bundle, world-writable), bundler's
# configuration there too (BUNDLE_APP_CONFIG), its bin/ first on PATH.
ruby_env=(--env GEM_HOME=/usr/local/bundle --env BUNDLE_SILENCE_ROOT_WARNING=1 --env BUNDLE_APP_CONFIG=/usr/local/bundle
  --env PATH=/usr/local/bundle/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd '["irb"]')
ruby_home='mkdir -p /usr/local/bundle && chmod 1777 /usr/local/bundle'
derive $lib/ruby:3.1 $lib/buildpack-deps:bookworm "$(apt_install ruby ruby-dev bundler) && $ruby_home" "${ruby_env[@]}"
derive $lib/ruby:3.1-slim $lib/debian:bookworm-slim "$(apt_install ruby bundler ca-certificates) && $ruby_home" "${ruby_env[@]}"

derive $lib/golang:1.19 $lib/buildpack-deps:bookworm "$(apt_install golang-go) && mkdir -p /go/bin /go/src" \
  --env GOPATH=/go --env PATH=/go/bin:/usr/lib/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --workingdir /go
derive $lib/rust:1.96 $lib/buildpack-deps:bookworm "$(apt_install rustc-web cargo-web)" --env CARGO_HOME=/usr/local/cargo \
  --env PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# eclipse-temurin:17-jre, the JRE image slim-base moves apt-installed Java 17 runtimes to: the
# real one is Ubuntu with Temurin in /opt/java/openjdk; here Debian's OpenJDK 17 JRE (java on PATH).
derive $lib/eclipse-temurin:17-jre $lib/debian:bookworm-slim "mkdir -p /usr/share/man/man1 && $(apt_install openjdk-17-jre-headless ca-certificates)" \
  --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
# The other Temurin tags slim-base writes (a major, an Ubuntu release) are that 17 under their names.
for v in 11 17 21; do for r in "" -focal -jammy -noble; do
  [ "$v$r" = 17 ] || alias_to $lib/eclipse-temurin:17-jre "$lib/eclipse-temurin:$v-jre$r"
done; done
# eclipse-temurin:17-jdk, the JDK the Java builds compile on (the real one: Ubuntu with the Temurin
# JDK in /opt/java/openjdk); here Debian's OpenJDK 17 JDK, with the JRE stand-in's JAVA_HOME.
derive $lib/eclipse-temurin:17-jdk $lib/debian:bookworm-slim "mkdir -p /usr/share/man/man1 && $(apt_install openjdk-17-jdk-headless ca-certificates)" \
  --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
# The JDK is the default flavour: the bare major (eclipse-temurin:17) is the JDK; other majors and
# Ubuntu releases are that 17 under their names, as for the JRE.
for v in 11 17 21; do for r in "" -focal -jammy -noble; do
  for t in "$v$r" "$v-jdk$r"; do [ "$t" = 17-jdk ] || alias_to $lib/eclipse-temurin:17-jdk "$lib/eclipse-temurin:$t"; done
done; done

# distroless/static: no shell, no package manager; a passwd with `nonroot` (65532), CA
# certificates and zoneinfo, as Google's image has.
if ! have gcr.io/distroless/static-debian12; then
  echo "making gcr.io/distroless/static-debian12" >&2
  tmp=$(mktemp -d)
  mkdir -p "$tmp/etc/ssl/certs" "$tmp/usr/share" "$tmp/tmp" "$tmp/home/nonroot"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$tmp/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$tmp/etc/group"
  # The host's (Debian's ca-certificates and tzdata packages).
  cp -a /etc/ssl/certs/ca-certificates.crt "$tmp/etc/ssl/certs/"
  cp -a /usr/share/zoneinfo "$tmp/usr/share/" 2>/dev/null || true
  chmod 1777 "$tmp/tmp"
  chown 65532:65532 "$tmp/home/nonroot"
  ctr=$(buildah from scratch)
  buildah copy "$ctr" "$tmp" / >/dev/null
  buildah config --label dockopt.standin=$STANDIN --env PATH=/usr/local/bin:/usr/bin:/bin "$ctr"
  buildah commit -q "$ctr" gcr.io/distroless/static-debian12 >/dev/null
  buildah rm "$ctr" >/dev/null
  rm -rf "$tmp"
fi
alias_to gcr.io/distroless/static-debian12 gcr.io/distroless/static-debian12:nonroot gcr.io/distroless/static
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -v '<none>' | sort

if [ "${1:-}" = --docker ]; then
  # Debian's docker.io: its client (/usr/bin/docker) has BuildKit built in (DOCKER_BUILDKIT=1),
  # where a newer client without the buildx plugin falls back to the legacy builder.
  [ -x /usr/sbin/dockerd ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io >/dev/null; }
  if ! /usr/bin/docker info >/dev/null 2>&1; then
    mkdir -p /var/log/dockopt
    setsid nohup /usr/sbin/dockerd >/var/log/dockopt/dockerd.log 2>&1 < /dev/null &
    for _ in $(seq 60); do /usr/bin/docker info >/dev/null 2>&1 && break; sleep 1; done
    /usr/bin/docker info >/dev/null 2>&1 || { echo "dockerd did not start: see /var/log/dockopt/dockerd.log" >&2; exit 1; }
  fi
  # The stand-ins, copied into Docker's store when missing or older.
  for ref in $(podman images --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' | grep -v '^localhost/' | sort -u); do
    have "$ref" /usr/bin/docker && continue
    echo "loading $ref into docker" >&2
    podman save "$ref" | /usr/bin/docker load >/dev/null
  done
  /usr/bin/docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sort
fi
