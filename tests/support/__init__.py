"""What the tests of every part share: real servers, Zappa's CLI and handler, the emulator, events, the guard."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
