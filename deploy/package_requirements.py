"""The Lambda package's requirements, from uv.lock: what `make package` installs into .venv-package.

``python deploy/package_requirements.py`` prints them (pinned, with hashes, as ``uv export`` writes
them). The package carries the closure of the project's dependencies (``[project]`` in
pyproject.toml), with two cuts, so that nothing has to be listed by hand when a dependency is added:

- Zappa brings its handler only. Of Zappa's own dependencies the handler imports durationpy and
  werkzeug (and boto3); the rest serve its CLI, which builds and deploys from .venv.
- The Lambda runtime provides boto3, botocore and s3transfer: a copy in the package only adds size.
"""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = PROJECT_ROOT / "uv.lock"
HANDLER_ONLY = {"zappa": {"durationpy", "werkzeug"}}
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}


def package_closure(lock: dict) -> tuple[set[str], set[str]]:
    """The names of the packages the Lambda package carries, and of every runtime dependency."""
    packages = {package["name"]: package for package in lock["package"]}
    [project] = [package for package in lock["package"] if "virtual" in package.get("source", {})]

    def walk(roots: list[str], cut: bool) -> set[str]:
        seen: set[str] = set()
        while roots:
            name = roots.pop()
            if name in seen or (cut and name in RUNTIME_PROVIDED):
                continue
            seen.add(name)
            needs = [dependency["name"] for dependency in packages[name].get("dependencies", [])]
            roots += [need for need in needs if need in HANDLER_ONLY[name]] if cut and name in HANDLER_ONLY else needs
        return seen

    roots = [dependency["name"] for dependency in project.get("dependencies", [])]
    return walk(list(roots), cut=True), walk(list(roots), cut=False)


def main() -> None:
    carried, runtime = package_closure(tomllib.loads(LOCK_FILE.read_text()))
    command = [os.environ.get("UV", "uv"), "export", "--locked", "--no-default-groups", "--no-emit-project"]
    command += ["--format", "requirements.txt", "--no-header", "--no-annotate"]
    for name in sorted(runtime - carried):
        command += ["--no-emit-package", name]
    exported = subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True, text=True)  # noqa: S603 - uv, with names from uv.lock
    sys.stdout.write(exported.stdout)


if __name__ == "__main__":
    main()
