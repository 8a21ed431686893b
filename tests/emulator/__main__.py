"""Command line: ``python -m tests.emulator --host 127.0.0.1 --port PORT [options]`` (see docs/emulator.md)."""

import argparse
import logging
import signal
import sys

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.emulator.app import create_app
from tests.emulator.runtime import Runtime
from tests.emulator.scenarios import check_scenario
from tests.emulator.world import Settings


class SimDateRequestHandler(WSGIRequestHandler):
    """Leaves the Date header to the application, which writes the simulated time."""

    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())


def stop_on_signal(signum, frame):
    """SIGTERM stops the server as Ctrl-C does, so that the engines are stopped on the way out."""
    raise KeyboardInterrupt()


def positive(text):
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def non_negative(text):
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def scenario(text):
    try:
        return check_scenario(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem))


def address_block(text):
    value = int(text)
    if not 1 <= value <= 254:
        raise argparse.ArgumentTypeError("must be from 1 to 254")
    return value


def rate(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.emulator",
                                     description="Emulator of the Instaclustr Provisioning API v1 and Cluster Management API v2.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port")
    parser.add_argument("--time-scale", type=positive, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--scenario", type=scenario, default="default",
                        help="default, large, fleet, fleet:N, empty or mixed")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--api-key", default="demo-key")
    parser.add_argument("--db-password", default=None,
                        help="instaclustrUserPassword of every cluster (default: generated per cluster)")
    parser.add_argument("--backup-duration", type=non_negative, default=600.0, help="simulated seconds")
    parser.add_argument("--restore-duration", type=non_negative, default=1200.0, help="simulated seconds")
    parser.add_argument("--delete-duration", type=non_negative, default=60.0, help="simulated seconds")
    parser.add_argument("--firewall-rule-duration", type=non_negative, default=30.0,
                        help="simulated seconds before a new firewall rule is RUNNING")
    parser.add_argument("--rate-limit", type=rate, default=35, help="v1 requests per user per second")
    parser.add_argument("--v2-rate-limit", type=rate, default=35, help="v2 requests per user per second")
    for name, choices in Settings.CHOICES.items():
        parser.add_argument("--" + name.replace("_", "-"), choices=choices, default=choices[0])
    parser.add_argument("--v2-list-deleted", action="store_true",
                        help="deleted clusters stay in the v2 account list")
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines on stderr")
    parser.add_argument("--address-block", type=address_block, default=None,
                        help="B of the 127.B.0.0/16 block of node addresses (default: the first free one)")
    parser.add_argument("--data-plane", action="store_true",
                        help="the clusters serve their data on their nodes' addresses (docs/emulator.md)")
    parser.add_argument("--data-plane-dir", default=None,
                        help="folder for the engines' files (default: a temporary folder, removed at exit)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    settings = Settings(scenario=args.scenario, username=args.username, api_key=args.api_key,
                        db_password=args.db_password, time_scale=args.time_scale,
                        backup_duration=args.backup_duration, restore_duration=args.restore_duration,
                        delete_duration=args.delete_duration,
                        firewall_rule_duration=args.firewall_rule_duration, rate_limit=args.rate_limit,
                        v2_rate_limit=args.v2_rate_limit, v2_list_deleted=args.v2_list_deleted,
                        address_block=args.address_block, data_plane=args.data_plane,
                        **{name: getattr(args, name) for name in Settings.CHOICES})
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR if args.quiet else logging.INFO)
    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        runtime = Runtime(settings, data_plane_dir=args.data_plane_dir)
    except RuntimeError as problem:  # no free address block, an engine missing (EngineUnavailable)
        sys.stderr.write("emulator: %s\n" % problem)
        sys.exit(2)
    try:
        app = create_app(runtime)
        server = make_server(args.host, args.port, app, threaded=True, request_handler=SimDateRequestHandler)
        server.daemon_threads = True
        sys.stdout.write("emulator listening on http://%s:%d\n" % (args.host, server.server_port))
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        runtime.close()


if __name__ == "__main__":
    main()
