"""`python -m xxgk.portal --port N [--seed S] [--reports N]`: serve the demo portal
until Ctrl-C, to browse it or to point a crawler at it."""
from __future__ import annotations

import argparse
import threading

from xxgk.portal import build_demo_portal, serve_portal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xxgk.portal", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="TCP port (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--reports", type=int, default=None,
                        help="number of reports (default: the standard demo)")
    args = parser.parse_args(argv)
    portal = build_demo_portal(seed=args.seed, n_reports=args.reports)
    with serve_portal(portal, host=args.host, port=args.port) as base_url:
        print(f"{portal.name}: {base_url}{portal.start_paths[0]}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
