#!/usr/bin/python3
"""corpus.py — typerpc against protoc on thousands of real .proto files.

For every .proto file that tests/corpus/fetch.sh gathered:
  1. protoc 3.21 decides: `protoc --descriptor_set_out=/dev/null -I... FILE`
     accepts or rejects it;
  2. typerpc (best an ASan+UBSan build) must agree: exit 0 where protoc
     accepts; exit 1 with a `file:line:col: error:` diagnostic where it
     rejects; never a signal, another exit status, a sanitizer report or a
     hang;
  3. for every accepted file, the generated .pb-c.c (and the .trpc.c of a
     file with services, counted apart, so a failure says which generator
     made it) must compile with gcc and clang, -std=c11 -Wall -Wextra
     -Werror, against the generated headers of the file's imports.

Import paths. Each file is compiled with the roots its collection expects,
worked out from the files themselves as a user would: an import "a/b.proto"
is looked for first under the importing file's own ancestor folders (the
googleapis layout: every file imports from the folder holding google/), then
under a folder of the same collection that holds it (a vendored
google/protobuf/descriptor.proto stays on the path: that is the case where
options must be read from the loaded descriptor.proto), then, for a Debian
file, under the system roots of the Debian tree (/usr/include first), then
anywhere in the same source, then anywhere. A file's own root
is the one its importers use for it, else the shallowest of its ancestors
that its own imports were found under, else its folder. protoc and typerpc
get the same roots in the same order and run in the file's own root.

Usage: corpus.py --cache DIR --typerpc EXE [--sample N] [-j N] [--report FILE]
Exit status: 0 when every check passed, 1 when any failed, 2 on bad usage,
3 when the corpus is missing.
"""
import argparse
import collections
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 120   # seconds for one protoc, typerpc or C compiler run

IMPORT_RE = re.compile(r'\bimport\s+(?:public\s+|weak\s+)?"([^"\n]+)"\s*;')
DIAG_RE = re.compile(r'^[^\s:][^:\n]*:\d+:\d+: error: ', re.M)
SANITIZER_RE = re.compile(r'(ERROR: AddressSanitizer|ERROR: LeakSanitizer|'
                          r'runtime error:|UndefinedBehaviorSanitizer)')
WARNING_FLAG_RE = re.compile(r'\[-W(?:error=)?([A-Za-z0-9_=-]+)\]')

# Folders of the Debian tree that a user of those packages puts on -I, in
# the order we search them when an import is found nowhere nearer.
DEBIAN_SYSTEM_ROOTS = ['usr/include', 'usr/share/grpc-proto', 'usr/share/gocode/src']


def strip_comments(text):
    """Drop // and /* */ comments (strings are kept) so commented-out
    imports are not taken for real ones."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '/' and i + 1 < n and text[i + 1] == '/':
            j = text.find('\n', i)
            i = n if j < 0 else j
        elif c == '/' and i + 1 < n and text[i + 1] == '*':
            j = text.find('*/', i + 2)
            i = n if j < 0 else j + 2
            out.append(' ')
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def read_imports(path):
    try:
        with open(path, 'rb') as f:
            text = f.read().decode('utf-8', 'replace')
    except OSError:
        return []
    return IMPORT_RE.findall(strip_comments(text))


class Corpus:
    """The gathered files, their collections, and the roots to compile them."""

    def __init__(self, cache):
        self.cache = cache
        self.files = []             # (collection, absolute path), sorted
        self.collection_of = {}     # absolute path -> collection
        self.top_of = {}            # collection -> folder that bounds ancestors
        self.manifest = []
        with open(os.path.join(cache, 'MANIFEST.tsv')) as f:
            rows = [line.rstrip('\n').split('\t') for line in f][1:]
        for source, pkg, version, folder, count in rows:
            coll = f'{source}:{pkg}'
            self.manifest.append((coll, version, int(count)))
            top = os.path.join(cache, folder)
            self.top_of[coll] = top
            if source == 'debian':
                with open(os.path.join(cache, 'debian', 'lists', pkg + '.txt')) as lf:
                    paths = [os.path.join(top, p.strip()) for p in lf if p.strip()]
            else:
                paths = []
                for d, _, names in os.walk(top):
                    paths += [os.path.join(d, n) for n in names if n.endswith('.proto')]
            for p in sorted(paths):
                if os.path.isfile(p) and p not in self.collection_of:
                    self.collection_of[p] = coll
                    self.files.append((coll, p))
        self.debian_top = os.path.join(cache, 'debian', 'root')
        self.system_roots = [os.path.join(self.debian_top, r) for r in DEBIAN_SYSTEM_ROOTS]
        # Every folder R and name N with R/N a corpus file, by N: where an
        # import could be found when no nearer folder has it.
        self.roots_by_name = collections.defaultdict(list)
        for coll, p in self.files:
            parts = p.split(os.sep)
            top_depth = len(self.top_of[coll].split(os.sep))
            for k in range(top_depth, len(parts)):
                name = '/'.join(parts[k:])
                self.roots_by_name[name].append(os.sep.join(parts[:k]))
        self.imports = {p: read_imports(p) for _, p in self.files}
        self._resolve_all()

    def _find(self, importer, name):
        """The root under which `importer` finds import `name`, or None."""
        coll = self.collection_of.get(importer)
        top = self.top_of.get(coll, '/')
        d = os.path.dirname(importer)
        while len(d) >= len(top):
            if os.path.isfile(os.path.join(d, name)):
                return d
            d = os.path.dirname(d)
        cands = sorted(set(self.roots_by_name.get(name, [])), key=lambda r: (len(r), r))
        for r in cands:     # same collection first
            if self.collection_of.get(os.path.join(r, name)) == coll:
                return r
        if coll and coll.startswith('debian:'):
            for r in self.system_roots:
                if os.path.isfile(os.path.join(r, name)):
                    return r
        source = (coll or '').split(':')[0]
        for r in cands:     # then the same source (Debian tree, npm)
            if (self.collection_of.get(os.path.join(r, name)) or '').startswith(source + ':'):
                return r
        for r in self.system_roots:
            if os.path.isfile(os.path.join(r, name)):
                return r
        return cands[0] if cands else None

    def _resolve_all(self):
        self.found = {}             # (importer, name) -> root
        self.named_as = {}          # absolute path -> name its importers use
        for _, p in self.files:
            for name in self.imports[p]:
                r = self._find(p, name)
                self.found[(p, name)] = r
                if r:
                    self.named_as.setdefault(os.path.join(r, name), name)

    def own_root(self, path):
        name = self.named_as.get(path)
        if name and path.endswith('/' + name):
            return path[:-len(name) - 1]
        best = None
        for name in self.imports.get(path, []):
            r = self.found.get((path, name))
            if r and path.startswith(r + '/') and (best is None or len(r) < len(best)):
                best = r
        return best or os.path.dirname(path)

    def job(self, coll, path):
        """(cwd, virtual name, roots) to compile `path` with."""
        own = self.own_root(path)
        roots = [own]
        names = set()
        seen = {path}
        todo = [path]
        while todo:
            p = todo.pop(0)
            imps = self.imports.get(p)
            if imps is None:
                imps = self.imports[p] = read_imports(p)
            for name in imps:
                names.add(name)
                r = self.found.get((p, name))
                if (p, name) not in self.found:
                    r = self.found[(p, name)] = self._find(p, name)
                if not r:
                    continue
                if r not in roots:
                    roots.append(r)
                q = os.path.join(r, name)
                if q not in seen:
                    seen.add(q)
                    todo.append(q)
        return own, os.path.relpath(path, own), roots, frozenset(names)


def sample_files(files, n):
    """A deterministic sample of about n files spread over every collection:
    from each, every k-th file of its sorted list, at least 3 per collection."""
    by_coll = collections.OrderedDict()
    for coll, p in files:
        by_coll.setdefault(coll, []).append((coll, p))
    total = len(files)
    out = []
    for coll, lst in by_coll.items():
        want = max(3, round(n * len(lst) / total))
        step = max(1, len(lst) // want)
        # Start at an offset fixed by the collection's name, not at 0, so the
        # sample is not always the alphabetically first files.
        off = int(hashlib.sha1(coll.encode()).hexdigest(), 16) % step
        out += lst[off::step][:want]
    return out


def run(cmd, cwd, env=None):
    """(status, output): status is the exit code, -N for signal N, or
    'timeout'."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=TIMEOUT)
        return p.returncode, p.stdout.decode('utf-8', 'replace')
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode('utf-8', 'replace') if e.stdout else ''
        return 'timeout', out


def read_deps(dep_file):
    """The prerequisites of a make-style dependency file."""
    with open(dep_file) as f:
        text = f.read().replace('\\\n', ' ')
    deps = []
    for line in text.splitlines():
        if ':' not in line:
            continue
        rhs = line.split(':', 1)[1]
        deps += [d.replace('\\ ', ' ') for d in re.split(r'(?<!\\)\s+', rhs.strip()) if d]
    return deps


def virtual_name(disk, roots, cwd, import_names):
    """The name under which the tools loaded `disk`: one that, searched on
    the roots in order as an import is, finds this very file; of several,
    one that the file's imports (direct or not) use."""
    full = os.path.normpath(os.path.join(cwd, disk))
    names = []
    for r in roots:
        if not full.startswith(r + '/'):
            continue
        v = os.path.relpath(full, r)
        first = next((q for q in roots if os.path.isfile(os.path.join(q, v))), None)
        if first == r:
            names.append(v)
    for v in names:
        if v in import_names:
            return v
    return names[0] if names else None


def first_error(text):
    """The first error line of a tool's output (protoc's carry no
    'error:'; its warnings do carry 'warning:')."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for line in lines:
        if ' error: ' in line or line.startswith('error:'):
            return line
    for line in lines:
        if ('warning:' not in line and ' note: ' not in line and
                not line.startswith('[libprotobuf WARNING')):
            return line
    return lines[0] if lines else ''


def compile_kind(text):
    m = WARNING_FLAG_RE.search(text)
    if m:
        return '-W' + m.group(1)
    return 'error'


def check_one(args):
    cfg, coll, path, cwd, name, roots, import_names = args
    res = {'collection': coll, 'path': path, 'name': name, 'roots': roots}
    inc = []
    for r in roots:
        inc += ['-I', r]
    st, out = run([cfg['protoc'], '--descriptor_set_out=/dev/null'] + inc + [name], cwd)
    res['protoc'] = st
    res['protoc_msg'] = first_error(out) if st != 0 else ''
    tmp = tempfile.mkdtemp(prefix='trpc-corpus-')
    try:
        outdir = os.path.join(tmp, 'out')
        os.mkdir(outdir)
        env = dict(os.environ)
        env['ASAN_OPTIONS'] = 'exitcode=86:detect_leaks=1:abort_on_error=0'
        env['UBSAN_OPTIONS'] = 'exitcode=87:print_stacktrace=1:halt_on_error=1'
        env['NO_COLOR'] = '1'
        t0 = time.monotonic()
        st, out = run([cfg['typerpc'], '--c_out=' + outdir,
                       '--dependency_out=' + os.path.join(tmp, 'deps')] + inc + [name],
                      cwd, env)
        res['typerpc_seconds'] = round(time.monotonic() - t0, 3)
        res['typerpc'] = st
        res['typerpc_msg'] = first_error(out) if st != 0 else ''
        crash = None
        if st == 'timeout':
            crash = 'hang (over %d s)' % TIMEOUT
        elif isinstance(st, int) and st < 0:
            crash = 'signal %s' % signal.Signals(-st).name
        elif SANITIZER_RE.search(out):
            m = SANITIZER_RE.search(out)
            crash = 'sanitizer: ' + out[m.start():].splitlines()[0][:200]
        elif st not in (0, 1):
            crash = 'exit status %s' % st
        elif st == 1 and not DIAG_RE.search(out):
            crash = 'exit 1 without a file:line:col: error: diagnostic'
        res['crash'] = crash
        if crash:
            res['typerpc_out'] = out[-4000:]
        if st != 0 or res['protoc'] != 0:
            return res
        # The generated headers of the imports, for the file's own C to
        # compile: generate them from the dependency list typerpc wrote.
        deps = []
        for d in read_deps(os.path.join(tmp, 'deps')):
            v = virtual_name(d, roots, cwd, import_names)
            if v and v != name:
                deps.append(v)
        if deps:
            st2, out2 = run([cfg['typerpc'], '--c_out=' + outdir] + inc + deps, cwd, env)
            if st2 != 0:
                res['deps_failed'] = first_error(out2) or 'status %s' % st2
                return res
        base = name[:-len('.proto')] if name.endswith('.proto') else name
        res['compile'] = {}
        for kind, suffix in (('pb-c', '.pb-c.c'), ('trpc', '.trpc.c')):
            src = os.path.join(outdir, base + suffix)
            if not os.path.exists(src):
                continue
            for cc in ('gcc', 'clang'):
                cmd = [cc, '-std=c11', '-Wall', '-Wextra', '-Werror', '-c',
                       '-I', outdir, '-I', cfg['include'], '-o', '/dev/null', src]
                cst, cout = run(cmd, tmp)
                if cst != 0:
                    res['compile'][f'{kind}/{cc}'] = {
                        'kind': compile_kind(cout), 'first': first_error(cout),
                        'output': cout[:3000]}
                else:
                    res['compile'][f'{kind}/{cc}'] = None
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--cache', required=True)
    ap.add_argument('--typerpc', required=True)
    ap.add_argument('--protoc', default=shutil.which('protoc') or 'protoc')
    ap.add_argument('--include', required=True,
                    help="folder holding typerpc/*.h (the project's include/)")
    ap.add_argument('--sample', type=int, default=0,
                    help='check a deterministic sample of about N files')
    ap.add_argument('-j', '--jobs', type=int, default=2)
    ap.add_argument('--report', help='write every result as JSON lines here')
    ap.add_argument('--only', help='check only files whose path contains this')
    a = ap.parse_args()

    if not os.path.exists(os.path.join(a.cache, 'MANIFEST.tsv')):
        print(f'corpus: no corpus in {a.cache}: run tests/corpus/fetch.sh first')
        return 3
    t0 = time.monotonic()
    corpus = Corpus(os.path.abspath(a.cache))
    files = corpus.files
    if a.only:
        files = [f for f in files if a.only in f[1]]
    if a.sample:
        files = sample_files(files, a.sample)
    cfg = {'protoc': a.protoc, 'typerpc': os.path.abspath(a.typerpc),
           'include': os.path.abspath(a.include)}
    jobs = []
    for coll, p in files:
        cwd, name, roots, names = corpus.job(coll, p)
        jobs.append((cfg, coll, p, cwd, name, roots, names))
    print(f'corpus: {len(jobs)} files from {len(corpus.manifest)} packages '
          f'({len(corpus.files)} in the corpus), -j{a.jobs}', flush=True)

    results = []
    report = open(a.report, 'w') if a.report else None
    with multiprocessing.Pool(a.jobs) as pool:
        for i, res in enumerate(pool.imap_unordered(check_one, jobs, chunksize=4), 1):
            results.append(res)
            if report:
                report.write(json.dumps(res) + '\n')
                report.flush()
            if i % 500 == 0:
                print(f'corpus: {i}/{len(jobs)} files, {time.monotonic() - t0:.0f} s',
                      flush=True)
    if report:
        report.close()
    return summarize(results, time.monotonic() - t0)


def summarize(results, seconds):
    results.sort(key=lambda r: r['path'])
    n = len(results)
    accepted = [r for r in results if r['protoc'] == 0]
    crashes = [r for r in results if r.get('crash')]
    disagree = [r for r in results if not r.get('crash') and
                (r['protoc'] == 0) != (r['typerpc'] == 0)]
    deps_failed = [r for r in results if r.get('deps_failed')]
    comp = collections.Counter()
    comp_files = collections.defaultdict(list)
    checked = collections.Counter()
    for r in results:
        for key, fail in (r.get('compile') or {}).items():
            checked[key] += 1
            if fail:
                comp[(key, fail['kind'])] += 1
                comp_files[key].append((r, fail))

    by_coll = collections.OrderedDict()
    for r in results:
        c = by_coll.setdefault(r['collection'], collections.Counter())
        c['files'] += 1
        c['accepted'] += r['protoc'] == 0
        c['agree'] += not r.get('crash') and (r['protoc'] == 0) == (r['typerpc'] == 0)
        c['compile_fail'] += any(v for k, v in (r.get('compile') or {}).items()
                                 if k.startswith('pb-c'))
    print()
    print(f'{"collection":56} {"files":>6} {"protoc ok":>9} {"agree":>6} {"C fails":>7}')
    for coll, c in by_coll.items():
        print(f'{coll:56} {c["files"]:6} {c["accepted"]:9} {c["agree"]:6} {c["compile_fail"]:7}')
    print()
    for r in disagree:
        verdict = 'accepts' if r['protoc'] == 0 else 'rejects'
        other = r['typerpc_msg'] if r['protoc'] == 0 else '(accepted)'
        print(f'DISAGREE {r["path"]}: protoc {verdict}'
              f'{" (" + r["protoc_msg"] + ")" if r["protoc_msg"] else ""}; typerpc: {other}')
    for r in crashes:
        print(f'CRASH {r["path"]}: {r["crash"]}')
    for r in deps_failed:
        print(f'DEPS {r["path"]}: generating the imports failed: {r["deps_failed"]}')
    for key in sorted(comp_files):
        for r, fail in comp_files[key]:
            print(f'COMPILE {key} {r["path"]}: {fail["first"]}')
    print()
    print(f'files:              {n}')
    print(f'protoc accepts:     {len(accepted)}')
    print(f'protoc rejects:     {n - len(accepted)}')
    print(f'agreement:          {n - len(disagree) - len(crashes)}/{n}')
    print(f'disagreements:      {len(disagree)}')
    print(f'crashes:            {len(crashes)}')
    for key in ('pb-c/gcc', 'pb-c/clang', 'trpc/gcc', 'trpc/clang'):
        fails = sum(v for (k, _), v in comp.items() if k == key)
        print(f'compile {key:11} {checked[key] - fails}/{checked[key]} clean', end='')
        kinds = ', '.join(f'{kind}: {v}' for (k, kind), v in sorted(comp.items()) if k == key)
        print(f' ({kinds})' if kinds else '')
    print(f'imports not generated: {len(deps_failed)}')
    print(f'time:               {seconds:.0f} s')
    msg_fail = len(disagree) + len(crashes) + len(deps_failed) + sum(
        v for (k, _), v in comp.items() if k.startswith('pb-c'))
    svc_fail = sum(v for (k, _), v in comp.items() if k.startswith('trpc'))
    if svc_fail:
        print(f'(service code: {svc_fail} compile failures, reported apart)')
    return 1 if msg_fail or svc_fail else 0


if __name__ == '__main__':
    sys.exit(main())
