"""One committed import in a process of its own, so that its peak memory is its own:
``python -m bench.imports.child <kind> <file> [--profile out.prof]`` prints a JSON line.

The parent sets GEOGOV_DATABASE_URL to the scratch database.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind")
    parser.add_argument("path")
    parser.add_argument("--profile", help="write cProfile statistics here")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_governance.settings")
    import django

    django.setup()
    from importers.core import ImportRequest, run_import

    request = ImportRequest(kind=args.kind, path=Path(args.path), commit=True)
    start = time.perf_counter()
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(run_import, request)
        profiler.dump_stats(args.profile)
    else:
        report = run_import(request)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "seconds": seconds, "read": report.read, "accepted": report.accepted, "inserted": report.inserted,
        "updated": report.updated, "rejected": report.rejected, "assigned": report.assigned,
        "repairs": dict(report.repairs), "warnings": report.warnings,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
