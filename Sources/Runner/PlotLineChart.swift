import Foundation

/// A line chart in SVG: one or more series on linear or log axes, with guides — a horizontal
/// line (a tolerance) or a reference slope on log–log axes (O(hᵖ)) — and a legend when there
/// is more than one thing to name. Elements carry classes (`axes`, `tick`, `series`, `guide`,
/// `legend`) so that tests can count what a picture shows.
struct LineChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    enum Guide {
        /// y = value across the plot (data units), e.g. the tolerance of a residual history.
        case horizontal(Double, label: String)
        /// y = y₀ (x/x₀)^order over the plotted x range: a reference slope on log–log axes.
        case slope(order: Double, through: (x: Double, y: Double), label: String)
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var logX = false
    var logY = false
    var guides: [Guide] = []

    /// Matplotlib's first colours ("tab10"), distinct on white and in grey print.
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// The guides as polylines in data coordinates, over the series' x range.
    private func guideLines() -> [(points: [(Double, Double)], label: String)] {
        let xs = series.flatMap { $0.points.map(\.x) }
        guard let lo = xs.min(), let hi = xs.max() else { return [] }
        return guides.map { guide in
            switch guide {
            case .horizontal(let y, let label):
                return ([(lo, y), (hi, y)], label)
            case .slope(let p, let through, let label):
                return ([lo, hi].map { x in (x, through.y * pow(x / through.x, p)) }, label)
            }
        }
    }

    func svg() -> String {
        let width = Plot.width, height = Plot.height, margin = Plot.margin
        func tx(_ x: Double) -> Double { logX ? log10(x) : x }
        func ty(_ y: Double) -> Double { logY ? log10(y) : y }
        let guidesDrawn = guideLines()
        // The axes cover the series and the guides (a tolerance below the last residual).
        let allX = series.flatMap { $0.points.map { tx($0.x) } }
        let allY = series.flatMap { $0.points.map { ty($0.y) } } + guidesDrawn.flatMap { $0.points.map { ty($0.1) } }
        var (x0, x1) = (allX.min() ?? 0, allX.max() ?? 1), (y0, y1) = (allY.min() ?? 0, allY.max() ?? 1)
        if x1 == x0 { x0 -= logX ? 0.5 : 1; x1 += logX ? 0.5 : 1 }
        if y1 == y0 { y0 -= logY ? 0.5 : 1; y1 += logY ? 0.5 : 1 }
        if logY { y0 = floor(y0); y1 = ceil(y1) }
        if logX { x0 = floor(x0); x1 = ceil(x1) }
        let pw = width - margin.left - margin.right, ph = height - margin.top - margin.bottom
        func px(_ x: Double) -> Double { margin.left + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { margin.top + (1 - (y - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        func line(_ kind: String, _ x1: Double, _ x2: Double, _ y1: Double, _ y2: Double, _ stroke: String) -> String {
            "<line class=\"\(kind)\" x1=\"\(f(x1))\" x2=\"\(f(x2))\" y1=\"\(f(y1))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\"/>\n"
        }

        var b = "<rect class=\"axes\" x=\"\(margin.left)\" y=\"\(margin.top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"black\"/>\n"
        // Log axes: a labelled tick per decade (at most 8 labels), minor ticks at 2…9 × 10^k.
        let yTicks = logY ? stride(from: y0, through: y1, by: max(1, ((y1 - y0) / 8).rounded(.up))).map { $0 } : Plot.ticks(y0, y1)
        for t in yTicks {
            b += line("tick", margin.left - 4, margin.left + pw, py(t), py(t), "#ddd")
            let label = logY ? "1e\(Int(t))" : String(format: "%g", t)
            b += "<text class=\"tick\" x=\"\(f(margin.left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        if logY && y1 - y0 <= 16 {
            for decade in Int(y0)..<Int(y1) { for m in 2...9 {
                let y = py(Double(decade) + log10(Double(m)))
                b += line("minor", margin.left - 3, margin.left, y, y, "black")
            }}
        }
        let xTicks = logX ? stride(from: x0, through: x1, by: max(1, ((x1 - x0) / 8).rounded(.up))).map { $0 } : Plot.ticks(x0, x1)
        for t in xTicks {
            let label = logX ? "1e\(Int(t))" : String(format: "%g", t)
            b += line("tick", px(t), px(t), margin.top + ph, margin.top + ph + 4, "black")
            b += "<text class=\"tick\" x=\"\(f(px(t)))\" y=\"\(f(margin.top + ph + 18))\" text-anchor=\"middle\">\(label)</text>\n"
        }
        if logX && x1 - x0 <= 16 {
            for decade in Int(x0)..<Int(x1) { for m in 2...9 {
                let x = px(Double(decade) + log10(Double(m)))
                b += line("minor", x, x, margin.top + ph, margin.top + ph + 3, "black")
            }}
        }
        for g in guidesDrawn {
            b += "<polyline class=\"guide\" fill=\"none\" stroke=\"#555\" stroke-width=\"1\" stroke-dasharray=\"6 4\" points=\""
                + g.points.map { "\(f(px(tx($0.0)))),\(f(py(ty($0.1))))" }.joined(separator: " ") + "\"/>\n"
        }
        for (k, s) in series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            b += "<polyline class=\"series\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\""
                + s.points.map { "\(f(px(tx($0.x)))),\(f(py(ty($0.y))))" }.joined(separator: " ") + "\"/>\n"
            if s.points.count <= 60 {
                for p in s.points { b += "<circle cx=\"\(f(px(tx(p.x))))\" cy=\"\(f(py(ty(p.y))))\" r=\"3\" fill=\"\(colour)\"/>\n" }
            }
        }
        // The legend, top right inside the axes: every series and guide by name.
        let entries = series.enumerated().map { (name: $0.element.name, colour: Self.palette[$0.offset % Self.palette.count], dashed: false) }
            + guidesDrawn.map { (name: $0.label, colour: "#555", dashed: true) }
        if entries.count > 1 || !guides.isEmpty {
            let longest = entries.map(\.name.count).max() ?? 0
            let w = 40 + 6.5 * Double(longest), h = 18 * Double(entries.count) + 8
            let lx = margin.left + pw - w - 8, ly = margin.top + 8
            b += "<g class=\"legend\">\n<rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"white\" "
                + "fill-opacity=\"0.85\" stroke=\"#999\"/>\n"
            for (k, e) in entries.enumerated() {
                let y = ly + 16 + 18 * Double(k)
                b += "<line x1=\"\(f(lx + 6))\" x2=\"\(f(lx + 30))\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\" stroke=\"\(e.colour)\" stroke-width=\"3\""
                    + (e.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
                b += "<text x=\"\(f(lx + 36))\" y=\"\(f(y))\">\(Plot.esc(e.name))</text>\n"
            }
            b += "</g>\n"
        }
        b += "<text x=\"\(f(margin.left + pw / 2))\" y=\"\(f(height - 15))\" text-anchor=\"middle\">\(Plot.esc(xLabel))</text>\n"
        b += "<text transform=\"translate(18 \(f(margin.top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(Plot.esc(yLabel))</text>\n"
        return Plot.svg(b, title: title)
    }

    /// The least-squares slope of log y against log x: the observed order of a convergence
    /// study (error ≈ C hᵖ). nil with fewer than two points of positive coordinates.
    static func observedOrder(_ points: [(x: Double, y: Double)]) -> Double? {
        let logs = points.filter { $0.x > 0 && $0.y > 0 && $0.x.isFinite && $0.y.isFinite }.map { (log($0.x), log($0.y)) }
        guard logs.count >= 2 else { return nil }
        let n = Double(logs.count)
        let mx = logs.reduce(0) { $0 + $1.0 } / n, my = logs.reduce(0) { $0 + $1.1 } / n
        let sxx = logs.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }, sxy = logs.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        return sxx > 0 ? sxy / sxx : nil
    }
}
