"""Build the packages the benchmark compares: ours as `make package STAGE=prod` builds it, and what
stock Zappa makes of the same app from an ordinary virtualenv (the app's dependencies) with default settings."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_VENV = PROJECT_ROOT / ".venv-package"
UV = os.environ.get("UV") or str(PROJECT_ROOT / ".venv-uv" / "bin" / "uv")
# Zappa's defaults, apart from use_precompiled_packages: left on, Zappa asks PyPI for other
# wheels of the virtualenv's compiled packages, which it already holds as manylinux wheels.
STOCK_SETTINGS = {
    "app_function": "app.wsgi.app",
    "project_name": "loopback",
    "runtime": "python3.13",
    "aws_region": "ap-northeast-2",
    "s3_bucket": "loopback-stock",
    "use_precompiled_packages": False,
}


@dataclass(frozen=True)
class PackageSize:
    zipped_bytes: int
    unzipped_bytes: int
    files: int


def package_size(package: Path) -> PackageSize:
    with zipfile.ZipFile(package) as archive:
        entries = archive.infolist()
    return PackageSize(package.stat().st_size, sum(entry.file_size for entry in entries), len(entries))


def zappa_package(zappa: list[str], stage: str, project: Path, output: Path, venv: Path) -> Path:
    """Run ``zappa package STAGE`` in ``project``, packaging the virtualenv ``venv``."""
    environment = {**os.environ, "VIRTUAL_ENV": str(venv)}
    result = subprocess.run(
        [*zappa, "package", stage, "-o", str(output)], cwd=project, env=environment, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"zappa package {stage} failed:\n{result.stdout}{result.stderr}")
    return output


def build_prod(zappa: list[str], work: Path) -> Path:
    """The prod package, built exactly as `make package STAGE=prod` builds it."""
    package = zappa_package(zappa, "prod", PROJECT_ROOT, work / "loopback-prod.zip", PACKAGE_VENV)
    subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "deploy" / "bytecode.py"), str(package)],
        check=True,
        capture_output=True,
    )
    return package


def build_stock(zappa: list[str], work: Path) -> Path:
    """The same app packaged by stock Zappa: a checkout holding only the app and a default settings file."""
    project = work / "stock-project"
    shutil.copytree(PROJECT_ROOT / "app", project / "app", ignore=shutil.ignore_patterns("__pycache__"))
    (project / "zappa_settings.json").write_text(json.dumps({"stock": STOCK_SETTINGS}, indent=4))
    # What a user of stock Zappa packages: a virtualenv with the app's dependencies, from uv's cache.
    venv = work / "stock-venv"
    subprocess.run(
        [UV, "sync", "--locked", "--offline", "--quiet", "--no-default-groups", "--python", sys.executable],
        cwd=PROJECT_ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)},
        check=True,
    )
    return zappa_package(zappa, "stock", project, work / "loopback-stock.zip", venv)
