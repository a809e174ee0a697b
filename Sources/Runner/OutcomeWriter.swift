import Foundation
import LinearAlgebra
import Problems
import Storage

/// The one writer: commits any study's outcome to its output folder atomically — the arrays as
/// NPY, the history as CSV, and the run record (`run.toml` or `run.json`): the resolved
/// configuration, `[result]`, the study's tables, `[versions]`, `[provenance]`.
enum OutcomeWriter {
    static func write(_ outcome: StudyOutcome, spec: ProblemSpec, to folder: OutputFolder, durable: Bool) throws {
        for a in outcome.arrays {
            try NPY.write(a.values, shape: a.shape, to: folder.url("\(a.name).npy"), durable: durable)
        }
        if spec.output.history, let history = outcome.history {
            try history.write(to: folder.url("history.csv"), durable: durable)
        }
        var record = spec.resolved
        var result = ConfigTable()
        result["reason"] = .string(outcome.reason.name)
        result["reason_code"] = .integer(Int(outcome.reason.rawValue))
        result["converged"] = .bool(outcome.reason.converged)
        for k in outcome.result.keys { result[k] = outcome.result[k] }
        record["result"] = .table(result)
        for (name, table) in outcome.tables { record[name] = .table(table) }
        var versions = ConfigTable()
        versions["pdekit"] = .string(Run.version)
        versions["suitesparse"] = .string(LibraryVersions.suiteSparse)
        versions["openblas"] = .string(LibraryVersions.openBLAS)
        record["versions"] = .table(versions)
        record["provenance"] = .table(Provenance.table(for: spec))
        if spec.output.format == "json" {
            try AtomicFile.write(Data(RecordWriter.json(record).utf8), to: folder.url("run.json"), durable: durable)
        } else {
            try AtomicFile.write(Data(RecordWriter.toml(record).utf8), to: folder.url("run.toml"), durable: durable)
        }
        try folder.commit(durable: durable)
    }
}
