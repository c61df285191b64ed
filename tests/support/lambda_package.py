"""A built Lambda package and the events a stage's API sends it; tests/support/cold_start.py runs it as Lambda does."""

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import PROJECT_ROOT
from tests.support.deploy_tools import build_package
from tests.support.events import load_event


@dataclass(frozen=True)
class Package:
    stage: str
    zip_path: Path
    names: tuple[str, ...]

    @property
    def top_level(self) -> set[str]:
        return {name.split("/", 1)[0] for name in self.names}

    @property
    def unzipped_bytes(self) -> int:
        with zipfile.ZipFile(self.zip_path) as archive:
            return sum(info.file_size for info in archive.infolist())

    def read(self, name: str) -> str:
        with zipfile.ZipFile(self.zip_path) as archive:
            return archive.read(name).decode()


_built: dict[str, Package] = {}


def built_package(stage: str, work: Path) -> Package:
    """``stage``'s package as `make package` builds it, built once per test session (in ``work`` the first time)."""
    if stage not in _built:
        zip_path = work / f"loopback-{stage}.zip"
        build_package(stage, zip_path, cwd=PROJECT_ROOT, home=work)
        with zipfile.ZipFile(zip_path) as archive:
            assert archive.testzip() is None
            _built[stage] = Package(stage, zip_path, tuple(archive.namelist()))
    return _built[stage]


def event_for_stage(name: str, stage: str) -> dict[str, Any]:
    """A stored event as the stage's API would send it: the stage in requestContext and in the path."""
    event = load_event(name)
    context = event["requestContext"]
    old = context["stage"]
    context["stage"] = stage
    for holder, key in ((context, "path"), (event, "rawPath"), (context.get("http", {}), "path")):
        if key in holder and holder[key].startswith(f"/{old}/"):
            holder[key] = f"/{stage}/" + holder[key][len(old) + 2 :]
    return event
