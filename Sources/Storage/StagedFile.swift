#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Files written straight into a folder no reader sees yet: an output folder's hidden staging
/// folder, which appears whole by one rename (`OutputFolder.commit`). Each file then needs no
/// temporary name and rename of its own (`AtomicFile`), and the fsyncs wait for one batch just
/// before the folder's rename (`sync`), where the device gets them together. A run's arrays are
/// written from their own memory, with no encoded copy.
public enum StagedFile {
    /// Creates `url`, which must not exist, holding the bytes of `parts` in order. A file of a
    /// megabyte or more starts on its way to the disk at once (`startWriteback`), so that the
    /// fsync at the commit finds most of it written while the run wrote its other files.
    public static func write(_ parts: [UnsafeRawBufferPointer], to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(url) }
        do { try write(parts, to: fd, url: url) } catch { close(fd); throw error }
        if parts.reduce(0, { $0 + $1.count }) >= 1 << 20 { startWriteback(fd) }
        // close can report a deferred write error (e.g. on NFS).
        guard close(fd) == 0 else { throw failure(url) }
    }

    /// The bytes of `parts`, in order, at `fd`'s position (`url` names it in errors).
    static func write(_ parts: [UnsafeRawBufferPointer], to fd: Int32, url: URL) throws {
        for part in parts where part.count > 0 {
            var offset = 0
            while offset < part.count {
                let n = posixWrite(fd, part.baseAddress! + offset, part.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure(url)
                }
                offset += n
            }
        }
    }

    public static func write(_ data: Data, to url: URL) throws {
        try data.withUnsafeBytes { try write([$0], to: url) }
    }

    /// `values` (C order) as a float64 NPY file: `NPY.encode`'s bytes, the values written from
    /// the array itself.
    public static func writeNPY(_ values: [Double], shape: [Int], to url: URL) throws {
        precondition(shape.reduce(1, *) == values.count, "NPY: \(values.count) values for shape \(shape)")
        if isBigEndianHost { return try write(NPY.encode(values, shape: shape), to: url) }
        let header = NPY.header(shape: shape, reserving: 0)
        try header.withUnsafeBytes { h in
            try values.withUnsafeBytes { v in try write([h, v], to: url) }
        }
    }

    /// Starts writing `fd`'s dirty pages to the disk without waiting for them:
    /// sync_file_range(2) with SYNC_FILE_RANGE_WRITE (2), looked up at run time (Glibc's module
    /// does not export it). Durability still comes from the fsync; where the call is missing
    /// or refused, nothing changes but the timing.
    static func startWriteback(_ fd: Int32) {
        #if os(Linux)
        typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
        guard let symbol = syncFileRange else { return }
        _ = unsafeBitCast(symbol, to: SyncFileRange.self)(fd, 0, 0, 2)
        #endif
    }

    #if os(Linux)
    nonisolated(unsafe) static let syncFileRange = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range")
    #endif

    /// Makes `files` and then their `folder`'s entries durable: one fsync per file, issued
    /// together from several threads, then the folder's.
    public static func sync(_ files: [URL], folder: URL) throws {
        let errors = UnsafeMutableBufferPointer<Int32>.allocate(capacity: files.count)
        errors.initialize(repeating: 0)
        defer { errors.deallocate() }
        let box = SendableBuffer(errors)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let fd = open(files[i].path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { box.buffer[i] = errno; return }
            if fsync(fd) != 0 { box.buffer[i] = errno }
            close(fd)
        }
        if let i = errors.firstIndex(where: { $0 != 0 }) {
            throw StorageError(.writeFailed, path: files[i].path, message: "cannot write: \(String(cString: strerror(errors[i])))")
        }
        syncFolder(folder)
    }

    /// Makes a folder's entries (a rename into it) durable. Best effort: some file systems refuse
    /// fsync on a folder, and the files' data are already safe.
    public static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private static func failure(_ url: URL) -> StorageError {
        StorageError(.writeFailed, path: url.path, message: "cannot write: \(String(cString: strerror(errno)))")
    }
}

/// Each concurrent fsync writes its own slot.
private struct SendableBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Int32>
    init(_ buffer: UnsafeMutableBufferPointer<Int32>) { self.buffer = buffer }
}
