import Solvers
import Problems

/// `pdekit list`: problem kinds, methods and preconditioners with one line of help each,
/// generated from the same tables the problem-file reader validates against.
public enum Catalog {
    public static var text: String {
        func section(_ title: String, _ rows: [(name: String, help: String)]) -> String {
            let width = rows.map(\.name.count).max() ?? 0
            return "\(title):\n" + rows.map { "  \($0.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.help)\n" }.joined()
        }
        return section("problem kinds ([problem] kind)", ProblemSpec.kinds)
            + section("methods ([solver] method)", SolverSpec.methods)
            + section("preconditioners ([solver] preconditioner, for the methods that take one: "
                      + SolverRegistry.methods.filter(\.usesPreconditioner).map(\.name).joined(separator: ", ") + ")", SolverSpec.preconditioners)
    }
}
