#!/usr/bin/env python3
"""Golden test runner for Act.

Finds every `*.act` file under tests/ (recursively; tests/unit is skipped),
runs `act FILE` on each, in parallel, and compares what it printed with what
the test expects. Ends with exactly one line `N passed, M failed`; exits 1 if
any test failed.

What a test expects (FILE is the .act path without its extension):

  stdout   FILE.out, byte for byte. Without FILE.out, a trailing comment block
           in the .act file is used instead:
               # expect:
               # first line
               # second line
           Every line after `# expect:` must start with `#`; one space after
           the `#` is removed (a lone `#` is an empty line). With neither, the
           stdout is not checked.
  stderr   FILE.err if present, else stderr is ignored. The first line of
           FILE.err may select how the rest of the file is matched:
               (no marker)   the rest must equal stderr exactly;
               #! prefix     stderr must start with the rest (used for uncaught
                             errors, whose stack-trace lines differ from
                             Elixir's after the `** (Kind) message` banner);
               #! regex      the rest is a Python regex that must match the
                             whole of stderr (re.DOTALL).
  status   FILE.status (a decimal number) if present; otherwise 65 when
           FILE.err exists and the test lives under tests/errors/ (compile
           errors), 1 when FILE.err exists elsewhere (uncaught errors), and 0
           when there is no FILE.err.

Markers in the first 5 lines of a test:
  # act-only      Act deviates from Elixir on purpose here: --conformance
                  does not run this test with elixir.
  # stress-only   only run with --stress (long-running tests).
  # args: A B     command-line arguments after the file (System.argv()).

Each test runs with its own directory as the working directory and its base
name as the file argument, so paths printed in stack traces are stable.

--conformance also runs every test (except act-only ones) with `elixir` and
reports, as a failure, each test whose Elixir stdout differs from its expected
stdout: the expectations must be what Elixir 1.14 prints.
"""

import argparse
import concurrent.futures
import difflib
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SKIP_DIRS = {"unit"}


def find_tests(paths):
    found = []
    for path in paths:
        if os.path.isfile(path):
            found.append(os.path.abspath(path))
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            if os.path.abspath(dirpath) == HERE:
                dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".act"):
                    found.append(os.path.abspath(os.path.join(dirpath, name)))
    return found


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


class Test:
    """One golden test: its file and everything it expects."""

    def __init__(self, path):
        self.path = path
        self.base = path[:-len(".act")]
        self.name = os.path.relpath(path, HERE)
        src = read_bytes(path)
        head = src.decode("utf-8", "replace").splitlines()[:5]
        self.act_only = any("# act-only" in line for line in head)
        self.stress_only = any("# stress-only" in line for line in head)
        self.args = []
        for line in head:
            m = re.match(r"\s*#\s*args:(.*)$", line)
            if m:
                self.args = shlex.split(m.group(1))
        self.stdout = read_bytes(self.base + ".out")
        if self.stdout is None:
            self.stdout = expect_block(src)
        self.stderr = read_bytes(self.base + ".err")
        status = read_bytes(self.base + ".status")
        if status is not None:
            self.status = int(status.decode().strip())
        elif self.stderr is None:
            self.status = 0
        elif os.path.relpath(path, HERE).split(os.sep)[0] == "errors":
            self.status = 65
        else:
            self.status = 1


def expect_block(src):
    """The trailing `# expect:` block of a test's source, or None."""
    lines = src.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip() == b"# expect:":
            out = []
            for line in lines[i + 1:]:
                if not line.startswith(b"#"):
                    return None
                line = line[1:]
                out.append(line[1:] if line.startswith(b" ") else line)
            return b"".join(l + b"\n" for l in out)
    return None


def run(cmd, cwd, timeout):
    """(stdout, stderr, status); status is None on a timeout."""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        return p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        return e.stdout or b"", e.stderr or b"", None
    except OSError as e:
        return b"", str(e).encode(), -1


def diff(label, expected, actual, limit=40):
    exp = expected.decode("utf-8", "replace").splitlines(keepends=True)
    act = actual.decode("utf-8", "replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(exp, act, "expected " + label, "actual " + label, n=2))
    if len(lines) > limit:
        lines = lines[:limit] + ["... (%d more diff lines)\n" % (len(lines) - limit)]
    return "".join(l if l.endswith("\n") else l + "\n\\ no newline\n" for l in lines)


def stderr_matches(spec, actual):
    first, _, rest = spec.partition(b"\n")
    if first.strip() == b"#! prefix":
        return actual.startswith(rest)
    if first.strip() == b"#! regex":
        pattern = rest.decode("utf-8")
        return re.fullmatch(pattern, actual.decode("utf-8", "replace"), re.DOTALL) is not None
    return actual == spec


def check(test, opts):
    """Run one test; returns a list of failure messages (empty: passed)."""
    cwd = os.path.dirname(test.path)
    fname = os.path.basename(test.path)
    problems = []
    out, err, status = run([opts.act, fname] + test.args, cwd, opts.timeout)
    if status is None:
        problems.append("timed out after %ss" % opts.timeout)
    else:
        if status != test.status:
            msg = "exit status %d, expected %d" % (status, test.status)
            if err and test.stderr is None:
                msg += "\n" + err.decode("utf-8", "replace")[-1500:]
            problems.append(msg)
        if test.stdout is not None and out != test.stdout:
            problems.append("stdout differs\n" + diff("stdout", test.stdout, out))
        if test.stderr is not None and not stderr_matches(test.stderr, err):
            spec = test.stderr.partition(b"\n")[2] if test.stderr.startswith(b"#!") else test.stderr
            problems.append("stderr differs\n" + diff("stderr", spec, err))
    if opts.conformance and not test.act_only and test.stdout is not None:
        eout, eerr, _ = run([opts.elixir, fname] + test.args, cwd, max(opts.timeout, 60))
        if eout != test.stdout:
            problems.append("conformance: elixir's stdout differs from the expected stdout\n"
                            + diff("stdout", test.stdout, eout))
    return problems


def main():
    ap = argparse.ArgumentParser(description="Run Act's golden tests.")
    ap.add_argument("paths", nargs="*", help="test files or directories (default: all of tests/)")
    ap.add_argument("--act", default=os.path.join(ROOT, "build", "act"), help="the act binary (default build/act)")
    ap.add_argument("--elixir", default="elixir", help="the elixir command for --conformance")
    ap.add_argument("--conformance", action="store_true", help="also check the expectations against elixir")
    ap.add_argument("--stress", action="store_true", help="include tests marked # stress-only")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test (default 60)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel tests")
    ap.add_argument("-v", "--verbose", action="store_true", help="print a line for passing tests too")
    opts = ap.parse_args()
    opts.act = os.path.abspath(opts.act)
    if not os.access(opts.act, os.X_OK):
        print("run.py: no act binary at %s (build first)" % opts.act)
        print("0 passed, 1 failed")
        return 1

    tests = [Test(p) for p in find_tests(opts.paths or [HERE])]
    tests = [t for t in tests if opts.stress or not t.stress_only]
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        results = pool.map(lambda t: (t, check(t, opts)), tests)
        for test, problems in results:
            if problems:
                failed += 1
                print("FAIL %s: %s" % (test.name, "\n".join(problems).rstrip("\n")))
            else:
                passed += 1
                if opts.verbose:
                    print("ok   %s" % test.name)
            sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
