import Configuration
import Discretisation
import Foundation
import Storage

/// A scalar field given in a problem file: a number, an expression in x, y, z and the named
/// parameters, or an NPY file holding one value per unknown (shape = the grid's shape) or per
/// node (`Grid.nodeShape`: the unknowns and the Dirichlet boundary nodes).
public enum FieldSpec: Sendable {
    case expression(Expression)
    case npy(path: String, array: NPYArray)
    /// A seeded Gaussian random field (`{ grf = {...} }` or `{ matern = {...} }`).
    case random(RandomField)

    /// Reads `key` of `reader`; `nil` if absent. `allowNPY` is false for fields that live on the
    /// boundary (an NPY of interior values would not apply there).
    static func read(_ reader: TableReader, _ key: String, parameters: [String: Double],
                     allowNPY: Bool = true) throws -> FieldSpec? {
        defer {
            reader.describe(key, as: "field", allowNPY ? "a number, an expression, { npy = \"file.npy\" }, { grf = … } or { matern = … }"
                                                       : "a number or an expression")
        }
        guard let v = reader.value(key) else { return nil }
        switch v {
        case .integer, .double:
            let x = try reader.double(key)!
            return .expression(try Expression("\(x)", parameters: [:]))
        case .string(let s):
            do { return .expression(try Expression(s, parameters: parameters)) }
            catch let e as ExpressionError { throw reader.error(key, e.description) }
        case .table(let t) where allowNPY:
            let sub = reader.child(key, t)
            for kind in ["grf", "matern"] {
                if let g = try sub.table(kind) {
                    try sub.finish()
                    do { return .random(try RandomField(g, kind: kind)) }
                }
            }
            guard let file = try sub.string("npy") else {
                throw reader.error(key, "expected a number, an expression string, { npy = \"file.npy\" }, { grf = {...} } or { matern = {...} }")
            }
            try sub.finish()
            let url = reader.document.resolve(file)
            do { return .npy(path: file, array: try NPY.read(url)) }
            catch let e as StorageError { throw reader.error(key, e.description) }
        default:
            throw reader.error(key, allowNPY ? "expected a number, an expression string, or { npy = \"file.npy\" }, found \(v.typeName)"
                                             : "expected a number or an expression string, found \(v.typeName)")
        }
    }

    /// The field with its data, as the discretisation takes it on `grid`. An NPY array is read
    /// by its shape: one value per unknown (the grid's shape), or one per node, Dirichlet
    /// boundary nodes included (`grid.nodeShape`, what `coefficient.npy` holds). Flat arrays
    /// of either length are taken in the same C order.
    public func field(on grid: Grid) -> DiffusionProblem.Field {
        switch self {
        case .expression(let e): .expression(e)
        case .npy(_, let array):
            Self.isNodeShaped(array, on: grid) ? .nodeValues(array.values) : .values(array.values)
        case .random(let r): .random(r)
        }
    }

    /// Whether `array` holds one value per node rather than per unknown (the two are one thing
    /// when no side is Dirichlet; then it is read per unknown).
    static func isNodeShaped(_ array: NPYArray, on grid: Grid) -> Bool {
        grid.nodeShape != grid.shape && (array.shape == grid.nodeShape || array.shape == [grid.nodeCount])
    }

    var resolved: ConfigValue {
        switch self {
        case .expression(let e): .string(e.source)
        case .npy(let path, _): { var t = ConfigTable(); t["npy"] = .string(path); return .table(t) }()
        case .random(let r): r.resolved
        }
    }
}
