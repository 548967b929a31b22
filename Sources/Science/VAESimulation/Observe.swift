// Observables of MODEL.md §3 for parameters trained on a full spectrum (finite-N phase label of
// MODEL.md §5). The per-point flags are `TrainingData.flags` (DataModel.swift).
import Foundation
import LinearAlgebra
import VAETheory

// The finite-N phase rule (`FiniteNPhase`) and the critical window are pure formulas of MODEL.md §5
// and live in VAETheory (FiniteNPhase.swift), next to the flags (PointFlags.swift).

/// Parameters in C's eigenbasis, normalised: ŵ = Uᵀ W/√N, v̂ = Uᵀ V/√N (so Q = |ŵ|²).
public struct EigenParameters: Sendable {
    /// ŵ = Uᵀ W/√N: the decoder's coordinates on C's eigenvectors (length N, eigenvalues descending).
    public var w: [Double]
    /// v̂ = Uᵀ V/√N: the encoder's coordinates on C's eigenvectors (length N).
    public var v: [Double]
    /// The encoder variance D > 0.
    public var D: Double
    /// Parameters from their eigenbasis coordinates (no check that `w` and `v` have length N).
    public init(w: [Double], v: [Double], D: Double) {
        self.w = w
        self.v = v
        self.D = D
    }
}

extension SampleSpectrum {
    /// ŵ = Uᵀ x/√N for a vector in the original basis.
    public func toEigenbasis(_ x: [Double]) -> [Double] {
        var y = BLAS.matvec(vectors, rows: n, cols: n, x)
        let s = 1 / Double(n).squareRoot()
        for i in 0..<n { y[i] *= s }
        return y
    }

    /// MODEL.md §3 observables of (W, V, D) given in C's eigenbasis (normalised), m ≥ 0 convention,
    /// finite-N phase rule of ``FiniteNPhase`` (effective α = P/N). Test quantities exact from Σ;
    /// train distortion in excess of tr C − ℓ₁ (``trainDistortion(_:)``).
    public func observables(_ p: EigenParameters) -> Observables {
        var m = 0.0, d = 0.0, Q = 0.0, E = 0.0, R = 0.0, S = 0.0
        for i in 0..<n {
            let w = p.w[i], v = p.v[i], o = spikeOverlaps[i], l = values[i]
            m += w * o; d += v * o; Q += w * w; E += v * v; R += w * v
            S += l * v * v
        }
        return assembleObservables(m: m, d: d, Q: Q, E: E, R: R, S: S, D: p.D, distTrain: trainDistortion(p),
                                   n: n, alpha: alphaEffective, rho: rho, eta: eta)
    }

    /// Train distortion of MODEL.md §3: the mean reconstruction error E_q|x − x̂|² in excess of
    /// tr C − ℓ₁ (the least error of any rank-one linear map, Eckart–Young),
    ///     ℓ₁ − 2 WᵀCV/N + Q (VᵀCV/N + D) ≥ 0.
    /// Computed as a sum of non-negative terms, so it is never negative after rounding: with
    /// u = ŵ/|ŵ| (|ŵ|² = Q) and the reconstruction map ŵ v̂ᵀ in C's eigenbasis,
    ///     Σ_j (ℓ₁ − ℓ_j) u_j²  +  Σ_j ℓ_j (u_j − √Q v̂_j)²  +  Q D
    /// (the first term is ℓ₁ − uᵀΛu, the second ‖(u − √Q v̂)ᵀΛ^½‖²; the error splits into the parts
    /// orthogonal and parallel to u). Q = 0 gives ℓ₁. Eigenvalues are clamped at 0 (C ⪰ 0).
    public func trainDistortion(_ p: EigenParameters) -> Double {
        var Q = 0.0
        for i in 0..<n { Q += p.w[i] * p.w[i] }
        let l1 = values[0]
        guard Q > 0 else { return max(l1, 0) }
        let norm = Q.squareRoot(), inv = 1 / norm
        var a = 0.0, b = 0.0
        for j in 0..<n {
            let u = p.w[j] * inv, lj = max(values[j], 0)
            let r = u - norm * p.v[j]
            a += max(l1 - values[j], 0) * u * u
            b += lj * r * r
        }
        return a + b + Q * p.D
    }
}
