import json
from pathlib import Path

import pytest
from django.core.management import call_command

CASES = Path(__file__).parent / "cases"


@pytest.fixture
def run_command(tmp_path):
    """Run import_contacts --json; returns (exit status, parsed report)."""

    def run(path: Path, *args: str) -> tuple[int, dict]:
        out = tmp_path / "out.json"
        status = 0
        with open(out, "w") as stdout:
            try:
                call_command(
                    "import_contacts", str(path), "--json", *args, stdout=stdout
                )
            except SystemExit as exit_:
                status = exit_.code
        return status, json.loads(out.read_text())

    return run


@pytest.fixture
def write_csv(tmp_path):
    def write(content: str | bytes, name: str = "contacts.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)
        return path

    return write
