// Package peer holds the peer comparison of the performance benchmarks:
// the same patient workload on Cabinet's vault (sealed bbolt values and
// the in-memory search index built at unlock), on SQLCipher (the
// encrypted SQLite most encrypted desktop applications use, through
// github.com/mutecomm/go-sqlcipher, which bundles SQLCipher 4) and on
// plain bbolt without encryption, the ceiling. It has no code outside its
// benchmarks; run them with `make bench`.
package peer
