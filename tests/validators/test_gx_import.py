"""GX is imported without the modules it loads only for expectations we never run (scipy.stats, altair)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from validators.gx import import_gx
import_gx()
print("scipy.stats._stats_py" in sys.modules, "altair.vegalite" in sys.modules)
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
print(kl.stats.entropy([0.5, 0.5], [0.5, 0.5]) == 0, kl.alt.Chart.__name__)
import scipy.stats
print(scipy.stats.entropy is kl.stats.entropy, type(sys.modules["scipy.stats"]).__name__)
"""


def test_deferred_modules_load_on_first_use_and_are_then_the_real_ones():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    ).stdout.split()
    assert out == ["False", "False", "True", "Chart", "True", "module"]
