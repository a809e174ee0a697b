#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes a file so that it appears complete or not at all.
///
/// A run that is killed, or a disk that fills up, must never leave a half-written
/// `solution.npy` that looks like a result. So the bytes go to a hidden temporary file in the
/// same folder (same file system, so rename(2) is atomic), are flushed with fsync, and the
/// temporary file is renamed over the target (see `write` for `durable: false`). On any failure the temporary file is removed and
/// the target is left as it was.
public enum AtomicFile {
    /// Replaces the file at `url` with `data`. The folder must already exist: creating folders
    /// is the caller's decision (a typo in an output path should not grow a directory tree).
    ///
    /// `durable: false` skips the two fsyncs. The file still appears complete or not at all if
    /// pdekit is killed (rename is atomic); only a power loss or kernel crash could then leave an
    /// empty file. A sweep writes its cases this way and makes them durable in batches with one
    /// sync(2) before their rows enter sweep.csv (fsyncs cost ~2 ms each here, 4× a small solve).
    public static func write(_ data: Data, to url: URL, durable: Bool = true) throws {
        try checkFolder(of: url)
        let (fd, temporary) = try createTemporary(next: url)
        if let reason = writeAll(data, to: fd, sync: durable) {
            close(fd)
            unlink(temporary)
            throw StorageError(.writeFailed, path: url.path, message: "cannot write: \(reason)")
        }
        // close can report a deferred write error (e.g. on NFS), so it is checked too.
        if close(fd) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StorageError(.writeFailed, path: url.path, message: "cannot write: \(reason)")
        }
        try commit(temporary, to: url, durable: durable)
    }

    /// Replaces the file at `url` with what `body` writes to the path it is given: a new hidden
    /// file beside `url` (for a library that writes files itself, such as HDF5), fsynced when
    /// `durable` and renamed over `url` once `body` returns. If `body` throws, the temporary
    /// file is removed and `url` is left as it was.
    public static func write(to url: URL, durable: Bool = true, _ body: (String) throws -> Void) throws {
        try checkFolder(of: url)
        let (fd, temporary) = try createTemporary(next: url)
        close(fd)
        do { try body(temporary) } catch { unlink(temporary); throw error }
        if durable {
            let fd = open(temporary, O_RDONLY | O_CLOEXEC)
            let synced = fd >= 0 && fsync(fd) == 0
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            guard synced else {
                unlink(temporary)
                throw StorageError(.writeFailed, path: url.path, message: "cannot write: \(reason)")
            }
        }
        try commit(temporary, to: url, durable: durable)
    }

    /// The target's folder must exist: creating folders is the caller's decision.
    private static func checkFolder(of url: URL) throws {
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw StorageError(.writeFailed, path: url.path, message: "cannot write: folder \(folder) does not exist")
        }
    }

    /// Renames the complete temporary file over the target (removing it on failure), then makes
    /// the rename durable.
    private static func commit(_ temporary: String, to url: URL, durable: Bool) throws {
        if rename(temporary, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StorageError(.writeFailed, path: url.path, message: "cannot replace the file: \(reason)")
        }
        if durable { syncFolder(url.deletingLastPathComponent().path) }
    }

    /// Opens a new hidden file `.<name>.tmp-<pid>-<random>` beside `url`. O_EXCL guarantees we
    /// never write into someone else's file; a name collision just draws another name.
    private static func createTemporary(next url: URL) throws -> (Int32, String) {
        let folder = url.deletingLastPathComponent()
        for _ in 0..<8 {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(suffix)").path
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 { return (fd, temporary) }
            if errno != EEXIST {
                throw StorageError(.writeFailed, path: url.path,
                                   message: "cannot create a file in \(folder.path): \(String(cString: strerror(errno)))")
            }
        }
        throw StorageError(.writeFailed, path: url.path, message: "cannot find a free temporary name in \(folder.path)")
    }

    /// Writes every byte and fsyncs; returns the reason on failure.
    private static func writeAll(_ data: Data, to fd: Int32, sync: Bool) -> String? {
        let failure: String? = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += n
            }
            return nil
        }
        if let failure { return failure }
        // Without fsync, a crash soon after the rename can leave the new name pointing at an
        // empty file on some file systems: exactly the partial output we promise never to leave.
        guard sync else { return nil }
        return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
    }

    /// Makes the rename itself durable. Best effort: some file systems refuse fsync on a folder,
    /// and the data are already safe, so failure here is not an error.
    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// The POSIX `write(2)`, named apart from Swift's many `write` methods.
func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
