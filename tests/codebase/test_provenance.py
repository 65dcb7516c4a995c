"""Every third-party file says where it comes from and under which license."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WIT_DEPS = REPO / "adapters" / "wasm" / "agent" / "wit" / "deps"


def test_every_vendored_wit_file_is_accounted_for():
    notes = (WIT_DEPS / "README.md").read_text()
    vendored = sorted(path.relative_to(WIT_DEPS).as_posix() for path in WIT_DEPS.rglob("*.wit"))
    assert vendored  # the files are where this test looks
    assert [path for path in vendored if f"`{path}`" not in notes] == []
    license_text = (WIT_DEPS / "LICENSE-Apache-2.0_WITH_LLVM-exception").read_text()
    assert "LLVM Exceptions to the Apache 2.0 License" in license_text
