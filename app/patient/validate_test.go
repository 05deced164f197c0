package patient

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

var nirCases = []struct {
	nir string
	ok  bool
}{
	{"272097510800177", true},
	{"2 72 09 75 108 001 77", true},
	{"185057800608491", true},
	{"185052A00412356", true},   // Corsica, 2A → 19
	{"185052a00412356", true},   // lower-case a
	{"185052B00412383", true},   // Corsica, 2B → 18
	{"180019913400518", true},   // born abroad
	{"272097510800178", false},  // wrong key
	{"185052A00412383", false},  // 2B's key on a 2A number
	{"27209751080017", false},   // too short
	{"2720975108001770", false}, // too long
	{"27209751O800177", false},  // letter O
	{"572097510800177", false},  // sex digit 5
	{"272097510800100", false},  // key 00
	{"", false},
}

func TestNIRKeyAndFormat(t *testing.T) {
	for _, c := range nirCases {
		err := ValidateNIR(c.nir)
		if (err == nil) != c.ok {
			t.Errorf("ValidateNIR(%q) = %v, want ok=%v", c.nir, err, c.ok)
		}
		var fe *FieldError
		if err != nil && (!errors.As(err, &fe) || fe.Field != "nir" || fe.FR == "" || (c.nir != "" && strings.Contains(fe.FR, c.nir))) {
			t.Errorf("ValidateNIR(%q): error %v is not a French field error without the value", c.nir, err)
		}
	}
}

func TestNIRWithWrongKeySaysSo(t *testing.T) {
	var fe *FieldError
	errors.As(ValidateNIR("272097510800178"), &fe)
	if fe == nil || !strings.Contains(fe.FR, "clé") {
		t.Fatalf("got %v, want a message about the key", fe)
	}
}

func valid() Patient {
	return Patient{BirthName: "Dupont-Lefèvre", FirstNames: "Hélène", BirthDate: "1972-09-14", Sex: Female,
		NIR: "272097510800177", Email: "helene.dl@example.com", Phone: "01 02 03 04 05", BirthPlace: "75108"}
}

func TestPatientValidationNamesEachBadField(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Patient)
		field string
	}{
		{"no birth name", func(p *Patient) { p.BirthName = "" }, "birth_name"},
		{"no first name", func(p *Patient) { p.FirstNames = " " }, "first_names"},
		{"no birth date", func(p *Patient) { p.BirthDate = "" }, "birth_date"},
		{"30 February", func(p *Patient) { p.BirthDate = "1972-02-30" }, "birth_date"},
		{"French order", func(p *Patient) { p.BirthDate = "14/09/1972" }, "birth_date"},
		{"born tomorrow", func(p *Patient) { p.BirthDate = "2026-11-25" }, "birth_date"},
		{"born 1890", func(p *Patient) { p.BirthDate = "1890-01-01" }, "birth_date"},
		{"sex X", func(p *Patient) { p.Sex = "X" }, "sex"},
		{"NIR key", func(p *Patient) { p.NIR = "272097510800178" }, "nir"},
		{"NIR of a man", func(p *Patient) { p.Sex = Male }, "nir"},
		{"NIR year", func(p *Patient) { p.BirthDate = "1973-09-14" }, "nir"},
		{"phone short", func(p *Patient) { p.Phone = "01 02 03" }, "phone"},
		{"phone letters", func(p *Patient) { p.Phone = "01 02 03 04 0A" }, "phone"},
		{"e-mail", func(p *Patient) { p.Email = "helene@" }, "email"},
		{"e-mail no dot", func(p *Patient) { p.Email = "helene@localhost" }, "email"},
		{"INSEE code", func(p *Patient) { p.BirthPlace = "7510" }, "birth_place"},
	}
	if err := valid().Validate(now); err != nil {
		t.Fatalf("valid patient refused: %v", err)
	}
	for _, c := range cases {
		p := valid()
		c.edit(&p)
		p.Normalize()
		err := p.Validate(now)
		var ves ValidationErrors
		if !errors.As(err, &ves) || ves.For(c.field) == nil {
			t.Errorf("%s: got %v, want an error on %s", c.name, err, c.field)
		}
	}
}

func TestUnusualButLegalIdentitiesAreAccepted(t *testing.T) {
	for _, edit := range []func(*Patient){
		func(p *Patient) { p.NIR = ""; p.Email = ""; p.Phone = ""; p.Sex = "" },
		func(p *Patient) { p.Phone = "+33 6 12 34 56 78" },
		func(p *Patient) { p.BirthPlace = "2A004" },
		func(p *Patient) { p.BirthPlace = "99134" },
		func(p *Patient) { p.Sex = "" },
	} {
		p := valid()
		edit(&p)
		if err := p.Validate(now); err != nil {
			t.Errorf("%+v refused: %v", p, err)
		}
	}
}

func TestNormalizeTidiesInput(t *testing.T) {
	p := Patient{BirthName: "  Le   Gall ", FirstNames: " Zoé ", NIR: "2 72 09 75 108 001 77", Email: " Zoe@Example.COM ", Sex: "f"}
	p.Normalize()
	if p.BirthName != "Le Gall" || p.FirstNames != "Zoé" || p.NIR != "272097510800177" || p.Email != "zoe@example.com" || p.Sex != Female {
		t.Fatalf("normalised %+v", p)
	}
}

func TestMeasuresOutOfRangeAreRefused(t *testing.T) {
	base := Consultation{PatientID: "x", Date: now}
	for name, m := range map[string]Measures{
		"weight 0.1 kg": {WeightG: 100},
		"height 3 m":    {HeightMM: 3000},
		"bp inverted":   {Systolic: 80, Diastolic: 120},
		"pulse 400":     {PulseBPM: 400},
	} {
		c := base
		c.Measures = m
		if c.Validate() == nil {
			t.Errorf("%s accepted", name)
		}
	}
	base.Measures = Measures{HeightMM: 1650, WeightG: 61500, Systolic: 125, Diastolic: 80, PulseBPM: 70}
	if err := base.Validate(); err != nil {
		t.Fatalf("plausible measures refused: %v", err)
	}
}

func TestAppointmentNeedsASensibleDuration(t *testing.T) {
	a := Appointment{PatientID: "x", Start: now, Duration: 2 * time.Minute, Status: Booked}
	if a.Validate() == nil {
		t.Fatal("2-minute appointment accepted")
	}
	a.Duration = 30 * time.Minute
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDisplayNameAndAge(t *testing.T) {
	p := valid()
	if got := p.DisplayName(); got != "DUPONT-LEFÈVRE Hélène" {
		t.Errorf("DisplayName %q", got)
	}
	p.UsedName = "Martin"
	if got := p.DisplayName(); got != "MARTIN Hélène (née DUPONT-LEFÈVRE)" {
		t.Errorf("DisplayName with used name %q", got)
	}
	if a := p.Age(now); a != 54 {
		t.Errorf("Age %d", a)
	}
	if a := p.Age(time.Date(2026, 9, 13, 0, 0, 0, 0, time.UTC)); a != 53 {
		t.Errorf("Age the day before the birthday %d", a)
	}
}

func TestSameIdentityIgnoresCaseAndAccents(t *testing.T) {
	a := valid()
	b := Patient{BirthName: "DUPONT-LEFEVRE", FirstNames: "helene marie", BirthDate: "1972-09-14"}
	if !SameIdentity(a, b) {
		t.Fatal("same person not recognised")
	}
	b.BirthDate = "1972-09-15"
	if SameIdentity(a, b) {
		t.Fatal("different birth dates taken as the same person")
	}
}

func FuzzValidateNIR(f *testing.F) {
	for _, c := range nirCases {
		f.Add(c.nir)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateNIR(s) != nil {
			return
		}
		n := NormalizeNIR(s)
		if len(n) != 15 {
			t.Fatalf("accepted %q of length %d", n, len(n))
		}
		if k := int(n[13]-'0')*10 + int(n[14]-'0'); k != nirKey(n[:13]) {
			t.Fatalf("accepted %q with key %d", n, k)
		}
	})
}
