"""Build the packages the benchmark compares: ours as `make package STAGE=prod` builds it, and what
stock Zappa makes of the same app from an ordinary virtualenv with default settings."""

import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_VENV = PROJECT_ROOT / ".venv-deploy"
# Zappa's defaults, apart from use_precompiled_packages: left on, Zappa asks PyPI for other
# wheels of the virtualenv's compiled packages, which it already holds as manylinux wheels.
STOCK_SETTINGS = {
    "app_function": "app.app",
    "project_name": "loopback",
    "runtime": "python3.11",
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


def zappa_package(zappa: list[str], stage: str, project: Path, output: Path) -> Path:
    """Run ``zappa package STAGE`` in ``project`` with the deploy-only virtualenv, as `make package` does."""
    environment = {**os.environ, "VIRTUAL_ENV": str(DEPLOY_VENV)}
    result = subprocess.run(
        [*zappa, "package", stage, "-o", str(output)], cwd=project, env=environment, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"zappa package {stage} failed:\n{result.stdout}{result.stderr}")
    return output


def build_prod(zappa: list[str], work: Path) -> Path:
    """The prod package, built exactly as `make package STAGE=prod` builds it."""
    package = zappa_package(zappa, "prod", PROJECT_ROOT, work / "loopback-prod.zip")
    subprocess.run(
        [str(DEPLOY_VENV / "bin" / "python"), str(PROJECT_ROOT / "deploy" / "bytecode.py"), str(package)],
        check=True,
        capture_output=True,
    )
    return package


def build_stock(zappa: list[str], work: Path) -> Path:
    """The same app packaged by stock Zappa: a checkout holding only the app and a default settings file."""
    project = work / "stock-project"
    shutil.copytree(PROJECT_ROOT / "app", project / "app", ignore=shutil.ignore_patterns("__pycache__"))
    (project / "zappa_settings.json").write_text(json.dumps({"stock": STOCK_SETTINGS}, indent=4))
    return zappa_package(zappa, "stock", project, work / "loopback-stock.zip")
