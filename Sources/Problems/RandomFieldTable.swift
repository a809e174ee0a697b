import Configuration
import Foundation
import Discretisation

/// A random coefficient field in a problem file:
///   `{ grf = { alpha = 2.5, tau = 7, seed = 3, transform = "exp" } }` or
///   `{ matern = { nu = 1.5, length_scale = 0.1, variance = 1, seed = 3 } }`,
/// with optional `scale` and `mean` (u ↦ mean + scale·u before the transform) and, for
/// `transform = "threshold"`, `values = [low, high]` (low where u < 0, high where u ≥ 0).
/// `perturbation = ε, perturbation_seed = s` adds ε times the field of seed s to u (before the
/// transform): a family of fields each a little away from one base field, for sweeps.
extension RandomField {
    init(_ r: TableReader, kind: String) throws {
        let covariance: Covariance
        if kind == "grf" {
            let alpha = try r.double("alpha", default: 2.5, minimum: 0, exclusiveMinimum: true)
            let tau = try r.double("tau", default: 7, minimum: 0)
            covariance = .grf(alpha: alpha, tau: tau)
        } else {
            let nu = try r.double("nu", default: 1.5, minimum: 0, exclusiveMinimum: true)
            guard let ell = try r.double("length_scale") else { throw r.error("length_scale", "missing: the Matérn length scale") }
            guard ell > 0 else { throw r.error("length_scale", "must be > 0, got \(ell)") }
            covariance = .matern(nu: nu, lengthScale: ell, variance: try r.double("variance", default: 1, minimum: 0, exclusiveMinimum: true))
        }
        guard let s = try r.int("seed") else { throw r.error("seed", "missing: an integer seed (the same seed gives the same field)") }
        guard s >= 0 else { throw r.error("seed", "must be ≥ 0, got \(s)") }
        let scale = try r.double("scale", default: 1)
        let mean = try r.double("mean", default: 0)
        let transform = Transform(rawValue: try r.string("transform", default: "none", oneOf: ["none", "exp", "threshold"]))!
        var thresholdValues = (low: 0.0, high: 1.0)
        let perturbation = try r.double("perturbation", default: 0)
        var perturbationSeed: UInt64 = 0
        if let ps = try r.int("perturbation_seed") {
            guard ps >= 0 else { throw r.error("perturbation_seed", "must be ≥ 0, got \(ps)") }
            perturbationSeed = UInt64(ps)
        } else if perturbation != 0 {
            throw r.error("perturbation_seed", "missing: perturbation = \(perturbation) needs the seed of the field it adds")
        }
        if let v = try r.array("values") {
            guard transform == .threshold else { throw r.error("values", "only used with transform = \"threshold\"") }
            guard v.count == 2, let lo = v[0].number, let hi = v[1].number else {
                throw r.error("values", "expected [low, high]")
            }
            thresholdValues = (lo, hi)
        } else if transform == .threshold {
            throw r.error("values", "transform = \"threshold\" needs values = [low, high]")
        }
        try r.finish()
        self.init(covariance: covariance, seed: UInt64(s), scale: scale, mean: mean, transform: transform, thresholdValues: thresholdValues,
                  perturbation: perturbation, perturbationSeed: perturbationSeed)
    }

    var resolved: ConfigValue {
        var t = ConfigTable()
        let kind: String
        switch covariance {
        case .grf(let alpha, let tau): kind = "grf"; t["alpha"] = .double(alpha); t["tau"] = .double(tau)
        case .matern(let nu, let ell, let v):
            kind = "matern"; t["nu"] = .double(nu); t["length_scale"] = .double(ell); t["variance"] = .double(v)
        }
        t["seed"] = .integer(Int(seed)); t["scale"] = .double(scale); t["mean"] = .double(mean)
        t["transform"] = .string(transform.rawValue)
        if perturbation != 0 { t["perturbation"] = .double(perturbation); t["perturbation_seed"] = .integer(Int(perturbationSeed)) }
        if transform == .threshold { t["values"] = .array([.double(thresholdValues.low), .double(thresholdValues.high)]) }
        var outer = ConfigTable(); outer[kind] = .table(t)
        return .table(outer)
    }
}
