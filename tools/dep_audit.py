"""Run pip-audit over the installed environment for `make lint`.

A known vulnerability fails the run unless its id is listed, with the reason, in
tools/pip_audit_ignore.txt ("ID  reason" per line). pip-audit needs the vulnerability database
from the package index: when it cannot be reached (a closed network), this says so and does not
fail, unless DEP_AUDIT_STRICT=1."""

import json
import os
import subprocess  # runs pip-audit with fixed arguments  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = ROOT / "tools" / "pip_audit_ignore.txt"


def ignored() -> list[str]:
    if not IGNORE.exists():
        return []
    ids = []
    for line in IGNORE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.append(line.split()[0])
    return ids


def main() -> int:
    exe = Path(sys.executable).with_name("pip-audit")
    cmd = [str(exe), "--local", "--format", "json", "--progress-spinner", "off"]
    for vuln in ignored():
        cmd += ["--ignore-vuln", vuln]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)  # noqa: S603 - fixed arguments  # nosec B603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print("pip-audit could not run (no access to the vulnerability database?):")
        print(result.stderr.strip()[-800:])
        return 1 if os.environ.get("DEP_AUDIT_STRICT") == "1" else 0
    found = [
        (d["name"], d["version"], v["id"], v.get("fix_versions"))
        for d in report["dependencies"]
        for v in d.get("vulns", [])
    ]
    for name, version, vid, fixes in found:
        print(f"VULNERABLE {name} {version}: {vid} (fixed in {', '.join(fixes) or 'no release yet'})")
    if found:
        print("Upgrade, or explain the finding in tools/pip_audit_ignore.txt.")
        return 1
    print(f"pip-audit: no known vulnerabilities in {len(report['dependencies'])} packages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
