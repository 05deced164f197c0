package privacy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
)

func due(t *testing.T, r Request) string {
	t.Helper()
	d, err := DueDate(r)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeadlines(t *testing.T) {
	cases := []struct {
		r    Request
		want string
	}{
		{Request{Kind: Access, Received: "2026-03-10"}, "2026-04-10"},
		{Request{Kind: Erasure, Received: "2026-01-31"}, "2026-02-28"}, // month end
		{Request{Kind: Erasure, Received: "2028-01-31"}, "2028-02-29"}, // leap year
		{Request{Kind: Objection, Received: "2026-12-15"}, "2027-01-15"},
		{Request{Kind: Portability, Received: "2026-01-31", Extended: true}, "2026-04-30"}, // 1 + 2 months
		{Request{Kind: RecordAccess, Received: "2026-02-25"}, "2026-03-05"},                // 8 days
		{Request{Kind: RecordAccess, Received: "2026-02-25", OldRecord: true}, "2026-04-25"},
	}
	for _, c := range cases {
		if got := due(t, c.r); got != c.want {
			t.Errorf("%s received %s (extended %v, old %v): due %s, want %s", c.r.Kind, c.r.Received, c.r.Extended, c.r.OldRecord, got, c.want)
		}
	}
	if _, err := DueDate(Request{Kind: Access, Received: "31/01/2026"}); err == nil {
		t.Error("bad date accepted")
	}
}

func TestExtensionOnlyWithinTheFirstMonthAndOnce(t *testing.T) {
	r := Request{Kind: Access, Received: "2026-01-31", Status: Open}
	if !CanExtend(r, "2026-02-28") || CanExtend(r, "2026-03-01") {
		t.Error("extension window wrong")
	}
	r.Extended = true
	if CanExtend(r, "2026-02-01") {
		t.Error("extended twice")
	}
	if CanExtend(Request{Kind: RecordAccess, Received: "2026-01-01", Status: Open}, "2026-01-02") {
		t.Error("a medical-record access cannot be extended")
	}
}

func TestUrgency(t *testing.T) {
	r := Request{Status: Open, Due: "2026-04-10"}
	for today, want := range map[string]Urgency{"2026-04-01": OnTime, "2026-04-03": DueSoon, "2026-04-10": DueSoon, "2026-04-11": Overdue} {
		if got := UrgencyOf(r, today); got != want {
			t.Errorf("on %s: %v, want %v", today, got, want)
		}
	}
	r.Status = Answered
	if UrgencyOf(r, "2027-01-01") != OnTime {
		t.Error("an answered request is overdue")
	}
}

func date(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func TestRetentionStages(t *testing.T) {
	rule := DefaultPolicy()[0]
	adult := date("1960-05-01")
	last := date("2010-06-15")
	for today, want := range map[string]Stage{"2015-06-14": Active, "2015-06-15": Archived, "2030-06-14": Archived, "2030-06-15": Expired} {
		if got := StageOf(rule, last, adult, date(today)); got != want {
			t.Errorf("adult last seen 2010-06-15, on %s: %s, want %s", today, got, want)
		}
	}
	// A child last seen at 2 is kept until 28.
	child := date("2008-01-10")
	if got := StageOf(rule, date("2010-01-10"), child, date("2031-01-01")); got != Archived {
		t.Errorf("child at 23: %s", got)
	}
	if got := StageOf(rule, date("2010-01-10"), child, date("2036-01-10")); got != Expired {
		t.Errorf("child at 28: %s", got)
	}
}

func TestPolicyBelowLegalMinimumWarns(t *testing.T) {
	p := DefaultPolicy()
	if w := Check(p); len(w) != 0 {
		t.Fatalf("defaults warn: %v", w)
	}
	p[1].Keep = 5 * 12
	if w := Check(p); len(w) != 1 || !strings.Contains(w[0], "72 mois") {
		t.Errorf("invoices at 5 years: %v", w)
	}
}

func TestWithdrawalStopsTheProcessing(t *testing.T) {
	h := []Consent{{Purpose: HDSHosting, Decision: Given, Date: "2026-01-01"}, {Purpose: EmailContact, Decision: Refused}}
	if !Allows(h, HDSHosting) || Allows(h, EmailContact) || Allows(h, Statistics) {
		t.Fatal("decisions not honoured")
	}
	h = append(h, Consent{Purpose: HDSHosting, Decision: Withdrawn, Date: "2026-02-01"})
	if Allows(h, HDSHosting) {
		t.Error("withdrawn consent still allows sync")
	}
}

func TestBundleHasTheResourcesAndValidReferences(t *testing.T) {
	r := Record{
		Patient: patient.Patient{ID: "p1", BirthName: "Dupont", FirstNames: "Hélène Marie", BirthDate: "1972-09-14", Sex: patient.Female, NIR: "272097510800177"},
		Consultations: []patient.Consultation{{ID: "c1", Date: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC), Reason: "Lombalgie",
			Measures: patient.Measures{Systolic: 120, Diastolic: 80, WeightG: 61500}}},
		Notes:    []billing.Note{{ID: "n1", Kind: billing.Invoice, Number: "2026-000001", Date: "2026-01-02", Total: 3000, Lines: []billing.Line{{Code: "C", Label: "Consultation", Qty: 1, Unit: 3000}}}},
		Consents: []Consent{{Purpose: HDSHosting, Decision: Given, Date: "2026-01-02", NoticeVersion: "2026-1"}},
		Exported: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
	}
	raw, err := json.Marshal(Bundle(r, "dossier.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Entry        []struct {
			FullURL  string         `json:"fullUrl"`
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil || b.ResourceType != "Bundle" || b.Type != "collection" {
		t.Fatalf("bundle: %v %+v", err, b)
	}
	count := map[string]int{}
	urls := map[string]bool{}
	for _, e := range b.Entry {
		count[e.Resource["resourceType"].(string)]++
		urls[e.FullURL] = true
	}
	want := map[string]int{"Patient": 1, "Encounter": 1, "Observation": 3, "Invoice": 1, "Consent": 1, "DocumentReference": 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d %s, want %d", count[k], k, n)
		}
	}
	// Every reference points to an entry of the bundle.
	var refs func(v any)
	refs = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["reference"].(string); ok && !urls[ref] {
				t.Errorf("dangling reference %s", ref)
			}
			for _, y := range x {
				refs(y)
			}
		case []any:
			for _, y := range x {
				refs(y)
			}
		}
	}
	for _, e := range b.Entry {
		refs(e.Resource)
	}
	if !strings.Contains(string(raw), OIDNIR) || !strings.Contains(string(raw), `"8480-6"`) {
		t.Error("NIR identifier or LOINC systolic code missing")
	}
}

func TestRegisterFollowsTheConfiguration(t *testing.T) {
	c := Config{Practitioner: billing.Practitioner{Name: "Dr Claire Martin", Address: "3 rue des Lilas\n69003 Lyon", RPPS: "10001234567"},
		Policy: DefaultPolicy(), Today: date("2026-11-26")}
	off := RegisterMarkdown(c)
	c.SyncOn, c.SyncHost = true, "hds.example.fr"
	on := RegisterMarkdown(c)
	if !strings.Contains(off, "Synchronisation chiffrée de bout en bout vers un hébergeur HDS : désactivée") || !strings.Contains(on, "activée (hds.example.fr)") {
		t.Error("register does not follow the sync setting")
	}
	for _, want := range []string{"Dr Claire Martin", "RPPS : 10001234567", "20 ans", "Mesures de sécurité", "Argon2id"} {
		if !strings.Contains(on, want) {
			t.Errorf("register lacks %q", want)
		}
	}
	c.SyncOn = false
	if NoticeVersion(c) == NoticeVersion(Config{Practitioner: c.Practitioner, Policy: c.Policy, SyncOn: true, SyncHost: "x", Today: c.Today}) {
		t.Error("notice version does not change with the configuration")
	}
	if en := NoticeMarkdown(c, "en", "v1"); !strings.Contains(en, "CNIL") || !strings.Contains(en, "one month") {
		t.Error("English notice incomplete")
	}
}

func TestBreachDeadlineAndAffectedPatients(t *testing.T) {
	disc := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	b := Breach{Discovered: disc, Risk: RiskMedium}
	if !b.Deadline().Equal(disc.Add(72 * time.Hour)) {
		t.Fatal("deadline")
	}
	if fr, _ := b.Status(disc.Add(70 * time.Hour)); !strings.Contains(fr, "2h0m0s pour notifier") {
		t.Errorf("status %q", fr)
	}
	if fr, _ := b.Status(disc.Add(80 * time.Hour)); !strings.Contains(fr, "EN RETARD de 8h") {
		t.Errorf("late status %q", fr)
	}
	b.CNILNotified = disc.Add(10 * time.Hour)
	if fr, _ := b.Status(disc.Add(80 * time.Hour)); fr != "notifié" {
		t.Errorf("notified %q", fr)
	}
	b.Risk = RiskHigh
	if fr, _ := b.Status(disc.Add(80 * time.Hour)); !strings.Contains(fr, "patients à informer") {
		t.Errorf("high risk %q", fr)
	}
	lines := []AuditLine{
		{disc.Add(-48 * time.Hour), "patient.read", "p1"},
		{disc.Add(-2 * time.Hour), "patient.read", "p2"},
		{disc.Add(-1 * time.Hour), "export.patient", "p3"},
		{disc.Add(-1 * time.Hour), "patient.read", "p2"},
		{disc.Add(-1 * time.Hour), "invoice.issue", "2026-000001"},
	}
	got := Affected(lines, disc.Add(-24*time.Hour), disc, func(id string) bool { return strings.HasPrefix(id, "p") })
	if strings.Join(got, ",") != "p2,p3" {
		t.Errorf("affected %v", got)
	}
}
