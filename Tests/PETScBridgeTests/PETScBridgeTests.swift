import PETScBridge
import XCTest

/// The bridge's header is the contract between pdekit and the library it dlopens: a problem
/// passed by pointer through `pdekit_petsc_create_function`, an opaque system handed back and
/// passed to `pdekit_petsc_solve_function`, a result and text written back. C-convention
/// stand-ins for the library read every field the way the C side does.
final class PETScBridgeTests: XCTestCase {
    func testAProblemCrossesTheFunctionPointerIntact() {
        // What the library would do: read the rows and b at create, keep what it needs in its
        // own system; at solve, read the settings, write x, result, text, and free the system.
        let create: pdekit_petsc_create_function = { problem, system, text, capacity in
            guard let p = problem?.pointee, let system, text != nil, capacity > 0 else { return 1 }
            let n = Int(p.local_rows)
            let kept = UnsafeMutablePointer<Double>.allocate(capacity: n + 1)
            kept[0] = 0
            for k in 0..<Int(p.row_pointers[n]) { kept[0] += p.values[k] * Double(p.columns[k] + 1) }
            for i in 0..<n { kept[i + 1] = p.b[i] * 2 }
            system.pointee = OpaquePointer(kept)
            return 0
        }
        let solve: pdekit_petsc_solve_function = { system, problem, result, text, capacity in
            guard let system, let p = problem?.pointee, let result, let text, capacity > 8 else { return 1 }
            let kept = UnsafeMutablePointer<Double>(system)
            for i in 0..<Int(p.local_rows) { p.x[i] = kept[i + 1] }
            result.pointee.iterations = p.max_iterations
            result.pointee.residual_norm = kept[0]
            result.pointee.reason = p.shape.2 + p.dimension
            kept.deallocate()
            let message = "pc\t\(String(cString: p.pc_type))\n"
            for (i, byte) in message.utf8.prefix(Int(capacity) - 1).enumerated() { text[i] = CChar(bitPattern: byte) }
            text[min(message.utf8.count, Int(capacity) - 1)] = 0
            return 0
        }
        let rows: [Int32] = [0, 2, 3], columns: [Int32] = [0, 1, 1], values = [1.0, 2.0, 3.0], b = [5.0, 7.0]
        var x = [0.0, 0.0], result = pdekit_petsc_result(), text = [CChar](repeating: 0, count: 64)
        let status = rows.withUnsafeBufferPointer { r in
            columns.withUnsafeBufferPointer { c in
                values.withUnsafeBufferPointer { v in
                    b.withUnsafeBufferPointer { bp in
                        x.withUnsafeMutableBufferPointer { xp in
                            "cg".withCString { ksp in
                                "mg".withCString { pc in
                                    "".withCString { options in
                                        var problem = pdekit_petsc_problem(
                                            global_rows: 2, local_rows: 2, first_row: 0, row_pointers: r.baseAddress, columns: c.baseAddress,
                                            values: v.baseAddress, b: bp.baseAddress, x: xp.baseAddress, nonzero_initial_guess: 0,
                                            ksp_type: ksp, pc_type: pc, options: options, rtol: 1e-8, atol: 0, max_iterations: 17, view: 0,
                                            distributed: 0, dimension: 3, shape: (2, 1, 5))
                                        var system: OpaquePointer?
                                        let made = create(&problem, &system, &text, Int32(text.count))
                                        guard made == 0 else { return made }
                                        // Solve's problem carries the settings, not the rows.
                                        problem.row_pointers = nil; problem.columns = nil; problem.values = nil; problem.b = nil
                                        return solve(system, &problem, &result, &text, Int32(text.count))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(status, 0)
        XCTAssertEqual(x, [10, 14])
        XCTAssertEqual(result.iterations, 17)
        let expected: Double = 1 * 1 + 2 * 2 + 3 * 2  // Σ value · (column + 1)
        XCTAssertEqual(result.residual_norm, expected)
        XCTAssertEqual(result.reason, Int32(8))  // shape.2 + dimension
        XCTAssertEqual(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), "pc\tmg\n")
    }
}
