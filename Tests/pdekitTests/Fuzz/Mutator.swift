import Foundation
import Spectral

/// Seeded mutations of input files, for the fuzz tests (`FuzzTests`, `make fuzz`).
///
/// The same seed gives the same inputs on every machine (the project's seeded xoshiro256**, no
/// system randomness), so
/// a failure found by `make fuzz SEED=n` is found again by the same command. Mutations are the
/// classic byte-level ones (flip, insert, delete, duplicate, truncate, splice) plus two aimed at
/// text formats: a token replaced by an extreme value (huge, negative, NaN, overflowing
/// integers) and a structural character (brackets, quotes, `=`, newlines) inserted.
struct Mutator {
    private var random: Xoshiro256StarStar

    init(seed: UInt64) { random = Xoshiro256StarStar(seed: seed) }

    mutating func next() -> UInt64 { random.next() }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Values that break naive code: overflow, sign, non-finite, denormal, empty.
    static let extremes = ["0", "-1", "1", "2", "3", "-0", "1e308", "-1e308", "1e-320", "4294967296", "2147483648",
                           "9223372036854775807", "-9223372036854775808", "99999999999999999999", "nan", "inf", "-inf",
                           "0.5", "100000", "1e6", "\"\"", "[]", "{}", "\"x\"", "true", "[[]]", "0x10", "1_000"]
    static let structural: [String] = ["[", "]", "[[", "]]", "{", "}", "=", "\"", "'", "\"\"\"", "'''", ".", ",", "#",
                                       "\n", "\r\n", "\\", "\\u0000", "(", "*", " ", "\t", "é", "\u{FEFF}", "\0"]

    /// One input made by 1-4 mutations of `seed` (with `others` available for splicing).
    mutating func mutate(_ seed: [UInt8], others: [[UInt8]] = []) -> [UInt8] {
        var b = seed
        for _ in 0..<(1 + below(4)) {
            switch below(9) {
            case 0 where !b.isEmpty:  // flip bits of one byte
                b[below(b.count)] ^= UInt8(truncatingIfNeeded: 1 << below(8))
            case 1:  // insert a random byte
                b.insert(UInt8(truncatingIfNeeded: next()), at: below(b.count + 1))
            case 2 where !b.isEmpty:  // delete a range
                let start = below(b.count), length = 1 + below(min(16, b.count - start))
                b.removeSubrange(start..<start + length)
            case 3 where !b.isEmpty:  // duplicate a range
                let start = below(b.count), length = 1 + below(min(32, b.count - start))
                b.insert(contentsOf: b[start..<start + length], at: below(b.count + 1))
            case 4 where !b.isEmpty:  // truncate
                b.removeSubrange(below(b.count)...)
            case 5 where !others.isEmpty:  // splice in part of another input
                let o = pick(others)
                guard !o.isEmpty else { break }
                let s = below(o.count), length = 1 + below(min(64, o.count - s))
                b.insert(contentsOf: o[s..<s + length], at: below(b.count + 1))
            case 6:  // replace a token (a run of alphanumerics) by an extreme value
                let tokens = Self.tokenRanges(b)
                guard !tokens.isEmpty else { break }
                b.replaceSubrange(pick(tokens), with: Array(pick(Self.extremes).utf8))
            default:  // insert structure
                b.insert(contentsOf: Array(pick(Self.structural).utf8), at: below(b.count + 1))
            }
        }
        return b
    }

    /// Ranges of number- or word-like tokens in text.
    static func tokenRanges(_ b: [UInt8]) -> [Range<Int>] {
        func isToken(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x2D || c == 0x5F
        }
        var out: [Range<Int>] = [], i = 0
        while i < b.count {
            if isToken(b[i]) {
                let s = i
                while i < b.count && isToken(b[i]) { i += 1 }
                out.append(s..<i)
            } else { i += 1 }
        }
        return out
    }
}
