import HDF5Kit
import TestSupport
import XCTest

/// One close path per object: `close()` really closes the file (strong close degree, every open
/// object of the file closed first), closing twice is safe, and objects may be released in any
/// order. HDF5 itself is the referee: it refuses to truncate (H5Fcreate) or reopen read-write a
/// file that is still open in the process.
final class HDF5LifetimeTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("h5life") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func testCloseThenRenameAndReopenImmediately() throws {
        let tmp = path("out.h5.tmp"), final = path("out.h5")
        let f = try HDF5File.create(tmp)
        let g = try f.createGroup("g")
        let d = try g.createDataset("x", of: Double.self, shape: [2, 3], fill: .nan)
        try d.write([1, 2, 3, 4, 5, 6])
        let scale = try f.createDataset("axis", of: Int64.self, shape: [2], fill: -1)
        try scale.write([10, 20])
        try scale.makeDimensionScale(name: "axis")
        try d.attach(scale: scale, to: 0)
        try f.setAttribute("title", "lifetime")
        XCTAssertTrue(f.isOpen)
        try f.close()  // `g`, `d` and `scale` are still referenced here: close() closes them too
        XCTAssertFalse(f.isOpen)
        try f.close()  // closing twice is a no-op
        XCTAssertThrowsError(try d.read(Double.self)) { e in XCTAssertTrue("\(e)".contains("closed"), "\(e)") }

        XCTAssertEqual(rename(tmp, final), 0, String(cString: strerror(errno)))
        let r = try HDF5File.open(final, mode: .readWrite)  // fails if the file were still open read-only... or at all
        XCTAssertEqual(try r.openGroup("g").openDataset("x").read(Double.self), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try r.openDataset("axis").read(Int64.self), [10, 20])
        XCTAssertTrue(try r.openGroup("g").openDataset("x").isAttached(scale: r.openDataset("axis"), to: 0))
        XCTAssertEqual(try r.stringAttribute("title"), "lifetime")
        try r.close()
        try r.close()
        withExtendedLifetime((g, d, scale)) {}  // released after the file was closed: no second close
    }

    func testCloseReallyClosesWhileObjectsAreAlive() throws {
        let p = path("a.h5")
        do {
            let f = try HDF5File.create(p)
            _ = try f.createDataset("x", of: Int32.self, shape: [4], fill: 7)
            try f.close()
        }
        let f = try HDF5File.open(p)  // read-only
        let d = try f.openDataset("x")
        let g = try f.openGroup("/")
        XCTAssertEqual(try d.read(Int32.self), [7, 7, 7, 7])
        // while open read-only, HDF5 refuses to open it read-write or truncate it...
        XCTAssertThrowsError(try HDF5File.open(p, mode: .readWrite))
        XCTAssertThrowsError(try HDF5File.create(p, mode: .truncate))
        // ...and after close() it allows both at once, although `d` and `g` are still alive
        try f.close()
        let w = try HDF5File.open(p, mode: .readWrite)
        try w.openDataset("x").write([Int32(1), 2, 3, 4])
        try w.close()
        XCTAssertEqual(try HDF5File.open(p).openDataset("x").read(Int32.self), [1, 2, 3, 4])
        let t = try HDF5File.create(p, mode: .truncate)
        try t.close()
        XCTAssertFalse(g.contains("x"), "a closed group answers no")
        withExtendedLifetime((d, g)) {}
    }

    func testObjectsOutliveTheFileObjectAndReleaseInAnyOrder() throws {
        let p = path("b.h5")
        var d: HDF5Dataset? = try {
            let f = try HDF5File.create(p)  // released at the end of this closure without close()
            return try f.createGroup("g").createDataset("x", of: UInt8.self, shape: [3], fill: 9)
        }()
        // the file stays open while one of its objects is alive
        try d!.write([UInt8(1), 2, 3])
        XCTAssertEqual(try d!.read(UInt8.self), [1, 2, 3])
        XCTAssertThrowsError(try HDF5File.create(p, mode: .truncate), "still open through the dataset")
        withExtendedLifetime(d) {}
        d = nil  // the last object: the file closes now
        let t = try HDF5File.create(p, mode: .truncate)
        XCTAssertFalse(t.contains("g"), "truncated")
        try t.close()
    }
}
