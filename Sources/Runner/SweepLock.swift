#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Exclusive locks in a sweep folder, so that two `pdekit sweep` commands never write the same
/// table or case folders at once (both would run every case, and the table would hold each
/// case twice).
///
/// Shards of one sweep run at the same time into one folder, so a single lock on the folder
/// (flock) would serialise them. Instead the folder's lock file `.pdekit-lock` carries one
/// byte-range lock per purpose: byte 0 for the short critical sections that read and create
/// the folder's shared files (the shard layout, a table's creation, merging), and byte 1 + i for
/// shard i, held for the whole run. The locks are open-file-description locks (Linux
/// F_OFD_SETLK): they belong to the open file, not to the process, so two sweeps in one test
/// process exclude each other too, and closing another descriptor of the file does not drop
/// them. The kernel releases them when the process dies, so a killed sweep leaves no stale
/// lock. The file itself is never removed (removing a lock file races with its next user).
final class SweepLock {
    private let fd: Int32
    let path: String

    /// Opens (creating if needed) the lock file of the sweep folder `directory`.
    init(directory: URL) throws {
        path = directory.appendingPathComponent(OutputGuard.lockName).path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw RunError(.badInput, "\(directory.path): cannot open the sweep's lock file \(OutputGuard.lockName): "
                + "\(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Byte 0: the folder's shared files.
    static let folderByte = 0
    /// The byte of shard `index`.
    static func shardByte(_ index: Int) -> Int { 1 + index }

    /// Takes the lock on `byte`; false when another open file holds it (`wait: false`).
    /// `wait: true` blocks until it is free (for the short folder sections).
    func lock(byte: Int, wait: Bool) throws -> Bool {
        try set(byte: byte, type: Int16(F_WRLCK), wait: wait)
    }

    func unlock(byte: Int) { _ = try? set(byte: byte, type: Int16(F_UNLCK), wait: false) }

    /// Runs `body` holding the folder lock (byte 0).
    func withFolderLock<T>(_ body: () throws -> T) throws -> T {
        _ = try lock(byte: Self.folderByte, wait: true)
        defer { unlock(byte: Self.folderByte) }
        return try body()
    }

    private func set(byte: Int, type: Int16, wait: Bool) throws -> Bool {
        var fl = flock()
        fl.l_type = type
        fl.l_whence = Int16(SEEK_SET)
        fl.l_start = off_t(byte)
        fl.l_len = 1
        fl.l_pid = 0  // required by OFD locks
        while true {
            if fcntl(fd, wait ? Self.setLockWait : Self.setLock, &fl) == 0 { return true }
            if errno == EINTR { continue }
            if !wait && (errno == EAGAIN || errno == EACCES) { return false }
            throw RunError(.internal, "\(path): cannot lock: \(String(cString: strerror(errno)))")
        }
    }

    #if os(Linux)
    // F_OFD_SETLK / F_OFD_SETLKW (Linux ≥ 3.15; glibc defines them only under _GNU_SOURCE).
    private static let setLock: Int32 = 37
    private static let setLockWait: Int32 = 38
    #else
    private static let setLock = F_SETLK
    private static let setLockWait = F_SETLKW
    #endif
}
