import Foundation
import Storage

/// `pdekit plot`: SVG pictures of a run folder (residual history on a log scale, a heat map of a
/// 2D solution or a line of a 1D one) or of a sweep folder (a table column against a parameter).
/// Plain SVG 1.1 that browsers and rsvg-convert render; heat maps are embedded PNG images.
public enum Plot {
    static let width = 640.0, height = 420.0
    static let margin = (left: 80.0, right: 20.0, top: 40.0, bottom: 60.0)

    /// Writes the pictures for `path` and returns their files.
    /// Pictures go only into folders pdekit wrote (their manifest), and replace only pictures
    /// pdekit drew there before; each new file enters the manifest.
    public static func run(_ path: String, x: String? = nil, y: String? = nil, logX: Bool? = nil, logY: Bool? = nil) throws -> [URL] {
        let dir = OutputGuard.url(path)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw RunError(.badInput, "\(path): no such folder; give a run or sweep output folder")
        }
        guard var manifest = OutputGuard.Manifest.read(in: dir) else {
            throw RunError(.badInput, "\(path): not a folder pdekit wrote (no \(OutputGuard.manifestName)); "
                + "plot writes only into pdekit's own output folders")
        }
        // Pictures are drawn first and written only when every target may be written: a refusal
        // leaves the folder as it was.
        var pictures: [(name: String, text: String)] = []
        func save(_ text: String, _ name: String) { pictures.append((name, text)) }
        func commit() throws -> [URL] {
            for p in pictures {
                var st = stat()
                let out = dir.appendingPathComponent(p.name)
                let exists = lstat(out.path, &st) == 0
                if exists && (!manifest.files.contains(p.name) || st.st_mode & S_IFMT != S_IFREG) {
                    throw RunError(.badInput, "\(out.path) exists and pdekit did not write it; move it away to plot here")
                }
            }
            for p in pictures {
                try AtomicFile.write(Data(p.text.utf8), to: dir.appendingPathComponent(p.name))
                if !manifest.files.contains(p.name) { manifest.files.append(p.name) }
            }
            if !pictures.isEmpty { try manifest.write(in: dir) }
            return pictures.map { dir.appendingPathComponent($0.name) }
        }
        if fm.fileExists(atPath: dir.appendingPathComponent("sweep.csv").path) {
            save(try sweepPlot(dir.appendingPathComponent("sweep.csv"), x: x, y: y, logX: logX, logY: logY), "sweep.svg")
            return try commit()
        }
        // The column options choose a sweep table's columns; a run folder's pictures have none.
        let given = [("--x", x != nil), ("--y", y != nil), ("--log-x/--no-log-x", logX != nil), ("--log-y/--no-log-y", logY != nil)]
        if let option = given.first(where: { $0.1 })?.0 {
            throw RunError(.badInput, "\(option): names a column of a sweep table (sweep.csv), but \(path) is a run folder, whose history and "
                + "solution pictures have fixed axes")
        }
        let history = dir.appendingPathComponent("history.csv")
        let solution = dir.appendingPathComponent("solution.npy")
        guard fm.fileExists(atPath: history.path) || fm.fileExists(atPath: solution.path) else {
            throw RunError(.badInput, "\(path): not a run folder (history.csv, solution.npy) or a sweep folder (sweep.csv)")
        }
        if fm.fileExists(atPath: history.path) {
            let (records, _) = try CSV.read(history)
            // Non-finite or zero residuals (a diverged_nan run) have no place on a log axis.
            let points = records.dropFirst().compactMap { r -> (Double, Double)? in
                guard r.count >= 3, let k = Double(r[0]), let rel = Double(r[2]), rel > 0, rel.isFinite, k.isFinite else { return nil }
                return (k, rel)
            }
            if points.count >= 2 {
                save(linePlot(points, title: "residual history", xLabel: "iteration",
                              yLabel: "relative residual ‖b − Ax‖/‖b‖", logY: true), "history.svg")
            }
        }
        if fm.fileExists(atPath: solution.path) {
            let a = try NPY.read(solution)
            // The coordinates of the unknowns (x.npy, y.npy, z.npy of a `pde` run) when they
            // match the solution's shape; indices otherwise (a linear system's solution).
            let names = ["x", "y", "z"]
            var coordinates: [[Double]]? = []
            for (k, n) in a.shape.enumerated() where k < 3 {
                let url = dir.appendingPathComponent("\(names[k]).npy")
                guard let c = try? NPY.read(url), c.values.count == n, c.values.allSatisfy(\.isFinite) else { coordinates = nil; break }
                coordinates?.append(c.values)
            }
            let axes = coordinates ?? a.shape.map { n in (0..<n).map(Double.init) }
            let labels = coordinates == nil ? ["index 0", "index 1", "index 2"] : names
            if a.shape.count == 2 && a.shape.allSatisfy({ $0 > 0 }) {
                save(heatMap(a, axes: (axes[0], axes[1]), labels: (labels[0], labels[1]), title: "solution"), "solution.svg")
            } else if a.shape.count == 3 && a.shape.allSatisfy({ $0 > 0 }) {
                // Three mid-planes: z, y and x at the middle unknown.
                for (fixed, (u, v)) in [(2, (0, 1)), (1, (0, 2)), (0, (1, 2))] {
                    let mid = a.shape[fixed] / 2
                    var slice = [Double](repeating: 0, count: a.shape[u] * a.shape[v])
                    for i in 0..<a.shape[u] { for j in 0..<a.shape[v] {
                        var index = [0, 0, 0]
                        index[u] = i; index[v] = j; index[fixed] = mid
                        slice[i * a.shape[v] + j] = a.values[(index[0] * a.shape[1] + index[1]) * a.shape[2] + index[2]]
                    }}
                    let plane = NPYArray(shape: [a.shape[u], a.shape[v]], values: slice)
                    let title = "solution, slice \(labels[fixed]) = \(String(format: "%g", axes[fixed][mid]))"
                    save(heatMap(plane, axes: (axes[u], axes[v]), labels: (labels[u], labels[v]), title: title),
                         "solution_\(names[u])\(names[v]).svg")
                }
            } else if a.shape.count == 1 {
                let pts = a.values.enumerated().compactMap { $0.element.isFinite ? (axes[0][$0.offset], $0.element) : nil }
                if !pts.isEmpty {
                    save(linePlot(pts, title: "solution", xLabel: labels[0], yLabel: "u", logY: false), "solution.svg")
                }
            }
        }
        return try commit()
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func svg(_ body: String, title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="24" text-anchor="middle" font-size="15">\(esc(title))</text>
        \(body)
        </svg>

        """
    }

    /// Ticks at "nice" values (1, 2, 5 × 10^k) covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        // No ticks between ends that overflow or that rounding cannot separate (a step below
        // the spacing of doubles near lo would never advance).
        guard hi > lo, (hi - lo).isFinite, hi - lo > 1e-9 * max(abs(lo), abs(hi)) else { return [lo] }
        let raw = (hi - lo) / 5, p = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? raw
        return stride(from: (lo / step).rounded(.up) * step, through: hi + step * 1e-9, by: step).map { $0 }
    }

    static func linePlot(_ points: [(Double, Double)], title: String, xLabel: String, yLabel: String, logY: Bool, logX: Bool = false) -> String {
        let xs = points.map { logX ? log10($0.0) : $0.0 }, ys = points.map { logY ? log10($0.1) : $0.1 }
        var (x0, x1) = (xs.min()!, xs.max()!), (y0, y1) = (ys.min()!, ys.max()!)
        if x1 == x0 { x1 = x0 + 1 }
        if y1 == y0 { y0 -= 1; y1 += 1 }
        if logY { y0 = floor(y0); y1 = ceil(y1) }
        if logX { x0 = floor(x0); x1 = ceil(x1) }
        let pw = width - margin.left - margin.right, ph = height - margin.top - margin.bottom
        func px(_ x: Double) -> Double { margin.left + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { margin.top + (1 - (y - y0) / (y1 - y0)) * ph }
        var b = "<rect x=\"\(margin.left)\" y=\"\(margin.top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"black\"/>\n"
        let yTicks = logY ? stride(from: y0, through: y1, by: max(1, ((y1 - y0) / 8).rounded(.up))).map { $0 } : ticks(y0, y1)
        for t in yTicks {
            b += "<line x1=\"\(margin.left - 4)\" x2=\"\(margin.left + pw)\" y1=\"\(py(t))\" y2=\"\(py(t))\" stroke=\"#ddd\"/>\n"
            let label = logY ? "1e\(Int(t))" : String(format: "%g", t)
            b += "<text x=\"\(margin.left - 8)\" y=\"\(py(t) + 4)\" text-anchor=\"end\">\(label)</text>\n"
        }
        let xTicks = logX ? stride(from: x0, through: x1, by: max(1, ((x1 - x0) / 8).rounded(.up))).map { $0 } : ticks(x0, x1)
        for t in xTicks {
            let label = logX ? "1e\(Int(t))" : String(format: "%g", t)
            b += "<text x=\"\(px(t))\" y=\"\(margin.top + ph + 18)\" text-anchor=\"middle\">\(label)</text>\n"
        }
        b += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\""
            + zip(xs, ys).map { String(format: "%.2f,%.2f", px($0), py($1)) }.joined(separator: " ") + "\"/>\n"
        if points.count <= 60 {
            for (x, y) in zip(xs, ys) { b += String(format: "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"#1f77b4\"/>\n", px(x), py(y)) }
        }
        b += "<text x=\"\(margin.left + pw / 2)\" y=\"\(height - 15)\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        b += "<text transform=\"translate(18 \(margin.top + ph / 2)) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>\n"
        return svg(b, title: title)
    }

    /// A 2D array as an image: rows of the array (first index, x) left to right, columns
    /// (second index, y) bottom to top, so the picture has the domain's orientation; a
    /// blue–white–red scale from min to max with a colour bar.
    static func heatMap(_ a: NPYArray, axes: ([Double], [Double]), labels: (String, String), title: String) -> String {
        let nx = a.shape[0], ny = a.shape[1]
        // The scale spans the finite values; NaN and ±∞ are drawn grey.
        let finite = a.values.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        func colour(_ v: Double) -> (UInt8, UInt8, UInt8) {
            guard v.isFinite else { return (128, 128, 128) }
            // Halves keep hi − lo finite when the values span ±1e308.
            let span = hi / 2 - lo / 2
            let t = span > 0 ? min(max((v / 2 - lo / 2) / span, 0), 1) : 0.5
            let r = t < 0.5 ? 2 * t : 1, g = t < 0.5 ? 2 * t : 2 - 2 * t, bl = t < 0.5 ? 1 : 2 - 2 * t
            return (UInt8(40 + 215 * r), UInt8(40 + 215 * g), UInt8(40 + 215 * bl))
        }
        var rgb = [UInt8](repeating: 0, count: nx * ny * 3)
        for row in 0..<ny { for col in 0..<nx {
            let (r, g, b) = colour(a.values[col * ny + (ny - 1 - row)])
            let p = (row * nx + col) * 3
            rgb[p] = r; rgb[p + 1] = g; rgb[p + 2] = b
        }}
        let png = PNG.encode(width: nx, height: ny, rgb: rgb).base64EncodedString()
        let side = min(width - margin.left - margin.right - 60, height - margin.top - margin.bottom)
        let w = nx >= ny ? side : side * Double(nx) / Double(ny), h = nx >= ny ? side * Double(ny) / Double(nx) : side
        var b = "<image x=\"\(margin.left)\" y=\"\(margin.top)\" width=\"\(w)\" height=\"\(h)\" preserveAspectRatio=\"none\" "
            + "style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,\(png)\"/>\n"
        let barX = margin.left + w + 20
        for k in 0..<50 {
            let (r, g, bl) = colour(lo + (hi / 2 - lo / 2) * 2 * Double(k) / 49)
            b += String(format: "<rect x=\"%.1f\" y=\"%.2f\" width=\"14\" height=\"%.2f\" fill=\"rgb(%d,%d,%d)\"/>\n",
                        barX, margin.top + h * (1 - Double(k + 1) / 50), h / 50 + 0.5, r, g, bl)
        }
        b += "<text x=\"\(barX + 18)\" y=\"\(margin.top + 10)\">\(String(format: "%.3g", hi))</text>\n"
        b += "<text x=\"\(barX + 18)\" y=\"\(margin.top + h)\">\(String(format: "%.3g", lo))</text>\n"
        // The coordinates of the first and last unknowns at the image's edges.
        func g(_ v: Double) -> String { String(format: "%.4g", v) }
        b += "<text x=\"\(margin.left)\" y=\"\(margin.top + h + 16)\" text-anchor=\"start\">\(g(axes.0.first!))</text>\n"
        b += "<text x=\"\(margin.left + w)\" y=\"\(margin.top + h + 16)\" text-anchor=\"end\">\(g(axes.0.last!))</text>\n"
        b += "<text x=\"\(margin.left - 6)\" y=\"\(margin.top + h)\" text-anchor=\"end\">\(g(axes.1.first!))</text>\n"
        b += "<text x=\"\(margin.left - 6)\" y=\"\(margin.top + 10)\" text-anchor=\"end\">\(g(axes.1.last!))</text>\n"
        b += "<text x=\"\(margin.left + w / 2)\" y=\"\(margin.top + h + 32)\" text-anchor=\"middle\">\(esc(labels.0)) (\(nx) points)</text>\n"
        b += "<text transform=\"translate(\(margin.left - 40) \(margin.top + h / 2)) rotate(-90)\" text-anchor=\"middle\">"
            + "\(esc(labels.1)) (\(ny) points)</text>\n"
        return svg(b, title: title)
    }

    /// A column of sweep.csv against a numeric parameter column (defaults: the first parameter
    /// and `iterations`, or `relative_l2_error` on a log scale when there is an exact solution).
    static func sweepPlot(_ table: URL, x: String?, y: String?, logX: Bool? = nil, logY: Bool? = nil) throws -> String {
        let (records, _) = try CSV.read(table)
        guard let header = records.first, let statusColumn = header.firstIndex(of: "status") else {
            throw RunError(.badInput, "\(table.path): not a sweep table")
        }
        let parameters = Array(header[1..<statusColumn])
        let rows = records.dropFirst().filter { $0.count == header.count && $0[statusColumn] != "failed" }
        let xName = x ?? parameters.first ?? "case"
        let yName = y ?? (rows.contains { !$0[header.firstIndex(of: "relative_l2_error")!].isEmpty } ? "relative_l2_error" : "iterations")
        guard let xi = header.firstIndex(of: xName) else {
            throw RunError(.badInput, "--x \(xName): no such column; columns are \(header.joined(separator: ", "))")
        }
        guard let yi = header.firstIndex(of: yName) else {
            throw RunError(.badInput, "--y \(yName): no such column; columns are \(header.joined(separator: ", "))")
        }
        func number(_ s: String) -> Double? {
            if let d = Double(s) { return d }
            // Grids such as "[63, 63]": plot against the unknowns per axis.
            let inner = s.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
            return inner.first.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
        let points = rows.compactMap { r -> (Double, Double)? in
            guard let a = number(r[xi]), let b = Double(r[yi]), a.isFinite, b.isFinite else { return nil }
            return (a, b)
        }.sorted { $0.0 < $1.0 }
        guard points.count >= 1 else { throw RunError(.badInput, "\(table.path): no numeric values to plot for \(xName) and \(yName)") }
        // Log axes where the values are positive and span more than a decade (a convergence
        // plot: error against h), unless --log-x / --log-y say otherwise.
        func spansDecades(_ v: [Double]) -> Bool { v.allSatisfy { $0 > 0 } && v.max()! / v.min()! > 10 }
        let useLogY = logY ?? spansDecades(points.map(\.1))
        let useLogX = logX ?? (xName == "h" && spansDecades(points.map(\.0)))
        for (wanted, values, axis) in [(useLogX, points.map(\.0), "--log-x"), (useLogY, points.map(\.1), "--log-y")] where wanted {
            guard values.allSatisfy({ $0 > 0 }) else { throw RunError(.badInput, "\(axis): the values plotted are not all positive") }
        }
        return linePlot(points, title: "\(yName) against \(xName)", xLabel: xName, yLabel: yName, logY: useLogY, logX: useLogX)
    }
}
