/// A named array of results, written as `<name>.npy` (C order: `values` row-major in `shape`).
public struct NamedArray: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Double]
    public init(name: String, shape: [Int], values: [Double]) { self.name = name; self.shape = shape; self.values = values }
}
