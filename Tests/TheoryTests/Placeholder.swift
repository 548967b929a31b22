import XCTest
final class TheoryTestsPlaceholder: XCTestCase { func testNothing() {} }
