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
}
