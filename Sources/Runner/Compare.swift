import Foundation
import Storage

/// `pdekit compare A B`: A against the reference B. Each side is an NPY file, a run folder
/// (its solution.npy) or a sweep folder (case by case). Exit status 0 when every compared
/// array is within tolerance, 4 when one is not, 2 for bad input (a missing file, different
/// shapes, sweeps with different cases).
public enum Compare {
    public static let outsideTolerance: Int32 = 4

    public struct Outcome: Sendable {
        /// What to print on stdout (a summary line, or a CSV table for sweeps).
        public var text: String
        public var withinTolerance: Bool
    }

    enum Side {
        case array(NPYArray, String)
        case sweep(URL, [String])  // case folders holding a solution.npy
    }

    static func open(_ path: String) throws -> Side {
        let url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw RunError(.badInput, "\(path): no such file or folder")
        }
        if !isDir.boolValue { return .array(try NPY.read(url), path) }
        let solution = url.appendingPathComponent("solution.npy")
        if FileManager.default.fileExists(atPath: solution.path) { return .array(try NPY.read(solution), solution.path) }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let cases = entries.filter {
            $0.hasPrefix("case-") && FileManager.default.fileExists(atPath: url.appendingPathComponent("\($0)/solution.npy").path)
        }.sorted()
        guard !cases.isEmpty else {
            throw RunError(.badInput, "\(path): neither an NPY file, a run folder (solution.npy) nor a sweep folder (case-*/solution.npy)")
        }
        return .sweep(url, cases)
    }

    static func compareArrays(_ a: NPYArray, _ aName: String, _ b: NPYArray, _ bName: String, rtol: Double, atol: Double) throws -> Comparison {
        guard a.shape == b.shape else {
            throw RunError(.badInput, "shapes differ: \(aName) is \(a.shape), \(bName) is \(b.shape)")
        }
        return Comparison(a.values, b.values, rtol: rtol, atol: atol)
    }

    public static func run(_ a: String, _ b: String, rtol: Double = Comparison.defaultRtol, atol: Double = Comparison.defaultAtol) throws -> Outcome {
        guard rtol >= 0, atol >= 0, rtol.isFinite, atol.isFinite else {
            throw RunError(.badInput, "--rtol and --atol must be finite and ≥ 0")
        }
        switch (try open(a), try open(b)) {
        case (.array(let x, let xn), .array(let y, let yn)):
            let c = try compareArrays(x, xn, y, yn, rtol: rtol, atol: atol)
            let verdict = c.withinTolerance ? "within" : "OUTSIDE"
            let nonFinite = x.values.filter { !$0.isFinite }.count + y.values.filter { !$0.isFinite }.count
            let note = nonFinite > 0 ? " (\(nonFinite) NaN or infinite entries; NaN never matches)" : ""
            return Outcome(text: "relative L2 \(Comparison.format(c.relativeL2)), max abs \(Comparison.format(c.maxAbs)), "
                               + "max relative \(Comparison.format(c.maxRelative)): \(verdict) tolerance (rtol \(rtol), atol \(atol))\(note)\n",
                           withinTolerance: c.withinTolerance)
        case (.sweep(let da, let ca), .sweep(let db, let cb)):
            guard ca == cb else {
                let onlyA = Set(ca).subtracting(cb).sorted(), onlyB = Set(cb).subtracting(ca).sorted()
                throw RunError(.badInput, "the sweeps hold different cases: only in \(a): \(onlyA.prefix(5).joined(separator: ", ")); "
                    + "only in \(b): \(onlyB.prefix(5).joined(separator: ", "))")
            }
            var table = CSVTable(header: ["case", "relative_l2_error", "max_abs_error", "max_relative_error", "within_tolerance"])
            var all = true
            for c in ca {
                let pa = da.appendingPathComponent("\(c)/solution.npy"), pb = db.appendingPathComponent("\(c)/solution.npy")
                let r = try compareArrays(try NPY.read(pa), pa.path, try NPY.read(pb), pb.path, rtol: rtol, atol: atol)
                all = all && r.withinTolerance
                table.append([c, CSV.format(r.relativeL2), CSV.format(r.maxAbs), CSV.format(r.maxRelative), r.withinTolerance ? "true" : "false"])
            }
            return Outcome(text: table.encoded(), withinTolerance: all)
        default:
            throw RunError(.badInput, "compare a sweep folder with a sweep folder, and an array (NPY or run folder) with an array")
        }
    }
}
