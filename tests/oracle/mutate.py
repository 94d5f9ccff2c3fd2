#!/usr/bin/env python3
"""mutate.py — differential testing of typerpc against protoc on mutants.

    tests/oracle/mutate.py TYPERPC [COUNT=500] [SEED=1] [OUT=/tmp/typerpc-mutants]

Takes the files of tests/oracle/valid, applies one small random edit to each
mutant (delete, duplicate or swap a token, change a number, put a keyword or
another name where a name was, drop a brace, ...), compiles it with protoc
and typerpc the way test_oracle does, and reports every mutant where they
disagree on the verdict or on the line of the first error. Each such mutant
is kept in OUT with both outputs, ready to become a case in invalid/ or
valid/ once its protoc verdict is understood.

This is an exploration tool, not a ctest test: its findings are turned into
named corpus cases, which are the regression tests.
"""
import os
import random
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOC = os.environ.get("PROTOC", "protoc")
INCLUDE = "/usr/include"

TOKEN = re.compile(r'''//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|'''
                   r'''[A-Za-z_][A-Za-z0-9_]*|0[xX][0-9A-Fa-f]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|'''
                   r'''\.[0-9]+|\s+|.''', re.S)
KEYWORDS = ["message", "enum", "service", "rpc", "returns", "stream", "option", "optional",
            "required", "repeated", "oneof", "map", "reserved", "extensions", "extend", "to",
            "max", "group", "syntax", "package", "import", "public", "weak", "int32", "string",
            "bytes", "double", "bool", "true", "false", "inf", "nan", "default", "json_name"]
NUMBERS = ["0", "1", "-1", "2", "19000", "19999", "536870911", "536870912", "2147483647",
           "2147483648", "4294967296", "0x10", "010", "1.5", "-0", "18446744073709551616"]
PUNCT = ["{", "}", ";", "=", "(", ")", "[", "]", "<", ">", ",", ".", ":", "-"]


def run(argv, cwd):
    env = dict(os.environ, NO_COLOR="1")
    try:
        r = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=30, env=env)
    except subprocess.TimeoutExpired:
        return 124, "timeout"
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


LOC = re.compile(r"^([^ :\n]+):(\d+):(\d+): (.*)$", re.M)


def first_error(out, need_tag):
    for m in LOC.finditer(out):
        rest = m.group(4)
        if need_tag:
            if rest.startswith("error:"):
                return m.group(1), int(m.group(2))
        elif not rest.startswith("warning:") and not rest.startswith("note:"):
            return m.group(1), int(m.group(2))
    return None


def mutate(text, rng):
    toks = TOKEN.findall(text)
    idx = [i for i, t in enumerate(toks) if not t.isspace() and not t.startswith(("//", "/*"))]
    if not idx:
        return None, None
    i = rng.choice(idx)
    kind = rng.randrange(9)
    t = toks[i]
    if kind == 0:
        toks[i] = ""
        what = "delete %r" % t
    elif kind == 1:
        toks[i] = t + " " + t
        what = "duplicate %r" % t
    elif kind == 2:
        j = rng.choice(idx)
        toks[i], toks[j] = toks[j], toks[i]
        what = "swap %r and %r" % (t, toks[i])
    elif kind == 3:
        nums = [k for k in idx if re.match(r"^[0-9.]", toks[k])]
        if not nums:
            return None, None
        i = rng.choice(nums)
        t = toks[i]
        toks[i] = rng.choice(NUMBERS)
        what = "number %r -> %r" % (t, toks[i])
    elif kind == 4:
        names = [k for k in idx if re.match(r"^[A-Za-z_]", toks[k])]
        if not names:
            return None, None
        i = rng.choice(names)
        t = toks[i]
        toks[i] = rng.choice(KEYWORDS)
        what = "name %r -> keyword %r" % (t, toks[i])
    elif kind == 5:
        names = [k for k in idx if re.match(r"^[A-Za-z_]", toks[k])]
        if len(names) < 2:
            return None, None
        i, j = rng.choice(names), rng.choice(names)
        t = toks[i]
        toks[i] = toks[j]
        what = "name %r -> %r" % (t, toks[j])
    elif kind == 6:
        toks[i] = rng.choice(PUNCT)
        what = "token %r -> %r" % (t, toks[i])
    elif kind == 7:
        toks[i] = t + " " + rng.choice(PUNCT)
        what = "insert %r after %r" % (toks[i].split()[-1], t)
    else:
        # Duplicate the whole line holding the token (a duplicate field, value...).
        lines = text.split("\n")
        k = rng.randrange(len(lines))
        lines.insert(k, lines[k])
        return "\n".join(lines), "duplicate line %d" % (k + 1)
    return "".join(toks), what


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    out = sys.argv[4] if len(sys.argv) > 4 else "/tmp/typerpc-mutants"
    os.makedirs(out, exist_ok=True)
    work = os.path.join(out, "work")
    os.makedirs(work, exist_ok=True)
    # A private copy, so a rebuild during the run cannot pull it away.
    typerpc = os.path.join(out, "typerpc-under-test")
    shutil.copy2(os.path.abspath(sys.argv[1]), typerpc)
    rng = random.Random(seed)
    vdir = os.path.join(HERE, "valid")
    sources = sorted(f for f in os.listdir(vdir) if f.endswith(".proto"))
    bad = 0
    for n in range(count):
        src = rng.choice(sources)
        text = open(os.path.join(vdir, src), encoding="utf-8", errors="surrogateescape").read()
        mutant, what = mutate(text, rng)
        if mutant is None:
            continue
        name = "m%05d.proto" % n
        with open(os.path.join(work, name), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(mutant)
        prc, pout = run([PROTOC, "-I", ".", "--proto_path=" + INCLUDE,
                         "--descriptor_set_out=/dev/null", name], work)
        trc, tout = run([typerpc, "-I", ".", "--proto_path=" + INCLUDE, name], work)
        problem = None
        if trc not in (0, 1):
            problem = "typerpc exit status %d" % trc
        elif (prc == 0) != (trc == 0):
            problem = "verdict: protoc %s, typerpc %s" % ("accepts" if prc == 0 else "rejects",
                                                          "accepts" if trc == 0 else "rejects")
        elif prc != 0:
            pl, tl = first_error(pout, False), first_error(tout, True)
            if pl and pl != tl:
                problem = "first error: protoc %s, typerpc %s" % (pl, tl)
        if problem:
            bad += 1
            keep = os.path.join(out, "%s_%s" % (os.path.splitext(src)[0], name))
            os.replace(os.path.join(work, name), keep)
            with open(keep + ".txt", "w") as f:
                f.write("%s\nmutation: %s\n\n--- protoc (exit %d)\n%s\n--- typerpc (exit %d)\n%s" %
                        (problem, what, prc, pout, trc, tout))
            print("%s: %s (%s from %s)" % (keep, problem, what, src))
    print("%d mutants, %d disagreements (kept in %s)" % (count, bad, out))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
