import Configuration
import Foundation
import Problems
import Storage

/// A merge asked for before every case has its row (shards still running or killed).
struct IncompleteSweep: Error { let message: String }

/// `sweep.csv`: one row per finished case, appended as each case ends.
///
/// Columns: `case`, one per sweep parameter (named by its key), `status`, the study's own
/// columns (`Study.sweepColumns`), then `wall_seconds`, `previous_case`, `folder`, `error`.
/// A row is appended with one write after the case's folder is complete, so a crash loses at
/// most the cases in flight; `--resume` reruns exactly the cases without a row.
enum SweepTable {
    static let trailingColumns = ["wall_seconds", "previous_case", "folder", "error"]

    static func header(parameters: [String], study: [String]) -> [String] {
        ["case"] + parameters + ["status"] + study + trailingColumns
    }

    static func text(_ v: ConfigValue) -> String {
        switch v {
        case .string(let s): s
        case .integer(let i): "\(i)"
        case .double(let d): CSV.format(d)
        case .bool(let b): b ? "true" : "false"
        case .array(let a): "[" + a.map(text).joined(separator: ", ") + "]"
        case .table(let t): "{ " + t.keys.map { "\($0) = \(text(t[$0]!))" }.joined(separator: ", ") + " }"
        }
    }

    /// `previous`: the case the same worker ran just before (its carried state came from it).
    static func row(index: Int, values: [(key: String, value: ConfigValue)], study: [String], report: Run.Report?, error: RunError?,
                    previous: Int? = nil, wall: Double, folder: String) -> [String] {
        let before = previous.map { "\($0)" } ?? ""
        var r = ["\(index)"] + values.map { text($0.value) }
        if let report {
            r.append(report.reason.converged ? "ok" : "not_converged")
            r += study.map { report.outcome.sweepValues[$0] ?? "" }
            r += [CSV.format(wall), before, folder, ""]
        } else {
            r.append("failed")
            r += study.map { _ in "" }
            r += [CSV.format(wall), before, "", error?.message ?? "unknown error"]
        }
        return r
    }

    /// The case index of every row, after checking that each row is one pdekit writes: as many
    /// fields as the header, a case number among `cases`, a status pdekit writes. A row that is
    /// not (an edit, another sweep's table, case 99 of a 4-case sweep) is refused naming its
    /// line, never kept or dropped silently. Lines count from 1, the header being line 1.
    static func caseIndices(_ records: [[String]], table: String, cases: Range<Int>) throws -> [Int] {
        guard let header = records.first else { return [] }
        let status = header.firstIndex(of: "status")
        return try records.dropFirst().enumerated().map { k, r in
            let line = k + 2
            guard r.count == header.count else {
                throw RunError(.badInput, "\(table) line \(line): \(r.count) fields where the header has \(header.count); the table was changed "
                    + "outside pdekit — fix or remove the line, or use a new folder")
            }
            guard let i = Int(r[0]), cases.contains(i) else {
                throw RunError(.badInput, "\(table) line \(line): '\(excerpt(r[0], limit: 40))' is not a case of this sweep (0 to "
                    + "\(cases.upperBound - 1)); the table was changed outside pdekit — fix or remove the line, or use a new folder")
            }
            if let status, !["ok", "not_converged", "failed"].contains(r[status]) {
                throw RunError(.badInput, "\(table) line \(line): status '\(excerpt(r[status], limit: 40))' is not one pdekit writes (ok, "
                    + "not_converged, failed)")
            }
            return i
        }
    }

    /// Rewrites a table atomically (header + rows sorted by case); a complete one is finished
    /// by its study (`Study.finishSweepTable`).
    static func finalize(_ records: [[String]], to url: URL, finishingWith study: (any Study)? = nil) throws {
        guard let header = records.first else { return }
        let rows = records.dropFirst().sorted { (Int($0[0]) ?? 0) < (Int($1[0]) ?? 0) }
        let complete = study?.finishSweepTable([header] + rows) ?? [header] + rows
        try AtomicFile.write(Data(complete.map(CSV.line).joined().utf8), to: url)
    }

    /// `pdekit merge DIR`: joins every shard's table into DIR/sweep.csv.
    static func merge(directory: URL, expectedCases: Int? = nil, study: (any Study)? = nil) throws -> (cases: Int, shards: Int) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let shardFiles = files.filter { $0.hasPrefix("sweep-shard-") && $0.hasSuffix(".csv") }.sorted()
        guard !shardFiles.isEmpty else {
            throw RunError(.badInput, "\(directory.path): no sweep-shard-*-of-*.csv tables to merge")
        }
        // All shards of one count must be present.
        let counts = Set(shardFiles.compactMap { $0.split(separator: "-").last?.split(separator: ".").first.flatMap { Int($0) } })
        guard counts.count == 1, let n = counts.first else {
            throw RunError(.badInput, "\(directory.path): shard tables of different shard counts: \(shardFiles.joined(separator: ", "))")
        }
        // A shard that has not started has no table yet: incomplete, as a shard still running
        // (`sweep --merge` in an early array task then leaves the merge to the last one).
        let missing = (0..<n).filter { !shardFiles.contains("sweep-shard-\($0)-of-\(n).csv") }
        guard missing.isEmpty else {
            let names = missing.map { "\($0)/\(n)" }.joined(separator: ", ")
            throw IncompleteSweep(message: "\(directory.path): missing shard table(s) \(names) of \(n)")
        }
        var header: [String]?
        var rows: [[String]] = []
        var count: [Int: Int] = [:]
        for f in shardFiles {
            let (records, _) = try CSV.read(directory.appendingPathComponent(f))
            guard let h = records.first else { continue }
            if let header, header != h { throw RunError(.badInput, "\(f): its columns differ from the other shards'") }
            header = h
            rows += records.dropFirst()
            for i in try caseIndices(records, table: directory.appendingPathComponent(f).path, cases: 0 ..< (expectedCases ?? Int.max)) {
                count[i, default: 0] += 1
            }
        }
        guard let header else { throw RunError(.badInput, "\(directory.path): the shard tables are empty") }
        // Every case exactly once: a shard still running (or killed) leaves cases out, an
        // edited table may repeat one; neither is merged silently.
        let repeated = count.filter { $0.value > 1 }.keys.sorted()
        guard repeated.isEmpty else {
            throw RunError(.badInput, "\(directory.path): case(s) \(repeated.prefix(5).map(String.init).joined(separator: ", ")) "
                + "appear in more than one row; the shard tables were edited or mixed")
        }
        if let expectedCases {
            let missing = (0..<expectedCases).filter { count[$0] == nil }
            guard missing.isEmpty else {
                throw IncompleteSweep(message: "\(directory.path): \(missing.count) of \(expectedCases) cases have no row yet "
                    + "(\(missing.prefix(5).map(String.init).joined(separator: ", "))\(missing.count > 5 ? ", …" : "")); "
                    + "finish the shards (--resume) before merging")
            }
        }
        try finalize([header] + rows, to: directory.appendingPathComponent("sweep.csv"), finishingWith: study)
        return (rows.count, n)
    }
}
