// Package engine is Cabinet's sync protocol: how a practice's devices share
// their vault through an object store (an HDS host's S3 bucket) that holds
// only sealed bytes.
//
// Vocabulary:
//
//   - A change is the new state of one record (bucket, id) or its tombstone,
//     with its version: a hybrid logical clock (HLC) stamp for ordering, a
//     per-record version vector (edits counted per device) for causality,
//     and per-field stamps saying which device's edit set each field.
//   - A segment is a batch of changes, sealed with XChaCha20-Poly1305 under
//     the sync key (derived from the vault's data key, so every device of
//     the practice shares it) and uploaded once under a random name. A
//     segment that does not authenticate is ignored whole.
//   - Each device appends to its own log; its head (one sealed object per
//     device, written only by that device) lists its snapshot and the
//     segments since. A snapshot is the device's log compacted: the latest
//     version of each record it wrote, without the patients excluded from
//     hosting. A new device reads every head's snapshot and the segments
//     since.
//   - Merge: a change that descends from the local version replaces it; an
//     older one is ignored; concurrent versions merge field by field, and
//     when both devices changed the same field the newer HLC wins and the
//     losing version is kept as a conflict for the practitioner to review.
//     Lists (links, histories, payments) merge as sets and never conflict.
//   - Records of patients excluded from hosting (no consent, withdrawn,
//     restricted) never leave the device; a withdrawal rewrites the
//     device's log without them and deletes the objects that held them.
//
// Object names: cabinet/key (the data key wrapped by the recovery key, for
// a device joining), cabinet/h/DEVICE (heads), cabinet/s/DEVICE/RANDOM
// (segments). Device names are random; nothing names a patient, a date or
// a count of records.
package engine
