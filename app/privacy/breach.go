package privacy

import (
	"fmt"
	"time"
)

// Risk of a breach for the people concerned (art. 33-34 GDPR).
type Risk string

const (
	RiskLow    Risk = "low"    // record only
	RiskMedium Risk = "medium" // notify the CNIL
	RiskHigh   Risk = "high"   // notify the CNIL and tell the patients
)

// Breach is an entry of the breach register (art. 33(5)): every
// incident is recorded, notified or not.
type Breach struct {
	ID               string    `json:"id"`
	What             string    `json:"what"`
	Discovered       time.Time `json:"discovered"`
	From             time.Time `json:"from,omitzero"` // the window during which data may have been exposed
	To               time.Time `json:"to,omitzero"`
	Data             string    `json:"data"`     // kinds of data concerned
	Patients         []string  `json:"patients"` // ids of the patients concerned
	Risk             Risk      `json:"risk"`
	CNILNotified     time.Time `json:"cnil_notified,omitzero"`
	PatientsInformed time.Time `json:"patients_informed,omitzero"`
	Measures         string    `json:"measures,omitempty"`
}

// Deadline is when the CNIL must have been notified: 72 hours after the
// breach was discovered (art. 33(1)).
func (b Breach) Deadline() time.Time { return b.Discovered.Add(72 * time.Hour) }

// Status words where the breach stands on now.
func (b Breach) Status(now time.Time) (fr, en string) {
	switch {
	case b.Risk == RiskLow:
		return "consigné (risque faible : pas de notification)", "recorded (low risk: no notification)"
	case !b.CNILNotified.IsZero() && (b.Risk != RiskHigh || !b.PatientsInformed.IsZero()):
		return "notifié", "notified"
	case !b.CNILNotified.IsZero():
		return "CNIL notifiée ; patients à informer", "CNIL notified; patients to inform"
	case now.After(b.Deadline()):
		late := now.Sub(b.Deadline()).Round(time.Hour)
		return fmt.Sprintf("EN RETARD de %s : notifiez la CNIL sans délai, avec les raisons du retard", late),
			fmt.Sprintf("LATE by %s: notify the CNIL now, with the reasons for the delay", late)
	default:
		left := b.Deadline().Sub(now).Round(time.Minute)
		return fmt.Sprintf("%s pour notifier la CNIL", left), fmt.Sprintf("%s left to notify the CNIL", left)
	}
}

// AuditLine is what the breach register needs of an audit entry.
type AuditLine struct {
	Time   time.Time
	Action string
	Object string
}

// Affected lists the patients whose records were opened, changed or
// exported during the window, from the audit journal.
func Affected(lines []AuditLine, from, to time.Time, isPatient func(string) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if l.Time.Before(from) || l.Time.After(to) {
			continue
		}
		switch l.Action {
		case "patient.read", "patient.update", "export.patient", "patient.create":
			if !seen[l.Object] && isPatient(l.Object) {
				seen[l.Object] = true
				out = append(out, l.Object)
			}
		}
	}
	return out
}
