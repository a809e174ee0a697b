import Configuration
import Problems
import ReducedBasis

/// `family = "thermal_block"`: the library's family as it is; online, θ(μ) = μ needs no record.
extension ThermalBlockFamily: ReducedBasisFamilyEntry {
    static var name: ReducedBasisSpec.Family { .thermalBlock }
    static var boundDescription: String { "residual dual norm over the min-theta coercivity lower bound" }

    static func build(_ r: ReducedBasisSpec) throws -> any ReducedBasisFamily {
        try ThermalBlockFamily(grid: r.grid, blocksX: r.blocks[0], blocksY: r.blocks[1], reference: r.reference)
    }

    static func truthSolution(_ r: ReducedBasisSpec, _ mu: [Double]) throws -> (solution: [Double], shape: [Int]) {
        (try build(r).truth(mu).solution, [r.grid, r.grid])
    }

    static func online(_ contents: ReducedModelArchive.Contents, record: () throws -> ReducedBasisSpec,
                       fail: (String) -> ProblemError) throws -> ReducedModelStudy.Loaded {
        let grid = contents.family.numbers[2]
        return ReducedModelStudy.Loaded(model: try ThermalBlockFamily.onlineModel(contents), shape: [grid, grid],
                                        names: (1...contents.operators.count).map { "mu\($0)" }, positive: true)
    }
}
