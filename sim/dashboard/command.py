"""``sim dashboard``: serve the policy dashboard on 127.0.0.1.

Equivalent to ``solara run sim/dashboard/app.py --production --host 127.0.0.1 --no-open``
with Solara's telemetry switched off. Production mode matters offline: development mode serves
unminified assets and embeds a check that calls solara.dev.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_PORT = 8765


def register(subparsers) -> None:
    """Add the ``dashboard`` subcommand to the ``sim`` CLI."""
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the three- vs five-actor linkage dashboard on 127.0.0.1",
        description="Serve the policy dashboard (three- vs five-actor linkage side by side) "
        "on http://127.0.0.1:PORT/. Works offline once .ci/solara_offline_assets.sh has run.",
    )
    parser.add_argument(
        "--port", default=DEFAULT_PORT, help=f"port to serve on, 1-65535 (default {DEFAULT_PORT})"
    )
    parser.set_defaults(func=handler)


def handler(args) -> int:
    """Run the Solara server until it stops; returns its exit code (2 for a bad --port)."""
    port = _parse_port(args.port)
    if port is None:
        print(f"sim: error: --port: must be an integer in 1-65535, got {str(args.port)[:40]!r}",
              file=sys.stderr)
        return 2
    taken = _unusable(port)
    if taken:   # said now, not after "serving on" and a server that exits with code 3
        print(f"sim: error: --port {port}: 127.0.0.1:{port} {taken}; choose another --port "
              "(1-65535)", file=sys.stderr)
        return 2
    env = os.environ | {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    command = [sys.executable, "-m", "solara", "run", str(APP), "--host", "127.0.0.1",
               "--port", str(port), "--production", "--no-open"]  # fmt: skip
    if not _offline_assets_present():
        print(
            "sim dashboard: warning: Solara's page assets are not cached in this environment, so "
            "the browser page needs internet; run .ci/solara_offline_assets.sh "
            f"{sys.prefix} to work offline",
            file=sys.stderr,
        )
    print(f"sim dashboard: serving on http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    process = subprocess.Popen(command, env=env)
    # a SIGTERM to this process alone (a service manager, `kill PID`) must not orphan the server
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches the server too (same process group); let it finish
        return process.wait()


def _parse_port(value) -> int | None:
    try:
        port = int(str(value).strip())
    except ValueError:
        return None
    return port if 1 <= port <= 65535 else None


def _unusable(port: int) -> str | None:
    """Why the server could not listen on 127.0.0.1:``port``, or None if it can. Binds the
    way the server (uvicorn) does, with SO_REUSEADDR: a port another program listens on is
    refused, one a closed server left in TIME_WAIT is not."""
    import errno
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "is already in use (another dashboard, or another program, listens there)"
            return f"cannot be used ({exc.strerror or type(exc).__name__})"
    return None


def _offline_assets_present() -> bool:
    """True if Solara's CDN cache holds the page shell (see .ci/solara_offline_assets.sh)."""
    cache = Path(sys.prefix) / "share" / "solara" / "cdn"
    return (cache / "@widgetti" / "solara-vuetify-app@10.1.1" / "package.json").exists()


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m sim.dashboard.command --port P``)."""
    parser = argparse.ArgumentParser(prog="sim")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["dashboard", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
