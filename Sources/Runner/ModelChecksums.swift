import Foundation
import Storage

/// `checksums.sha256` of an output folder: the SHA-256 of the NPY files a later run loads, in
/// the format of `sha256sum` (so `sha256sum -c checksums.sha256` checks them too).
///
/// A reduced model's arrays are only numbers: a zeroed basis, a transposed array of the same
/// size or a dropped row still passes every shape and range check and gives a confident wrong
/// answer. The digest written with the array finds any change to it.
enum ModelChecksums {
    static let fileName = "checksums.sha256"

    /// The digests listed in `folder`'s checksums file, by file name; nil when there is none.
    static func read(in folder: URL) throws -> [String: String]? {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let text = String(decoding: try FileBytes.read(url), as: UTF8.self)
        var digests: [String: String] = [:]
        for line in text.split(separator: "\n") {
            // "HEX  NAME" (text mode) or "HEX *NAME" (binary mode).
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else { return [:] }
            var name = parts[1]
            if name.first == " " || name.first == "*" { name = name.dropFirst() }
            digests[String(name)] = parts[0].lowercased()
        }
        return digests
    }

    /// Reads `name` from `folder` and checks it against `digests`; the NPY array, or a message
    /// saying what does not match.
    static func readVerified(_ name: String, in folder: URL, digests: [String: String]?) throws -> Result<NPYArray, Mismatch> {
        let url = folder.appendingPathComponent(name)
        let bytes = try FileBytes.read(url)
        guard let digests else {
            return .failure(Mismatch(message: "the folder has no \(fileName) (a model of an earlier pdekit, or files copied without it)"))
        }
        guard let expected = digests[name] else { return .failure(Mismatch(message: "\(name) is not listed in \(fileName)")) }
        guard SHA256.hex(bytes) == expected else {
            return .failure(Mismatch(message: "\(name) does not match its SHA-256 in \(fileName): it was changed after pdekit wrote it"))
        }
        return .success(try NPY.decode(bytes, path: url.path))
    }

    struct Mismatch: Error { var message: String }
}
