import Foundation
import XCTest
import Storage
@testable import Runner

final class ShardTests: XCTestCase {
    func testEnvironmentOfEachLauncher() throws {
        XCTAssertEqual(try Shard.fromEnvironment(["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"])?.description, "1/4")
        XCTAssertEqual(try Shard.fromEnvironment(["PMI_RANK": "0", "PMI_SIZE": "2"])?.description, "0/2")
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "3",
                                                  "SLURM_ARRAY_TASK_COUNT": "4"])?.description, "2/4")
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_PROCID": "2", "SLURM_NTASKS": "3"])?.description, "2/3")
        XCTAssertNil(try Shard.fromEnvironment(["SLURM_PROCID": "0", "SLURM_NTASKS": "1"]))
        XCTAssertNil(try Shard.fromEnvironment([:]))
        XCTAssertThrowsError(try Shard.parse("3/3"))
        XCTAssertThrowsError(try Shard.parse("x"))
    }

    func testShardsPartitionTheCases() throws {
        let shards = try (0..<3).map { try Shard(index: $0, count: 3, source: "t") }
        // Contiguous blocks that cover every case exactly once, sizes within one of each other.
        for total in [0, 1, 2, 20, 21] {
            let ranges = shards.map { $0.range(of: total) }
            for c in 0..<total { XCTAssertEqual(ranges.filter { $0.contains(c) }.count, 1) }
            XCTAssertEqual(ranges.map(\.count).reduce(0, +), total)
            XCTAssertLessThanOrEqual(ranges.map(\.count).max()! - ranges.map(\.count).min()!, 1)
        }
    }

    /// i·total overflows Int for a shard count near Int.max; the blocks must still tile the cases.
    func testShardBlocksNearIntMax() throws {
        let n = Int.max
        for total in [1, 2, 1_000_000] {
            var covered = 0
            for i in [0, 1, n / 2, n - 3, n - 2, n - 1] {
                let r = try Shard(index: i, count: n, source: "t").range(of: total)
                XCTAssertTrue(r.lowerBound >= 0 && r.upperBound <= total)
                covered += r.count
            }
            XCTAssertLessThanOrEqual(covered, total)
            XCTAssertEqual(try Shard(index: n - 1, count: n, source: "t").range(of: total).upperBound, total)
            XCTAssertEqual(try Shard(index: 0, count: n, source: "t").range(of: total).lowerBound, 0)
        }
    }
}

final class SweepTableTests: XCTestCase {
    func testObservedOrderPerGroup() {
        let header = SweepTable.header(parameters: ["pde.grid", "k"], study: LinearSolveStudy().sweepColumns)
        func row(_ c: Int, _ grid: String, _ k: String, h: Double, e: Double) -> [String] {
            var r = [String](repeating: "", count: header.count)
            r[0] = "\(c)"; r[1] = grid; r[2] = k
            r[header.firstIndex(of: "status")!] = "ok"
            r[header.firstIndex(of: "h")!] = "\(h)"; r[header.firstIndex(of: "relative_l2_error")!] = "\(e)"
            return r
        }
        let out = ObservedOrder.fill([header,
            row(0, "[7]", "1", h: 0.125, e: 1e-2), row(1, "[15]", "1", h: 0.0625, e: 2.5e-3),
            row(2, "[7]", "2", h: 0.125, e: 4e-2), row(3, "[15]", "2", h: 0.0625, e: 2e-2)])
        let o = header.firstIndex(of: "observed_order")!
        XCTAssertEqual(out[1][o], "")
        XCTAssertEqual(Double(out[2][o])!, 2, accuracy: 1e-12)
        XCTAssertEqual(Double(out[4][o])!, 1, accuracy: 1e-12)
    }
}

final class CaseOrderingTests: XCTestCase {
    /// The tour is a permutation, starts at case 0 and is never longer than the file order (a
    /// greedy tour longer than it is replaced by it); a shuffled one-parameter family comes out
    /// sorted from case 0.
    func testOrderingIsAPermutationAndSortsAOneParameterFamily() throws {
        let values = [0.5, 0.1, 0.4, 0.2, 0.3]
        let features = values.map { v in (0..<50).map { Double($0) * v } }
        let order = CaseOrdering.nearest(features)
        XCTAssertEqual(order.sorted(), Array(0..<5))
        XCTAssertEqual(order, [0, 2, 4, 3, 1])
        XCTAssertLessThanOrEqual(CaseOrdering.tourLength(order, features), CaseOrdering.tourLength(Array(0..<5), features))
    }

    /// Random 2D points (8000, above the greedy limit: grouped): a permutation, and a tour much
    /// shorter than the file order's random walk.
    func testLargeSetsAreGroupedAndStillShorten() throws {
        var state: UInt64 = 42
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        let features = (0..<8000).map { _ in [next(), next()] }
        let order = CaseOrdering.nearest(features)
        XCTAssertEqual(Set(order).count, 8000)
        XCTAssertLessThan(CaseOrdering.tourLength(order, features), 0.5 * CaseOrdering.tourLength(Array(0..<8000), features))
    }

    func testAnOrderedFamilyKeepsItsOrder() throws {
        // 0, 1, 2, 3, 10, 4: greedy from 0 visits 10 last (0 1 2 3 4 10: length 3 + 1 + 6 = 10),
        // the file order is 3 + 7 + 6 = 16; both are permutations, the shorter wins.
        let features = [0.0, 1, 2, 3, 10, 4].map { [$0] }
        let order = CaseOrdering.nearest(features)
        XCTAssertEqual(order, [0, 1, 2, 3, 5, 4])
        // A family already in order stays as given.
        let sorted = (0..<10).map { [Double($0)] }
        XCTAssertEqual(CaseOrdering.nearest(sorted), Array(0..<10))
    }
}
