import Configuration
import Foundation

/// The `[sweep]` table: a family of problems made by overriding values of the base file.
///
/// ```toml
/// [sweep]
/// mode = "product"             # product (cartesian) | zip | random | latin_hypercube
/// samples = 50                 # random / latin_hypercube
/// seed = 1                     # random / latin_hypercube
/// [sweep.parameters]
/// "pde.parameters.k" = [1, 2, 3]                              # a list
/// "solver.rtol" = { log = [1e-10, 1e-4], count = 4 }          # a range (linear or log)
/// "pde.coefficient.grf.seed" = { linear = [0, 9], count = 10, integer = true }
/// "pde.grid" = [[17, 17], [33, 33], [65, 65]]                 # any value: here grids
/// ```
/// For random and Latin-hypercube sampling, parameters are intervals: `{ uniform = [a, b] }`
/// or `{ log_uniform = [a, b] }` (optionally `integer = true`). A key is the dotted path of any
/// value in the file, the same as `--set` takes.
public struct SweepSpec: Sendable {
    public enum Mode: String, Sendable { case product, zip, random, latin_hypercube }

    public struct Parameter: Sendable {
        public var key: String
        public var values: [ConfigValue]
    }

    public var mode: Mode
    /// `[sweep] order`: "given" runs the cases in file order; "nearest" lets the study order
    /// them so that neighbours are similar problems (recycling and reuse gain from it).
    public enum Order: String, Sendable, CaseIterable { case given, nearest }
    public var order: Order
    /// `[sweep] chain_length`: how many consecutive cases (in the run order) share one carried
    /// state; nil: `defaultChainLength(cases:)`. Chains depend on the cases only, never on
    /// `--jobs`, so that which worker runs a chain cannot change its results.
    public var chainLength: Int?
    public var parameters: [Parameter]
    /// The cases: one list of (key, value) per case, in a deterministic order.
    public var cases: [[(key: String, value: ConfigValue)]]

    public init(_ document: ProblemDocument) throws {
        let root = document.reader()
        guard let r = try root.table("sweep") else {
            throw ProblemError(file: document.path, key: "sweep", message: "no [sweep] table: this file describes one problem (use pdekit run)")
        }
        try self.init(design: r, runs: true)
    }

    /// Cases per chain when the file does not say: long enough that a carried state (a recycle
    /// space, an AMG hierarchy, a factorisation's analysis) is reused by most cases, short
    /// enough that sixteen chains balance a few workers: ⌈cases/16⌉ within 4…64.
    public static func defaultChainLength(cases: Int) -> Int { min(64, max(4, (cases + 15) / 16)) }

    /// A design from any table in the [sweep] syntax (`mode`, `samples`, `seed`, `parameters`):
    /// a sweep's own, or a reduced basis's training set.
    /// `runs`: the table describes cases to run (a sweep's own), so `chain_length` applies.
    public init(design r: TableReader, runs: Bool = false) throws {
        let document = r.document
        mode = Mode(rawValue: try r.string("mode", default: "product", oneOf: ["product", "zip", "random", "latin_hypercube"]))!
        order = Order(rawValue: try r.string("order", default: "given", oneOf: Order.allCases.map(\.rawValue)))!
        chainLength = runs && r.has("chain_length") ? try r.int("chain_length", default: 1, minimum: 1, maximum: Self.maxCases) : nil
        let sampled = mode == .random || mode == .latin_hypercube
        let samples = sampled ? try r.int("samples", default: 0, minimum: 1) : 0
        let seed = sampled ? try r.int("seed", default: 0, minimum: 0, maximum: Int.max) : 0
        if !sampled {
            for k in ["samples", "seed"] where r.has(k) { throw r.error(k, "only used with mode = \"random\" or \"latin_hypercube\"") }
        }
        r.describe("samples", as: "integer", "with mode = \"random\" or \"latin_hypercube\"; ≥ 1")
        r.describe("seed", as: "integer", "with mode = \"random\" or \"latin_hypercube\"; default 0")
        r.describe("parameters", as: "table", "{ \"key.path\" = [values] or a range, … } (docs/sweeps.md)")
        guard let p = try r.table("parameters"), !p.table.keys.isEmpty else {
            throw r.error("parameters", "missing: give [sweep.parameters] with at least one \"key.path\" = [values]")
        }
        p.schema = nil   // the keys are the user's paths, not keys of the schema
        var parameters: [Parameter] = []
        var intervals: [(key: String, lo: Double, hi: Double, log: Bool, integer: Bool)] = []
        for k in p.table.keys { _ = p.value(k) }  // every entry is a parameter: none is unknown
        // File order across dotted groups: `pde.grid`, then `"solver.rtol"`, then
        // `pde.parameters.k` stay in that order although TOML nests both pde keys in one table.
        let flat = Self.flatten(p.table).enumerated().sorted { a, b in
            let ra = document.keyOrder.rank(of: p.path + a.element.segments) ?? Int.max
            let rb = document.keyOrder.rank(of: p.path + b.element.segments) ?? Int.max
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map { ($0.element.key, $0.element.value) }
        var seen = Set<String>()
        for (key, _) in flat where !seen.insert(key).inserted {
            throw p.error(dotted: key, "given twice (once quoted, once as a dotted key?); give each parameter once")
        }
        for (key, v) in flat {
            if sampled {
                guard case .table(let t) = v else {
                    throw p.error(dotted: key, "with mode = \"\(mode.rawValue)\" give an interval: { uniform = [a, b] } or { log_uniform = [a, b] }")
                }
                let sub = TableReader(table: t, path: p.path + key.split(separator: ".").map(String.init), document: document)
                let log = sub.has("log_uniform")
                guard let ab = try sub.array(log ? "log_uniform" : "uniform"), ab.count == 2,
                      let lo = ab[0].number, let hi = ab[1].number, lo <= hi, !log || lo > 0 else {
                    throw p.error(dotted: key, "expected { uniform = [a, b] } or { log_uniform = [a, b] } with a ≤ b (and a > 0 for log)")
                }
                let integer = try sub.bool("integer", default: false)
                try sub.finish()
                guard lo.isFinite, hi.isFinite, !integer || (abs(lo) <= Self.maxExactInteger && abs(hi) <= Self.maxExactInteger) else {
                    throw p.error(dotted: key, "interval ends must be finite\(integer ? " and within ±2^53 for integer = true" : ""), "
                        + "got [\(lo), \(hi)]")
                }
                intervals.append((key, lo, hi, log, integer))
            } else {
                let values = try Self.values(of: v, key: key, in: p)
                parameters.append(Parameter(key: key, values: values))
            }
        }
        try p.finish()
        try r.finish()

        // Cases are materialised, so their number is bounded before any is made: a typo in a
        // count must not try to allocate terabytes (checked with overflow-safe products).
        var caseCount = 1
        switch mode {
        case .product:
            for par in parameters {
                let (c, overflow) = caseCount.multipliedReportingOverflow(by: par.values.count)
                caseCount = overflow ? Int.max : c
            }
        case .zip: caseCount = parameters.first?.values.count ?? 0
        case .random, .latin_hypercube: caseCount = samples
        }
        guard caseCount <= Self.maxCases else {
            throw r.error(sampled ? "samples" : "parameters",
                          "the sweep has \(caseCount == Int.max ? "more than \(Int.max)" : "\(caseCount)") cases; "
                              + "at most \(Self.maxCases) are supported")
        }

        switch mode {
        case .product:
            var cases: [[(key: String, value: ConfigValue)]] = [[]]
            for par in parameters {
                cases = cases.flatMap { c in par.values.map { c + [(par.key, $0)] } }
            }
            self.cases = cases
        case .zip:
            let n = parameters[0].values.count
            if let bad = parameters.first(where: { $0.values.count != n }) {
                throw p.error(dotted: bad.key, "mode = \"zip\" needs lists of one length: \(parameters[0].key) has \(n) values, "
                    + "\(bad.key) has \(bad.values.count)")
            }
            cases = (0..<n).map { i in parameters.map { ($0.key, $0.values[i]) } }
        case .random, .latin_hypercube:
            var rng = SweepRandom(seed: UInt64(seed))
            var columns: [[Double]] = []
            for _ in intervals {
                if mode == .random {
                    columns.append((0..<samples).map { _ in rng.uniform() })
                } else {
                    // One point in each of `samples` equal strata, strata shuffled per parameter.
                    var strata = Array(0..<samples)
                    for i in stride(from: samples - 1, to: 0, by: -1) { strata.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                    columns.append(strata.map { (Double($0) + rng.uniform()) / Double(samples) })
                }
            }
            for (j, iv) in intervals.enumerated() {
                let values: [ConfigValue] = columns[j].map { u in
                    let x = iv.log ? exp(log(iv.lo) + u * (log(iv.hi) - log(iv.lo))) : iv.lo + u * (iv.hi - iv.lo)
                    return iv.integer ? .integer(Int(x.rounded(.down).clamped(iv.lo.rounded(.up), iv.hi))) : .double(x)
                }
                parameters.append(Parameter(key: iv.key, values: values))
            }
            cases = (0..<samples).map { i in parameters.map { ($0.key, $0.values[i]) } }
        }
        self.parameters = parameters
    }

    /// The most cases one sweep may have (a million small cases already take hours).
    public static let maxCases = 1_000_000

    /// Integers a Double holds exactly: the bound for `integer = true` ranges.
    static let maxExactInteger = 9_007_199_254_740_992.0

    static let rangeKeys: Set<String> = ["linear", "log", "uniform", "log_uniform"]

    /// Parameters keyed by dotted path. TOML reads an unquoted `pde.grid = [...]` as a nested
    /// table, so nested tables that are not range specifications are flattened into paths.
    static func flatten(_ t: ConfigTable, prefix: [String] = []) -> [(key: String, segments: [String], value: ConfigValue)] {
        t.keys.flatMap { k -> [(key: String, segments: [String], value: ConfigValue)] in
            let path = prefix + [k]
            if case .table(let sub)? = t[k], rangeKeys.isDisjoint(with: sub.keys) { return flatten(sub, prefix: path) }
            return [(path.joined(separator: "."), path, t[k]!)]
        }
    }

    /// A list, or a range `{ linear = [a, b], count = n }` / `{ log = [a, b], count = n }`.
    static func values(of v: ConfigValue, key: String, in p: TableReader) throws -> [ConfigValue] {
        switch v {
        case .array(let a):
            guard !a.isEmpty else { throw p.error(dotted: key, "empty list of values") }
            return a
        case .table(let t):
            let sub = TableReader(table: t, path: p.path + key.split(separator: ".").map(String.init), document: p.document)
            let log = sub.has("log")
            guard let ab = try sub.array(log ? "log" : "linear"), ab.count == 2,
                  let a = ab[0].number, let b = ab[1].number, a.isFinite, b.isFinite else {
                throw p.error(dotted: key, "expected a list, { linear = [a, b], count = n } or { log = [a, b], count = n }")
            }
            let count = try sub.int("count", default: 0, minimum: 1, maximum: Int.max)
            guard count <= maxCases else { throw p.error(dotted: key, "count = \(count) is more than the \(maxCases) cases a sweep supports") }
            let integer = try sub.bool("integer", default: false)
            try sub.finish()
            if log && !(a > 0 && b > 0) { throw p.error(dotted: key, "a log range needs positive ends, got [\(a), \(b)]") }
            if integer && (abs(a) > maxExactInteger || abs(b) > maxExactInteger) {
                throw p.error(dotted: key, "an integer range needs ends within ±2^53, got [\(a), \(b)]")
            }
            return (0..<count).map { i in
                let t = count == 1 ? 0 : Double(i) / Double(count - 1)
                let x = log ? exp(Foundation.log(a) + t * (Foundation.log(b) - Foundation.log(a))) : a + t * (b - a)
                return integer ? .integer(Int(x.rounded())) : .double(x)
            }
        default:
            throw p.error(dotted: key, "expected a list of values or a range table, found \(v.typeName)")
        }
    }
}

/// SplitMix64: the sweep's own small generator for sampled designs (a seed names the design).
struct SweepRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

extension Double {
    func clamped(_ lo: Double, _ hi: Double) -> Double { Swift.min(Swift.max(self, lo), hi) }
}
