import Configuration
import Problems
import Solvers
import XCTest
@testable import Runner

/// `pdekit help NAME`: generated from the readers that validate the keys, so every key the run
/// record resolves for a component is listed, with the type its reader asks for.
final class CatalogHelpTests: XCTestCase {
    func testEveryComponentListsEveryKeyItsRecordResolves() throws {
        var names = SolverRegistry.methods.map { ($0.name, $0.options) }
        for p in SolverRegistry.preconditioners where !names.contains(where: { $0.0 == p.name }) { names.append((p.name, p.options)) }
        for (name, parse) in names {
            let text = try XCTUnwrap(Catalog.help(name), name)
            XCTAssertTrue(text.contains("options, [solver.\(name)]:"), text)
            guard let defaults = try parse(nil) else { continue }
            for key in defaults.resolved.keys {
                XCTAssertTrue(text.contains("\n  \(key) "), "help \(name) lacks '\(key)':\n\(text)")
            }
        }
    }

    func testSolverKeysWithTheirTypesDefaultsAndChoices() throws {
        let text = try XCTUnwrap(Catalog.help("solver"))
        for key in SolverSpec().resolved.keys where key != "options" {
            XCTAssertTrue(text.contains("\n  \(key) "), "help solver lacks '\(key)':\n\(text)")
        }
        let line = { (key: String) in text.split(separator: "\n").first { $0.hasPrefix("  \(key) ") }.map(String.init) ?? "" }
        XCTAssertTrue(line("max_iterations").contains("integer") && line("max_iterations").contains("default 10000"), line("max_iterations"))
        XCTAssertTrue(line("method").contains("one of " + SolverRegistry.methods.map(\.name).joined(separator: ", ")), line("method"))
        // Read only when present: its type is probed, and no placeholder default is claimed.
        XCTAssertTrue(line("time_limit").contains("number") && line("time_limit").contains("unset by default"), line("time_limit"))
        XCTAssertFalse(line("time_limit").contains("default 0"), line("time_limit"))
    }

    func testAMethodThatIsAlsoAPreconditionerSaysBoth() throws {
        let text = try XCTUnwrap(Catalog.help("gmg"))
        XCTAssertTrue(text.contains("method ([solver] method = \"gmg\")") && text.contains("preconditioner ([solver] preconditioner = \"gmg\")"))
        XCTAssertTrue(text.contains("  cycle ") && text.contains("one of v, w"), text)
        XCTAssertNil(try Catalog.help("nosuch"))
    }

    /// Every key the repository's example files of a kind use (files no help author picked
    /// for this) is listed by `pdekit help KIND`: the minimal tables reach every reader branch
    /// those files take. User-named keys (expression parameters, a design's parameter paths)
    /// are not schema keys and are skipped.
    func testEveryKindListsEveryKeyItsExampleFilesUse() throws {
        let problems = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("problems")
        let files = try FileManager.default.contentsOfDirectory(at: problems, includingPropertiesForKeys: nil).filter { $0.pathExtension == "toml" }
        XCTAssertGreaterThan(files.count, 20)
        func keys(_ t: ConfigTable, _ prefix: String) -> [String] {
            t.keys.flatMap { k -> [String] in
                let key = prefix + k
                if k == "parameters" { return [key] }
                switch t[k]! {
                case .table(let sub): return [key] + keys(sub, key + ".")
                case .array(let a): return [key] + a.flatMap { v -> [String] in if case .table(let sub) = v { keys(sub, key + ".") } else { [] } }
                default: return [key]
                }
            }
        }
        var checked = Set<String>()
        for file in files {
            let document = try ProblemDocument(path: file.path)
            guard case .table(let problem)? = document.root["problem"], case .string(let kind)? = problem["kind"],
                  case .table(let section)? = document.root[ProblemKinds.tableName(of: kind)] else { continue }
            let text = try XCTUnwrap(Catalog.help(kind), kind)
            for key in keys(section, "") {
                XCTAssertTrue(text.contains("\n  \(key) "), "help \(kind) lacks '\(key)' of \(file.lastPathComponent):\n\(text)")
            }
            checked.insert(kind)
        }
        XCTAssertEqual(checked, Set(ProblemKinds.names), "every kind has an example file")
    }

    /// `required` is read off the reader: the minimal table without the key is refused.
    func testRequiredKeysAndRefusedKeysOfKinds() throws {
        func line(_ text: String, _ key: String) -> String {
            text.split(separator: "\n").first { $0.hasPrefix("  \(key) ") }.map(String.init) ?? ""
        }
        let pde = try XCTUnwrap(Catalog.help("pde"))
        XCTAssertTrue(line(pde, "grid").contains("required"), pde)
        XCTAssertTrue(line(pde, "rhs").contains("required") && line(pde, "rhs").contains("{ grf = … }"), pde)
        XCTAssertFalse(line(pde, "coefficient").contains("required"), pde)
        XCTAssertTrue(line(pde, "coefficient.grf.seed").contains("required"), pde)
        XCTAssertTrue(line(pde, "boundary.z_max").contains("table"), pde)
        let system = try XCTUnwrap(Catalog.help("linear_system"))
        XCTAssertTrue(line(system, "matrix").contains("required") && line(system, "rhs").contains("required"), system)
        XCTAssertFalse(line(system, "exact").contains("required"), system)
        // The thermal block reads blocks and grid; family "pde" refuses them, so they are the
        // thermal block's own keys, not common ones.
        let rb = try XCTUnwrap(Catalog.help("reduced_basis"))
        let own = { (variant: String) -> String in
            guard let start = rb.range(of: "with \(variant):\n") else { return "" }
            let rest = rb[start.upperBound...]
            return String(rest[..<(rest.range(of: "\nwith ")?.lowerBound ?? rest.endIndex)])
        }
        XCTAssertTrue(own("family = \"thermal_block\"").contains("  blocks "), rb)
        XCTAssertFalse(own("family = \"pde\"").contains("  blocks "), rb)
        XCTAssertTrue(line(own("family = \"matrices\""), "matrices.training").contains("required"), rb)
        XCTAssertFalse(rb.contains("training.parameters.mu1"), "a design's parameters are the user's names:\n\(rb)")
        // Every kind's minimal tables are read: none is refused (help would throw).
        for kind in ProblemKinds.names { XCTAssertNotNil(try Catalog.help(kind), kind) }
    }
}
