"""What the tests of every part share: real servers, Zappa's CLI and handler, the emulator, events, the guard."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
# The project's Python, "3.13": the Lambda runtime it deploys to is python3.13.
PYTHON_VERSION = (PROJECT_ROOT / ".python-version").read_text().strip()
