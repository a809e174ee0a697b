#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Problems

/// Refuses a run that cannot fit in memory before it allocates, instead of letting the
/// allocator abort (or the kernel's OOM killer end) pdekit half-way through.
///
/// The estimate is a lower bound of what the run allocates at its peak — the coefficient at
/// the nodes, the CSR matrix (12 bytes per entry: a Double and a 32-bit column), the
/// right-hand side, solution and exact arrays, the method's workspace, and for factorisations
/// the fill-in measured for nested-dissection orderings — so a refusal is not a false alarm;
/// a run that passes may still need more.
///
/// What the machine has is the smallest of: MemAvailable plus free swap (/proc/meminfo), the
/// cgroup's memory.max less its current use, the address-space and data-segment limits
/// (`ulimit -v`, `ulimit -d`) less what the process already maps, and `PDEKIT_MEMORY_LIMIT`
/// (bytes, or with a K/M/G suffix) when set.
enum MemoryBudget {
    struct Limit { var bytes: Double; var source: String }

    /// Bytes a `pde`, `gp_pde`, `gp_regression` or `reduced_basis` run needs at least, with a breakdown for the message; nil for other kinds
    /// (a linear system's matrix is already in memory once the spec is read).
    static func estimate(_ spec: ProblemSpec) -> (bytes: Double, detail: String)? {
        if let g = spec.physics as? GPPDESpec {
            // Per axis: K, K'', D and their Schur forms (n² each, ~8 of them); on the grid: f, g,
            // u and the Sylvester right-hand side and its transforms (~8 N); the test grid.
            let n = g.points.reduce(0.0) { $0 + Double($1) * Double($1) }, grid = g.points.reduce(1.0) { $0 * Double($1) }
            let test = pow(Double(g.testPoints), Double(g.points.count))
            let matrices = 8 * 8 * n, fields = 8 * 8 * grid + 8 * 3 * test
            return (matrices + fields, "per-axis matrices \(format(matrices)), grid and test fields \(format(fields))")
        }
        if let g = spec.physics as? GPRegressionSpec {
            // Per axis: K, its eigenvectors, the sensitivity W and a work matrix (n² each, ~6);
            // on the data grid: data, rotated data, α, mean, variance, CG vectors for missing
            // points (~12 N); on the prediction grid: mean, variance and the per-axis maps'
            // intermediates (~4 P).
            let n = g.grid.reduce(0.0) { $0 + Double($1) * Double($1) }, grid = g.grid.reduce(1.0) { $0 * Double($1) }
            let predict = g.predict.map { $0.reduce(1.0) { $0 * Double($1) } } ?? 0
            let matrices = 6 * 8 * n, fields = 12 * 8 * grid, predicted = 4 * 8 * predict
            // Learning from an incomplete grid: C, its factor and C⁻¹ on the observed points.
            let observed = Double(g.values.reduce(0) { $0 + ($1.isNaN ? 0 : 1) })
            let dense = g.optimizer != .none && observed < grid ? 3 * 8 * observed * observed : 0
            return (matrices + fields + predicted + dense,
                    "per-axis matrices \(format(matrices)), grid fields \(format(fields)), prediction grid \(format(predicted))"
                        + (dense > 0 ? ", observed points' dense covariance \(format(dense))" : ""))
        }
        if let rb = spec.physics as? ReducedBasisSpec {
            // The Q + 2 stiffness matrices (terms, X, A(μ)), two CHOLMOD factors (at least 20
            // entries per row on a 2D grid), the basis and the Q Riesz representers per vector.
            let n = Double(rb.grid * rb.grid), q = Double(rb.blocks[0] * rb.blocks[1])
            let matrices = (q + 2) * 12 * 5 * n, factors = 2 * 12 * 20 * n, vectors = (q + 1) * 8 * n * Double(rb.maxSize)
            return (matrices + factors + vectors, "matrices \(format(matrices)), factors \(format(factors)), basis and Riesz representers \(format(vectors))")
        }
        guard let p = spec.pde else { return nil }
        let n = Double(p.grid.count), d = Double(p.grid.dimension)
        let nodes = p.grid.axes.reduce(1.0) { $0 * Double($1.nodes) }
        var fields = 8 * nodes
        for f in [p.coefficient, p.rhs] { if case .random = f { fields += 32 * nodes } }  // complex FFT work arrays
        let matrix = 12 * (2 * d + 1) * n + 4 * n
        let vectors = 8 * n * (p.exact == nil ? 2 : 3)
        // The solver's own allocations, as its registry entries model them.
        var method = spec.solver.methodEntry?.workspace(n, p.grid.dimension, spec.solver.options[spec.solver.method]) ?? 40 * n
        if spec.solver.methodEntry?.usesPreconditioner == true, let entry = SolverRegistry.preconditioner(spec.solver.preconditioner) {
            method += entry.workspace(n, p.grid.dimension, spec.solver.options[spec.solver.preconditioner])
        }
        let total = fields + matrix + vectors + method
        return (total, "matrix \(format(matrix)), fields and vectors \(format(fields + vectors)), solver \(format(method))")
    }

    /// The tightest limit on what this process may still allocate; nil when none is known.
    static func available() -> Limit? {
        var limits: [Limit] = []
        let info = keyValues("/proc/meminfo")
        if let avail = info["MemAvailable"] {
            limits.append(Limit(bytes: avail + (info["SwapFree"] ?? 0), source: "available memory and swap"))
        }
        if let max = readNumber("/sys/fs/cgroup/memory.max") {
            limits.append(Limit(bytes: max - (readNumber("/sys/fs/cgroup/memory.current") ?? 0), source: "the cgroup's memory.max"))
        } else if let max = readNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes"), max < 1e18 {
            limits.append(Limit(bytes: max - (readNumber("/sys/fs/cgroup/memory/memory.usage_in_bytes") ?? 0), source: "the cgroup's memory limit"))
        }
        let status = keyValues("/proc/self/status")
        var rl = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max {
            limits.append(Limit(bytes: Double(rl.rlim_cur) - (status["VmSize"] ?? 0), source: "the address-space limit (ulimit -v)"))
        }
        if getrlimit(Int32(RLIMIT_DATA.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max {
            limits.append(Limit(bytes: Double(rl.rlim_cur) - (status["VmData"] ?? 0), source: "the data-segment limit (ulimit -d)"))
        }
        if let s = ProcessInfo.processInfo.environment["PDEKIT_MEMORY_LIMIT"], let b = parseBytes(s) {
            limits.append(Limit(bytes: b, source: "PDEKIT_MEMORY_LIMIT"))
        }
        return limits.min { $0.bytes < $1.bytes }
    }

    /// Throws a bad-input error when the estimate exceeds what is available.
    static func check(_ spec: ProblemSpec) throws {
        guard let (need, detail) = estimate(spec), let limit = available(), need > limit.bytes else { return }
        // The key that sets the size: where the error points the user.
        let key: [String]
        switch spec.physics {
        case is ReducedBasisSpec: key = ["reduced_basis", "grid"]
        case is GPPDESpec: key = ["gp_pde", "points"]
        case let g as GPRegressionSpec: key = g.predict == nil ? ["gp", "data"] : ["gp", "predict"]
        default: key = ["pde", "grid"]
        }
        throw spec.document.error(key, "this run needs at least \(format(need)) of memory (\(detail)) but \(format(max(limit.bytes, 0))) is available (\(limit.source)); use a smaller grid or a machine with more memory")
    }

    static func format(_ bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.0f MB", bytes / 1e6)
    }

    static func parseBytes(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        if let last = t.last, let u = units[last], let x = Double(t.dropLast()), x >= 0 { return x * u }
        if let x = Double(t), x >= 0 { return x }
        return nil
    }

    /// "Key:   123 kB" lines (meminfo, status) as bytes.
    private static func keyValues(_ path: String) -> [String: Double] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let fields = parts[1].split(separator: " ")
            guard let v = fields.first.flatMap({ Double($0) }) else { continue }
            out[String(parts[0])] = fields.count > 1 && fields[1] == "kB" ? v * 1024 : v
        }
        return out
    }

    private static func readNumber(_ path: String) -> Double? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
