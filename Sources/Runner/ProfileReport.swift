import Configuration
import Foundation
import LinearAlgebra

/// `pdekit run --profile`: the run's phases (reading the file, the study's own phases from its
/// `*_seconds` results, writing) with their share of the wall time, and the solve's events
/// (`Profile`: A and M⁻¹ applications, calls, seconds and, for a CSR product, the bytes it must
/// move and the bandwidth that gives). What the phases leave out is shown as "other".
enum ProfileReport {
    struct Row {
        var name: String
        var seconds: Double
        var calls: Int?
        var bytes: Double?
        var nested = false
    }

    /// The rows, in order: read, the study's phases (its result's `*_seconds` keys), each
    /// event under the phase that holds it (the solve, or the last study phase), write, other.
    static func rows(readSeconds: Double, result: ConfigTable, events: [Profile.Event], writeSeconds: Double?, wall: Double?) -> [Row] {
        var rows = [Row(name: "read file", seconds: readSeconds, calls: 1)]
        let phases = result.keys.filter { $0.hasSuffix("_seconds") && $0 != "write_seconds" }
        let holder = phases.contains("solve_seconds") ? "solve_seconds" : phases.last
        for key in phases {
            guard case .double(let s) = result[key] else { continue }
            rows.append(Row(name: String(key.dropLast("_seconds".count)).replacingOccurrences(of: "_", with: " "), seconds: s, calls: 1))
            if key == holder {
                let inEvents = events.reduce(0) { $0 + $1.seconds }
                rows += events.map { Row(name: $0.name, seconds: $0.seconds, calls: $0.calls, bytes: $0.bytes, nested: true) }
                if !events.isEmpty {
                    rows.append(Row(name: "the rest (vector operations, orthogonalisation)", seconds: max(0, s - inEvents), nested: true))
                }
            }
        }
        if let writeSeconds { rows.append(Row(name: "write", seconds: writeSeconds, calls: 1)) }
        if let wall {
            let counted = rows.filter { !$0.nested }.reduce(0) { $0 + $1.seconds }
            rows.append(Row(name: "other (start of the run, checks, record, rename)", seconds: max(0, wall - counted)))
        }
        return rows
    }

    /// The table printed after the summary: seconds, share of the wall time, calls, bytes moved
    /// and GB/s where a model is known.
    static func text(_ rows: [Row], wall: Double) -> String {
        let width = max(40, rows.map { $0.name.count + ($0.nested ? 2 : 0) }.max() ?? 0)
        var out = "profile (wall \(String(format: "%.3f", wall)) s):\n"
        out += "  " + "phase / event".padding(toLength: width, withPad: " ", startingAt: 0)
            + "   seconds   share    calls    GB moved   GB/s\n"
        for r in rows {
            let name = (r.nested ? "  " : "") + r.name
            var line = "  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
            line += String(format: " %9.4f %6.1f%%", r.seconds, wall > 0 ? 100 * r.seconds / wall : 0)
            line += r.calls.map { String(format: " %8d", $0) } ?? String(repeating: " ", count: 9)
            if let b = r.bytes {
                line += String(format: " %11.3f", b / 1e9)
                if r.seconds > 0 { line += String(format: " %6.2f", b / 1e9 / r.seconds) }
            }
            out += line + "\n"
        }
        return out
    }

    /// `[profile]` in run.toml: one table per row (its name as a key, spaces as _), with
    /// seconds, calls and bytes where known.
    static func table(_ rows: [Row]) -> ConfigTable {
        var t = ConfigTable()
        for r in rows {
            var row = ConfigTable()
            row["seconds"] = .double(r.seconds)
            if let c = r.calls { row["calls"] = .integer(c) }
            if let b = r.bytes { row["bytes"] = .double(b) }
            let key = r.name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
            t[String(key).split(separator: "_").joined(separator: "_")] = .table(row)
        }
        return t
    }
}
