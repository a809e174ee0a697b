// The project's own random numbers, so that a seed names the same field everywhere.
//
// Uniforms: xoshiro256** 1.0 (Blackman and Vigna, "Scrambled linear pseudorandom number
// generators", ACM TOMS 47, 2021), state seeded from the 64-bit seed by SplitMix64 as its
// authors recommend. A double in [0, 1) is the top 53 bits times 2⁻⁵³. Normals: Marsaglia's
// polar method (Marsaglia and Bray, SIAM Review 6, 1964), both variates of each accepted
// pair used in order. Only integer arithmetic, sqrt (correctly rounded) and log enter, so a
// seed gives bitwise-equal streams wherever libm's log agrees (glibc's does across x86-64
// machines of one distribution).

public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var z = seed
        func splitMix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// Standard normal variates from a seeded xoshiro256** stream (Marsaglia's polar method).
public struct NormalGenerator: Sendable {
    private var uniform: Xoshiro256StarStar
    private var spare: Double?

    public init(seed: UInt64) { uniform = Xoshiro256StarStar(seed: seed) }

    public mutating func next() -> Double {
        if let s = spare { spare = nil; return s }
        while true {
            let u = 2 * uniform.uniform() - 1, v = 2 * uniform.uniform() - 1
            let r = u * u + v * v
            if r > 0 && r < 1 {
                let f = (-2 * _log(r) / r).squareRoot()
                spare = v * f
                return u * f
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
#else
import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
#endif
