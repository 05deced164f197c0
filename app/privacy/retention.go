package privacy

import (
	"fmt"
	"time"
)

// Category of data with its own retention period.
type Category string

const (
	MedicalRecord Category = "medical-record"
	Invoices      Category = "invoices"
	IdentityCopy  Category = "identity-copy"
	AuditJournal  Category = "audit-journal"
	TempFiles     Category = "temporary-files"
)

// Rule is one line of the retention policy.
type Rule struct {
	Category Category `json:"category"`
	Label    string   `json:"label"`
	// Active is how long records stay in daily work (medical record only),
	// Keep the whole period before erasure or anonymisation, LegalMin the
	// floor below which the practitioner is warned. All in months.
	Active   int    `json:"active_months,omitempty"`
	Keep     int    `json:"keep_months"`
	LegalMin int    `json:"legal_min_months"`
	Source   string `json:"source"`
}

// DefaultPolicy is the policy of france.md.
func DefaultPolicy() []Rule {
	return []Rule{
		{MedicalRecord, "Dossier patient (identité, consultations, documents), après la dernière venue", 5 * 12, 20 * 12, 20 * 12,
			"CNIL, référentiel cabinets médicaux et paramédicaux (délibération 2020-081), point 7 ; mineurs : au moins jusqu'à 28 ans (R1112-7 CSP)"},
		{Invoices, "Notes d'honoraires, avoirs, règlements, exports comptables, après la date du document", 0, 10 * 12, 6 * 12,
			"LPF L102 B (6 ans) ; Code de commerce L123-22 (10 ans, défaut prudent)"},
		{IdentityCopy, "Copie de pièce d'identité jointe à une demande d'exercice de droits", 0, 12, 0, "Document de référence (CIME)"},
		{AuditJournal, "Journal d'audit (accès et sécurité)", 0, 12, 6, "CNIL, recommandation sur la journalisation, octobre 2021"},
		{TempFiles, "Fichiers temporaires d'import/export", 0, 1, 0, "Document de référence"},
	}
}

// Check returns a warning for each rule set below its legal minimum.
func Check(policy []Rule) []string {
	var out []string
	for _, r := range policy {
		if r.Keep < r.LegalMin {
			out = append(out, fmt.Sprintf("%s : %d mois, sous le minimum de %d mois (%s)", r.Label, r.Keep, r.LegalMin, r.Source))
		}
	}
	return out
}

// Stage of a patient record in its retention life.
type Stage string

const (
	Active   Stage = "active"
	Archived Stage = "archived" // hidden from daily work, opened by a logged action
	Expired  Stage = "expired"  // to erase or anonymise, after confirmation
)

// StageOf places a record whose last visit was lastVisit, of a patient
// born on birth, on today, under rule (the medical-record rule). Minors
// are kept at least until their 28th birthday.
func StageOf(rule Rule, lastVisit, birth, today time.Time) Stage {
	if today.Before(AddMonths(lastVisit, rule.Active)) {
		return Active
	}
	end := AddMonths(lastVisit, rule.Keep)
	if !birth.IsZero() {
		if b28 := birth.AddDate(28, 0, 0); b28.After(end) {
			end = b28
		}
	}
	if today.Before(end) {
		return Archived
	}
	return Expired
}
