import Foundation
import Storage

/// The observed order of accuracy of a grid-refinement sweep (the linear solve's
/// `observed_order` column).
enum ObservedOrder {
    /// Fills `observed_order` for grid-refinement studies: rows that differ only in `pde.grid`
    /// are sorted by h and each gets log(e_prev / e) / log(h_prev / h), which is
    /// log2(e_h / e_{h/2}) when h halves.
    static func fill(_ records: [[String]]) -> [[String]] {
        guard let header = records.first, let gridColumn = header.firstIndex(of: "pde.grid"),
              let hColumn = header.firstIndex(of: "h"), let eColumn = header.firstIndex(of: "relative_l2_error"),
              let oColumn = header.firstIndex(of: "observed_order"), let sColumn = header.firstIndex(of: "status") else { return records }
        let parameterColumns = (1..<header.firstIndex(of: "status")!).filter { $0 != gridColumn }
        var out = records
        var groups: [[String]: [Int]] = [:]
        for i in 1..<records.count where records[i].count == header.count && records[i][sColumn] != "failed" {
            groups[parameterColumns.map { records[i][$0] }, default: []].append(i)
        }
        for (_, rows) in groups {
            let sorted = rows.compactMap { i -> (Int, Double, Double)? in
                guard let h = Double(records[i][hColumn]), let e = Double(records[i][eColumn]) else { return nil }
                return (i, h, e)
            }.sorted { $0.1 > $1.1 }
            for k in 1..<max(sorted.count, 1) {
                let (i, h, e) = sorted[k], (_, hp, ep) = sorted[k - 1]
                if e > 0, ep > 0, hp > h { out[i][oColumn] = CSV.format(log(ep / e) / log(hp / h)) }
            }
        }
        return out
    }
}
