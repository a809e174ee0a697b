import Configuration
import Foundation
import LinearAlgebra
import Problems
import Storage

/// `[provenance]` of a run record: what produced the result — the command line and its `--set`
/// list, the problem file (path, SHA-256, folder its data paths resolve in), when, where, on how
/// many threads, and which pdekit (version and git commit). `pdekit run run.toml` replays it.
enum Provenance {
    static func table(for spec: ProblemSpec) -> ConfigTable {
        var t = ConfigTable()
        let document = spec.document
        t["command"] = .string(CommandLine.arguments.map(shellQuoted).joined(separator: " "))
        t["overrides"] = .array(document.overrides.map { .string($0) })
        let file = URL(fileURLWithPath: document.path).standardizedFileURL
        t["problem_file"] = .string(file.path)
        if let bytes = try? FileBytes.read(file) { t["problem_sha256"] = .string(SHA256.hex(bytes)) }
        t["problem_directory"] = .string(document.directory.standardizedFileURL.path)
        if document.isReplay { t["replay"] = .bool(true) }
        // Date's ISO 8601 style is a value type (no ICU formatter created per sweep case).
        t["date"] = .string(Date().formatted(.iso8601))
        t["host"] = .string(ProcessInfo.processInfo.hostName)
        t["threads"] = .integer(Parallel.threadCount)
        t["pdekit_version"] = .string(Run.version)
        t["pdekit_commit"] = .string(commit ?? "unknown")
        return t
    }

    /// The git commit of the checkout this executable was built in (`.build/<config>/pdekit`
    /// sits inside it), read from `.git` without running git; nil for an installed binary.
    static let commit: String? = {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        if let exe = Bundle.main.executableURL { dir = exe.resolvingSymlinksInPath().deletingLastPathComponent() }
        for _ in 0..<8 {
            let git = dir.appendingPathComponent(".git")
            if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8) {
                let line = head.trimmingCharacters(in: .whitespacesAndNewlines)
                guard line.hasPrefix("ref: ") else { return line }
                let ref = String(line.dropFirst(5))
                if let sha = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8) {
                    return sha.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                // A packed ref: "<sha> <ref>" lines in packed-refs.
                let packed = (try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
                return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix(40)) }
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    /// A word as a POSIX shell would need it to read back the same argument.
    static func shellQuoted(_ s: String) -> String {
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./=:,+@%"))
        if !s.isEmpty && s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
