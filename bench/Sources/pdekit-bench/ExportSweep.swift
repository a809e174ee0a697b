import Configuration
import Foundation
import LinearAlgebra
import Discretisation
import Problems
import Runner
import Storage

/// `export-sweep --problem P --out DIR [--set key=value ...]`: every case of a `pde` sweep,
/// assembled as `pdekit sweep` assembles it, written in the order the sweep runs them (its
/// `[sweep] order`) as DIR/case_NNNN_{indptr,indices,data,rhs}.npy plus DIR/order.txt (the case
/// index of each position), so a peer solves the same systems in the same sequence.
func exportSweep(problem path: String, out: String, overrides: [String]) throws {
    let document = try ProblemDocument(path: path, overrides: overrides)
    let sweep = try SweepSpec(document)
    let specs = try sweep.cases.map { try ProblemSpec(document.sweepCase($0)) }
    let order = sweep.order == .nearest ? LinearSolveStudy().order(specs) : Array(specs.indices)
    let dir = URL(fileURLWithPath: out)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (position, i) in order.enumerated() {
        guard let pde = specs[i].physics as? PDESpec else { throw LinearAlgebraError.invalidArgument("export-sweep: case \(i) is not a pde problem") }
        let p = try DiffusionAssembly.assemble(pde.discretisation)
        let a = p.matrix
        let name = String(format: "case_%04d", position)
        try NPY.write(a.rowPointers.map(Double.init), shape: [a.rows + 1], to: dir.appendingPathComponent("\(name)_indptr.npy"), durable: false)
        try NPY.write(a.columnIndices.map(Double.init), shape: [a.nonzeros], to: dir.appendingPathComponent("\(name)_indices.npy"), durable: false)
        try NPY.write(a.values, shape: [a.nonzeros], to: dir.appendingPathComponent("\(name)_data.npy"), durable: false)
        try NPY.write(p.rhs, shape: [p.rhs.count], to: dir.appendingPathComponent("\(name)_rhs.npy"), durable: false)
    }
    try order.map(String.init).joined(separator: "\n").write(to: dir.appendingPathComponent("order.txt"), atomically: true, encoding: .utf8)
    log("exported \(order.count) systems of \(path) to \(out)")
}
