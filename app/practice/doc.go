// Package practice holds Cabinet's use cases: what the GUI and the CLI do
// to a practice's data. A [Practice] is an open vault plus the in-memory
// search index built at unlock and dropped at lock.
//
// Rules a caller may rely on:
//   - every change and every opening of a patient record writes an audit
//     entry in the same transaction as the change;
//   - audit entries name records by id only;
//   - patients are validated before they are stored (see package patient);
//   - consultations and appointments are listed per patient through a
//     per-patient list, so opening a record costs the size of that record,
//     not of the practice.
package practice
