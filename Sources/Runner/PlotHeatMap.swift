import Foundation
import Storage

/// A 2D array as an SVG heat map (an embedded PNG) with a colour bar that has ticks. The colour
/// map follows the data: a field of one sign gets a sequential map (dark to light, so order
/// reads as brightness), a field of both signs a diverging one centred at 0 (blue below, white
/// at 0, red above, its limits ±max|v| so that equal colours mean equal magnitudes).
enum HeatMap {
    enum ColourMap: Equatable {
        /// From `low` (dark) to `high` (light).
        case sequential(low: Double, high: Double)
        /// From −limit (blue) through 0 (white) to +limit (red).
        case diverging(limit: Double)

        var name: String {
            switch self {
            case .sequential: "sequential"
            case .diverging: "diverging"
            }
        }

        /// The map for these values (finite ones only).
        static func choose(_ values: [Double]) -> ColourMap {
            let finite = values.filter(\.isFinite)
            let lo = finite.min() ?? 0, hi = finite.max() ?? 1
            if lo < 0 && hi > 0 { return .diverging(limit: max(-lo, hi)) }
            return .sequential(low: lo, high: hi)
        }

        /// The ends of the colour bar.
        var range: (Double, Double) {
            switch self {
            case .sequential(let low, let high): (low, high)
            case .diverging(let limit): (-limit, limit)
            }
        }

        /// Anchors of the sequential map: viridis at t = 0, 0.25, 0.5, 0.75, 1 (van der Walt and
        /// Smith's perceptually uniform map, as matplotlib defines it), linear between them.
        static let viridis: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]

        /// The colour of v; NaN and ±∞ are grey.
        func colour(_ v: Double) -> (UInt8, UInt8, UInt8) {
            guard v.isFinite else { return (128, 128, 128) }
            switch self {
            case .sequential(let low, let high):
                // Halves keep high − low finite when the values span ±1e308.
                let span = high / 2 - low / 2
                let t = span > 0 ? min(max((v / 2 - low / 2) / span, 0), 1) : 0.5
                let s = t * Double(Self.viridis.count - 1), k = min(Int(s), Self.viridis.count - 2), w = s - Double(k)
                let (a, b) = (Self.viridis[k], Self.viridis[k + 1])
                return (UInt8((a.0 + w * (b.0 - a.0)).rounded()), UInt8((a.1 + w * (b.1 - a.1)).rounded()), UInt8((a.2 + w * (b.2 - a.2)).rounded()))
            case .diverging(let limit):
                let t = limit > 0 ? min(max(v / limit, -1), 1) : 0
                // White at 0, to (33, 102, 172) at −1 and (178, 24, 43) at +1 (ColorBrewer's RdBu ends).
                let end: (Double, Double, Double) = t < 0 ? (33, 102, 172) : (178, 24, 43)
                let w = abs(t)
                return (UInt8((255 + w * (end.0 - 255)).rounded()), UInt8((255 + w * (end.1 - 255)).rounded()),
                        UInt8((255 + w * (end.2 - 255)).rounded()))
            }
        }
    }

    /// Rows of the array (first index, x) left to right, columns (second index, y) bottom to
    /// top, so the picture has the domain's orientation.
    static func svg(_ a: NPYArray, axes: ([Double], [Double]), labels: (String, String), title: String) -> String {
        let width = Plot.width, height = Plot.height, margin = Plot.margin
        let nx = a.shape[0], ny = a.shape[1]
        let map = ColourMap.choose(a.values)
        var rgb = [UInt8](repeating: 0, count: nx * ny * 3)
        for row in 0..<ny { for col in 0..<nx {
            let (r, g, b) = map.colour(a.values[col * ny + (ny - 1 - row)])
            let p = (row * nx + col) * 3
            rgb[p] = r; rgb[p + 1] = g; rgb[p + 2] = b
        }}
        let png = PNG.encode(width: nx, height: ny, rgb: rgb).base64EncodedString()
        let side = min(width - margin.left - margin.right - 80, height - margin.top - margin.bottom)
        let w = nx >= ny ? side : side * Double(nx) / Double(ny), h = nx >= ny ? side * Double(ny) / Double(nx) : side
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        var b = "<image class=\"field\" data-colormap=\"\(map.name)\" x=\"\(margin.left)\" y=\"\(margin.top)\" width=\"\(f(w))\" height=\"\(f(h))\" "
            + "preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,\(png)\"/>\n"
        // The colour bar: 64 bands from the bottom (low) to the top (high), ticks at nice values.
        let (lo, hi) = map.range
        let barX = margin.left + w + 20, bands = 64
        b += "<g class=\"colorbar\">\n"
        for k in 0..<bands {
            let (r, g, bl) = map.colour(lo + (hi / 2 - lo / 2) * 2 * (Double(k) + 0.5) / Double(bands))
            b += "<rect x=\"\(f(barX))\" y=\"\(f(margin.top + h * (1 - Double(k + 1) / Double(bands))))\" width=\"14\" "
                + "height=\"\(f(h / Double(bands) + 0.5))\" fill=\"rgb(\(r),\(g),\(bl))\"/>\n"
        }
        b += "<rect x=\"\(f(barX))\" y=\"\(margin.top)\" width=\"14\" height=\"\(f(h))\" fill=\"none\" stroke=\"black\"/>\n"
        let span = hi / 2 - lo / 2
        func position(_ t: Double) -> Double { span > 0 ? margin.top + h * (1 - (t / 2 - lo / 2) / span) : margin.top + h / 2 }
        // Nice values inside, and the ends themselves where no nice value sits within 12 px.
        var marks = span > 0 ? Plot.ticks(lo, hi) : [lo]
        for end in [lo, hi] where !marks.contains(where: { abs(position($0) - position(end)) < 12 }) { marks.append(end) }
        for t in marks {
            let y = position(t)
            b += "<line class=\"tick\" x1=\"\(f(barX + 14))\" x2=\"\(f(barX + 18))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"black\"/>\n"
            let label = String(format: "%.3g", abs(t) < 1e-12 * max(abs(lo), abs(hi)) ? 0 : t)  // a rounded 0 is 0, not 1e-17
            b += "<text class=\"tick\" x=\"\(f(barX + 21))\" y=\"\(f(y + 4))\">\(label)</text>\n"
        }
        b += "</g>\n"
        // The coordinates of the first and last unknowns at the image's edges.
        func g(_ v: Double) -> String { String(format: "%.4g", v) }
        b += "<text x=\"\(margin.left)\" y=\"\(f(margin.top + h + 16))\" text-anchor=\"start\">\(g(axes.0.first!))</text>\n"
        b += "<text x=\"\(f(margin.left + w))\" y=\"\(f(margin.top + h + 16))\" text-anchor=\"end\">\(g(axes.0.last!))</text>\n"
        b += "<text x=\"\(margin.left - 6)\" y=\"\(f(margin.top + h))\" text-anchor=\"end\">\(g(axes.1.first!))</text>\n"
        b += "<text x=\"\(margin.left - 6)\" y=\"\(margin.top + 10)\" text-anchor=\"end\">\(g(axes.1.last!))</text>\n"
        b += "<text x=\"\(f(margin.left + w / 2))\" y=\"\(f(margin.top + h + 32))\" text-anchor=\"middle\">"
            + "\(Plot.esc(labels.0)) (\(nx) points)</text>\n"
        b += "<text transform=\"translate(\(margin.left - 40) \(f(margin.top + h / 2))) rotate(-90)\" text-anchor=\"middle\">"
            + "\(Plot.esc(labels.1)) (\(ny) points)</text>\n"
        return Plot.svg(b, title: title)
    }
}
