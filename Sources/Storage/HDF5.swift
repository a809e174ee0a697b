import CHDF5
import Foundation

/// Writes an HDF5 file (through Debian's libhdf5, loaded on first use): named datasets of float64, int64 or UTF-8
/// strings, each with optional string attributes, and string attributes on the root group —
/// what a sweep's `dataset.h5` holds (docs/datasets.md). The file appears complete or not at
/// all (`AtomicFile.write(to:)`). Datasets are contiguous and uncompressed, C order, so h5py,
/// NumPy and every HDF5 reader see the shapes given here.
public enum HDF5 {
    public enum Values: Sendable {
        case doubles([Double], shape: [Int])
        case integers([Int64], shape: [Int])
        case strings([String])

        var count: Int {
            switch self {
            case .doubles(let v, _): v.count
            case .integers(let v, _): v.count
            case .strings(let v): v.count
            }
        }
        var shape: [Int] {
            switch self {
            case .doubles(_, let s), .integers(_, let s): s
            case .strings(let v): [v.count]
            }
        }
    }

    public struct Dataset: Sendable {
        public var name: String
        public var values: Values
        /// String attributes; a list is written as a 1-D string attribute.
        public var attributes: [(name: String, value: [String])]

        public init(_ name: String, _ values: Values, attributes: [(name: String, value: [String])] = []) {
            self.name = name; self.values = values; self.attributes = attributes
        }
    }

    /// Writes `datasets` and the root's `attributes` (scalar strings) to `url`.
    public static func write(_ datasets: [Dataset], attributes: [(name: String, value: String)], to url: URL,
                             durable: Bool = true) throws {
        for d in datasets where d.values.shape.reduce(1, *) != d.values.count {
            throw StorageError(.writeFailed, path: url.path, message: "dataset \(d.name): \(d.values.count) values for shape \(d.values.shape)")
        }
        if let reason = pdekit_h5_load() { throw failure(url, String(cString: reason)) }
        let h5 = pdekit_h5_functions()!.pointee
        try AtomicFile.write(to: url, durable: durable) { path in
            // HDF5 prints its error stack on stderr by default; pdekit reports one line instead.
            _ = h5.Eset_auto2(pdekit_h5e_default(), nil, nil)
            let file = h5.Fcreate(path, pdekit_h5f_acc_trunc(), pdekit_h5p_default(), pdekit_h5p_default())
            guard file >= 0 else { throw failure(url, "cannot create the file") }
            var closed = false
            defer { if !closed { _ = h5.Fclose(file) } }
            for (name, value) in attributes { try writeAttribute(name, [value], scalar: true, on: file, url, h5) }
            for d in datasets { try writeDataset(d, in: file, url, h5) }
            closed = true
            guard h5.Fclose(file) >= 0 else { throw failure(url, "cannot close the file") }
        }
    }

    private static func failure(_ url: URL, _ what: String) -> StorageError {
        StorageError(.writeFailed, path: url.path, message: "HDF5: \(what)")
    }

    /// A variable-length UTF-8 string type (h5py reads it as str).
    private static func stringType(_ h5: pdekit_h5_api) -> hid_t {
        let t = h5.Tcopy(h5.cString)
        _ = h5.Tset_size(t, pdekit_h5t_variable())
        _ = h5.Tset_cset(t, H5T_CSET_UTF8)
        return t
    }

    private static func writeDataset(_ d: Dataset, in file: hid_t, _ url: URL, _ h5: pdekit_h5_api) throws {
        let dims = d.values.shape.map { hsize_t($0) }
        let space = h5.Screate_simple(Int32(dims.count), dims, nil)
        guard space >= 0 else { throw failure(url, "cannot make the dataspace of \(d.name)") }
        defer { _ = h5.Sclose(space) }
        let type: hid_t
        switch d.values {
        case .doubles: type = h5.Tcopy(h5.nativeDouble)
        case .integers: type = h5.Tcopy(h5.nativeInt64)
        case .strings: type = stringType(h5)
        }
        defer { _ = h5.Tclose(type) }
        let set = h5.Dcreate2(file, d.name, type, space, pdekit_h5p_default(), pdekit_h5p_default(), pdekit_h5p_default())
        guard set >= 0 else { throw failure(url, "cannot create dataset \(d.name)") }
        defer { _ = h5.Dclose(set) }
        // The whole dataset in one write: memory and file space are both all of it.
        func write(_ buffer: UnsafeRawPointer?) -> herr_t {
            h5.Dwrite(set, type, pdekit_h5s_all(), pdekit_h5s_all(), pdekit_h5p_default(), buffer)
        }
        let status: herr_t
        switch d.values {
        case .doubles(let v, _): status = v.withUnsafeBufferPointer { write($0.baseAddress) }
        case .integers(let v, _): status = v.withUnsafeBufferPointer { write($0.baseAddress) }
        case .strings(let v): status = withCStrings(v) { write($0) }
        }
        guard status >= 0 else { throw failure(url, "cannot write dataset \(d.name) (disk full?)") }
        for (name, value) in d.attributes { try writeAttribute(name, value, scalar: false, on: set, url, h5) }
    }

    private static func writeAttribute(_ name: String, _ values: [String], scalar: Bool, on object: hid_t, _ url: URL,
                                       _ h5: pdekit_h5_api) throws {
        let space: hid_t
        if scalar {
            space = h5.Screate(H5S_SCALAR)
        } else {
            var dims = [hsize_t(values.count)]
            space = h5.Screate_simple(1, &dims, nil)
        }
        guard space >= 0 else { throw failure(url, "cannot make the dataspace of attribute \(name)") }
        defer { _ = h5.Sclose(space) }
        let type = stringType(h5)
        defer { _ = h5.Tclose(type) }
        let attribute = h5.Acreate2(object, name, type, space, pdekit_h5p_default(), pdekit_h5p_default())
        guard attribute >= 0 else { throw failure(url, "cannot create attribute \(name)") }
        defer { _ = h5.Aclose(attribute) }
        guard withCStrings(values, { h5.Awrite(attribute, type, $0) }) >= 0 else { throw failure(url, "cannot write attribute \(name)") }
    }

    /// Calls `body` with an array of C string pointers (what HDF5 takes for variable-length
    /// strings), valid for the call.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafeRawPointer) -> R) -> R {
        let pointers = (strings.isEmpty ? [""] : strings).map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
    }
}
