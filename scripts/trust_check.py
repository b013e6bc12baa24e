#!/usr/bin/env python3
"""Counts the corpus files whose `--unsafe-fixes` rewrite falls in a class of known breakage.

Runs dockopt with `--unsafe-fixes --write` over copies of ../shared/corpus/, parses each input and
output with BuildKit's parser (PyPI `dockerfile`) and compares them by rules of its own: it is an
oracle, it carries its own small knowledge of images and packages and never asks dockopt what a
rewrite means. Each class is a real way an unsafe rewrite breaks a build or an image:

1 user-on-base-image: USER/useradd added to an image meant to be built upon (ONBUILD, a parent
  stage that put files, `scratch`, no CMD/ENTRYPOINT): what runs or builds on it loses root.
2 second-user: a user created where one exists (in the file, or in node / distroless /
  devcontainers / dotnet 8+ images), or USER naming another user than the one the file made.
3 windows: a Windows stage whose FROM, RUN count or user changed: `&&`-merged RUNs, useradd
  and Linux images do not work there.
4 leaves-family-or-release: FROM moved to another OS family or release, a `jre` image under a
  Java build, apk/apt left on the wrong base: package names, libc and tools differ.
5 runtime-libc: a multi-stage split whose runtime base is not the build stage's family/release:
  the copied binary links against another libc (a Java build copied onto the JRE image of the
  same Java version is bytecode, which no libc decides).
6 slim-under-compile: a -slim/alpine base under a stage that still compiles, or gcc installed
  with --no-install-recommends and no libc headers.
7 apt-lists-after-dist-clean: `rm -rf /var/lib/apt/lists` added after `apt-get dist-clean`,
  which already did it: a rewrite of a file that was right.
8 chown-everything: `--chown=` added to a COPY of the application: the process can rewrite its
  own code, when it only needs to write its state paths (a chown the input ran on that file,
  moved into its COPY, is not added).
9 generated-file-rewritten: a file that says it is generated was edited: the generator
  overwrites the edit.

7 and 9 are also counted in a safe run. Exit status 1 when a count is above 0, unless
--report-only. Usage: scripts/trust_check.py [--show N] [--report-only] [--files F...] [--binary PATH]
"""

import argparse
import functools
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracles  # noqa: E402

oracles.ensure_venv()

CLASSES = ["user-on-base-image", "second-user", "windows", "leaves-family-or-release", "runtime-libc",
           "slim-under-compile", "apt-lists-after-dist-clean", "chown-everything", "generated-file-rewritten"]
SAFE_CLASSES = ["apt-lists-after-dist-clean", "generated-file-rewritten"]

# --- the oracle's own knowledge -------------------------------------------------------------
USER_MAKERS = {"useradd", "adduser", "groupadd", "addgroup"}
USER_OPTS_WITH_VALUE = {"-u", "--uid", "-g", "--gid", "-G", "--groups", "--ingroup", "-d", "--home",
                        "--home-dir", "-h", "-s", "--shell", "-c", "--comment", "--gecos", "-k",
                        "--skel", "-e", "-f", "-K", "-p", "--password", "-b", "--base-dir"}
WINDOWS_WORDS = ("windows", "servercore", "nanoserver", "dotnet/framework")
WINDOWS_SHELLS = {"powershell", "pwsh", "cmd"}
DEBIAN_RELEASES = {"7": "wheezy", "8": "jessie", "9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie"}
UBUNTU_RELEASES = {"16.04": "xenial", "18.04": "bionic", "20.04": "focal", "22.04": "jammy", "24.04": "noble"}
RHEL_IMAGES = {"centos", "fedora", "rockylinux", "almalinux", "amazonlinux", "oraclelinux", "amazoncorretto"}
DEBIAN_IMAGES = {"debian", "python", "node", "ruby", "perl", "golang", "rust", "gcc", "php", "buildpack-deps"}
# Package names Debian and Ubuntu have both shipped since 2018 (bionic / buster).
SHARED_APT = set("""curl wget git ca-certificates gnupg gnupg2 dirmngr unzip zip make gcc g++ build-essential
tzdata locales vim nano less procps openssh-client openssh-server xz-utils bzip2 jq file netcat-openbsd
iputils-ping dnsutils patch rsync sqlite3 libpq-dev libffi-dev libssl-dev zlib1g-dev pkg-config tini
dumb-init gosu supervisor cron python3-dev python3 python3-pip python3-venv python3-setuptools
apt-transport-https lsb-release sudo bash tar gzip openssl libxml2-dev libxslt1-dev libjpeg-dev
libpng-dev libyaml-dev libreadline-dev libsqlite3-dev libbz2-dev liblzma-dev autoconf automake libtool
cmake net-tools iproute2 telnet htop mercurial subversion nginx apache2 redis-tools postgresql-client
mariadb-client unixodbc-dev gettext-base ssh""".split())
JAVA_BUILDERS = {"javac", "sbt", "mvn", "mvnw", "gradle", "gradlew", "ant", "lein", "jar", "kotlinc"}
COMPILER_PKGS = {"gcc", "g++", "clang", "make", "build-essential", "build-base", "cmake"}
COMPILERS = {"gcc", "g++", "cc", "make", "cmake"}
NO_WHEEL_PIP = {"psycopg2", "mysqlclient", "uwsgi", "python-ldap", "pycurl"}
GCC_COMPANIONS = {"libc6-dev", "libc-dev", "build-essential", "g++", "gcc-multilib", "libc6-dev-i386"}
# Whole words of a path that name state; not `var` or `tmp`, which also hold whole applications
# (`/var/www/html`) and build output (`build/tmp`).
STATE_WORDS = {"data", "uploads", "storage", "logs", "log", "instance", "db", "media", "cache"}
NONROOT_IMAGES = [(r"node$", "node"), (r"gcr\.io/distroless/", "nonroot"),
                  (r"mcr\.microsoft\.com/(vscode/)?devcontainers/", "vscode")]
GENERATED = ("do not edit", "generated by", "generated file", "autogenerated", "auto-generated")
FACTS_TABLE = oracles.ROOT / "src" / "facts" / "official_images.tsv"


# --- Dockerfile structure -------------------------------------------------------------------
class Stage:
    def __init__(self, index, from_cmd):
        args = from_cmd.value
        self.index, self.from_cmd, self.image, self.cmds = index, from_cmd, args[0], []
        self.name = args[2].lower() if len(args) >= 3 and args[1].lower() == "as" else None


def parse(text):
    """(stages, all commands) of a Dockerfile text, by BuildKit's parser."""
    import dockerfile

    cmds = dockerfile.parse_string(text)
    stages = []
    for c in cmds:
        if c.cmd.upper() == "FROM":
            stages.append(Stage(len(stages), c))
        elif stages:
            stages[-1].cmds.append(c)
    return stages, cmds


def chain(stages, i):
    """Stage i plus the in-file stages it is built FROM, transitively (nearest first)."""
    out = [stages[i]]
    while True:
        parents = [s for s in stages[: out[-1].index] if s.name == out[-1].image.lower()]
        if not parents:
            return out
        out.append(parents[-1])


def root_image(stages, i):
    return chain(stages, i)[-1].image


def of(stages, *names):
    """The instructions named `names` of a stage or of a list of stages."""
    stages = stages if isinstance(stages, list) else [stages]
    return [c for s in stages for c in s.cmds if c.cmd.upper() in names]


def run_text(c):
    return " ".join([" ".join(c.value)] + [h.content for h in c.heredocs])


def show(c):
    return f"L{c.start_line}: {c.original.splitlines()[0][:150]}" if c else ""


# --- shell words ----------------------------------------------------------------------------
def commands(text):
    """The simple commands of a shell text, each as a list of words (a rough split)."""
    out = []
    for seg in re.split(r"&&|\|\||;|\||\n", text):
        try:
            words = shlex.split(seg)
        except ValueError:
            words = seg.split()
        while words and (re.match(r"^\w+=", words[0]) or words[0] in ("sudo", "exec", "env", "then", "do",
                                                                      "else", "if", "(", "{", "!")):
            words = words[1:]
        if words:
            out.append(words)
    return out


def name_of(words):
    return words[0].rsplit("/", 1)[-1].lower()


def run_commands(stages):
    """[(RUN instruction, words)] for every simple command of the RUNs of a stage or stages."""
    return [(c, w) for c in of(stages, "RUN") for w in commands(run_text(c))]


def installed(words):
    """Packages a package-manager command installs ([] for any other command)."""
    verb = {"apt-get": "install", "apt": "install", "apk": "add", "yum": "install", "dnf": "install",
            "microdnf": "install"}.get(name_of(words))
    if not verb or verb not in words:
        return []
    pkgs, skip = [], False
    for w in words[words.index(verb) + 1:]:
        if not skip and not w.startswith("-") and not re.search(r"[<>$]", w):
            pkgs.append(w)
        skip = w in ("--virtual", "-t")
    return pkgs


def users_made(stages):
    """[(name, uid)] of the users created with useradd / adduser."""
    made = []
    for _, words in run_commands(stages):
        if name_of(words) not in ("useradd", "adduser"):
            continue
        plain, uid, i = [], None, 1
        while i < len(words):
            # A bundle of short options (`-ms /bin/sh`, `-SHG grp`) takes a value when its
            # last letter does.
            opt = words[i]
            if re.fullmatch(r"-[A-Za-z]{2,}", opt):
                opt = "-" + opt[-1]
            if opt in USER_OPTS_WITH_VALUE and i + 1 < len(words):
                uid = words[i + 1] if opt in ("-u", "--uid") else uid
                i += 1
            elif words[i].startswith("--uid="):
                uid = words[i].split("=", 1)[1]
            elif not words[i].startswith("-"):
                plain.append(words[i])
            i += 1
        if plain:
            made.append((plain[0], uid))
    return made


def user_makers(stages, extra=()):
    return [c for c, w in run_commands(stages) if name_of(w) in USER_MAKERS | set(extra)]


# --- images ---------------------------------------------------------------------------------
def split_ref(ref):
    """(name, tag) of an image reference, docker.io/library/ dropped, tag 'latest' by default."""
    ref = ref.lower().split("@", 1)[0]
    name, tag = ref.rsplit(":", 1) if ":" in ref.rsplit("/", 1)[-1] else (ref, "latest")
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        name = name[len(prefix):] if name.startswith(prefix) else name
    return name, tag


def tag_words(tag):
    return [w for w in re.split(r"[^a-z0-9.]+", tag) if w]


def major(tag):
    m = re.match(r"(\d+)", tag)
    return int(m.group(1)) if m else None


def is_windows_image(ref):
    return any(w in ref.lower() for w in WINDOWS_WORDS)


def family(ref):
    """alpine, windows, rhel, ubuntu, debian, or None when this script cannot tell."""
    name, tag = split_ref(ref)
    short, words = name.rsplit("/", 1)[-1], tag_words(tag)
    if is_windows_image(ref):
        return "windows"
    if "alpine" in name or "alpine" in tag:
        return "alpine"
    if set(words) & set(DEBIAN_RELEASES.values()) or re.search(r"debian\d+", ref.lower()):
        return "debian"
    if set(words) & set(UBUNTU_RELEASES.values()):
        return "ubuntu"
    if short in RHEL_IMAGES or any(p.startswith("ubi") for p in name.split("/") + words):
        return "rhel"
    if short == "openjdk":  # Oracle Linux from 17 on, Debian before and in the -slim tags
        if "slim" in words or "oracle" in tag:
            return "debian" if "slim" in words else "rhel"
        return None if major(tag) is None else ("rhel" if major(tag) >= 17 else "debian")
    if short in ("ubuntu", "eclipse-temurin"):
        return "ubuntu"
    if short in ("maven", "gradle"):  # the tag names the JDK image they are built on
        java = re.search(r"openjdk-(\d+)", tag)
        if re.search(r"corretto|graal", tag) or (java and int(java.group(1)) >= 17):
            return "rhel"
        return "ubuntu" if re.search(r"temurin|semeru|sapmachine", tag) else "debian"
    return "debian" if short in DEBIAN_IMAGES else None


def release(ref):
    """The distribution release an image reference names, or None."""
    name, tag = split_ref(ref)
    short = name.rsplit("/", 1)[-1]
    for w in tag_words(tag):
        if w in DEBIAN_RELEASES.values() or w in UBUNTU_RELEASES.values():
            return w
        m = re.fullmatch(r"alpine(3\.\d+)(\.\d+)*", w)
        if m:
            return "alpine" + m.group(1)
    m = re.search(r"debian(\d+)", name + " " + tag)
    if m:
        return DEBIAN_RELEASES.get(m.group(1))
    if short == "debian" and major(tag) is not None:
        return DEBIAN_RELEASES.get(str(major(tag)))
    m = re.match(r"(\d\d\.04|3\.\d+)", tag)
    if short == "ubuntu" and m:
        return UBUNTU_RELEASES.get(m.group(1))
    return "alpine" + m.group(1) if short == "alpine" and m else None


@functools.lru_cache(maxsize=None)
def official_releases():
    """{(image, tag): release} from src/facts/official_images.tsv, if that file exists."""
    table = {}
    lines = FACTS_TABLE.read_text().splitlines() if FACTS_TABLE.exists() else []
    for cols in (line.split("\t") for line in lines if not line.startswith("#")):
        if len(cols) >= 4 and cols[3].strip():
            table[split_ref(f"{cols[0]}:{cols[1]}")] = cols[3].strip()
    return table


def ships_nonroot_user(ref):
    """The non-root user an image ships, if this script knows of one."""
    name, tag = split_ref(ref)
    if re.fullmatch(r"mcr\.microsoft\.com/dotnet/(aspnet|runtime|runtime-deps|sdk)", name):
        return "app" if (major(tag) or 0) >= 8 else None
    return next((user for pattern, user in NONROOT_IMAGES if re.match(pattern, name)), None)


# --- the classes: each returns [(reason, input line, output line)] -------------------------
def user_additions(a, b):
    """(USER instructions, user-creating commands) the output's final chain has more of."""
    ca, cb = chain(a, len(a) - 1), chain(b, len(b) - 1)
    return len(of(cb, "USER")) - len(of(ca, "USER")), len(user_makers(cb)) - len(user_makers(ca))


# What base and workbench images start: a shell or a language's interactive interpreter.
BARE_STARTS = {"sh", "bash", "zsh", "ash", "dash", "pwsh", "powershell", "python", "python2",
               "python3", "node", "php", "irb", "ruby", "perl", "jshell", "java", "ghci", "iex",
               "erl", "julia", "R"}


def runs_bare_interpreter(chain_stages):
    """The chain's start command (last ENTRYPOINT, else last CMD) is a shell or interpreter
    with no script, only options."""
    start = None
    for name in ("ENTRYPOINT", "CMD"):
        found = [of(st, name) for st in chain_stages if of(st, name)]
        if found:
            start = found[0][-1]  # the nearest stage's last one
            break
    if start is None or not start.value:
        return False
    words = list(start.value) if start.json else " ".join(start.value).split()
    name = re.split(r"[/\\]", words[0])[-1] if words else ""
    return name in BARE_STARTS and all(w.startswith("-") for w in words[1:])


def user_on_base_image(a, b, cmds_a):
    users, makers = user_additions(a, b)
    if users <= 0 and makers <= 0:
        return []
    final, why = chain(b, len(b) - 1), []
    if any(c.cmd.upper() == "ONBUILD" for c in cmds_a):
        why.append("input has ONBUILD")
    if len(final) > 1 and of(final[1:], "COPY", "ADD", "RUN"):
        why.append(f"built FROM parent stage `{final[1].name}` that puts files")
    if split_ref(final[-1].image)[0] == "scratch":
        why.append("root image is scratch")
    if not of(final, "CMD", "ENTRYPOINT"):
        why.append("final chain has no CMD/ENTRYPOINT")
    elif runs_bare_interpreter(final):
        why.append("the image starts a bare shell or interpreter (a base image)")
    added = (of(b[-1], "USER") or user_makers(b[-1]) or [None])[-1]
    return [("; ".join(why), show(a[-1].from_cmd), show(added))] if why else []


def second_user(a, b):
    users, makers = user_additions(a, b)
    ca, cb = chain(a, len(a) - 1), chain(b, len(b) - 1)
    new_user, had = (of(cb, "USER") or [None])[-1], user_makers(ca, ["usermod"])
    found = []
    if makers > 0 and had:
        found.append("input already creates/changes a user")
    elif makers > 0 and ships_nonroot_user(root_image(a, len(a) - 1)):
        found.append(f"base image already ships user `{ships_nonroot_user(root_image(a, len(a) - 1))}`")
    switched = {c.value[0].split(":")[0] for c in of(ca, "USER")}
    unused = [(n, u) for n, u in users_made(ca) if n not in switched and u not in switched]
    target = new_user.value[0].split(":")[0] if new_user else None
    if users > 0 and unused and all(target not in (n, u) for n, u in unused):
        found.append(f"USER {target} instead of the user `{unused[0][0]}` the input created")
    return [("; ".join(found), show((had or [a[-1].from_cmd])[0]), show(new_user))] if found else []


def windows_content(stage):
    """A stage whose own lines are Windows': cmd's upper-case %VARIABLES% in a RUN, or drive
    paths (C:\\...) as a COPY/ADD/WORKDIR destination."""
    for c in of([stage], "RUN"):
        if re.search(r"(?<!%)%[A-Z][A-Z0-9_]+%(?!%)", run_text(c)):
            return True
    for c in of([stage], "COPY", "ADD", "WORKDIR"):
        if c.value and re.match(r"^[A-Za-z]:[\\/]", c.value[-1].strip('"')):
            return True
    return False


def windows(a, b, text_a):
    escape = re.match(r"(#.*\n)*#\s*escape\s*=\s*`", text_a, re.I)
    found = []
    for i, s in enumerate(a[: len(b)]):
        shells = {c.value[0].rsplit("\\", 1)[-1].lower().removesuffix(".exe") for c in of(chain(a, i), "SHELL")}
        if not (is_windows_image(root_image(a, i)) or escape or shells & WINDOWS_SHELLS
                or windows_content(s)):
            continue
        t = b[i]
        if t.image != s.image:
            found.append(("Windows stage FROM changed", show(s.from_cmd), show(t.from_cmd)))
        elif len(of(t, "RUN")) != len(of(s, "RUN")):
            found.append((f"Windows stage RUNs {len(of(s, 'RUN'))} -> {len(of(t, 'RUN'))}",
                          show(s.from_cmd), show((of(t, "RUN") or [t.from_cmd])[0])))
        elif len(of(t, "USER")) > len(of(s, "USER")) or len(user_makers(t)) > len(user_makers(s)):
            found.append(("user added to a Windows stage", show(s.from_cmd), show(of(t, "USER", "RUN")[-1])))
    return found


def leaves_family_or_release(a, b):
    found = []
    for i, s in enumerate(a[: len(b)]):
        t = b[i]
        if t.image == s.image:
            continue
        old, new = root_image(a, i), root_image(b, i)
        fa, fb, ra, rb = family(old), family(new), release(old), release(new)
        names = {name_of(w) for _, w in run_commands(t)}
        why = []
        # A stage that runs nothing cannot trip over another family's package names.
        if fa and fb and fa != fb and of([t], "RUN"):
            apt = [p for _, w in run_commands(t) if name_of(w) in ("apt-get", "apt") for p in installed(w)]
            if not (fa == "ubuntu" and fb == "debian" and all(p in SHARED_APT for p in apt)):
                why.append(f"family {fa} -> {fb}")
        if ra and ra != rb:
            why.append(f"release {ra} -> {rb or 'not named'}")
        if "jre" in split_ref(new)[1] and names & JAVA_BUILDERS:
            why.append(f"jre image but the stage runs {', '.join(sorted(names & JAVA_BUILDERS))}")
        if "apk" in names and fb and fb != "alpine":
            why.append(f"apk on a {fb} base")
        if names & {"apt-get", "apt"} and fb == "alpine":
            why.append("apt-get on an alpine base")
        if why:
            found.append(("; ".join(why), show(s.from_cmd), show(t.from_cmd)))
    return found


def is_static_build(stages, i):
    texts = [" ".join(c.value) for c in of(chain(stages, i), "ENV")] + [run_text(c) for c in of(chain(stages, i), "RUN")]
    return any(re.search(r"CGO_ENABLED\s*=?\s*0", t) for t in texts)


def java_major(image):
    """`openjdk:8-jdk` -> 8, `eclipse-temurin:17-jre` -> 17, `maven:3-eclipse-temurin-21` -> 21."""
    name, tag = split_ref(image)[0], split_ref(image)[1] or ""
    m = re.search(r"(?:temurin-|jdk-?|openjdk-|corretto-)(\d+)", tag) or re.match(r"(\d+)", tag)
    return m.group(1) if m and name in ("openjdk", "eclipse-temurin", "amazoncorretto", "maven", "gradle") else None


def jvm_only(stages, i, b_img, r_img):
    """A Java build (a Java build tool runs, no C compiler) whose runtime is the JRE image of the
    same Java version: what it copies is bytecode, which no C library decides."""
    if split_ref(r_img)[0] != "eclipse-temurin" or "jre" not in (split_ref(r_img)[1] or ""):
        return False
    runs = " ".join(run_text(c) for c in of(chain(stages, i), "RUN"))
    words = set(re.findall(r"[\w./-]+", runs))
    java = any(w.split("/")[-1] in JAVA_BUILDERS for w in words)
    native = any(w in ("gcc", "g++", "cc", "make", "cmake", "clang") for w in words)
    return java and not native and java_major(b_img) is not None and java_major(b_img) == java_major(r_img)


def runtime_libc(a, b):
    found = []
    for t in b[len(a):]:  # the stages a multi-stage split added
        for c in of(t, "COPY"):
            src = [f.split("=", 1)[1].lower() for f in c.flags if f.startswith("--from=")]
            build = [s for s in b[: t.index] if src and src[0] in (s.name, str(s.index))]
            if not build:
                continue
            b_img, r_img = root_image(b, build[0].index), root_image(b, t.index)
            if b_img == r_img:
                break  # the same image: the same C library, whatever its release
            r_name = split_ref(r_img)[0]
            if (r_name == "scratch" or r_name.startswith("gcr.io/distroless/static")) \
                    and is_static_build(b, build[0].index):
                break
            if jvm_only(b, build[0].index, b_img, r_img):
                break  # bytecode on a JRE of the same Java version: no C library involved
            b_rel = release(b_img) or official_releases().get(split_ref(b_img))
            if b_rel is None or family(b_img) != family(r_img) or b_rel != release(r_img):
                found.append((f"build `{b_img}` ({family(b_img)}/{b_rel or 'release unknown'}) -> runtime "
                              f"`{r_img}` ({family(r_img)}/{release(r_img)})", show(build[0].from_cmd), show(c)))
            break
    return found


def compile_signs(stage):
    """What in a stage installs or runs a compiler or build tool."""
    signs = []
    for _, words in run_commands(stage):
        for p in installed(words):
            if p in COMPILER_PKGS or re.fullmatch(r"(gcc|g\+\+|clang)-\d+", p) or p.endswith(("-dev", "-devel")):
                signs.append(f"installs {p}")
        name = name_of(words)
        if name in COMPILERS:
            signs.append(f"runs {name}")
        if name.startswith("python") and "setup.py" in words and set(words) & {"build", "install", "bdist_wheel"}:
            signs.append("runs setup.py")
        if (name.startswith("pip") or words[1:3] == ["-m", "pip"]) and "install" in words:
            args = words[words.index("install") + 1:]
            signs += [f"pip installs {w}" for w in args if re.split(r"[<>=!~\[;]", w.lower())[0] in NO_WHEEL_PIP]
    return list(dict.fromkeys(signs))


def gcc_installs(stages, bare):
    """RUNs with an apt install of gcc without libc headers or g++ (and --no-install-recommends if bare)."""
    out = []
    for c, words in run_commands(stages):
        pkgs = installed(words) if name_of(words) in ("apt-get", "apt") else []
        unversioned = {re.sub(r"-\d+$", "", p) for p in pkgs}
        if any(re.fullmatch(r"gcc(-\d+)?", p) for p in pkgs) and not unversioned & GCC_COMPANIONS \
                and (not bare or "--no-install-recommends" in words):
            out.append(c)
    return out


def slim_under_compile(a, b):
    def slim(ref):
        return "slim" in tag_words(split_ref(ref)[1]) or family(ref) == "alpine"

    def full_language_image(ref):
        # The full tags of the language images carry compilers and headers (buildpack-deps);
        # a full `debian`/`ubuntu` has none either, so its slim twin loses nothing to build with.
        return split_ref(ref)[0].split("/")[-1] not in ("debian", "ubuntu")

    found = []
    for i, s in enumerate(a[: len(b)]):
        t = b[i]
        moved = t.image != s.image and slim(t.image) and not slim(s.image) and full_language_image(s.image)
        signs = compile_signs(t) if moved else []
        if signs:
            found.append((f"slim base but the stage {', '.join(signs)}", show(s.from_cmd), show(t.from_cmd)))
    if len(gcc_installs(b, True)) > len(gcc_installs(a, True)):
        found.append(("--no-install-recommends on gcc without libc6-dev",
                      show((gcc_installs(a, False) or [None])[0]), show(gcc_installs(b, True)[-1])))
    return found


def apt_lists_after_dist_clean(a, b):
    def rm_lists(stages):
        return [c for c in of(stages, "RUN") if re.search(r"\brm\s+(-\S+\s+)*[^&;|]*/var/lib/apt/lists", run_text(c))]

    def dist_clean(c):
        return re.search(r"\bapt(-get)?\s+(-\S+\s+)*dist-clean\b", run_text(c))

    ins = [c for c in of(a, "RUN") if dist_clean(c)]
    outs = [c for c in rm_lists(b) if dist_clean(c)]
    if not ins or not outs or len(rm_lists(b)) <= len(rm_lists(a)):
        return []
    return [("rm -rf /var/lib/apt/lists added after dist-clean", show(ins[0]), show(outs[0]))]


def chown_everything(a, b, report):
    messages = " ".join(x.get("message") or "" for x in report["applied"] if x["code"] == "DO030")
    if any(w in messages for w in ("could not tell", "cannot tell", "may write in its folder")):
        return []
    plain = {c.value: c for c in of(a, "COPY", "ADD") if not any(f.startswith("--chown") for f in c.flags)}
    # A chown the input itself ran on the copied file (DO042 moves it into the COPY): not added.
    chowned = {w for r in of(a, "RUN") for part in r.value for w in part.split()
               if "chown" in " ".join(r.value)}
    for c in of(b, "COPY", "ADD"):
        if not any(f.startswith("--chown") for f in c.flags) or c.value not in plain:
            continue
        if c.value and c.value[-1] in chowned:
            continue
        words = {p for w in c.value for p in re.split(r"[^a-z0-9]+", w.lower())}
        if not words & STATE_WORDS and not any(re.search(r"\.(db|sqlite3?)$", w.lower()) for w in c.value):
            return [("--chown added to a COPY of the application", show(plain[c.value]), show(c))]
    return []


def generated(text_a, text_b):
    lines = text_a.splitlines()
    header = []
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            break
        header.append(line)
    marks = [(m, x) for x in header + lines[:10] for m in GENERATED if m in x.lower()]
    if not marks or text_a == text_b:
        return []
    return [(f"says `{marks[0][0]}` and was rewritten", marks[0][1].strip()[:150], "")]


def classify(text_a, text_b, report):
    """{class: findings} for one input/output pair."""
    a, cmds_a = parse(text_a)
    b, _ = parse(text_b)
    if not a or not b:
        return {}
    found = {
        "user-on-base-image": user_on_base_image(a, b, cmds_a),
        "second-user": second_user(a, b),
        "windows": windows(a, b, text_a),
        "leaves-family-or-release": leaves_family_or_release(a, b),
        "runtime-libc": runtime_libc(a, b),
        "slim-under-compile": slim_under_compile(a, b),
        "apt-lists-after-dist-clean": apt_lists_after_dist_clean(a, b),
        "chown-everything": chown_everything(a, b, report),
        "generated-file-rewritten": generated(text_a, text_b),
    }
    return {k: v for k, v in found.items() if v}


# --- running --------------------------------------------------------------------------------
def run_dockopt(binary, files, extra):
    """One dockopt run over many files, in chunks; returns {path: report}."""
    out = {}
    for i in range(0, len(files), 400):
        chunk = [str(f) for f in files[i:i + 400]]
        p = subprocess.run([binary, "optimize", "--format", "json", *extra, *chunk], capture_output=True, text=True)
        if p.returncode not in (0, 1, 2):
            raise SystemExit(f"dockopt exited {p.returncode}: {p.stderr[-2000:]}")
        for r in json.loads(p.stdout):
            out[r["path"]] = r
    return out


def check_mode(binary, files, unsafe):
    """{class: [(file name, findings)]} of one dockopt run with --write over copies of `files`."""
    work = Path(tempfile.mkdtemp(prefix="dockopt-trust-"))
    copies = [work / f"{n}-{f.name}" for n, f in enumerate(files)]
    for f, c in zip(files, copies):
        shutil.copyfile(f, c)
    reports = run_dockopt(binary, copies, ["--write", "--unsafe-fixes"] if unsafe else ["--write"])
    result, skipped = {k: [] for k in CLASSES}, 0
    for f, c in zip(files, copies):
        r = reports.get(str(c))
        if not r or r["error"] or not r["changed"]:
            continue
        try:
            found = classify(f.read_text(encoding="utf-8"), c.read_text(encoding="utf-8"), r)
        except Exception:  # BuildKit's parser rejects the input or the output, or not UTF-8
            skipped += 1
            continue
        for k, v in found.items():
            result[k].append((f.name, v))
    shutil.rmtree(work)
    if skipped:
        print(f"({skipped} changed files skipped: not parsed)", file=sys.stderr)
    return result


def print_report(unsafe, safe, show_n):
    print(f"{'class':28} {'unsafe':>6} {'safe':>5}")
    for k in CLASSES:
        print(f"{k:28} {len(unsafe[k]):>6} {len(safe[k]) if k in SAFE_CLASSES else '-':>5}")
    examples = [(k, "unsafe", unsafe[k]) for k in CLASSES] + [(k, "safe", safe[k]) for k in SAFE_CLASSES]
    for k, mode, found in examples if show_n else []:
        if found:
            print(f"\n== {k} ({mode}): {len(found)} files ==")
        for name, findings in found[:show_n]:
            print(f"  {name}")
            for reason, line_in, line_out in findings[:3]:
                print(f"      {reason}")
                for label, line in (("in ", line_in), ("out", line_out)):
                    if line:
                        print(f"        {label} {line}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", type=int, default=0, metavar="N", help="up to N example files per class")
    ap.add_argument("--report-only", action="store_true", help="exit 0 whatever the counts")
    ap.add_argument("--files", nargs="+", type=Path, help="check only these files")
    ap.add_argument("--binary", help="the dockopt to run (default: build the release binary)")
    args = ap.parse_args()
    binary = args.binary
    if not binary:
        try:
            binary = oracles.build_release()
        except subprocess.CalledProcessError:
            binary = str(oracles.ROOT / "target" / "release" / "dockopt")
            print(f"cargo build failed; using the existing {binary}", file=sys.stderr)
    files = args.files or oracles.corpus_files()
    print(f"files: {len(files)}")
    unsafe = check_mode(binary, files, unsafe=True)
    safe = check_mode(binary, files, unsafe=False)
    print_report(unsafe, safe, args.show)
    bad = any(unsafe[k] for k in CLASSES) or any(safe[k] for k in SAFE_CLASSES)
    sys.exit(1 if bad and not args.report_only else 0)


if __name__ == "__main__":
    main()
