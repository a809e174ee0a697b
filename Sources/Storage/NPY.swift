#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// An n-dimensional array read from an NPY file, converted to Double.
///
/// `values` are always in C (row-major) order, whatever the file's layout, so callers index
/// `values[(i * shape[1] + j) * shape[2] + k]` without asking how the file was written.
/// A 0-d array has `shape == []` and one value.
public struct NPYArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Double]

    public init(shape: [Int], values: [Double]) { self.shape = shape; self.values = values }
}

/// NumPy's `.npy` format (numpy.lib.format, NEP 1).
///
/// Reads versions 1.0, 2.0 and 3.0; dtypes f8, f4, i8 and i4 in either byte order; C or Fortran
/// layout (Fortran data are transposed into C order). Writes what `np.save` writes for a C-order
/// float64 array: '<f8', version 1.0 (2.0 only when the header exceeds 65535 bytes), the header
/// padded with spaces and a final '\n' so the data start on a 64-byte boundary, which lets NumPy
/// memory-map the file with aligned data.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    static let supportedTypes = "use f8, f4, i8 or i4"

    // MARK: Reading

    /// Reads and converts the whole file; errors name `url`'s path.
    public static func read(_ url: URL) throws -> NPYArray {
        let bytes = try FileBytes.read(url)
        return try bytes.withUnsafeBytes { try decode($0, path: url.path) }
    }

    /// Decodes the bytes of an NPY file already read (to check a digest of them first).
    public static func decode(_ bytes: [UInt8], path: String) throws -> NPYArray {
        try bytes.withUnsafeBytes { try decode($0, path: path) }
    }

    /// Decodes the bytes of an NPY file; `path` is only used to name the file in errors.
    public static func decode(_ data: Data, path: String) throws -> NPYArray {
        try data.withUnsafeBytes { try decode($0, path: path) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> NPYArray {
        guard bytes.count >= 6, zip(bytes, magic).allSatisfy({ $0 == $1 }) else {
            throw StorageError(.notThisFormat, path: path, message: "not an NPY file (bad magic string)")
        }
        guard bytes.count >= 8 else {
            throw StorageError(.truncated, path: path, message: "truncated NPY file: it ends inside the version number")
        }
        let (major, minor) = (bytes[6], bytes[7])
        guard minor == 0, (1...3).contains(major) else {
            throw StorageError(.unsupported, path: path,
                               message: "NPY format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are)")
        }
        // Version 1.0 has a 2-byte header length; 2.0 and 3.0 a 4-byte one (both little-endian).
        let lengthBytes = major == 1 ? 2 : 4
        let headerStart = 8 + lengthBytes
        guard bytes.count >= headerStart else {
            throw StorageError(.truncated, path: path, message: "truncated NPY file: it ends inside the header length")
        }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else {
            throw StorageError(.truncated, path: path,
                               message: "truncated NPY header: expected \(headerLength) bytes, found \(bytes.count - headerStart)")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[headerStart..<dataStart])
        let text: String
        if major == 3 {
            guard let utf8 = String(bytes: headerBytes, encoding: .utf8) else {
                throw StorageError(.malformed, path: path, message: "malformed NPY header (not valid UTF-8)")
            }
            text = utf8
        } else {
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))  // latin-1
        }
        let header = try NPYHeader.parse(text, path: path)
        let type = try ElementType(header.descr, path: path)

        var count = 1
        for n in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else {
                throw StorageError(.malformed, path: path, message: "shape \(NPYHeader.tuple(header.shape)) is too large")
            }
            count = product
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: type.width)
        guard !overflow else {
            throw StorageError(.malformed, path: path, message: "shape \(NPYHeader.tuple(header.shape)) is too large")
        }
        let found = bytes.count - dataStart
        let what = "shape \(NPYHeader.tuple(header.shape)) of '\(header.descr)'"
        guard found >= expected else {
            throw StorageError(.truncated, path: path,
                               message: "truncated data: expected \(expected) bytes of data for \(what), found \(found)")
        }
        guard found == expected else {
            throw StorageError(.extraData, path: path,
                               message: "\(found - expected) extra bytes after the data (expected \(expected) bytes for \(what))")
        }

        let source = UnsafeRawBufferPointer(rebasing: bytes[dataStart...])
        var values = type.convert(source, count: count)
        if header.fortranOrder && header.shape.count > 1 && count > 0 {
            values = fortranToC(values, shape: header.shape)
        }
        return NPYArray(shape: header.shape, values: values)
    }

    /// A supported dtype: kind, width and whether its bytes must be swapped on this machine.
    struct ElementType {
        enum Kind { case float, integer }
        let kind: Kind
        let width: Int
        let swap: Bool

        init(_ descr: String, path: String) throws {
            var code = Substring(descr)
            var bigEndian = isBigEndianHost
            // '|' means "byte order does not apply" and '=' means native; NumPy accepts both.
            switch code.first {
            case "<": bigEndian = false; code = code.dropFirst()
            case ">": bigEndian = true; code = code.dropFirst()
            case "|", "=": code = code.dropFirst()
            default: break
            }
            switch code {
            case "f8": (kind, width) = (.float, 8)
            case "f4": (kind, width) = (.float, 4)
            case "i8": (kind, width) = (.integer, 8)
            case "i4": (kind, width) = (.integer, 4)
            default:
                throw StorageError(.unsupported, path: path, message: "dtype '\(descr)' is not supported; \(NPY.supportedTypes)")
            }
            swap = bigEndian != isBigEndianHost
        }

        /// Converts `count` elements to Double. Native float64, the common case (and every file
        /// we write), is one memcpy; the other types are tight loops without generic dispatch.
        func convert(_ source: UnsafeRawBufferPointer, count: Int) -> [Double] {
            [Double](unsafeUninitializedCapacity: count) { out, initialized in
                let base = source.baseAddress
                switch (kind, width) {
                case (.float, 8) where !swap:
                    if count > 0 { memcpy(out.baseAddress!, base!, count * 8) }
                case (.float, 8):
                    for i in 0..<count { out[i] = Double(bitPattern: base!.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).byteSwapped) }
                case (.float, _):
                    for i in 0..<count {
                        let bits = base!.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                        out[i] = Double(Float(bitPattern: swap ? bits.byteSwapped : bits))
                    }
                case (.integer, 8):
                    for i in 0..<count {
                        let bits = base!.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)
                        out[i] = Double(swap ? bits.byteSwapped : bits)
                    }
                case (.integer, _):
                    for i in 0..<count {
                        let bits = base!.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)
                        out[i] = Double(swap ? bits.byteSwapped : bits)
                    }
                }
                initialized = count
            }
        }
    }

    /// Reorders column-major data (first index fastest) into row-major order. The innermost
    /// loop walks the last C index, whose Fortran stride is the product of the other extents.
    static func fortranToC(_ source: [Double], shape: [Int]) -> [Double] {
        let d = shape.count
        var fortranStride = [Int](repeating: 1, count: d)
        for k in 1..<d { fortranStride[k] = fortranStride[k - 1] * shape[k - 1] }
        let lastExtent = shape[d - 1], lastStride = fortranStride[d - 1]
        var index = [Int](repeating: 0, count: d - 1)  // the C index without its last entry
        return [Double](unsafeUninitializedCapacity: source.count) { out, initialized in
            source.withUnsafeBufferPointer { src in
                var c = 0, offset = 0
                while c < source.count {
                    for t in 0..<lastExtent { out[c + t] = src[offset + t * lastStride] }
                    c += lastExtent
                    // Odometer step over the leading indices, keeping `offset` in sync.
                    var k = d - 2
                    while k >= 0 {
                        index[k] += 1; offset += fortranStride[k]
                        if index[k] < shape[k] { break }
                        offset -= index[k] * fortranStride[k]; index[k] = 0; k -= 1
                    }
                }
            }
            initialized = source.count
        }
    }

    // MARK: Writing

    /// The bytes `np.save` would write for `values` (C order) with `shape`.
    /// - Precondition: `shape` has no negative extent and its product is `values.count`.
    public static func encode(_ values: some Collection<Double>, shape: [Int]) -> Data {
        precondition(shape.allSatisfy { $0 >= 0 }, "NPY: negative extent in shape \(shape)")
        precondition(shape.reduce(1, *) == values.count, "NPY: \(values.count) values for shape \(shape)")
        var data = header(shape: shape, reserving: 8 * values.count)
        appendLittleEndian(values, to: &data)
        return data
    }

    /// `slices` stacked along a new first axis, shape [slices.count] + `sliceShape`, written as
    /// one NPY file, atomically, slice by slice: the same bytes as `encode` of their
    /// concatenation, without the concatenation in memory (a dataset's stack can be gigabytes).
    /// - Precondition: every slice holds `sliceShape`'s product of values.
    public static func writeStacked(_ slices: [[Double]], sliceShape: [Int], to url: URL, durable: Bool = true) throws {
        let size = sliceShape.reduce(1, *)
        precondition(slices.allSatisfy { $0.count == size }, "NPY: a slice does not hold \(size) values")
        let head = header(shape: [slices.count] + sliceShape, reserving: 0)
        try AtomicFile.write(to: url, durable: durable) { path in
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw StorageError(.writeFailed, path: url.path, message: "cannot open \(path) for writing") }
            do {
                try head.withUnsafeBytes { try StagedFile.write([$0], to: fd, url: url) }
                // Each slice from its own memory (a copy per slice before).
                for slice in slices where !slice.isEmpty {
                    if isBigEndianHost {
                        var bytes = Data()
                        appendLittleEndian(slice, to: &bytes)
                        try bytes.withUnsafeBytes { try StagedFile.write([$0], to: fd, url: url) }
                    } else {
                        try slice.withUnsafeBytes { try StagedFile.write([$0], to: fd, url: url) }
                    }
                }
            } catch { close(fd); throw error }
            guard close(fd) == 0 else {
                throw StorageError(.writeFailed, path: url.path, message: "cannot write: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The magic, version, header length and header of an NPY file of float64 with `shape`
    /// (room reserved for `reserving` more bytes).
    static func header(shape: [Int], reserving: Int) -> Data {
        let literal = NPYHeader(descr: "<f8", fortranOrder: false, shape: shape).literal
        // magic(6) + version(2) + length field + header, with the header ending in '\n' and the
        // total a multiple of 64. Version 2.0 exists only for headers too long for 2 bytes.
        func paddedLength(prefix: Int) -> Int {
            let unpadded = literal.utf8.count + 1
            return unpadded + (64 - (prefix + unpadded) % 64) % 64
        }
        let major: UInt8 = paddedLength(prefix: 10) <= 65535 ? 1 : 2
        let lengthBytes = major == 1 ? 2 : 4
        let headerLength = paddedLength(prefix: 8 + lengthBytes)
        let header = literal + String(repeating: " ", count: headerLength - literal.utf8.count - 1) + "\n"

        var data = Data(capacity: 8 + lengthBytes + headerLength + reserving)
        data.append(contentsOf: magic)
        data.append(contentsOf: [major, 0])
        for k in 0..<lengthBytes { data.append(UInt8(truncatingIfNeeded: headerLength >> (8 * k))) }
        data.append(contentsOf: header.utf8)
        return data
    }

    /// Writes `values` (C order) as a float64 NPY file, atomically.
    /// - Precondition: as for `encode`.
    public static func write(_ values: some Collection<Double>, shape: [Int], to url: URL, durable: Bool = true) throws {
        try AtomicFile.write(encode(values, shape: shape), to: url, durable: durable)
    }

    private static func appendLittleEndian(_ values: some Collection<Double>, to data: inout Data) {
        if isBigEndianHost {
            let swapped = values.map { $0.bitPattern.byteSwapped }
            swapped.withUnsafeBufferPointer { data.append($0) }
        } else if values.withContiguousStorageIfAvailable({ data.append($0) }) == nil {
            Array(values).withUnsafeBufferPointer { data.append($0) }
        }
    }
}

/// Whether this machine stores numbers big-endian (no current Swift platform does, but the
/// byte-order logic stays honest if one ever does).
let isBigEndianHost = 1.bigEndian == 1
