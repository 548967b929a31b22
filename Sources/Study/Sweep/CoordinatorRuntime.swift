// The two seams through which the coordinator (`Coordinator.run`) meets time: its clock and idle
// waits, and rank 0's own compute thread. In production both are real (`ThreadRuntime`: the wall
// clock, `usleep`, a `LocalWorker` thread) and the coordinator behaves exactly as before these
// seams existed. `VirtualNetwork` (VirtualTime.swift) implements them on a simulated clock, so
// the same coordinator code can be run at thousands of virtual ranks on one core.
//
// Contract (what the coordinator relies on, and what a virtual implementation must honour):
//   - `now` never decreases;
//   - `sleep(s)` returns after at least `s` seconds of the runtime's clock;
//   - the local worker computes one item at a time: `submit` is only called when no item is in
//     flight, and `take(timeout:)` returns the item's result once (waiting up to `timeout`
//     seconds for it), with the wall seconds its computation took.
import Foundation

/// A finished item of rank 0's own worker: the item, its payload and the seconds it took.
public struct LocalResult: Sendable {
    /// The item computed.
    public var item: WorkItem
    /// Its payload (the points' encoded records, as `UnitComputer.compute` makes them).
    public var payload: [Double]
    /// Wall seconds the computation took (rank 0's busy time for the load balance).
    public var seconds: Double
    /// A result of `item`.
    public init(item: WorkItem, payload: [Double], seconds: Double) {
        self.item = item; self.payload = payload; self.seconds = seconds
    }
}

/// Rank 0's compute worker as the coordinator drives it (see the file header).
public protocol LocalComputing: AnyObject {
    /// Start computing `item` (only when no item is in flight).
    func submit(_ item: WorkItem)
    /// The finished item, waiting up to `timeout` seconds for it; nil when none is finished by then.
    func take(timeout: Double) -> LocalResult?
    /// Stop after the current item (if any) and release the worker.
    func shutdown()
}

/// How the coordinator tells time, idles and computes on rank 0 (see the file header).
public protocol CoordinatorRuntime: AnyObject {
    /// Seconds since an arbitrary origin; never decreases.
    var now: Double { get }
    /// Idle for `seconds`.
    func sleep(_ seconds: Double)
    /// Rank 0's compute worker, computing items with `compute`.
    func startLocalWorker(compute: @escaping @Sendable (WorkItem) -> [Double]) -> LocalComputing
}

/// The production runtime: the wall clock, `usleep`, and a real thread (`LocalWorker`) for rank 0's
/// own computation.
public final class ThreadRuntime: CoordinatorRuntime {
    /// The runtime of a real run.
    public init() {}
    /// Wall-clock seconds (since 2001-01-01, as `Date`).
    public var now: Double { Date().timeIntervalSinceReferenceDate }
    /// `usleep` for `seconds`.
    public func sleep(_ seconds: Double) { usleep(UInt32(max(0, seconds) * 1e6)) }
    /// A new `LocalWorker` thread.
    public func startLocalWorker(compute: @escaping @Sendable (WorkItem) -> [Double]) -> LocalComputing {
        LocalWorker(compute: compute)
    }
}

/// Monotonic wall seconds (for a worker's busy time).
@inline(__always) func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
