// Package store is Cabinet's encrypted vault: one bbolt file in a directory,
// whose every value is sealed, plus the key hierarchy, the audit journal and
// backups.
//
// Vocabulary:
//
//   - Vault: a directory holding the bbolt file (cabinet.vault) and its
//     backups (backups/). Opening a vault takes bbolt's exclusive file lock;
//     a second process gets [ErrAlreadyOpen] within a second.
//   - Header: the only clear value in the file: format version, Argon2id
//     parameters and salt, the data key wrapped twice (by the passphrase and
//     by the recovery key), the public half of the failed-unlock box, and a
//     checksum. It holds no date, name or count.
//   - Data key: 256 random bits. Sub-keys for records, bucket names, the audit
//     MAC and sync are derived from it with HKDF-SHA256. Changing the
//     passphrase rewraps the data key; nothing else is re-encrypted.
//   - Sealed value: version byte, 192-bit random nonce, XChaCha20-Poly1305
//     ciphertext. The associated data binds it to the format, the schema
//     version, its logical bucket and its key, so a value copied or moved to
//     another key or bucket fails to open with [ErrCorrupt].
//   - Bucket: a logical name chosen by the caller ("patients"); on disk the
//     bucket's name is a keyed hash, so the file does not tell what it holds.
//   - ID: a random 128-bit record key. Keys never carry names or dates.
//   - Audit journal: append-only entries, each chained to the previous one by
//     an HMAC under the audit sub-key; [Vault.VerifyAudit] names the first
//     entry that does not verify.
//
// A caller may rely on this: a value read back is exactly the value written
// under that bucket and key, or an error; never another value, never a panic.
// Locking drops every key from memory; a locked vault refuses all reads and
// writes with [ErrLocked].
//
// The store knows bytes, buckets and keys; it knows nothing of patients.
package store
