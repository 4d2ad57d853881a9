#!/usr/bin/env python3
"""Failed inlinings in a HotSpot compilation log, for hunting boxed Vector API vectors.

A vector passed to or returned from a call that C2 did not inline is boxed (an object per vector),
so a JVM whose training step allocates megabytes while others allocate nothing has a C2 compile of
a bnlab kernel with such a failure. Run the JVM with
    BNLAB_JVM_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=run.log"
then: bench/inline_fails.py run.log [clean.log]
It prints, per C2 compile of a bnlab method, each callee of the Vector API (or of bnlab) that was
not inlined and why; with a second (clean) JVM's log, only the failures that log does not have.
"""
import collections
import re
import sys


def failures(path):
    task, meths, klass, callee = None, {}, {}, None
    out = collections.Counter()
    try:
        lines = open(path, errors="replace").readlines()
    except OSError as e:
        sys.exit("inline_fails.py: cannot read %s: %s" % (path, e.strerror))
    if not lines or not lines[0].startswith("<?xml"):
        sys.exit("inline_fails.py: %s is not a -XX:+LogCompilation log (no XML header)" % path)
    for line in lines:
        if line.startswith("<task "):
            m = re.search(r"method='([^']*)'", line)
            level = re.search(r"level='(\d)'", line)
            # C1 tasks carry level 1-3; C2's level 4 (or none)
            task = None if level and level.group(1) != "4" else (m.group(1) if m else "?")
            meths, klass = {}, {}
        elif line.startswith("</task>"):
            task = None
        elif task is not None:
            m = re.match(r"<klass id='(\d+)' name='([^']*)'", line)
            if m:
                klass[m.group(1)] = m.group(2)
                continue
            m = re.match(r"<method id='(\d+)' holder='(\d+)' name='([^']*)'", line)
            if m:
                meths[m.group(1)] = klass.get(m.group(2), "?") + "::" + m.group(3)
                continue
            m = re.match(r"<call method='(\d+)'", line)
            if m:
                callee = meths.get(m.group(1), m.group(1))
                continue
            m = re.match(r"<inline_fail reason='([^']*)'", line)
            if m and callee and "bnlab" in task and ("vector" in callee or "bnlab" in callee):
                out[(task.split(" ")[0] + "." + task.split(" ")[1] if " " in task else task, callee, m.group(1))] += 1
    return out


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    found = failures(sys.argv[1])
    clean = failures(sys.argv[2]) if len(sys.argv) == 3 else collections.Counter()
    for (task, callee, reason), n in sorted(found.items()):
        if (task, callee, reason) not in clean:
            print("%3d  %s -> %s: %s" % (n, task, callee, reason))


if __name__ == "__main__":
    main()
