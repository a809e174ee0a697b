import Configuration
import Discretisation
import Foundation
import Problems
import Storage

/// `[output] hdf5 = true`: a finished sweep as one HDF5 file, `dataset.h5`, laid out as
/// PDEBench lays out its data (one dataset per field, the sample axis first, one coordinate
/// dataset per axis):
///
///   solution              float64 (cases, n₁, …)  every case in case order; NaN where a case
///                                                 failed (it wrote no solution)
///   coefficient           float64 (cases, m₁, …)  at the nodes, Dirichlet boundary included
///   rhs                   float64 (cases, n₁, …)  f at the unknowns (a random or NPY rhs)
///   x-coordinate, …       float64 (n_d,)          the unknowns' coordinates (solution's axes)
///   x-node-coordinate, …  float64 (m_d,)          the nodes' coordinates (coefficient's axes)
///   parameters            float64 (cases, p)      sweep.csv's parameter columns; attribute
///                                                 `names` holds their keys
///   case                  int64 (cases,)          the case index (0 … cases − 1)
///   status                string (cases,)         ok | not_converged | failed
///   reason, error         string (cases,)         the run's reason, a failed case's error
///   iterations            int64 (cases,)          −1 where a case failed
///   relative_residual     float64 (cases,)        NaN where a case failed
///
/// Root attributes: `layout` ("pdekit-dataset-1"), `pdekit_version`, `problem_kind`,
/// `run_record` (case 0's run.toml: the resolved problem and its [provenance]) and
/// `sweep_table` (sweep.csv). Nothing is dropped: a user filters on `status`.
enum SweepDataset {
    static let fileName = "dataset.h5"
    static let layout = "pdekit-dataset-1"

    /// `rows`: sweep.csv's records in case order (header first); `record`: the run.toml text of
    /// the case of row `reference`, one with arrays; `arrays` reads the cases' files.
    static func write(directory dir: URL, rows: [[String]], record: String, reference: [String], arrays: SweepStack.CaseArrays,
                      table: URL) throws {
        guard let header = rows.first else { return }
        let cases = rows.dropFirst()
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let status = column("status") else { return }
        let parameterColumns = Array(1..<status)

        var datasets: [HDF5.Dataset] = []
        // Fields: a case without arrays (failed) or without the file gets NaN in its slice.
        for (name, file) in [("solution", "solution.npy"), ("coefficient", "coefficient.npy"), ("rhs", "rhs.npy")] {
            guard let first = try arrays.array(reference, file) else { continue }
            let size = first.values.count
            var values = [Double]()
            values.reserveCapacity(size * cases.count)
            for row in cases {
                let array = arrays.has(row) ? try arrays.array(row, file) : nil
                if let array, array.shape == first.shape {
                    values += array.values
                } else {
                    values += repeatElement(.nan, count: size)
                }
            }
            datasets.append(.init(name, .doubles(values, shape: [cases.count] + first.shape)))
        }
        // Coordinates of the unknowns (x.npy …) and of the nodes (from the replayed record's grid).
        let axes = ["x", "y", "z"]
        for axis in axes {
            guard let c = try arrays.array(reference, "\(axis).npy") else { continue }
            datasets.append(.init("\(axis)-coordinate", .doubles(c.values, shape: c.shape)))
        }
        if let grid = nodeGrid(record, directory: dir) {
            for (axis, a) in zip(axes, grid.axes) {
                let nodes = (0..<a.nodes).map { a.coordinate(node: $0) }
                datasets.append(.init("\(axis)-node-coordinate", .doubles(nodes, shape: [nodes.count])))
            }
        }
        var parameters = [Double]()
        for row in cases { for p in parameterColumns { parameters.append(SweepStack.number(row[p])) } }
        datasets.append(.init("parameters", .doubles(parameters, shape: [cases.count, parameterColumns.count]),
                              attributes: [("names", parameterColumns.map { header[$0] })]))
        datasets.append(.init("case", .integers(cases.map { Int64($0[0]) ?? -1 }, shape: [cases.count])))
        datasets.append(.init("status", .strings(cases.map { $0[status] })))
        for name in ["reason", "error"] {
            if let c = column(name) { datasets.append(.init(name, .strings(cases.map { $0[c] }))) }
        }
        if let c = column("iterations") {
            datasets.append(.init("iterations", .integers(cases.map { Int64($0[c]) ?? -1 }, shape: [cases.count])))
        }
        if let c = column("relative_residual") {
            datasets.append(.init("relative_residual", .doubles(cases.map { Double($0[c]) ?? .nan }, shape: [cases.count])))
        }
        let manifest = OutputGuard.Manifest.read(in: dir)
        let attributes: [(name: String, value: String)] = [
            ("layout", layout), ("pdekit_version", Run.version), ("problem_kind", manifest?.problem ?? ""),
            ("run_record", record), ("sweep_table", (try? String(contentsOf: table, encoding: .utf8)) ?? ""),
        ]
        try SweepStack.listInManifest([fileName], of: dir)
        try HDF5.write(datasets, attributes: attributes, to: dir.appendingPathComponent(fileName))
    }

    /// The grid of a case's run record, replayed (nil for a record that is not a `pde` run.toml).
    private static func nodeGrid(_ record: String, directory: URL) -> Grid? {
        let document = try? ProblemDocument(text: record, path: "run.toml", directory: directory)
        return (document.flatMap { try? ProblemSpec($0) }?.physics as? PDESpec)?.grid
    }
}
