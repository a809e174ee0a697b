/// "Did you mean" suggestions for unknown keys, names and functions (problem files,
/// expressions): the edit distance and the closest plausible candidate.

/// Levenshtein distance, for "did you mean" suggestions on unknown keys and names.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count), current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The candidate closest to `name`, if it is close enough to be a plausible typo: within
/// `maxDistance` edits (default max(2, length/3)) and fewer edits than the name has letters
/// (any one-letter name is one edit from every other, so "did you mean 'x'?" for `w` would be
/// noise). Ties go to the longer common prefix ("sinn" suggests "sin", not "sign"), then to
/// alphabetical order, so the hint is deterministic.
public func nearest(_ name: String, in candidates: some Collection<String>, maxDistance: Int? = nil) -> String? {
    func prefix(_ c: String) -> Int { zip(name, c).prefix { $0 == $1 }.count }
    let limit = maxDistance ?? max(2, name.count / 3)
    let scored = candidates.map { ($0, editDistance(name, $0), prefix($0)) }
        .filter { $0.1 <= limit && $0.1 < name.count }
        .min { ($0.1, -$0.2, $0.0) < ($1.1, -$1.2, $1.0) }
    return scored?.0
}
