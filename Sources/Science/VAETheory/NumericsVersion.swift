// The version of the numbers this code produces (MODEL.md §6). Stored in every results file as
// `numerics_version`; a stored point is reused or merged only when it is equal. BUMP IT whenever
// a change alters any stored number: a new observable definition, a solver fix, a new phase rule.
//   1  files without the attribute (first release)
//   2  train distortion in excess of tr C − ℓ₁; loss ties by the difference to the collapsed
//      point; finite-N phase rule of MODEL §5 with the critical window; point flags
/// The numerics version of this code (see the history in the file header).
public enum NumericsVersion {
    /// The version this code writes as `numerics_version`.
    public static let current = 2
}
