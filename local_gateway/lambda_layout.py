"""The folders of a Lambda execution environment for the python3.11 runtime.

The package is unzipped into the task root (Lambda's /var/task), which is read-only; the
libraries the runtime ships (boto3 and its dependencies, awslambdaric) sit outside it, in the
runtime folder (Lambda's /var/runtime). The gateway's --package mode, the bench and the package's
tests use this layout.
"""

import os
import stat
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

import awslambdaric
import boto3
import botocore
import dateutil
import jmespath
import s3transfer
import six
import urllib3

RUNTIME_LIBRARIES: tuple[ModuleType, ...] = (
    boto3,
    botocore,
    s3transfer,
    jmespath,
    dateutil,
    six,
    urllib3,
    awslambdaric,
)


def runtime_folder(folder: Path) -> Path:
    """Fill ``folder`` with links to the runtime's own libraries, installed in this virtualenv."""
    folder.mkdir(parents=True, exist_ok=True)
    for library in RUNTIME_LIBRARIES:
        source = Path(library.__file__)
        source = source.parent if source.name == "__init__.py" else source
        (folder / source.name).symlink_to(source)
    return folder


def unzip_read_only(
    package: Path,
    task_root: Path,
    replaced: Mapping[str, str | bytes] | None = None,
    leave_out: Iterable[str] = (),
) -> Path:
    """Unzip ``package`` into ``task_root`` without the files and folders named in ``leave_out``, write the
    files named in ``replaced`` (path in the package: content) over it, and take away every write permission,
    as Lambda's /var/task has none."""
    left_out = tuple(leave_out)

    def kept(name: str) -> bool:
        return not any(name == path or name.startswith(f"{path}/") for path in left_out)

    with zipfile.ZipFile(package) as archive:
        archive.extractall(task_root, [name for name in archive.namelist() if kept(name)])
    for name, content in (replaced or {}).items():
        path = task_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for folder, _, files in os.walk(task_root):
        for name in (*files, "."):
            path = Path(folder, name)
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return task_root


def make_writable(task_root: Path) -> None:
    """Give the owner write permission back, so that the folder can be removed."""
    for folder, _, files in os.walk(task_root):
        for name in (".", *files):
            path = Path(folder, name)
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
