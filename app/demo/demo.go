// Package demo generates realistic, synthetic French practice data: names,
// addresses, valid NIRs, consultations over years and appointments. It
// feeds `cabinet demo`, the GUI's demo vault and the benchmarks. The same
// seed always gives the same data. Every person is invented; e-mail
// addresses use the reserved example.* domains and phone numbers the
// ranges ARCEP keeps for fiction (01 99 00 .., 06 39 98 ..).
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
)

// Options shape a generated practice.
type Options struct {
	Patients int       // how many patients
	Seed     uint64    // same seed, same data
	Now      time.Time // "today" of the practice: consultations end here, appointments start here
}

// Record is one patient with their care history.
type Record struct {
	Patient       patient.Patient
	Consultations []patient.Consultation
	Appointments  []patient.Appointment
}

// Generate calls yield for each of o.Patients records, stopping early when
// yield returns false.
func Generate(o Options, yield func(Record) bool) {
	g := gen{r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), now: o.Now, taken: map[time.Time]bool{}}
	if g.now.IsZero() {
		g.now = time.Now()
	}
	for i := 0; i < o.Patients; i++ {
		if !yield(g.record(i)) {
			return
		}
	}
}

type gen struct {
	r     *rand.Rand
	now   time.Time
	taken map[time.Time]bool // booked appointment slots
}

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return l
}()

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) record(i int) Record {
	var p patient.Patient
	female := g.r.IntN(2) == 0
	if female {
		p.Sex = patient.Female
		p.FirstNames = g.pick(womenFirst)
		if second := g.pick(womenFirst); g.r.IntN(4) == 0 && second != p.FirstNames {
			p.FirstNames += " " + second
		}
	} else {
		p.Sex = patient.Male
		p.FirstNames = g.pick(menFirst)
		if second := g.pick(menFirst); g.r.IntN(4) == 0 && second != p.FirstNames {
			p.FirstNames += " " + second
		}
	}
	p.BirthName = g.pick(surnames)
	if female && g.r.IntN(3) == 0 {
		p.UsedName = g.pick(surnames)
	}
	// Ages 0 to 95, weighted towards adults.
	age := g.r.IntN(96)
	if age < 18 && g.r.IntN(2) == 0 {
		age += 25
	}
	birth := g.now.AddDate(-age, 0, -g.r.IntN(365))
	p.BirthDate = birth.Format(time.DateOnly)
	place := places[g.r.IntN(len(places))]
	p.BirthPlace = place.insee
	sex := "1"
	if female {
		sex = "2"
	}
	order := fmt.Sprintf("%03d", 1+g.r.IntN(999))
	p.NIR = patient.CompleteNIR(sex + birth.Format("06") + birth.Format("01") + place.insee + order)
	home := places[g.r.IntN(len(places))]
	p.Address = fmt.Sprintf("%d %s\n%s %s", 1+g.r.IntN(120), g.pick(streets), home.postcode, home.city)
	if g.r.IntN(10) < 9 {
		if g.r.IntN(3) == 0 {
			p.Phone = fmt.Sprintf("01 99 00 %02d %02d", g.r.IntN(100), g.r.IntN(100))
		} else {
			p.Phone = fmt.Sprintf("06 39 98 %02d %02d", g.r.IntN(100), g.r.IntN(100))
		}
	}
	if g.r.IntN(10) < 7 {
		p.Email = fmt.Sprintf("%s.%s%d@%s", mailPart(p.FirstNames), mailPart(p.BirthName), i, g.pick(domains))
	}
	if g.r.IntN(8) == 0 {
		p.Notes = g.pick(notes)
	}
	created := g.now.AddDate(-g.r.IntN(8), -g.r.IntN(12), 0)
	p.Created = created.UTC()
	rec := Record{Patient: p}

	// Consultations: 0 to 8, between the first visit and today.
	n := g.r.IntN(9)
	span := g.now.Sub(created)
	for j := 0; j < n; j++ {
		d := created.Add(time.Duration(g.r.Int64N(int64(span) + 1)))
		d = time.Date(d.Year(), d.Month(), d.Day(), 8+g.r.IntN(11), 15*g.r.IntN(4), 0, 0, time.UTC)
		if d.After(g.now) {
			d = g.now.Add(-time.Hour)
		}
		c := patient.Consultation{Date: d, Reason: g.pick(reasons), Notes: g.pick(clinical)}
		if g.r.IntN(2) == 0 {
			c.Measures.Systolic = 100 + g.r.IntN(60)
			c.Measures.Diastolic = 60 + g.r.IntN(30)
			c.Measures.PulseBPM = 55 + g.r.IntN(45)
		}
		if age >= 18 && g.r.IntN(3) == 0 {
			c.Measures.HeightMM = 1500 + g.r.IntN(450)
			c.Measures.WeightG = 45000 + g.r.IntN(60000)
		}
		if g.r.IntN(4) == 0 {
			c.Observations = g.pick(observations)
		}
		rec.Consultations = append(rec.Consultations, c)
	}
	// Appointments: one in four patients has one booked in the next four
	// weeks, in a free half-hour slot of a weekday (none when the agenda is
	// full).
	if g.r.IntN(4) == 0 {
		for try := 0; try < 8; try++ {
			day := g.now.AddDate(0, 0, 1+g.r.IntN(28))
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			slot := g.r.IntN(20) // 8:00 to 17:30, Paris time
			start := time.Date(day.Year(), day.Month(), day.Day(), 8+slot/2, 30*(slot%2), 0, 0, paris)
			if g.taken[start] {
				continue
			}
			g.taken[start] = true
			rec.Appointments = append(rec.Appointments, patient.Appointment{
				Start: start, Duration: time.Duration(20+10*g.r.IntN(2)) * time.Minute,
				Reason: g.pick(reasons), Status: patient.Booked,
			})
			break
		}
	}
	return rec
}

// mailPart turns a name into the local part of an address: lower case,
// no accents, no spaces.
func mailPart(s string) string {
	s = patient.Fold(strings.Fields(s)[0])
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, s)
}

type place struct{ insee, postcode, city string }

var places = []place{
	{"75056", "75011", "Paris"}, {"69123", "69003", "Lyon"}, {"13055", "13005", "Marseille"},
	{"31555", "31000", "Toulouse"}, {"33063", "33000", "Bordeaux"}, {"59350", "59000", "Lille"},
	{"44109", "44000", "Nantes"}, {"67482", "67000", "Strasbourg"}, {"34172", "34000", "Montpellier"},
	{"35238", "35000", "Rennes"}, {"06088", "06000", "Nice"}, {"21231", "21000", "Dijon"},
	{"2A004", "20000", "Ajaccio"}, {"2B033", "20200", "Bastia"}, {"63113", "63000", "Clermont-Ferrand"},
	{"87085", "87000", "Limoges"}, {"29019", "29200", "Brest"}, {"38185", "38000", "Grenoble"},
	{"45234", "45000", "Orléans"}, {"14118", "14000", "Caen"}, {"97411", "97400", "Saint-Denis"},
	{"64445", "64000", "Pau"}, {"25056", "25000", "Besançon"}, {"86194", "86000", "Poitiers"},
}

var surnames = strings.Fields(`Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent
Simon Michel Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine
Rousseau Vincent Muller Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François
Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson
Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly
Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin
Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Philippe Bourgeois Pierre
Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte López Jean Dupuy Guillot Hubert Berger
Carpentier Sánchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein
Jacquet Adam Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron
Bertin Bailly Hervé Schneider Fernandez Le-Gall Collet Léger Bouvier Julien Prévost Millet Perrot
Daniel Le-Roux Cousin Germain Breton Besson Langlois Rémy Le-Goff Pelletier Lévêque Perrier Leblanc
Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet
Étienne Grondin Poulain Tessier Chevallier Collin Chauvin Da-Silva Bouchet Gay Lemaître Bénard
Maréchal Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay
Pasquier Carlier Laporte Ben-Ali Nguyen Diallo Traoré Haddad Benali Mendes Ferreira Kowalski`)

var womenFirst = strings.Fields(`Marie Jeanne Françoise Monique Catherine Nathalie Isabelle Sylvie
Anne Martine Christine Nicole Valérie Sandrine Sophie Céline Stéphanie Véronique Chantal Julie Aurélie
Camille Léa Manon Chloé Emma Inès Jade Louise Alice Lina Rose Anna Zoé Léna Mila Ambre Hélène Élodie
Émilie Laure Agnès Brigitte Odile Noémie Maëlys Océane Clémence Margaux Solène Aïcha Yasmine Fatou`)

var menFirst = strings.Fields(`Jean Pierre Michel André Philippe René Louis Alain Jacques Bernard
Daniel Christian Patrick Nicolas Christophe Stéphane Laurent Julien Sébastien David Thomas Antoine
Maxime Alexandre Hugo Lucas Gabriel Léo Raphaël Arthur Louis Jules Adam Noé Paul Nathan Théo Mathis
Éric Frédéric Jérôme Olivier Thierry François Benoît Gaël Loïc Yannick Hervé Mohamed Karim Moussa`)

var streets = []string{
	"rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Gambetta",
	"rue Pasteur", "place de la Mairie", "chemin des Vignes", "rue du Moulin", "allée des Tilleuls",
	"rue de l'Église", "avenue de la Gare", "impasse des Lilas", "rue Émile Zola", "quai des Bateliers",
}

var domains = []string{"example.fr", "example.com", "example.org", "example.net"}

var reasons = []string{
	"Lombalgie", "Cervicalgie", "Suivi annuel", "Entorse de cheville", "Céphalées", "Anxiété",
	"Troubles du sommeil", "Renouvellement", "Douleur d'épaule", "Bilan postural", "Fatigue",
	"Suivi de grossesse", "Rééducation du genou", "Sciatique", "Tendinite", "Bilan initial",
}

var clinical = []string{
	"Douleur à 5/10, mobilité réduite en flexion. Exercices à domicile expliqués.",
	"Amélioration nette depuis la dernière séance. Poursuite du protocole.",
	"Examen sans particularité. Conseils d'hygiène de vie.",
	"Tension musculaire paravertébrale. Travail en douceur, à revoir dans 3 semaines.",
	"Sommeil perturbé depuis un mois, pas d'idée noire. Suivi rapproché proposé.",
	"Raideur matinale, pas de signe inflammatoire. Étirements quotidiens.",
	"Bonne évolution, autonomie retrouvée pour les gestes du quotidien.",
}

var observations = []string{
	"Patient(e) ponctuel(le), bonne adhésion.", "Apporte ses radiographies la prochaine fois.",
	"Souhaite espacer les séances.", "Orientation vers le médecin traitant si pas d'amélioration.",
}

var notes = []string{
	"Allergie à la pénicilline.", "Préfère les rendez-vous en fin de journée.",
	"Malentendant : parler distinctement.", "Rappeler pour confirmer les rendez-vous.",
}
