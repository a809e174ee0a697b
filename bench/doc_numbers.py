"""Checks that the measured numbers README.md and docs/*.md quote are in bench/results.

    python3 bench/doc_numbers.py            # check; exit 1 and one line per stale number
    python3 bench/doc_numbers.py --self-test

A quoted measurement is a number (or a range a–b) with a unit: s, ms, µs, ×, %, GB/s, /s,
samples/s, cases/s, MB, GB, iterations or products. Each document declares where its numbers
come from on a line of its own, `<!-- numbers: recycling.csv core.csv -->` (files of
bench/results; `all` for every file; `none` when it quotes no measurement). Each quoted number
must equal a value of those files to within half a unit in the last digit shown (so "0.96 s"
stands for [0.955, 0.965] s), a time against a value in seconds. `make bench` rewrites the files
and the README's generated blocks (bench/report.py); a number the prose still quotes from an
older run then fails here.

Not checked here: code (fenced or `inline`), numbers with a `<!-- fact: … -->` marker
(DocFactsTests reruns those), numbers marked `<!-- given -->` (not a measurement: a setting, a
constant of the code or the platform, arithmetic on sizes, a published figure), targets (after ≤, ≥, <, >, ~ or "target", or followed by
"target"), and sizes written N × M. The generated blocks (`<!-- bench…:begin -->`, in the README
and docs/multigrid.md) are checked whole: `bench/report.py --from-results` rebuilds them from bench/results in a scratch
copy, and they must come out as they stand.
"""
import csv, glob, os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
NUMBER = r"\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?"
UNIT = r"(ms|µs|s|×|%|GB/s|MB/s|samples/s|cases/s|/s|MB|GB|GiB|MiB|iterations|products)"
QUANTITY = re.compile(r"(?<![\w.\-/^·])(" + NUMBER + r")(?:\s*[–-]\s*(" + NUMBER + r"))?\s?" + UNIT + r"(?![\w/])")
TIME = {"s": 1.0, "ms": 1e3, "µs": 1e6}


def load(files):
    """(value, is_time) for every numeric value of the named results files."""
    values = []
    for name in files:
        with open(os.path.join(RESULTS, name)) as f:
            for row in csv.DictReader(f):
                try:
                    v = float(row["value"])
                except ValueError:
                    continue
                unit, metric = row["unit"].strip(), row["metric"]
                if metric.endswith("_us"):
                    v *= 1e-6
                rate = "per_s" in metric
                values.append((v, not rate and (unit == "s" or unit.startswith("s ") or "seconds" in unit or metric.endswith(("_s", "_us"))
                                                or "seconds" in metric)))
    return values


def half_unit(text):
    mantissa, _, exponent = text.replace(",", "").lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 0.5 * 10 ** ((int(exponent) if exponent else 0) - decimals)


def matches(text, unit, values):
    x, h = float(text.replace(",", "")), half_unit(text) * (1 + 1e-9)
    if unit in TIME:
        return any(t and abs(v * TIME[unit] - x) <= h for v, t in values)
    scales = [1, 100] if unit == "%" else [1, 1e-3, 1e-6, 1e-9] if unit in ("MB", "GB", "GiB", "MiB") else [1]
    return any(abs(v * s - x) <= h for v, _ in values for s in scales)


def quantities(line):
    """The checked numbers of one line of prose: (text, unit) pairs."""
    line = re.sub(r"`[^`]*`", "``", line)
    found = []
    for m in QUANTITY.finditer(line):
        before, after = line[max(0, m.start() - 14):m.start()], line[m.end():m.end() + 20]
        if re.search(r"([≤≥<>~]|\btargets?( of)?|\btarget \()\s*$", before) or re.match(r"\s*target", after):
            continue
        if m.group(3) == "×" and re.match(r"\s*\d", after):  # a size, 64 × 48
            continue
        if after.startswith(("<!-- fact:", "<!-- given -->")):
            continue
        found += [(t, m.group(3)) for t in (m.group(1), m.group(2)) if t]
    return found


def check(name, text, cache):
    """Stale numbers of one document, as 'name:line: message' strings."""
    problems = []
    declared = re.search(r"^<!-- numbers: ([^>]*) -->$", text, re.M)
    if not declared:
        return [f"{name}:1: no '<!-- numbers: FILE.csv … -->' line says where its measured numbers come from"]
    sources = declared.group(1).split()
    if sources == ["all"]:
        sources = sorted(os.path.basename(p) for p in glob.glob(os.path.join(RESULTS, "*.csv")))
    if sources != ["none"]:
        for s in sources:
            if not os.path.exists(os.path.join(RESULTS, s)):
                return [f"{name}:{text[:declared.start()].count(chr(10)) + 1}: bench/results/{s} does not exist"]
    values = cache.setdefault(tuple(sources), load([] if sources == ["none"] else sources))
    fenced, block = False, None
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        opened = re.match(r"<!-- (bench[\w-]*):begin -->", line)
        if opened:
            block = opened.group(1)
            continue
        if re.match(r"<!-- bench[\w-]*:end -->", line):
            block = None
            continue
        if fenced:
            continue
        if block:
            continue
        for text_, unit in quantities(line):
            if not matches(text_, unit, values):
                problems.append(f"{name}:{number}: {text_} {unit} is not in {', '.join(sources)}")
    return problems


def generated_blocks(documents):
    """The generated blocks (the README's, docs/multigrid.md's) rebuilt from bench/results in a
    scratch copy of `documents` (name → text, as README.md and docs/*.md stand): a line for each
    line that differs (the first ten per document)."""
    with tempfile.TemporaryDirectory() as scratch:
        os.makedirs(os.path.join(scratch, "bench"))
        os.makedirs(os.path.join(scratch, "docs"))
        shutil.copytree(RESULTS, os.path.join(scratch, "bench", "results"))
        for name, text in documents.items():
            with open(os.path.join(scratch, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        run = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "report.py"), "--from-results"], cwd=scratch,
                             capture_output=True, text=True)
        if run.returncode != 0:
            return [f"bench/report.py --from-results failed: {run.stderr.strip().splitlines()[-1:]}"]
        rebuilt = {name: open(os.path.join(scratch, name), encoding="utf-8").read().split("\n") for name in documents}
    problems = []
    for name, text in documents.items():
        current = text.split("\n")
        if rebuilt[name] == current:
            continue
        changed = [i for i, (a, b) in enumerate(zip(current, rebuilt[name]), 1) if a != b] or [min(len(current), len(rebuilt[name]))]
        problems += [f"{name}:{i}: differs from what bench/report.py --from-results builds from bench/results: "
                     f"{(rebuilt[name][i - 1] if i <= len(rebuilt[name]) else '(end)')[:160]}" for i in changed[:10]]
    return problems


def documents():
    paths = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    return [(os.path.relpath(p, ROOT), open(p, encoding="utf-8").read()) for p in paths]


def self_test():
    """The checker fails a number that is not in the results and passes one that is."""
    with open(os.path.join(RESULTS, "end_to_end.csv")) as f:
        row = next(r for r in csv.DictReader(f) if r["metric"] == "wall_seconds")
    good = float(row["value"])
    text = f"<!-- numbers: end_to_end.csv -->\nIt takes {good:.3f} s (target ≤ 9.99 s).\n"
    assert check("t.md", text, {}) == [], check("t.md", text, {})
    assert len(check("t.md", text.replace(f"{good:.3f} s", f"{good + 0.01:.3f} s"), {})) == 1
    assert len(check("t.md", text.replace(f"{good:.3f} s", f"{good * 1000:.0f} ms"), {})) == 0
    assert len(check("t.md", "no declaration\n", {})) == 1
    assert check("t.md", "<!-- numbers: none -->\nA 64 × 48 grid, `0.5 s`, ≥ 3× and a 5× target.\n", {}) == []
    assert len(check("t.md", "<!-- numbers: none -->\nIt took 1.234 s.\n", {})) == 1
    assert check("t.md", "<!-- numbers: none -->\nA line every 5 s<!-- given -->.\n", {}) == []
    # A generated block edited by hand (or left from an older run) differs from its rebuild.
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    begin = readme.index("<!-- bench-end-to-end:begin -->")
    row = readme.index("\n| CG + GMG", begin) + 1
    cell = re.search(r"\| (\d+\.\d+) s \|", readme[row:])
    edited = readme[:row + cell.start(1)] + f"{float(cell.group(1)) + 0.001:.3f}" + readme[row + cell.end(1):]
    assert generated_blocks({"README.md": readme}) == [], generated_blocks({"README.md": readme})
    assert len(generated_blocks({"README.md": edited})) == 1, generated_blocks({"README.md": edited})
    # The same for docs/multigrid.md's block.
    doc = open(os.path.join(ROOT, "docs", "multigrid.md"), encoding="utf-8").read()
    row = doc.index("| 2D Poisson 1023² | ", doc.index("<!-- bench-multigrid-matrix:begin -->"))
    edited = doc[:row] + doc[row:].replace(" (8) |", " (9) |", 1)
    found = generated_blocks({"README.md": readme, "docs/multigrid.md": edited})
    assert len(found) == 1 and found[0].startswith("docs/multigrid.md:"), found
    print("self-test passed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        sys.exit(0)
    problems, cache = generated_blocks(dict(documents())), {}
    for name, text in documents():
        problems += check(name, text, cache)
    print("\n".join(problems) if problems else "every quoted measurement is in bench/results")
    sys.exit(1 if problems else 0)
