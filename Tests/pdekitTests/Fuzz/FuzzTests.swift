import Configuration
import Foundation
import Problems
import Storage
import XCTest

/// Seeded fuzzing of every input pdekit reads: mutated problem files, NPY and Matrix Market
/// files, through the readers in-process and through `pdekit check` / `pdekit run` as a user
/// runs them. Asserted: no crash or trap, exit status 0 or 2 only, a one-line error, and no
/// output folder (or staging folder) after a failure.
///
/// `make test` runs a fixed seed at scale 1 (about 7000 inputs, well under a minute); `make fuzz
/// SEED=n SCALE=k` runs more with another seed. Environment: PDEKIT_FUZZ_SEED, PDEKIT_FUZZ_SCALE,
/// PDEKIT_FUZZ_REPRODUCERS (folder for failing inputs; default .build/fuzz-reproducers). An
/// input that kills the test process in-process is left there as `current-*`.
final class FuzzTests: CLITestCase {
    static let environment = ProcessInfo.processInfo.environment
    static let seed = UInt64(environment["PDEKIT_FUZZ_SEED"] ?? "") ?? 20_261_123
    static let scale = max(Double(environment["PDEKIT_FUZZ_SCALE"] ?? "") ?? 1, 0.01)
    static let reproducers = URL(fileURLWithPath: environment["PDEKIT_FUZZ_REPRODUCERS"]
        ?? packageRoot.appendingPathComponent(".build/fuzz-reproducers").path)
    /// Runs under this memory limit refuse large grids at once instead of solving them for
    /// minutes (the memory estimate is exercised on every mutated grid size).
    static let runEnvironment = ["PDEKIT_MEMORY_LIMIT": "64M", "PDEKIT_NUM_THREADS": "1"]

    static func count(_ base: Double) -> Int { max(1, Int(base * scale)) }

    // MARK: seeds

    /// The example problems shrunk to about 12 unknowns per axis, and their data files in work/data.
    func seedProblems() throws -> [[UInt8]] {
        let problems = Self.packageRoot.appendingPathComponent("problems")
        try FileManager.default.copyItem(at: problems.appendingPathComponent("data"), to: work.appendingPathComponent("data"))
        return try FileManager.default.contentsOfDirectory(atPath: problems.path).filter { $0.hasSuffix(".toml") }.sorted().map { file in
            let text = try String(contentsOf: problems.appendingPathComponent(file), encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                // A scalar grid (the reduced-basis thermal block: nodes per axis, grid + 1
                // divisible by 4) shrinks to 11.
                if line.hasPrefix("grid"), !line.contains("[") { return "grid = 11" }
                // GP collocation points (gp_pde): 24 per axis (400 with learning took about a
                // minute in a debug build, the time limit of a run here).
                if line.hasPrefix("points = [") {
                    let axes = line.filter { $0 == "," }.count + 1
                    return "points = [" + Array(repeating: "24", count: axes).joined(separator: ", ") + "]"
                }
                // A scattered GP's inducing grid: 12 nodes per axis.
                if line.hasPrefix("inducing_grid = [") {
                    let axes = line.filter { $0 == "," }.count + 1
                    return "inducing_grid = [" + Array(repeating: "12", count: axes).joined(separator: ", ") + "]"
                }
                guard line.hasPrefix("grid"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return String(line) }
                let axes = line[open...close].filter { $0 == "," }.count + 1
                return "grid = [" + Array(repeating: "12", count: axes).joined(separator: ", ") + "]"
            }
            // reduced_model seeds load the models the fuzz tests build in work/models.
            return Array(lines.joined(separator: "\n").replacingOccurrences(of: "model = \"../outputs/", with: "model = \"models/").utf8)
        }
    }

    /// Builds, from the shrunk seeds, the reduced models the reduced_model seeds load, so that
    /// mutated reduced_model files reach the model loader and the online solve.
    func buildSeedModels(_ seeds: [[UInt8]]) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.packageRoot.appendingPathComponent("problems").path)
            .filter { $0.hasSuffix(".toml") }.sorted()
        for (name, bytes) in zip(names, seeds) where ["thermal_block.toml", "rb_inclusion.toml"].contains(name) {
            try Data(bytes).write(to: work.appendingPathComponent(name))
            let (r, _) = try pdekit(["run", name, "-o", "models/" + name.dropLast(5)], timeout: 120)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
        }
    }

    func seedData() throws -> (npy: [[UInt8]], mtx: [[UInt8]]) {
        let fixtures = Self.packageRoot.appendingPathComponent("Tests/StorageTests/Fixtures")
        let data = Self.packageRoot.appendingPathComponent("problems/data")
        var npy = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".npy") }.sorted()
            .map { Array(try Data(contentsOf: fixtures.appendingPathComponent($0))) }
        npy.append(Array(try Data(contentsOf: data.appendingPathComponent("laplace12_b.npy"))))
        let mtx = [
            Array(try Data(contentsOf: data.appendingPathComponent("laplace12.mtx"))),
            Array("%%MatrixMarket matrix coordinate real symmetric\n3 3 4\n1 1 2\n2 1 -1\n2 2 2\n3 3 1\n".utf8),
            Array("%%MatrixMarket matrix array real general\n2 1\n1.5\n-2\n".utf8),
            Array("%%MatrixMarket matrix coordinate integer general\n% a comment\n2 2 2\n1 1 3\n2 2 4\n".utf8),
            Array("%%MatrixMarket matrix coordinate pattern symmetric\n2 2 2\n1 1\n2 2\n".utf8),
        ]
        return (npy, mtx)
    }

    // MARK: reproducers

    /// Saves a failing input and returns its path, for the failure message.
    func keep(_ bytes: [UInt8], _ name: String) -> String {
        try? FileManager.default.createDirectory(at: Self.reproducers, withIntermediateDirectories: true)
        let url = Self.reproducers.appendingPathComponent("\(Self.seed)-\(name)")
        try? Data(bytes).write(to: url)
        return url.path
    }

    /// The input about to go through a reader in-process: if it crashes the test process, it
    /// stays on disk.
    func markCurrent(_ bytes: [UInt8], _ ext: String) {
        try? FileManager.default.createDirectory(at: Self.reproducers, withIntermediateDirectories: true)
        try? Data(bytes).write(to: Self.reproducers.appendingPathComponent("current-\(Self.seed).\(ext)"))
    }

    func clearCurrent(_ ext: String) {
        try? FileManager.default.removeItem(at: Self.reproducers.appendingPathComponent("current-\(Self.seed).\(ext)"))
    }

    // MARK: in-process readers

    func testProblemFileReadersInProcess() throws {
        let seeds = try seedProblems()
        var m = Mutator(seed: Self.seed)
        for i in 0..<Self.count(3000) {
            let bytes = m.mutate(m.pick(seeds), others: seeds)
            markCurrent(bytes, "toml")
            guard let text = String(validating: bytes, as: UTF8.self) else { continue }  // the CLI test covers bad UTF-8
            do {
                let document = try ProblemDocument(text: text, path: "fuzz.toml", directory: work)
                let spec = try ProblemSpec(document)
                if spec.hasSweep {
                    let sweep = try SweepSpec(document)
                    for c in sweep.cases.prefix(3) { _ = try ProblemSpec(try document.sweepCase(c)) }
                }
            } catch let e as ProblemError {
                XCTAssertFalse(e.description.isEmpty, "input \(i): empty message, see \(keep(bytes, "\(i).toml"))")
            } catch let e as StorageError {
                XCTAssertFalse(e.description.isEmpty, "input \(i): empty message, see \(keep(bytes, "\(i).toml"))")
            } catch {
                XCTFail("input \(i): unexpected error type \(type(of: error)): \(error); see \(keep(bytes, "\(i).toml"))")
            }
        }
        clearCurrent("toml")
    }

    func testDataFileReadersInProcess() throws {
        let (npy, mtx) = try seedData()
        var m = Mutator(seed: Self.seed &+ 1)
        for i in 0..<Self.count(2000) {
            let bytes = m.mutate(m.pick(npy), others: npy)
            markCurrent(bytes, "npy")
            do { _ = try NPY.decode(Data(bytes), path: "fuzz.npy") } catch let e as StorageError {
                XCTAssertTrue(e.description.hasPrefix("fuzz.npy: "), "npy input \(i): \(e); see \(keep(bytes, "\(i).npy"))")
            }
        }
        clearCurrent("npy")
        for i in 0..<Self.count(2000) {
            let bytes = m.mutate(m.pick(mtx), others: mtx)
            markCurrent(bytes, "mtx")
            do { _ = try MatrixMarket.decode(Data(bytes), path: "fuzz.mtx") } catch let e as StorageError {
                XCTAssertTrue(e.description.hasPrefix("fuzz.mtx: "), "mtx input \(i): \(e); see \(keep(bytes, "\(i).mtx"))")
            }
        }
        clearCurrent("mtx")
    }

    // MARK: the executable

    /// Runs pdekit with a time limit; a hang counts as a failure.
    func pdekit(_ args: [String], timeout: Double) throws -> (Outcome, timedOut: Bool) {
        let p = Process()
        p.executableURL = Self.executable
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(Self.runEnvironment) { $1 }
        p.currentDirectoryURL = work
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        killer.cancel()
        let outcome = Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
        return (outcome, p.terminationReason == .uncaughtSignal)
    }

    /// One CLI call on a fuzzed input: exit 0 or 2, one error line, nothing left after failure.
    func assertSurvives(_ args: [String], input: [UInt8], name: String, outputs: [String]) throws -> Bool {
        let (r, signalled) = try pdekit(args, timeout: 60)
        let allowed: Set<Int32> = [0, 2]
        guard !signalled, allowed.contains(r.status) else {
            XCTFail("\(args.joined(separator: " ")): \(signalled ? "killed by a signal or hung" : "exit \(r.status)"): "
                + "\(r.stderr.suffix(400)); input kept at \(keep(input, name))")
            return false
        }
        if r.status == 2 {
            let lines = r.stderr.split(separator: "\n")
            XCTAssertTrue(lines.count == 1 && lines[0].hasPrefix("pdekit: error: "),
                          "not one error line: \(r.stderr.prefix(400)); input kept at \(keep(input, name))")
            for o in outputs {
                XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent(o).path),
                               "\(o) left after a failed run; input kept at \(keep(input, name))")
            }
            let staging = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains(".tmp-") }
            XCTAssertEqual(staging, [], "staging left after a failed run; input kept at \(keep(input, name))")
        }
        return r.status == 0
    }

    func testCheckAndRunOnMutatedProblemFiles() throws {
        let seeds = try seedProblems()
        try buildSeedModels(seeds)
        var m = Mutator(seed: Self.seed &+ 2)
        for i in 0..<Self.count(200) {
            let bytes = m.mutate(m.pick(seeds), others: seeds)
            try Data(bytes).write(to: work.appendingPathComponent("m.toml"))
            guard try assertSurvives(["check", "m.toml"], input: bytes, name: "check-\(i).toml", outputs: []) else { continue }
            if try assertSurvives(["run", "m.toml", "-o", "out"], input: bytes, name: "run-\(i).toml", outputs: ["out"]) {
                try FileManager.default.removeItem(at: work.appendingPathComponent("out"))
            }
        }
    }

    /// Sweep files (the examples' and the newer kinds' as sweeps), mutated, through `check`,
    /// `sweep`, `--resume`, `--resume` after a damaged table, and a two-shard run with `merge`:
    /// exit 0 or 2 only, one error line, never a crash or a hang. Sweeps of more than 24 cases
    /// are skipped (their count comes from `--dry-run`, itself fuzzed).
    func testSweepResumeAndMergeOnMutatedSweepFiles() throws {
        let problems = try seedProblems()
        let extra: [String: String] = [
            "tensor_runge3d": "\n[sweep.parameters]\n\"tensor.tolerance\" = [1e-2, 1e-3, 1e-4]\n",
            "gp_regression2d": "\n[sweep.parameters]\n\"gp.signal_variance\" = [0.5, 1, 2]\n",
            "gp_poisson1d": "\n[sweep.parameters]\n\"gp_pde.jitter\" = [1e-10, 1e-8]\n",
            "thermal_block": "\n[sweep.parameters]\n\"reduced_basis.max_size\" = [2, 4]\n",
        ]
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.packageRoot.appendingPathComponent("problems").path)
            .filter { $0.hasSuffix(".toml") }.sorted()
        var seeds: [[UInt8]] = []
        for (name, bytes) in zip(names, problems) {
            let stem = String(name.dropLast(5))
            let text = String(decoding: bytes, as: UTF8.self)
            if let table = extra[stem] { seeds.append(Array((text + table).utf8)) } else if text.contains("[sweep") { seeds.append(bytes) }
        }
        XCTAssertGreaterThan(seeds.count, 8)
        var m = Mutator(seed: Self.seed &+ 4)
        let fm = FileManager.default
        var swept = 0
        defer { XCTAssertGreaterThanOrEqual(swept, Self.count(24) / 4, "too few inputs reached a full sweep; the test exercises nothing") }
        for i in 0..<Self.count(24) {
            let bytes = i < seeds.count ? seeds[i] : m.mutate(m.pick(seeds), others: seeds)  // every seed once unmutated
            try Data(bytes).write(to: work.appendingPathComponent("s.toml"))
            for folder in ["sw", "sh"] { try? fm.removeItem(at: work.appendingPathComponent(folder)) }
            guard try assertSurvives(["check", "s.toml"], input: bytes, name: "sweep-check-\(i).toml", outputs: []) else { continue }
            let (listing, _) = try pdekit(["sweep", "s.toml", "-o", "sw", "--dry-run"], timeout: 60)
            guard listing.status == 0, listing.stdout.split(separator: "\n").count <= 26 else { continue }
            guard try assertSurvives(["sweep", "s.toml", "-o", "sw", "--jobs", "2"], input: bytes, name: "sweep-\(i).toml",
                                     outputs: ["sw"]) else { continue }
            swept += 1
            _ = try assertSurvives(["sweep", "s.toml", "-o", "sw", "--resume"], input: bytes, name: "sweep-resume-\(i).toml", outputs: [])
            // A damaged table: a mutated copy of its own last line appended.
            let table = work.appendingPathComponent("sw/sweep.csv")
            if let text = try? Data(contentsOf: table), let last = String(decoding: text, as: UTF8.self).split(separator: "\n").last {
                let damaged = m.mutate(Array(last.utf8))
                try (text + Data(damaged) + Data("\n".utf8)).write(to: table)
                _ = try assertSurvives(["sweep", "s.toml", "-o", "sw", "--resume"], input: bytes, name: "sweep-damaged-\(i).toml", outputs: [])
            }
            for k in 0..<2 {
                _ = try assertSurvives(["sweep", "s.toml", "-o", "sh", "--shard", "\(k)/2"], input: bytes, name: "sweep-shard-\(i).toml", outputs: [])
            }
            _ = try assertSurvives(["merge", "sh"], input: bytes, name: "sweep-merge-\(i).toml", outputs: [])
        }
    }

    func testRunOnMutatedDataFiles() throws {
        let (npy, mtx) = try seedData()
        let data = Self.packageRoot.appendingPathComponent("problems/data")
        try FileManager.default.copyItem(at: data, to: work.appendingPathComponent("data"))
        _ = try write("s.toml", """
            [problem]
            name = "s"
            kind = "linear_system"
            [system]
            matrix = "data/A.mtx"
            rhs = "data/b.npy"
            [solver]
            method = "lu"
            """)
        var m = Mutator(seed: Self.seed &+ 3)
        for i in 0..<Self.count(150) {
            // One file mutated at a time, the other a valid partner of matching size.
            let mutateMatrix = i % 2 == 0
            let a = mutateMatrix ? m.mutate(mtx[0], others: mtx) : mtx[0]
            let b = mutateMatrix ? npy.last! : m.mutate(npy.last!, others: npy)
            try Data(a).write(to: work.appendingPathComponent("data/A.mtx"))
            try Data(b).write(to: work.appendingPathComponent("data/b.npy"))
            if try assertSurvives(["run", "s.toml", "-o", "out"], input: mutateMatrix ? a : b,
                                  name: "run-\(i).\(mutateMatrix ? "mtx" : "npy")", outputs: ["out"]) {
                try FileManager.default.removeItem(at: work.appendingPathComponent("out"))
            }
        }
    }
}
