import Foundation

/// An n-dimensional float64 array as read from an NPY file; `values` are always in C order.
public struct NPYArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Double]
    public init(shape: [Int], values: [Double]) { self.shape = shape; self.values = values }
}

/// NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
///
/// Reads versions 1.0–3.0; dtypes f8, f4, i8, i4 in either byte order; C or Fortran order
/// (Fortran data are transposed into C order). Writes little-endian f8 in C order, version 1.0
/// (2.0 when the header would not fit), with the header padded to a multiple of 64 bytes.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    public static func read(_ url: URL) throws -> NPYArray {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw StorageError(path: url.path, message: exists ? "cannot read: \(error.localizedDescription)" : "no such file")
        }
        return try decode(data, path: url.path)
    }

    public static func decode(_ data: Data, path: String) throws -> NPYArray {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw StorageError(path: path, message: "not an NPY file (bad magic string)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw StorageError(path: path, message: "truncated NPY header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw StorageError(path: path, message: "NPY format version \(major).\(bytes[7]) is not supported (1.0 to 3.0 are)")
        }
        guard data.count >= headerStart + headerLength else {
            throw StorageError(path: path, message: "truncated NPY header (\(headerLength) bytes announced, \(data.count - headerStart) present)")
        }
        let headerBytes = data.subdata(in: data.startIndex + headerStart ..< data.startIndex + headerStart + headerLength)
        guard let header = String(data: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw StorageError(path: path, message: "NPY header is not text")
        }
        let (descr, fortran, shape) = try parseHeader(header, path: path)

        let order = descr.first!
        let kind = String(descr.dropFirst())
        let width: Int
        switch kind {
        case "f8", "i8": width = 8
        case "f4", "i4": width = 4
        default:
            throw StorageError(path: path, message: "dtype '\(descr)' is not supported; use f8, f4, i8 or i4")
        }
        let bigEndian: Bool
        switch order {
        case "<": bigEndian = false
        case ">": bigEndian = true
        case "=", "|": bigEndian = false  // native: x86-64 and arm64 are little-endian
        default: throw StorageError(path: path, message: "dtype '\(descr)' has an unknown byte order")
        }
        var count = 1
        for n in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: n)
            guard n >= 0, !overflow else { throw StorageError(path: path, message: "shape \(shape) is invalid") }
            count = p
        }
        let dataStart = headerStart + headerLength
        let expected = count * width, present = data.count - dataStart
        guard present >= expected else {
            throw StorageError(path: path, message: "truncated data: shape \(shape) needs \(expected) bytes, the file has \(present)")
        }
        guard present == expected else {
            throw StorageError(path: path, message: "\(present - expected) unexpected bytes after the data of shape \(shape)")
        }

        var values = [Double](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            let src = raw.baseAddress! + dataStart
            values.withUnsafeMutableBufferPointer { dst in
                switch (kind, bigEndian) {
                case ("f8", false):
                    memcpy(dst.baseAddress!, src, expected)
                case ("f8", true):
                    for i in 0..<count { dst[i] = Double(bitPattern: UInt64(bigEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
                case ("f4", _):
                    for i in 0..<count {
                        let bits = src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                        dst[i] = Double(Float(bitPattern: bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
                    }
                case ("i8", _):
                    for i in 0..<count {
                        let bits = src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)
                        dst[i] = Double(bigEndian ? Int64(bigEndian: bits) : Int64(littleEndian: bits))
                    }
                default:  // i4
                    for i in 0..<count {
                        let bits = src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)
                        dst[i] = Double(bigEndian ? Int32(bigEndian: bits) : Int32(littleEndian: bits))
                    }
                }
            }
        }
        if fortran && shape.count > 1 { values = fortranToC(values, shape: shape) }
        return NPYArray(shape: shape, values: values)
    }

    /// Reorders column-major (first index fastest) data into row-major order.
    static func fortranToC(_ v: [Double], shape: [Int]) -> [Double] {
        let d = shape.count
        var fStride = [Int](repeating: 1, count: d)
        for k in 1..<d { fStride[k] = fStride[k - 1] * shape[k - 1] }
        var out = [Double](repeating: 0, count: v.count)
        var index = [Int](repeating: 0, count: d)
        for c in 0..<v.count {
            var f = 0
            for k in 0..<d { f += index[k] * fStride[k] }
            out[c] = v[f]
            var k = d - 1
            while k >= 0 { index[k] += 1; if index[k] < shape[k] { break }; index[k] = 0; k -= 1 }
        }
        return out
    }

    /// Parses the Python dict literal of the header.
    static func parseHeader(_ text: String, path: String) throws -> (String, Bool, [Int]) {
        var s = Substring(text)
        func fail(_ what: String) -> StorageError { StorageError(path: path, message: "malformed NPY header (\(what)): \(text.trimmingCharacters(in: .whitespacesAndNewlines))") }
        func skip() { while let c = s.first, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeFirst() } }
        func expect(_ c: Character) throws { skip(); guard s.first == c else { throw fail("expected '\(c)'") }; s.removeFirst() }
        func string() throws -> String {
            skip()
            guard let q = s.first, q == "'" || q == "\"" else { throw fail("expected a quoted string") }
            s.removeFirst()
            guard let end = s.firstIndex(of: q) else { throw fail("unterminated string") }
            let v = String(s[..<end]); s = s[s.index(after: end)...]; return v
        }
        try expect("{")
        var descr: String?, fortran: Bool?, shape: [Int]?
        while true {
            skip()
            if s.first == "}" { s.removeFirst(); break }
            let key = try string()
            try expect(":"); skip()
            switch key {
            case "descr": descr = try string()
            case "fortran_order":
                if s.hasPrefix("True") { fortran = true; s = s.dropFirst(4) }
                else if s.hasPrefix("False") { fortran = false; s = s.dropFirst(5) }
                else { throw fail("fortran_order must be True or False") }
            case "shape":
                try expect("(")
                var dims: [Int] = []
                while true {
                    skip()
                    if s.first == ")" { s.removeFirst(); break }
                    let digits = s.prefix { $0.isNumber }
                    guard !digits.isEmpty, let n = Int(digits) else { throw fail("shape entries must be integers") }
                    dims.append(n); s = s.dropFirst(digits.count); skip()
                    if s.first == "L" { s.removeFirst(); skip() }  // Python 2 long suffix
                    if s.first == "," { s.removeFirst() } else if s.first != ")" { throw fail("bad shape tuple") }
                }
                shape = dims
            default:
                throw fail("unexpected key '\(key)'")
            }
            skip()
            if s.first == "," { s.removeFirst() } else if s.first != "}" { throw fail("expected ',' or '}'") }
        }
        guard let d = descr, !d.isEmpty else { throw fail("no 'descr'") }
        guard let f = fortran else { throw fail("no 'fortran_order'") }
        guard let sh = shape else { throw fail("no 'shape'") }
        return (d, f, sh)
    }

    /// The bytes of an NPY file holding `values` (C order) with `shape`.
    public static func encode(_ values: [Double], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "NPY: \(values.count) values for shape \(shape)")
        let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(tuple), }"
        // magic(6) + version(2) + length(2 or 4) + header + '\n' is a multiple of 64.
        var prefix = 10
        if header.utf8.count + 1 + prefix > 65535 { prefix = 12 }
        let padding = (64 - (prefix + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var data = Data(magic)
        let length = header.utf8.count
        if prefix == 10 {
            data.append(contentsOf: [1, 0, UInt8(length & 0xff), UInt8(length >> 8)])
        } else {
            data.append(contentsOf: [2, 0, UInt8(length & 0xff), UInt8((length >> 8) & 0xff), UInt8((length >> 16) & 0xff), UInt8(length >> 24)])
        }
        data.append(contentsOf: header.utf8)
        values.withUnsafeBufferPointer { data.append($0) }  // little-endian host, as '<f8' says
        return data
    }

    public static func write(_ values: [Double], shape: [Int], to url: URL) throws {
        try AtomicFile.write(encode(values, shape: shape), to: url)
    }
}
