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
    /// The cases' arrays, from their folders or from the sweep's spools (`ArraySpool`, when the
    /// sweep wrote no case folders), each read once for both the NPY stack and dataset.h5.
    final class CaseArrays: @unchecked Sendable {
        let directory: URL
        /// sweep.csv's `folder` column.
        let folderColumn: Int
        /// Every spool in the folder (one per shard) and the cases each holds.
        let spools: [ArraySpool.Index]
        private var read: [String: NPYArray?] = [:]
        private var spooled: [Int: [String: NPYArray]] = [:]
        /// The stack and dataset.h5 read at once (`writeIfRequested`).
        private let lock = NSLock()

        init(directory: URL, folderColumn: Int) throws {
            self.directory = directory
            self.folderColumn = folderColumn
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter(SweepStack.isSpoolName).sorted()
            spools = try names.map { try ArraySpool.Index(url: directory.appendingPathComponent($0)) }
        }

        /// The spool holding case `i`'s record.
        func spool(of i: Int) -> ArraySpool.Index? { spools.first { $0.keys.contains(i) } }

        /// Whether row `r` has arrays to read: its case folder, or its record in a spool.
        func has(_ r: [String]) -> Bool { !r[folderColumn].isEmpty || Int(r[0]).flatMap(spool(of:)) != nil }

        /// `file` of row `r`'s case (its folder's file, or the spooled array of that name); nil
        /// when it is absent or unreadable.
        func array(_ r: [String], _ file: String) throws -> NPYArray? {
            lock.lock(); defer { lock.unlock() }
            let folder = r[folderColumn]
            guard folder.isEmpty else {
                let key = folder + "/" + file
                if let known = read[key] { return known }
                let array = try? NPY.read(directory.appendingPathComponent(folder).appendingPathComponent(file))
                read[key] = array
                return array
            }
            guard let i = Int(r[0]) else { return nil }
            let name = file.hasSuffix(".npy") ? String(file.dropLast(4)) : file
            if let arrays = spooled[i] { return arrays[name] }
            guard let items = try spool(of: i)?.items(i) else { return nil }
            var arrays: [String: NPYArray] = [:]
            for case .array(let a) in items { arrays[a.name] = NPYArray(shape: a.shape, values: a.values) }
            spooled[i] = arrays
            return arrays[name]
        }

        /// The run record of row `r`'s case: its folder's run.toml or its spooled record.
        func record(_ r: [String]) throws -> String? {
            lock.lock(); defer { lock.unlock() }
            let folder = r[folderColumn]
            if !folder.isEmpty {
                // run.toml, or run.json with `[output] format = "json"`.
                let case_ = directory.appendingPathComponent(folder)
                return (try? String(contentsOf: case_.appendingPathComponent("run.toml"), encoding: .utf8))
                    ?? (try? String(contentsOf: case_.appendingPathComponent("run.json"), encoding: .utf8))
            }
            guard let i = Int(r[0]), let items = try spool(of: i)?.items(i) else { return nil }
            for case .text(let name, let value) in items where name == "run.toml" { return value }
            return nil
        }
    }

    /// The first error of writers running at once.
    final class FirstError: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var error: Error?
        func record(_ e: Error) { lock.lock(); defer { lock.unlock() }; if error == nil { error = e } }
    }

    /// A shard's spool (`Shard.spoolName`).
    static func isSpoolName(_ name: String) -> Bool {
        name == "sweep.spool" || (name.hasPrefix("sweep-shard-") && name.hasSuffix(".spool"))
    }

    /// Writes the stack when the sweep asked for it (its cases' run records say `stack = true`).
    /// The spools it read are removed once the stack and dataset.h5 are written: a sweep whose
    /// spools are gone has written its outputs, and writing them again is skipped.
    static func writeIfRequested(directory dir: URL, table: URL) throws {
        let (records, _) = try CSV.read(table)
        guard let header = records.first, let status = header.firstIndex(of: "status"),
              let folder = header.firstIndex(of: "folder") else { return }
        let all = records.dropFirst().filter { $0.count == header.count }.sorted { (Int($0[0]) ?? 0) < (Int($1[0]) ?? 0) }
        let arrays = try CaseArrays(directory: dir, folderColumn: folder)
        // The options are in any case's run record (every case has the base file's [output]);
        // a spool holds the record of each chain's first case that ran.
        var found: (row: [String], record: String)?
        for r in all where arrays.has(r) {
            if let record = try arrays.record(r) { found = (r, record); break }
            if !r[folder].isEmpty { break }  // a case folder without run.toml: not one pdekit finished
        }
        guard let (first, record) = found else { return }
        // Every converged case is stacked: one whose arrays are missing is an error, not a gap.
        let rows = all.filter { $0[status] == "ok" }
        if let missing = rows.first(where: { !arrays.has($0) }) {
            throw RunError(.badInput, "\(dir.path): case \(missing[0]) has a row but neither a case folder nor a record in the spool to stack; "
                + "rerun the sweep in a new folder")
        }
        // Every case's arrays read once (a spool is read front to back), then dataset.h5 and the
        // NPY stack written at once, on two threads: each mostly waits for its file to be synced.
        for r in all where arrays.has(r) { _ = try arrays.array(r, "solution.npy") }
        let failure = FirstError()
        let writers: [@Sendable () throws -> Void] = [
            { if requested(record, "hdf5") {
                try SweepDataset.write(directory: dir, rows: [header] + all, record: record, reference: first, arrays: arrays, table: table)
            } },
            { if requested(record, "stack"), !rows.isEmpty {
                try writeStack(rows, header: header, status: status, arrays: arrays, directory: dir)
            } },
        ]
        DispatchQueue.concurrentPerform(iterations: writers.count) { k in
            do { try writers[k]() } catch { failure.record(error) }
        }
        if let error = failure.error { throw error }
        // [output] vtk: a ParaView collection over the cases, the case index as its time.
        if requested(record, "vtk") {
            let entries = rows.filter {
                !$0[folder].isEmpty
                    && FileManager.default.fileExists(atPath: dir.appendingPathComponent($0[folder]).appendingPathComponent("solution.vti").path)
            }.map { (timestep: Double($0[0]) ?? 0, file: $0[folder] + "/solution.vti") }
            try listInManifest(["cases.pvd"], of: dir)
            try AtomicFile.write(VTKImageData.collection(entries), to: dir.appendingPathComponent("cases.pvd"))
        }
        for spool in arrays.spools { try? FileManager.default.removeItem(at: spool.url) }
    }

    /// stack_*.npy from the converged cases' rows.
    private static func writeStack(_ rows: [[String]], header: [String], status: Int, arrays: CaseArrays, directory dir: URL) throws {
        let parameters = Array(1..<status)
        // Inputs stacked when every case wrote them in one shape: the coefficient at the nodes
        // (boundary included) and the assembled right-hand side.
        let inputs = [(file: "coefficient.npy", stack: "stack_coefficients.npy"), (file: "rhs.npy", stack: "stack_rhs.npy")]
        // Slices, not concatenations: the arrays stay those the cases' files or spool records
        // gave, and NPY.writeStacked writes them one after the other.
        var solutions: [[Double]] = [], params: [Double] = [], cases: [Double] = []
        var stacked: [[[Double]]?] = inputs.map { _ in [] }, inputShapes: [[Int]?] = inputs.map { _ in nil }
        var shape: [Int]?
        for r in rows {
            guard let u = try arrays.array(r, "solution.npy") else {
                let source = r[arrays.folderColumn].isEmpty ? "solution in the spool" : "\(r[arrays.folderColumn])/solution.npy"
                throw RunError(.badInput, "\(dir.path): case \(r[0]) has no readable \(source) to stack")
            }
            if let shape, shape != u.shape {
                throw RunError(.badInput,
                               "\(dir.path): [output] stack needs cases of one shape; case \(r[0]) has \(u.shape), case \(rows[0][0]) \(shape)")
            }
            shape = u.shape
            solutions.append(u.values)
            for (i, input) in inputs.enumerated() where stacked[i] != nil {
                if let a = try arrays.array(r, input.file), (inputShapes[i] ?? a.shape) == a.shape {
                    inputShapes[i] = a.shape
                    stacked[i]!.append(a.values)
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
        try NPY.writeStacked(solutions, sliceShape: shape, to: dir.appendingPathComponent("stack_solutions.npy"))
        for i in written {
            try NPY.writeStacked(stacked[i]!, sliceShape: inputShapes[i]!, to: dir.appendingPathComponent(inputs[i].stack))
        }
        try NPY.write(params, shape: [k, parameters.count], to: dir.appendingPathComponent("stack_parameters.npy"))
        try NPY.write(cases, shape: [k], to: dir.appendingPathComponent("stack_cases.npy"))
    }

    private static let manifestLock = NSLock()

    /// Adds `names` to the sweep folder's manifest before they are written, so that the folder
    /// still holds only what its manifest lists (and `--resume` accepts it) even if pdekit is
    /// killed between the two.
    static func listInManifest(_ names: [String], of dir: URL) throws {
        manifestLock.lock(); defer { manifestLock.unlock() }
        guard var manifest = OutputGuard.Manifest.read(in: dir) else { return }
        let missing = names.filter { !manifest.files.contains($0) }
        guard !missing.isEmpty else { return }
        manifest.files += missing
        try manifest.write(in: dir)
    }

    /// `key = true` inside the record's `[output]` table (a TOML record, or a JSON one).
    static func requested(_ record: String, _ key: String) -> Bool {
        if record.first == "{" {
            let object = try? JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any]
            return (object?["output"] as? [String: Any])?[key] as? Bool == true
        }
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
