// pdekit-bench: the pdekit side of `make bench`. Prints one JSON object per line on stdout,
// in the field names bench/combine.py reads (the peers print the same).
//
//   pdekit-bench core --rhs RHS.npy --n N [--repeats R]
//   pdekit-bench export-sweep --problem P --out DIR [--set key=value ...]
//   pdekit-bench rb-eim
//   pdekit-bench krylov-iteration [--sizes 100,1000 --iterations 200 --repeats 5 --restart 40 --recycle 20]
//   pdekit-bench rb [--m 227 --size 16 --test TEST.csv] [--path-from PYMOR.jsonl --suffix _pymorpath]
//   pdekit-bench gp --data Y.npy [--l1 L --l2 L --noise S --repeats R --label L]
//   pdekit-bench gp-ski --points X.npy --data Y.npy --grid M [--lengthscale L --noise S --probes T --rank R --repeats R --label L]
//   pdekit-bench multigrid --rhs RHS.npy --n N [--dim 3] [--coefficient grf] [--label L] [--profile] [--cases amg_cg,sa_cg,gmg_cg,gmg]
//
// Problem (issue 2, PEERS.md): 2D Poisson, 5-point, N×N interior unknowns, homogeneous
// Dirichlet, matrix scaled by 1/h², right-hand side from RHS.npy, rtol 1e-8 on the true residual.
import Configuration
import Foundation
import Krylov
import LinearAlgebra
import Discretisation
import Problems
import Spectral
import Storage

func emit(_ fields: [(String, Any)]) {
    let body = fields.map { k, v -> String in
        switch v {
        case let s as String: return "\"\(k)\": \"\(s)\""
        case let d as Double: return "\"\(k)\": \(d.isFinite ? "\(d)" : "null")"
        default: return "\"\(k)\": \(v)"
        }
    }.joined(separator: ", ")
    let text = "{\(body)}\n".replacingOccurrences(of: "\"case\": \"\(caseName(fields))\"", with: "\"case\": \"\(caseName(fields))\(suffix)\"")
    FileHandle.standardOutput.write(Data(text.utf8))
}

func caseName(_ fields: [(String, Any)]) -> String { fields.first { $0.0 == "case" }.map { "\($0.1)" } ?? "" }

func log(_ s: String) { FileHandle.standardError.write(Data("[pdekit-bench] \(s)\n".utf8)) }

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func timeIt(_ repeats: Int, _ body: () -> Void) -> Double {
    median((0..<repeats).map { _ in let t = Date(); body(); return Date().timeIntervalSince(t) })
}

let args = Array(CommandLine.arguments.dropFirst())
let mode = args.first ?? ""
if mode == "export-sweep" {
    guard let problem = CommandLine.arguments.firstIndex(of: "--problem").map({ CommandLine.arguments[$0 + 1] }),
          let out = CommandLine.arguments.firstIndex(of: "--out").map({ CommandLine.arguments[$0 + 1] }) else {
        log("usage: pdekit-bench export-sweep --problem P --out DIR [--set key=value ...]"); exit(2)
    }
    let argv = CommandLine.arguments
    let sets = argv.indices.filter { argv[$0] == "--set" && $0 + 1 < argv.count }.map { argv[$0 + 1] }
    try exportSweep(problem: problem, out: out, overrides: sets)
    exit(0)
}
guard ["core", "spectral", "darcy", "multigrid", "gp", "gp-ski", "rb", "rb-eim", "krylov-iteration"].contains(mode) else {
    log("usage: pdekit-bench core|spectral|darcy|multigrid --rhs RHS.npy --n N [--repeats R]"); exit(2)
}
func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}
let version = "pdekit 0.1.0 (threads \(Parallel.threadCount))"
/// `--only a,b`: run only these cases; `--suffix s`: append s to case names (e.g. "_1thread").
let only = option("--only").map { Set($0.split(separator: ",").map(String.init)) }
let suffix = option("--suffix") ?? ""
func wanted(_ name: String) -> Bool { only?.contains(name) ?? true }
if mode == "rb-eim" { try runMatrixEIMBench(); exit(0) }
if mode == "krylov-iteration" {
    try runKrylovIterationBench(sizes: (option("--sizes") ?? "100,1000").split(separator: ",").compactMap { Int($0) },
                                iterations: option("--iterations").flatMap(Int.init) ?? 200, repeats: option("--repeats").flatMap(Int.init) ?? 5,
                                restart: option("--restart").flatMap(Int.init) ?? 40, recycle: option("--recycle").flatMap(Int.init) ?? 20)
    exit(0)
}
if mode == "rb" {
    try runReducedBasisBench(m: option("--m").flatMap(Int.init) ?? 227, size: option("--size").flatMap(Int.init) ?? 16,
                             test: option("--test") ?? "bench/work/rb_test.csv", pathFrom: option("--path-from"))
    exit(0)
}
if mode == "gp" {
    let argv = CommandLine.arguments
    func value(_ name: String) -> String? { argv.firstIndex(of: name).flatMap { $0 + 1 < argv.count ? argv[$0 + 1] : nil } }
    guard let data = value("--data") else { log("usage: pdekit-bench gp --data Y.npy [--l1 L --l2 L --noise S --repeats R --label L]"); exit(2) }
    try runGaussianProcessBench(data: data, lengthscales: [Double(value("--l1") ?? "0.05")!, Double(value("--l2") ?? "0.08")!],
                                noise: Double(value("--noise") ?? "0.1")!, repeats: Int(value("--repeats") ?? "5")!,
                                label: value("--label") ?? "gp")
    exit(0)
}
if mode == "gp-ski" {
    guard let points = option("--points"), let data = option("--data"), let grid = option("--grid").flatMap(Int.init) else {
        log("usage: pdekit-bench gp-ski --points X.npy --data Y.npy --grid M [--lengthscale L --noise S --probes T --rank R --repeats R]")
        exit(2)
    }
    try runScatteredGaussianProcessBench(points: points, data: data, grid: grid, lengthscale: option("--lengthscale").flatMap(Double.init) ?? 0.2,
                                         noise: option("--noise").flatMap(Double.init) ?? 0.01, probes: option("--probes").flatMap(Int.init) ?? 16,
                                         rank: option("--rank").flatMap(Int.init) ?? 256, repeats: option("--repeats").flatMap(Int.init) ?? 3,
                                         label: option("--label") ?? "gp_ski")
    exit(0)
}
if mode == "multigrid", let matrix = option("--matrix"), let rhs = option("--rhs") {
    try runMatrixMultigrid(matrix: matrix, rhs: rhs, label: option("--label") ?? "matrix", nullspace: option("--nullspace"),
                           blockSize: option("--block-size").flatMap(Int.init) ?? 1)
    exit(0)
}
guard let rhsPath = option("--rhs"), let n = option("--n").flatMap(Int.init) else {
    log("missing --rhs or --n"); exit(2)
}
let repeats = option("--repeats").flatMap(Int.init) ?? 10

// The matrix through the same path `pdekit run` uses: a problem file with an NPY rhs.
// Darcy: −div(K∇h) = 1 with K = exp(4.5·GRF(α = 2.5, τ = 7)), as problems/darcy2d.toml.
let rhsURL = URL(fileURLWithPath: rhsPath).standardizedFileURL
let dimension = option("--dim").flatMap(Int.init) ?? 2
let coefficientLine = mode == "darcy" || option("--coefficient") == "grf"
    ? "coefficient = { grf = { alpha = 2.5, tau = 7, seed = 3, scale = 4.5, transform = \"exp\" } }" : ""
let text = """
[problem]
name = "bench_poisson\(n)"
kind = "pde"
[pde]
grid = \([Int](repeating: n, count: dimension))
rhs = { npy = "\(rhsURL.path)" }
\(coefficientLine)
"""
let spec = try ProblemSpec(ProblemDocument(text: text, path: "bench", directory: rhsURL.deletingLastPathComponent()))
guard let pde = spec.physics as? PDESpec else { fatalError() }
var t0 = Date()
let problem = try DiffusionAssembly.assemble(pde.discretisation)
log("assembled \(problem.matrix.rows) unknowns, \(problem.matrix.nonzeros) nonzeros in \(Date().timeIntervalSince(t0)) s")
let a = problem.matrix, b = problem.rhs
func trueRelativeResidual(_ x: [Double]) -> Double { zip(b, a.apply(x)).map { $0 - $1 }.norm2 / b.norm2 }

if mode == "multigrid" {
    if let m = option("--export-matrix"), let r = option("--export-rhs") { try exportSystem(problem, matrix: m, rhs: r) }
    try runMultigrid(problem, label: option("--label") ?? "poisson\(dimension)d_n\(n)", profile: args.contains("--profile"),
                     cases: option("--cases").map { Set($0.split(separator: ",").map(String.init)) })
    exit(0)
}

if mode == "darcy" {
    // PCG with the FFT preconditioner (geometric-mean coefficient) against IC(0).
    let st = problem.structure
    for (name, make) in [("darcy_pcg_fft", { try! FastPoissonSolver(axes: st.axes, coefficient: st.geometricMeanCoefficient) as any Preconditioner }),
                         ("darcy_pcg_ic0", { try! IncompleteCholeskyPreconditioner(a) as any Preconditioner })] {
        t0 = Date()
        let m = make()
        let setup = Date().timeIntervalSince(t0)
        let cg = try ConjugateGradient(matrix: a, preconditioner: m,
                                       options: IterativeOptions(rtol: 1e-8, maxIterations: 100_000, recordHistory: false))
        let (x, r) = cg.solve(b)
        log("\(name): \(r.iterations) its, setup \(setup) s, solve \(r.solveSeconds) s")
        emit([("tool", "pdekit"), ("version", version), ("case", name), ("contrast", st.coefficientContrast),
              ("setup_s", setup), ("solve_s", r.solveSeconds), ("iterations", r.iterations),
              ("per_iteration_s", r.solveSeconds / Double(max(r.iterations, 1))), ("rel_residual", trueRelativeResidual(x)),
              ("reason", r.reason.name)])
    }
    exit(0)
}

if mode == "spectral" {
    // Fast Poisson solve of the same operator, planned once, then timed: with pdekit's default
    // FFTW_ESTIMATE plan (bitwise the same result on every run; case fft_solve_nN) and, unless
    // --effort names one, with FFTW_MEASURE too (case fft_solve_nN_measure).
    let axis = FastPoissonSolver.Axis(unknowns: n, spacing: 1 / Double(n + 1), low: .dirichlet, high: .dirichlet)
    let efforts = option("--effort").flatMap(R2RPlan.Effort.init(rawValue:)).map { [$0] } ?? [.estimate, .measure]
    var u = [Double](repeating: 0, count: a.rows)
    for effort in efforts {
        let fft = try FastPoissonSolver(axes: [axis, axis], coefficient: 1, effort: effort)
        let s = timeIt(max(repeats, 5)) { b.withUnsafeBufferPointer { x in u.withUnsafeMutableBufferPointer { fft.apply(x, into: $0) } } }
        emit([("tool", "pdekit"), ("version", version), ("case", "fft_solve_n\(n)" + (effort == .estimate ? "" : "_\(effort.rawValue)")),
              ("seconds", s), ("planning_s", fft.planningSeconds), ("effort", effort.rawValue), ("rel_residual", trueRelativeResidual(u))])
    }
    let c = try CholeskyFactorization(a)
    t0 = Date()
    let x = c.solve(b)
    emit([("tool", "pdekit"), ("version", "\(version), CHOLMOD \(LibraryVersions.cholmod)"), ("case", "cholmod_n\(n)"),
          ("analyze_s", c.analyzeSeconds), ("factor_s", c.factorSeconds), ("solve_s", Date().timeIntervalSince(t0)),
          ("rel_residual", trueRelativeResidual(x))])
    exit(0)
}

// Array-copy bandwidth with the kernels' own threading: read + write of 128 MiB.
if wanted("copy") {
    let count = 16 << 20
    let src = [Double](repeating: 1, count: count)
    var dst = [Double](repeating: 0, count: count)
    let s = timeIt(repeats) { src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { Vec.copy(s, into: $0) } } }
    emit([("tool", "pdekit"), ("version", version), ("case", "copy"), ("seconds", s),
          ("gbytes_per_s", Double(2 * 8 * count) / s / 1e9)])
}

// SpMV: bytes moved = values + column indices + row pointers + x + y.
if wanted("spmv") {
    var y = [Double](repeating: 0, count: a.rows)
    let s = timeIt(max(repeats, 20)) { b.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { a.apply(x, into: $0) } } }
    let bytes = Double(a.nonzeros * 12 + (a.rows + 1) * 4 + 2 * 8 * a.rows)
    emit([("tool", "pdekit"), ("version", version), ("case", "spmv"), ("seconds", s), ("gbytes_per_s", bytes / s / 1e9)])
}

for (name, make) in [("pcg_none", { IdentityPreconditioner(size: a.rows) as any Preconditioner }),
                     ("pcg_jacobi", { try! JacobiPreconditioner(a) as any Preconditioner }),
                     ("pcg_ic0", { try! IncompleteCholeskyPreconditioner(a) as any Preconditioner })] where wanted(name) {
    // Three runs, median by total time: the solves are long enough to be stable.
    var runs: [(setup: Double, solve: Double, its: Int, rel: Double, reason: String)] = []
    for _ in 0..<3 {
        t0 = Date()
        let m = make()
        let setup = Date().timeIntervalSince(t0)
        let cg = try ConjugateGradient(matrix: a, preconditioner: m,
                                       options: IterativeOptions(rtol: 1e-8, maxIterations: 100_000, recordHistory: false))
        let (x, r) = cg.solve(b)
        runs.append((setup, r.solveSeconds, r.iterations, trueRelativeResidual(x), r.reason.name))
        log("\(name): \(r.iterations) its, setup \(setup) s, solve \(r.solveSeconds) s")
    }
    let mid = runs.sorted { $0.setup + $0.solve < $1.setup + $1.solve }[1]
    emit([("tool", "pdekit"), ("version", version), ("case", name), ("setup_s", mid.setup), ("solve_s", mid.solve),
          ("iterations", mid.its), ("per_iteration_s", mid.solve / Double(max(mid.its, 1))),
          ("rel_residual", mid.rel), ("reason", mid.reason)])
}

// CHOLMOD: analyze, factor, solve (median of three factorizations).
if wanted("cholmod") {
    var rows: [(Double, Double, Double, Double, Int)] = []
    for _ in 0..<3 {
        let c = try CholeskyFactorization(a)
        t0 = Date()
        let x = c.solve(b)
        rows.append((c.analyzeSeconds, c.factorSeconds, Date().timeIntervalSince(t0), trueRelativeResidual(x), c.factorNonzeros))
    }
    let mid = rows.sorted { $0.0 + $0.1 < $1.0 + $1.1 }[1]
    emit([("tool", "pdekit"), ("version", "\(version), CHOLMOD \(LibraryVersions.cholmod)"), ("case", "cholmod"),
          ("analyze_s", mid.0), ("factor_s", mid.1), ("solve_s", mid.2), ("rel_residual", mid.3), ("factor_nonzeros", mid.4)])
}
