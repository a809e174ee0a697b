import Configuration
import Discretisation

/// Foundation has a generic `Expression` of its own; in problem schemas (and for their users)
/// `Expression` is the discretisation's scalar expression in x, y, z and named parameters.
public typealias Expression = Discretisation.Expression
