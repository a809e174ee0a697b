import Configuration
import Foundation
import LinearAlgebra
import Multigrid
import Spectral

extension FastPoissonSolver.Options: ComponentOptions {
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["effort"] = .string(effort.rawValue)
        return t
    }

    /// `[solver.fft] effort = "estimate" | "measure" | "patient"`. The default is `estimate`:
    /// FFTW then chooses its algorithm from the sizes alone, so the same inputs give bitwise the
    /// same output on every run; `measure` and `patient` time candidates and may choose another
    /// algorithm from run to run (measured: 317 or 318 CG iterations on darcy2d), for speed.
    static func read(_ r: TableReader?) throws -> FastPoissonSolver.Options {
        guard let r else { return FastPoissonSolver.Options(effort: .estimate) }
        let effort = try r.string("effort", default: "estimate", oneOf: R2RPlan.Effort.allCases.map(\.rawValue))
        try r.finish()
        return FastPoissonSolver.Options(effort: R2RPlan.Effort(rawValue: effort)!)
    }

    /// The FFT solver for a structured problem with coefficient `c`.
    static func solver(_ structure: GridStructure?, coefficient c: Double, _ o: FastPoissonSolver.Options,
                       _ d: inout SolverDescription) throws -> FastPoissonSolver {
        guard let structure else { throw LinearAlgebraError.invalidArgument(SolverRegistry.needsGrid(nil, "fft")!) }
        let f = try FastPoissonSolver(axes: structure.axes, coefficient: c, effort: o.effort)
        d.add("fft_coefficient", c)
        d.add("fft_boundaries", structure.axes.map { "\($0.low.rawValue)-\($0.high.rawValue)" }.joined(separator: ", "))
        d.add("fft_planning_seconds", f.planningSeconds)
        return f
    }
}

extension MethodEntry {
    /// The exact FFT fast Poisson solver as a method (constant coefficient only).
    static let fft = MethodEntry(
        name: "fft", help: "fast Poisson solver by FFTW transforms (pde problems with a constant coefficient)",
        usesPreconditioner: false, iterative: false, solvesSingular: true, singularNeedsGrid: true, matrixFree: true,
        options: { try FastPoissonSolver.Options.read($0) },
        validate: { _, structure, _, _ in
            if let problem = SolverRegistry.needsGrid(structure, "fft") { return problem }
            return structure?.constantCoefficient == nil
                ? "'fft' needs a constant coefficient; for a variable one use method = \"cg\" with preconditioner = \"fft\"" : nil
        },
        workspace: { n, _, _ in 40 * n },
        solve: { request, o, d in
            let t0 = Date()
            guard let c = request.structure?.constantCoefficient else {
                throw LinearAlgebraError.invalidArgument("'fft' needs a constant coefficient")
            }
            let f = try FastPoissonSolver.Options.solver(request.structure, coefficient: c, o, &d)
            // The residual check applies the grid's stencil when no matrix was assembled.
            let a: any LinearOperator = try request.matrix ?? StencilOperator(axes: request.structure!.axes,
                                                                               nodeCoefficients: request.structure!.nodeCoefficients)
            return DirectSolve.solve(request, factor: f, operator: a, setupSeconds: Date().timeIntervalSince(t0), &d)
        })
}

extension PreconditionerEntry {
    /// The FFT solve of the constant-coefficient operator with the geometric-mean coefficient.
    static let fft = PreconditionerEntry(
        name: "fft", help: "FFT solve of the constant-coefficient operator with the geometric-mean coefficient (pde problems)",
        solvesSingular: true, singularNeedsGrid: true, matrixFree: true,
        options: { try FastPoissonSolver.Options.read($0) },
        validate: { _, structure, _, _ in SolverRegistry.needsGrid(structure, "fft") },
        workspace: { n, _, _ in 24 * n },
        make: { _, structure, o, _, d in
            try FastPoissonSolver.Options.solver(structure, coefficient: structure?.geometricMeanCoefficient ?? 1, o, &d)
        })
}
