import Foundation
import Storage

/// `[output] stack = true`: a finished sweep's input–output pairs as stacked arrays in its
/// folder, ready for `numpy.load` (a neural-operator training set):
///   stack_solutions.npy     (cases, n₁, n₂, …) the converged cases' solutions
///   stack_coefficients.npy  (cases, m₁, m₂, …) their coefficients at the nodes (Dirichlet
///                           boundary nodes included), when every case wrote one
///   stack_rhs.npy           (cases, n₁, n₂, …) their assembled right-hand sides, when every
///                           case wrote one (a random or NPY right-hand side, or --vtk)
///   stack_parameters.npy    (cases, p) the parameter columns of sweep.csv, in its order
///                           (a grid such as [63, 63] by its first number)
///   stack_cases.npy         (cases,) the case index of each slice
/// Cases that did not converge or failed are left out; the case order is the case index.
/// With `[output] vtk = true` the finished sweep also writes `cases.pvd`, a ParaView collection
/// of its converged cases' `solution.vti` (time = case index).
enum SweepStack {
    /// The case folders' arrays, each read once for both the NPY stack and dataset.h5.
    final class CaseArrays {
        let directory: URL
        private var read: [String: NPYArray?] = [:]
        init(directory: URL) { self.directory = directory }

        /// `file` of case folder `folder`, nil when it is absent or unreadable.
        func array(_ folder: String, _ file: String) -> NPYArray? {
            let key = folder + "/" + file
            if let known = read[key] { return known }
            let array = try? NPY.read(directory.appendingPathComponent(folder).appendingPathComponent(file))
            read[key] = array
            return array
        }
    }

    /// Writes the stack when the sweep asked for it (its cases' run records say `stack = true`).
    static func writeIfRequested(directory dir: URL, table: URL) throws {
        let (records, _) = try CSV.read(table)
        guard let header = records.first, let status = header.firstIndex(of: "status"),
              let folder = header.firstIndex(of: "folder") else { return }
        let all = records.dropFirst().filter { $0.count == header.count }.sorted { (Int($0[0]) ?? 0) < (Int($1[0]) ?? 0) }
        let rows = all.filter { $0[status] == "ok" && !$0[folder].isEmpty }
        // The options are in any case's run record (every case has the base file's [output]).
        guard let first = all.first(where: { !$0[folder].isEmpty }),
              let record = try? String(contentsOf: dir.appendingPathComponent(first[folder]).appendingPathComponent("run.toml"), encoding: .utf8)
        else { return }
        let arrays = CaseArrays(directory: dir)
        if requested(record, "hdf5") {
            try SweepDataset.write(directory: dir, rows: [header] + all, record: record, recordFolder: first[folder], arrays: arrays,
                                   table: table)
        }
        // [output] vtk: a ParaView collection over the cases, the case index as its time.
        if requested(record, "vtk") {
            let entries = rows.filter {
                FileManager.default.fileExists(atPath: dir.appendingPathComponent($0[folder]).appendingPathComponent("solution.vti").path)
            }.map { (timestep: Double($0[0]) ?? 0, file: $0[folder] + "/solution.vti") }
            try listInManifest(["cases.pvd"], of: dir)
            try AtomicFile.write(VTKImageData.collection(entries), to: dir.appendingPathComponent("cases.pvd"))
        }
        guard requested(record, "stack"), !rows.isEmpty else { return }
        let parameters = Array(1..<status)
        // Inputs stacked when every case wrote them in one shape: the coefficient at the nodes
        // (boundary included) and the assembled right-hand side.
        let inputs = [(file: "coefficient.npy", stack: "stack_coefficients.npy"), (file: "rhs.npy", stack: "stack_rhs.npy")]
        var solutions: [Double] = [], params: [Double] = [], cases: [Double] = []
        var stacked: [[Double]?] = inputs.map { _ in [] }, inputShapes: [[Int]?] = inputs.map { _ in nil }
        var shape: [Int]?
        for r in rows {
            guard let u = arrays.array(r[folder], "solution.npy") else {
                throw RunError(.badInput, "\(dir.path): case \(r[0]) has no readable \(r[folder])/solution.npy to stack")
            }
            if let shape, shape != u.shape {
                throw RunError(.badInput,
                               "\(dir.path): [output] stack needs cases of one shape; case \(r[0]) has \(u.shape), case \(rows[0][0]) \(shape)")
            }
            shape = u.shape
            solutions += u.values
            for (i, input) in inputs.enumerated() where stacked[i] != nil {
                if let a = arrays.array(r[folder], input.file), (inputShapes[i] ?? a.shape) == a.shape {
                    inputShapes[i] = a.shape
                    stacked[i]! += a.values
                } else {
                    stacked[i] = nil
                }
            }
            for p in parameters { params.append(number(r[p])) }
            cases.append(Double(r[0]) ?? .nan)
        }
        guard let shape else { return }
        let k = rows.count
        let written = inputs.indices.filter { stacked[$0] != nil }
        try listInManifest(["stack_solutions.npy", "stack_parameters.npy", "stack_cases.npy"] + written.map { inputs[$0].stack }, of: dir)
        try NPY.write(solutions, shape: [k] + shape, to: dir.appendingPathComponent("stack_solutions.npy"))
        for i in written {
            try NPY.write(stacked[i]!, shape: [k] + inputShapes[i]!, to: dir.appendingPathComponent(inputs[i].stack))
        }
        try NPY.write(params, shape: [k, parameters.count], to: dir.appendingPathComponent("stack_parameters.npy"))
        try NPY.write(cases, shape: [k], to: dir.appendingPathComponent("stack_cases.npy"))
    }

    /// Adds `names` to the sweep folder's manifest before they are written, so that the folder
    /// still holds only what its manifest lists (and `--resume` accepts it) even if pdekit is
    /// killed between the two.
    static func listInManifest(_ names: [String], of dir: URL) throws {
        guard var manifest = OutputGuard.Manifest.read(in: dir) else { return }
        let missing = names.filter { !manifest.files.contains($0) }
        guard !missing.isEmpty else { return }
        manifest.files += missing
        try manifest.write(in: dir)
    }

    /// `key = true` inside the record's `[output]` table.
    static func requested(_ record: String, _ key: String) -> Bool {
        var inOutput = false
        for line in record.split(separator: "\n") {
            if line.hasPrefix("[") { inOutput = line == "[output]"; continue }
            if inOutput && line.replacingOccurrences(of: " ", with: "") == "\(key)=true" { return true }
        }
        return false
    }

    /// A parameter value as a number: the value, or the first number of a list ("[63, 63]").
    static func number(_ s: String) -> Double {
        if let d = Double(s) { return d }
        let inner = s.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
        return inner.first.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? .nan
    }
}
