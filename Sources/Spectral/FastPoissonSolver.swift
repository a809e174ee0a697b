// Fast direct solver for the constant-coefficient finite-difference operator −c Δ_h.
//
// The operator assembled by `DiffusionAssembly` with a ≡ c is (M/|cell|)·c·Σ_d (I ⊗ M_d⁻¹K_d ⊗ I)
// with K_d the 1D stiffness and M_d the 1D lumped mass (h, or h/2 at a Neumann end). Each
// M_d⁻¹K_d is diagonalised by a real trigonometric transform chosen by the axis' boundary
// conditions, so A⁻¹ is: weight, transform every axis, divide by the eigenvalue sums, transform
// back. The eigenvalues are those of the discrete operator (2 − 2cos θ_k)/h², so the solve is
// exact for the discrete problem, not an approximation of the continuous one.
//
//   boundary (low, high)   eigenvectors v_k(j)           θ_k               forward   backward   norm
//   Dirichlet, Dirichlet   sin(π(k+1)(j+1)/(n+1))        π(k+1)/(n+1)      DST-I     DST-I      2(n+1)
//   Neumann, Neumann       cos(πkj/(n−1))                πk/(n−1)          DCT-I     DCT-I      2(n−1)
//   Dirichlet, Neumann     sin(π(2k+1)(j+1)/(2n))        π(2k+1)/(2n)      DST-III   DST-II     2n
//   Neumann, Dirichlet     cos(π(2k+1)j/(2n))            π(2k+1)/(2n)      DCT-III   DCT-II     2n
//   periodic               cos/sin(2πmj/n), m=min(k,n−k) 2πm/n             R2HC      HC2R       n
//
// Two strategies. With two or more axes and a non-periodic first axis (and a nonsingular
// operator), only the other axes are transformed; in transform space every mode k leaves a
// tridiagonal system (T₀ + μ_k I) v = f along the first axis, solved exactly by the Thomas
// algorithm (Hockney's method, J. ACM 12, 1965). That halves the transform work, which on
// sizes with large prime factors (N + 1 = 1001 = 7·11·13) dominates. Otherwise every axis is
// transformed. Both are exact for the discrete operator.
//
// (FFTW's names: DST-I = RODFT00, DST-II = RODFT10, DST-III = RODFT01, DCT-I = REDFT00,
// DCT-II = REDFT10, DCT-III = REDFT01; Frigo & Johnson, "The design and implementation of
// FFTW3", Proc. IEEE 93 (2005), and the FFTW manual §4.8.)

import Foundation
import LinearAlgebra

public final class FastPoissonSolver: Preconditioner, @unchecked Sendable {
    /// The grid's own description (LinearAlgebra's `GridStructure`), so that any structured
    /// problem can hand its axes to the solver.
    public typealias Boundary = GridStructure.Boundary
    public typealias Axis = GridStructure.Axis

    /// `[solver.fft]`: FFTW's planning effort (more effort, faster transforms, longer setup).
    public struct Options: Sendable, Equatable {
        public var effort: R2RPlan.Effort
        public init(effort: R2RPlan.Effort = .measure) { self.effort = effort }
    }

    public let rows: Int
    public var columns: Int { rows }
    public var name: String { "fft" }
    public let setupSeconds: Double
    public let axes: [Axis]
    public let coefficient: Double
    /// True when every axis is Neumann or periodic: the zero mode is dropped and the solution
    /// has zero mean (the operator is singular).
    public let singular: Bool

    private let forward: R2RPlan
    private let backward: R2RPlan
    /// Full transform: 1 / (c Σ_d λ_d,k_d) / Π_d norm_d for every mode, 0 for a zero eigenvalue.
    private let inverseEigenvalues: [Double]
    /// Per axis 1/r_d(j): 2 at a Neumann end node (half cell), else 1.
    private let weights: [[Double]]
    /// Some axis has a Neumann end (a weight of 2), so the right-hand side must be reweighted.
    private let hasWeights: Bool
    /// Scale applied with the weights (tridiagonal strategy: 1 / (c Π_{d≥1} norm_d)).
    private let rhsScale: Double
    /// Tridiagonal strategy: Thomas factors per (row i of axis 0, mode k of the other axes).
    private let tridiagonal: Tridiagonal?
    private let lock = NSLock()

    /// Thomas algorithm for (T₀ + μ_k I) v = f along axis 0, all modes at once.
    struct Tridiagonal {
        let rows: Int          // n₀
        let modes: Int         // Π_{d≥1} n_d
        let sub: [Double]      // a_i, i ≥ 1
        let inverseDenominator: [Double]  // m_i(k) = 1 / (b_i + μ_k − a_i c'_{i−1}(k)), row-major (i, k)
        let superPrime: [Double]          // c'_i(k) = c_i m_i(k)
    }

    public init(axes: [Axis], coefficient: Double = 1, effort: R2RPlan.Effort = .measure, threads: Int? = nil) throws {
        guard !axes.isEmpty, axes.count <= 3 else { throw LinearAlgebraError.invalidArgument("FFT solver: \(axes.count) axes") }
        guard coefficient > 0, coefficient.isFinite else {
            throw LinearAlgebraError.invalidArgument("FFT solver: coefficient must be positive, got \(coefficient)")
        }
        let t0 = Date()
        var fwdKinds: [R2RPlan.Kind] = [], bwdKinds: [R2RPlan.Kind] = [], lambdas: [[Double]] = [], norms: [Double] = []
        var weights: [[Double]] = []
        for a in axes {
            let n = a.unknowns, h2 = a.spacing * a.spacing
            guard (a.low == .periodic) == (a.high == .periodic) else {
                throw LinearAlgebraError.invalidArgument("FFT solver: a periodic axis must be periodic on both sides")
            }
            guard n >= 2 else { throw LinearAlgebraError.invalidArgument("FFT solver: an axis needs at least 2 unknowns") }
            var theta: [Double]
            var w = [Double](repeating: 1, count: n)
            switch (a.low, a.high) {
            case (.dirichlet, .dirichlet):
                fwdKinds.append(.dstI); bwdKinds.append(.dstI); norms.append(Double(2 * (n + 1)))
                theta = (0..<n).map { Double.pi * Double($0 + 1) / Double(n + 1) }
            case (.neumann, .neumann):
                fwdKinds.append(.dctI); bwdKinds.append(.dctI); norms.append(Double(2 * (n - 1)))
                theta = (0..<n).map { Double.pi * Double($0) / Double(n - 1) }
                w[0] = 2; w[n - 1] = 2
            case (.dirichlet, .neumann):
                fwdKinds.append(.dstIII); bwdKinds.append(.dstII); norms.append(Double(2 * n))
                theta = (0..<n).map { Double.pi * Double(2 * $0 + 1) / Double(2 * n) }
                w[n - 1] = 2
            case (.neumann, .dirichlet):
                fwdKinds.append(.dctIII); bwdKinds.append(.dctII); norms.append(Double(2 * n))
                theta = (0..<n).map { Double.pi * Double(2 * $0 + 1) / Double(2 * n) }
                w[0] = 2
            default:
                fwdKinds.append(.realToHalfComplex); bwdKinds.append(.halfComplexToReal); norms.append(Double(n))
                theta = (0..<n).map { 2 * Double.pi * Double(min($0, n - $0)) / Double(n) }
            }
            // 2 − 2cos θ = 4 sin²(θ/2), computed without cancellation for small θ.
            lambdas.append(theta.map { 4 * pow(sin($0 / 2), 2) / h2 })
            weights.append(w)
        }
        self.axes = axes; self.coefficient = coefficient
        self.weights = weights
        hasWeights = weights.contains { $0.contains(2) }
        singular = axes.allSatisfy { $0.low != .dirichlet && $0.high != .dirichlet }
        let shape = axes.map(\.unknowns)
        rows = shape.reduce(1, *)
        // Two parts above 65,536 unknowns whatever the thread count (R2RPlan): the result is
        // then bitwise the same on one thread, two, or in a sweep of any --jobs.
        let nThreads = threads ?? (rows >= 1 << 16 ? 2 : 1)

        if axes.count >= 2 && axes[0].low != .periodic && !singular {
            // Transform axes 1…d−1 (a batch of n₀ arrays), tridiagonal solves along axis 0.
            let rest = Array(shape.dropFirst())
            let modes = rest.reduce(1, *), n0 = shape[0]
            forward = try R2RPlanPool.shared.checkout(shape: rest, kinds: Array(fwdKinds.dropFirst()), howMany: n0, effort: effort, threads: nThreads)
            backward = try R2RPlanPool.shared.checkout(shape: rest, kinds: Array(bwdKinds.dropFirst()), howMany: n0, effort: effort,
                                                       threads: nThreads)
            let mu = Self.modeSums(Array(lambdas.dropFirst()), shape: rest)
            let h2 = axes[0].spacing * axes[0].spacing
            var sub = [Double](repeating: -1 / h2, count: n0), sup = sub
            if axes[0].low == .neumann { sup[0] = -2 / h2 }
            if axes[0].high == .neumann { sub[n0 - 1] = -2 / h2 }
            var m = [Double](repeating: 0, count: n0 * modes), cp = m
            for k in 0..<modes {
                var previous = 0.0
                for i in 0..<n0 {
                    let den = 2 / h2 + mu[k] - (i > 0 ? sub[i] * previous : 0)
                    m[i * modes + k] = 1 / den
                    previous = (i < n0 - 1 ? sup[i] : 0) / den
                    cp[i * modes + k] = previous
                }
            }
            tridiagonal = Tridiagonal(rows: n0, modes: modes, sub: sub, inverseDenominator: m, superPrime: cp)
            inverseEigenvalues = []
            rhsScale = 1 / (coefficient * norms.dropFirst().reduce(1, *))
        } else {
            forward = try R2RPlanPool.shared.checkout(shape: shape, kinds: fwdKinds, effort: effort, threads: nThreads)
            backward = try R2RPlanPool.shared.checkout(shape: shape, kinds: bwdKinds, effort: effort, threads: nThreads)
            let scale = 1 / (coefficient * norms.reduce(1, *))
            inverseEigenvalues = Self.modeSums(lambdas, shape: shape).map { $0 > 0 ? scale / $0 : 0 }
            tridiagonal = nil
            rhsScale = 1
        }
        setupSeconds = Date().timeIntervalSince(t0)
    }

    /// Σ_d λ_d,k_d for every mode k of `shape`, in C order.
    static func modeSums(_ lambdas: [[Double]], shape: [Int]) -> [Double] {
        let count = shape.reduce(1, *)
        var out = [Double](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for m in 0..<count {
            var s = 0.0
            for d in 0..<shape.count { s += lambdas[d][index[d]] }
            out[m] = s
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return out
    }

    /// u = A⁻¹ b. For a singular (all Neumann/periodic) operator, the zero-mean solution of the
    /// projected system.
    public func apply(_ b: UnsafeBufferPointer<Double>, into u: UnsafeMutableBufferPointer<Double>) {
        precondition(b.count >= rows && u.count >= rows, "FFT solve: vectors shorter than \(rows)")
        lock.lock(); defer { lock.unlock() }
        let buf = forward.buffer.baseAddress!
        loadWeighted(b.baseAddress!, into: buf)
        forward.execute()
        let out = backward.buffer.baseAddress!
        if let t = tridiagonal {
            t.inverseDenominator.withUnsafeBufferPointer { mb in t.superPrime.withUnsafeBufferPointer { cb in
                let m = mb.baseAddress!, cp = cb.baseAddress!, modes = t.modes, n0 = t.rows
                let sub = t.sub
                // Each thread owns a range of modes and sweeps all rows: rows stream through memory.
                Parallel.chunks(modes, minimumChunk: 256) { r, _ in
                    for k in r { out[k] = buf[k] * m[k] }
                    for i in 1..<n0 {
                        let row = i * modes, prev = row - modes, a = sub[i]
                        for k in r { out[row + k] = (buf[row + k] - a * out[prev + k]) * m[row + k] }
                    }
                    for i in stride(from: n0 - 2, through: 0, by: -1) {
                        let row = i * modes, next = row + modes
                        for k in r { out[row + k] -= cp[row + k] * out[next + k] }
                    }
                }
            }}
        } else {
            inverseEigenvalues.withUnsafeBufferPointer { ib in
                let inv = ib.baseAddress!
                Parallel.chunks(rows) { r, _ in for i in r { out[i] = buf[i] * inv[i] } }
            }
        }
        backward.execute()
        Vec.copy(UnsafeBufferPointer(backward.buffer), into: u)
    }

    /// buffer = b / Π r_d · rhsScale (undoes the half-cell mass at Neumann ends).
    private func loadWeighted(_ bp: UnsafePointer<Double>, into buf: UnsafeMutablePointer<Double>) {
        if !hasWeights && rhsScale == 1 {
            Vec.copy(UnsafeBufferPointer(start: bp, count: rows), into: UnsafeMutableBufferPointer(start: buf, count: rows))
            return
        }
        let inner = axes.last!.unknowns, outerCount = rows / inner
        let lastW = weights[axes.count - 1]
        var index = [Int](repeating: 0, count: axes.count)
        for o in 0..<outerCount {
            var rem = o, w = rhsScale
            for d in stride(from: axes.count - 2, through: 0, by: -1) {
                index[d] = rem % axes[d].unknowns; rem /= axes[d].unknowns; w *= weights[d][index[d]]
            }
            let base = o * inner
            for j in 0..<inner { buf[base + j] = bp[base + j] * w * lastW[j] }
        }
    }

    public var planningSeconds: Double { forward.planningSeconds + backward.planningSeconds }

    /// Identities of the two plans in use (for the pool's tests).
    var planIdentities: Set<ObjectIdentifier> { [ObjectIdentifier(forward), ObjectIdentifier(backward)] }

    deinit {
        R2RPlanPool.shared.checkin(forward)
        R2RPlanPool.shared.checkin(backward)
    }
}
