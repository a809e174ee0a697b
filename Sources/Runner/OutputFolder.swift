import Foundation
import Storage

/// An output folder that appears complete or not at all.
///
/// Files are written into a hidden staging folder next to the destination; `commit()` renames
/// it into place (replacing an earlier run's folder of the same name). A crash or an error
/// before `commit()` leaves only the hidden staging folder, which `discard()` (called on every
/// error path) removes.
public final class OutputFolder {
    public let destination: URL
    public let staging: URL
    private var committed = false

    public init(destination: URL) throws {
        self.destination = destination.standardizedFileURL
        let parent = self.destination.deletingLastPathComponent()
        let name = self.destination.lastPathComponent
        staging = parent.appendingPathComponent(".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw RunError(.badInput, "cannot create output folder \(parent.path): \(error.localizedDescription)")
        }
    }

    public func url(_ file: String) -> URL { staging.appendingPathComponent(file) }

    public func commit() throws {
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
        if let old { try? fm.removeItem(at: old) }
    }

    public func discard() {
        if !committed { try? FileManager.default.removeItem(at: staging) }
    }

    deinit { discard() }
}
