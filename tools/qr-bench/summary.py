"""Sums up the blackbox runs of every decoder side by side, and writes all records as JSON.

    python summary.py --json RESULTS.json RUN.jsonl [RUN.jsonl ...]

Reads the JSON lines of qr/examples/blackbox.rs and external.py, prints one table with a
column per tool, and ends with whether the kiosk's stack beats zxing-cpp on decode rate and
median time per picture (the goal of the benchmark).
"""

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path

OURS = "kiosk-qr"
RIVAL = "zxing-cpp"
FOLDERS = [f"qrcode-{number}" for number in range(1, 7)]
ROTATIONS = (0, 90, 180, 270)
CORPUS = "zxing/zxing 7f129804e396958ae762da288da5df330d142da0, core/src/test/resources/blackbox"

# The pictures ZXing's Java reader must read per folder and rotation, from
# QRCodeBlackBox1TestCase to QRCodeBlackBox6TestCase at that commit (addTest(mustPassCount,
# tryHarderCount, rotation): the two counts are equal in every case).
ZXING_MUST_PASS = {
    "qrcode-1": {0: 17, 90: 14, 180: 17, 270: 14},
    "qrcode-2": {0: 32, 90: 30, 180: 31, 270: 31},
    "qrcode-3": {0: 38, 90: 39, 180: 36, 270: 39},
    "qrcode-4": {0: 36, 90: 35, 180: 35, 270: 35},
    "qrcode-5": {0: 19, 90: 19, 180: 19, 270: 19},
    "qrcode-6": {0: 15, 90: 14, 180: 13, 270: 14},
}

LABEL_WIDTH = 24


def load(paths):
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as lines:
            records.extend(json.loads(line) for line in lines if line.strip())
    return records


def tools_in_order(records):
    return list(dict.fromkeys(record["tool"] for record in records))


def summarise(records):
    """Per tool: the totals the table and results.json show."""
    by_tool = defaultdict(list)
    for record in records:
        by_tool[record["tool"]].append(record)
    summary = {}
    for tool, runs in by_tool.items():
        times = [run["micros"] for run in runs]
        read_times = [run["micros"] for run in runs if run["correct"]]
        summary[tool] = {
            "pictures": len(runs),
            "read": sum(run["correct"] for run in runs),
            "misread": sum(run["decoded"] and not run["correct"] for run in runs),
            "panicked": sum(run.get("panicked", False) for run in runs),
            "rate_percent": round(100 * sum(run["correct"] for run in runs) / len(runs), 2),
            "median_micros": statistics.median(times),
            "mean_micros": round(statistics.fmean(times), 1),
            "median_micros_read": statistics.median(read_times) if read_times else None,
            "mean_micros_read": round(statistics.fmean(read_times), 1) if read_times else None,
            "p90_micros": round(statistics.quantiles(times, n=10)[-1], 1),
        }
    return summary


def row(label, cells, header):
    """A table line whose cells line up under `header`'s names (each at least 11 wide)."""
    widths = [max(11, len(name)) + 2 for name in header]
    cells = "".join(str(cell).rjust(width) for cell, width in zip(cells, widths))
    return label.ljust(LABEL_WIDTH) + cells


def whole(micros):
    return "-" if micros is None else f"{micros:.0f}"


def reads(runs):
    read = sum(run["correct"] for run in runs)
    return f"{read} {100 * read / len(runs):.1f}%" if runs else "-"


def folder_of(record):
    return record["file"].split("/")[0]


def count_rows(records):
    """(label, records, ZXing's minimum): all, each folder then its rotations, each rotation."""
    yield "all", records, sum(sum(counts.values()) for counts in ZXING_MUST_PASS.values())
    for folder in FOLDERS:
        in_folder = [record for record in records if folder_of(record) == folder]
        yield folder, in_folder, sum(ZXING_MUST_PASS[folder].values())
        for rotation in ROTATIONS:
            turned = [record for record in in_folder if record["rotation"] == rotation]
            yield f"  {rotation}°", turned, ZXING_MUST_PASS[folder][rotation]
    for rotation in ROTATIONS:
        turned = [record for record in records if record["rotation"] == rotation]
        minimum = sum(counts[rotation] for counts in ZXING_MUST_PASS.values())
        yield f"rotation {rotation}°", turned, minimum


def table(records, tools, summary):
    pictures = len({(record["file"], record["rotation"]) for record in records})
    lines = [
        f"ZXing QR blackbox qrcode-1..6 ({CORPUS})",
        f"{pictures} pictures (each image at 0/90/180/270 degrees), one thread, "
        "decode call timed alone",
        "",
    ]
    header = tools + ["ZXing min."]
    lines.append(row("read correctly", header, header))
    for label, chosen, zxing_must_pass in count_rows(records):
        cells = [reads([record for record in chosen if record["tool"] == tool]) for tool in tools]
        total = len(chosen) // len(tools)
        lines.append(row(f"{label} (of {total})", cells + [zxing_must_pass], header))
    lines.append(row("misread (wrong text)", [summary[tool]["misread"] for tool in tools], header))
    lines.append(row("panicked (caught)", [summary[tool]["panicked"] for tool in tools], header))
    lines.append("ZXing min.: what ZXing's Java reader must read in QRCodeBlackBoxNTestCase")
    lines.append("")
    lines.append(row("µs per picture", tools, header))
    for label, key in [
        ("median, all", "median_micros"),
        ("mean, all", "mean_micros"),
        ("p90, all", "p90_micros"),
        ("median, read ones", "median_micros_read"),
        ("mean, read ones", "mean_micros_read"),
    ]:
        lines.append(row(label, [whole(summary[tool][key]) for tool in tools], header))
    for folder in FOLDERS:
        medians = [
            statistics.median(
                record["micros"]
                for record in records
                if record["tool"] == tool and folder_of(record) == folder
            )
            for tool in tools
        ]
        lines.append(row(f"median, {folder}", [whole(median) for median in medians], header))
    return lines


def unread_by_all(records, tools):
    """Images (with the rotations) that no tool read correctly."""
    read = {(record["file"], record["rotation"]) for record in records if record["correct"]}
    unread = defaultdict(list)
    for record in records:
        if record["tool"] == tools[0] and (record["file"], record["rotation"]) not in read:
            unread[record["file"]].append(record["rotation"])
    return [f"{file}@{'/'.join(map(str, rotations))}" for file, rotations in unread.items()]


def percent(tool_summary):
    return f"{100 * tool_summary['read'] / tool_summary['pictures']:.1f} %"


def verdict(summary):
    if OURS not in summary or RIVAL not in summary:
        return f"no verdict: {OURS} and {RIVAL} did not both run"
    ours, rival = summary[OURS], summary[RIVAL]
    better_rate = ours["read"] / ours["pictures"] > rival["read"] / rival["pictures"]
    faster = ours["median_micros"] < rival["median_micros"]
    goal = "goal met" if better_rate and faster else "goal NOT met"
    return (
        f"{OURS} vs {RIVAL}: decode rate {percent(ours)} vs {percent(rival)} "
        f"({'higher' if better_rate else 'not higher'}), median {ours['median_micros']:.0f} µs vs "
        f"{rival['median_micros']:.0f} µs ({'faster' if faster else 'not faster'}): {goal}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True, help="where to write all results")
    parser.add_argument("runs", nargs="+", type=Path, help="JSON-lines files of the runs")
    arguments = parser.parse_args()
    records = load(arguments.runs)
    tools = tools_in_order(records)
    summary = summarise(records)
    lines = table(records, tools, summary)
    unread = unread_by_all(records, tools)
    lines.append("")
    lines.append(f"read by no tool ({len(unread)} images): {', '.join(unread) or 'none'}")
    lines.append(verdict(summary))
    print("\n".join(lines))
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps({
        "corpus": CORPUS,
        "zxing_must_pass": ZXING_MUST_PASS,
        "summary": summary,
        "verdict": verdict(summary),
        "records": records,
    }, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
