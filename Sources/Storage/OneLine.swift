/// Text for a one-line message (docs/cli.md: every error is one line): line breaks and other
/// control characters in it — raw bytes of a bad file's header, a name with a newline, a NUL —
/// are shown escaped (`\n`, `\x00`), never printed.
public func oneLine(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
        switch u {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += " "
        default:
            if u.value < 0x20 || u.value == 0x7F {
                let hex = String(u.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out
}

/// A value quoted in a one-line message: `oneLine`, and at most `limit` characters, its middle
/// elided with the count of what was left out, so that a 100 kB value in a file does not become
/// a 100 kB error line.
public func excerpt(_ s: String, limit: Int = 120) -> String {
    let line = oneLine(s)
    guard line.count > limit else { return line }
    let keep = max(1, (limit - 20) / 2)
    return "\(line.prefix(keep))…(\(line.count - 2 * keep) characters)…\(line.suffix(keep))"
}
