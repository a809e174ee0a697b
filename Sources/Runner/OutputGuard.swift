#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Storage

/// The one rule for every folder pdekit writes: it never deletes or replaces what it did not
/// write.
///
/// Each output folder pdekit writes carries a small manifest, `.pdekit-output`, naming its kind
/// (`run` or `sweep`) and the files pdekit put there. A destination is accepted when it does not
/// exist, when it is an empty folder, or when it is a pdekit folder of the same kind holding
/// nothing but the files its manifest lists (a sweep folder may also hold its case folders and
/// tables). Everything else is refused with exit status 2 before any work is done: a file, a
/// device, a symbolic link, a mount point, the root, the current folder or one of its parents,
/// a folder holding the problem file or a data file, a folder with files pdekit did not write.
public enum OutputGuard {
    public static let manifestName = ".pdekit-output"

    public enum Kind: String, Sendable { case run, sweep }

    /// The manifest of a pdekit folder.
    public struct Manifest: Sendable, Equatable {
        public var kind: Kind
        /// Plain files pdekit wrote in the folder (case folders of a sweep are not listed).
        public var files: [String]
        /// A sweep's fingerprint of its cases (`--resume` refuses a changed sweep).
        public var fingerprint: String?
        /// A sweep's problem kind (`merge` finishes the table with that kind's study).
        public var problem: String?

        public init(kind: Kind, files: [String] = [], fingerprint: String? = nil, problem: String? = nil) {
            self.kind = kind; self.files = files; self.fingerprint = fingerprint; self.problem = problem
        }

        var text: String {
            var s = "# written by pdekit: this folder holds pdekit output; pdekit replaces it only while it holds\n"
                + "# nothing but the files listed here.\nformat = 1\nkind = \(kind.rawValue)\n"
            if let fingerprint { s += "fingerprint = \(fingerprint)\n" }
            if let problem { s += "problem = \(problem)\n" }
            for f in files { s += "file = \(f)\n" }
            return s
        }

        /// Reads `folder/.pdekit-output`; `nil` when there is none or it is not a manifest.
        public static func read(in folder: URL) -> Manifest? {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(manifestName).path),
                  let text = String(data: data, encoding: .utf8) else { return nil }
            var kind: Kind?, files: [String] = [], fingerprint: String?, problem: String?
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                let key = line[..<eq].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                switch key {
                case "kind": kind = Kind(rawValue: value)
                case "file": files.append(value)
                case "fingerprint": fingerprint = value
                case "problem": problem = value
                default: break
                }
            }
            return kind.map { Manifest(kind: $0, files: files, fingerprint: fingerprint, problem: problem) }
        }

        public func write(in folder: URL, durable: Bool = true) throws {
            try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(OutputGuard.manifestName), durable: durable)
        }
    }

    /// The lock file of a sweep folder (`SweepLock`): created once, never removed.
    public static let lockName = ".pdekit-lock"

    /// Names a sweep folder may hold besides its manifest's files: case folders, shard tables and
    /// spools, the lock, and the staging names of those (`stagedName`) that a running or killed pdekit
    /// leaves while it writes them.
    /// `manifestFiles` are the files the manifest lists (stack arrays, cases.pvd): their staging
    /// names are the sweep's too.
    static func isSweepEntry(_ name: String, manifestFiles: Set<String> = []) -> Bool {
        func own(_ n: String) -> Bool {
            if n.hasPrefix("case-"), n.dropFirst(5).allSatisfy(\.isNumber), n.count > 5 { return true }
            if n == "sweep.csv" || (n.hasPrefix("sweep-shard-") && n.hasSuffix(".csv")) { return true }
            if n == "sweep.spool" || (n.hasPrefix("sweep-shard-") && n.hasSuffix(".spool")) { return true }
            return n == manifestName || n == lockName
        }
        if own(name) { return true }
        return stagedName(name).map { own($0) || manifestFiles.contains($0) } ?? false
    }

    /// NAME of `.NAME.tmp-PID-RANDOM` / `.NAME.old-PID-RANDOM`, the shape AtomicFile and
    /// OutputFolder give what they are writing; nil for any other name.
    ///
    /// The shape alone never makes an entry pdekit's: a user's `.notes.old-2023-12` has it too.
    /// Only a sweep folder tolerates staging names, and only those whose NAME is an entry pdekit
    /// writes there (`isSweepEntry`); they are kept, never deleted. A run folder never holds
    /// one (its files are staged in a sibling folder that is renamed whole), so there every
    /// such name is a stranger that makes the folder the user's.
    static func stagedName(_ name: String) -> String? {
        guard name.hasPrefix("."), name.count > 1 else { return nil }
        for marker in [".tmp-", ".old-"] {
            guard let r = name.range(of: marker, options: .backwards), r.lowerBound > name.index(after: name.startIndex) else { continue }
            let numbers = name[r.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
            if numbers.count == 2, numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isHexDigit) }),
               numbers[0].allSatisfy(\.isNumber) { return String(name[name.index(after: name.startIndex) ..< r.lowerBound]) }
        }
        return nil
    }

    /// What a path is, in words, for refusals.
    static func describe(_ st: stat) -> String {
        switch st.st_mode & S_IFMT {
        case S_IFREG: "a file"
        case S_IFDIR: "a folder"
        case S_IFLNK: "a symbolic link"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a named pipe"
        case S_IFSOCK: "a socket"
        default: "not a regular file or folder"
        }
    }

    /// The canonical path of `url`: symbolic links in its existing part resolved, the rest
    /// appended, so that `-o ./x/..` and `-o $PWD` are recognised as the current folder.
    static func canonical(_ url: URL) -> String {
        var existing = url.standardizedFileURL
        var tail: [String] = []
        while existing.path != "/" {
            if let r = realpath(existing.path, nil) {
                defer { free(r) }
                let base = String(cString: r)
                return tail.isEmpty ? base : (base == "/" ? "" : base) + "/" + tail.reversed().joined(separator: "/")
            }
            tail.append(existing.lastPathComponent)
            existing.deleteLastPathComponent()
        }
        return "/" + tail.reversed().joined(separator: "/")
    }

    /// Mount points from /proc/self/mountinfo (bind mounts share the device number of their
    /// parent, so st_dev alone does not find them). Empty where /proc is absent.
    static func mountPoints() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        var points = Set<String>()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            // Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
            if fields.count > 4 { points.insert(unescapeMountPath(String(fields[4]))) }
        }
        return points
    }

    static func unescapeMountPath(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = [UInt8](), bytes = Array(s.utf8), i = 0
        while i < bytes.count {
            if bytes[i] == 0x5C, i + 3 < bytes.count, let v = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v); i += 4
            } else { out.append(bytes[i]); i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isInside(_ path: String, _ folder: String) -> Bool {
        path == folder || folder == "/" || path.hasPrefix(folder + "/")
    }

    /// The URL of an output path as given: relative to the working directory, with no `~`
    /// expansion (Foundation would expand a leading `~`; a shell has already done it if meant).
    public static func url(_ path: String) -> URL {
        URL(fileURLWithPath: path.hasPrefix("~") ? "./" + path : path).standardizedFileURL
    }

    /// Checks that `path` may become (or be replaced by) a pdekit folder of `kind`; returns
    /// its URL. `option` names where the path came from (`--output`, `[output] directory`);
    /// `inputs` are the files the command reads (a folder holding one is never replaced).
    @discardableResult
    public static func check(_ path: String, kind: Kind, option: String, inputs: [URL] = []) throws -> URL {
        func refuse(_ what: String, _ advice: String = "choose a new folder, e.g. outputs/NAME") -> RunError {
            RunError(.badInput, "\(option) \(path.isEmpty ? "\"\"" : path): \(what); \(advice)")
        }
        guard !path.isEmpty else { throw refuse("is an empty path, not a folder name") }
        let url = Self.url(path)
        let target = canonical(url)
        if target == "/" { throw refuse("is the root folder") }
        let cwd = canonical(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        if isInside(cwd, target) {
            throw refuse(cwd == target ? "is the current folder" : "contains the current folder (\(cwd))")
        }
        for input in inputs {
            let p = canonical(input)
            if isInside(p, target) { throw refuse("holds the input file \(input.path), which pdekit must not replace") }
        }

        var st = stat()
        guard lstat(url.path, &st) == 0 else {
            if errno == ENOENT { return url }
            throw refuse("cannot be examined (\(String(cString: strerror(errno))))")
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw refuse("is \(describe(st)), not a folder pdekit wrote", "pdekit replaces only folders it wrote; choose a new folder")
        }
        var parent = stat()
        if lstat(url.deletingLastPathComponent().path, &parent) == 0, parent.st_dev != st.st_dev || parent.st_ino == st.st_ino {
            throw refuse("is a mount point")
        }
        if mountPoints().contains(target) { throw refuse("is a mount point") }
        // In a sweep folder, staging names of the sweep's own entries are pdekit's files in
        // flight (another shard writing the manifest at this moment) or left by a killed write;
        // they do not make the folder a user's. Any other entry does (`stagedName`).
        let all: [String]
        do { all = try FileManager.default.contentsOfDirectory(atPath: url.path) } catch {
            throw refuse("cannot be listed (\(error.localizedDescription))")
        }
        let entries = kind == .sweep ? all.filter { stagedName($0).map { isSweepEntry($0) } != true && $0 != lockName } : all
        if entries.isEmpty { return url }
        guard let manifest = Manifest.read(in: url) else {
            let shown = entries.sorted().prefix(3).joined(separator: ", ")
            throw refuse("is a folder pdekit did not write (it holds \(shown)\(entries.count > 3 ? ", …" : ""))",
                         "move its files away or choose a new folder")
        }
        guard manifest.kind == kind else {
            throw refuse("holds a pdekit \(manifest.kind.rawValue), not a \(kind.rawValue)", "remove it yourself or choose another folder")
        }
        // A listed name counts only while it is still a plain file: a folder of yours that
        // took the name of pdekit's history.csv is yours.
        let listed = Set(manifest.files + [manifestName]).filter { name in
            var e = stat()
            return lstat(url.appendingPathComponent(name).path, &e) == 0 && e.st_mode & S_IFMT == S_IFREG
        }
        let strangers = entries.filter { !listed.contains($0) && !(kind == .sweep && isSweepEntry($0, manifestFiles: Set(manifest.files))) }.sorted()
        guard strangers.isEmpty else {
            throw refuse("holds files pdekit did not write (\(strangers.prefix(3).joined(separator: ", ")))",
                         "move them away or choose a new folder")
        }
        return url
    }
}
