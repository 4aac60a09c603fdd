"""Importing the integration packages imports no framework: only the names do."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import runyard
import runyard.integration.transformers as hf
import runyard.integration.accelerate as acc
assert "transformers" not in sys.modules and "accelerate" not in sys.modules
assert "torch" not in sys.modules
assert sorted(dir(hf)) == sorted(set(dir(hf)) | {"RunyardCallback"})
callback, tracker = hf.RunyardCallback, acc.RunyardTracker
import transformers, accelerate.tracking
assert issubclass(callback, transformers.TrainerCallback)
assert issubclass(tracker, accelerate.tracking.GeneralTracker) and tracker.name == "runyard"
try:
    hf.Nope
except AttributeError as exc:
    assert "has no attribute 'Nope'" in str(exc)
else:
    raise AssertionError("no AttributeError")
"""


def test_packages_import_their_framework_only_when_a_name_is_used() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
