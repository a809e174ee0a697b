import Configuration
import Foundation
import LinearAlgebra
import Problems
import Solvers
import Storage

/// Runs a sweep's pending cases on worker threads: consecutive chains of cases, each chain with
/// its own carried state (never shared between threads or chains), each case's output written
/// while its worker solves the next (`WriteBehind`), rows appended to the table once their
/// folders are durable.
enum SweepExecutor {
    struct Counts { var ok = 0, notConverged = 0, failed = 0 }

    /// Runs `chains` (indices into `specs`) on `jobs` workers into `folder`; each case is a
    /// `Run.solve`, then a `Run.commit` into its case folder on the worker's writer. Returns the
    /// tallies; a table that cannot be appended to stops the sweep with that error. A row's
    /// `wall_seconds` runs from its case's start to its row, the write included.
    static func run(_ chains: [[Int]], specs: [ProblemSpec], cases: [[(key: String, value: ConfigValue)]], columns: [String],
                    folder: SweepFolder, path: String, jobs: Int, progress: SweepProgress) throws -> Counts {
        let state = SweepState()
        let table = folder.table, spool = folder.spool
        // Joined as text: Foundation's URL.appendingPathComponent took 36 µs a case here.
        let dirPath = folder.directory.path.hasSuffix("/") ? folder.directory.path : folder.directory.path + "/"
        let work = UncheckedBox((specs, cases))
        // One thread per job (Dispatch's concurrentPerform would cap --jobs at the core count).
        Self.onThreads(jobs) {
            // Each case's folder (or spool record) and row are written behind the worker, while
            // it solves the next case.
            let writer = WriteBehind()
            defer { writer.drain() }
            while let chain = state.nextChain(chains) {
              // Each chain starts from nothing: what a case gets from its predecessor depends
              // only on the chain, not on which worker ran which chain before.
              let carry = CarriedState()
              var previous: Int?, recorded = false
              for i in chain {
                guard state.appendError == nil else { break }
                let (specs, cases) = work.value
                let t0 = Date()
                var caseOptions = Run.Options()
                caseOptions.outputDirectory = dirPath + Sweep.caseFolder(i)
                caseOptions.outputOption = "case folder"
                caseOptions.quiet = true
                caseOptions.suppressUnusedWarning = true
                caseOptions.durable = false  // made durable in batches by SweepState.flush
                caseOptions.writeFolder = specs[i].output.caseFolders
                caseOptions.keepArrays = spool != nil
                var solved: Run.Solved?, failure: RunError?
                do { solved = try Run.solve(specs[i], path: path, options: caseOptions, carry: carry, write: { _ in }) }
                catch { failure = RunError.classify(error, file: "\(path) case \(i)") }
                // The run record (a tenth of a 63² case's time) goes to the spool with the
                // chain's first case that has one: the stack needs one case's record, dataset.h5
                // the lowest.
                let withRecord = spool != nil && solved != nil && !recorded
                if withRecord { recorded = true }
                let (solvedCase, solveFailure, previousCase, writeFolder) = (solved, failure, previous, caseOptions.writeFolder)
                writer.submit {
                    var report: Run.Report?, failure = solveFailure
                    if let solvedCase {
                        do { report = try Run.commit(solvedCase, write: { _ in }) }
                        catch { failure = RunError.classify(error, file: "\(path) case \(i)") }
                    }
                    // Without case folders, a case's arrays and run record go to the spool, before
                    // its row (a full disk stops the sweep, as a table that cannot grow does).
                    if let spool, let outcome = report?.outcome {
                        var items = outcome.arrays.map { ArraySpool.Item.array($0) }
                        if withRecord {
                            let record = OutcomeWriter.record(outcome, spec: specs[i], format: "toml")
                            items.append(.text(name: record.name, value: record.text))
                        }
                        do { try spool.append(key: i, items: items) } catch { state.stop(RunError.classify(error, file: spool.url.path)); return }
                    }
                    let written = report != nil && writeFolder
                    let row = SweepTable.row(index: i, values: cases[i], study: columns, report: report, error: failure, previous: previousCase,
                                             wall: Date().timeIntervalSince(t0), folder: written ? Sweep.caseFolder(i) : "")
                    state.record(row: row, table: table, ok: report?.reason.converged, progress: progress)
                }
                previous = i
              }
            }
        }
        state.flush(table: table, force: true)
        progress.finish()
        if let e = state.appendError { throw e }
        let c = state.counts
        return Counts(ok: c.ok, notConverged: c.notConverged, failed: c.failed)
    }

    /// Runs `body` on `count` threads at once and waits for all of them. The threads start
    /// together (a gate opens once all exist), so each takes its first chain before any takes
    /// a second.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
        let ready = DispatchGroup(), done = DispatchGroup()
        let gate = DispatchSemaphore(value: 0)
        for _ in 0..<count {
            ready.enter(); done.enter()
            let thread = Thread { ready.leave(); gate.wait(); body(); done.leave() }
            thread.stackSize = 8 << 20  // as a main thread's: expressions and assembly recurse
            thread.start()
        }
        ready.wait()
        for _ in 0..<count { gate.signal() }
        done.wait()
    }

    /// The run order cut into consecutive chains of `length` cases, each keeping only the cases
    /// still pending; chains with none left are dropped. The cut depends on the order and the
    /// length only: a resumed sweep or another `--jobs` cuts at the same places (a resumed
    /// chain's remaining cases start without the carried state of the cases already done).
    static func chains(_ order: [Int], pending: Set<Int>, length: Int) -> [[Int]] {
        stride(from: 0, to: order.count, by: max(1, length)).map { start in
            order[start ..< min(start + max(1, length), order.count)].filter { pending.contains($0) }
        }.filter { !$0.isEmpty }
    }
}

/// A sweep worker's writer: one case's output is written on a thread of its own while the
/// worker solves the next case. One write at a time, and at most one waiting: `submit` blocks
/// until the write before it has finished, so a worker holds at most two cases' arrays, and a
/// chain's cases reach the spool and the table in order.
final class WriteBehind: @unchecked Sendable {
    private let queue = DispatchQueue(label: "pdekit.sweep.write-behind")
    private let slot = DispatchSemaphore(value: 1)

    func submit(_ work: @escaping @Sendable () -> Void) {
        slot.wait()
        queue.async { work(); self.slot.signal() }
    }

    /// Waits for the last write.
    func drain() { queue.sync {} }
}

/// Work queue and tallies shared by the sweep's workers.
///
/// Finished rows wait in `pending` and enter the table after one sync(2) has made their case
/// folders durable (at most once a second): a row in sweep.csv always means data on disk,
/// while a case without a row is simply run again by --resume.
final class SweepState: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [[String]] = []
    private var nextChainIndex = 0

    /// The next chain for a worker that is free, nil when all are taken (or a row could not be
    /// appended, which stops the sweep).
    func nextChain(_ chains: [[Int]]) -> [Int]? {
        lock.lock(); defer { lock.unlock() }
        guard _appendError == nil, nextChainIndex < chains.count else { return nil }
        defer { nextChainIndex += 1 }
        return chains[nextChainIndex]
    }
    private var lastFlush = Date()
    private(set) var counts = (ok: 0, notConverged: 0, failed: 0)
    private var _appendError: Error?
    var appendError: Error? { lock.lock(); defer { lock.unlock() }; return _appendError }

    func record(row: [String], table: URL, ok: Bool?, progress: SweepProgress) {
        lock.lock()
        pending.append(row)
        switch ok {
        case true?: counts.ok += 1
        case false?: counts.notConverged += 1
        case nil: counts.failed += 1
        }
        progress.step(failed: counts.failed)
        let rows = takeLocked(force: false)
        lock.unlock()
        if let rows { write(rows, to: table) }
    }

    func flush(table: URL, force: Bool) {
        lock.lock()
        let rows = takeLocked(force: force)
        lock.unlock()
        if let rows { write(rows, to: table) }
    }

    private var flushing = false

    /// Stops the sweep with `error` (workers take no new case).
    func stop(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if _appendError == nil { _appendError = error }
    }

    /// The rows due for the table (at most once a second, unless forced), taken out of
    /// `pending`; nil when none are due or another worker is writing a batch.
    private func takeLocked(force: Bool) -> [[String]]? {
        guard !pending.isEmpty, !flushing, force || Date().timeIntervalSince(lastFlush) >= 1 else { return nil }
        defer { pending.removeAll(); lastFlush = Date() }
        flushing = true
        return pending
    }

    /// One sync(2), then the rows: a row in the table always has its data on disk. Outside the
    /// lock (a sync takes 20-100 ms here), so the other workers go on solving and recording.
    private func write(_ rows: [[String]], to table: URL) {
        sync()
        var failure: Error?
        do { for r in rows { try CSV.appendLine(r, to: table) } } catch { failure = error }
        lock.lock(); defer { lock.unlock() }
        flushing = false
        if let failure, _appendError == nil { _appendError = failure }
    }
}

/// Progress on stderr: a bar with rate and ETA on a terminal, a plain line every 5 % (at most
/// one per 10 s) otherwise.
final class SweepProgress: @unchecked Sendable {
    let total: Int, skipped: Int, terminal: Bool
    private var done = 0
    private let start = Date()
    private var lastLine = Date.distantPast
    private var lastPercent = -1

    init(total: Int, skipped: Int, terminal: Bool) { self.total = total; self.skipped = skipped; self.terminal = terminal }

    private func emit(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    func step(failed: Int) {
        done += 1
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        let failures = failed > 0 ? ", \(failed) failed" : ""
        if terminal {
            let width = 30, filled = total > 0 ? width * done / total : width
            emit(String(format: "\r[%@%@] %d/%d  %.2f cases/s  ETA %.0f s%@ ", String(repeating: "#", count: filled),
                        String(repeating: "-", count: width - filled), done, total, rate, eta, failures))
        } else {
            let percent = total > 0 ? 100 * done / total : 100
            if done == total || (percent / 5 > lastPercent / 5 && Date().timeIntervalSince(lastLine) >= 10) || lastPercent < 0 {
                emit(String(format: "sweep: %d/%d cases done (%d resumed), %.2f cases/s, ETA %.0f s%@\n",
                            done, total, skipped, rate, eta, failures))
                lastLine = Date(); lastPercent = percent
            }
        }
    }

    func finish() { if terminal && done > 0 { emit("\n") } }
}
