import Foundation
import Storage

/// `pdekit plot`: SVG pictures of a run folder (residual history on a log scale with the
/// tolerance, a heat map of a 2D solution or of 3D slices, a line of a 1D one) or of a sweep
/// folder (table columns against a parameter; a refinement study's error against h on log–log
/// axes with its observed order and a reference slope). Plain SVG 1.1 that browsers and
/// rsvg-convert render; heat maps are embedded PNG images (`HeatMap`), lines `LineChart`.
public enum Plot {
    static let width = 640.0, height = 420.0
    static let margin = (left: 80.0, right: 20.0, top: 40.0, bottom: 60.0)

    /// Writes the pictures for `path` and returns their files.
    /// Pictures go only into folders pdekit wrote (their manifest), and replace only pictures
    /// pdekit drew there before; each new file enters the manifest.
    /// `output`: the sweep picture's file name in the sweep folder (default sweep.svg).
    public static func run(_ path: String, x: String? = nil, y: String? = nil, logX: Bool? = nil, logY: Bool? = nil,
                           output: String? = nil) throws -> [URL] {
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
            let name = output ?? "sweep.svg"
            guard name.hasSuffix(".svg"), name.count > 4, !name.contains("/"), !name.hasPrefix("."), name.utf8.count <= 255 else {
                throw RunError(.badInput, "-o \(name): the picture's file name in the sweep folder, ending in .svg (no folders, not hidden)")
            }
            save(try sweepPlot(dir.appendingPathComponent("sweep.csv"), x: x, y: y, logX: logX, logY: logY), name)
            return try commit()
        }
        // The column options choose a sweep table's columns; a run folder's pictures have none.
        let given = [("--x", x != nil), ("--y", y != nil), ("--log-x/--no-log-x", logX != nil), ("--log-y/--no-log-y", logY != nil),
                     ("-o", output != nil)]
        if let option = given.first(where: { $0.1 })?.0 {
            throw RunError(.badInput, "\(option): is for a sweep table's picture (sweep.csv), but \(path) is a run folder, whose history and "
                + "solution pictures have fixed axes and names")
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
                var chart = LineChart(title: "residual history", xLabel: "iteration", yLabel: "relative residual ‖b − Ax‖/‖b‖",
                                      series: [.init(name: "relative residual", points: points.map { (x: $0.0, y: $0.1) })], logY: true)
                // The tolerance the solve stopped at ([solver] rtol of the record), when positive.
                if let rtol = recordedTolerance(dir), rtol > 0 { chart.guides = [.horizontal(rtol, label: "rtol = \(String(format: "%g", rtol))")] }
                save(chart.svg(), "history.svg")
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
                save(HeatMap.svg(a, axes: (axes[0], axes[1]), labels: (labels[0], labels[1]), title: "solution"), "solution.svg")
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
                    save(HeatMap.svg(plane, axes: (axes[u], axes[v]), labels: (labels[u], labels[v]), title: title),
                         "solution_\(names[u])\(names[v]).svg")
                }
            } else if a.shape.count == 1 {
                let pts = a.values.enumerated().compactMap { $0.element.isFinite ? (axes[0][$0.offset], $0.element) : nil }
                if !pts.isEmpty {
                    let chart = LineChart(title: "solution", xLabel: labels[0], yLabel: "u",
                                          series: [.init(name: "u", points: pts.map { (x: $0.0, y: $0.1) })])
                    save(chart.svg(), "solution.svg")
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

    /// `[solver] rtol` from a run folder's record (run.toml), if it has one.
    static func recordedTolerance(_ dir: URL) -> Double? {
        guard let text = try? String(contentsOf: dir.appendingPathComponent("run.toml"), encoding: .utf8),
              let start = text.range(of: "\n[solver]\n") else { return nil }
        for line in text[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("[") { break }
            if line.hasPrefix("rtol = ") { return Double(line.dropFirst(7)) }
        }
        return nil
    }

    /// Columns of sweep.csv (`--y a,b`: one series each) against a numeric parameter column
    /// (defaults: the first parameter and `iterations`, or `relative_l2_error` on a log scale
    /// when there is an exact solution). Against h on log–log axes (a refinement study) each
    /// series is named with its observed order, the least-squares slope of log error against
    /// log h, and the first gets a reference slope O(hᵖ), p its order rounded, a factor 3 below
    /// its finest point (through the point itself it would hide under a curve of that order).
    static func sweepPlot(_ table: URL, x: String?, y: String?, logX: Bool? = nil, logY: Bool? = nil) throws -> String {
        let (records, _) = try CSV.read(table)
        guard let header = records.first, let statusColumn = header.firstIndex(of: "status") else {
            throw RunError(.badInput, "\(table.path): not a sweep table")
        }
        let parameters = Array(header[1..<statusColumn])
        let rows = records.dropFirst().filter { $0.count == header.count && $0[statusColumn] != "failed" }
        let xName = x ?? parameters.first ?? "case"
        let errorColumn = header.firstIndex(of: "relative_l2_error")
        let yNames = (y ?? (errorColumn.map { c in rows.contains { !$0[c].isEmpty } } == true ? "relative_l2_error" : "iterations"))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let xi = header.firstIndex(of: xName) else {
            throw RunError(.badInput, "--x \(xName): no such column; columns are \(header.joined(separator: ", "))")
        }
        guard !yNames.isEmpty, yNames.count <= LineChart.palette.count else {
            throw RunError(.badInput, "--y: one to \(LineChart.palette.count) columns, separated by commas")
        }
        func number(_ s: String) -> Double? {
            if let d = Double(s) { return d }
            // Grids such as "[63, 63]": plot against the unknowns per axis.
            let inner = s.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
            return inner.first.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
        var series: [LineChart.Series] = []
        for yName in yNames {
            guard let yi = header.firstIndex(of: yName) else {
                throw RunError(.badInput, "--y \(yName): no such column; columns are \(header.joined(separator: ", "))")
            }
            let points = rows.compactMap { r -> (x: Double, y: Double)? in
                guard let a = number(r[xi]), let b = Double(r[yi]), a.isFinite, b.isFinite else { return nil }
                return (a, b)
            }.sorted { $0.x < $1.x }
            guard !points.isEmpty else { throw RunError(.badInput, "\(table.path): no numeric values to plot for \(xName) and \(yName)") }
            series.append(.init(name: yName, points: points))
        }
        // Log axes where the values are positive and span more than a decade, or against h,
        // unless --log-x / --log-y say otherwise.
        func spansDecades(_ v: [Double]) -> Bool { v.allSatisfy { $0 > 0 } && v.max()! / v.min()! > 10 }
        let ys = series.flatMap { $0.points.map(\.y) }, xs = series.flatMap { $0.points.map(\.x) }
        // Against h (a refinement study) both axes are logarithmic whenever they can be.
        let refinement = xName == "h" && xs.allSatisfy { $0 > 0 } && ys.allSatisfy { $0 > 0 }
        let useLogY = logY ?? (spansDecades(ys) || refinement)
        let useLogX = logX ?? refinement
        for (wanted, values, axis) in [(useLogX, xs, "--log-x"), (useLogY, ys, "--log-y")] where wanted {
            guard values.allSatisfy({ $0 > 0 }) else { throw RunError(.badInput, "\(axis): the values plotted are not all positive") }
        }
        var chart = LineChart(title: "\(yNames.joined(separator: ", ")) against \(xName)", xLabel: xName,
                              yLabel: yNames.count == 1 ? yNames[0] : "value", series: series, logX: useLogX, logY: useLogY)
        if useLogX && useLogY && xName == "h" {
            for k in chart.series.indices {
                guard let p = LineChart.observedOrder(chart.series[k].points) else { continue }
                chart.series[k].name += String(format: " (order %.2f)", p)
                if k == 0, let finest = chart.series[k].points.first {
                    let reference = max(1, p.rounded())
                    chart.guides.append(.slope(order: reference, through: (finest.x, finest.y / 3), label: "O(h^\(Int(reference))) reference"))
                }
            }
        }
        return chart.svg()
    }
}
