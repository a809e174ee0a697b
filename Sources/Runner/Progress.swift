import Foundation
import LinearAlgebra

/// Per-iteration output: `--monitor` lines on stdout (PETSc's `-ksp_monitor` format) and, on a
/// terminal, one self-overwriting progress line on stderr for solves longer than a second.
final class IterationReporter: @unchecked Sendable {
    private let monitor: Bool
    private let progress: Bool
    private let write: @Sendable (String) -> Void
    private var lastDraw = Date.distantPast
    private let start = Date()
    private var drawn = false

    init(monitor: Bool, progress: Bool, write: @escaping @Sendable (String) -> Void) {
        self.monitor = monitor; self.progress = progress; self.write = write
    }

    var callback: (@Sendable (ResidualRecord) -> Void)? {
        guard monitor || progress else { return nil }
        return { [self] record in self.report(record) }
    }

    private func report(_ r: ResidualRecord) {
        if monitor {
            write(String(format: "%4d KSP Residual norm %.12e relative %.3e\n", r.iteration, r.residualNorm, r.relativeResidual))
        }
        if progress {
            let now = Date()
            guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastDraw) > 0.25 else { return }
            lastDraw = now
            drawn = true
            FileHandle.standardError.write(String(format: "\r  iteration %6d  relative residual %.3e  %.1f s ",
                                                  r.iteration, r.relativeResidual, now.timeIntervalSince(start)).data(using: .utf8)!)
        }
    }

    func finish() {
        if drawn { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }
}
