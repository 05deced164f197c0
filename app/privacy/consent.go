package privacy

// Purpose of a processing a patient may be asked about.
type Purpose string

const (
	CareRecord   Purpose = "care-record" // legal basis: care (art. 9.2.h), informational only
	EmailContact Purpose = "email"       // e-mail contact and reminders
	HDSHosting   Purpose = "hds-sync"    // hosting at an HDS host by sync
	Sharing      Purpose = "sharing"     // sharing with named colleagues
	Statistics   Purpose = "statistics"  // anonymised statistics
)

// Purposes in display order.
var Purposes = []Purpose{CareRecord, EmailContact, HDSHosting, Sharing, Statistics}

// ParsePurpose reads a purpose name.
func ParsePurpose(s string) (Purpose, bool) {
	for _, p := range Purposes {
		if string(p) == s {
			return p, true
		}
	}
	return "", false
}

// French names the purpose.
func (p Purpose) French() string {
	return map[Purpose]string{CareRecord: "Dossier de soins (base légale : les soins)", EmailContact: "Contact et rappels par e-mail",
		HDSHosting: "Hébergement chez un hébergeur HDS (synchronisation)", Sharing: "Partage avec des confrères nommés",
		Statistics: "Statistiques anonymisées"}[p]
}

// Decision on a purpose.
type Decision string

const (
	Given     Decision = "given"
	Refused   Decision = "refused"
	Withdrawn Decision = "withdrawn"
)

// Proof of how the decision was collected.
type Proof string

const (
	PaperScan Proof = "paper"     // signed paper, scanned and attached
	Drawn     Proof = "signature" // drawn on screen by the patient
	Oral      Proof = "oral"      // oral, attested by the practitioner
)

// Consent is one decision of a patient on a purpose. A patient's history
// is the list of their decisions; the last per purpose is in force.
type Consent struct {
	PatientID     string   `json:"patient_id"`
	Purpose       Purpose  `json:"purpose"`
	Decision      Decision `json:"decision"`
	Date          string   `json:"date"` // YYYY-MM-DD
	Proof         Proof    `json:"proof"`
	NoticeVersion string   `json:"notice_version"`
	Attachment    string   `json:"attachment,omitempty"` // id of the scanned paper or drawn signature
}

// InForce returns the decision in force per purpose (the last one).
func InForce(history []Consent) map[Purpose]Consent {
	out := map[Purpose]Consent{}
	for _, c := range history {
		out[c.Purpose] = c
	}
	return out
}

// Allows reports whether the history allows an optional processing: a
// consent given and not withdrawn since.
func Allows(history []Consent, p Purpose) bool {
	c, ok := InForce(history)[p]
	return ok && c.Decision == Given
}
