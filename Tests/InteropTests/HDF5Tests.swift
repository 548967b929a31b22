import HDF5Kit
import TestSupport
import XCTest

/// HDF5 round trip through the wrapper, cross-checked with the `h5dump` tool.
final class HDF5Tests: XCTestCase {
    func testRoundTripOneToFiveDimensionsWithScalesAndAttributes() throws {
        let dir = try temporaryDirectory("h5")
        defer { if ProcessInfo.processInfo.environment["KEEP_H5"] == nil { try? FileManager.default.removeItem(at: dir) } }
        let path = dir.appendingPathComponent("round.h5").path
        let shapes = [[4], [3, 2], [2, 3, 2], [2, 1, 3, 2], [2, 2, 1, 2, 3]]
        do {
            let f = try HDF5File.create(path)
            try f.setAttribute("title", "β-VAE round trip")
            try f.setAttribute("rho", 1.25)
            try f.setAttribute("ranks", Int64(3))
            let g = try f.createGroup("extra")
            try g.setAttribute("note", "group attribute")
            // one coordinate per axis length used below
            var scales: [Int: HDF5Dataset] = [:]
            for len in Set(shapes.flatMap { $0 }).sorted() {
                let s = try f.createDataset("dim\(len)", of: Double.self, shape: [len], fill: .nan)
                try s.write((0..<len).map { Double($0) * 0.5 })
                try s.makeDimensionScale(name: "dim\(len)")
                scales[len] = s
            }
            for (k, shape) in shapes.enumerated() {
                let n = shape.reduce(1, *)
                let d = try f.createDataset("f\(k + 1)d", of: Double.self, shape: shape, fill: .nan,
                                            options: DatasetOptions(chunks: shape.map { max(1, $0 / 2) }, gzipLevel: 4))
                try d.write((0..<n).map { Double($0) + 0.25 })
                try d.setAttribute("units", "nats")
                try d.setAttribute("_FillValue", Double.nan)
                for (axis, len) in shape.enumerated() { try d.attach(scale: scales[len]!, to: axis) }
                let i8 = try f.createDataset("i\(k + 1)d", of: Int8.self, shape: shape, fill: -1)
                // hyperslab write of a sub-block: the first index plane only; the rest keeps the fill
                var count = shape; count[0] = 1
                try i8.write((0..<count.reduce(1, *)).map { Int8($0 % 100) }, offset: shape.map { _ in 0 }, count: count)
            }
            let i32 = try g.createDataset("i32", of: Int32.self, shape: [3], fill: 0)
            try i32.write([Int32.min, 0, Int32.max])
            let i64 = try g.createDataset("i64", of: Int64.self, shape: [2], fill: 0)
            try i64.write([Int64.min, Int64.max])
            let u8 = try g.createDataset("u8", of: UInt8.self, shape: [2, 2], fill: 7)
            try u8.write([1, 2], offset: [1, 0], count: [1, 2])
            try f.close()
        }
        // read back through the wrapper
        let f = try HDF5File.open(path)
        XCTAssertEqual(try f.stringAttribute("title"), "β-VAE round trip")
        XCTAssertEqual(try f.attribute("rho", as: Double.self), [1.25])
        XCTAssertEqual(try f.attribute("ranks", as: Int64.self), [3])
        XCTAssertEqual(try f.openGroup("extra").stringAttribute("note"), "group attribute")
        for (k, shape) in shapes.enumerated() {
            let d = try f.openDataset("f\(k + 1)d")
            XCTAssertEqual(d.shape, shape)
            XCTAssertEqual(try d.read(Double.self), (0..<shape.reduce(1, *)).map { Double($0) + 0.25 })
            XCTAssertTrue(try d.fillValue(Double.self).isNaN)
            XCTAssertEqual(d.filters, [2, 1], "shuffle then deflate")
            XCTAssertEqual(try d.stringAttribute("units"), "nats")
            for (axis, len) in shape.enumerated() {
                XCTAssertTrue(d.isAttached(scale: try f.openDataset("dim\(len)"), to: axis))
            }
            let i8 = try f.openDataset("i\(k + 1)d")
            let values = try i8.read(Int8.self)
            let plane = shape.dropFirst().reduce(1, *)
            XCTAssertEqual(Array(values.prefix(plane)), (0..<plane).map { Int8($0 % 100) })
            XCTAssertTrue(values.dropFirst(plane).allSatisfy { $0 == -1 }, "unwritten part reads as the fill value")
            // hyperslab read of the last element
            let last = try d.read(Double.self, offset: shape.map { $0 - 1 }, count: shape.map { _ in 1 })
            XCTAssertEqual(last, [Double(shape.reduce(1, *) - 1) + 0.25])
        }
        XCTAssertTrue(try f.openDataset("dim4").isDimensionScale)
        let g = try f.openGroup("extra")
        XCTAssertEqual(try g.openDataset("i32").read(Int32.self), [Int32.min, 0, Int32.max])
        XCTAssertEqual(try g.openDataset("i64").read(Int64.self), [Int64.min, Int64.max])
        XCTAssertEqual(try g.openDataset("u8").read(UInt8.self), [7, 7, 1, 2])
        XCTAssertEqual(try f.memberNames().filter { $0.hasPrefix("f") }, ["f1d", "f2d", "f3d", "f4d", "f5d"])
        try f.close()

        // and with the HDF5 command-line tool, independent of the wrapper (whitespace collapsed)
        func h5dump(_ args: [String]) throws -> String {
            let r = try runProcess("/usr/bin/h5dump", args + [path])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        }
        let attrs = try h5dump(["-A"])
        XCTAssertTrue(attrs.contains("STRSIZE H5T_VARIABLE; STRPAD H5T_STR_NULLTERM; CSET H5T_CSET_UTF8;"), attrs)
        XCTAssertTrue(attrs.contains("-VAE round trip\""), "h5dump escapes the non-ASCII β")
        XCTAssertTrue(attrs.contains("ATTRIBUTE \"rho\" { DATATYPE H5T_IEEE_F64LE DATASPACE SCALAR DATA { (0): 1.25 } }"), attrs)
        XCTAssertTrue(attrs.contains("ATTRIBUTE \"ranks\" { DATATYPE H5T_STD_I64LE DATASPACE SCALAR DATA { (0): 3 } }"))
        XCTAssertTrue(attrs.contains("ATTRIBUTE \"CLASS\""), "dimension scale marker")
        let f2d = try h5dump(["-d", "/f2d", "-p"])
        XCTAssertTrue(f2d.contains("DATASPACE SIMPLE { ( 3, 2 ) / ( 3, 2 ) }"), f2d)
        XCTAssertTrue(f2d.contains("PREPROCESSING SHUFFLE COMPRESSION DEFLATE { LEVEL 4 }"), f2d)
        XCTAssertTrue(f2d.contains("FILLVALUE { FILL_TIME H5D_FILL_TIME_ALLOC VALUE nan }"), f2d)
        XCTAssertTrue(f2d.contains("DATA { (0,0): 0.25, 1.25, (1,0): 2.25, 3.25, (2,0): 4.25, 5.25 }"), f2d)
        XCTAssertTrue(f2d.contains("\"/dim3\"), (DATASET"), "axis 0 has the length-3 scale attached: \(f2d)")
        XCTAssertTrue(f2d.contains("\"/dim2\")"), f2d)
        let i2d = try h5dump(["-d", "/i2d"])
        XCTAssertTrue(i2d.contains("DATATYPE H5T_STD_I8LE"), i2d)
        XCTAssertTrue(i2d.contains("DATA { (0,0): 0, 1, (1,0): -1, -1, (2,0): -1, -1 }"), i2d)
    }

    func testErrorsNameThePath() throws {
        let missing = "/nonexistent-dir-\(UUID().uuidString)/results.h5"
        XCTAssertThrowsError(try HDF5File.open(missing)) { e in
            let msg = "\(e)"
            XCTAssertTrue(msg.contains(missing), msg)
            XCTAssertTrue(msg.contains("open file"), msg)
        }
        XCTAssertThrowsError(try HDF5File.create(missing)) { e in
            XCTAssertTrue("\(e)".contains(missing), "\(e)")
            XCTAssertTrue("\(e)".contains("create file"), "\(e)")
        }
        let dir = try temporaryDirectory("h5err")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.h5").path
        let f = try HDF5File.create(path)
        XCTAssertThrowsError(try f.openDataset("nope")) { e in
            XCTAssertTrue("\(e)".contains("\(path):/nope"), "\(e)")
        }
        let d = try f.createDataset("v", of: Double.self, shape: [3], fill: 0)
        XCTAssertThrowsError(try d.write([1.0, 2.0])) { e in XCTAssertTrue("\(e)".contains("/v"), "\(e)") }
        XCTAssertThrowsError(try d.write([1.0, 2.0], offset: [2], count: [2])) { e in
            XCTAssertTrue("\(e)".contains("outside shape"), "\(e)")
        }
        try f.close()
        // a file that is not HDF5
        let junk = dir.appendingPathComponent("junk.h5").path
        XCTAssertTrue(FileManager.default.createFile(atPath: junk, contents: Data("not hdf5".utf8)))
        XCTAssertThrowsError(try HDF5File.open(junk)) { e in XCTAssertTrue("\(e)".contains(junk), "\(e)") }
    }
}
