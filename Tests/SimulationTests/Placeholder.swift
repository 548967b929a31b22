import XCTest
final class SimulationTestsPlaceholder: XCTestCase { func testNothing() {} }
