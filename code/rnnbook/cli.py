"""The `rnnbook` command line (also `python -m rnnbook`).

    rnnbook data verify             find or download the archives and verify them
    rnnbook data info               classes, counts, sampling rate, durations
    rnnbook data export-uci PATH    write the UCI-layout CSV

A user mistake prints one line, `rnnbook: error: ...`, and exits non-zero (2 for a wrong
argument, as argparse does; 1 otherwise). Only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import sys

from . import data
from .errors import RNNBookError


def cmd_data_verify(args: argparse.Namespace) -> None:
    paths = data.fetch_archives()
    recordings = data.load_recordings()
    folder = next(iter(paths.values())).parent
    print(f"archives in {folder}: {', '.join(p.name for p in paths.values())} (SHA-256 verified)")
    print(
        f"{len(recordings)} recordings x {data.SAMPLES_PER_RECORDING} samples at "
        f"{data.SAMPLING_RATE} Hz; UCI table {len(recordings) * data.CHUNKS_PER_RECORDING} rows"
    )


def cmd_data_info(args: argparse.Namespace) -> None:
    if args.csv:
        table = data.read_uci_csv(args.csv)
        counts = table["y"].value_counts().sort_index()
        print(f"{args.csv}: {len(table)} rows, {table['recording'].nunique()} recordings")
        for y, n in counts.items():
            print(f"  y={y} {data.CLASS_NAMES[y - 1]:<12} {n} rows")
        return
    table = data.summary()
    print(
        f"sampling rate {data.SAMPLING_RATE} Hz; recording {data.SAMPLES_PER_RECORDING} samples "
        f"({data.SAMPLES_PER_RECORDING / data.SAMPLING_RATE:.1f} s); UCI row {data.SEQ_LEN} samples "
        f"({data.SEQ_LEN / data.SAMPLING_RATE:.2f} s), {data.CHUNKS_PER_RECORDING} per recording"
    )
    print(table.to_string(index=False))
    print(
        f"total: {table['recordings'].sum()} recordings, {table['rows'].sum()} rows, "
        f"{table['seconds'].sum() / 60:.1f} minutes of EEG"
    )


def cmd_data_export(args: argparse.Namespace) -> None:
    path = data.export_uci_csv(args.path)
    print(f"wrote {path} ({len(data.uci_table())} rows, header id,X1,...,X{data.SEQ_LEN},y)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnbook",
        description="Recurrent Neural Networks for Healthcare: data, models and training.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    data_parser = commands.add_parser("data", help="the Bonn EEG archives and the UCI table")
    data_commands = data_parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_commands.add_parser(
        "verify", help="find or download the archives and verify them"
    ).set_defaults(func=cmd_data_verify)
    info = data_commands.add_parser("info", help="classes, counts, sampling rate, durations")
    info.add_argument("--csv", metavar="PATH", help="describe a copy of the UCI CSV instead")
    info.set_defaults(func=cmd_data_info)
    export = data_commands.add_parser("export-uci", help="write the UCI-layout CSV to PATH")
    export.add_argument("path", metavar="PATH")
    export.set_defaults(func=cmd_data_export)

    for register in _EXTRA_COMMANDS:
        register(commands)
    return parser


# Later modules (models, training) add their sub-commands here.
_EXTRA_COMMANDS: list = []


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except RNNBookError as err:
        print(f"rnnbook: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rnnbook: interrupted", file=sys.stderr)
        return 130
    return 0
