#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An append-only file of records, each holding one key's named float64 arrays and texts: a
/// sweep's case arrays when it writes no case folders (`[output] case_folders = false` with a
/// stack or dataset.h5), read back once the sweep ends. One `pwrite` per record into the page
/// cache replaces a folder of files per case (a folder and seven files cost more than a 63²
/// solve on this machine's file system).
///
/// Layout (little-endian): the file magic `PDKSPOL1`, then records
///
///     "PDKSREC1"  key: Int64  payload length: Int64  payload  checksum: UInt64
///
/// where the payload is a sequence of items, each `kind: UInt8` (0 array, 1 text),
/// `name length: UInt16`, the UTF-8 name, then for an array `rank: UInt8`, the shape as Int64s
/// and the values as float64, for a text `length: Int64` and its UTF-8 bytes. The checksum is
/// FNV-1a over the payload's 64-bit words (and its tail bytes).
///
/// A record is whole or is the file's torn tail (pdekit killed inside `append`): `open` cuts a
/// torn tail away before appending. A key may have several records (a case rerun by
/// `--resume` after its record was written but before its row was); the last one counts.
/// Nothing here syncs: the sweep's sync(2) before it appends rows makes the records durable.
public final class ArraySpool: @unchecked Sendable {
    public enum Item: Sendable, Equatable {
        case array(NamedArray)
        case text(name: String, value: String)
    }

    static let fileMagic = Array("PDKSPOL1".utf8)
    static let recordMagic = Array("PDKSREC1".utf8)
    static let headerSize = 24, checksumSize = 8

    public let url: URL
    private let fd: Int32
    private var end: Int
    private let lock = NSLock()

    /// Opens the spool at `url` for appending: a new file, or an existing one cut to its last
    /// whole record. A file that is not a spool is refused, never overwritten.
    public init(url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError(.writeFailed, path: url.path, message: "cannot open: \(String(cString: strerror(errno)))") }
        self.fd = fd
        do {
            let size = Int(lseek(fd, 0, SEEK_END))
            if size == 0 {
                try Self.writeAll(fd, Self.fileMagic, at: 0, path: url.path)
                end = Self.fileMagic.count
            } else {
                end = try Self.scan(fd: fd, size: size, path: url.path).end
                if end < size, ftruncate(fd, off_t(end)) != 0 {
                    throw StorageError(.writeFailed, path: url.path, message: "cannot cut the torn last record: \(String(cString: strerror(errno)))")
                }
            }
        } catch { close(fd); throw error }
    }

    deinit { close(fd) }

    /// Appends one record for `key` with one pwrite; safe from several threads.
    public func append(key: Int, items: [Item]) throws {
        let record = Self.encode(key: key, items: items)
        lock.lock(); defer { lock.unlock() }
        do { try Self.writeAll(fd, record, at: end, path: url.path) } catch {
            // A partial record (disk full) is cut away, so that the next append follows a whole one.
            _ = ftruncate(fd, off_t(end))
            throw error
        }
        end += record.count
    }

    // MARK: Reading

    /// The last whole record of every key in the spool at `url`: where its payload starts and
    /// how long it is. Reads through one descriptor, kept open while the index lives.
    public final class Index: @unchecked Sendable {
        public let url: URL
        let records: [Int: (offset: Int, length: Int)]
        private let fd: Int32
        public var keys: Dictionary<Int, (offset: Int, length: Int)>.Keys { records.keys }

        public init(url: URL) throws {
            self.url = url
            let fd = open(url.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw StorageError(.unreadable, path: url.path, message: "cannot open: \(String(cString: strerror(errno)))") }
            do {
                records = try ArraySpool.scan(fd: fd, size: Int(lseek(fd, 0, SEEK_END)), path: url.path).records
            } catch { close(fd); throw error }
            self.fd = fd
        }

        deinit { close(fd) }

        /// The items of `key`'s last record, its checksum verified; nil when the key has none.
        public func items(_ key: Int) throws -> [Item]? {
            guard let r = records[key] else { return nil }
            // Every byte is read into it (readAll fills the whole buffer or throws): not zeroed first.
            let count = r.length + ArraySpool.checksumSize
            var bytes = [UInt8](unsafeUninitializedCapacity: count) { _, initialised in initialised = count }
            try ArraySpool.readAll(fd, &bytes, at: r.offset, path: url.path)
            let stored = ArraySpool.integer(bytes, at: r.length, as: UInt64.self)
            guard ArraySpool.checksum(bytes[0 ..< r.length]) == stored else {
                throw StorageError(.malformed, path: url.path, message: "record of case \(key) fails its checksum (the file was changed "
                    + "or damaged); remove its row from the sweep table and run the sweep again with --resume")
            }
            return try ArraySpool.decode(bytes, length: r.length, path: url.path, key: key)
        }
    }

    /// Walks the records' headers: the last whole record of each key and where the whole
    /// records end (a torn tail, or bytes that are not a record, begin there).
    static func scan(fd: Int32, size: Int, path: String) throws -> (records: [Int: (offset: Int, length: Int)], end: Int) {
        var magic = [UInt8](repeating: 0, count: fileMagic.count)
        guard size >= fileMagic.count, (try? readAll(fd, &magic, at: 0, path: path)) != nil, magic == fileMagic else {
            throw StorageError(.notThisFormat, path: path, message: "is not a pdekit spool (no PDKSPOL1 magic); pdekit does not replace it")
        }
        var records: [Int: (offset: Int, length: Int)] = [:]
        var offset = fileMagic.count
        var header = [UInt8](repeating: 0, count: headerSize)
        while offset + headerSize <= size {
            guard (try? readAll(fd, &header, at: offset, path: path)) != nil, Array(header[0..<8]) == recordMagic else { break }
            let key = Int(integer(header, at: 8, as: Int64.self)), length = Int(integer(header, at: 16, as: Int64.self))
            guard length >= 0, length <= size - offset - headerSize - checksumSize else { break }
            records[key] = (offset + headerSize, length)
            offset += headerSize + length + checksumSize
        }
        return (records, offset)
    }

    // MARK: Encoding

    static func encode(key: Int, items: [Item]) -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(items.reduce(0) { size, item in
            switch item {
            case .array(let a): size + 16 + a.name.utf8.count + 8 * (a.shape.count + a.values.count)
            case .text(let name, let value): size + 16 + name.utf8.count + value.utf8.count
            }
        })
        for item in items {
            switch item {
            case .array(let a):
                payload.append(0)
                appendName(a.name, to: &payload)
                payload.append(UInt8(a.shape.count))
                for s in a.shape { appendInteger(Int64(s), to: &payload) }
                a.values.withUnsafeBytes { payload.append(contentsOf: $0) }
            case .text(let name, let value):
                payload.append(1)
                appendName(name, to: &payload)
                appendInteger(Int64(value.utf8.count), to: &payload)
                payload.append(contentsOf: value.utf8)
            }
        }
        var record = recordMagic
        record.reserveCapacity(headerSize + payload.count + checksumSize)
        appendInteger(Int64(key), to: &record)
        appendInteger(Int64(payload.count), to: &record)
        record += payload
        appendInteger(checksum(payload[...]), to: &record)
        return record
    }

    /// The items of a record's payload, `bytes[0 ..< length]`.
    static func decode(_ bytes: [UInt8], length: Int, path: String, key: Int) throws -> [Item] {
        var at = 0, items: [Item] = []
        func need(_ n: Int) throws {
            guard n >= 0, at + n <= length else {
                throw StorageError(.malformed, path: path, message: "record of case \(key) is malformed at byte \(at)")
            }
        }
        func name() throws -> String {
            try need(2)
            let n = Int(integer(bytes, at: at, as: UInt16.self)); at += 2
            try need(n)
            defer { at += n }
            return String(decoding: bytes[at ..< at + n], as: UTF8.self)
        }
        while at < length {
            let kind = bytes[at]; at += 1
            let itemName = try name()
            switch kind {
            case 0:
                try need(1)
                let rank = Int(bytes[at]); at += 1
                try need(8 * rank)
                let shape = (0..<rank).map { Int(integer(bytes, at: at + 8 * $0, as: Int64.self)) }
                at += 8 * rank
                let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).overflow ? Int.max : $0 * max($1, 0) }
                try need(count <= length / 8 ? 8 * count : -1)
                let values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                    bytes.withUnsafeBytes { raw in
                        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at ..< at + 8 * count]))
                    }
                    initialized = count
                }
                at += 8 * count
                items.append(.array(NamedArray(name: itemName, shape: shape, values: values)))
            case 1:
                try need(8)
                let n = Int(integer(bytes, at: at, as: Int64.self)); at += 8
                try need(n)
                items.append(.text(name: itemName, value: String(decoding: bytes[at ..< at + n], as: UTF8.self)))
                at += n
            default:
                throw StorageError(.malformed, path: path, message: "record of case \(key) has an item of unknown kind \(kind)")
            }
        }
        return items
    }

    /// FNV-1a over 64-bit words (one multiply per 8 bytes), then the tail bytes.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01b3
        bytes.withUnsafeBytes { raw in
            let words = raw.count / 8
            for w in 0..<words { h = (h ^ raw.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self)) &* prime }
            for b in raw[(8 * words)...] { h = (h ^ UInt64(b)) &* prime }
        }
        return h
    }

    private static func appendName(_ name: String, to bytes: inout [UInt8]) {
        let utf8 = Array(name.utf8.prefix(Int(UInt16.max)))
        appendInteger(UInt16(utf8.count), to: &bytes)
        bytes += utf8
    }

    private static func appendInteger<T: FixedWidthInteger>(_ v: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func integer<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int, as: T.Type) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StorageError(.writeFailed, path: path, message: "cannot write: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    static func readAll(_ fd: Int32, _ bytes: inout [UInt8], at offset: Int, path: String) throws {
        let count = bytes.count
        try bytes.withUnsafeMutableBytes { raw in
            var done = 0
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw StorageError(.truncated, path: path, message: "ends inside a record (at byte \(offset + done))")
                }
                done += n
            }
        }
    }
}
