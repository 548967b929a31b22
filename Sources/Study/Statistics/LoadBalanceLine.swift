// The run's load balance as `vaesweep summary` shows it: the root attributes `load_balance` and
// `busy_seconds` that `vaesweep run` writes (Σ busy / (ranks × wall), and each rank's seconds of
// computation). Kept apart from the summary's other parts; files written before these attributes
// existed, and merged files (which describe no single run), have none.
import Foundation
import ResultsFile

/// The load-balance line and record of a results file (see the file header).
public enum LoadBalanceReport {
    /// "load balance: 0.93 (4 ranks, busy 8.8 … 9.6 s per rank, 37.2 s in all, of 4 × 10.0 s)", or
    /// nil when the file has no `load_balance`.
    public static func line(_ d: ResultsData) -> String? {
        guard let lb = d.attributes.double(RootKey.loadBalance) else { return nil }
        guard lb.isFinite else { return "load balance: this run computed nothing (every point was already done)" }
        var s = "load balance: " + String(format: "%.2f", lb)
        if let busy = d.attributes.doubles(RootKey.busySeconds), !busy.isEmpty, let lo = busy.min(), let hi = busy.max() {
            let total = busy.reduce(0, +)
            let wall = lb > 0 ? total / (Double(busy.count) * lb) : .nan
            s += String(format: " (%d ranks, busy %.1f … %.1f s per rank, %.1f s in all, of %d × %.1f s)",
                        busy.count, lo, hi, total, busy.count, wall)
        }
        return s
    }

    /// The same as a summary record of kind "load_balance" (nil without `load_balance`).
    public static func record(_ d: ResultsData) -> SummaryRecord? {
        guard let lb = d.attributes.double(RootKey.loadBalance) else { return nil }
        var r: SummaryRecord = [("kind", .string("load_balance")), ("load_balance", .double(lb))]
        if let busy = d.attributes.doubles(RootKey.busySeconds) {
            r.append(("ranks", .int(busy.count)))
            r.append(("busy_seconds_total", .double(busy.reduce(0, +))))
            r.append(("busy_seconds_min", .double(busy.min() ?? .nan)))
            r.append(("busy_seconds_max", .double(busy.max() ?? .nan)))
        }
        return r
    }
}
