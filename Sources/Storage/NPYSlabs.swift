#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One NPY file written by several processes at once, each its own contiguous slab of the C-order
/// array (the ranks of a distributed solve, so that no rank holds the whole array): one process
/// `create`s the file, header and room for every value; then every process `write`s its slab
/// at its offset. The bytes are those of `NPY.encode` of the whole array.
///
/// Not atomic by itself: the file is written inside an output folder's staging folder, which
/// appears under its name only once every slab is written (`OutputFolder`).
public enum NPYSlabs {
    /// Bytes before the first value of an NPY file of float64 with `shape`.
    public static func headerLength(shape: [Int]) -> Int { NPY.header(shape: shape, reserving: 0).count }

    /// Writes the header for `shape` to a new file at `url` and extends it to its full length
    /// (a sparse file: the values are zero until written).
    public static func create(_ url: URL, shape: [Int]) throws {
        precondition(shape.allSatisfy { $0 >= 0 }, "NPY: negative extent in shape \(shape)")
        let head = NPY.header(shape: shape, reserving: 0)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(url, "cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = head.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == head.count, ftruncate(fd, off_t(head.count + 8 * shape.reduce(1, *))) == 0 else {
            throw failure(url, "cannot write: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `values` as elements `offset ..< offset + values.count` (flat, C order) of the
    /// array of `shape` in the file `create` made, and fsyncs them (the process that renames the
    /// folder may be another process, on another machine).
    public static func write(_ values: [Double], at offset: Int, shape: [Int], to url: URL) throws {
        precondition(offset >= 0 && offset + values.count <= shape.reduce(1, *), "NPY: slab beyond the array")
        let fd = open(url.path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(url, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var position = headerLength(shape: shape) + 8 * offset
        let bytes = isBigEndianHost ? values.map { Double(bitPattern: $0.bitPattern.byteSwapped) } : values
        let ok = bytes.withUnsafeBytes { buffer -> Bool in
            var done = 0
            while done < buffer.count {
                let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(position))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n; position += n
            }
            return true
        }
        guard ok, fsync(fd) == 0 else { throw failure(url, "cannot write: \(String(cString: strerror(errno)))") }
    }

    private static func failure(_ url: URL, _ message: String) -> StorageError {
        StorageError(.writeFailed, path: url.path, message: message)
    }
}
