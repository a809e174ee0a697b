import Foundation
import LinearAlgebra

/// Per-iteration output: `--monitor` lines on stdout (PETSc's `-ksp_monitor` format) and, on a
/// terminal, one self-overwriting progress line on stderr for solves longer than a second.
/// How `run` reports a long solve on stderr: not at all (`--quiet`, `--monitor`), a redrawn
/// line on a terminal, or a plain line every few seconds off one (a batch job's log).
public enum ProgressStyle: Sendable { case off, terminal, lines }

final class IterationReporter: @unchecked Sendable {
    private let monitor: Bool
    private let progress: ProgressStyle
    private let rtol: Double
    private let write: @Sendable (String) -> Void
    private var lastDraw = Date.distantPast
    private let start = Date()
    private var drawn = false
    /// The last point the time-left estimate measured from: when and at how many decades of
    /// residual reduction (first the solve's start, iteration 0, so setup is not counted).
    private var anchor: (time: Date, decades: Double)?

    init(monitor: Bool, progress: ProgressStyle, rtol: Double = 1e-8, write: @escaping @Sendable (String) -> Void) {
        self.monitor = monitor; self.progress = progress; self.rtol = rtol; self.write = write
    }

    var callback: (@Sendable (ResidualRecord) -> Void)? {
        guard monitor || progress != .off else { return nil }
        return { [self] record in self.report(record) }
    }

    private func report(_ r: ResidualRecord) {
        if monitor {
            write(String(format: "%4d KSP Residual norm %.12e relative %.3e\n", r.iteration, r.residualNorm, r.relativeResidual))
        }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let decades = -log10(r.relativeResidual)
        if anchor == nil || r.iteration == 0 { anchor = (now, decades.isFinite ? decades : 0) }
        switch progress {
        case .off: break
        case .terminal:
            guard elapsed > 1, now.timeIntervalSince(lastDraw) > 0.25 else { return }
            lastDraw = now
            drawn = true
            FileHandle.standardError.write(String(format: "\r  iteration %6d  relative residual %.3e  %.1f s ",
                                                  r.iteration, r.relativeResidual, elapsed).data(using: .utf8)!)
        case .lines:
            // Off a terminal (a batch job's log): a plain line every 5 s, with an estimate of the
            // time left at the rate of the last stretch (since the previous line, or since the
            // solve began).
            guard elapsed > 5, now.timeIntervalSince(lastDraw) > 5 else { return }
            lastDraw = now
            var line = String(format: "pdekit: iteration %d, relative residual %.3e, %.0f s", r.iteration, r.relativeResidual, elapsed)
            if let a = anchor, let left = Self.timeLeft(from: (0, a.decades), to: (now.timeIntervalSince(a.time), decades),
                                                        target: -log10(max(rtol, 1e-300))) {
                line += String(format: ", about %.0f s left", left)
            }
            anchor = (now, decades)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Seconds until `target` decades of residual reduction, at the rate between two points
    /// (seconds, decades) of the solve; nil when the residual did not fall between them (no
    /// rate to go by) or the target is already reached. A rate from the whole run, setup
    /// included, said "about 32 s left" with 2.5 s to go; the last stretch follows a rate that
    /// changes (CG speeds up as the spectrum's ends converge; a restarted method slows down).
    static func timeLeft(from a: (seconds: Double, decades: Double), to b: (seconds: Double, decades: Double), target: Double) -> Double? {
        guard a.decades.isFinite, b.decades.isFinite, b.decades > a.decades, b.seconds > a.seconds, b.decades < target else { return nil }
        return (target - b.decades) * (b.seconds - a.seconds) / (b.decades - a.decades)
    }

    func finish() {
        if drawn { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }
}
