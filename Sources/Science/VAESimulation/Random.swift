// Counter-based random numbers for vaesweep simulations.
//
// Generator: Philox-4x32-10 of Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as
// 1, 2, 3", SC'11 (doi:10.1145/2063384.2063405), exactly as in the Random123 library
// (include/Random123/philox.h): a 10-round Feistel-like bijection of a 128-bit counter under a
// 64-bit key, multipliers 0xD2511F53 / 0xCD9E8D57, Weyl key increments 0x9E3779B9 / 0xBB67AE85,
// the key bumped before rounds 2…10. Checked against the Random123 `kat_vectors` known answers
// (Tests/SimulationTests/RandomTests.swift).
//
// Keying used by vaesweep (a pure function of the inputs, so any rank, any order, same numbers):
//   key      = root seed (k0 = low 32 bits, k1 = high 32 bits)
//   counter  = (c0, c1, c2, c3) = (block within the row, row, stream id low 32, stream id high 32)
//   stream id = SplitMix64-finaliser hash of (purpose, α bit pattern, N, replicate[, extra words])
//               (since stream version 2; version 1 hashed the grid INDICES of α and N)
// Gaussians: Box–Muller on two 53-bit uniforms in (0,1) built from the four output words of one
// block, giving 2 normal deviates per block: z0 = r cos 2πu₂, z1 = r sin 2πu₂, r = √(−2 ln u₁),
// with ln, sin 2πu and cos 2πu of BoxMuller.swift (plain IEEE arithmetic: the same bits on every
// machine; stream version 3 — version 2 called libm, whose results depend on the CPU's variant).
import Foundation

/// Philox-4x32-10 (Random123). A pure function: `Philox4x32.block(counter, key)`.
public enum Philox4x32 {
    @inline(__always)
    static func mulhilo(_ a: UInt32, _ b: UInt32) -> (hi: UInt32, lo: UInt32) {
        let p = UInt64(a) &* UInt64(b)
        return (UInt32(truncatingIfNeeded: p >> 32), UInt32(truncatingIfNeeded: p))
    }

    /// One 128-bit output block for `counter` under `key` (10 rounds).
    @inline(__always)
    public static func block(_ counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for round in 0..<10 {
            if round > 0 { k0 &+= 0x9E37_79B9; k1 &+= 0xBB67_AE85 }
            let (hi0, lo0) = mulhilo(0xD251_1F53, c0)
            let (hi1, lo1) = mulhilo(0xCD9E_8D57, c2)
            c0 = hi1 ^ c1 ^ k0
            c1 = lo1
            c2 = hi0 ^ c3 ^ k1
            c3 = lo0
        }
        return (c0, c1, c2, c3)
    }
}

/// What a random stream is used for (part of the stream id, so streams never overlap).
public enum StreamPurpose: UInt64 {
    case spike = 1          // Gaussian W*
    case samples = 2        // c^μ and n^μ, one row μ per counter c1
    case initialisation = 3 // W, V starting point of one (β, λ) pair
    case krylovStart = 4    // start block (and rank-loss replacements) of the exact path's block Lanczos
    case bidiagonal = 5     // χ variables of the bidiagonal model (MODEL.md §8): row i = variable i (ChiStream.swift)
}

/// A 64-bit stream identifier: SplitMix64 finaliser (Steele, Lea & Flood 2014) chained over words.
public func streamID(_ words: [UInt64]) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3
    for w in words {
        h ^= w
        h &+= 0x9E37_79B9_7F4A_7C15
        var z = h
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        h = z ^ (z >> 31)
    }
    return h
}

/// Standard normal deviates from Philox: deviate `2j` and `2j+1` of row `row` of stream `stream`
/// come from the block with counter (j, row, stream.lo, stream.hi). Random access, no state.
public struct GaussianStream: Sendable {
    /// The Philox key: the low and high 32 bits of the root seed.
    public let key: (UInt32, UInt32)
    /// The stream id (`streamID` of the stream's key words): the last two words of every Philox counter.
    public let stream: UInt64

    /// The stream `stream` under root seed `rootSeed`.
    public init(rootSeed: UInt64, stream: UInt64) {
        key = (UInt32(truncatingIfNeeded: rootSeed), UInt32(truncatingIfNeeded: rootSeed >> 32))
        self.stream = stream
    }

    /// Uniform in the open interval (0, 1) from 64 bits (53 significant bits, midpoint rounding).
    @inline(__always)
    public static func uniform(_ hi: UInt32, _ lo: UInt32) -> Double {
        let bits = (UInt64(hi) << 32 | UInt64(lo)) >> 11
        return (Double(bits) + 0.5) * 0x1p-53
    }

    /// Blocks per chunk of `fill` (its two scratch arrays of this many doubles live on the stack).
    static let chunkBlocks = 256

    /// Fill `out[0..<count]` with deviates 0..<count of `row`. Deviates 2j and 2j + 1 are
    /// r cos 2πu₂ and r sin 2πu₂ of block j (see the file header). The work goes in chunks of
    /// blocks through three simple loops (Philox → uniforms; r = √(−2 ln u₁); the rotation), so
    /// many independent deviates are in flight (the rotation loop is vectorised); each deviate is
    /// the same function of its block as computed one at a time (tested bitwise).
    public func fill(row: UInt64, into out: UnsafeMutablePointer<Double>, count: Int) {
        let s0 = UInt32(truncatingIfNeeded: stream), s1 = UInt32(truncatingIfNeeded: stream >> 32)
        let r = UInt32(truncatingIfNeeded: row)
        precondition(row >> 32 == 0, "GaussianStream: row index exceeds 2^32")
        precondition(count >= 0 && count >> 33 == 0, "GaussianStream: count \(count) outside 0 ..< 2^33")
        let blocks = (count + 1) / 2, chunk = GaussianStream.chunkBlocks
        let key = self.key
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * chunk) { buf in
            let rad = buf.baseAddress!, u2 = rad + chunk
            var first = 0
            while first < blocks {
                let m = min(chunk, blocks - first)
                for j in 0..<m {
                    let b = Philox4x32.block((UInt32(truncatingIfNeeded: first + j), r, s0, s1), key: key)
                    rad[j] = GaussianStream.uniform(b.0, b.1)
                    u2[j] = GaussianStream.uniform(b.2, b.3)
                }
                for j in 0..<m { rad[j] = (-2 * BoxMuller.ln(rad[j])).squareRoot() }
                // Blocks whose two deviates both fit, then (odd count) the last one's cosine alone.
                let pairs = min(m, count / 2 - first)
                let o = out + 2 * first
                for j in 0..<pairs {
                    let sc = BoxMuller.sinCosTwoPi(u2[j])
                    o[2 * j] = rad[j] * sc.cos
                    o[2 * j + 1] = rad[j] * sc.sin
                }
                if pairs < m { o[2 * pairs] = rad[pairs] * BoxMuller.sinCosTwoPi(u2[pairs]).cos }
                first += m
            }
        }
    }

    /// The two 53-bit uniforms (u₁, u₂) in (0, 1) of block `block` of `row` (counter (block, row,
    /// stream lo, stream hi)): words 0–1 and 2–3 of the Philox output, as `fill` uses them.
    @inline(__always)
    public func uniforms(row: UInt32, block: UInt32) -> (Double, Double) {
        let b = Philox4x32.block((block, row, UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)), key: key)
        return (GaussianStream.uniform(b.0, b.1), GaussianStream.uniform(b.2, b.3))
    }

    /// Deviate 2·`block` of `row` alone (r cos 2πu₂ of that block): bit-identical to what `fill`
    /// writes there (same expressions; tested).
    @inline(__always)
    public func cosineDeviate(row: UInt32, block: UInt32) -> Double {
        let (u1, u2) = uniforms(row: row, block: block)
        let rad = (-2 * BoxMuller.ln(u1)).squareRoot()
        return rad * BoxMuller.sinCosTwoPi(u2).cos
    }

    /// Deviates 0..<count of `row` as an array.
    public func normals(row: UInt64 = 0, count: Int) -> [Double] {
        var a = [Double](repeating: 0, count: count)
        a.withUnsafeMutableBufferPointer { p in if count > 0 { fill(row: row, into: p.baseAddress!, count: count) } }
        return a
    }
}
