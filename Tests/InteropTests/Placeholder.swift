import XCTest
final class InteropTestsPlaceholder: XCTestCase { func testNothing() {} }
