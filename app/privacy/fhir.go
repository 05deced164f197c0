package privacy

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
)

// Record is everything the practice holds about one patient, as exported
// for the rights of access and portability.
type Record struct {
	Patient       patient.Patient        `json:"patient"`
	Consultations []patient.Consultation `json:"consultations"`
	Appointments  []patient.Appointment  `json:"appointments"`
	Notes         []billing.Note         `json:"notes"`
	Payments      []billing.Payment      `json:"payments"`
	Consents      []Consent              `json:"consents"`
	Requests      []Request              `json:"rights_requests"`
	History       []Change               `json:"history"`
	Restricted    bool                   `json:"restricted"`
	Exported      time.Time              `json:"exported"`
}

// Change is a line of the record's edit history.
type Change struct {
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Fields []string  `json:"fields,omitempty"`
}

// OIDNIR is the INS matricule's OID when it is a NIR.
const OIDNIR = "urn:oid:1.2.250.1.213.1.4.8"

type obj = map[string]any

// uuid derives a stable RFC 4122 version-5-like id from a local id, so
// that references inside the bundle hold and the same export gives the
// same ids.
func uuid(kind, id string) string {
	h := sha256.Sum256([]byte(kind + "/" + id))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// Bundle builds an HL7 FHIR R4 Bundle (type collection) of the record:
// Patient, Encounter and Observation per consultation, Invoice per note,
// Consent per decision, DocumentReference for the readable PDF.
func Bundle(r Record, pdfName string) obj {
	p := r.Patient
	pref := uuid("Patient", p.ID)
	var entries []any
	add := func(full string, res obj) { entries = append(entries, obj{"fullUrl": full, "resource": res}) }

	pat := obj{"resourceType": "Patient", "id": p.ID, "active": !r.Restricted}
	names := []any{obj{"use": "official", "family": p.BirthName, "given": splitNames(p.FirstNames)}}
	if p.UsedName != "" {
		names = append(names, obj{"use": "usual", "family": p.UsedName, "given": splitNames(p.FirstNames)})
	}
	pat["name"] = names
	pat["gender"] = map[patient.Sex]string{patient.Female: "female", patient.Male: "male"}[p.Sex]
	if pat["gender"] == "" {
		pat["gender"] = "unknown"
	}
	if p.BirthDate != "" {
		pat["birthDate"] = p.BirthDate
	}
	if p.NIR != "" {
		pat["identifier"] = []any{obj{"system": OIDNIR, "value": p.NIR}}
	}
	var telecom []any
	if p.Phone != "" {
		telecom = append(telecom, obj{"system": "phone", "value": p.Phone})
	}
	if p.Email != "" {
		telecom = append(telecom, obj{"system": "email", "value": p.Email})
	}
	if telecom != nil {
		pat["telecom"] = telecom
	}
	if p.Address != "" {
		pat["address"] = []any{obj{"text": p.Address}}
	}
	if p.BirthPlace != "" {
		pat["extension"] = []any{obj{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
			"valueAddress": obj{"district": p.BirthPlace}}}
	}
	add(pref, pat)

	for _, c := range r.Consultations {
		eref := uuid("Encounter", c.ID)
		enc := obj{"resourceType": "Encounter", "id": c.ID, "status": "finished",
			"class":   obj{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"},
			"subject": obj{"reference": pref}, "period": obj{"start": c.Date.UTC().Format(time.RFC3339)}}
		if c.Reason != "" {
			enc["reasonCode"] = []any{obj{"text": c.Reason}}
		}
		add(eref, enc)
		obs := func(suffix, code, display string, value float64, unit, ucum string) {
			add(uuid("Observation", c.ID+suffix), obj{"resourceType": "Observation", "status": "final",
				"category": []any{obj{"coding": []any{obj{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}}}},
				"code":     obj{"coding": []any{obj{"system": "http://loinc.org", "code": code, "display": display}}},
				"subject":  obj{"reference": pref}, "encounter": obj{"reference": eref},
				"effectiveDateTime": c.Date.UTC().Format(time.RFC3339),
				"valueQuantity":     obj{"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucum}})
		}
		m := c.Measures
		if m.HeightMM > 0 {
			obs("/height", "8302-2", "Body height", float64(m.HeightMM)/10, "cm", "cm")
		}
		if m.WeightG > 0 {
			obs("/weight", "29463-7", "Body weight", float64(m.WeightG)/1000, "kg", "kg")
		}
		if m.Systolic > 0 {
			obs("/sys", "8480-6", "Systolic blood pressure", float64(m.Systolic), "mmHg", "mm[Hg]")
		}
		if m.Diastolic > 0 {
			obs("/dia", "8462-4", "Diastolic blood pressure", float64(m.Diastolic), "mmHg", "mm[Hg]")
		}
		if m.PulseBPM > 0 {
			obs("/pulse", "8867-4", "Heart rate", float64(m.PulseBPM), "/min", "/min")
		}
	}
	for _, n := range r.Notes {
		status := "issued"
		if n.Kind == billing.Credit {
			status = "cancelled"
		}
		inv := obj{"resourceType": "Invoice", "id": n.ID, "status": status,
			"identifier": []any{obj{"system": "urn:cabinet:note-number", "value": n.Number}},
			"subject":    obj{"reference": pref}, "date": n.Date + "T00:00:00Z",
			"totalGross": obj{"value": float64(n.Total) / 100, "currency": "EUR"},
			"totalNet":   obj{"value": float64(n.Total) / 100, "currency": "EUR"}}
		var items []any
		for i, l := range n.Lines {
			items = append(items, obj{"sequence": i + 1, "chargeItemCodeableConcept": obj{"text": fmt.Sprintf("%s %s × %d", l.Code, l.Label, l.Qty)},
				"priceComponent": []any{obj{"type": "base", "amount": obj{"value": float64(l.Total()) / 100, "currency": "EUR"}}}})
		}
		inv["lineItem"] = items
		add(uuid("Invoice", n.ID), inv)
	}
	for i, c := range r.Consents {
		status := map[Decision]string{Given: "active", Refused: "rejected", Withdrawn: "inactive"}[c.Decision]
		add(uuid("Consent", fmt.Sprintf("%s/%d", p.ID, i)), obj{"resourceType": "Consent", "status": status,
			"scope":    obj{"coding": []any{obj{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}}},
			"category": []any{obj{"coding": []any{obj{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}}}},
			"patient":  obj{"reference": pref}, "dateTime": c.Date + "T00:00:00Z",
			"policy": []any{obj{"uri": "urn:cabinet:notice:" + c.NoticeVersion}},
			"provision": obj{"type": map[Decision]string{Given: "permit", Refused: "deny", Withdrawn: "deny"}[c.Decision],
				"purpose": []any{obj{"system": "urn:cabinet:purpose", "code": string(c.Purpose), "display": c.Purpose.French()}}}})
	}
	if pdfName != "" {
		add(uuid("DocumentReference", p.ID), obj{"resourceType": "DocumentReference", "status": "current",
			"subject": obj{"reference": pref}, "description": "Dossier lisible (PDF)",
			"content": []any{obj{"attachment": obj{"contentType": "application/pdf", "url": pdfName, "title": pdfName}}}})
	}
	return obj{"resourceType": "Bundle", "type": "collection", "timestamp": r.Exported.UTC().Format(time.RFC3339), "entry": entries}
}

func splitNames(s string) []any {
	var out []any
	for _, f := range strings.Fields(s) {
		out = append(out, f)
	}
	return out
}
