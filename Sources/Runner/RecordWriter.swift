import Configuration
import Foundation
import Problems

/// Writes a `ConfigTable` as TOML or JSON: the run record (`run.toml` / `run.json`).
///
/// Our own emitter rather than TOMLKit's encoder, so that key order is the order in which
/// the record was built and floats keep round-trip precision.
public enum RecordWriter {
    public static func toml(_ table: ConfigTable) -> String {
        var out = ""
        emitTable(table, path: [], into: &out)
        return out
    }

    private static func emitTable(_ t: ConfigTable, path: [String], into out: inout String) {
        // Plain values first, then sub-tables under their own headers (TOML requires this order).
        for k in t.keys {
            guard let v = t[k] else { continue }
            if case .table = v { continue }
            out += "\(key(k)) = \(inline(v))\n"
        }
        for k in t.keys {
            guard case .table(let sub)? = t[k] else { continue }
            let p = path + [k]
            out += "\n[\(p.map(key).joined(separator: "."))]\n"
            emitTable(sub, path: p, into: &out)
        }
    }

    private static func key(_ k: String) -> String {
        k.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) && !k.isEmpty ? k : quote(k)
    }

    static func quote(_ s: String) -> String {
        var r = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\t": r += "\\t"
            case "\r": r += "\\r"
            default:
                if c.value < 0x20 { r += String(format: "\\u%04X", c.value) } else { r.unicodeScalars.append(c) }
            }
        }
        return r + "\""
    }

    private static func number(_ d: Double, json: Bool) -> String {
        if d.isNaN { return json ? "null" : "nan" }
        if d.isInfinite { return json ? "null" : (d > 0 ? "inf" : "-inf") }
        let s = "\(d)"  // Swift prints the shortest round-trip representation
        return s
    }

    private static func inline(_ v: ConfigValue) -> String {
        switch v {
        case .string(let s): quote(s)
        case .integer(let i): "\(i)"
        case .double(let d): number(d, json: false)
        case .bool(let b): b ? "true" : "false"
        case .array(let a): "[" + a.map(inline).joined(separator: ", ") + "]"
        case .table(let t): "{ " + t.keys.map { "\(key($0)) = \(inline(t[$0]!))" }.joined(separator: ", ") + " }"
        }
    }

    public static func json(_ table: ConfigTable) -> String {
        jsonValue(.table(table), indent: 0) + "\n"
    }

    private static func jsonValue(_ v: ConfigValue, indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
        switch v {
        case .string(let s): return quote(s)
        case .integer(let i): return "\(i)"
        case .double(let d): return number(d, json: true)
        case .bool(let b): return b ? "true" : "false"
        case .array(let a): return "[" + a.map { jsonValue($0, indent: indent + 1) }.joined(separator: ", ") + "]"
        case .table(let t):
            if t.keys.isEmpty { return "{}" }
            return "{\n" + t.keys.map { "\(pad)\(quote($0)): \(jsonValue(t[$0]!, indent: indent + 1))" }
                .joined(separator: ",\n") + "\n\(end)}"
        }
    }
}
