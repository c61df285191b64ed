"""Installs tests/offline.py in every Python process started with this folder on PYTHONPATH:
the local gateway and each Lambda worker process it spawns."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("offline", Path(__file__).parent.parent / "offline.py")
_offline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_offline)
_offline.install()
