// Package privacy is the GDPR side of the practice: patients' rights
// requests and their deadlines, consents, the retention policy, the FHIR
// export and the register of processing, after france.md.
package privacy

import (
	"time"
)

// Kind of a rights request.
type Kind string

const (
	Access        Kind = "access"
	Rectification Kind = "rectification"
	Erasure       Kind = "erasure"
	Restriction   Kind = "restriction"
	Objection     Kind = "objection"
	Portability   Kind = "portability"
	PostMortem    Kind = "post-mortem"    // directives on the data after death
	RecordAccess  Kind = "medical-record" // access to the medical record, art. L1111-7 CSP
)

// Kinds lists the request kinds in display order.
var Kinds = []Kind{Access, RecordAccess, Rectification, Erasure, Restriction, Objection, Portability, PostMortem}

// ParseKind reads a kind name.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// French names the kind.
func (k Kind) French() string {
	return map[Kind]string{Access: "Accès", RecordAccess: "Accès au dossier médical", Rectification: "Rectification",
		Erasure: "Effacement", Restriction: "Limitation", Objection: "Opposition", Portability: "Portabilité",
		PostMortem: "Directives post-mortem"}[k]
}

// RequestStatus is where a request stands.
type RequestStatus string

const (
	Open     RequestStatus = "open"
	Answered RequestStatus = "answered"
	Declined RequestStatus = "refused"
)

// Request is an entry of the rights-requests register.
type Request struct {
	ID              string        `json:"id"`
	PatientID       string        `json:"patient_id"`
	Kind            Kind          `json:"kind"`
	Received        string        `json:"received"` // YYYY-MM-DD
	Channel         string        `json:"channel,omitempty"`
	IdentityChecked bool          `json:"identity_checked"`
	IDCopy          string        `json:"id_copy,omitempty"`    // document id of the identity copy, erased after a year
	OldRecord       bool          `json:"old_record,omitempty"` // medical record access to information over 5 years old
	Extended        bool          `json:"extended,omitempty"`
	ExtensionReason string        `json:"extension_reason,omitempty"`
	Due             string        `json:"due"` // YYYY-MM-DD
	Status          RequestStatus `json:"status"`
	Answered        string        `json:"answered,omitempty"`
	Notes           string        `json:"notes,omitempty"`
}

// AddMonths adds n calendar months to date, clamping to the last day of
// the target month (31 January + 1 month = 28 or 29 February), as
// deadlines "within one month" are counted.
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, d.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, d.Location())
}

// DueDate computes a request's deadline: 1 month (art. 12(3) GDPR), plus
// 2 months when extended with reasons; for access to the medical record
// 8 days, or 2 months when the information is over 5 years old (art.
// L1111-7 CSP).
func DueDate(r Request) (string, error) {
	d, err := time.Parse(time.DateOnly, r.Received)
	if err != nil {
		return "", err
	}
	var due time.Time
	switch {
	case r.Kind == RecordAccess && r.OldRecord:
		due = AddMonths(d, 2)
	case r.Kind == RecordAccess:
		due = d.AddDate(0, 0, 8)
	case r.Extended:
		due = AddMonths(d, 3)
	default:
		due = AddMonths(d, 1)
	}
	return due.Format(time.DateOnly), nil
}

// CanExtend says whether a request may still be extended on date today:
// only GDPR requests, once, and while the first month runs.
func CanExtend(r Request, today string) bool {
	if r.Kind == RecordAccess || r.Extended || r.Status != Open {
		return false
	}
	d, err := time.Parse(time.DateOnly, r.Received)
	if err != nil {
		return false
	}
	return today <= AddMonths(d, 1).Format(time.DateOnly)
}

// Urgency of an open request on a given day.
type Urgency int

const (
	OnTime  Urgency = iota
	DueSoon         // 7 days or fewer left
	Overdue
)

// UrgencyOf tells how pressing an open request is on today.
func UrgencyOf(r Request, today string) Urgency {
	if r.Status != Open {
		return OnTime
	}
	if today > r.Due {
		return Overdue
	}
	t, _ := time.Parse(time.DateOnly, today)
	if t.AddDate(0, 0, 7).Format(time.DateOnly) >= r.Due {
		return DueSoon
	}
	return OnTime
}
