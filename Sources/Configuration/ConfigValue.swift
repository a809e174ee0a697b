import Foundation
import TOMLKit

/// A TOML value in a plain Swift tree, so that `--set` overrides can be applied and the
/// resolved configuration written back out. Table keys keep their file order.
public indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case array([ConfigValue])
    case table(ConfigTable)

    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .double: "a float"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }

    init(toml value: TOMLValueConvertible, order: TOMLKeyOrder? = nil, path: [String] = []) {
        switch value.type {
        case .table: self = .table(ConfigTable(toml: value.table!, order: order, path: path))
        case .array: self = .array(value.array!.map { ConfigValue(toml: $0, order: order, path: path) })
        case .string: self = .string(value.string!)
        case .int: self = .integer(value.int!)
        case .double: self = .double(value.double!)
        case .bool: self = .bool(value.bool!)
        default: self = .string(value.tomlValue.debugDescription)  // dates: kept as text
        }
    }
}

/// An ordered TOML table.
public struct ConfigTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [String: ConfigValue] = [:]

    public init() {}

    /// TOMLKit returns keys unordered; `order` (a scan of the text) restores the file's order,
    /// and keys it cannot place follow alphabetically, so the result is always deterministic.
    init(toml: TOMLTable, order: TOMLKeyOrder? = nil, path: [String] = []) {
        let keys = order?.ordered(toml.keys, in: path) ?? toml.keys.sorted()
        for k in keys { self[k] = ConfigValue(toml: toml[k]!, order: order, path: path + [k]) }
    }

    public subscript(key: String) -> ConfigValue? {
        get { values[key] }
        set {
            if let newValue {
                if values[key] == nil { keys.append(key) }
                values[key] = newValue
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Sets a value at a dotted path, creating intermediate tables.
    mutating func set(path: ArraySlice<String>, to value: ConfigValue) throws {
        guard let head = path.first else { return }
        if path.count == 1 { self[head] = value; return }
        var child: ConfigTable
        switch self[head] {
        case .table(let t)?: child = t
        case nil: child = ConfigTable()
        case let other?: throw ConfigPathError(key: head, found: other.typeName)
        }
        try child.set(path: path.dropFirst(), to: value)
        self[head] = .table(child)
    }
}

extension ConfigTable {
    /// The value at a dotted path through nested tables; nil where a step is missing or not a table.
    public func value(at path: ArraySlice<String>) -> ConfigValue? {
        guard let head = path.first else { return nil }
        if path.count == 1 { return self[head] }
        guard case .table(let t)? = self[head] else { return nil }
        return t.value(at: path.dropFirst())
    }

    /// Removes the value at a dotted path through nested tables, if it is there.
    public mutating func remove(at path: ArraySlice<String>) {
        guard let head = path.first else { return }
        if path.count == 1 { self[head] = nil; return }
        guard case .table(var t)? = self[head] else { return }
        t.remove(at: path.dropFirst())
        self[head] = .table(t)
    }
}

struct ConfigPathError: Error { let key: String; let found: String }

extension ConfigValue {
    /// An integer or a float as a Double; nil for anything else.
    public var number: Double? {
        switch self {
        case .double(let d): d
        case .integer(let i): Double(i)
        default: nil
        }
    }
}
