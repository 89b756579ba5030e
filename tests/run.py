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
  # flags: F G     options for act (and for elixir under --conformance) before
                  the file, e.g. `--no-halt`.
  # stdin-delay: MS
                  FILE.in (below) reaches stdin only after MS milliseconds,
                  through a pipe, so a read really waits for it.

Input: FILE.in, if present, is the program's standard input (else stdin is
empty). --act-args passes extra options to act before the file (e.g.
`--schedulers 1`, `--deterministic --seed 7`), for running the suite under
another scheduler configuration.
  # gc-stress: skip -- REASON
                  do not run this test against a GC-stress build (see the
                  policy below); it is reported as skipped, never as passed.

Sanitizers: a test fails whenever act's stderr carries a sanitizer report
(AddressSanitizer, LeakSanitizer, ThreadSanitizer, UndefinedBehaviorSanitizer
`runtime error:`), whatever its exit status and expected stderr, and the report is
shown. (ASan's default exit status 1 would otherwise pass for an uncaught
error.) Meson's default ASAN_OPTIONS keep leak detection on.

GC-stress policy. A build with -Dgc_stress=true (act --version says
`gc-stress`, detected automatically, or --gc-stress) collects at every
allocation safe point, so a collection costs O(live data + stack) at every
safe point that follows an allocation. The VM bounds that cost (vm/gc.c: a
stress collection is skipped when nothing was allocated since the last one,
and, past a live size of GC_STRESS_FULL_WORDS, until the allocation since the
last one is a fixed fraction of the live data and stack), so most tests run
within a small factor of their normal time. Against such a build the
runner multiplies the per-test timeout by --stress-timeout-factor (default
10). A test whose run stays quadratic anyway (e.g. a deep non-tail recursion,
whose every safe point scans the frame stack in the interpreter) carries
`# gc-stress: skip -- reason`; the runner counts and lists it as skipped.

Each test runs with its own directory as the working directory and its base
name as the file argument, so paths printed in stack traces are stable.
(tests/samples/ holds symlinks to the programs of samples/, with their
expected output next to the links.)

--conformance also runs every test (except act-only ones) with `elixir` and
reports, as a failure, each test whose Elixir stdout differs from its expected
stdout: the expectations must be what Elixir 1.14 prints.

--self-test checks these rules on fake tests run by a fake act.
"""

import argparse
import concurrent.futures
import difflib
import os
import re
import shlex
import subprocess
import sys
import threading
import time

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
        self.gc_stress_skip = None
        for line in head:
            m = re.match(r"\s*#\s*gc-stress:\s*skip\b\s*(?:--|\u2014|-)?\s*(.*)$", line)
            if m:
                self.gc_stress_skip = m.group(1).strip() or "no reason given"
        self.args = []
        for line in head:
            m = re.match(r"\s*#\s*args:(.*)$", line)
            if m:
                self.args = shlex.split(m.group(1))
        self.flags = []
        for line in head:
            m = re.match(r"\s*#\s*flags:(.*)$", line)
            if m:
                self.flags = shlex.split(m.group(1))
        self.stdin = read_bytes(self.base + ".in")
        self.stdin_delay = 0.0
        for line in head:
            m = re.match(r"\s*#\s*stdin-delay:\s*(\d+)", line)
            if m:
                self.stdin_delay = int(m.group(1)) / 1000.0
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


def run(cmd, cwd, timeout, stdin=None, delay=0.0):
    """(stdout, stderr, status); status is None on a timeout. stdin (bytes)
    is written to the program's input after `delay` seconds."""
    try:
        if stdin is None:
            p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
            return p.stdout, p.stderr, p.returncode
        # Our own pipe: communicate() would close a PIPE stdin at once.
        rfd, wfd = os.pipe()
        p = subprocess.Popen(cmd, cwd=cwd, stdin=rfd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(rfd)

        def feed():
            time.sleep(delay)
            try:
                os.write(wfd, stdin)
            except OSError:
                pass
            os.close(wfd)
        t = threading.Thread(target=feed, daemon=True)
        t.start()
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            return out or b"", err or b"", None
        return out, err, p.returncode
    except subprocess.TimeoutExpired as e:
        return e.stdout or b"", e.stderr or b"", None
    except OSError as e:
        return b"", str(e).encode(), -1


SANITIZER_REPORT = re.compile(
    rb"^(==\d+==\s*ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer: |.*: runtime error: |"
    rb"SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer))", re.M)


def sanitizer_report(err):
    """The sanitizer report in a stderr (from its first line), or None."""
    m = SANITIZER_REPORT.search(err)
    if not m:
        return None
    text = err[m.start():].decode("utf-8", "replace")
    return text if len(text) <= 6000 else text[:6000] + "\n... (report cut)\n"


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
    out, err, status = run([opts.act] + opts.act_args + test.flags + [fname] + test.args, cwd, opts.timeout,
                           test.stdin, test.stdin_delay)
    report = sanitizer_report(err)
    if report is not None:
        problems.append("sanitizer report (exit status %s)\n%s" % (status, report))
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
        eout, eerr, _ = run([opts.elixir] + test.flags + [fname] + test.args, cwd, max(opts.timeout, 60),
                            test.stdin, test.stdin_delay)
        if eout != test.stdout:
            problems.append("conformance: elixir's stdout differs from the expected stdout\n"
                            + diff("stdout", test.stdout, eout))
    return problems


# ---- self-test: the runner's own rules, on fake tests run by a fake act ----

FAKE_ACT = """#!/usr/bin/env python3
# Fake act for run.py --self-test: obeys `#out:`, `#err:` and `#exit:` lines.
import sys
status = 0
for line in open(sys.argv[1]):
    if line.startswith("#out:"): sys.stdout.write(line[5:].strip() + "\\n")
    elif line.startswith("#err:"): sys.stderr.write(line[5:].strip() + "\\n")
    elif line.startswith("#exit:"): status = int(line[6:])
    elif line.startswith("#argv"): sys.stdout.write(" ".join(sys.argv[2:]) + "\\n")
sys.exit(status)
"""

# name -> (files, should pass)
SELF_TESTS = {
    "out_ok": ({"t.act": "#out: hi\n", "t.out": "hi\n"}, True),
    "out_differs": ({"t.act": "#out: hi\n", "t.out": "ho\n"}, False),
    "status_default_0": ({"t.act": "#exit: 1\n"}, False),
    "status_file": ({"t.act": "#exit: 3\n", "t.status": "3\n"}, True),
    "err_implies_1": ({"t.act": "#err: boom\n#exit: 1\n", "t.err": "boom\n"}, True),
    "err_exact_differs": ({"t.act": "#err: boom\n#err: more\n#exit: 1\n", "t.err": "boom\n"}, False),
    "err_prefix": ({"t.act": "#err: boom\n#err: more\n#exit: 1\n", "t.err": "#! prefix\nboom\n"}, True),
    "err_prefix_differs": ({"t.act": "#err: bam\n#exit: 1\n", "t.err": "#! prefix\nboom\n"}, False),
    "err_regex": ({"t.act": "#err: line 42\n#exit: 1\n", "t.err": "#! regex\nline \\d+\\n"}, True),
    "err_regex_differs": ({"t.act": "#err: line x\n#exit: 1\n", "t.err": "#! regex\nline \\d+\\n"}, False),
    "errors_dir_65": ({"errors/t.act": "#err: bad\n#exit: 65\n", "errors/t.err": "bad\n"}, True),
    "errors_dir_not_1": ({"errors/t.act": "#err: bad\n#exit: 1\n", "errors/t.err": "bad\n"}, False),
    "expect_block": ({"t.act": "#out: a\n#out:\n# expect:\n# a\n#\n"}, True),
    "expect_block_differs": ({"t.act": "#out: a\n# expect:\n# b\n"}, False),
    "args": ({"t.act": "# args: x 'y z'\n#argv\n", "t.out": "x y z\n"}, True),
    "stderr_ignored_without_err": ({"t.act": "#err: noise\n#out: ok\n", "t.out": "ok\n"}, True),
    "asan_report_fails": ({"t.act": "#err: ==12==ERROR: LeakSanitizer: detected memory leaks\n#out: ok\n",
                           "t.out": "ok\n"}, False),
    "asan_report_fails_prefix": ({"t.act": "#err: boom\n#err: ==7==ERROR: AddressSanitizer: heap-use-after-free\n"
                                  "#exit: 1\n", "t.err": "#! prefix\nboom\n"}, False),
    "ubsan_report_fails": ({"t.act": "#err: vm/x.c:3:5: runtime error: signed integer overflow\n#out: ok\n",
                            "t.out": "ok\n"}, False),
}


def self_test():
    """Checks that the runner passes and fails what it should; exit 1 if not."""
    import tempfile
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "fake_act")
        with open(fake, "w") as f:
            f.write(FAKE_ACT)
        os.chmod(fake, 0o755)
        opts = argparse.Namespace(act=fake, timeout=30, conformance=False, elixir="elixir", act_args=[])
        for name, (files, should_pass) in SELF_TESTS.items():
            root = os.path.join(tmp, name)
            for rel, text in files.items():
                path = os.path.join(root, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
            act_file = [os.path.join(root, r) for r in files if r.endswith(".act")][0]
            global HERE
            saved, HERE = HERE, root
            try:
                passed = not check(Test(act_file), opts)
            finally:
                HERE = saved
            if passed != should_pass:
                failures += 1
                print("self-test %s: %s, expected %s" % (name, "passed" if passed else "failed",
                                                         "pass" if should_pass else "fail"))
        # The gc-stress marker is parsed from the first 5 lines only.
        marker_cases = {"# gc-stress: skip -- too deep\n": "too deep",
                        "\n\n\n\n\n# gc-stress: skip -- late\n": None}
        for k, (text, want) in enumerate(marker_cases.items()):
            path = os.path.join(tmp, "marker%d.act" % k)
            with open(path, "w") as f:
                f.write(text)
            if Test(path).gc_stress_skip != want:
                failures += 1
                print("self-test gc-stress marker %d: got %r, expected %r"
                      % (k, Test(path).gc_stress_skip, want))
    total = len(SELF_TESTS) + 2
    print("%d passed, %d failed" % (total - failures, failures))
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    ap = argparse.ArgumentParser(description="Run Act's golden tests.")
    ap.add_argument("paths", nargs="*", help="test files or directories (default: all of tests/)")
    ap.add_argument("--act", default=os.path.join(ROOT, "build", "act"), help="the act binary (default build/act)")
    ap.add_argument("--elixir", default="elixir", help="the elixir command for --conformance")
    ap.add_argument("--conformance", action="store_true", help="also check the expectations against elixir")
    ap.add_argument("--act-args", default="", help="extra act options before the file, e.g. '--schedulers 1'")
    ap.add_argument("--stress", action="store_true", help="include tests marked # stress-only")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test (default 60)")
    ap.add_argument("--gc-stress", choices=["auto", "yes", "no"], default="auto",
                    help="treat act as a GC-stress build (default: ask act --version)")
    ap.add_argument("--stress-timeout-factor", type=float, default=10,
                    help="timeout multiplier against a GC-stress build (default 10)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel tests")
    ap.add_argument("-v", "--verbose", action="store_true", help="print a line for passing tests too")
    opts = ap.parse_args()
    opts.act_args = shlex.split(opts.act_args)
    opts.act = os.path.abspath(opts.act)
    # The FFI tests (tests/ffi/) load the test library the build makes next
    # to act (tests/ffi/meson.build) through $ACT_FFI_TESTLIB.
    os.environ.setdefault("ACT_FFI_TESTLIB", os.path.join(os.path.dirname(opts.act), "tests", "ffi", "libacttest.so"))
    if not os.access(opts.act, os.X_OK):
        print("run.py: no act binary at %s (build first)" % opts.act)
        print("0 passed, 1 failed")
        return 1

    tests = [Test(p) for p in find_tests(opts.paths or [HERE])]
    tests = [t for t in tests if opts.stress or not t.stress_only]
    gc_stress = opts.gc_stress == "yes"
    if opts.gc_stress == "auto":
        out, _, _ = run([opts.act, "--version"], ROOT, 30)
        gc_stress = b"gc-stress" in out
    skipped = []
    if gc_stress:
        opts.timeout *= opts.stress_timeout_factor
        skipped = [t for t in tests if t.gc_stress_skip]
        tests = [t for t in tests if not t.gc_stress_skip]
        print("GC-stress build: timeout %gs per test, %d tests skipped" % (opts.timeout, len(skipped)))
        for t in skipped:
            print("SKIP %s: gc-stress: %s" % (t.name, t.gc_stress_skip))
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
    if skipped:
        print("%d skipped under GC stress" % len(skipped))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
