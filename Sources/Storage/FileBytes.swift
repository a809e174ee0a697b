#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads a whole file into one byte array with POSIX calls.
///
/// The readers parse raw bytes, so reading straight into the array they parse avoids the extra
/// copy of `Data` → `[UInt8]` (which matters for Matrix Market files of hundreds of megabytes),
/// and lets the text parser ask for a terminating zero byte that `strtod` can stop on.
/// Memory mapping is avoided on purpose: a mapped file truncated by another process while we
/// read it would kill us with SIGBUS instead of giving an error.
public enum FileBytes {
    public static func read(_ url: URL, appendingZero: Bool = false) throws -> [UInt8] {
        let path = url.path
        // O_NONBLOCK: opening a named pipe (FIFO) that no process writes would block forever.
        // Non-blocking, it opens at once; a pipe without a writer then reads as empty, and the
        // flag is cleared so that a pipe with a writer is read to its end as before.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw StorageError(.notFound, path: path, message: "no such file") }
            throw StorageError(.unreadable, path: path, message: "cannot open: \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw StorageError(.unreadable, path: path, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            throw StorageError(.unreadable, path: path, message: "is a folder, not a file")
        }
        // Regular files and pipes (a shell's <(...)) are data; a device such as /dev/zero or
        // /dev/urandom never ends and would be read until memory runs out.
        if info.st_mode & S_IFMT == S_IFCHR || info.st_mode & S_IFMT == S_IFBLK || info.st_mode & S_IFMT == S_IFSOCK {
            throw StorageError(.unreadable, path: path, message: "is a device, not a data file")
        }
        // st_size is only a hint (0 for pipes, stale if the file grows), so read until EOF and
        // grow as needed; the +1 makes the read that sees EOF not need a reallocation.
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 1 << 16))) }
            let n = bytes.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(.unreadable, path: path, message: "cannot read: \(String(cString: strerror(errno)))")
            }
            filled += n
        }
        bytes.removeLast(bytes.count - filled)
        if appendingZero { bytes.append(0) }
        return bytes
    }
}

/// The POSIX `read(2)`, named apart from the many Swift methods called `read`.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}
