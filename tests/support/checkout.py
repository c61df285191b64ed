"""A copy of the project as a user's checkout has it, for tests that change files or run make in it."""

import shutil
from pathlib import Path

from tests.support import PROJECT_ROOT


def copy_project(destination: Path) -> Path:
    """The project's files, without virtualenvs, build output or caches; file times are kept, so make sees
    tools shared with this run (uv, the virtualenv) as up to date."""
    shutil.copytree(
        PROJECT_ROOT,
        destination,
        ignore=shutil.ignore_patterns(".venv*", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "dist"),
    )
    return destination
