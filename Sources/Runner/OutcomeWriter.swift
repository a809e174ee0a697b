import Configuration
import Foundation
import LinearAlgebra
import Problems
import Storage

/// The one writer: commits any study's outcome to its output folder atomically — the arrays as
/// NPY, the history as CSV, and the run record (`run.toml` or `run.json`): the resolved
/// configuration, `[result]`, the study's tables, `[versions]`, `[provenance]`.
enum OutcomeWriter {
    /// Returns the seconds of the whole write, up to the folder's rename (the summary line and
    /// `--profile`). `[result] write_seconds` can hold only what precedes the record: the arrays,
    /// the history and VTK, without the fsyncs and the rename.
    @discardableResult
    static func write(_ outcome: StudyOutcome, spec: ProblemSpec, to folder: OutputFolder, durable: Bool) throws -> Double {
        let start = Date()
        var checksums = ""
        // Straight into the staging folder (`OutputFolder.write`): one pass over each array, the
        // fsyncs together at the commit.
        for a in outcome.arrays {
            if outcome.checksummed.contains(a.name) {
                let bytes = NPY.encode(a.values, shape: a.shape)
                try folder.write(bytes, to: "\(a.name).npy")
                checksums += "\(SHA256.hex(Array(bytes)))  \(a.name).npy\n"
            } else {
                try folder.writeNPY(a.values, shape: a.shape, to: "\(a.name).npy")
            }
        }
        if !checksums.isEmpty { try folder.write(Data(checksums.utf8), to: ModelChecksums.fileName) }
        if spec.output.history, let history = outcome.history {
            try folder.write(Data(history.encoded().utf8), to: "history.csv")
        }
        if spec.output.vtk { try writeVTK(outcome, to: folder) }
        let seconds = Date().timeIntervalSince(start)
        let (name, text) = record(outcome, spec: spec, writeSeconds: seconds)
        try folder.write(Data(text.utf8), to: name)
        try folder.commit(durable: durable)
        return Date().timeIntervalSince(start)
    }

    /// The run record's file name (`run.toml` or `run.json`, by `[output] format`) and text:
    /// the resolved configuration, `[result]`, the study's tables, `[versions]`, `[provenance]`.
    static func record(_ outcome: StudyOutcome, spec: ProblemSpec, format: String? = nil, writeSeconds: Double? = nil)
        -> (name: String, text: String) {
        var record = spec.resolved
        var result = ConfigTable()
        result["reason"] = .string(outcome.reason.name)
        result["reason_code"] = .integer(Int(outcome.reason.rawValue))
        result["converged"] = .bool(outcome.reason.converged)
        for k in outcome.result.keys { result[k] = outcome.result[k] }
        // Added to what the study already counted (a distributed run's slabs, written by every rank).
        if let writeSeconds {
            var before = 0.0
            if case .double(let d) = outcome.result["write_seconds"] { before = d }
            result["write_seconds"] = .double(before + writeSeconds)
        }
        record["result"] = .table(result)
        for (name, table) in outcome.tables { record[name] = .table(table) }
        var versions = ConfigTable()
        versions["pdekit"] = .string(Run.version)
        versions["suitesparse"] = .string(LibraryVersions.suiteSparse)
        versions["openblas"] = .string(LibraryVersions.openBLAS)
        record["versions"] = .table(versions)
        record["provenance"] = .table(Provenance.table(for: spec))
        return (format ?? spec.output.format) == "json" ? ("run.json", RecordWriter.json(record)) : ("run.toml", RecordWriter.toml(record))
    }

    /// solution.vti: the grid from the coordinates of the unknowns (uniform per axis), the
    /// solution, coefficient and right-hand side as point data.
    static func writeVTK(_ outcome: StudyOutcome, to folder: OutputFolder) throws {
        let byName = Dictionary(outcome.arrays.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        guard let u = byName["solution"] else { return }
        let axes = ["x", "y", "z"].prefix(u.shape.count).compactMap { byName[$0]?.values }
        guard axes.count == u.shape.count, axes.allSatisfy({ $0.count >= 2 }) else { return }
        let atUnknowns = Dictionary((outcome.arrays + outcome.pointData).filter { $0.shape == u.shape }.map { ($0.name, $0) },
                                    uniquingKeysWith: { a, _ in a })
        let fields = ["solution", "coefficient", "rhs"].compactMap { atUnknowns[$0] }
            .map { VTKImageData.Field(name: $0.name, values: $0.values) }
        let data = VTKImageData.encode(shape: u.shape, origin: axes.map { $0[0] }, spacing: axes.map { $0[1] - $0[0] }, fields: fields)
        try folder.write(data, to: "solution.vti")
    }
}
