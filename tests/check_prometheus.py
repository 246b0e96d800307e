#!/usr/bin/env python3
"""check_prometheus.py - parse a Prometheus text exposition with prometheus_client.

Usage: check_prometheus.py FILE

Parses FILE with prometheus_client's text parser (text_string_to_metric_families), a real
implementation of format 0.0.4, and prints what it read, one line each:
    family <name> <type>
    <sample name>{<label>="<value>",...} <value>
labels sorted by name, values re-escaped as the format requires, so that
tests/test_stats_format.cpp can compare the samples with its own reading of the file.
Exits 0 when the file parses, 1 when it does not, 77 when prometheus_client is missing
(Debian: python3-prometheus-client).
"""

import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("prometheus_client is not installed (Debian: python3-prometheus-client)")
    sys.exit(77)


def escape(value):
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others on bad input
        print(f"prometheus_client could not parse {sys.argv[1]}: {e!r}")
        return 1
    for family in families:
        print(f"family {family.name} {family.type}")
        for s in family.samples:
            labels = ",".join(f'{k}="{escape(v)}"' for k, v in sorted(s.labels.items()))
            print(f"{s.name}{{{labels}}} {float(s.value)!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
