import COpenBLAS
import Foundation
import CSuiteSparse

/// Versions of the C libraries in use, for run records and benchmark tables.
public enum LibraryVersions {
    public static var suiteSparse: String {
        "\(SUITESPARSE_MAIN_VERSION).\(SUITESPARSE_SUB_VERSION).\(SUITESPARSE_SUBSUB_VERSION)"
    }
    public static var cholmod: String { "\(CHOLMOD_MAIN_VERSION).\(CHOLMOD_SUB_VERSION).\(CHOLMOD_SUBSUB_VERSION)" }
    /// OpenBLAS's build configuration string (version, kernel, threading).
    public static var openBLAS: String {
        guard let c = openblas_get_config() else { return "unknown" }
        return String(cString: c).trimmingCharacters(in: .whitespaces)
    }
}
