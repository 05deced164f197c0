package patient

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
)

// FieldError is a problem with one field, worded for the practitioner in
// French and English. It never repeats the field's value.
type FieldError struct {
	Field string // JSON name of the field: "nir", "birth_date"...
	FR    string
	EN    string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.EN }

// ValidationErrors lists every field problem of a record.
type ValidationErrors []FieldError

func (v ValidationErrors) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Field + ": " + e.EN
	}
	return strings.Join(parts, "; ")
}

// For returns the problem with field, or nil.
func (v ValidationErrors) For(field string) *FieldError {
	for i := range v {
		if v[i].Field == field {
			return &v[i]
		}
	}
	return nil
}

func (v *ValidationErrors) add(field, fr, en string) {
	*v = append(*v, FieldError{Field: field, FR: fr, EN: en})
}

func (v ValidationErrors) err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}

// NormalizeNIR removes spaces, dots and dashes and upper-cases 2a/2b.
func NormalizeNIR(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '.', '-', '\t', '\u00a0':
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// ValidateNIR checks a NIR's format and key (france.md): 13 characters
// (sex, year, month, département with 2A/2B, commune, order) and a key
// 97 − (N mod 97). Unusual months and temporary numbers are accepted.
func ValidateNIR(s string) error {
	s = NormalizeNIR(s)
	fe := func(fr, en string) error { return &FieldError{Field: "nir", FR: fr, EN: en} }
	if len(s) != 15 {
		return fe("Le NIR doit compter 15 caractères (13 + la clé de 2 chiffres).",
			"The NIR must have 15 characters (13 + a 2-digit key).")
	}
	for i := 0; i < 15; i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			continue
		}
		if i == 6 && c == '2' {
			continue
		}
		if i == 6 && (c == 'A' || c == 'B') && s[5] == '2' {
			continue
		}
		return fe("Le NIR contient un caractère invalide (seuls les chiffres, et 2A/2B pour la Corse, sont permis).",
			"The NIR has an invalid character (digits only, and 2A/2B for Corsica).")
	}
	if s[0] != '1' && s[0] != '2' && s[0] != '3' && s[0] != '4' && s[0] != '7' && s[0] != '8' {
		return fe("Le premier chiffre du NIR (sexe) doit être 1, 2, 3, 4, 7 ou 8.",
			"The NIR's first digit (sex) must be 1, 2, 3, 4, 7 or 8.")
	}
	key := int(s[13]-'0')*10 + int(s[14]-'0')
	if key < 1 || key > 97 || nirKey(s[:13]) != key {
		return fe("La clé du NIR ne correspond pas : vérifiez le numéro.",
			"The NIR key does not match: check the number.")
	}
	return nil
}

// nirKey computes 97 − (N mod 97), reading the département 2A as 19 and
// 2B as 18.
func nirKey(s13 string) int {
	n := 0
	for i := 0; i < 13; i++ {
		d := int(s13[i] - '0')
		switch {
		case i == 5 && (s13[6] == 'A' || s13[6] == 'B'):
			d = 1
		case i == 6 && s13[6] == 'A':
			d = 9
		case i == 6 && s13[6] == 'B':
			d = 8
		}
		n = (n*10 + d) % 97
	}
	return 97 - n
}

// Normalize trims every field, collapses spaces inside names, normalises
// the NIR and lower-cases the e-mail.
func (p *Patient) Normalize() {
	p.BirthName = collapse(p.BirthName)
	p.UsedName = collapse(p.UsedName)
	p.FirstNames = collapse(p.FirstNames)
	p.BirthDate = strings.TrimSpace(p.BirthDate)
	p.Sex = Sex(strings.ToUpper(strings.TrimSpace(string(p.Sex))))
	p.BirthPlace = strings.ToUpper(strings.TrimSpace(p.BirthPlace))
	p.NIR = NormalizeNIR(p.NIR)
	p.Address = strings.TrimSpace(p.Address)
	p.Phone = strings.TrimSpace(p.Phone)
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	p.Notes = strings.TrimSpace(p.Notes)
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// Validate checks a patient's identity and contact fields and returns
// ValidationErrors listing every problem, or nil.
func (p Patient) Validate(now time.Time) error {
	var v ValidationErrors
	if p.BirthName == "" {
		v.add("birth_name", "Le nom de naissance est obligatoire.", "The birth name is required.")
	}
	if p.FirstNames == "" {
		v.add("first_names", "Le prénom est obligatoire.", "The first name is required.")
	}
	birth, dateOK := time.Time{}, false
	switch t, err := time.Parse(time.DateOnly, p.BirthDate); {
	case p.BirthDate == "":
		v.add("birth_date", "La date de naissance est obligatoire.", "The date of birth is required.")
	case err != nil:
		v.add("birth_date", "Date de naissance invalide : attendu JJ/MM/AAAA, une date qui existe.",
			"Invalid date of birth: expected DD/MM/YYYY, a date that exists.")
	case t.After(now):
		v.add("birth_date", "La date de naissance est dans le futur.", "The date of birth is in the future.")
	case t.Year() < 1900:
		v.add("birth_date", "La date de naissance est antérieure à 1900.", "The date of birth is before 1900.")
	default:
		birth, dateOK = t, true
	}
	switch p.Sex {
	case Female, Male, Unknown:
	default:
		v.add("sex", "Sexe : F, M ou non précisé.", "Sex: F, M or not given.")
	}
	if p.BirthPlace != "" && !validINSEE(p.BirthPlace) {
		v.add("birth_place", "Le code INSEE du lieu de naissance compte 5 caractères (99xxx à l'étranger, 2A/2B pour la Corse).",
			"The INSEE code of the birth place has 5 characters (99xxx abroad, 2A/2B for Corsica).")
	}
	if p.NIR != "" {
		if err := ValidateNIR(p.NIR); err != nil {
			fe := err.(*FieldError)
			v = append(v, *fe)
		} else {
			if (p.NIR[0] == '1' && p.Sex == Female) || (p.NIR[0] == '2' && p.Sex == Male) {
				v.add("nir", "Le sexe ne correspond pas au premier chiffre du NIR.", "The sex does not match the NIR's first digit.")
			}
			month := int(p.NIR[3]-'0')*10 + int(p.NIR[4]-'0')
			yy := int(p.NIR[1]-'0')*10 + int(p.NIR[2]-'0')
			if dateOK && month >= 1 && month <= 12 && p.NIR[0] <= '2' && yy != birth.Year()%100 {
				v.add("nir", "L'année de naissance ne correspond pas au NIR.", "The year of birth does not match the NIR.")
			}
		}
	}
	if p.Phone != "" && !validPhone(p.Phone) {
		v.add("phone", "Téléphone invalide : 10 chiffres commençant par 0, ou +indicatif.",
			"Invalid phone: 10 digits starting with 0, or +country code.")
	}
	if p.Email != "" && !validEmail(p.Email) {
		v.add("email", "Adresse électronique invalide.", "Invalid e-mail address.")
	}
	return v.err()
}

func validINSEE(s string) bool {
	if len(s) != 5 {
		return false
	}
	start := 0
	if s[:2] == "2A" || s[:2] == "2B" {
		start = 2
	}
	for i := start; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// digits returns the digits of s, and false if s holds anything but
// digits and separators (space . - and a leading +).
func digits(s string) (string, bool) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '\u00a0':
		case r == '+' && i == 0:
		default:
			return "", false
		}
	}
	return b.String(), true
}

func validPhone(s string) bool {
	d, ok := digits(s)
	if !ok {
		return false
	}
	if strings.HasPrefix(s, "+") {
		return len(d) >= 8 && len(d) <= 15
	}
	return len(d) == 10 && d[0] == '0'
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".") && !strings.HasSuffix(s, ".")
}

// Validate checks a consultation: patient and date set, measures in
// plausible ranges when recorded.
func (c Consultation) Validate() error {
	var v ValidationErrors
	if c.PatientID == "" {
		v.add("patient_id", "La consultation doit être rattachée à un patient.", "The consultation needs a patient.")
	}
	if c.Date.IsZero() {
		v.add("date", "La date de la consultation est obligatoire.", "The consultation date is required.")
	}
	m := c.Measures
	rng := func(field string, val, lo, hi int, fr, en string) {
		if val != 0 && (val < lo || val > hi) {
			v.add(field, fr, en)
		}
	}
	rng("height_mm", m.HeightMM, 200, 2600, "Taille invalide (20 à 260 cm).", "Invalid height (20 to 260 cm).")
	rng("weight_g", m.WeightG, 300, 400000, "Poids invalide (0,3 à 400 kg).", "Invalid weight (0.3 to 400 kg).")
	rng("systolic", m.Systolic, 50, 300, "Pression systolique invalide (50 à 300 mmHg).", "Invalid systolic pressure (50 to 300 mmHg).")
	rng("diastolic", m.Diastolic, 20, 200, "Pression diastolique invalide (20 à 200 mmHg).", "Invalid diastolic pressure (20 to 200 mmHg).")
	rng("pulse_bpm", m.PulseBPM, 20, 250, "Pouls invalide (20 à 250/min).", "Invalid pulse (20 to 250/min).")
	if m.Systolic != 0 && m.Diastolic != 0 && m.Systolic <= m.Diastolic {
		v.add("diastolic", "La pression systolique doit dépasser la diastolique.", "Systolic pressure must exceed diastolic.")
	}
	return v.err()
}

// Validate checks an appointment: patient, start, a duration from 5
// minutes to 8 hours, a known status.
func (a Appointment) Validate() error {
	var v ValidationErrors
	if a.PatientID == "" {
		v.add("patient_id", "Le rendez-vous doit être rattaché à un patient.", "The appointment needs a patient.")
	}
	if a.Start.IsZero() {
		v.add("start", "L'heure du rendez-vous est obligatoire.", "The appointment time is required.")
	}
	if a.Duration < 5*time.Minute || a.Duration > 8*time.Hour {
		v.add("duration", "La durée doit être comprise entre 5 minutes et 8 heures.", "The duration must be between 5 minutes and 8 hours.")
	}
	switch a.Status {
	case Booked, Done, Cancelled, NoShow:
	default:
		v.add("status", "Statut de rendez-vous inconnu.", "Unknown appointment status.")
	}
	return v.err()
}

// DisplayName is the French way of writing a patient's name: last name in
// capitals, then first names, and the birth name when a used name differs.
func (p Patient) DisplayName() string {
	last := p.BirthName
	if p.UsedName != "" {
		last = p.UsedName
	}
	s := strings.ToUpper(last) + " " + p.FirstNames
	if p.UsedName != "" && !strings.EqualFold(p.UsedName, p.BirthName) {
		born := "né·e"
		switch p.Sex {
		case Male:
			born = "né"
		case Female:
			born = "née"
		}
		s += " (" + born + " " + strings.ToUpper(p.BirthName) + ")"
	}
	return strings.TrimSpace(s)
}

// Age in whole years at now; -1 if the birth date is not valid.
func (p Patient) Age(now time.Time) int {
	b, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil {
		return -1
	}
	age := now.Year() - b.Year()
	if now.Month() < b.Month() || (now.Month() == b.Month() && now.Day() < b.Day()) {
		age--
	}
	return age
}

// SameIdentity reports whether a and b share birth name, first first-name
// and birth date, ignoring case and accents: a likely duplicate.
func SameIdentity(a, b Patient) bool {
	first := func(s string) string {
		f := strings.Fields(Fold(s))
		if len(f) == 0 {
			return ""
		}
		return f[0]
	}
	return Fold(strings.TrimSpace(a.BirthName)) == Fold(strings.TrimSpace(b.BirthName)) &&
		first(a.FirstNames) == first(b.FirstNames) && a.BirthDate == b.BirthDate && a.BirthDate != ""
}

// CompleteNIR appends the 2-digit key to the 13 first characters of a NIR.
func CompleteNIR(s13 string) string {
	return s13 + string([]byte{byte('0' + nirKey(s13)/10), byte('0' + nirKey(s13)%10)})
}
