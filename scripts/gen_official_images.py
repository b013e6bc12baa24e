#!/usr/bin/env python3
"""Generate src/facts/official_images.tsv from a git mirror of
docker-library/official-images.

Usage:
    gen_official_images.py OFFICIAL_IMAGES_GIT_DIR [-o OUT.tsv] [--date YYYY-MM-DD]

For every image in IMAGES the script walks the first-parent history of the
mirror's HEAD (the states of master, i.e. what was actually built), parses
every version of `library/<image>` and remembers, per tag, the entry the tag
pointed at the LAST time it appeared. Tags of versions that reached end of
life are therefore still described by their final build.

The base OS of an entry is derived only from words in its `Directory:` path,
its `Tags:`/`SharedTags:` and its `Constraints:`/`Architectures:` fields (the
image repositories themselves, and thus the Dockerfile FROM lines, are not
consulted). When those words do not name the OS, the family is `unknown`;
when they name the OS but not its release, the release is left empty.

Standard library only.
"""

import argparse
import datetime
import re
import subprocess
import sys
from collections import defaultdict

SOURCE_REPO = "https://github.com/docker-library/official-images"

IMAGES = [
    "debian", "ubuntu", "alpine", "python", "node", "golang", "rust", "gcc",
    "ruby", "perl", "php", "openjdk", "eclipse-temurin", "amazoncorretto",
    "maven", "gradle", "buildpack-deps", "nginx", "httpd", "tomcat", "elixir",
    "erlang", "haskell", "julia", "pypy", "clojure", "swift", "dart", "mono",
    "composer", "bash", "busybox",
]

# Images whose own family is fixed whatever the words say.
IMAGE_FAMILY = {
    "debian": "debian",
    "ubuntu": "ubuntu",
    "alpine": "alpine",
    "busybox": "busybox",
}

MAX_ROWS = 15000

# Debian release code names (Debian 1.1 .. 15) and the numbers that go with
# them (used for paths such as `debian/12`). Suite names (stable, testing,
# oldstable, ...) are deliberately absent: their code name moves over time.
DEBIAN_CODENAMES = [
    "buzz", "rex", "bo", "hamm", "slink", "potato", "woody", "sarge", "etch",
    "lenny", "squeeze", "wheezy", "jessie", "stretch", "buster", "bullseye",
    "bookworm", "trixie", "forky", "duke", "sid",
]
DEBIAN_NUMBERS = {
    "4": "etch", "5": "lenny", "6": "squeeze", "7": "wheezy", "8": "jessie",
    "9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm",
    "13": "trixie", "14": "forky", "15": "duke",
}
# Ubuntu code names (first word). More are learnt from the history of
# library/ubuntu (entries that carry both `NN.NN` and a code name).
UBUNTU_CODENAMES = [
    "warty", "hoary", "breezy", "dapper", "edgy", "feisty", "gutsy", "hardy",
    "intrepid", "jaunty", "karmic", "lucid", "maverick", "natty", "oneiric",
    "precise", "quantal", "raring", "saucy", "trusty", "utopic", "vivid",
    "wily", "xenial", "yakkety", "zesty", "artful", "bionic", "cosmic",
    "disco", "eoan", "focal", "groovy", "hirsute", "impish", "jammy",
    "kinetic", "lunar", "mantic", "noble", "oracular", "plucky", "questing",
    "resolute",
]
UBUNTU_NUMBERS = {
    "10.04": "lucid", "12.04": "precise", "12.10": "quantal", "13.04": "raring",
    "13.10": "saucy", "14.04": "trusty", "14.10": "utopic", "15.04": "vivid",
    "15.10": "wily", "16.04": "xenial", "16.10": "yakkety", "17.04": "zesty",
    "17.10": "artful", "18.04": "bionic", "18.10": "cosmic", "19.04": "disco",
    "19.10": "eoan", "20.04": "focal", "20.10": "groovy", "21.04": "hirsute",
    "21.10": "impish", "22.04": "jammy", "22.10": "kinetic", "23.04": "lunar",
    "23.10": "mantic", "24.04": "noble", "24.10": "oracular", "25.04": "plucky",
    "25.10": "questing", "26.04": "resolute",
}
UBUNTU_NON_CODENAME_TAGS = {"latest", "rolling", "devel", "lts"}

WINDOWS_WORDS = {"windows", "windowsservercore", "nanoserver", "servercore"}
WINDOWS_RELEASE_RE = re.compile(r"^(ltsc\d{4}|1[5-9]0[39]|2[0-9]h[12]|20[0-9]{2})$")

LIBC = {"debian": "glibc", "ubuntu": "glibc", "rhel": "glibc", "alpine": "musl"}

TOKEN_SPLIT_RE = re.compile(r"[/\-_,:\s]+")


class Git:
    """Minimal access to a bare git directory through `git cat-file --batch`."""

    def __init__(self, git_dir):
        self.git_dir = git_dir
        self.proc = subprocess.Popen(
            ["git", "--git-dir", git_dir, "cat-file", "--batch"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, *args):
        out = subprocess.run(["git", "--git-dir", self.git_dir] + list(args),
                             check=True, stdout=subprocess.PIPE)
        return out.stdout.decode("utf-8", "replace")

    def read(self, spec):
        """Return (object id, text) for `spec`, or (None, None) if missing."""
        self.proc.stdin.write(spec.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().decode().split()
        if len(header) < 3 or header[1] == "missing":
            return None, None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # trailing newline
        return header[0], data.decode("utf-8", "replace")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


# ---------------------------------------------------------------------------
# Parsing library/<image> files (three historical formats).
# ---------------------------------------------------------------------------

class Entry:
    __slots__ = ("tags", "shared", "directory", "arches", "constraints", "extra")

    def __init__(self):
        self.tags = []
        self.shared = []
        self.directory = ""
        self.arches = []
        self.constraints = []
        self.extra = []  # further words (old-format branch names)


def split_list(value):
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_rfc2822(text):
    """Current format: paragraphs of `Key: value` lines, first one global."""
    paragraphs, cur, last_key = [], {}, None
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if cur:
                paragraphs.append(cur)
            cur, last_key = {}, None
            continue
        if raw[0] in " \t" and last_key:
            cur[last_key] += " " + raw.strip()
            continue
        key, sep, value = raw.partition(":")
        if not sep:
            continue
        last_key = key.strip().lower()
        cur[last_key] = value.strip()
    if cur:
        paragraphs.append(cur)
    if not paragraphs:
        return []
    glob = paragraphs[0] if not ("tags" in paragraphs[0] or "sharedtags" in paragraphs[0]) else {}
    entries = []
    for para in paragraphs:
        if "tags" not in para and "sharedtags" not in para:
            continue
        fields = dict(glob)
        fields.update(para)
        e = Entry()
        e.tags = split_list(para.get("tags", ""))
        e.shared = split_list(para.get("sharedtags", ""))
        e.arches = split_list(fields.get("architectures", "amd64"))
        e.constraints = split_list(fields.get("constraints", ""))
        if "directory" in para:
            e.directory = para["directory"]
        else:
            arch_dirs = {k[:-len("-directory")]: v for k, v in para.items()
                         if k.endswith("-directory")}
            for pref in ("amd64", "windows-amd64"):
                if pref in arch_dirs:
                    e.directory = arch_dirs[pref]
                    break
            else:
                if arch_dirs:
                    e.directory = arch_dirs[sorted(arch_dirs)[0]]
                else:
                    e.directory = fields.get("directory", "")
        entries.append(e)
    return entries


def parse_line_format(text):
    """Formats of 2013-2016: one tag per line.

    `tag<ws>url[<ws>B:branch|C:commit|dir]`  (2013)
    `tag: url@commit [dir]`                 (2014-2016)
    Lines that share url/commit/dir describe the same image: one entry.
    """
    groups = {}
    order = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        tag = parts[0].rstrip(":")
        url = parts[1]
        rest = tuple(parts[2:])
        key = (url, rest)
        if key not in groups:
            e = Entry()
            for r in rest:
                if r.startswith("B:"):
                    e.extra.append(r[2:])
                elif r.startswith("C:"):
                    continue
                elif not e.directory:
                    e.directory = r
            groups[key] = e
            order.append(key)
        groups[key].tags.append(tag)
    return [groups[k] for k in order]


def parse_library(text):
    if re.search(r"^(Tags|SharedTags):", text, re.M):
        return parse_rfc2822(text)
    return parse_line_format(text)


# ---------------------------------------------------------------------------
# OS detection from words.
# ---------------------------------------------------------------------------

def tokens(s):
    return [t for t in TOKEN_SPLIT_RE.split(s.lower()) if t]


class Vocabulary:
    def __init__(self):
        self.debian = set(DEBIAN_CODENAMES)
        self.debian_num = dict(DEBIAN_NUMBERS)
        self.ubuntu = set(UBUNTU_CODENAMES)
        self.ubuntu_num = dict(UBUNTU_NUMBERS)

    def learn_ubuntu(self, entries):
        """Learn code names (and their numbers) from a library/ubuntu file."""
        for e in entries:
            words = [t for t in e.tags + e.shared
                     if re.fullmatch(r"[a-z]+", t) and t not in UBUNTU_NON_CODENAME_TAGS]
            nums = [t for t in e.tags + e.shared if re.fullmatch(r"\d\d\.\d\d", t)]
            if len(set(words)) == 1:
                name = words[0]
                self.ubuntu.add(name)
                if len(set(nums)) == 1:
                    self.ubuntu_num.setdefault(nums[0], name)


def observe(toks, vocab):
    """Return a list of (family, release) read from a token sequence."""
    obs = []
    n = len(toks)
    for i, t in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < n else ""
        m = None
        if t in vocab.debian:
            obs.append(("debian", t))
        elif t == "debian":
            obs.append(("debian", vocab.debian_num.get(nxt, "")))
        elif t in vocab.ubuntu:
            obs.append(("ubuntu", t))
        elif t == "ubuntu":
            obs.append(("ubuntu", vocab.ubuntu_num.get(nxt, "")))
        elif (m := re.fullmatch(r"alpine(\d+\.\d+)", t)):
            obs.append(("alpine", m.group(1)))
        elif t == "alpine":
            mm = re.fullmatch(r"(\d+\.\d+)(?:\.\d+)?", nxt)
            obs.append(("alpine", mm.group(1) if mm else ""))
        elif (m := re.fullmatch(r"oraclelinux(\d+)", t)):
            obs.append(("rhel", m.group(1)))
        elif t == "oraclelinux":
            obs.append(("rhel", nxt if nxt.isdigit() else ""))
        elif (m := re.fullmatch(r"ubi(\d+)", t)):
            obs.append(("rhel", m.group(1)))
        elif t in ("ubi", "rhel"):
            obs.append(("rhel", nxt if nxt.isdigit() else ""))
        elif (m := re.fullmatch(r"(?:al|amazonlinux)(2|2022|2023)", t)):
            obs.append(("rhel", "al" + m.group(1)))
        elif t == "amazonlinux":
            obs.append(("rhel", "al" + nxt if nxt in ("1", "2", "2022", "2023") else ""))
        elif (m := re.fullmatch(r"(?:centos|rockylinux|almalinux)(\d+)", t)):
            obs.append(("rhel", m.group(1)))
        elif t in ("centos", "rockylinux", "almalinux"):
            obs.append(("rhel", nxt if nxt.isdigit() else ""))
        elif (m := re.fullmatch(r"fedora(\d+)", t)):
            obs.append(("rhel", "fedora" + m.group(1)))
        elif t == "fedora":
            obs.append(("rhel", "fedora" + nxt if nxt.isdigit() else ""))
        elif t in WINDOWS_WORDS:
            obs.append(("windows", nxt if WINDOWS_RELEASE_RE.match(nxt) else ""))
        elif re.fullmatch(r"ltsc\d{4}", t):
            obs.append(("windows", t))
    return obs


def merge(obs, warn, what):
    """Combine (family, release) observations; never pick between conflicts."""
    fams = {f for f, _ in obs}
    if not fams:
        return "unknown", ""
    if len(fams) > 1:
        warn("conflicting families %s for %s" % (sorted(fams), what))
        return "unknown", ""
    fam = fams.pop()
    rels = {r for _, r in obs if r}
    if len(rels) > 1:
        warn("conflicting %s releases %s for %s" % (fam, sorted(rels), what))
        return fam, ""
    return fam, (rels.pop() if rels else "")


def classify(image, e, vocab, warn):
    """Return (family, release, libc) for one entry."""
    dir_toks = tokens(e.directory)
    tag_toks = []
    for t in e.tags + e.shared + e.extra:
        tag_toks.append(tokens(t))
    all_tag_words = {w for ts in tag_toks for w in ts}
    what = "%s %s (%s)" % (image, (e.tags or e.shared)[:1], e.directory)

    is_windows = (
        (e.arches and all(a.startswith("windows-") for a in e.arches))
        or any(re.match(r"(windowsservercore|nanoserver)", c) for c in e.constraints)
        or bool(WINDOWS_WORDS & (set(dir_toks) | all_tag_words))
    )

    if image == "busybox":
        words = set(dir_toks) | all_tag_words
        libcs = [l for l in ("glibc", "musl") if l in words]
        return "busybox", "", (libcs[0] if len(libcs) == 1 else "")

    obs = observe(dir_toks, vocab)
    for ts in tag_toks:
        obs += observe(ts, vocab)

    if is_windows:
        for c in e.constraints:
            obs += observe(tokens(c), vocab)
        rels = {r for f, r in obs if f == "windows" and r}
        return "windows", (rels.pop() if len(rels) == 1 else ""), ""

    obs = [o for o in obs if o[0] != "windows"]
    fixed = IMAGE_FAMILY.get(image)
    if fixed:
        obs = [o for o in obs if o[0] == fixed] or [(fixed, "")]

    if image == "alpine":
        vers = {m.group(1) for t in e.tags + e.shared
                for m in [re.fullmatch(r"(\d+\.\d+)(?:\.\d+)*", t)] if m}
        if "edge" in e.tags + e.shared:
            vers.add("edge")
        if len(vers) > 1:
            warn("several alpine versions in one entry: %s" % what)
        rel = vers.pop() if len(vers) == 1 else ""
        return "alpine", rel, "musl"

    if image == "debian" and "unstable" in all_tag_words | set(dir_toks):
        obs.append(("debian", "sid"))

    fam, rel = merge(obs, warn, what)
    return fam, rel, LIBC.get(fam, "")


def combine(results, warn, what):
    """Resolution of a tag that several entries share (SharedTags)."""
    linux = [r for r in results if r[0] != "windows"]
    pool = linux or results
    if len(set(pool)) == 1:
        return pool[0]
    fams = {r[0] for r in pool}
    if len(fams) == 1:
        libcs = {r[2] for r in pool}
        return (pool[0][0], "", libcs.pop() if len(libcs) == 1 else "")
    warn("shared tag spans families %s: %s" % (sorted(fams), what))
    return ("unknown", "", "")


def resolve_file(image, text, vocab, warn):
    """Map every tag of one version of library/<image> to (family, release, libc)."""
    entries = parse_library(text)
    direct, shared = {}, defaultdict(list)
    for e in entries:
        res = classify(image, e, vocab, warn)
        for t in e.tags:
            direct[t] = res
        for t in e.shared:
            shared[t].append(res)
    out = dict(direct)
    for t, rs in shared.items():
        if t not in out:
            out[t] = combine(rs, warn, "%s:%s" % (image, t))
    return out, entries


# ---------------------------------------------------------------------------

PATCH_TOKEN_RE = re.compile(r"^(\d+\.\d+\.\d+|\d+u\d+)")
PRERELEASE_TOKEN_RE = re.compile(r"^\d+(\.\d+)*(a|b|rc|alpha|beta)\d+$")
DATE_TOKEN_RE = re.compile(r"^(19|20)\d{6}(\.\d+)?$")


def has_patch_version(tag):
    """True when a tag pins a full patch version (1.25.4, 3.12.7, 8u402...)."""
    return any(PATCH_TOKEN_RE.match(t) for t in re.split(r"[-_]", tag))


def has_build_pin(tag):
    """True when a tag pins one build: an early-access build (`27-ea-13`),
    a dated snapshot (`bookworm-20240904`, `tip-20250912`) or a pre-release
    (`1.13rc1`, `1.5beta3`)."""
    toks = re.split(r"[-_]", tag)
    if re.search(r"(^|-)ea-\d+(-|$)", tag):
        return True
    return any(DATE_TOKEN_RE.match(t) or PRERELEASE_TOKEN_RE.match(t) for t in toks)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("git_dir", help="git directory of docker-library/official-images")
    ap.add_argument("-o", "--output", default="src/facts/official_images.tsv")
    ap.add_argument("--date", default=datetime.date.today().isoformat(),
                    help="generation date written in the header")
    ap.add_argument("--quiet", action="store_true", help="do not print warnings")
    args = ap.parse_args()

    git = Git(args.git_dir)
    head = git.run("rev-parse", "HEAD").strip()
    head_date = git.run("show", "-s", "--format=%cI", head).strip()
    shallow = git.run("rev-parse", "--is-shallow-repository").strip() == "true"

    warnings = set()

    def warn(msg):
        warnings.add(msg)

    vocab = Vocabulary()
    # Learn Ubuntu code names first (all versions of library/ubuntu).
    history = {}
    for image in ["ubuntu"] + [i for i in IMAGES if i != "ubuntu"]:
        commits = git.run("rev-list", "--first-parent", "--reverse", head,
                          "--", "library/" + image).split()
        versions, seen = [], set()
        for c in commits:
            oid, text = git.read("%s:library/%s" % (c, image))
            if oid is None or oid in seen:
                continue
            seen.add(oid)
            versions.append((c, text))
        history[image] = versions
        if image == "ubuntu":
            for _, text in versions:
                vocab.learn_ubuntu(parse_library(text))

    rows = {}
    current = defaultdict(set)
    for image in IMAGES:
        last = {}
        for c, text in history[image]:
            mapping, _ = resolve_file(image, text, vocab, warn)
            for tag, res in mapping.items():
                last[tag] = res
        head_oid, head_text = git.read("%s:library/%s" % (head, image))
        if head_text is not None:
            current[image] = set(resolve_file(image, head_text, vocab, warn)[0])
        for tag, res in last.items():
            rows[(image, tag)] = res
    git.close()

    total = len(rows)
    notes = []
    if len(rows) > MAX_ROWS:
        before = len(rows)
        rows = {k: v for k, v in rows.items() if not has_patch_version(k[1])}
        notes.append("dropped %d tags pinning a full patch version (a component like "
                     "1.25.4, 3.12.7, 8u402)" % (before - len(rows)))
    if len(rows) > MAX_ROWS:
        before = len(rows)
        rows = {k: v for k, v in rows.items() if not has_build_pin(k[1])}
        notes.append("then dropped %d tags pinning a single build (27-ea-13, "
                     "bookworm-20240904, 1.13rc1)" % (before - len(rows)))

    per_image = defaultdict(int)
    for (image, _tag) in rows:
        per_image[image] += 1

    lines = [
        "# Base OS of Docker Hub official images, per (image, tag).",
        "# source: %s (library/<image> files)" % SOURCE_REPO,
        "# commit: %s (%s)" % (head, head_date),
        "# generated: %s by scripts/gen_official_images.py" % args.date,
        "# history: %s; each tag is described by its LAST appearance on the "
        "first-parent history of master up to that commit (retired tags keep their final build)"
        % ("shallow mirror, newest file only" if shallow else "full git history"),
        "# columns: image<TAB>tag<TAB>family<TAB>release<TAB>libc",
        "#   family: debian | ubuntu | alpine | rhel (oraclelinux, ubi, amazonlinux, centos, fedora) "
        "| windows | busybox | unknown",
        "#   release: debian/ubuntu code name (bookworm, noble), alpine x.y (3.20), rhel major "
        "(oraclelinux9/ubi9 -> 9; amazonlinux -> al2/al2023), windows ltscNNNN or NNNN; empty when "
        "the words do not name it",
        "#   libc: glibc | musl | empty (unknown, windows, busybox uclibc)",
        "# derivation: only words of Directory:, Tags:/SharedTags:, Constraints: and Architectures: "
        "(no Dockerfile was read); a SharedTags tag that covers Linux and Windows entries is "
        "described by its Linux entries; busybox libc is read from the amd64 directory",
        "# images: %s" % " ".join(IMAGES),
    ]
    if notes:
        lines.append("# size: %d tags seen in history; to stay near %d rows: %s; major, "
                     "major.minor and named tags are all kept" % (total, MAX_ROWS, "; ".join(notes)))
    lines.append("# rows: %d" % len(rows))
    for (image, tag) in sorted(rows):
        fam, rel, libc = rows[(image, tag)]
        lines.append("\t".join([image, tag, fam, rel, libc]))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    if not args.quiet:
        for w in sorted(warnings):
            print("warning:", w, file=sys.stderr)
    print("commit %s (%s); %d tags in history, %d rows written to %s"
          % (head, head_date, total, len(rows), args.output), file=sys.stderr)
    for image in IMAGES:
        print("  %-16s %6d rows (%d tags in newest file)"
              % (image, per_image[image], len(current[image])), file=sys.stderr)


if __name__ == "__main__":
    main()
