"""The package builds without setuptools warnings and ships every file the app serves (templates, static files,
vendored licences), so `pip install .` gives a working dashboard and GraphiQL."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_builds_quietly_with_every_served_file(tmp_path: Path) -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    source = tmp_path / "source"
    for name in tracked.splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    # pip's own notes about this machine's package indexes are not the build's
    output = [line for line in (built.stdout + built.stderr).splitlines() if not line.startswith("WARNING: Location")]
    warnings = [line.strip() for line in output if "Warning" in line or "deprecated" in line.lower()]
    assert warnings == []
    wheel = next((tmp_path / "dist").glob("customer_twin-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for served in ("api/dashboard/templates/base.html", "api/dashboard/static/dashboard.js",
                   "api/dashboard/static/vendor/echarts/LICENSE", "api/dashboard/static/vendor/echarts/NOTICE",
                   "api/graphiql/page.html", "api/graphiql/static/graphiql-start.js",
                   "api/graphiql/static/vendor/graphiql/graphiql.min.js",
                   "api/graphiql/static/vendor/graphiql/LICENSE", "api/graphiql/static/vendor/react/LICENSE",
                   "cypher/friction-to-competitors.cypher", "cypher/internal/ingest-batch.cypher",
                   "cypher/fragments/link-identities.cypher", "api/schema.graphql", "graph/py.typed"):
        assert served in names, f"{served} is not in the wheel"
