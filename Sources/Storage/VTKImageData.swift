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
               _
            """
        var data = Data(xml.utf8)
        // C order (i, j, k) with k fastest → VTK order with i fastest.
        let (n0, n1, n2) = (s3[0], s3[1], s3[2])
        for f in fields {
            var bytes = [UInt8]()
            bytes.reserveCapacity(8 + 8 * count)
            withUnsafeBytes(of: UInt64(8 * count).littleEndian) { bytes += $0 }
            for k in 0..<n2 { for j in 0..<n1 { for i in 0..<n0 {
                withUnsafeBytes(of: f.values[(i * n1 + j) * n2 + k].bitPattern.littleEndian) { bytes += $0 }
            }}}
            data.append(contentsOf: bytes)
        }
        data.append(contentsOf: Array("\n  </AppendedData>\n</VTKFile>\n".utf8))
        return data
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
