import XCTest
final class PlotsTestsPlaceholder: XCTestCase { func testNothing() {} }
