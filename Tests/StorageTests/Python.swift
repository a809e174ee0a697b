import Foundation
import XCTest

/// Runs a python3 one-liner, the reference implementation for the formats (NumPy for NPY,
/// SciPy for Matrix Market). `make deps` installs them; a machine without them fails the
/// calling test with a message saying what is missing, rather than skipping it.
func runPython(_ script: String, modules: [String], _ arguments: String...) throws -> String {
    let check = Process()
    check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    check.arguments = ["python3", "-c", modules.map { "import \($0)" }.joined(separator: "; ")]
    check.standardError = FileHandle.nullDevice
    do { try check.run() } catch { throw PythonMissing(message: "python3 is not installed (make deps)") }
    check.waitUntilExit()
    guard check.terminationStatus == 0 else {
        throw PythonMissing(message: "python3 lacks \(modules.joined(separator: ", ")) (make deps installs them)")
    }

    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + arguments
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "python3 failed on: \(script)")
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

struct PythonMissing: Error, CustomStringConvertible { let message: String; var description: String { message } }
