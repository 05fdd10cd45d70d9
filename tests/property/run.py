#!/usr/bin/env python3
"""Property tests of `l2vpn sim`: generated valid topologies and scenarios
(gen.py) checked against the report's invariants (check.py), and generated
broken inputs (broken.py) that must be refused plainly. docs/property-testing.md.

  run.py --l2vpn build/apps/l2vpn/l2vpn --seeds 0:20 --max-routers 12
  run.py --l2vpn ... --seeds 1000:2000 --jobs 2 --keep /tmp/prop   # the long run

Exit 0 when every case passed; each failure is printed with its seed and the
command that reproduces it (topology kept under --keep).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import broken  # noqa: E402
import check  # noqa: E402
import gen  # noqa: E402


def run_valid(l2vpn, seed, max_routers, workdir, timeout, repeat):
    case = gen.generate(seed, max_routers)
    topo = os.path.join(workdir, f"prop-{seed}.yaml")
    out = os.path.join(workdir, f"prop-{seed}.json")
    with open(topo, "w") as fh:
        fh.write(case.yaml)
    for name, text in case.files.items():  # a GraphML backbone, a scenario file
        with open(os.path.join(workdir, name), "w") as fh:
            fh.write(text)
    cmd = [l2vpn, "sim", topo, "--json", out, "--file-prefix", f"prop-{os.getpid()}-{seed}"] + case.args(workdir)
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return case, cmd, [f"timed out after {timeout} s"], time.time() - t0
    report = None
    if os.path.exists(out):
        with open(out) as fh:
            text = fh.read()
        try:
            report = json.loads(text)
        except ValueError as e:
            return case, cmd, [f"JSON report unreadable: {e}"], time.time() - t0
        os.unlink(out)
    fails = check.check(case, p.returncode, p.stderr, report)
    if repeat and not fails:  # the same seed gives the same JSON
        p2 = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        with open(out) as fh:
            if fh.read() != text:
                fails.append("the same seed gave a different JSON report")
        os.unlink(out)
    return case, cmd, fails, time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--l2vpn", required=True)
    ap.add_argument("--seeds", default="0:10", help="FIRST:END (END excluded)")
    ap.add_argument("--max-routers", type=int, default=12)
    ap.add_argument("--broken", type=int, default=None, help="broken inputs (default: as many as seeds)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--repeat-every", type=int, default=5, help="rerun every Nth seed for determinism (0: never)")
    ap.add_argument("--keep", help="directory for the generated files (default: a temporary one)")
    a = ap.parse_args()
    first, end = (int(x) for x in a.seeds.split(":"))
    workdir = a.keep or tempfile.mkdtemp(prefix="l2vpn-prop-")
    os.makedirs(workdir, exist_ok=True)
    t0 = time.time()
    failed = 0
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = [ex.submit(run_valid, a.l2vpn, s, a.max_routers, workdir, a.timeout,
                          a.repeat_every and s % a.repeat_every == 0) for s in range(first, end)]
        for fut in futs:
            case, cmd, fails, secs = fut.result()
            status = "FAIL" if fails else "ok"
            print(f"seed {case.seed}: {status} {secs:.1f}s  {case.summary}", flush=True)
            if fails:
                failed += 1
                for x in fails:
                    print(f"    {x}")
                print("    reproduce: " + " ".join(repr(c) if " " in c else c for c in cmd))
    nbroken = (end - first) if a.broken is None else a.broken
    bfailed = 0
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = [ex.submit(broken.run_broken, a.l2vpn, s, workdir, a.timeout) for s in range(first, first + nbroken)]
        for fut in futs:
            seed, what, fails = fut.result()
            if fails:
                bfailed += 1
                print(f"broken {seed} ({what}): FAIL")
                for x in fails:
                    print(f"    {x}")
    print(f"{end - first} generated topologies, {failed} failed; {nbroken} broken inputs, {bfailed} "
          f"not refused plainly; {time.time() - t0:.1f} s")
    return 1 if failed or bfailed else 0


if __name__ == "__main__":
    sys.exit(main())
