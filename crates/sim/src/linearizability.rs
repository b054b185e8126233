//! Linearizability checking of key-value histories (being written).
