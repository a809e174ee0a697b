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
            // time left from the decades of residual reduction done so far and still to do.
            guard elapsed > 5, now.timeIntervalSince(lastDraw) > 5 else { return }
            lastDraw = now
            var line = String(format: "pdekit: iteration %d, relative residual %.3e, %.0f s", r.iteration, r.relativeResidual, elapsed)
            let done = -log10(r.relativeResidual), target = -log10(max(rtol, 1e-300))
            if done > 0.1, done < target, r.relativeResidual.isFinite {
                line += String(format: ", about %.0f s left", elapsed * (target - done) / done)
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        if drawn { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }
}
