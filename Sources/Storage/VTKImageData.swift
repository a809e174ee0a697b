import Foundation

/// VTK XML ImageData (`.vti`) for ParaView and VisIt: a uniform grid of 1–3 axes with point
/// data, in the "appended raw" binary encoding (VTK File Formats, §"XML File Formats": each
/// array is a UInt64 byte count followed by its little-endian Float64 values, after a single
/// `_` in `<AppendedData>`). VTK stores the first axis fastest, so C-ordered arrays (last axis
/// fastest) are transposed on the way out.
public enum VTKImageData {
    public struct Field {
        public var name: String
        public var values: [Double]
        public init(name: String, values: [Double]) { self.name = name; self.values = values }
    }

    /// The file's bytes for a grid of `shape` points starting at `origin` with `spacing`, each
    /// field holding one value per point in C order.
    public static func encode(shape: [Int], origin: [Double], spacing: [Double], fields: [Field]) -> Data {
        precondition((1...3).contains(shape.count) && origin.count == shape.count && spacing.count == shape.count, "VTKImageData: 1–3 axes")
        let count = shape.reduce(1, *)
        precondition(fields.allSatisfy { $0.values.count == count }, "VTKImageData: a field does not match the grid")
        let s3 = shape + Array(repeating: 1, count: 3 - shape.count)
        let o3 = origin + Array(repeating: 0.0, count: 3 - shape.count)
        let h3 = spacing + Array(repeating: 1.0, count: 3 - shape.count)
        let extent = s3.map { "0 \($0 - 1)" }.joined(separator: " ")
        func number(_ v: Double) -> String { "\(v)" }
        var xml = """
            <?xml version="1.0"?>
            <VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">
              <ImageData WholeExtent="\(extent)" Origin="\(o3.map(number).joined(separator: " "))" Spacing="\(h3.map(number).joined(separator: " "))">
                <Piece Extent="\(extent)">
                  <PointData\(fields.first.map { " Scalars=\"\(escape($0.name))\"" } ?? "")>

            """
        var offset = 0
        for f in fields {
            xml += "        <DataArray type=\"Float64\" Name=\"\(escape(f.name))\" NumberOfComponents=\"1\" format=\"appended\" "
                + "offset=\"\(offset)\"/>\n"
            offset += 8 + 8 * count
        }
        xml += """
                  </PointData>
                </Piece>
              </ImageData>
              <AppendedData encoding="raw">
            """
        // Spaces before the `_` (XML whitespace) put the raw data at a multiple of 8 bytes, so
        // the values are stored as aligned words.
        var head = Array(xml.utf8) + Array("   ".utf8)
        while (head.count + 1) % 8 != 0 { head.append(UInt8(ascii: " ")) }
        head.append(UInt8(ascii: "_"))
        let tail = Array("\n  </AppendedData>\n</VTKFile>\n".utf8)
        var data = Data(count: head.count + fields.count * (8 + 8 * count) + tail.count)
        data.withUnsafeMutableBytes { raw in
            raw.copyBytes(from: head)
            var at = head.count
            for f in fields {
                raw.storeBytes(of: UInt64(8 * count).littleEndian, toByteOffset: at, as: UInt64.self)
                at += 8
                let words = (raw.baseAddress! + at).bindMemory(to: UInt64.self, capacity: count)
                f.values.withUnsafeBufferPointer { reverseAxes($0.baseAddress!, shape: shape, into: words) }
                at += 8 * count
            }
            UnsafeMutableRawBufferPointer(rebasing: raw[at...]).copyBytes(from: tail)
        }
        return data
    }

    /// C order (i, j, k), k fastest, to VTK's order, i fastest: out[(k n1 + j) n0 + i] =
    /// in[(i n1 + j) n2 + k], as little-endian words. For each j it is the transpose of an
    /// n0 × n2 matrix (2D is n1 = 1, 1D a copy), done in square tiles so that reads and writes
    /// both stay in cache lines (the element-wise loop read one line per value); the j planes,
    /// or in 2D the tiles' columns, go to the cores.
    static func reverseAxes(_ input: UnsafePointer<Double>, shape: [Int], into out: UnsafeMutablePointer<UInt64>) {
        let padded = shape.count == 2 ? [shape[0], 1, shape[1]] : shape + Array(repeating: 1, count: 3 - shape.count)
        let t = Transposition(input: input, out: out, shape: padded)
        if t.n1 > 1 {
            let parts = min(t.n1, 8)
            DispatchQueue.concurrentPerform(iterations: parts) { c in
                for j in (t.n1 * c / parts) ..< (t.n1 * (c + 1) / parts) { t.plane(j, columns: 0 ..< t.n2) }
            }
        } else {
            let parts = max(1, min(8, t.n2 / Transposition.tile))
            DispatchQueue.concurrentPerform(iterations: parts) { c in t.plane(0, columns: (t.n2 * c / parts) ..< (t.n2 * (c + 1) / parts)) }
        }
    }

    private struct Transposition: @unchecked Sendable {
        static let tile = 32
        let input: UnsafePointer<Double>, out: UnsafeMutablePointer<UInt64>
        let n0: Int, n1: Int, n2: Int
        init(input: UnsafePointer<Double>, out: UnsafeMutablePointer<UInt64>, shape: [Int]) {
            self.input = input; self.out = out
            (n0, n1, n2) = (shape[0], shape[1], shape[2])
        }

        /// Plane j, columns k in `columns`: rows i of the input at stride n1·n2, columns at 1.
        func plane(_ j: Int, columns: Range<Int>) {
            let src = input + j * n2, dst = out + j * n0
            let tile = Self.tile
            for k0 in stride(from: columns.lowerBound, to: columns.upperBound, by: tile) {
                let k1 = min(k0 + tile, columns.upperBound)
                for i0 in stride(from: 0, to: n0, by: tile) {
                    let i1 = min(i0 + tile, n0)
                    for k in k0 ..< k1 {
                        for i in i0 ..< i1 { dst[k * n1 * n0 + i] = src[i * n1 * n2 + k].bitPattern.littleEndian }
                    }
                }
            }
        }
    }

    /// A ParaView collection (`.pvd`) of datasets, one per (timestep, relative file).
    public static func collection(_ entries: [(timestep: Double, file: String)]) -> Data {
        var xml = "<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <Collection>\n"
        for e in entries { xml += "    <DataSet timestep=\"\(e.timestep)\" part=\"0\" file=\"\(escape(e.file))\"/>\n" }
        xml += "  </Collection>\n</VTKFile>\n"
        return Data(xml.utf8)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
