import Configuration
import Foundation

/// The `[output]` table.
public struct OutputSpec: Sendable, Equatable {
    /// Output folder; `nil` means `outputs/<problem name>` under the working directory.
    public var directory: String?
    /// Run record format: "toml" (run.toml) or "json" (run.json).
    public var format: String
    /// Write history.csv.
    public var history: Bool
    /// A reference solution (NPY, relative to the problem file) to report errors against.
    public var reference: String?
    /// A sweep also writes its cases' coefficients, solutions and parameters stacked (stack_*.npy).
    public var stack = false
    /// A sweep also writes `dataset.h5`: every case's inputs, outputs, parameters, status and
    /// the provenance in one HDF5 file (docs/datasets.md).
    public var hdf5 = false
    /// Also write VTK XML ImageData (solution.vti; a sweep adds cases.pvd).
    public var vtk = false
    /// A sweep writes one folder per case (default); false keeps only sweep.csv's rows — many
    /// cheap cases (a reduced model's online queries) spend most of their time on the folders.
    /// With `stack` or `hdf5`, the cases' arrays then go to the sweep's spool (`sweep.spool`),
    /// from which the stack and dataset.h5 are written when the sweep ends.
    public var caseFolders = true

    public init(directory: String? = nil, format: String = "toml", history: Bool = true, reference: String? = nil) {
        self.directory = directory; self.format = format; self.history = history; self.reference = reference
    }

    public init(_ r: TableReader?) throws {
        self.init()
        guard let r else { return }
        directory = try r.string("directory")
        format = try r.string("format", default: "toml", oneOf: ["toml", "json"])
        history = try r.bool("history", default: true)
        reference = try r.string("reference")
        stack = try r.bool("stack", default: false)
        vtk = try r.bool("vtk", default: false)
        hdf5 = try r.bool("hdf5", default: false)
        caseFolders = try r.bool("case_folders", default: true)
        if !caseFolders && vtk {
            throw r.error("case_folders", "false leaves no case folders for the solution.vti files of vtk = true; keep the folders or drop vtk")
        }
        if let reference, !FileManager.default.fileExists(atPath: r.document.resolve(reference).path) {
            throw r.error("reference", "\(reference): no such file")
        }
        try r.finish()
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        if let directory { t["directory"] = .string(directory) }
        t["format"] = .string(format); t["history"] = .bool(history)
        if let reference { t["reference"] = .string(reference) }
        if stack { t["stack"] = .bool(true) }
        if vtk { t["vtk"] = .bool(true) }
        if hdf5 { t["hdf5"] = .bool(true) }
        if !caseFolders { t["case_folders"] = .bool(false) }
        return t
    }
}
