//! Side-by-side benchmarks; the code lives in `benches/`.
