"""Checks that edgebench's device-side Python parses as Python 3.6 and imports nothing newer.

Run with a newer interpreter (3.8+, for ast's feature_version): `python3 py36-check.py FILE...`.
Prints one JSON object: {file: [problems]}. Three checks per file:
- the grammar, with ast.parse(feature_version=(3, 6)) (walrus, positional-only parameters, ...);
- every imported top-level module is 3.6's standard library (this interpreter's stdlib minus the
  modules 3.7-3.13 added), a sibling script, or a runtime the runners load on purpose;
- no call of a standard-library API newer than 3.6 (a list of the ones a runner might reach for).
"""
import ast
import json
import os
import sys

ADDED_AFTER_36 = {"contextvars", "dataclasses", "graphlib", "zoneinfo", "tomllib", "_contextvars", "_zoneinfo"}
RUNTIMES = {"torch", "torchvision", "timm", "onnxruntime", "numpy", "tensorrt"}
NEWER_ATTRIBUTES = {
    "perf_counter_ns": "3.7",
    "monotonic_ns": "3.7",
    "time_ns": "3.7",
    "process_time_ns": "3.7",
    "thread_time_ns": "3.7",
    "fromisoformat": "3.7",
    "nullcontext": "3.7",
    "isascii": "3.7",
    "cached_property": "3.8",
    "prod": "3.8",
    "isqrt": "3.8",
    "dist": "3.8",
    "removeprefix": "3.9",
    "removesuffix": "3.9",
    "pidfd_open": "3.9",
    "waitstatus_to_exitcode": "3.9",
    "pairwise": "3.10",
    "bit_count": "3.10",
}
NEWER_BUILTINS = {"breakpoint": "3.7", "aiter": "3.10", "anext": "3.10"}
SUBPROCESS_CALLS = {"run", "Popen", "check_output", "call", "check_call"}
NEWER_KEYWORDS = {"capture_output": "3.7", "text": "3.7"}


def check(path, siblings):
    problems = []
    with open(path) as handle:
        source = handle.read()
    try:
        tree = ast.parse(source, filename=path, feature_version=(3, 6))
    except SyntaxError as error:
        return ["not Python 3.6 syntax: line %s: %s" % (error.lineno, error.msg)]
    stdlib = set(sys.stdlib_module_names) - ADDED_AFTER_36
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.module == "__future__" and any(a.name == "annotations" for a in node.names):
                problems.append("line %d: from __future__ import annotations is 3.7+" % node.lineno)
            names = [node.module or ""]
        for name in names:
            top = name.split(".")[0]
            if top not in stdlib and top not in siblings and top not in RUNTIMES:
                problems.append("line %d: imports %s, which is not in Python 3.6's standard library" % (node.lineno, name))
        if isinstance(node, ast.Attribute) and node.attr in NEWER_ATTRIBUTES:
            problems.append("line %d: .%s is Python %s+" % (node.lineno, node.attr, NEWER_ATTRIBUTES[node.attr]))
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in NEWER_BUILTINS:
                problems.append("line %d: %s() is Python %s+" % (node.lineno, func.id, NEWER_BUILTINS[func.id]))
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in SUBPROCESS_CALLS:
                for keyword in node.keywords:
                    if keyword.arg in NEWER_KEYWORDS:
                        problems.append(
                            "line %d: %s(%s=...) is Python %s+"
                            % (node.lineno, called, keyword.arg, NEWER_KEYWORDS[keyword.arg])
                        )
    return problems


def main(paths):
    siblings = {os.path.splitext(os.path.basename(p))[0] for p in paths}
    print(json.dumps({p: check(p, siblings) for p in paths}))


if __name__ == "__main__":
    main(sys.argv[1:])
