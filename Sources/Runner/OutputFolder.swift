import Foundation
import Storage

/// An output folder that appears complete or not at all, and replaces only what pdekit wrote.
///
/// Files are written into a hidden staging folder next to the destination; `commit()` writes
/// the manifest (`OutputGuard`) naming them and renames the staging folder into place. An
/// earlier folder at the destination is replaced only if `OutputGuard` accepts it — checked when
/// the folder is opened (before any work) and again just before the rename, so a file a user
/// drops into it meanwhile is not lost. A crash or an error before `commit()` leaves only the
/// hidden staging folder, which `discard()` (called on every error path) removes.
public final class OutputFolder {
    public let destination: URL
    public let staging: URL
    /// The path as the user gave it, and where it came from, for messages.
    private let path: String, option: String
    private var files: [String] = []
    private var createdParents: [URL] = []
    private var committed = false

    public init(destination path: String, option: String, inputs: [URL] = []) throws {
        self.path = path; self.option = option
        destination = try OutputGuard.check(path, kind: .run, option: option, inputs: inputs)
        let parent = destination.deletingLastPathComponent()
        let name = destination.lastPathComponent
        staging = parent.appendingPathComponent(".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        // Folders created on the way to the destination are removed again if the run fails.
        var missing = parent
        while !FileManager.default.fileExists(atPath: missing.path), missing.path != "/" {
            createdParents.append(missing)
            missing.deleteLastPathComponent()
        }
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw RunError(.badInput, "\(option) \(path): cannot create the output folder in \(parent.path): \(error.localizedDescription)")
        }
    }

    /// Where to write `file`; the name enters the manifest.
    public func url(_ file: String) -> URL {
        if !files.contains(file) { files.append(file) }
        return staging.appendingPathComponent(file)
    }

    /// Files written by `write` (their fsyncs wait for `commit`).
    private var staged: [URL] = []

    /// Writes `file` straight into the staging folder (`StagedFile`): hidden until `commit`
    /// renames the folder, so no temporary name of its own; flushed at `commit`, with the others.
    public func write(_ data: Data, to file: String) throws {
        let u = url(file)
        try StagedFile.write(data, to: u)
        staged.append(u)
    }

    /// `values` as `file` in NPY, written from the array itself.
    public func writeNPY(_ values: [Double], shape: [Int], to file: String) throws {
        let u = url(file)
        try StagedFile.writeNPY(values, shape: shape, to: u)
        staged.append(u)
    }

    /// `durable`: the staged files, the staging folder and, after the rename, its parent are
    /// fsynced, so that a power loss cannot leave the renamed folder with empty files.
    public func commit(durable: Bool = true) throws {
        if durable { try StagedFile.sync(staged, folder: staging) }
        try OutputGuard.Manifest(kind: .run, files: files).write(in: staging, durable: durable)
        try OutputGuard.check(path, kind: .run, option: option)
        let fm = FileManager.default
        var old: URL?
        if fm.fileExists(atPath: destination.path) {
            let o = destination.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            guard rename(destination.path, o.path) == 0 else {
                throw RunError(.internal, "cannot replace \(destination.path): \(String(cString: strerror(errno)))")
            }
            old = o
        }
        guard rename(staging.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let old { _ = rename(old.path, destination.path) }
            throw RunError(.internal, "cannot move results into \(destination.path): \(reason)")
        }
        committed = true
        if durable { StagedFile.syncFolder(destination.deletingLastPathComponent()) }
        if let old { try? fm.removeItem(at: old) }
    }

    public func discard() {
        guard !committed else { return }
        try? FileManager.default.removeItem(at: staging)
        // rmdir(2) removes only empty folders: anything that appeared in them meanwhile stays.
        for folder in createdParents { _ = rmdir(folder.path) }
        createdParents = []
    }

    deinit { discard() }
}
