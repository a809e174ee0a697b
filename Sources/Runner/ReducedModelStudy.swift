import Solvers
import Configuration
import Discretisation
import Foundation
import LinearAlgebra
import Problems
import ReducedBasis
import Storage

/// `kind = "reduced_model"`: loads the arrays a reduced_basis run wrote (kept in memory for the
/// next case of a sweep) and solves the N × N reduced system at the given parameters: the
/// solution on the grid (solution.npy) and the error bound in the record.
public struct ReducedModelStudy: SectionStudy {
    public init() {}
    public var sweepColumns: [String] { ["compliance", "compliance_bound", "bound", "relative_bound", "online_seconds"] }

    public func stackShape(_ spec: ProblemSpec, carry: CarriedState?) throws -> [Int]? {
        try Self.load(try section(of: spec), spec, carry: carry).shape
    }

    public func check(_ r: ReducedModelSpec, _ spec: ProblemSpec, carry: CarriedState?) throws {
        let loaded = try Self.load(r, spec, carry: carry)
        let mu = try Self.parameters(r, loaded: loaded, spec)
        // A family evaluated at the parameters (θ, φ and α_LB from the rows at the EIM entries)
        // fails there as run would (an inclusion of width 0 has no coefficient); N × N, cheap.
        if loaded.members == nil { _ = try Self.solveFamily(loaded, mu, spec) }
    }

    /// The reduced solve of a family model at μ; the family's own assembly failing at μ is the
    /// parameters' fault and says so (it named a `coefficient` key the file does not have).
    static func solveFamily(_ loaded: Loaded, _ mu: [Double], _ spec: ProblemSpec) throws
        -> (coefficients: [Double], bound: Double, compliance: Double, complianceBound: Double) {
        do { return try loaded.model.solveWithCompliance(mu) } catch let e as AssemblyError {
            let at = zip(loaded.names, mu).map { "\($0) = \($1)" }.joined(separator: ", ")
            throw spec.document.error(["reduced_model", "parameters"], "at \(at) the model's family is not defined: its \(e.key) \(e.message)")
        }
    }

    struct Loaded: Sendable {
        var model: ReducedBasisModel; var shape: [Int]; var names: [String]; var positive: Bool
        /// A matrices family: θ, φ and α_LB from the new member's files and the coercivity expression.
        var members: MemberCoefficients?
    }

    /// A matrices family's online half: θ and φ from the new member's files at the EIM entries,
    /// α_LB from the file's coercivity expression.
    struct MemberCoefficients: Sendable {
        var interpolation: InterpolationEntries
        var coercivity: Problems.Expression
    }
    /// The model a worker loaded last, under its content hash: a sweep's cases (and a check's)
    /// load it once per worker; a model rebuilt in place has another hash and is read again.
    /// `stamp` (the files' identity) spares hashing the files at every case.
    final class Cached {
        let hash: String, stamp: [Int], loaded: Loaded
        init(hash: String, stamp: [Int], loaded: Loaded) { self.hash = hash; self.stamp = stamp; self.loaded = loaded }
    }
    static let carryKey = CarriedState.Key<Cached>("reduced_model.model")
    static let keyFiles = [ModelChecksums.fileName, "run.toml"]

    /// The model's content hash: SHA-256 over its checksums file (the digest of every array) and
    /// its run.toml; nil without a checksums file (loading then refuses the model).
    static func contentHash(_ folder: URL) -> String? {
        guard let sums = try? FileBytes.read(folder.appendingPathComponent(keyFiles[0])),
              let record = try? FileBytes.read(folder.appendingPathComponent(keyFiles[1])) else { return nil }
        return SHA256.hex(Array(sums) + [0] + Array(record))
    }

    /// The identity of the files the hash covers (device, inode, size, modification time): two
    /// stat(2) calls. pdekit writes a model's files by rename, so a rebuilt model has new inodes;
    /// an edit in place changes the time. Hashing both files at every case cost 70 µs, a fifth of
    /// an online case.
    static func stamp(_ folder: URL) -> [Int]? {
        var out: [Int] = []
        for name in keyFiles {
            var st = stat()
            guard stat(folder.appendingPathComponent(name).path, &st) == 0 else { return nil }
            out += [Int(st.st_dev), Int(st.st_ino), Int(st.st_size), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)]
        }
        return out
    }

    /// The model of `r`: the carried one while its files are the same (their stamp, else their
    /// content hash), else read, verified against its checksums and rebuilt by its family's
    /// entry (and carried on). Without carried state (a single run) nothing is kept.
    static func load(_ r: ReducedModelSpec, _ spec: ProblemSpec, carry: CarriedState?) throws -> Loaded {
        guard let carry else { return try read(r, spec) }
        let stamp = Self.stamp(r.modelURL)
        let held = carry.value(carryKey)
        if let stamp, let held, held.stamp == stamp { return held.loaded }
        guard let hash = contentHash(r.modelURL), let stamp else { return try read(r, spec) }
        let loaded = try held.flatMap { $0.hash == hash ? $0.loaded : nil } ?? read(r, spec)
        carry.set(carryKey, Cached(hash: hash, stamp: stamp, loaded: loaded))
        return loaded
    }

    static func read(_ r: ReducedModelSpec, _ spec: ProblemSpec) throws -> Loaded {
        func fail(_ message: String) -> ProblemError { spec.document.error(["reduced_model", "model"], "\(r.model): \(message)") }
        // Every array against its digest in checksums.sha256: a changed array (zeroed,
        // transposed, a row dropped) passes the archive's shape and range checks.
        let digests: [String: String]?
        do { digests = try ModelChecksums.read(in: r.modelURL) } catch {
            throw fail("\(ModelChecksums.fileName): \(oneLine(String(describing: error)))")
        }
        func array(_ name: String) throws -> NPYArray {
            let outcome: Result<NPYArray, ModelChecksums.Mismatch>
            do { outcome = try ModelChecksums.readVerified(name + ".npy", in: r.modelURL, digests: digests) } catch {
                throw fail("\(name).npy: \(oneLine(String(describing: error)))")
            }
            switch outcome {
            case .success(let array): return array
            case .failure(let mismatch): throw fail("\(mismatch.message); build the model again with pdekit run on its problem file")
            }
        }
        let contents: ReducedModelArchive.Contents
        do {
            contents = try ReducedModelArchive.read(array, formats: ReducedBasisFamilies.archiveFormats)
        } catch let e as ReducedModelArchive.Damaged {
            throw fail(e.description)
        }
        let entry = try ReducedBasisFamilies.entry(contents.family)
        // The offline problem's own table, for a family whose online half evaluates it.
        func record() throws -> ReducedBasisSpec {
            let offline: ReducedBasisSpec
            do {
                let path = r.modelURL.appendingPathComponent("run.toml").path
                guard let o = try ProblemSpec(path: path).physics as? ReducedBasisSpec, o.family == entry.name else {
                    throw fail("run.toml is not the record of this model's family")
                }
                offline = o
            } catch let e as ProblemError { throw fail("run.toml: \(oneLine(e.description))") }
            guard offline.parameterNames.count == contents.family.parameters else {
                throw fail("run.toml does not describe the model's grid and parameters")
            }
            return offline
        }
        return try entry.online(contents, record: record, fail: fail)
    }

    static func parameters(_ r: ReducedModelSpec, loaded: Loaded, _ spec: ProblemSpec) throws -> [Double] {
        let names = loaded.names
        for k in r.parameters.keys where !names.contains(k) {
            throw spec.document.error(["reduced_model", "parameters", k], "not a parameter of this model (\(names.joined(separator: ", ")))")
        }
        return try names.map { name in
            guard let v = r.parameters[name] else {
                throw spec.document.error(["reduced_model", "parameters"],
                                          "missing \(name): this model has parameters \(names.joined(separator: ", "))")
            }
            guard !loaded.positive || v > 0 else {
                throw spec.document.error(["reduced_model", "parameters", name], "a conductivity must be positive, got \(v)")
            }
            return v
        }
    }

    public func solve(_ r: ReducedModelSpec, _ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        let loaded = try Self.load(r, spec, carry: context.carry)
        let mu = try Self.parameters(r, loaded: loaded, spec)
        // A matrices family reads its new member's files (before the clock: pdekit does not
        // assemble them, the other code does).
        var member: (theta: [Double], phi: [Double])?
        if let members = loaded.members {
            guard let m = r.matrixURL, let f = r.rhsURL else {
                throw spec.document.error(["reduced_model", "matrix"],
                                          "missing: this model is of a matrices family; give the new member's matrix and rhs files")
            }
            do {
                let c = try members.interpolation.coefficients(matrix: try FamilyFiles.matrix(m), load: try FamilyFiles.vector(f))
                member = (c.beta, c.gamma)
            } catch let e as FamilyFiles.Failure {
                throw spec.document.error(["reduced_model", "matrix"], e.message)
            } catch let e as LinearAlgebraError {
                throw spec.document.error(["reduced_model", "matrix"], "\(m.lastPathComponent): \(e.description)")
            }
        } else if r.matrix != nil {
            throw spec.document.error(["reduced_model", "matrix"],
                                      "only for a model of a matrices family; this model evaluates its family at the parameters")
        }
        let t0 = Date()
        let (c, bound, compliance, complianceBound) = try member.map { m in
            try loaded.model.solveWithCompliance(theta: m.theta, phi: m.phi,
                                                 alpha: mu.withUnsafeBufferPointer { loaded.members!.coercivity.evaluate($0) })
        } ?? Self.solveFamily(loaded, mu, spec)
        let online = Date().timeIntervalSince(t0)
        // One matrix–vector product: OpenBLAS's threads would spin between sweep cases. It
        // reads the whole basis (n × N, 6.6 MB at n = 51,529, N = 16), 80 % of a case's time,
        // so it is skipped when nothing will be written (a sweep without case folders).
        let u = context.writesArrays ? Parallel.withSerialBLAS(true) { loaded.model.reconstruct(c) } : []
        // ‖u_N‖_X = ‖c‖ (the basis is X-orthonormal).
        let relative = bound / max(c.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)
        var result = ConfigTable()
        result["basis_size"] = .integer(loaded.model.size)
        result["compliance"] = .double(compliance)
        result["compliance_bound"] = .double(complianceBound)
        result["compliance_definition"] = .string("f(u) = the load functional at the solution; 0 <= s - s_N <= compliance_bound")
        result["bound"] = .double(bound)
        result["relative_bound"] = .double(relative)
        result["online_seconds"] = .double(online)
        var p = ConfigTable()
        for (k, v) in zip(loaded.names, mu) { p[k] = .double(v) }
        return StudyOutcome(reason: bound.isFinite && c.allSatisfy(\.isFinite) ? .converged_direct : .diverged_nan,
                            arrays: (context.writesArrays ? [NamedArray(name: "solution", shape: loaded.shape, values: u)] : [])
                                + [NamedArray(name: "coefficients", shape: [c.count], values: c)],
                            result: result, tables: [("parameters", p)],
                            summary: "N = \(loaded.model.size), relative error bound \(String(format: "%.2e", relative)), "
                                + "online \(String(format: "%.1f", online * 1e6)) µs",
                            notConvergedDetail: "the error bound is not finite (a parameter outside the model's coercive range?)",
                            sweepValues: ["compliance": CSV.format(compliance), "compliance_bound": CSV.format(complianceBound),
                                          "bound": CSV.format(bound), "relative_bound": CSV.format(relative), "online_seconds": CSV.format(online)])
    }
}
