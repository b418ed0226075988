"""tap.py - TAP output for the script tests (see tests/run.sh).

Each check prints `ok N - name`, `not ok N - name` or
`ok N - name # SKIP reason`; diagnostics are `# ...` lines. done() prints
the plan and returns the exit status: 1 when any check failed, so a test
run by hand also fails loudly."""

import sys


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def diag(self, msg):
        for line in str(msg).splitlines() or [""]:
            print("# " + line)
        sys.stdout.flush()

    def ok(self, cond, name, detail=None):
        """Record one check; `detail` (str or list of str) is printed on failure."""
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            if detail:
                if isinstance(detail, str):
                    detail = [detail]
                for d in list(detail)[:40]:
                    self.diag("  " + str(d))
                if len(detail) > 40:
                    self.diag("  ... %d more" % (len(detail) - 40))
        sys.stdout.flush()
        return bool(cond)

    def skip(self, name, reason):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, reason))
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0
