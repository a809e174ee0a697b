import Foundation

extension CLITestCase {
    /// A `method = "petsc"` pde problem file for the PETSc tests (one process and distributed):
    /// f = 1 + x and a coefficient that varies, so that coefficient.npy is written.
    func petscProblem(_ name: String, grid: String, coefficient: String = "1 + x*y", petsc: String, rtol: Double = 1e-10) throws -> String {
        try write("\(name).toml", """
            [problem]
            name = "\(name)"
            kind = "pde"
            [pde]
            grid = \(grid)
            rhs = "1 + x"
            coefficient = "\(coefficient)"
            [solver]
            method = "petsc"
            rtol = \(rtol)
            [solver.petsc]
            \(petsc)
            """)
    }
}
