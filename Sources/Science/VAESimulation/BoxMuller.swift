// The elementary functions of the Box–Muller transform, in plain IEEE-754 double arithmetic
// (stream version 3).
//
// Why not libm: glibc picks its log/sin/cos at load time by CPU (e.g. `__sin_fma` on FMA
// machines), so the same counter could give different last bits on different nodes, and the three
// calls were 60 % of generating a data set (≈ 36 ns per normal deviate; N = 4000, α = 4: 2.3 s of
// a 6 s point). These functions use only +, −, ×, ÷, comparisons and bit operations, in an order
// fixed by this code (Swift never fuses a multiply and an add), so every machine gives the same
// bits, and the compiler can keep several deviates in flight.
//
// Accuracy (tested against libm, Tests/SimulationTests/RandomTests.swift): ln to ≤ 2 ulp on
// (0, 1); sin 2πu and cos 2πu to ≤ 2.5e-16 absolute on (0, 1). Each normal deviate is therefore
// the exact Box–Muller value up to a relative ~1e-15, far below any statistical resolution.
//
// ln u: u = m·2^e with m ∈ [√½, √2); ln m = 2 atanh s, s = f/(2 + f), f = m − 1, |s| ≤ 0.1716, by
// its series to s²¹ (truncation < 1e-18 relative); ln u = e·ln2_hi + (ln m + e·ln2_lo), ln2_hi with
// 21 trailing zero bits so e·ln2_hi is exact.
// sin/cos 2πu: t = 4u (exact), k = t rounded (ties to even), r = t − k ∈ [−½, ½] (exact), x = r·π/2,
// |x| ≤ π/4; sin x and cos x by their Taylor series to x¹⁷ and x¹⁸ (truncation < 1e-19); the
// quadrant k mod 4 permutes and negates them (exact).

/// Deterministic elementary functions for the Box–Muller transform (see the file header).
public enum BoxMuller {
    /// ln 2 split so that `e * ln2Hi` is exact for |e| < 2²¹ (ln2Hi + ln2Lo = ln 2 to ~1e-27).
    static let ln2Hi = 6.93147180369123816490e-01   // 0x3FE62E42FEE00000
    static let ln2Lo = 1.90821492927058770002e-10   // 0x3DEA39EF35793C76
    static let halfPi = 1.57079632679489661923

    /// Natural logarithm of a positive normal double u < 2¹⁰²³ (the deviates use u ∈ (0, 1)).
    @inline(__always)
    public static func ln(_ u: Double) -> Double {
        // Split u = m · 2^e with m ∈ [√½, √2), branch-free (so the callers' loops vectorise): the
        // mantissa as m₁ ∈ [1, 2), the biased exponent as a double via the 2⁵² trick (exact).
        let bits = u.bitPattern
        let m1 = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        let e1 = Double(bitPattern: (bits >> 52) | 0x4330_0000_0000_0000) - (0x1p52 + 1023)
        let big = m1 > 1.41421356237309504880
        let m = big ? m1 * 0.5 : m1                           // exact
        let de = big ? e1 + 1 : e1
        let f = m - 1                                         // exact (Sterbenz)
        let s = f / (2 + f)
        let z = s * s
        // 2 atanh s = 2s + s·R, R = 2s²/3 + 2s⁴/5 + … + 2s²⁰/21 (fdlibm's split: ln m = f − f²/2 +
        // s (f²/2 + R), since 2s = f − s f; f is exact, so only the small correction is rounded).
        var p = 2.0 / 21.0
        p = p * z + 2.0 / 19.0
        p = p * z + 2.0 / 17.0
        p = p * z + 2.0 / 15.0
        p = p * z + 2.0 / 13.0
        p = p * z + 2.0 / 11.0
        p = p * z + 2.0 / 9.0
        p = p * z + 2.0 / 7.0
        p = p * z + 2.0 / 5.0
        p = p * z + 2.0 / 3.0
        let r = z * p
        let hfsq = 0.5 * f * f
        let lnm = f - (hfsq - s * (hfsq + r))
        return de * ln2Hi + (lnm + de * ln2Lo)
    }

    /// (sin 2πu, cos 2πu) for u in [0, 1].
    @inline(__always)
    public static func sinCosTwoPi(_ u: Double) -> (sin: Double, cos: Double) {
        let t = 4 * u
        // k = t rounded to an integer (ties to even), in the low bits of t + 1.5·2⁵²; x = (t − k)·π/2.
        let magic = 6_755_399_441_055_744.0
        let tk = t + magic
        let kBits = tk.bitPattern
        let x = (t - (tk - magic)) * halfPi
        let x2 = x * x
        // sin x = x (1 − x²/3! + x⁴/5! − … + x¹⁶/17!)
        var ps = 1.0 / 355_687_428_096_000.0        // 1/17!
        ps = ps * x2 - 1.0 / 1_307_674_368_000.0    // 1/15!
        ps = ps * x2 + 1.0 / 6_227_020_800.0        // 1/13!
        ps = ps * x2 - 1.0 / 39_916_800.0           // 1/11!
        ps = ps * x2 + 1.0 / 362_880.0              // 1/9!
        ps = ps * x2 - 1.0 / 5040.0                 // 1/7!
        ps = ps * x2 + 1.0 / 120.0                  // 1/5!
        ps = ps * x2 - 1.0 / 6.0                    // 1/3!
        let s = x + x * (x2 * ps)
        // cos x = 1 − x²/2! + x⁴/4! − … − x¹⁸/18!
        var pc = -1.0 / 6_402_373_705_728_000.0     // 1/18!
        pc = pc * x2 + 1.0 / 20_922_789_888_000.0   // 1/16!
        pc = pc * x2 - 1.0 / 87_178_291_200.0       // 1/14!
        pc = pc * x2 + 1.0 / 479_001_600.0          // 1/12!
        pc = pc * x2 - 1.0 / 3_628_800.0            // 1/10!
        pc = pc * x2 + 1.0 / 40_320.0               // 1/8!
        pc = pc * x2 - 1.0 / 720.0                  // 1/6!
        pc = pc * x2 + 1.0 / 24.0                   // 1/4!
        let c = 1 - x2 * (0.5 - x2 * pc)
        // Quadrant k mod 4 (branch-free bit selects): odd k swaps sin and cos; bit 1 of k negates
        // the sine, bit 1 of k + 1 the cosine.
        let odd = 0 &- (kBits & 1)
        let sb = s.bitPattern, cb = c.bitPattern
        let so = (sb & ~odd) | (cb & odd), co = (cb & ~odd) | (sb & odd)
        return (Double(bitPattern: so ^ ((kBits & 2) << 62)), Double(bitPattern: co ^ (((kBits &+ 1) & 2) << 62)))
    }
}
