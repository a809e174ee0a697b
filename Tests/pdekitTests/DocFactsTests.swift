import Foundation
import XCTest

/// Numbers the README and docs/ quote from a run of an example problem carry a marker right
/// after them, `2,862<!-- fact: problems/tensor_runge3d.toml result.storage -->` (options
/// between the file and the key, e.g. `--set tensor.tolerance=1e-4`). This test runs every
/// problem the markers name, once per option set, and checks each quoted number against the
/// record's value: equal to within half a unit in the last digit the text shows (so "6e-7"
/// stands for [5.5e-7, 6.5e-7] and "2,862" for 2,862 exactly). An array value (ranks [9, 9, 9])
/// must hold the number in every entry. A number that goes stale fails here, with the file
/// and the new value.
final class DocFactsTests: CLITestCase {
    struct Fact {
        var document: String, text: String, value: Double, halfUnit: Double
        var problem: String, options: [String], key: String
    }

    /// Every marked number of README.md and docs/*.md.
    static func facts() throws -> [Fact] {
        let docs = packageRoot.appendingPathComponent("docs")
        let files = [packageRoot.appendingPathComponent("README.md")]
            + (try FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil)).filter { $0.pathExtension == "md" }
        let marker = try Regex(#"([0-9][0-9,]*(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)<!-- fact: ([^>]*?) -->"#)
        var facts: [Fact] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for m in text.matches(of: marker) {
                let shown = String(m.output[1].substring ?? "")
                let words = (m.output[2].substring ?? "").split(separator: " ").map(String.init)
                guard words.count >= 2, let value = Double(shown.replacingOccurrences(of: ",", with: "")) else {
                    let message = "\(file.lastPathComponent): bad marker after \(shown)"
                    throw NSError(domain: "DocFacts", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
                }
                facts.append(Fact(document: file.lastPathComponent, text: shown, value: value, halfUnit: halfUnit(shown),
                                  problem: words[0], options: Array(words.dropFirst().dropLast()), key: words.last!))
            }
        }
        return facts
    }

    /// Half a unit in the last digit shown: "6e-7" → 0.5e-7, "4.20e-7" → 0.005e-7, "2,862" → 0.5.
    static func halfUnit(_ shown: String) -> Double {
        let parts = shown.lowercased().split(separator: "e", maxSplits: 1)
        let mantissa = String(parts[0]).replacingOccurrences(of: ",", with: "")
        let exponent = parts.count > 1 ? Double(parts[1]) ?? 0 : 0
        let decimals = mantissa.split(separator: ".", maxSplits: 1).dropFirst().first?.count ?? 0
        return 0.5 * pow(10, exponent - Double(decimals))
    }

    /// A dotted key's value in a run record, as numbers (an array gives all of its entries).
    func recordValue(_ record: String, _ key: String) -> [Double]? {
        let path = key.split(separator: ".").map(String.init)
        let table = "[" + path.dropLast().joined(separator: ".") + "]"
        guard let start = record.range(of: table + "\n") else { return nil }
        // Lines of the table up to the next header.
        var lines: [Substring] = []
        for line in record[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("[") { break }
            lines.append(line)
        }
        guard let line = lines.first(where: { $0.hasPrefix(path.last! + " = ") }) else { return nil }
        let value = line.dropFirst(path.last!.count + 3).trimmingCharacters(in: .whitespaces)
        let entries = value.hasPrefix("[") ? value.dropFirst().dropLast().split(separator: ",").map(String.init) : [value]
        let numbers = entries.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return numbers.count == entries.count ? numbers : nil
    }

    /// bench/doc_numbers.py: every measured number README.md and docs/ quote (a number with a
    /// unit: s, ms, ×, %, /s, …) is a value of the bench/results files the document names, to
    /// the digits shown, and the README's generated blocks are what `bench/report.py
    /// --from-results` builds from those files. Its self-test first shows that a changed number,
    /// a hand-edited block row and a document without a source line each fail.
    func testQuotedMeasurementsAreInBenchResults() throws {
        for arguments in [["--self-test"], []] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "bench/doc_numbers.py"] + arguments
            process.currentDirectoryURL = Self.packageRoot
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "bench/doc_numbers.py \(arguments.joined()):\n\(output)")
        }
    }

    func testHalfUnitInTheLastDigitShown() {
        XCTAssertEqual(Self.halfUnit("6e-7"), 0.5e-7, accuracy: 1e-22)
        XCTAssertEqual(Self.halfUnit("4.20e-7"), 0.005e-7, accuracy: 1e-22)
        XCTAssertEqual(Self.halfUnit("2,862"), 0.5)
        XCTAssertEqual(Self.halfUnit("2.00"), 0.005, accuracy: 1e-15)
    }

    func testEveryMarkedNumberMatchesARunOfItsProblem() throws {
        let facts = try Self.facts()
        XCTAssertFalse(facts.isEmpty, "no <!-- fact: ... --> markers found")
        var runs: [String: String] = [:]  // problem + options → run.toml
        for fact in facts {
            let id = ([fact.problem] + fact.options).joined(separator: " ")
            if runs[id] == nil {
                let out = "facts-\(runs.count)"
                let r = try pdekit(["run", Self.packageRoot.appendingPathComponent(fact.problem).path, "-o", out, "--quiet"] + fact.options)
                XCTAssertEqual(r.status, 0, "\(id): \(r.stderr)")
                runs[id] = (try? String(contentsOf: work.appendingPathComponent("\(out)/run.toml"), encoding: .utf8)) ?? ""
            }
            guard let values = recordValue(runs[id]!, fact.key) else {
                XCTFail("\(fact.document): \(fact.text) cites \(fact.key) of \(id), which its run.toml does not have")
                continue
            }
            for v in values {
                XCTAssertLessThanOrEqual(abs(v - fact.value), fact.halfUnit * (1 + 1e-9),
                                         "\(fact.document) quotes \(fact.text) for \(fact.key) of \(id); the run gives \(v)")
            }
        }
    }
}
